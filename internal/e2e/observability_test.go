package e2e

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"socrates/internal/app"
	"socrates/internal/config"
	"socrates/internal/llm/llmfake"
	"socrates/internal/pubsub"
	"socrates/internal/testenv"
)

const observedQuestion = "What problem keeps your support team busiest today?"

// withFakeOpenAI makes the fake the server's default provider.
func withFakeOpenAI(fake *llmfake.Server) testenv.Option {
	return testenv.WithConfig(func(c *config.Config) {
		c.LLMProvider = "OPENAI_COMPATIBLE"
		c.OpenAIKey, c.OpenAIBaseURL = "server-openai-key", fake.BaseURL(false)
	})
}

// postTraced posts an operation with a W3C traceparent naming the
// caller's span, as an instrumented client would.
func postTraced(t *testing.T, srv *testenv.Server, token, traceparent, query string, vars map[string]any) []byte {
	t.Helper()
	body, err := json.Marshal(map[string]any{"query": query, "variables": vars})
	if err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequest(http.MethodPost, srv.URL+"/query", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("traceparent", traceparent)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK || bytes.Contains(raw, []byte(`"errors"`)) {
		t.Fatalf("answer: %d %s %v", resp.StatusCode, raw, err)
	}
	return raw
}

func attr(s sdktrace.ReadOnlySpan, key string) (attribute.Value, bool) {
	for _, kv := range s.Attributes() {
		if string(kv.Key) == key {
			return kv.Value, true
		}
	}
	return attribute.Value{}, false
}

// TestTracingFollowsAnAnswer installs an in-memory exporter through the
// app's options, answers a question over real HTTP under a caller's
// trace, and checks the tree: the HTTP server span continues the caller's
// trace, the GraphQL operation is its child, the root field the
// operation's, and the SQL statements, loader batches and the provider
// call (through the counselor's extraction) all descend from the
// operation, in one trace; the request's log lines carry the trace id.
func TestTracingFollowsAnAnswer(t *testing.T) {
	testenv.EachDB(t, func(t *testing.T, dbURL string) {
		fake := llmfake.OpenAI()
		defer fake.Close()
		fake.Set(llmfake.Behaviour{Respond: socraticResponder(observedQuestion), InputTokens: 120, OutputTokens: 30})
		exporter := tracetest.NewInMemoryExporter()
		srv := testenv.StartServer(t, dbURL, withFakeOpenAI(fake), testenv.WithApp(func(o *app.Options) { o.SpanExporter = exporter }))
		if !srv.App.Tracing.Enabled() {
			t.Fatal("tracing is off with an exporter")
		}
		me, tok := srv.Client(t).NewUser()
		sid := me.StartSession(me.CreateProject("traced"))
		// A websocket stream works beside the traced requests (streams
		// make no HTTP span of their own).
		events := subscribe(t, srv, tok.AccessToken, pubsub.SessionTopic(sessionNumber(t, sid)),
			`subscription($s: ID!) { sessionEvents(sessionId: $s) { type } }`, map[string]any{"s": sid})
		q := ask(t, me, sid).AskNextQuestion.Question
		if q.Text != observedQuestion {
			t.Fatalf("question %q did not come from the provider", q.Text)
		}

		const traceID, callerSpan = "4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7"
		postTraced(t, srv, tok.AccessToken, "00-"+traceID+"-"+callerSpan+"-01", answerMutation,
			map[string]any{"q": q.ID, "a": "The core ledger lives in CockroachDB."})
		if e := events.next(); e["type"] != "QUESTION_ASKED" {
			t.Fatalf("session event %v, want the question asked", e)
		}
		if e := events.next(); e["type"] == nil {
			t.Fatalf("session event %v after the answer", e)
		}

		// The server span ends once the response is written: wait for it.
		var spans []sdktrace.ReadOnlySpan
		var httpSpan sdktrace.ReadOnlySpan
		for deadline := time.Now().Add(5 * time.Second); httpSpan == nil; {
			spans = spans[:0]
			for _, s := range exporter.GetSpans().Snapshots() {
				if s.SpanContext().TraceID().String() == traceID {
					spans = append(spans, s)
					if s.SpanKind() == trace.SpanKindServer {
						httpSpan = s
					}
				}
			}
			if httpSpan == nil {
				if time.Now().After(deadline) {
					t.Fatalf("no HTTP span in trace %s; %d spans", traceID, len(spans))
				}
				time.Sleep(10 * time.Millisecond)
			}
		}
		byID := map[trace.SpanID]sdktrace.ReadOnlySpan{}
		for _, s := range spans {
			byID[s.SpanContext().SpanID()] = s
		}
		parent := func(s sdktrace.ReadOnlySpan) sdktrace.ReadOnlySpan { return byID[s.Parent().SpanID()] }
		same := func(a, b sdktrace.ReadOnlySpan) bool {
			return a != nil && b != nil && a.SpanContext().SpanID() == b.SpanContext().SpanID()
		}
		descends := func(s, ancestor sdktrace.ReadOnlySpan) bool {
			for p := parent(s); p != nil; p = parent(p) {
				if p.SpanContext().SpanID() == ancestor.SpanContext().SpanID() {
					return true
				}
			}
			return false
		}
		find := func(name string) sdktrace.ReadOnlySpan {
			for _, s := range spans {
				if s.Name() == name {
					return s
				}
			}
			var names []string
			for _, s := range spans {
				names = append(names, s.Name())
			}
			t.Fatalf("no span %q in %v", name, names)
			return nil
		}

		if httpSpan.Name() != "POST /query" || !httpSpan.Parent().IsRemote() || httpSpan.Parent().SpanID().String() != callerSpan {
			t.Fatalf("HTTP span %q with parent %v, want POST /query continuing the caller's span %s", httpSpan.Name(), httpSpan.Parent(), callerSpan)
		}
		op := find("mutation answerQuestion")
		if !same(parent(op), httpSpan) {
			t.Fatalf("operation span's parent is %v, want the HTTP span", op.Parent())
		}
		if v, _ := attr(op, "graphql.operation.type"); v.AsString() != "mutation" {
			t.Fatalf("operation type %v", v)
		}
		if v, ok := attr(op, "graphql.operation.complexity"); !ok || v.AsInt64() <= 0 {
			t.Fatalf("operation complexity %v (%v)", v, ok)
		}
		root := find("Mutation.answerQuestion")
		if !same(parent(root), op) {
			t.Fatal("root field span is not the operation's child")
		}

		var statements, writes int
		for _, s := range spans {
			if _, ok := attr(s, "db.system.name"); !ok {
				continue
			}
			statements++
			if !descends(s, op) {
				t.Errorf("SQL span %q is outside the operation", s.Name())
			}
			if text, _ := attr(s, "db.query.text"); strings.Contains(text.AsString(), "CockroachDB") {
				t.Errorf("SQL span %q carries a string literal: %s", s.Name(), text.AsString())
			}
			if strings.HasPrefix(s.Name(), "INSERT") || strings.HasPrefix(s.Name(), "UPDATE") {
				writes++
			}
		}
		if statements == 0 || writes == 0 {
			t.Fatalf("%d SQL spans, %d writes; want both", statements, writes)
		}

		extraction := find("counsel extraction")
		if !descends(extraction, root) {
			t.Fatal("the counselor's span is outside the root field")
		}
		if v, _ := attr(extraction, "socrates.llm.fallback"); v.AsBool() {
			t.Fatal("extraction fell back")
		}
		var call sdktrace.ReadOnlySpan
		for _, s := range spans {
			if strings.HasPrefix(s.Name(), "chat ") && same(parent(s), extraction) {
				call = s
			}
		}
		if call == nil {
			t.Fatal("no provider call span below the extraction")
		}
		for key, want := range map[string]string{"gen_ai.provider.name": "OPENAI_COMPATIBLE", "gen_ai.request.model": "gpt-4o-mini"} {
			if v, _ := attr(call, key); v.AsString() != want {
				t.Errorf("provider span %s = %q, want %q", key, v.AsString(), want)
			}
		}
		if in, _ := attr(call, "gen_ai.usage.input_tokens"); in.AsInt64() != 120 {
			t.Errorf("provider span input tokens %v", in.AsInt64())
		}
		if out, _ := attr(call, "gen_ai.usage.output_tokens"); out.AsInt64() != 30 {
			t.Errorf("provider span output tokens %v", out.AsInt64())
		}
		for _, s := range spans {
			if !same(s, httpSpan) && parent(s) == nil {
				t.Errorf("span %q has a parent outside the trace", s.Name())
			}
		}

		found := false
		for _, line := range strings.Split(srv.Logs.String(), "\n") {
			if strings.Contains(line, `msg="http request"`) && strings.Contains(line, "trace_id="+traceID) {
				found = true
			}
		}
		if !found {
			t.Fatalf("no access log line with trace_id=%s", traceID)
		}
	})
}

// TestNoTracingWithoutOTELVariables checks that with no OTEL_* variable
// the server creates no exporter, records no span and logs no trace id,
// even for a request that arrives inside a caller's trace.
func TestNoTracingWithoutOTELVariables(t *testing.T) {
	srv := testenv.StartServer(t, testenv.NewDatabase(t, testenv.SQLite))
	if srv.App.Tracing.Enabled() {
		t.Fatal("an exporter was created with no OTEL_* variable set")
	}
	_, span := srv.App.Tracing.Provider().Tracer("t").Start(context.Background(), "x")
	if span.IsRecording() {
		t.Fatal("the tracer provider records")
	}
	me, tok := srv.Client(t).NewUser()
	pid := me.CreateProject("untraced")
	postTraced(t, srv, tok.AccessToken, "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
		`query($p: ID!) { project(id: $p) { name } }`, map[string]any{"p": pid})
	if strings.Contains(srv.Logs.String(), "trace_id=") {
		t.Fatal("a log line carries a trace id with tracing off")
	}
}

// scrape reads a metrics endpoint into series (name with labels as
// written) and values.
func scrape(t *testing.T, url string) map[string]float64 {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d", url, resp.StatusCode)
	}
	out := map[string]float64{}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if err != nil {
			t.Fatalf("metrics line %q: %v", line, err)
		}
		out[line[:i]] = v
	}
	return out
}

