package counsel

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"

	"socrates/internal/llm"
	"socrates/internal/llm/llmfake"
	"socrates/internal/socratic"
	"socrates/models"
)

func TestParseConflicts(t *testing.T) {
	news := map[int]bool{0: true, 1: true}
	current := map[int64]bool{12: true, 15: true}
	ok := `{"new": 1, "existing": [15, 12, 15], "type": "RESOURCE", "severity": "HIGH", "description": "One developer cannot staff it."}`
	got, err := parseConflicts("Here you are:\n```json\n{\"conflicts\": ["+ok+", "+ok+"]}\n```", news, current)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].New != 1 || fmt.Sprint(got[0].Existing) != "[12 15]" || got[0].Type != models.ConflictTypeResource ||
		got[0].Severity != models.ConflictSeverityHigh || got[0].Rule != socratic.RuleModel {
		t.Fatalf("parsed %+v", got)
	}
	if got, err := parseConflicts(`{"conflicts": []}`, news, current); err != nil || len(got) != 0 {
		t.Fatalf("empty answer: %v %v", got, err)
	}
	item := func(fields string) string {
		return `{"conflicts": [{` + fields + `}]}`
	}
	many := make([]string, MaxReportedConflicts+1)
	for i := range many {
		many[i] = ok
	}
	for name, c := range map[string]struct{ text, want string }{
		"malformed JSON":       {`{"conflicts": [{"new": 0,}]}`, "invalid JSON"},
		"no object":            {`nothing contradicts`, "no JSON object"},
		"no conflicts list":    {`{"text": "What?"}`, `no "conflicts" list`},
		"unknown id":           {item(`"new": 0, "existing": [99], "type": "TECHNOLOGY", "severity": "LOW", "description": "x"`), "99 is not the id of a current specification"},
		"unknown index":        {item(`"new": 2, "existing": [12], "type": "TECHNOLOGY", "severity": "LOW", "description": "x"`), "2 is not the index"},
		"missing index":        {item(`"existing": [12], "type": "TECHNOLOGY", "severity": "LOW", "description": "x"`), "a missing index is not the index"},
		"no existing":          {item(`"new": 0, "existing": [], "type": "TECHNOLOGY", "severity": "LOW", "description": "x"`), "no existing specification"},
		"bad type":             {item(`"new": 0, "existing": [12], "type": "BUDGET", "severity": "LOW", "description": "x"`), `unknown type "BUDGET"`},
		"lower-case type":      {item(`"new": 0, "existing": [12], "type": "technology", "severity": "LOW", "description": "x"`), `unknown type "technology"`},
		"bad severity":         {item(`"new": 0, "existing": [12], "type": "TECHNOLOGY", "severity": "SEVERE", "description": "x"`), `unknown severity "SEVERE"`},
		"empty description":    {item(`"new": 0, "existing": [12], "type": "TECHNOLOGY", "severity": "LOW", "description": " "`), "description must have"},
		"oversize description": {item(`"new": 0, "existing": [12], "type": "TECHNOLOGY", "severity": "LOW", "description": "` + strings.Repeat("x", MaxConflictDescription+1) + `"`), "description must have"},
		"too many conflicts":   {`{"conflicts": [` + strings.Join(many, ",") + `]}`, "more than 20"},
		"oversize answer":      {`{"conflicts": []}` + strings.Repeat(" ", MaxConflictAnswer), "bytes, more than"},
		"string id":            {item(`"new": 0, "existing": ["12"], "type": "TECHNOLOGY", "severity": "LOW", "description": "x"`), "invalid JSON"},
	} {
		t.Run(name, func(t *testing.T) {
			got, err := parseConflicts(c.text, news, current)
			if err == nil || !strings.Contains(err.Error(), c.want) || got != nil {
				t.Fatalf("got %v, %v; want an error with %q", got, err, c.want)
			}
		})
	}
}

// TestConflictPromptBudget lists far more specifications than fit: the
// prompt stays within the budget, lists the related ones first, and only
// what it lists may be named.
func TestConflictPromptBudget(t *testing.T) {
	var current []socratic.SpecView
	for i := range 2000 {
		current = append(current, socratic.SpecView{Ref: int64(i + 1), Category: models.SpecCategoryRequirements,
			Key: fmt.Sprintf("feature_%d", i), Value: strings.Repeat("long value ", 40)})
	}
	current = append(current,
		socratic.SpecView{Ref: 5000, Category: models.SpecCategoryTechStack, Key: "database", Value: "PostgreSQL"},
		socratic.SpecView{Ref: 5001, Category: models.SpecCategoryTechStack, Key: "cache", Value: "Redis"})
	found := []socratic.Extracted{{Category: models.SpecCategoryTechStack, Key: "database", Value: "MySQL"}}
	p := buildConflictPrompt(found, current)
	if est := EstimateTokens(p.text); est > ConflictBudget {
		t.Fatalf("prompt of %d estimated tokens, budget %d", est, ConflictBudget)
	}
	if !p.news[0] || !p.current[5000] || !p.current[5001] || len(p.current) >= len(current) {
		t.Fatalf("listed %d current, new %v", len(p.current), p.news)
	}
	if i, j := strings.Index(p.text, "- 5000: [TECH_STACK] database = PostgreSQL"), strings.Index(p.text, "- 5001: [TECH_STACK] cache"); i < 0 || j < i {
		t.Fatalf("the same key first, then the same category:\n%.600s", p.text)
	}
	if !strings.Contains(p.text, "…") {
		t.Fatal("long values are not cut")
	}
	// A current specification left out of the prompt cannot be named.
	if _, err := parseConflicts(`{"conflicts": [{"new": 0, "existing": [1], "type": "TECHNOLOGY", "severity": "LOW", "description": "x"}]}`, p.news, p.current); err == nil {
		t.Fatal("an id the prompt did not list was accepted")
	}
	// New specifications take at most half the budget.
	var lots []socratic.Extracted
	for i := range 1000 {
		lots = append(lots, socratic.Extracted{Category: models.SpecCategoryGoals, Key: fmt.Sprintf("goal_%d", i), Value: strings.Repeat("v", 200)})
	}
	p = buildConflictPrompt(lots, current)
	if EstimateTokens(p.text) > ConflictBudget || len(p.news) == 0 || len(p.news) == len(lots) || len(p.current) == 0 {
		t.Fatalf("%d of %d new listed, %d current, %d tokens", len(p.news), len(lots), len(p.current), EstimateTokens(p.text))
	}
}

