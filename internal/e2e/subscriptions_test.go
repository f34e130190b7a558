package e2e

import (
	"bufio"
	"context"
	"net/http"
	"runtime"
	"strings"
	"testing"
	"time"

	"socrates/internal/pubsub"
	"socrates/internal/testenv"
)

// TestSubscriptionAccessAndCleanup refuses a subscription to another
// user's session and shows closed clients leave nothing behind.
func TestSubscriptionAccessAndCleanup(t *testing.T) {
	srv := testenv.StartServer(t, testenv.NewDatabase(t, testenv.SQLite))
	me, tok := srv.Client(t).NewUser()
	_, stranger := srv.Client(t).NewUser()
	pid := me.CreateProject("watched")
	sid := me.StartSession(pid)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()

	for _, q := range []string{
		`subscription($s: ID!) { sessionEvents(sessionId: $s) { type } }`,
		`subscription($s: ID!) { questionStream(sessionId: $s) { kind } }`,
	} {
		ws, err := testenv.DialWS(ctx, srv, map[string]any{"Authorization": "Bearer " + stranger.AccessToken})
		if err != nil {
			t.Fatal(err)
		}
		if err := ws.Subscribe(ctx, "x", q, map[string]any{"s": sid}); err != nil {
			t.Fatal(err)
		}
		m, err := ws.Next(ctx, "x")
		if err != nil || !strings.Contains(string(m.Payload), "NOT_FOUND") {
			t.Fatalf("stranger subscription: %s %s %v", m.Type, m.Payload, err)
		}
		ws.Close()
	}
	ws, err := testenv.DialWS(ctx, srv, map[string]any{"Authorization": "Bearer " + stranger.AccessToken})
	if err != nil {
		t.Fatal(err)
	}
	if err := ws.Subscribe(ctx, "p", `subscription($p: ID!) { projectEvents(projectId: $p) { type } }`, map[string]any{"p": pid}); err != nil {
		t.Fatal(err)
	}
	if m, _ := ws.Next(ctx, "p"); !strings.Contains(string(m.Payload), "NOT_FOUND") {
		t.Fatalf("stranger project subscription: %s", m.Payload)
	}
	ws.Close()

	topic := pubsub.SessionTopic(sessionNumber(t, sid))
	settle := func() int {
		deadline := time.Now().Add(5 * time.Second)
		n := runtime.NumGoroutine()
		for time.Now().Before(deadline) {
			time.Sleep(50 * time.Millisecond)
			if m := runtime.NumGoroutine(); m == n {
				return m
			} else {
				n = m
			}
		}
		return n
	}
	base := settle()
	drained := func() {
		deadline := time.Now().Add(10 * time.Second)
		for srv.App.Broker.Subscribers(topic) > 0 && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		if n := srv.App.Broker.Subscribers(topic); n != 0 {
			t.Fatalf("%d subscribers left after their clients closed", n)
		}
	}
	for range 20 {
		sub := subscribe(t, srv, tok.AccessToken, topic, `subscription($s: ID!) { sessionEvents(sessionId: $s) { type } }`, map[string]any{"s": sid})
		sub.ws.Close()
		drained()
	}
	if after := settle(); after > base+2 {
		t.Fatalf("goroutines grew from %d to %d after 20 closed subscriptions", base, after)
	}
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
