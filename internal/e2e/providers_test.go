package e2e

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"socrates/internal/config"
	"socrates/internal/llm/llmfake"
	"socrates/internal/pubsub"
	"socrates/internal/testenv"
)

// socraticResponder answers question prompts with a JSON question streamed
// in pieces, and extraction prompts with a JSON array.
func socraticResponder(question string) func(llmfake.Request) []string {
	return func(r llmfake.Request) []string {
		sys := r.SystemPrompt()
		switch {
		case strings.Contains(sys, "structured specifications"):
			return []string{`[{"category":"TECH_STACK","key":"database",`, `"value":"CockroachDB","content":"The database is CockroachDB.",`,
				`"confidence":0.9,"reasoning":"named in the answer"}]`}
		case strings.Contains(sys, "for contradictions"):
			return []string{`{"conflicts": []}`}
		case strings.Contains(sys, "free conversation"):
			return []string{"I understood that. ", "What matters most to your users?"}
		}
		half := len(question) / 2
		return []string{`{"text": "`, question[:half], question[half:], `", "category": "GOALS", "context": "It anchors everything."}`}
	}
}

func sessionNumber(t *testing.T, sid string) int64 {
	t.Helper()
	var n int64
	fmt.Sscan(strings.TrimPrefix(string(mustDecode(t, sid)), "Session:"), &n)
	return n
}

type usageT struct {
	Project struct {
		LlmProvider *string
		LlmModel    *string
		LlmUsage    struct {
			Calls, InputTokens, OutputTokens, Fallbacks int
			CostUsd                                     float64
			ByProvider                                  []struct {
				Provider, Model string
				Calls           int
			}
		}
	}
}

func usage(t *testing.T, c *testenv.Client, pid string) usageT {
	t.Helper()
	var u usageT
	c.Must(`query($p: ID!) { project(id: $p) { llmProvider llmModel llmUsage { calls inputTokens outputTokens fallbacks costUsd byProvider { provider model calls } } } }`,
		map[string]any{"p": pid}, &u)
	return u
}

// TestProvidersStreamTheirText configures each provider against a local
// fake of its real streaming API and checks the question is streamed as
// the provider writes it, extraction uses it, and usage is recorded.
func TestProvidersStreamTheirText(t *testing.T) {
	for _, tc := range []struct {
		provider string
		fake     func() *llmfake.Server
		anthro   bool
	}{{"ANTHROPIC", llmfake.Anthropic, true}, {"OPENAI_COMPATIBLE", llmfake.OpenAI, false}} {
		t.Run(tc.provider, func(t *testing.T) {
			fake := tc.fake()
			defer fake.Close()
			const question = "What problem keeps your support team busiest today?"
			fake.Set(llmfake.Behaviour{Respond: socraticResponder(question), InputTokens: 120, OutputTokens: 30})
			srv := testenv.StartServer(t, testenv.NewDatabase(t, testenv.SQLite), testenv.WithConfig(func(c *config.Config) {
				c.AnthropicKey, c.AnthropicBaseURL = "server-anthropic-key", fake.BaseURL(true)
				c.OpenAIKey, c.OpenAIBaseURL = "server-openai-key", fake.BaseURL(false)
			}))
			me, tok := srv.Client(t).NewUser()
			pid := me.CreateProject("with " + tc.provider)
			var set struct {
				SetProjectLlm struct {
					Project    struct{ LlmProvider *string }
					UserErrors []testenv.UserErrorT
				}
			}
			me.Must(`mutation($p: ID!, $v: LLMProviderID) { setProjectLLM(input: {projectId: $p, provider: $v}) { project { llmProvider } userErrors { code message } } }`,
				map[string]any{"p": pid, "v": tc.provider}, &set)
			if set.SetProjectLlm.Project.LlmProvider == nil || *set.SetProjectLlm.Project.LlmProvider != tc.provider {
				t.Fatalf("setProjectLLM: %+v", set.SetProjectLlm)
			}
			sid := me.StartSession(pid)
			stream := subscribe(t, srv, tok.AccessToken, pubsub.QuestionTopic(sessionNumber(t, sid)),
				`subscription($s: ID!) { questionStream(sessionId: $s) { kind delta provider fallback question { text } } }`, map[string]any{"s": sid})

			q := ask(t, me, sid).AskNextQuestion.Question
			if q.Text != question {
				t.Fatalf("question %q, want the provider's %q", q.Text, question)
			}
			if e := stream.next(); e["kind"] != "STARTED" || e["provider"] != tc.provider {
				t.Fatalf("start %v", e)
			}
			var deltas []string
			for {
				e := stream.next()
				if e["kind"] == "COMPLETED" {
					if e["provider"] != tc.provider || e["fallback"] != false {
						t.Fatalf("completion %v", e)
					}
					break
				}
				deltas = append(deltas, e["delta"].(string))
			}
			if strings.Join(deltas, "") != question || len(deltas) < 2 {
				t.Fatalf("deltas %q do not stream the provider's text", deltas)
			}
			a := answer(t, me, q.ID, "The core ledger lives in CockroachDB.")
			if db := specByKey(a.AnswerQuestion.Specifications, "database"); db == nil || db.Value != "CockroachDB" || db.Confidence != 0.9 {
				t.Fatalf("extraction by the provider: %+v", a.AnswerQuestion.Specifications)
			}
			reqs := fake.Requests()
			key := reqs[0].Headers.Get("X-Api-Key") + reqs[0].Headers.Get("Authorization")
			if !strings.Contains(key, "server-") {
				t.Fatalf("server key not used: %v", reqs[0].Headers)
			}
			if !strings.Contains(fmt.Sprint(reqs[1].Body["messages"]), "CockroachDB") {
				t.Fatal("the answer was not sent for extraction")
			}
			u := usage(t, me, pid).Project.LlmUsage
			if u.Calls != 2 || u.InputTokens != 240 || u.OutputTokens != 60 || u.Fallbacks != 0 || len(u.ByProvider) != 1 || u.ByProvider[0].Provider != tc.provider {
				t.Fatalf("usage %+v", u)
			}
			if tc.anthro && u.CostUsd <= 0 {
				t.Fatalf("no cost recorded for a priced model: %+v", u)
			}
		})
	}
}

