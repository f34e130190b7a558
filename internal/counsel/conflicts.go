package counsel

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"socrates/internal/llm"
	"socrates/internal/socratic"
	"socrates/models"
)

// Bounds of the conflict check.
const (
	// ConflictBudget bounds the estimated tokens (EstimateTokens) of the
	// conflict prompt's specifications: the new ones first, then as many
	// current ones as fit, the most related first.
	ConflictBudget = 6000
	// MaxPromptValue is the longest value, in characters, a prompt shows
	// of a specification; a longer one is cut with "…".
	MaxPromptValue = 300
	// MaxReportedConflicts is the most conflicts a model may report at once.
	MaxReportedConflicts = 20
	// MaxConflictAnswer is the longest answer, in bytes, a conflict check
	// may return.
	MaxConflictAnswer = 16 << 10
	// MaxConflictDescription is the longest description, in characters, of
	// a reported conflict.
	MaxConflictDescription = 1000
)

// EstimateTokens estimates the tokens of a text without a tokenizer: one
// per three bytes of UTF-8, rounded up. English runs at about four
// characters a token, so this overestimates it, and a character of a
// non-Latin script (two or three bytes) counts for about one token, as
// tokenizers count them.
func EstimateTokens(s string) int { return (len(s) + 2) / 3 }

const conflictSystem = `You check a software project's specifications for contradictions.
You get the project's CURRENT specifications, each with its id, and NEW specifications just found, each with its index.
Report only real contradictions between a NEW specification and CURRENT ones (two technologies for one purpose,
requirements that cannot both hold, a schedule impossible for the scope, a budget or team that cannot pay for a requirement).
Reply with only a JSON object: {"conflicts": [{"new": <index of the NEW specification>, "existing": [<ids of the CURRENT specifications it contradicts>],
"type": one of TECHNOLOGY, REQUIREMENT, TIMELINE, RESOURCE, "severity": one of LOW, MEDIUM, HIGH, CRITICAL,
"description": "<one sentence saying what contradicts what>"}]}. Use only the ids and indexes given. Reply {"conflicts": []} when nothing contradicts.`

// conflictPrompt is the user prompt of a conflict check and what it shows:
// the indexes of the found specifications listed and the ids of the
// current ones.
type conflictPrompt struct {
	text    string
	news    map[int]bool
	current map[int64]bool
}

// buildConflictPrompt lists the found specifications, then the current
// ones, within ConflictBudget estimated tokens. Current specifications
// sharing a key with a found one come first, then those sharing a
// category, then the others, newest first in each group.
func buildConflictPrompt(found []socratic.Extracted, current []socratic.SpecView) conflictPrompt {
	p := conflictPrompt{news: map[int]bool{}, current: map[int64]bool{}}
	var b strings.Builder
	used := 0
	add := func(line string) bool {
		if used+EstimateTokens(line) > ConflictBudget {
			return false
		}
		used += EstimateTokens(line)
		b.WriteString(line)
		return true
	}
	add("NEW specifications (index: [CATEGORY] key = value):\n")
	keys, cats := map[string]bool{}, map[models.SpecCategory]bool{}
	for i, f := range found {
		// Half the budget at most for the new ones: they need something
		// to be compared with.
		line := fmt.Sprintf("- %d: [%s] %s = %s\n", i, f.Category, f.Key, cut(f.Value, MaxPromptValue))
		if used+EstimateTokens(line) > ConflictBudget/2 || !add(line) {
			break
		}
		p.news[i] = true
		keys[f.Key], cats[f.Category] = true, true
	}
	add("CURRENT specifications (id: [CATEGORY] key = value):\n")
	rank := func(s socratic.SpecView) int {
		switch {
		case keys[s.Key]:
			return 0
		case cats[s.Category]:
			return 1
		}
		return 2
	}
	ordered := slices.Clone(current)
	slices.SortStableFunc(ordered, func(a, b socratic.SpecView) int {
		if ra, rb := rank(a), rank(b); ra != rb {
			return ra - rb
		}
		return compareDesc(a.Ref, b.Ref)
	})
	for _, s := range ordered {
		if !add(fmt.Sprintf("- %d: [%s] %s = %s\n", s.Ref, s.Category, s.Key, cut(s.Value, MaxPromptValue))) {
			break
		}
		p.current[s.Ref] = true
	}
	p.text = b.String()
	return p
}

func compareDesc(a, b int64) int {
	switch {
	case a > b:
		return -1
	case a < b:
		return 1
	}
	return 0
}

