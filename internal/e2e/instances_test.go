package e2e

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"socrates/internal/app"
	"socrates/internal/testenv"
)

// The mutations the tests publish a SESSION_STATUS_CHANGED event with.
const (
	pauseMutation  = `mutation($s: ID!) { pauseSession(input: {sessionId: $s}) { userErrors { code } } }`
	resumeMutation = `mutation($s: ID!) { resumeSession(input: {sessionId: $s}) { userErrors { code } } }`
)

// eventStream reads a websocket's messages for one subscription into a
// channel, so a test can wait for them with timeouts without closing the
// connection (a read whose context ends closes it).
type eventStream struct {
	t  *testing.T
	ch chan testenv.WSMessage
}

func pump(t *testing.T, ws *testenv.WS, id string) *eventStream {
	s := &eventStream{t: t, ch: make(chan testenv.WSMessage, 1000)}
	go func() {
		defer close(s.ch)
		for {
			m, err := ws.Next(context.Background(), id)
			if err != nil {
				return
			}
			s.ch <- m
		}
	}()
	return s
}

// next returns the next message, or fails the test after wait.
func (s *eventStream) next(wait time.Duration) testenv.WSMessage {
	s.t.Helper()
	select {
	case m, ok := <-s.ch:
		if !ok {
			s.t.Fatal("the websocket closed")
		}
		return m
	case <-time.After(wait):
		s.t.Fatalf("no message within %s", wait)
	}
	return testenv.WSMessage{}
}

// eventType returns the type of a sessionEvents message, "" for another.
func eventType(t *testing.T, m testenv.WSMessage) string {
	t.Helper()
	if m.Type != "next" {
		return ""
	}
	var p struct {
		Data struct {
			SessionEvents struct{ Type string } `json:"sessionEvents"`
		}
	}
	if err := json.Unmarshal(m.Payload, &p); err != nil {
		t.Fatalf("event %s: %v", m.Payload, err)
	}
	return p.Data.SessionEvents.Type
}

// quiet reads the event types that arrive until none has for wait.
func (s *eventStream) quiet(wait time.Duration) []string {
	s.t.Helper()
	var types []string
	for {
		select {
		case m, ok := <-s.ch:
			if !ok {
				return types
			}
			types = append(types, eventType(s.t, m))
		case <-time.After(wait):
			return types
		}
	}
}

// twoInstances builds the server and starts two processes of it on one
// PostgreSQL database, with extra environment settings for both.
func twoInstances(t *testing.T, dbURL string, extra ...string) (*proc, *proc) {
	t.Helper()
	bin := buildBinary(t)
	env := func() []string {
		return append([]string{"PORT=0", "DATA_DIR=" + t.TempDir(), "DATABASE_URL=" + dbURL, "JWT_SECRET=" + testenv.TestSecret,
			"APP_ENV=development", "LOG_FORMAT=text", "LOG_LEVEL=info"}, extra...)
	}
	return startProcess(t, bin, env()), startProcess(t, bin, env())
}

// heard pauses and resumes a session as c until the stream gets an event
// (a subscription registers after its subscribe message is read, and no
// message says when), then lets the rest of the probe's events arrive and
// returns the first.
func (s *eventStream) heard(t *testing.T, c *testenv.Client, sessionID string) testenv.WSMessage {
	t.Helper()
	deadline := time.After(15 * time.Second)
	for {
		c.Do(pauseMutation, map[string]any{"s": sessionID})
		c.Do(resumeMutation, map[string]any{"s": sessionID})
		select {
		case m, ok := <-s.ch:
			if !ok {
				t.Fatal("the websocket closed")
			}
			s.quiet(500 * time.Millisecond)
			return m
		case <-time.After(300 * time.Millisecond):
		case <-deadline:
			t.Fatal("no event after 15 s of pausing and resuming")
		}
	}
}

