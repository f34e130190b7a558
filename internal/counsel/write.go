package counsel

import (
	"context"
	"time"

	"socrates/internal/llm"
)

// Writing is a document asked of a model: its system prompt and user
// prompt, the most tokens it may take, and Accept, which checks the
// answer (a protocol's parser) and refuses it with an error.
type Writing struct {
	// Operation names the call in spans, metrics and logs.
	Operation string
	System    string
	Prompt    string
	MaxTokens int
	Accept    func(text string) error
}

// Write asks e's model for w and returns the accepted answer with the
// call's outcome, ok true. With the built-in engine it asks nothing and
// returns ok false with the built-in outcome; so it does on any failure
// (an error, a timeout, an answer Accept refuses), which is logged and
// recorded in the outcome as a fallback: the caller's built-in part
// answers instead.
func (c *Counselor) Write(ctx context.Context, e Engine, w Writing) (text string, o Outcome, ok bool) {
	ctx, span := c.begin(ctx, w.Operation, e)
	defer func() { finish(span, o) }()
	start := time.Now()
	if !e.Remote() {
		return "", c.builtin(w.Operation, start, e, e.Unavailable), false
	}
	res, err := c.stream(ctx, e, w.Operation, llm.Request{Model: e.Model, System: w.System, MaxTokens: w.MaxTokens,
		Messages: []llm.Message{{Role: "user", Content: w.Prompt}}}, func(string) {})
	if err == nil {
		if err = w.Accept(res.Text); err == nil {
			return res.Text, answered(e, res, start), true
		}
	}
	o = c.builtin(w.Operation, start, e, c.fellBack(ctx, w.Operation, e, err))
	o.InputTokens, o.OutputTokens = res.InputTokens, res.OutputTokens
	return "", o, false
}