// cut shortens s to at most n characters, marking a cut with "…".
func cut(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// Conflicts asks a language model which of the found specifications
// contradict current ones, before anything is written; the rules run
// anyway when the specifications are recorded. It asks nothing (asked is
// false) for the built-in engine, when nothing was found or when nothing
// is current. Any failure (an error, a timeout, an answer that is not
// the protocol's JSON, an unknown id or index, a type or severity outside
// the enums, an oversize answer) refuses the whole answer: nothing is
// reported, the failure is logged and the outcome is a fallback to the
// rules alone.
func (c *Counselor) Conflicts(ctx context.Context, e Engine, found []socratic.Extracted, current []socratic.SpecView) (reported []socratic.Reported, o Outcome, asked bool) {
	if !e.Remote() || len(found) == 0 || len(current) == 0 {
		return nil, Outcome{}, false
	}
	ctx, span := c.begin(ctx, "conflicts", e)
	defer func() { finish(span, o) }()
	start := time.Now()
	prompt := buildConflictPrompt(found, current)
	res, err := c.stream(ctx, e, "conflicts", llm.Request{Model: e.Model, System: conflictSystem, MaxTokens: 1500,
		Messages: []llm.Message{{Role: "user", Content: prompt.text}}}, func(string) {})
	if err == nil {
		if reported, err = parseConflicts(res.Text, prompt.news, prompt.current); err == nil {
			return reported, answered(e, res, start), true
		}
	}
	reason := c.fellBack(ctx, "conflicts", e, err)
	o = c.builtin("conflicts", start, e, reason)
	o.InputTokens, o.OutputTokens = res.InputTokens, res.OutputTokens
	return nil, o, true
}

// conflictJSON is one conflict of the protocol's answer.
type conflictJSON struct {
	New         *int    `json:"new"`
	Existing    []int64 `json:"existing"`
	Type        string  `json:"type"`
	Severity    string  `json:"severity"`
	Description string  `json:"description"`
}

// parseConflicts reads and validates a model's answer to a conflict check:
// news are the indexes of the found specifications it was shown, current
// the ids of the current ones. Anything outside the protocol rejects the
// whole answer; a conflict repeated with the same specifications is kept
// once.
func parseConflicts(text string, news map[int]bool, current map[int64]bool) ([]socratic.Reported, error) {
	if len(text) > MaxConflictAnswer {
		return nil, fmt.Errorf("the answer has %d bytes, more than %d", len(text), MaxConflictAnswer)
	}
	raw := jsonObject.FindString(text)
	if raw == "" {
		return nil, fmt.Errorf("no JSON object in %.120q", text)
	}
	var answer struct {
		Conflicts *[]conflictJSON `json:"conflicts"`
	}
	if err := json.Unmarshal([]byte(raw), &answer); err != nil {
		return nil, fmt.Errorf("invalid JSON from the model: %w", err)
	}
	if answer.Conflicts == nil {
		return nil, errors.New(`the answer has no "conflicts" list`)
	}
	items := *answer.Conflicts
	if len(items) > MaxReportedConflicts {
		return nil, fmt.Errorf("%d conflicts reported, more than %d", len(items), MaxReportedConflicts)
	}
	var out []socratic.Reported
	seen := map[string]bool{}
	for i, it := range items {
		typ, sev := models.ConflictType(it.Type), models.ConflictSeverity(it.Severity)
		desc := strings.TrimSpace(it.Description)
		switch {
		case it.New == nil || !news[*it.New]:
			return nil, fmt.Errorf("conflict %d: %s is not the index of a new specification", i, indexText(it.New))
		case len(it.Existing) == 0:
			return nil, fmt.Errorf("conflict %d: no existing specification named", i)
		case !typ.IsValid():
			return nil, fmt.Errorf("conflict %d: unknown type %q", i, it.Type)
		case !sev.IsValid():
			return nil, fmt.Errorf("conflict %d: unknown severity %q", i, it.Severity)
		case desc == "" || len([]rune(desc)) > MaxConflictDescription:
			return nil, fmt.Errorf("conflict %d: the description must have 1 to %d characters", i, MaxConflictDescription)
		}
		existing := slices.Clone(it.Existing)
		slices.Sort(existing)
		existing = slices.Compact(existing)
		for _, id := range existing {
			if !current[id] {
				return nil, fmt.Errorf("conflict %d: %d is not the id of a current specification", i, id)
			}
		}
		key := fmt.Sprint(*it.New, existing)
		if seen[key] {
			continue
		}
		seen[key] = true
		out = append(out, socratic.Reported{New: *it.New, Finding: socratic.Finding{
			Type: typ, Severity: sev, Rule: socratic.RuleModel, Description: desc, Existing: existing}})
	}
	return out, nil
}

func indexText(n *int) string {
	if n == nil {
		return "a missing index"
	}
	return fmt.Sprint(*n)
}