// sum adds the values of every series of a metric whose labels contain
// each of want.
func sum(series map[string]float64, name string, want ...string) float64 {
	total := 0.0
	for s, v := range series {
		if s != name && !strings.HasPrefix(s, name+"{") {
			continue
		}
		ok := true
		for _, w := range want {
			ok = ok && strings.Contains(s, w)
		}
		if ok {
			total += v
		}
	}
	return total
}

// TestMetricsMoveAfterAnAnswer scrapes /metrics after a subscription, an
// answer through a provider, a failing provider, a slow subscriber and
// refused logins, and checks each new series moved.
func TestMetricsMoveAfterAnAnswer(t *testing.T) {
	fake := llmfake.OpenAI()
	defer fake.Close()
	fake.Set(llmfake.Behaviour{Respond: socraticResponder(observedQuestion), InputTokens: 120, OutputTokens: 30})
	const buffer = 4
	srv := testenv.StartServer(t, testenv.NewDatabase(t, testenv.SQLite), withFakeOpenAI(fake), testenv.WithConfig(func(c *config.Config) {
		c.SubscriberBuffer = buffer
		c.AuthRequestsPerMinute = 3
	}))
	me, tok := srv.Client(t).NewUser()
	sid := me.StartSession(me.CreateProject("measured"))
	subscribe(t, srv, tok.AccessToken, pubsub.SessionTopic(sessionNumber(t, sid)),
		`subscription($s: ID!) { sessionEvents(sessionId: $s) { type } }`, map[string]any{"s": sid})
	q := ask(t, me, sid).AskNextQuestion.Question
	answer(t, me, q.ID, "The core ledger lives in CockroachDB.")

	m := scrape(t, srv.MetricsURL)
	const p = `provider="OPENAI_COMPATIBLE"`
	if n := sum(m, "socrates_llm_calls_total", p, `model="gpt-4o-mini"`, `outcome="ok"`); n != 2 {
		t.Errorf("provider calls %v, want 2 (question and extraction)", n)
	}
	if n := sum(m, "socrates_llm_call_duration_seconds_count", p); n != 2 {
		t.Errorf("provider latency observations %v, want 2", n)
	}
	if n := sum(m, "socrates_llm_tokens_total", p, `direction="input"`); n != 240 {
		t.Errorf("input tokens %v, want 240", n)
	}
	if n := sum(m, "socrates_llm_tokens_total", p, `direction="output"`); n != 60 {
		t.Errorf("output tokens %v, want 60", n)
	}
	if n := sum(m, "socrates_llm_cost_usd_total", p); n <= 0 {
		t.Errorf("cost %v, want more than 0", n)
	}
	if n := sum(m, "socrates_subscriptions"); n != 1 {
		t.Errorf("live subscriptions %v, want 1", n)
	}
	if n := sum(m, "socrates_loader_batch_keys_count"); n < 1 {
		t.Errorf("loader batches %v, want some", n)
	}
	if n := sum(m, "socrates_llm_fallbacks_total"); n != 0 {
		t.Errorf("fallbacks %v before any failure", n)
	}

	// A failing provider: the built-in engine asks, and says so.
	fake.Set(llmfake.Behaviour{Status: http.StatusInternalServerError})
	ask(t, me, sid)
	// A subscriber that reads nothing is dropped by the event that
	// overflows its buffer.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	srv.App.Broker.Subscribe(ctx, "slow", pubsub.Owner{})
	for i := range buffer + 1 {
		srv.App.Broker.Publish(context.Background(), "slow", i)
	}
	// Three authentication requests per minute: the fourth is refused.
	for range 4 {
		srv.Client(t).Do(`mutation { login(input: {email: "nobody@example.com", password: "wrong password"}) { userErrors { code } } }`, nil)
	}

	m = scrape(t, srv.MetricsURL)
	if n := sum(m, "socrates_llm_fallbacks_total", p, `operation="question"`); n != 1 {
		t.Errorf("question fallbacks %v, want 1", n)
	}
	if n := sum(m, "socrates_llm_calls_total", p, `outcome="error"`); n < 1 {
		t.Errorf("failed provider calls %v, want at least 1", n)
	}
	if n := sum(m, "socrates_subscribers_dropped_total"); n != 1 {
		t.Errorf("dropped subscribers %v, want 1", n)
	}
	if n := sum(m, "socrates_rate_limit_refusals_total", `limiter="auth_requests"`); n < 1 {
		t.Errorf("rate-limit refusals %v, want at least 1", n)
	}
}

