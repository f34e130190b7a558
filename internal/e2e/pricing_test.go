package e2e

import (
	"math"
	"testing"

	"socrates/internal/config"
	"socrates/internal/llm/llmfake"
	"socrates/internal/testenv"
)

// TestDatedModelsArePricedByTheirFamily runs a question through each
// provider's fake with a dated model name and checks the project's usage
// is priced at that model's list price (not a shorter family's, nor 0).
func TestDatedModelsArePricedByTheirFamily(t *testing.T) {
	testenv.EachDB(t, func(t *testing.T, dbURL string) {
		for _, c := range []struct {
			provider, model string
			fake            func() *llmfake.Server
			in, out         float64 // USD per million tokens
		}{
			{"OPENAI_COMPATIBLE", "gpt-4o-mini-2024-07-18", llmfake.OpenAI, 0.15, 0.6},
			{"OPENAI_COMPATIBLE", "gpt-4.1-nano-2025-04-14", llmfake.OpenAI, 0.1, 0.4},
			{"ANTHROPIC", "claude-3-5-haiku-20241022", llmfake.Anthropic, 0.8, 4},
		} {
			t.Run(c.model, func(t *testing.T) {
				fake := c.fake()
				defer fake.Close()
				const question = "Which users depend on this system most?"
				fake.Set(llmfake.Behaviour{Respond: socraticResponder(question), InputTokens: 1000, OutputTokens: 100})
				srv := testenv.StartServer(t, dbURL, testenv.WithConfig(func(cfg *config.Config) {
					cfg.LLMProvider, cfg.LLMModel = c.provider, c.model
					cfg.AnthropicKey, cfg.AnthropicBaseURL = "server-anthropic-key", fake.BaseURL(true)
					cfg.OpenAIKey, cfg.OpenAIBaseURL = "server-openai-key", fake.BaseURL(false)
				}))
				me, _ := srv.Client(t).NewUser()
				pid := me.CreateProject("priced " + c.model)
				if q := ask(t, me, me.StartSession(pid)).AskNextQuestion.Question; q.Text != question {
					t.Fatalf("the provider did not ask: %q", q.Text)
				}
				u := usage(t, me, pid).Project.LlmUsage
				if u.Calls != 1 || len(u.ByProvider) != 1 || u.ByProvider[0].Model != c.model {
					t.Fatalf("usage %+v", u)
				}
				if want := (1000*c.in + 100*c.out) / 1e6; math.Abs(u.CostUsd-want) > 1e-9 {
					t.Fatalf("%s cost %v, want %v", c.model, u.CostUsd, want)
				}
			})
		}
	})
}