// TestProviderFailuresFallBack makes the provider fail in each way and
// checks the built-in engine answers, the failure is visible on the event,
// and nothing is half-written.
func TestProviderFailuresFallBack(t *testing.T) {
	fake := llmfake.OpenAI()
	defer fake.Close()
	srv := testenv.StartServer(t, testenv.NewDatabase(t, testenv.SQLite), testenv.WithConfig(func(c *config.Config) {
		c.LLMProvider, c.OpenAIBaseURL, c.OpenAIKey = "OPENAI_COMPATIBLE", fake.BaseURL(false), "k"
		c.LLMTimeout = time.Second
	}))
	me, tok := srv.Client(t).NewUser()
	pid := me.CreateProject("flaky provider")
	sid := me.StartSession(pid)
	stream := subscribe(t, srv, tok.AccessToken, pubsub.QuestionTopic(sessionNumber(t, sid)),
		`subscription($s: ID!) { questionStream(sessionId: $s) { kind provider fallback message question { id } } }`, map[string]any{"s": sid})
	cases := map[string]llmfake.Behaviour{
		"server error":  {Status: 500},
		"invalid json":  {Chunks: []string{"this is ", "not JSON at all"}},
		"broken stream": {Chunks: []string{`{"text": "Wh`, `at?"}`}, BrokenJSON: true},
		"hang":          {Hang: true},
	}
	calls := 0
	answers := map[string][2]string{
		"server error":  {"Sessions are cached in Redis.", "cache"},
		"invalid json":  {"Orders flow through Kafka.", "message_queue"},
		"broken stream": {"We keep everything in PostgreSQL.", "database"},
		"hang":          {"Errors are reported to Sentry.", "error_tracking"},
	}
	for name, b := range cases {
		t.Run(name, func(t *testing.T) {
			fake.Set(b)
			q := ask(t, me, sid).AskNextQuestion.Question
			calls++
			var done map[string]any
			for {
				e := stream.next()
				if e["kind"] == "COMPLETED" {
					done = e
					break
				}
			}
			if done["fallback"] != true || done["provider"] != "BUILTIN" || !strings.Contains(fmt.Sprint(done["message"]), "failed") ||
				done["question"].(map[string]any)["id"] != q.ID {
				t.Fatalf("fallback not visible: %v", done)
			}
			if !strings.Contains(srv.Logs.String(), "language model fallback") {
				t.Fatal("the provider failure was not logged")
			}
			// Extraction falls back too: the built-in engine still finds what was said.
			a := answer(t, me, q.ID, answers[name][0])
			if sp := specByKey(a.AnswerQuestion.Specifications, answers[name][1]); sp == nil || sp.Status != "CURRENT" {
				t.Fatalf("fallback extraction: %+v", a.AnswerQuestion.Specifications)
			}
			calls++
		})
	}
	// From the second answer on, a specification is current and the
	// model is asked for conflicts too: it fails as well, and the rules
	// answer alone.
	calls += len(cases) - 1
	u := usage(t, me, pid).Project.LlmUsage
	if u.Calls != calls || u.Fallbacks != calls {
		t.Fatalf("usage %+v, want %d calls, all fallbacks", u, calls)
	}
}