// TestEventsAcrossInstances runs two server processes on one PostgreSQL
// database: a subscriber on A gets what is done through B, once, and only
// what committed; when A's listening connection is killed, A ends its
// streams (events may have been missed), listens again, and a new
// subscription gets later events.
func TestEventsAcrossInstances(t *testing.T) {
	dbURL := testenv.NewDatabase(t, testenv.Postgres)
	procA, procB := twoInstances(t, dbURL)
	a, b := &testenv.Server{URL: procA.url}, &testenv.Server{URL: procB.url}

	me, tok := b.Client(t).NewUser()
	pid := me.CreateProject("across")
	sid := me.StartSession(pid)
	const events = `subscription($s: ID!) { sessionEvents(sessionId: $s) { type question { id text } specifications { key value } project { id maturity } } }`

	// subscribeOnA subscribes on A and returns once an event done through
	// B has arrived there, with nothing left to read.
	subscribeOnA := func() (*testenv.WS, *eventStream) {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		ws, err := testenv.DialWS(ctx, a, map[string]any{"Authorization": "Bearer " + tok.AccessToken})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(ws.Close)
		if err := ws.Subscribe(ctx, "s", events, map[string]any{"s": sid}); err != nil {
			t.Fatal(err)
		}
		stream := pump(t, ws, "s")
		if typ := eventType(t, stream.heard(t, me, sid)); typ != "SESSION_STATUS_CHANGED" {
			t.Fatalf("first event on A: %q", typ)
		}
		return ws, stream
	}
	_, stream := subscribeOnA()

	// Asked and answered through B: A hears each event once, in order.
	q := ask(t, me, sid).AskNextQuestion.Question
	answered := answer(t, me, q.ID, "We expect 20,000 users and 99.9% uptime on PostgreSQL")
	if len(answered.AnswerQuestion.Specifications) == 0 {
		t.Fatalf("the answer recorded nothing: %+v", answered)
	}
	got := stream.quiet(time.Second)
	want := []string{"QUESTION_ASKED", "MESSAGE_ADDED", "QUESTION_ANSWERED", "MESSAGE_ADDED", "SPECIFICATIONS_EXTRACTED", "MATURITY_CHANGED"}
	if !slices.Equal(got, want) {
		t.Fatalf("events on A for an ask and an answer through B: %v, want %v", got, want)
	}

	// Done through A itself: delivered in memory, not again from the
	// notification.
	meA := a.Client(t).As(tok.AccessToken)
	ask(t, meA, sid)
	if got := stream.quiet(time.Second); !slices.Equal(got, []string{"QUESTION_ASKED", "MESSAGE_ADDED"}) {
		t.Fatalf("events on A for an ask through A: %v", got)
	}

	// A transaction that fails at commit publishes nothing: a deferred
	// trigger refuses the answer's message when the transaction commits,
	// after its events were queued.
	db, err := sql.Open("pgx", dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, stmt := range []string{
		`CREATE FUNCTION refuse_marked() RETURNS trigger LANGUAGE plpgsql AS $$
		 BEGIN IF NEW.content LIKE '%refuse at commit%' THEN RAISE EXCEPTION 'refused at commit'; END IF; RETURN NEW; END $$`,
		`CREATE CONSTRAINT TRIGGER refuse_marked AFTER INSERT ON messages DEFERRABLE INITIALLY DEFERRED
		 FOR EACH ROW EXECUTE FUNCTION refuse_marked()`,
	} {
		if _, err := db.Exec(stmt); err != nil {
			t.Fatal(err)
		}
	}
	q2 := ask(t, me, sid).AskNextQuestion.Question
	stream.quiet(time.Second)
	if r := me.Do(answerMutation, map[string]any{"q": q2.ID, "a": "Our budget is 5000 dollars, refuse at commit"}); len(r.Errors) == 0 {
		t.Fatalf("the marked answer was not refused: %s", r.Raw)
	}
	me.Do(pauseMutation, map[string]any{"s": sid})
	me.Do(resumeMutation, map[string]any{"s": sid})
	if got := stream.quiet(time.Second); !slices.Equal(got, []string{"SESSION_STATUS_CHANGED", "SESSION_STATUS_CHANGED"}) {
		t.Fatalf("events on A after a rolled-back answer and a pause and resume: %v", got)
	}

	// Kill A's listening connection while answers go on through B.
	pidRe := regexp.MustCompile(`events: listening".*backend_pid=(\d+)`)
	m := pidRe.FindStringSubmatch(procA.logs())
	if m == nil {
		t.Fatalf("A did not log its listening connection:\n%s", procA.logs())
	}
	stop := make(chan struct{})
	answering := make(chan struct{})
	go func() {
		defer close(answering)
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			time.Sleep(50 * time.Millisecond)
			var out askResult
			if r := me.Do(askMutation, map[string]any{"s": sid}); len(r.Errors) == 0 {
				_ = json.Unmarshal(r.Data, &out)
				if out.AskNextQuestion.Question != nil {
					me.Do(answerMutation, map[string]any{"q": out.AskNextQuestion.Question.ID, "a": fmt.Sprintf("We expect %d users", 100+i)})
				}
			}
		}
	}()
	if _, err := db.Exec(`SELECT pg_terminate_backend($1)`, m[1]); err != nil {
		t.Fatal(err)
	}
	// A ends the stream: the subscriber learns it may have missed events.
	deadline := time.After(15 * time.Second)
	for ended := false; !ended; {
		select {
		case msg, ok := <-stream.ch:
			ended = !ok || msg.Type == "complete"
		case <-deadline:
			t.Fatal("A did not end the stream after losing its listening connection")
		}
	}
	procA.waitFor(t, "events: listening again")
	close(stop)
	<-answering

	// A new subscription on A hears B again.
	_, stream = subscribeOnA()
	q3 := ask(t, me, sid)
	if q3.AskNextQuestion.Question == nil {
		t.Fatal("no question left")
	}
	if got := stream.quiet(time.Second); !slices.Equal(got, []string{"QUESTION_ASKED", "MESSAGE_ADDED"}) {
		t.Fatalf("events on A after it listened again: %v", got)
	}
	// (B logged the refused answer at ERROR, as it should.)
	if logs := errorLines(procA.logs()); logs != "" {
		t.Errorf("A logged at ERROR:\n%s", logs)
	}
}

