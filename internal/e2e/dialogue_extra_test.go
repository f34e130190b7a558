package e2e

import (
	"bufio"
	"context"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"socrates/internal/config"
	"socrates/internal/llm/llmfake"
	"socrates/internal/pubsub"
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

// TestSubscriptionOverSSE streams sessionEvents over server-sent events.
func TestSubscriptionOverSSE(t *testing.T) {
	srv := testenv.StartServer(t, testenv.NewDatabase(t, testenv.SQLite))
	me, tok := srv.Client(t).NewUser()
	sid := me.StartSession(me.CreateProject("sse"))
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	body := `{"query":"subscription($s: ID!) { sessionEvents(sessionId: $s) { type question { text } } }","variables":{"s":"` + sid + `"}}`
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, srv.URL+"/query", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "text/event-stream")
	req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	topic := pubsub.SessionTopic(sessionNumber(t, sid))
	for srv.App.Broker.Subscribers(topic) == 0 {
		if ctx.Err() != nil {
			t.Fatal("SSE subscription never registered")
		}
		time.Sleep(5 * time.Millisecond)
	}
	q := ask(t, me, sid).AskNextQuestion.Question
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "data:") && strings.Contains(line, "QUESTION_ASKED") {
			if !strings.Contains(line, q.Text) {
				t.Fatalf("event without the question: %s", line)
			}
			return
		}
	}
	t.Fatalf("no QUESTION_ASKED over SSE: %v", sc.Err())
}

// TestEventsOnlyAfterCommit fails the answer's transaction after its
// events were published inside it: subscribers hear nothing.
func TestEventsOnlyAfterCommit(t *testing.T) {
	testenv.EachDB(t, func(t *testing.T, dbURL string) {
		srv := testenv.StartServer(t, dbURL)
		me, tok := srv.Client(t).NewUser()
		sid := me.StartSession(me.CreateProject("rollback"))
		q := ask(t, me, sid).AskNextQuestion.Question
		events := subscribe(t, srv, tok.AccessToken, pubsub.SessionTopic(sessionNumber(t, sid)),
			`subscription($s: ID!) { sessionEvents(sessionId: $s) { type } }`, map[string]any{"s": sid})
		injectFailure(t, srv.App.DB, "llm_calls", "INSERT")
		r := me.Do(answerMutation, map[string]any{"q": q.ID, "a": "We will store everything in PostgreSQL"})
		if len(r.Errors) != 1 || r.Errors[0].Code() != "INTERNAL" {
			t.Fatalf("answer with a failing write: %s", r.Raw)
		}
		// The next event must be the session status change below, not
		// anything from the rolled-back answer.
		me.Must(`mutation($s: ID!) { pauseSession(input: {sessionId: $s}) { userErrors { code } } }`, map[string]any{"s": sid}, nil)
		if e := events.next(); e["type"] != "SESSION_STATUS_CHANGED" {
			t.Fatalf("an event of a rolled-back transaction was delivered: %v", e)
		}
		var got struct {
			Node struct {
				Answer         *string
				Specifications []struct{ ID string }
			}
		}
		me.Must(`query($q: ID!) { node(id: $q) { ... on Question { answer specifications { id } } } }`, map[string]any{"q": q.ID}, &got)
		if got.Node.Answer != nil || len(got.Node.Specifications) != 0 {
			t.Fatalf("half-written answer: %+v", got.Node)
		}
	})
}
