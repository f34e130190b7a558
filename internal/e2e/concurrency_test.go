package e2e

import (
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