// TestLimitsHoldAcrossInstances runs two server processes on one
// PostgreSQL database, alternating a client's requests between them: the
// failed logins of an email and the authentication requests of a client
// address are counted once for both, so neither limit is multiplied by the
// number of instances.
func TestLimitsHoldAcrossInstances(t *testing.T) {
	dbURL := testenv.NewDatabase(t, testenv.Postgres)
	procA, procB := twoInstances(t, dbURL, "AUTH_REQUESTS_PER_MINUTE=6", "LOGIN_FAILURES_PER_15MIN=3")
	a, b := (&testenv.Server{URL: procA.url}).Client(t), (&testenv.Server{URL: procB.url}).Client(t)

	const login = `mutation($e: String!, $p: String!) { login(input: {email: $e, password: $p}) { accessToken userErrors { code } } }`
	codes := func(r *testenv.Response) string {
		var out struct {
			Login struct {
				AccessToken *string
				UserErrors  []struct{ Code string }
			}
		}
		if len(r.Errors) > 0 {
			return strings.Join(r.Codes(), ",")
		}
		r.Decode(t, &out)
		if out.Login.AccessToken != nil {
			return "OK"
		}
		var cs []string
		for _, e := range out.Login.UserErrors {
			cs = append(cs, e.Code)
		}
		return strings.Join(cs, ",")
	}
	a.Register("shared@example.com", "password-123") // request 1, on A
	steps := []struct {
		on         *testenv.Client
		email, pwd string
		want       string
	}{
		{b, "shared@example.com", "wrong-1", "INVALID_CREDENTIALS"},     // request 2, failure 1
		{a, "shared@example.com", "wrong-2", "INVALID_CREDENTIALS"},     // request 3, failure 2
		{b, "shared@example.com", "wrong-3", "INVALID_CREDENTIALS"},     // request 4, failure 3
		{a, "shared@example.com", "password-123", "RATE_LIMITED"},       // request 5: the email is blocked
		{b, "someone-else@example.com", "wrong", "INVALID_CREDENTIALS"}, // request 6: another email is not
		{a, "someone-else@example.com", "wrong", "RATE_LIMITED"},        // request 7: the address is over 6
	}
	for i, s := range steps {
		if got := codes(s.on.Do(login, map[string]any{"e": s.email, "p": s.pwd})); got != s.want {
			t.Fatalf("step %d (%s on %s): %s, want %s", i+1, s.email, map[bool]string{true: "A", false: "B"}[s.on == a], got, s.want)
		}
	}
}

