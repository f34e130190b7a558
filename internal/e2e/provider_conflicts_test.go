package e2e

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"socrates/internal/config"
	"socrates/internal/ids"
	"socrates/internal/llm/llmfake"
	"socrates/internal/pubsub"
	"socrates/internal/socratic"
	"socrates/internal/testenv"
	"socrates/models"
)

// scriptedModel answers each kind of prompt as a test says: the question
// ("" answers something that is not JSON, so the built-in bank asks), the
// extraction's JSON array, the conflict check (given the user prompt) and
// the chat reply's pieces.
type scriptedModel struct {
	mu         sync.Mutex
	question   string
	extraction string
	conflicts  func(prompt string) string
	reply      []string
}

func (m *scriptedModel) set(f func(m *scriptedModel)) {
	m.mu.Lock()
	defer m.mu.Unlock()
	f(m)
}

func (m *scriptedModel) respond(r llmfake.Request) []string {
	m.mu.Lock()
	question, extraction, conflicts, reply := m.question, m.extraction, m.conflicts, m.reply
	m.mu.Unlock()
	sys := r.SystemPrompt()
	switch {
	case strings.Contains(sys, "structured specifications"):
		return []string{extraction}
	case strings.Contains(sys, "for contradictions"):
		if conflicts == nil {
			return []string{`{"conflicts": []}`}
		}
		return []string{conflicts(userPrompt(r))}
	case strings.Contains(sys, "free conversation"):
		return reply
	}
	if question == "" {
		return []string{"I would rather not."}
	}
	return []string{`{"text": "` + question + `", "category": "GOALS", "context": "It anchors everything."}`}
}

// userPrompt is the text of a recorded request's user messages, in either
// wire format (a string, or Anthropic's content blocks).
func userPrompt(r llmfake.Request) string {
	msgs, _ := r.Body["messages"].([]any)
	var b strings.Builder
	for _, m := range msgs {
		mm, ok := m.(map[string]any)
		if !ok || mm["role"] != "user" {
			continue
		}
		switch c := mm["content"].(type) {
		case string:
			b.WriteString(c)
		case []any:
			for _, block := range c {
				if bm, ok := block.(map[string]any); ok {
					if t, ok := bm["text"].(string); ok {
						b.WriteString(t)
					}
				}
			}
		}
	}
	return b.String()
}

// promptsOf returns the user prompts a fake received whose system prompt
// contains marker.
func promptsOf(f *llmfake.Server, marker string) []string {
	var out []string
	for _, r := range f.Requests() {
		if strings.Contains(r.SystemPrompt(), marker) {
			out = append(out, userPrompt(r))
		}
	}
	return out
}

// idInPrompt finds the id the conflict prompt gives the current
// specification key = value.
func idInPrompt(t *testing.T, prompt, key string) string {
	t.Helper()
	m := regexp.MustCompile(`(?m)^- (\d+): \[[A-Z_]+\] ` + key + ` = `).FindStringSubmatch(prompt)
	if m == nil {
		t.Fatalf("no current specification %s in the conflict prompt:\n%s", key, prompt)
	}
	return m[1]
}

// llmCallRow is a stored llm_calls row.
type llmCallRow struct {
	Operation string  `bun:"operation"`
	Fallback  bool    `bun:"fallback"`
	Error     *string `bun:"error"`
}

func llmCalls(t *testing.T, srv *testenv.Server, pid string) []llmCallRow {
	t.Helper()
	var rows []llmCallRow
	if err := srv.App.DB.NewRaw("SELECT operation, fallback, error FROM llm_calls WHERE project_id = ? ORDER BY id",
		mustID(t, ids.Project, pid)).Scan(context.Background(), &rows); err != nil {
		t.Fatal(err)
	}
	return rows
}

func callsOf(rows []llmCallRow, op string) []llmCallRow {
	var out []llmCallRow
	for _, r := range rows {
		if r.Operation == op {
			out = append(out, r)
		}
	}
	return out
}