// TestMetricsAddr checks where /metrics is served: on the main port by
// default (development), and only on its own listener when METRICS_ADDR
// is set.
func TestMetricsAddr(t *testing.T) {
	t.Run("main port", func(t *testing.T) {
		srv := testenv.StartServer(t, testenv.NewDatabase(t, testenv.SQLite))
		if srv.MetricsURL != srv.URL+"/metrics" {
			t.Fatalf("metrics at %s", srv.MetricsURL)
		}
		if sum(scrape(t, srv.MetricsURL), "socrates_http_requests_total") < 0 {
			t.Fatal("unreachable")
		}
	})
	t.Run("own listener", func(t *testing.T) {
		srv := testenv.StartServer(t, testenv.NewDatabase(t, testenv.SQLite),
			testenv.WithConfig(func(c *config.Config) { c.MetricsAddr = "127.0.0.1:0" }))
		if strings.HasPrefix(srv.MetricsURL, srv.URL) {
			t.Fatalf("metrics at %s, on the main listener %s", srv.MetricsURL, srv.URL)
		}
		if resp, _ := srv.Get(t, "/healthz"); resp.StatusCode != http.StatusOK {
			t.Fatalf("healthz %d", resp.StatusCode)
		}
		if resp, _ := srv.Get(t, "/metrics"); resp.StatusCode != http.StatusNotFound {
			t.Fatalf("main port /metrics: %d, want 404", resp.StatusCode)
		}
		m := scrape(t, srv.MetricsURL)
		if n := sum(m, "socrates_http_requests_total", `route="/healthz"`); n != 1 {
			t.Fatalf("healthz requests on the metrics listener %v, want 1", n)
		}
		resp, err := http.Get(strings.TrimSuffix(srv.MetricsURL, "/metrics") + "/query")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusNotFound {
			t.Fatalf("the metrics listener answers /query with %d", resp.StatusCode)
		}
	})
}