func TestReplyPromptBounds(t *testing.T) {
	in := ReplyInput{Message: "We also sell gift cards.", Focus: models.SpecCategorySecurity}
	for i := range 30 {
		in.History = append(in.History, Turn{Role: models.MessageRoleUser, Content: fmt.Sprintf("message %02d %s", i, strings.Repeat("w", 2000))})
	}
	for i := range 500 {
		in.Current = append(in.Current, socratic.SpecView{Ref: int64(i + 1), Category: models.SpecCategoryRequirements, Key: fmt.Sprintf("f_%d", i), Value: strings.Repeat("x", 100)})
	}
	in.Current = append(in.Current, socratic.SpecView{Ref: 1, Category: models.SpecCategorySecurity, Key: "authentication", Value: "SSO"})
	p := replyPrompt(in)
	if strings.Contains(p, "message 19 ") || !strings.Contains(p, "message 20 ") || !strings.Contains(p, "message 29 ") {
		t.Fatal("the prompt does not hold exactly the last 10 messages")
	}
	if !strings.Contains(p, "Focus category: SECURITY\n") || !strings.Contains(p, "- [SECURITY] authentication = SSO\n") ||
		!strings.HasSuffix(p, "User message:\nWe also sell gift cards.\n") {
		t.Fatalf("prompt:\n%.800s", p)
	}
	specs := strings.Count(p, "\n- [")
	if specs == 0 || specs >= len(in.Current) {
		t.Fatalf("%d specifications listed", specs)
	}
	if n := len(p); n > 3*ReplyBudget+ReplyHistory*(3*MaxHistoryMessage+20)+200 {
		t.Fatalf("prompt of %d bytes is over its bounds", n)
	}
}

// TestConflictsAgainstFake runs a check through a real client against the
// fake provider: a good answer is reported, a failing provider is a
// fallback with nothing reported, and nothing is asked without a model or
// without current specifications.
func TestConflictsAgainstFake(t *testing.T) {
	fake := llmfake.OpenAI()
	defer fake.Close()
	p, err := llm.New(models.LLMProviderIDOpenaiCompatible, llm.Config{APIKey: "k", BaseURL: fake.BaseURL(false)})
	if err != nil {
		t.Fatal(err)
	}
	c := New(socratic.NewExtractor(), slog.New(slog.NewTextHandler(io.Discard, nil)), nil, nil)
	e := Engine{Provider: p, Model: "gpt-4o-mini"}
	found := []socratic.Extracted{{Category: models.SpecCategoryTechStack, Key: "hosting", Value: "our own data centre"}}
	current := []socratic.SpecView{{Ref: 7, Category: models.SpecCategoryTechStack, Key: "compute_model", Value: "serverless"}}
	fake.Set(llmfake.Behaviour{Chunks: []string{`{"conflicts": [{"new": 0, "existing": [7], `, `"type": "TECHNOLOGY", "severity": "MEDIUM", "description": "Own hardware against serverless."}]}`},
		InputTokens: 80, OutputTokens: 30})
	got, o, asked := c.Conflicts(context.Background(), e, found, current)
	if !asked || o.Fallback || o.InputTokens != 80 || len(got) != 1 || got[0].Existing[0] != 7 {
		t.Fatalf("got %+v, outcome %+v", got, o)
	}
	fake.Set(llmfake.Behaviour{Status: 400})
	got, o, asked = c.Conflicts(context.Background(), e, found, current)
	if !asked || !o.Fallback || o.Provider != models.LLMProviderIDBuiltin || o.Reason == "" || got != nil {
		t.Fatalf("failure: got %+v, outcome %+v", got, o)
	}
	requests := len(fake.Requests())
	if _, _, asked := c.Conflicts(context.Background(), Engine{}, found, current); asked {
		t.Fatal("the built-in engine asked")
	}
	if _, _, asked := c.Conflicts(context.Background(), e, found, nil); asked {
		t.Fatal("asked with nothing current")
	}
	if len(fake.Requests()) != requests {
		t.Fatal("a call went out")
	}
}