// TestLostAccessEndsSubscriptionsAcrossInstances shares a project with a
// team whose member subscribes on A, then unshares it through B: A ends
// the member's subscription, as the instance that made the change would.
func TestLostAccessEndsSubscriptionsAcrossInstances(t *testing.T) {
	dbURL := testenv.NewDatabase(t, testenv.Postgres)
	procA, procB := twoInstances(t, dbURL)
	a, b := &testenv.Server{URL: procA.url}, &testenv.Server{URL: procB.url}

	owner, _ := b.Client(t).NewUser()
	_, memberTok := b.Client(t).NewUser()
	pid := owner.CreateProject("shared across")
	sid := owner.StartSession(pid)
	team := createTeam(t, owner, "readers")
	if errs := addMember(t, owner, team, memberTok.User.Email, "DEVELOPER"); len(errs) > 0 {
		t.Fatal(errs)
	}
	share(t, owner, pid, team, "READ")

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	ws, err := testenv.DialWS(ctx, a, map[string]any{"Authorization": "Bearer " + memberTok.AccessToken})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(ws.Close)
	if err := ws.Subscribe(ctx, "s", `subscription($p: ID!) { projectEvents(projectId: $p) { type } }`, map[string]any{"p": pid}); err != nil {
		t.Fatal(err)
	}
	stream := pump(t, ws, "s")
	// The member hears the owner's changes through B once subscribed.
	stream.heard(t, owner, sid)

	owner.Must(`mutation($p: ID!, $t: ID!) { unshareProject(input: {projectId: $p, teamId: $t}) { userErrors { code } } }`,
		map[string]any{"p": pid, "t": team}, nil)
	for {
		select {
		case m, ok := <-stream.ch:
			if !ok {
				t.Fatal("the websocket closed instead of completing the subscription")
			}
			if m.Type == "complete" {
				return
			}
		case <-ctx.Done():
			t.Fatal("A kept the subscription of a member who lost access through B")
		}
	}
}