const addSpecMutation = `mutation($p: ID!, $c: SpecCategory!, $k: String!, $v: String!) { addSpecification(input: {projectId: $p, category: $c, key: $k, value: $v}) {
	specification { id status } project { maturity } userErrors { code message } } }`

func addSpec(t *testing.T, c *testenv.Client, pid, category, key, value string) (id string, maturity int) {
	t.Helper()
	var out struct {
		AddSpecification struct {
			Specification *struct{ ID, Status string }
			Project       *struct{ Maturity int }
			UserErrors    []testenv.UserErrorT
		}
	}
	c.Must(addSpecMutation, map[string]any{"p": pid, "c": category, "k": key, "v": value}, &out)
	a := out.AddSpecification
	if a.Specification == nil || a.Specification.Status != "CURRENT" {
		t.Fatalf("addSpecification %s: %+v", key, a)
	}
	return a.Specification.ID, a.Project.Maturity
}

// providerServer starts a server whose default provider is the fake.
func providerServer(t *testing.T, dbURL string, fake *llmfake.Server, anthropic bool) *testenv.Server {
	return testenv.StartServer(t, dbURL, testenv.WithConfig(func(c *config.Config) {
		if anthropic {
			c.LLMProvider, c.AnthropicKey, c.AnthropicBaseURL = "ANTHROPIC", "k", fake.BaseURL(true)
		} else {
			c.LLMProvider, c.OpenAIKey, c.OpenAIBaseURL = "OPENAI_COMPATIBLE", "k", fake.BaseURL(false)
		}
	}))
}

