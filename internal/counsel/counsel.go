// Package counsel plays the Socratic counselor: it generates questions,
// extracts specifications and writes chat replies, with a language model
// when one is configured and with the built-in engine otherwise. The
// built-in engine is also the fallback: whatever a provider does (fail,
// hang, return invalid JSON or a biased question), the counselor answers.
package counsel

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"strings"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"

	"socrates/internal/llm"
	"socrates/internal/socratic"
	"socrates/models"
)

// Engine is the provider chosen for a call: a client and a model, or nil
// for the built-in engine. Unavailable says why a configured provider could
// not be used (the built-in engine then answers as a fallback).
type Engine struct {
	Provider    llm.Provider
	Model       string
	Unavailable string
}

// Remote reports whether a language model answers; the built-in engine
// needs less context than one.
func (e Engine) Remote() bool { return e.Provider != nil }

// Outcome describes how a call was answered, for usage records and events.
type Outcome struct {
	Provider     models.LLMProviderID
	Model        string
	InputTokens  int
	OutputTokens int
	CostUSD      float64
	Latency      time.Duration
	// Fallback is true when the chosen provider failed and the built-in
	// engine answered; Reason says why.
	Fallback bool
	Reason   string
}

// BuiltinModel names the built-in engine in usage records.
const BuiltinModel = "socratic-builtin-1"

// Counselor answers with a provider or the built-in engine.
type Counselor struct {
	extractor *socratic.Extractor
	logger    *slog.Logger
	tracer    trace.Tracer
	observer  Observer
}

// Observer is told of each provider call and of each operation the
// built-in engine answered in a provider's place (the server's metrics).
type Observer interface {
	ProviderCall(provider, model, outcome string, latency time.Duration, inputTokens, outputTokens int, costUSD float64)
	Fallback(provider, operation string)
}

// noObserver observes nothing.
type noObserver struct{}

func (noObserver) ProviderCall(string, string, string, time.Duration, int, int, float64) {}
func (noObserver) Fallback(string, string)                                               {}

// New returns a counselor. Each operation is a span of tp's, with a
// child span per provider call; observer (nil for none) is told of the
// calls and fallbacks.
func New(extractor *socratic.Extractor, logger *slog.Logger, tp trace.TracerProvider, observer Observer) *Counselor {
	if tp == nil {
		tp = noop.NewTracerProvider()
	}
	if observer == nil {
		observer = noObserver{}
	}
	return &Counselor{extractor: extractor, logger: logger, tracer: tp.Tracer("socrates/internal/counsel"), observer: observer}
}

// Extractor returns the built-in extractor.
func (c *Counselor) Extractor() *socratic.Extractor { return c.extractor }

// builtin is the outcome of an operation the built-in engine answered; a
// fallback when a provider was chosen.
func (c *Counselor) builtin(operation string, start time.Time, e Engine, reason string) Outcome {
	o := Outcome{Provider: models.LLMProviderIDBuiltin, Model: BuiltinModel, Latency: time.Since(start)}
	if e.Provider != nil || e.Unavailable != "" {
		o.Fallback, o.Reason = true, reason
		provider := "unavailable"
		if e.Provider != nil {
			provider = string(e.Provider.ID())
		}
		c.observer.Fallback(provider, operation)
	}
	return o
}

// answered is the outcome of an operation e's provider answered with
// res, for an operation that started at start.
func answered(e Engine, res llm.Result, start time.Time) Outcome {
	return Outcome{Provider: e.Provider.ID(), Model: res.Model, InputTokens: res.InputTokens, OutputTokens: res.OutputTokens,
		CostUSD: llm.Cost(e.Provider.ID(), res.Model, res.InputTokens, res.OutputTokens), Latency: time.Since(start)}
}

// begin starts the span of a counselor operation.
func (c *Counselor) begin(ctx context.Context, operation string, e Engine) (context.Context, trace.Span) {
	provider := string(models.LLMProviderIDBuiltin)
	if e.Provider != nil {
		provider = string(e.Provider.ID())
	}
	return c.tracer.Start(ctx, "counsel "+operation, trace.WithAttributes(
		attribute.String("socrates.counsel.operation", operation),
		attribute.String("socrates.llm.chosen_provider", provider),
		attribute.String("gen_ai.request.model", e.Model),
	))
}

