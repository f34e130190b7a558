package llm_test

import (
	"context"
	"errors"
	"math"
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

// TestCostPricesDatedSnapshotsByTheirFamily prices the dated snapshot of
// every priced model as the model itself, by the longest family its name
// starts with, whatever order the price table is walked in.
func TestCostPricesDatedSnapshotsByTheirFamily(t *testing.T) {
	const million = 1_000_000
	for _, id := range []models.LLMProviderID{models.LLMProviderIDAnthropic, models.LLMProviderIDOpenaiCompatible} {
		names := llm.KnownModels(id)
		if len(names) < 5 {
			t.Fatalf("%s: %d priced models", id, len(names))
		}
		for _, name := range names {
			want := llm.Cost(id, name, million, million)
			if want <= 0 {
				t.Fatalf("%s %s: listed without a price", id, name)
			}
			family := strings.TrimSuffix(name, "-latest")
			for _, dated := range []string{family + "-2024-07-18", family + "-20250929", family + "@20250929"} {
				// The map is walked in a new order each time: a first
				// match found by walking it is right only sometimes.
				for range 50 {
					if got := llm.Cost(id, dated, million, million); got != want {
						t.Fatalf("%s %s costs %v, want %v (the price of %s)", id, dated, got, want, name)
					}
				}
			}
		}
	}
	// List prices per million input and output tokens.
	for model, want := range map[string]float64{
		"gpt-4o-mini-2024-07-18":    0.15 + 0.6,
		"gpt-4o-2024-08-06":         2.5 + 10,
		"gpt-4.1-mini-2025-04-14":   0.4 + 1.6,
		"gpt-4.1-nano-2025-04-14":   0.1 + 0.4,
		"gpt-4.1-2025-04-14":        2 + 8,
		"gpt-4o":                    2.5 + 10,
		"gpt-4":                     0,
		"gpt-4o1":                   0,
		"gpt-4.10":                  0,
		"llama3.1:8b":               0,
		"claude-3-5-haiku-20241022": 0.8 + 4,
		"claude-haiku-4-5-20251001": 1 + 5,
	} {
		id := models.LLMProviderIDOpenaiCompatible
		if strings.HasPrefix(model, "claude") {
			id = models.LLMProviderIDAnthropic
		}
		for range 50 {
			if got := llm.Cost(id, model, million, million); math.Abs(got-want) > 1e-9 {
				t.Fatalf("%s costs %v for a million tokens each way, want %v", model, got, want)
			}
		}
	}
}