// TestProviderDetectsConflictNoRuleCovers has the model report a conflict
// between single sign-on for every user and use without an account, which
// no rule knows: the new specification is PENDING and linked to a
// CRITICAL conflict (a severity the rules never give), maturity leaves it
// out, the events come after commit and the call is recorded. A pair the
// rules found too is recorded once.
func TestProviderDetectsConflictNoRuleCovers(t *testing.T) {
	testenv.EachDB(t, func(t *testing.T, dbURL string) {
		fake := llmfake.Anthropic()
		defer fake.Close()
		model := &scriptedModel{question: "Who will use the system and how do they get in?"}
		fake.Set(llmfake.Behaviour{Respond: model.respond, InputTokens: 50, OutputTokens: 20})
		srv := providerServer(t, dbURL, fake, true)
		me, tok := srv.Client(t).NewUser()
		pid := me.CreateProject("model conflicts")
		authID, maturity := addSpec(t, me, pid, "SECURITY", "authentication", "corporate single sign-on for every user")
		sid := me.StartSession(pid)
		events := subscribe(t, srv, tok.AccessToken, pubsub.SessionTopic(sessionNumber(t, sid)),
			`subscription($s: ID!) { sessionEvents(sessionId: $s) { type conflicts { severity } specifications { key status } } }`, map[string]any{"s": sid})

		// No rule sees a conflict between these two.
		existing := socratic.SpecView{Ref: 1, Category: models.SpecCategorySecurity, Key: "authentication", Value: "corporate single sign-on for every user"}
		newSpec := socratic.SpecView{Category: models.SpecCategoryRequirements, Key: "public_access", Value: "anyone can use the app without an account"}
		if fs := socratic.Detect(newSpec, []socratic.SpecView{existing}, nil); len(fs) != 0 {
			t.Fatalf("a rule covers the pair: %+v", fs)
		}
		model.set(func(m *scriptedModel) {
			m.extraction = `[{"category":"REQUIREMENTS","key":"public_access","value":"anyone can use the app without an account","content":"Anyone can use the app without an account.","confidence":1,"reasoning":"stated"}]`
			m.conflicts = func(prompt string) string {
				return fmt.Sprintf(`{"conflicts": [{"new": 0, "existing": [%s], "type": "REQUIREMENT", "severity": "CRITICAL",
					"description": "Everyone signs in through corporate single sign-on, yet anyone may use the app without an account."}]}`, idInPrompt(t, prompt, "authentication"))
			}
		})
		q := ask(t, me, sid).AskNextQuestion.Question
		a := answer(t, me, q.ID, "Anyone on the internet can use the app without an account.").AnswerQuestion
		if len(a.UserErrors) > 0 || len(a.Conflicts) != 1 {
			t.Fatalf("answer: %+v", a)
		}
		c := a.Conflicts[0]
		if c.Type != "REQUIREMENT" || c.Severity != "CRITICAL" || c.Status != "OPEN" || !strings.Contains(c.Description, "single sign-on") {
			t.Fatalf("conflict %+v", c)
		}
		if len(c.Specifications) != 2 || c.Specifications[0].ID != authID || c.Specifications[0].Status != "CURRENT" ||
			c.Specifications[1].Key != "public_access" || c.Specifications[1].Status != "PENDING" {
			t.Fatalf("conflict specifications %+v", c.Specifications)
		}
		if sp := specByKey(a.Specifications, "public_access"); sp == nil || sp.Status != "PENDING" {
			t.Fatalf("new specification %+v", a.Specifications)
		}
		if a.Project.Maturity != maturity || a.Project.OpenConflictCount != 1 {
			t.Fatalf("project %+v, want maturity %d (pending not counted) and 1 open conflict", a.Project, maturity)
		}
		if e, _ := events.until("type", "CONFLICT_DETECTED"); fmt.Sprint(e["conflicts"]) != "[map[severity:CRITICAL]]" {
			t.Fatalf("conflict event %v", e)
		}
		prompts := promptsOf(fake, "for contradictions")
		if len(prompts) != 1 || !strings.Contains(prompts[0], "- 0: [REQUIREMENTS] public_access = anyone can use the app") {
			t.Fatalf("conflict prompts %q", prompts)
		}
		var rule string
		if err := srv.App.DB.NewRaw("SELECT rule FROM conflicts WHERE id = ?", mustID(t, ids.Conflict, c.ID)).Scan(context.Background(), &rule); err != nil || rule != socratic.RuleModel {
			t.Fatalf("stored rule %q %v", rule, err)
		}
		checks := callsOf(llmCalls(t, srv, pid), "CONFLICTS")
		if len(checks) != 1 || checks[0].Fallback {
			t.Fatalf("conflict calls %+v", checks)
		}

		// The rules find PostgreSQL against MySQL; the model reports the
		// same pair: one conflict, the rule's.
		dbID, _ := addSpec(t, me, pid, "TECH_STACK", "database", "PostgreSQL")
		model.set(func(m *scriptedModel) {
			m.extraction = `[{"category":"TECH_STACK","key":"database","value":"MySQL","content":"The database is MySQL.","confidence":1,"reasoning":"stated"}]`
			m.conflicts = func(prompt string) string {
				return fmt.Sprintf(`{"conflicts": [{"new": 0, "existing": [%s], "type": "TECHNOLOGY", "severity": "HIGH", "description": "Two databases."},
					{"new": 0, "existing": [%[1]s], "type": "TECHNOLOGY", "severity": "HIGH", "description": "Two databases."}]}`, idInPrompt(t, prompt, "database"))
			}
		})
		model.set(func(m *scriptedModel) { m.question = "Where will the data live?" })
		q = ask(t, me, sid).AskNextQuestion.Question
		a = answer(t, me, q.ID, "The data lives in MySQL.").AnswerQuestion
		if len(a.Conflicts) != 1 || len(a.Conflicts[0].Specifications) != 2 || a.Conflicts[0].Specifications[0].ID != dbID {
			t.Fatalf("merged conflicts %+v", a.Conflicts)
		}
		var rules []string
		if err := srv.App.DB.NewRaw("SELECT rule FROM conflicts WHERE project_id = ? ORDER BY id", mustID(t, ids.Project, pid)).Scan(context.Background(), &rules); err != nil {
			t.Fatal(err)
		}
		if strings.Join(rules, ",") != socratic.RuleModel+","+socratic.RuleSameKey {
			t.Fatalf("stored rules %v", rules)
		}
	})
}

