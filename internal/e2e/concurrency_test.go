package e2e

import (
	"encoding/json"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"socrates/internal/config"
	"socrates/internal/testenv"
)

// TestHundredUsersAtOnce has 100 users register, log in, create a project and
// start a session at the same time on PostgreSQL, with a pool of 10.
func TestHundredUsersAtOnce(t *testing.T) {
	const users, poolSize = 100, 10
	dbURL := testenv.NewDatabase(t, testenv.Postgres)
	srv := testenv.StartServer(t, dbURL, testenv.WithConfig(func(c *config.Config) { c.DBMaxOpenConns = poolSize }))
	db := srv.App.DB

	var maxOpen, maxInUse atomic.Int64
	stop := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		for {
			st := db.Stats()
			if v := int64(st.OpenConnections); v > maxOpen.Load() {
				maxOpen.Store(v)
			}
			if v := int64(st.InUse); v > maxInUse.Load() {
				maxInUse.Store(v)
			}
			select {
			case <-stop:
				return
			case <-time.After(time.Millisecond):
			}
		}
	}()

	start := make(chan struct{})
	errs := make(chan error, users)
	var wg sync.WaitGroup
	for i := range users {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			errs <- oneUser(t, srv, i)
		}()
	}
	began := time.Now()
	close(start)
	wg.Wait()
	elapsed := time.Since(began)
	close(stop)
	<-sampled
	close(errs)
	failed := 0
	for err := range errs {
		if err != nil {
			failed++
			t.Error(err)
		}
	}
	st := db.Stats()
	t.Logf("%d users in %v: max open %d, max in use %d, waits %d (%v waiting in all)",
		users, elapsed.Round(time.Millisecond), maxOpen.Load(), maxInUse.Load(), st.WaitCount, st.WaitDuration.Round(time.Millisecond))
	if failed > 0 {
		t.Fatalf("%d of %d users failed", failed, users)
	}
	if maxOpen.Load() > poolSize || int64(st.MaxOpenConnections) != poolSize {
		t.Fatalf("open connections reached %d with a pool of %d", maxOpen.Load(), poolSize)
	}
	if st.InUse != 0 {
		t.Fatalf("%d connections still in use after the run", st.InUse)
	}
}

// oneUser runs one user's journey and checks it sees exactly its own project.
func oneUser(t *testing.T, srv *testenv.Server, i int) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("user %d: %v", i, p)
		}
	}()
	c := &recordingT{TB: t}
	anon := srv.Client(c)
	email := fmt.Sprintf("crowd-%03d@example.com", i)
	anon.Register(email, "password-1")
	var login struct{ Login testenv.Tokens }
	anon.Must(`mutation($e: String!) { login(input: {email: $e, password: "password-1"}) { accessToken userErrors { code } } }`,
		map[string]any{"e": email}, &login)
	me := anon.As(login.Login.AccessToken)
	name := fmt.Sprintf("project of %03d", i)
	pid := me.CreateProject(name)
	sid := me.StartSession(pid)
	var got struct {
		Projects struct {
			TotalCount int
			Nodes      []struct {
				ID       string
				Name     string
				Sessions struct{ Nodes []struct{ ID string } }
			}
		}
	}
	me.Must(`{ projects { totalCount nodes { id name sessions { nodes { id } } } } }`, nil, &got)
	if got.Projects.TotalCount != 1 || len(got.Projects.Nodes) != 1 || got.Projects.Nodes[0].ID != pid ||
		got.Projects.Nodes[0].Name != name || len(got.Projects.Nodes[0].Sessions.Nodes) != 1 ||
		got.Projects.Nodes[0].Sessions.Nodes[0].ID != sid {
		return fmt.Errorf("user %d sees %+v", i, got.Projects)
	}
	return nil
}

// recordingT turns the fatal failures of helpers running off the test
// goroutine into panics that oneUser recovers as errors.
type recordingT struct {
	testing.TB
}

func (r *recordingT) Fatalf(format string, args ...any) { panic(fmt.Sprintf(format, args...)) }
func (r *recordingT) Fatal(args ...any)                 { panic(fmt.Sprint(args...)) }
func (r *recordingT) Helper()                           {}

// TestConcurrentAnswersToOneQuestion sends eight answers to one question at
// the same moment, on both databases: each passes the check before the
// transaction, so the lock inside it decides. One answer is stored with
// its message and specifications; the others get ALREADY_ANSWERED and
// leave nothing behind.
func TestConcurrentAnswersToOneQuestion(t *testing.T) {
	testenv.EachDB(t, func(t *testing.T, dbURL string) {
		srv := testenv.StartServer(t, dbURL)
		me, _ := srv.Client(t).NewUser()
		pid := me.CreateProject("one answer wins")
		sid := me.StartSession(pid)
		qid := ask(t, me, sid).AskNextQuestion.Question.ID

		const n = 8
		responses := make([]*testenv.Response, n)
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				responses[i] = me.Do(answerMutation, map[string]any{"q": qid, "a": fmt.Sprintf("We keep audit logs for %d years", i+2)})
			}()
		}
		close(start)
		wg.Wait()

		won, lost, winnerSpecs, winner := 0, 0, 0, ""
		for i, r := range responses {
			var out answerResult
			if len(r.Errors) > 0 {
				t.Fatalf("answer %d: %s", i, r.Raw)
			}
			if err := json.Unmarshal(r.Data, &out); err != nil {
				t.Fatal(err)
			}
			switch errs := out.AnswerQuestion.UserErrors; {
			case len(errs) == 0:
				won++
				winnerSpecs = len(out.AnswerQuestion.Specifications)
				winner = fmt.Sprintf("We keep audit logs for %d years", i+2)
			case len(errs) == 1 && errs[0].Code == "ALREADY_ANSWERED":
				lost++
			default:
				t.Errorf("answer %d: %+v", i, errs)
			}
		}
		if won != 1 || lost != n-1 {
			t.Fatalf("%d answers stored and %d refused, want 1 and %d", won, lost, n-1)
		}
		var after struct {
			Node struct {
				Answer  *string
				Session struct {
					Messages struct{ TotalCount int }
					Project  struct {
						Specifications struct{ TotalCount int }
					}
				}
			}
		}
		me.Must(`query($q: ID!) { node(id: $q) { ... on Question { answer session { messages { totalCount }
			project { specifications(status: null) { totalCount } } } } } }`, map[string]any{"q": qid}, &after)
		if after.Node.Answer == nil || *after.Node.Answer != winner {
			t.Errorf("the question's answer is %v, want the stored one %q", after.Node.Answer, winner)
		}
		if got := after.Node.Session.Messages.TotalCount; got != 2 {
			t.Errorf("the session holds %d messages, want the question and one answer", got)
		}
		if got := after.Node.Session.Project.Specifications.TotalCount; got != winnerSpecs || got == 0 {
			t.Errorf("the project holds %d specifications, want the %d of the stored answer", got, winnerSpecs)
		}
	})
}