// finish records how an operation was answered on its span and ends it.
func finish(span trace.Span, o Outcome) {
	if span.IsRecording() {
		span.SetAttributes(
			attribute.String("gen_ai.provider.name", string(o.Provider)),
			attribute.String("gen_ai.response.model", o.Model),
			attribute.Int("gen_ai.usage.input_tokens", o.InputTokens),
			attribute.Int("gen_ai.usage.output_tokens", o.OutputTokens),
			attribute.Float64("socrates.llm.cost_usd", o.CostUSD),
			attribute.Bool("socrates.llm.fallback", o.Fallback),
		)
		if o.Reason != "" {
			span.SetAttributes(attribute.String("socrates.llm.fallback_reason", o.Reason))
		}
	}
	span.End()
}

// stream makes one provider call, as a client span with the provider,
// the model and the tokens, and tells the observer how it went.
func (c *Counselor) stream(ctx context.Context, e Engine, operation string, req llm.Request, onDelta func(string)) (llm.Result, error) {
	provider := string(e.Provider.ID())
	ctx, span := c.tracer.Start(ctx, "chat "+req.Model, trace.WithSpanKind(trace.SpanKindClient), trace.WithAttributes(
		attribute.String("gen_ai.operation.name", "chat"),
		attribute.String("gen_ai.provider.name", provider),
		attribute.String("gen_ai.request.model", req.Model),
		attribute.String("socrates.counsel.operation", operation),
	))
	defer span.End()
	start := time.Now()
	res, err := e.Provider.Stream(ctx, req, onDelta)
	latency := time.Since(start)
	model := res.Model
	if model == "" {
		model = req.Model
	}
	outcome := "ok"
	switch {
	case err == nil:
	case errors.Is(err, context.DeadlineExceeded):
		outcome = "timeout"
	case errors.Is(err, context.Canceled):
		outcome = "canceled"
	default:
		outcome = "error"
	}
	cost := llm.Cost(e.Provider.ID(), model, res.InputTokens, res.OutputTokens)
	c.observer.ProviderCall(provider, model, outcome, latency, res.InputTokens, res.OutputTokens, cost)
	if span.IsRecording() {
		span.SetAttributes(
			attribute.String("gen_ai.response.model", model),
			attribute.Int("gen_ai.usage.input_tokens", res.InputTokens),
			attribute.Int("gen_ai.usage.output_tokens", res.OutputTokens),
			attribute.Float64("socrates.llm.cost_usd", cost),
		)
		if err != nil {
			span.RecordError(err)
			span.SetStatus(codes.Error, outcome)
		}
	}
	return res, err
}

func (c *Counselor) fellBack(ctx context.Context, what string, e Engine, err error) string {
	name := "configured provider"
	if e.Provider != nil {
		name = string(e.Provider.ID())
	}
	reason := fmt.Sprintf("%s failed (%s); the built-in engine answered", name, short(err))
	c.logger.WarnContext(ctx, "language model fallback", "operation", what, "provider", name, "model", e.Model, "error", err.Error())
	return reason
}

func short(err error) string {
	s := err.Error()
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return s
}

// Stream receives a question as it is written. Restart means the text so
// far is void (the provider failed mid-way) and the built-in engine's text
// follows.
type Stream struct {
	Delta   func(string)
	Restart func(reason string)
}

// Question generates the next question, streaming its text as it is written.
func (c *Counselor) Question(ctx context.Context, e Engine, qc socratic.QuestionContext, stream Stream) (q socratic.Question, o Outcome, err error) {
	ctx, span := c.begin(ctx, "question", e)
	defer func() {
		if err != nil {
			span.RecordError(err)
			span.SetStatus(codes.Error, "no question")
		}
		finish(span, o)
	}()
	onDelta := stream.Delta
	start := time.Now()
	if e.Provider != nil {
		q, res, err := c.llmQuestion(ctx, e, qc, onDelta)
		if err == nil {
			return q, answered(e, res, start), nil
		}
		if ctx.Err() != nil {
			return socratic.Question{}, Outcome{}, ctx.Err()
		}
		reason := c.fellBack(ctx, "question", e, err)
		q, qerr := socratic.NextQuestion(qc)
		if qerr != nil {
			return q, Outcome{}, qerr
		}
		stream.Restart(reason)
		streamWords(q.Text, onDelta)
		return q, c.builtin("question", start, e, reason), nil
	}
	q, err = socratic.NextQuestion(qc)
	if err != nil {
		return q, Outcome{}, err
	}
	streamWords(q.Text, onDelta)
	return q, c.builtin("question", start, e, e.Unavailable), nil
}

// streamWords sends a built-in text in word-sized pieces, as a model would.
func streamWords(text string, onDelta func(string)) {
	words := strings.SplitAfter(text, " ")
	for i := 0; i < len(words); i += 3 {
		end := min(i+3, len(words))
		onDelta(strings.Join(words[i:end], ""))
	}
}