// TestProviderConflictAnswersRefused has the model name a specification
// that does not exist, then fail outright: either way the whole answer is
// refused and logged, the rules alone decide, and the call is recorded as
// a fallback.
func TestProviderConflictAnswersRefused(t *testing.T) {
	testenv.EachDB(t, func(t *testing.T, dbURL string) {
		fake := llmfake.OpenAI()
		defer fake.Close()
		model := &scriptedModel{question: "What must the system never do?"}
		fake.Set(llmfake.Behaviour{Respond: model.respond})
		srv := providerServer(t, dbURL, fake, false)
		me, _ := srv.Client(t).NewUser()
		pid := me.CreateProject("refused conflicts")
		addSpec(t, me, pid, "SECURITY", "authentication", "corporate single sign-on for every user")
		sid := me.StartSession(pid)

		model.set(func(m *scriptedModel) {
			m.extraction = `[{"category":"REQUIREMENTS","key":"public_access","value":"anyone can use the app","content":"Anyone can use the app.","confidence":1,"reasoning":"stated"}]`
			m.conflicts = func(string) string {
				return `{"conflicts": [{"new": 0, "existing": [987654321], "type": "REQUIREMENT", "severity": "HIGH", "description": "A ghost."}]}`
			}
		})
		q := ask(t, me, sid).AskNextQuestion.Question
		a := answer(t, me, q.ID, "Anyone can use the app.").AnswerQuestion
		if len(a.Conflicts) != 0 || len(a.Specifications) != 1 || a.Specifications[0].Status != "CURRENT" {
			t.Fatalf("an unknown id was stored: %+v", a)
		}
		checks := callsOf(llmCalls(t, srv, pid), "CONFLICTS")
		if len(checks) != 1 || !checks[0].Fallback || checks[0].Error == nil || !strings.Contains(*checks[0].Error, "987654321 is not the id of a current specification") {
			t.Fatalf("refused check %+v", checks)
		}
		if !strings.Contains(srv.Logs.String(), "987654321 is not the id") {
			t.Fatal("the refused answer was not logged")
		}

		// The rules still answer when the model fails outright.
		model.set(func(m *scriptedModel) {
			m.question = "Which data does the system hold?"
			m.extraction = `[{"category":"SECURITY","key":"authentication","value":"LDAP","content":"Authentication is LDAP.","confidence":1,"reasoning":"stated"}]`
			m.conflicts = func(string) string { return `not JSON` }
		})
		q = ask(t, me, sid).AskNextQuestion.Question
		a = answer(t, me, q.ID, "Logins go through LDAP.").AnswerQuestion
		if len(a.Conflicts) != 1 || a.Conflicts[0].Type != "REQUIREMENT" || !strings.Contains(a.Conflicts[0].Description, "Two different values for authentication") {
			t.Fatalf("the rules did not answer alone: %+v", a.Conflicts)
		}
		checks = callsOf(llmCalls(t, srv, pid), "CONFLICTS")
		if len(checks) != 2 || !checks[1].Fallback {
			t.Fatalf("checks %+v", checks)
		}
		u := usage(t, me, pid).Project.LlmUsage
		if u.Fallbacks != 2 {
			t.Fatalf("usage %+v, want the two refused checks as fallbacks", u)
		}
	})
}