// TestIdenticalSubscriptionsRunOnce opens five subscriptions of one user
// with one document and variables, and one of another user: the five run
// once (one subscriber in the broker) and each gets every event; a
// subscriber that completes leaves the others served; the execution ends
// with its last subscriber.
func TestIdenticalSubscriptionsRunOnce(t *testing.T) {
	testenv.EachDB(t, func(t *testing.T, dbURL string) {
		srv := testenv.StartServer(t, dbURL)
		me, tok := srv.Client(t).NewUser()
		pid := me.CreateProject("shared subscriptions")
		sid := me.StartSession(pid)
		other, otherTok := srv.Client(t).NewUser()
		otherSID := other.StartSession(other.CreateProject("theirs"))
		const events = `subscription($s: ID!) { sessionEvents(sessionId: $s) { type session { status } } }`
		rawSID := mustDecode(t, sid)
		_, num, _ := strings.Cut(string(rawSID), ":")
		topic := "session:" + num

		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		open := func(token, session string) (*testenv.WS, *eventStream) {
			t.Helper()
			ws, err := testenv.DialWS(ctx, srv, map[string]any{"Authorization": "Bearer " + token})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(ws.Close)
			if err := ws.Subscribe(ctx, "s", events, map[string]any{"s": session}); err != nil {
				t.Fatal(err)
			}
			return ws, pump(t, ws, "s")
		}
		var wss []*testenv.WS
		var streams []*eventStream
		for range 5 {
			ws, st := open(tok.AccessToken, sid)
			wss, streams = append(wss, ws), append(streams, st)
		}
		_, theirs := open(otherTok.AccessToken, otherSID)
		waitFor := func(what string, ok func() bool) {
			t.Helper()
			for !ok() {
				if ctx.Err() != nil {
					t.Fatalf("%s: broker has %d subscribers of %s", what, srv.App.Broker.Subscribers(topic), topic)
				}
				time.Sleep(10 * time.Millisecond)
			}
		}
		// Subscribing is asynchronous: wait until the shared execution is
		// registered, then give the other joins time to land on it.
		waitFor("the shared subscription", func() bool { return srv.App.Broker.Subscribers(topic) == 1 })
		time.Sleep(200 * time.Millisecond)
		if n := srv.App.Broker.Subscribers(topic); n != 1 {
			t.Fatalf("five identical subscriptions are %d subscribers in the broker, want 1", n)
		}
		me.Must(pauseMutation, map[string]any{"s": sid}, nil)
		for i, st := range streams {
			if typ := eventType(t, st.next(10*time.Second)); typ != "SESSION_STATUS_CHANGED" {
				t.Fatalf("subscriber %d got %q", i, typ)
			}
		}
		select {
		case m := <-theirs.ch:
			t.Fatalf("another user's subscription got %s", m.Payload)
		case <-time.After(200 * time.Millisecond):
		}

		// One completes; the others still hear.
		if err := wss[0].Send(ctx, testenv.WSMessage{ID: "s", Type: "complete"}); err != nil {
			t.Fatal(err)
		}
		time.Sleep(100 * time.Millisecond)
		me.Must(resumeMutation, map[string]any{"s": sid}, nil)
		for i, st := range streams[1:] {
			if typ := eventType(t, st.next(10*time.Second)); typ != "SESSION_STATUS_CHANGED" {
				t.Fatalf("subscriber %d got %q after another completed", i+1, typ)
			}
		}
		if got := streams[0].quiet(200 * time.Millisecond); len(got) != 0 {
			t.Fatalf("the completed subscriber still got %v", got)
		}
		// The execution ends with its last subscriber.
		for _, ws := range wss[1:] {
			ws.Close()
		}
		waitFor("the end of the shared subscription", func() bool { return srv.App.Broker.Subscribers(topic) == 0 })
	})
}

// An instance reads the rows of another instance's event only when one of
// its own subscribers listens to it: writes through one instance cost the
// others nothing otherwise.
func TestEventsReadOnlyWhereListened(t *testing.T) {
	dbURL := testenv.NewDatabase(t, testenv.Postgres)
	counter := &statementCounter{}
	a := testenv.StartServer(t, dbURL, testenv.WithApp(func(o *app.Options) { o.QueryHooks = append(o.QueryHooks, counter) }))
	b := testenv.StartServer(t, dbURL)

	me, tok := b.Client(t).NewUser()
	sid := me.StartSession(me.CreateProject("listened"))
	round := func() {
		q := ask(t, me, sid).AskNextQuestion.Question
		answer(t, me, q.ID, "We expect 20,000 users and 99.9% uptime on PostgreSQL")
	}

	// Nobody listens on A: a round through B makes A read nothing.
	if n := counter.measure(func() {
		round()
		time.Sleep(500 * time.Millisecond) // the notifications reach A
	}); n != 0 {
		t.Fatalf("A read %d statements for events nobody on it listens to:\n%s", n, strings.Join(counter.last(), "\n"))
	}

	// Someone listens on A: the same round is read there and delivered.
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	ws, err := testenv.DialWS(ctx, a, map[string]any{"Authorization": "Bearer " + tok.AccessToken})
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	if err := ws.Subscribe(ctx, "s", `subscription($s: ID!) { sessionEvents(sessionId: $s) { type } }`, map[string]any{"s": sid}); err != nil {
		t.Fatal(err)
	}
	stream := pump(t, ws, "s")
	stream.heard(t, me, sid)
	var got []string
	if n := counter.measure(func() {
		round()
		got = stream.quiet(time.Second)
	}); n == 0 || len(got) == 0 {
		t.Fatalf("with a subscriber on A: %d statements, events %v", n, got)
	}
}