// TestNoConnectionHeldDuringProviderCalls holds 20 provider calls open at
// once on a pool of 2 connections: other queries keep answering meanwhile,
// and all 20 questions are saved once the provider answers.
func TestNoConnectionHeldDuringProviderCalls(t *testing.T) {
	testenv.EachDB(t, func(t *testing.T, dbURL string) {
		fake := llmfake.OpenAI()
		defer fake.Close()
		gate := make(chan struct{})
		fake.Set(llmfake.Behaviour{Gate: gate, Respond: socraticResponder("Which outcome would make this project a success for you?")})
		srv := testenv.StartServer(t, dbURL, testenv.WithConfig(func(c *config.Config) {
			c.LLMProvider, c.OpenAIBaseURL, c.OpenAIKey = "OPENAI_COMPATIBLE", fake.BaseURL(false), "k"
			c.DBMaxOpenConns = 2
			c.LLMTimeout = 30 * time.Second
		}))
		me, _ := srv.Client(t).NewUser()
		var sessions []string
		for i := range 20 {
			sessions = append(sessions, me.StartSession(me.CreateProject(fmt.Sprintf("p%d", i))))
		}
		errs := make(chan error, 20)
		var wg sync.WaitGroup
		for _, sid := range sessions {
			wg.Add(1)
			go func() {
				defer wg.Done()
				r := me.Do(askMutation, map[string]any{"s": sid})
				if len(r.Errors) > 0 || !strings.Contains(string(r.Raw), `"question":{"id"`) {
					errs <- fmt.Errorf("ask: %s", r.Raw)
				}
			}()
		}
		deadline := time.Now().Add(30 * time.Second)
		for fake.Waiting() < 20 {
			if time.Now().After(deadline) {
				t.Fatalf("only %d provider calls arrived", fake.Waiting())
			}
			time.Sleep(10 * time.Millisecond)
		}
		// All 20 calls are inside the provider now. The pool must be free.
		if inUse := srv.App.DB.Stats().InUse; inUse != 0 {
			t.Fatalf("%d connections held while the provider runs", inUse)
		}
		start := time.Now()
		for range 10 {
			var out struct{ Projects struct{ TotalCount int } }
			me.Must(`{ projects { totalCount nodes { id maturity } } }`, nil, &out)
			if out.Projects.TotalCount != 20 {
				t.Fatalf("projects %d", out.Projects.TotalCount)
			}
		}
		t.Logf("10 queries answered in %v while 20 provider calls were open", time.Since(start))
		if fake.Waiting() != 20 {
			t.Fatalf("the provider calls ended before the queries: %d waiting", fake.Waiting())
		}
		close(gate)
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
		var out struct {
			Projects struct {
				Nodes []struct {
					Sessions struct {
						Nodes []struct{ Questions struct{ TotalCount int } }
					}
				}
			}
		}
		me.Must(`{ projects { nodes { sessions { nodes { questions { totalCount } } } } } }`, nil, &out)
		for _, p := range out.Projects.Nodes {
			if p.Sessions.Nodes[0].Questions.TotalCount != 1 {
				t.Fatalf("a session has %d questions", p.Sessions.Nodes[0].Questions.TotalCount)
			}
		}
	})
}