const questionSystem = `You are a Socratic requirements counselor helping a team specify a software system.
Ask exactly one open question about the focus category. Rules: one aspect at a time; at most two sentences;
open-ended (never a yes/no question, never "should we use X?"); no leading or fashionable wording
("obviously", "industry standard", "everyone uses", "you need"); ask WHAT before HOW; never repeat an earlier question.
Reply with only a JSON object: {"text": "<the question>", "category": "<focus category>", "context": "<one sentence on why it matters>"}.`

type questionJSON struct {
	Text     string `json:"text"`
	Category string `json:"category"`
	Context  string `json:"context"`
}

var jsonObject = regexp.MustCompile(`(?s)\{.*\}`)

func (c *Counselor) llmQuestion(ctx context.Context, e Engine, qc socratic.QuestionContext, onDelta func(string)) (socratic.Question, llm.Result, error) {
	focus := socratic.FocusCategory(qc)
	var prompt strings.Builder
	fmt.Fprintf(&prompt, "Project: %s\nDescription: %s\nPhase: %s\nMaturity: %d/100\nFocus category: %s\n",
		qc.ProjectName, qc.ProjectDescription, qc.Phase, qc.Maturity, focus)
	prompt.WriteString("Current specifications:\n")
	for i, s := range qc.Current {
		if i == 20 {
			break
		}
		fmt.Fprintf(&prompt, "- [%s] %s = %s\n", s.Category, s.Key, s.Value)
	}
	prompt.WriteString("Earlier questions in this session:\n")
	earlier := qc.Earlier
	if len(earlier) > 10 {
		earlier = earlier[len(earlier)-10:]
	}
	for _, q := range earlier {
		fmt.Fprintf(&prompt, "- %s\n", q)
	}
	var total llm.Result
	note := ""
	for attempt := 0; attempt < 2; attempt++ {
		streamer := newFieldStreamer("text", onDelta)
		res, err := c.stream(ctx, e, "question", llm.Request{
			Model: e.Model, System: questionSystem, MaxTokens: 400,
			Messages: []llm.Message{{Role: "user", Content: prompt.String() + note}},
		}, streamer.Write)
		total.InputTokens += res.InputTokens
		total.OutputTokens += res.OutputTokens
		total.Model = res.Model
		if err != nil {
			return socratic.Question{}, total, err
		}
		var q questionJSON
		raw := jsonObject.FindString(res.Text)
		if err := json.Unmarshal([]byte(raw), &q); err != nil || strings.TrimSpace(q.Text) == "" {
			return socratic.Question{}, total, fmt.Errorf("the model did not return the question as JSON: %.120q", res.Text)
		}
		q.Text = strings.TrimSpace(q.Text)
		if len([]rune(q.Text)) > 500 {
			return socratic.Question{}, total, errors.New("the model's question is longer than 500 characters")
		}
		bias, hits := socratic.Bias(q.Text)
		repeated := false
		for _, old := range qc.Earlier {
			if strings.EqualFold(strings.TrimSpace(old), q.Text) {
				repeated = true
			}
		}
		if bias > socratic.BiasLimit || repeated {
			// Regenerate, never ask it.
			note = fmt.Sprintf("\nYour previous question %q was rejected (bias phrases %v, repeated %v). Ask a neutral, new one.", q.Text, hits, repeated)
			continue
		}
		cat := models.SpecCategory(strings.ToUpper(strings.TrimSpace(q.Category)))
		if !cat.IsValid() {
			cat = focus
		}
		ctxText := strings.TrimSpace(q.Context)
		return socratic.Question{Text: q.Text, Category: cat, Context: ctxText, TemplateKey: "llm." + strings.ToLower(string(cat)), Bias: bias}, total, nil
	}
	return socratic.Question{}, total, errors.New("the model kept writing biased or repeated questions")
}

const extractSystem = `You turn an answer from a requirements interview into structured specifications.
Return only a JSON array (empty when nothing is specified) of objects:
{"category": one of GOALS, REQUIREMENTS, TECH_STACK, SCALABILITY, SECURITY, PERFORMANCE, TESTING, MONITORING, DATA_RETENTION, DISASTER_RECOVERY,
 "key": snake_case name such as database or expected_users, "value": the value, "content": one sentence,
 "confidence": 1.0 stated explicitly, 0.8-0.9 strongly implied, 0.6-0.7 reasonable inference, 0.4-0.5 weak guess,
 "reasoning": why}.`

var snakeKey = regexp.MustCompile(`^[a-z][a-z0-9_]{0,99}$`)