// TestProviderConflictRecheckedInTransaction rejects the specification the
// model names while the model runs: the reported conflict is dropped and
// logged when recording, and the new specification is CURRENT.
func TestProviderConflictRecheckedInTransaction(t *testing.T) {
	testenv.EachDB(t, func(t *testing.T, dbURL string) {
		fake := llmfake.OpenAI()
		defer fake.Close()
		arrived, release := make(chan struct{}), make(chan struct{})
		var releaseOnce sync.Once
		free := func() { releaseOnce.Do(func() { close(release) }) }
		model := &scriptedModel{question: "Who may use the system?"}
		model.extraction = `[{"category":"REQUIREMENTS","key":"public_access","value":"anyone can use the app","content":"Anyone can use the app.","confidence":1,"reasoning":"stated"}]`
		model.conflicts = func(prompt string) string {
			id := idInPrompt(t, prompt, "authentication")
			close(arrived)
			<-release
			return `{"conflicts": [{"new": 0, "existing": [` + id + `], "type": "REQUIREMENT", "severity": "HIGH", "description": "Sign-on against open use."}]}`
		}
		fake.Set(llmfake.Behaviour{Respond: model.respond})
		// A failing test must not leave the fake's handler waiting.
		defer free()
		srv := providerServer(t, dbURL, fake, false)
		me, _ := srv.Client(t).NewUser()
		pid := me.CreateProject("recheck")
		authID, _ := addSpec(t, me, pid, "SECURITY", "authentication", "corporate single sign-on for every user")
		sid := me.StartSession(pid)
		q := ask(t, me, sid).AskNextQuestion.Question
		done := make(chan answerResult, 1)
		go func() {
			var out answerResult
			me.Must(answerMutation, map[string]any{"q": q.ID, "a": "Anyone can use the app."}, &out)
			done <- out
		}()
		select {
		case <-arrived:
		case <-time.After(30 * time.Second):
			t.Fatal("the conflict check never reached the model")
		}
		var rej struct{ RejectSpecification correctionT }
		me.Must(rejectMutation, map[string]any{"s": authID, "n": "open access instead"}, &rej)
		if rej.RejectSpecification.Specification == nil || rej.RejectSpecification.Specification.Status != "REJECTED" {
			t.Fatalf("reject %+v", rej.RejectSpecification)
		}
		free()
		a := (<-done).AnswerQuestion
		if len(a.UserErrors) > 0 || len(a.Conflicts) != 0 || len(a.Specifications) != 1 || a.Specifications[0].Status != "CURRENT" {
			t.Fatalf("answer %+v", a)
		}
		if !strings.Contains(srv.Logs.String(), "reported conflict dropped") {
			t.Fatal("the dropped conflict was not logged")
		}
		if checks := callsOf(llmCalls(t, srv, pid), "CONFLICTS"); len(checks) != 1 || checks[0].Fallback {
			t.Fatalf("checks %+v", checks)
		}
	})
}

// TestExtractionPromptHoldsTheQuestion checks the extraction request holds
// the question answered, its text and category: for a model-written
// question, and for a bank question (with the key it asks for) when the
// model could not write one.
func TestExtractionPromptHoldsTheQuestion(t *testing.T) {
	testenv.EachDB(t, func(t *testing.T, dbURL string) {
		fake := llmfake.OpenAI()
		defer fake.Close()
		model := &scriptedModel{question: "What would make this project a success for you?", extraction: `[]`}
		fake.Set(llmfake.Behaviour{Respond: model.respond})
		srv := providerServer(t, dbURL, fake, false)
		me, _ := srv.Client(t).NewUser()
		sid := me.StartSession(me.CreateProject("prompted"))
		q := ask(t, me, sid).AskNextQuestion.Question
		answer(t, me, q.ID, "Fewer support calls.")
		prompts := promptsOf(fake, "structured specifications")
		if len(prompts) != 1 || !strings.Contains(prompts[0], "Question: What would make this project a success for you?\n") ||
			!strings.Contains(prompts[0], "Question category: GOALS\n") || !strings.Contains(prompts[0], "Answer:\nFewer support calls.") {
			t.Fatalf("extraction prompt %q", prompts)
		}
		model.set(func(m *scriptedModel) { m.question = "" })
		q = ask(t, me, sid).AskNextQuestion.Question
		answer(t, me, q.ID, "Shop owners in small towns.")
		prompts = promptsOf(fake, "structured specifications")
		if len(prompts) != 2 || !strings.Contains(prompts[1], "Question: "+q.Text+"\n") ||
			!strings.Contains(prompts[1], "Question category: "+q.Category+"\n") || !strings.Contains(prompts[1], "Question asks for: ") {
			t.Fatalf("bank question %q (%s): extraction prompt %q", q.Text, q.Category, prompts[1:])
		}
	})
}