// TestUserCredentials stores a user's own key: it is used for their calls,
// never returned, and encrypted at rest.
func TestUserCredentials(t *testing.T) {
	fake := llmfake.Anthropic()
	defer fake.Close()
	fake.Set(llmfake.Behaviour{Respond: socraticResponder("Who will rely on this system every day?")})
	srv := testenv.StartServer(t, testenv.NewDatabase(t, testenv.SQLite), testenv.WithConfig(func(c *config.Config) {
		c.AnthropicBaseURL = fake.BaseURL(true)
	}))
	me, _ := srv.Client(t).NewUser()
	pid := me.CreateProject("byok")
	me.Must(`mutation($p: ID!) { setProjectLLM(input: {projectId: $p, provider: ANTHROPIC, model: "claude-haiku-4-5"}) { userErrors { code } } }`, map[string]any{"p": pid}, nil)
	sid := me.StartSession(pid)

	// Without any key the built-in engine answers and says why.
	q := ask(t, me, sid).AskNextQuestion.Question
	if len(fake.Requests()) != 0 || q.Category != "GOALS" {
		t.Fatalf("a call went out without a key: %d", len(fake.Requests()))
	}
	var set struct {
		SetLlmCredential struct {
			Provider *struct {
				ID                  string
				Configured          bool
				ViewerHasCredential bool
			}
			UserErrors []testenv.UserErrorT
		}
	}
	const setCred = `mutation($k: String!, $p: LLMProviderID!, $u: String) { setLLMCredential(input: {provider: $p, apiKey: $k, baseUrl: $u}) {
		provider { id configured viewerHasCredential } userErrors { field code message } } }`
	me.Must(setCred, map[string]any{"k": "sk-ant-user-secret", "p": "ANTHROPIC"}, &set)
	if p := set.SetLlmCredential.Provider; p == nil || !p.Configured || !p.ViewerHasCredential {
		t.Fatalf("setLLMCredential: %+v", set.SetLlmCredential)
	}
	for name, vars := range map[string]map[string]any{
		"builtin":       {"k": "x", "p": "BUILTIN"},
		"spaces":        {"k": "a b", "p": "ANTHROPIC"},
		"empty":         {"k": "", "p": "ANTHROPIC"},
		"url on anthro": {"k": "k", "p": "ANTHROPIC", "u": "https://example.com/v1"},
		"not a url":     {"k": "k", "p": "OPENAI_COMPATIBLE", "u": "ftp://x"},
	} {
		me.Must(setCred, vars, &set)
		if len(set.SetLlmCredential.UserErrors) == 0 {
			t.Fatalf("%s accepted", name)
		}
	}
	var raw []byte
	if err := srv.App.DB.NewRaw("SELECT api_key_cipher FROM llm_credentials").Scan(context.Background(), &raw); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(raw), "sk-ant-user-secret") || len(raw) < 20 {
		t.Fatal("the key is not encrypted at rest")
	}
	q2 := ask(t, me, sid).AskNextQuestion.Question
	if q2.Text != "Who will rely on this system every day?" {
		t.Fatalf("the user's key was not used: %q", q2.Text)
	}
	reqs := fake.Requests()
	if got := reqs[len(reqs)-1].Headers.Get("X-Api-Key") + reqs[len(reqs)-1].Headers.Get("Authorization"); !strings.Contains(got, "sk-ant-user-secret") {
		t.Fatalf("sent key %q (%v)", got, reqs[len(reqs)-1].Headers)
	}
	if body := fmt.Sprint(reqs[len(reqs)-1].Body["model"]); body != "claude-haiku-4-5" {
		t.Fatalf("model %s", body)
	}
	r := me.Do(`{ llmProviders { id configured viewerHasCredential models defaultModel } }`, nil)
	if strings.Contains(string(r.Raw), "sk-ant") || !strings.Contains(string(r.Raw), `"viewerHasCredential":true`) {
		t.Fatalf("llmProviders: %s", r.Raw)
	}
	var rm struct {
		RemoveLlmCredential struct{ Removed bool }
	}
	me.Must(`mutation { removeLLMCredential(input: {provider: ANTHROPIC}) { removed } }`, nil, &rm)
	if !rm.RemoveLlmCredential.Removed {
		t.Fatal("credential not removed")
	}
	before := len(fake.Requests())
	ask(t, me, sid)
	if len(fake.Requests()) != before {
		t.Fatal("a removed key was still used")
	}
}
