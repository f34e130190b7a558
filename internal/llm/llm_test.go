package llm_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"socrates/internal/llm"
	"socrates/internal/llm/llmfake"
	"socrates/models"
)

func providers(t *testing.T) map[string]struct {
	fake *llmfake.Server
	p    llm.Provider
} {
	out := map[string]struct {
		fake *llmfake.Server
		p    llm.Provider
	}{}
	for _, anthropic := range []bool{true, false} {
		var fake *llmfake.Server
		id := models.LLMProviderIDOpenaiCompatible
		if anthropic {
			fake, id = llmfake.Anthropic(), models.LLMProviderIDAnthropic
		} else {
			fake = llmfake.OpenAI()
		}
		t.Cleanup(fake.Close)
		p, err := llm.New(id, llm.Config{APIKey: "test-key", BaseURL: fake.BaseURL(anthropic), Timeout: 2 * time.Second, MaxRetries: 1})
		if err != nil {
			t.Fatal(err)
		}
		out[string(id)] = struct {
			fake *llmfake.Server
			p    llm.Provider
		}{fake, p}
	}
	return out
}

func TestStreamingProviders(t *testing.T) {
	for name, pp := range providers(t) {
		t.Run(name, func(t *testing.T) {
			pp.fake.Set(llmfake.Behaviour{Chunks: []string{"What ", "matters ", "most?"}, InputTokens: 42, OutputTokens: 7})
			var deltas []string
			res, err := pp.p.Stream(context.Background(), llm.Request{
				Model: "model-x", System: "be Socratic", Messages: []llm.Message{{Role: "user", Content: "hi"}},
			}, func(d string) { deltas = append(deltas, d) })
			if err != nil {
				t.Fatal(err)
			}
			if res.Text != "What matters most?" || strings.Join(deltas, "|") != "What |matters |most?" {
				t.Fatalf("text %q deltas %q", res.Text, deltas)
			}
			if res.InputTokens != 42 || res.OutputTokens != 7 || res.Model != "model-x" {
				t.Fatalf("usage %+v", res)
			}
			reqs := pp.fake.Requests()
			last := reqs[len(reqs)-1]
			if last.SystemPrompt() != "be Socratic" || last.Body["stream"] != true {
				t.Fatalf("request body %v", last.Body)
			}
			auth := last.Headers.Get("X-Api-Key") + last.Headers.Get("Authorization")
			if !strings.Contains(auth, "test-key") {
				t.Fatalf("key not sent: %v", last.Headers)
			}
		})
	}
}

func TestProviderFailures(t *testing.T) {
	for name, pp := range providers(t) {
		t.Run(name, func(t *testing.T) {
			cases := map[string]llmfake.Behaviour{
				"server error": {Status: 500},
				"broken json":  {Chunks: []string{"a", "b", "c"}, BrokenJSON: true},
				"hang":         {Hang: true},
				"empty":        {Chunks: nil},
			}
			for what, b := range cases {
				pp.fake.Set(b)
				before := len(pp.fake.Requests())
				start := time.Now()
				_, err := pp.p.Stream(context.Background(), llm.Request{Model: "m", Messages: []llm.Message{{Role: "user", Content: "x"}}}, func(string) {})
				if err == nil {
					t.Fatalf("%s: no error", what)
				}
				if what == "empty" && !errors.Is(err, llm.ErrEmpty) {
					t.Fatalf("empty stream: %v", err)
				}
				if what == "server error" && len(pp.fake.Requests())-before != 2 {
					t.Fatalf("server error retried %d times, want 1 retry", len(pp.fake.Requests())-before-1)
				}
				if what == "hang" && time.Since(start) > 10*time.Second {
					t.Fatalf("hang not bounded by the timeout: %v", time.Since(start))
				}
			}
		})
	}
}

func TestCost(t *testing.T) {
	if c := llm.Cost(models.LLMProviderIDAnthropic, "claude-sonnet-4-6", 1_000_000, 1_000_000); c != 18 {
		t.Fatalf("cost %v", c)
	}
	if c := llm.Cost(models.LLMProviderIDOpenaiCompatible, "llama3:8b", 1000, 1000); c != 0 {
		t.Fatalf("local model cost %v", c)
	}
}
