package e2e

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"

	"socrates/internal/config"
	"socrates/internal/llm/llmfake"
	"socrates/internal/testenv"
)

// TestBiasedQuestionIsRegenerated has the provider write a leading question
// first: it is never asked; the neutral second attempt is.
func TestBiasedQuestionIsRegenerated(t *testing.T) {
	fake := llmfake.OpenAI()
	defer fake.Close()
	var calls atomic.Int32
	fake.Set(llmfake.Behaviour{Respond: func(llmfake.Request) []string {
		if calls.Add(1) == 1 {
			return []string{`{"text": "Obviously you need Kafka, it is the industry standard, right?", "category": "TECH_STACK"}`}
		}
		return []string{`{"text": "Which parts of the work can wait in a queue?", "category": "TECH_STACK", "context": "Queues decouple."}`}
	}})
	srv := testenv.StartServer(t, testenv.NewDatabase(t, testenv.SQLite), testenv.WithConfig(func(c *config.Config) {
		c.LLMProvider, c.OpenAIBaseURL, c.OpenAIKey = "OPENAI_COMPATIBLE", fake.BaseURL(false), "k"
	}))
	me, _ := srv.Client(t).NewUser()
	sid := me.StartSession(me.CreateProject("bias"))
	q := ask(t, me, sid).AskNextQuestion.Question
	if q.Text != "Which parts of the work can wait in a queue?" || q.BiasScore != 0 || calls.Load() != 2 {
		t.Fatalf("asked %q (bias %v) after %d calls", q.Text, q.BiasScore, calls.Load())
	}
	if !strings.Contains(fakeLastPrompt(fake), "was rejected") {
		t.Fatal("the regeneration did not tell the model why")
	}
}

func fakeLastPrompt(f *llmfake.Server) string {
	reqs := f.Requests()
	msgs, _ := reqs[len(reqs)-1].Body["messages"].([]any)
	var b strings.Builder
	for _, m := range msgs {
		if mm, ok := m.(map[string]any); ok {
			if c, ok := mm["content"].(string); ok {
				b.WriteString(c)
			}
		}
	}
	return b.String()
}

// TestQuestionStatisticsAreKept checks the per-user, per-template
// effectiveness figures after asking and answering.
func TestQuestionStatisticsAreKept(t *testing.T) {
	testenv.EachDB(t, func(t *testing.T, dbURL string) {
		srv := testenv.StartServer(t, dbURL)
		me, _ := srv.Client(t).NewUser()
		q1 := ask(t, me, me.StartSession(me.CreateProject("stats 1"))).AskNextQuestion.Question
		answer(t, me, q1.ID, "Clinics lose patients' follow-ups, and we use PostgreSQL today.")
		q2 := ask(t, me, me.StartSession(me.CreateProject("stats 2"))).AskNextQuestion.Question
		answer(t, me, q2.ID, "no")
		var rows []struct {
			TemplateKey       string  `bun:"template_key"`
			TimesAsked        int     `bun:"times_asked"`
			TimesAnswered     int     `bun:"times_answered"`
			TimesAnsweredWell int     `bun:"times_answered_well"`
			AvgAnswerLength   float64 `bun:"avg_answer_length"`
			AvgSpecsPerAnswer float64 `bun:"avg_specs_per_answer"`
		}
		if err := srv.App.DB.NewSelect().Table("question_stats").Column("template_key", "times_asked", "times_answered",
			"times_answered_well", "avg_answer_length", "avg_specs_per_answer").Scan(context.Background(), &rows); err != nil {
			t.Fatal(err)
		}
		// Both projects asked the same first template; one answer produced
		// specifications, the other none.
		if len(rows) != 1 || rows[0].TemplateKey != "goals.problem" || rows[0].TimesAsked != 2 || rows[0].TimesAnswered != 2 || rows[0].TimesAnsweredWell != 1 {
			t.Fatalf("stats: %+v", rows)
		}
		first := float64(len("Clinics lose patients' follow-ups, and we use PostgreSQL today."))
		wantLen := 0.3*2 + 0.7*first
		if d := rows[0].AvgAnswerLength - wantLen; d > 0.001 || d < -0.001 {
			t.Fatalf("moving average of length %v, want %v", rows[0].AvgAnswerLength, wantLen)
		}
		if rows[0].AvgSpecsPerAnswer <= 0 || rows[0].AvgSpecsPerAnswer >= 2 {
			t.Fatalf("moving average of yield %v", rows[0].AvgSpecsPerAnswer)
		}
	})
}