// Extract finds the specifications in an answer or chat message.
func (c *Counselor) Extract(ctx context.Context, e Engine, in socratic.ExtractInput, current []socratic.SpecView) (found []socratic.Extracted, o Outcome) {
	ctx, span := c.begin(ctx, "extraction", e)
	defer func() { finish(span, o) }()
	start := time.Now()
	if !e.Remote() {
		return c.extractor.Extract(in), c.builtin("extraction", start, e, e.Unavailable)
	}
	var prompt strings.Builder
	writeQuestion(&prompt, in)
	prompt.WriteString("Current specifications:\n")
	for i, s := range current {
		if i == 30 {
			break
		}
		fmt.Fprintf(&prompt, "- [%s] %s = %s\n", s.Category, s.Key, s.Value)
	}
	fmt.Fprintf(&prompt, "Answer:\n%s\n", in.Text)
	res, err := c.stream(ctx, e, "extraction", llm.Request{Model: e.Model, System: extractSystem, MaxTokens: 2000,
		Messages: []llm.Message{{Role: "user", Content: prompt.String()}}}, func(string) {})
	if err == nil {
		if found, err = parseExtraction(res.Text); err == nil {
			return found, answered(e, res, start)
		}
	}
	reason := c.fellBack(ctx, "extraction", e, err)
	o = c.builtin("extraction", start, e, reason)
	o.InputTokens, o.OutputTokens = res.InputTokens, res.OutputTokens
	return c.extractor.Extract(in), o
}

// writeQuestion writes the question an answer answers: its text, its
// category (for a model-written question too) and, for a bank question,
// the specification key it asks for. A chat message answers no question.
func writeQuestion(b *strings.Builder, in socratic.ExtractInput) {
	if in.QuestionText != "" {
		fmt.Fprintf(b, "Question: %s\n", in.QuestionText)
	}
	if in.QuestionCategory != "" {
		fmt.Fprintf(b, "Question category: %s\n", in.QuestionCategory)
	}
	if in.QuestionKey != "" {
		fmt.Fprintf(b, "Question asks for: %s\n", in.QuestionKey)
	}
}

var jsonArray = regexp.MustCompile(`(?s)\[.*\]`)

// parseExtraction reads and validates a model's JSON array of
// specifications; anything malformed rejects the whole answer.
func parseExtraction(text string) ([]socratic.Extracted, error) {
	raw := jsonArray.FindString(text)
	if raw == "" {
		return nil, fmt.Errorf("no JSON array in %.120q", text)
	}
	var items []socratic.Extracted
	if err := json.Unmarshal([]byte(raw), &items); err != nil {
		return nil, fmt.Errorf("invalid JSON from the model: %w", err)
	}
	for i, it := range items {
		it.Key = strings.TrimSpace(it.Key)
		it.Value = strings.TrimSpace(it.Value)
		switch {
		case !it.Category.IsValid():
			return nil, fmt.Errorf("item %d: unknown category %q", i, it.Category)
		case !snakeKey.MatchString(it.Key):
			return nil, fmt.Errorf("item %d: key %q is not snake_case", i, it.Key)
		case it.Value == "" || len([]rune(it.Value)) > 2000:
			return nil, fmt.Errorf("item %d: value must have 1 to 2000 characters", i)
		case it.Confidence < 0 || it.Confidence > 1:
			return nil, fmt.Errorf("item %d: confidence %v is outside 0..1", i, it.Confidence)
		}
		if it.Content == "" {
			it.Content = strings.ReplaceAll(it.Key, "_", " ") + ": " + it.Value + "."
		}
		items[i] = it
	}
	return items, nil
}

// Call is the usage record of an operation answered with outcome o: by
// userID (nil when unknown) in a project, in a session or none, as
// operation op, at now. An outcome without a provider is the built-in
// engine's; a fallback keeps its reason as the record's error.
func (o Outcome) Call(userID *int64, projectID int64, sessionID *int64, op string, now time.Time) *models.LLMCall {
	c := &models.LLMCall{
		UserID: userID, ProjectID: projectID, SessionID: sessionID, Provider: o.Provider, Model: o.Model, Operation: op,
		InputTokens: o.InputTokens, OutputTokens: o.OutputTokens, CostUSD: o.CostUSD, LatencyMS: int(o.Latency.Milliseconds()),
		Succeeded: true, Fallback: o.Fallback, CreatedAt: now,
	}
	if c.Provider == "" {
		c.Provider, c.Model = models.LLMProviderIDBuiltin, BuiltinModel
	}
	if o.Reason != "" {
		reason := o.Reason
		c.Error = &reason
	}
	return c
}
