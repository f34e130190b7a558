package e2e

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"socrates/internal/config"
	"socrates/internal/testenv"
)

// statementCounter counts the SQL statements a database runs.
type statementCounter struct {
	n       atomic.Int64
	enabled atomic.Bool
}

func (c *statementCounter) BeforeQuery(ctx context.Context, _ *bun.QueryEvent) context.Context {
	return ctx
}

func (c *statementCounter) AfterQuery(_ context.Context, e *bun.QueryEvent) {
	if c.enabled.Load() {
		c.n.Add(1)
	}
}

// measure returns how many statements run does.
func (c *statementCounter) measure(run func()) int64 {
	c.n.Store(0)
	c.enabled.Store(true)
	run()
	c.enabled.Store(false)
	return c.n.Load()
}

// TestNestedReadsAreBatched shows that a page of projects with their owners
// and sessions costs the same few statements whatever the number of
// projects and sessions.
func TestNestedReadsAreBatched(t *testing.T) {
	testenv.EachDB(t, func(t *testing.T, dbURL string) {
		// A generous batching window keeps the count exact on a loaded machine.
		srv := testenv.StartServer(t, dbURL, testenv.WithConfig(func(c *config.Config) { c.LoaderWait = 50 * time.Millisecond }))
		counter := &statementCounter{}
		srv.App.DB.AddQueryHook(counter)
		me, _ := srv.Client(t).NewUser()

		const query = `{ projects(first: 50) { nodes { owner { id } sessions(first: 10) { nodes { id } } } } }`
		const withCounts = `{ projects(first: 50) { totalCount nodes { owner { id } sessions(first: 10) { totalCount nodes { id } } } } }`
		var costs []int64
		var countCosts []int64
		projects, sessions := 0, 0
		for _, size := range []struct{ projects, sessionsEach int }{{1, 1}, {5, 2}, {30, 12}} {
			for ; projects < size.projects; projects++ {
				pid := me.CreateProject(fmt.Sprintf("project %d", projects))
				for s := 0; s < size.sessionsEach; s++ {
					me.StartSession(pid)
					sessions++
				}
			}
			var got struct {
				Projects struct {
					Nodes []struct {
						Owner    struct{ ID string }
						Sessions struct{ Nodes []struct{ ID string } }
					}
				}
			}
			costs = append(costs, counter.measure(func() { me.Must(query, nil, &got) }))
			if len(got.Projects.Nodes) != projects {
				t.Fatalf("got %d projects, want %d", len(got.Projects.Nodes), projects)
			}
			for _, p := range got.Projects.Nodes {
				if p.Owner.ID == "" || len(p.Sessions.Nodes) == 0 || len(p.Sessions.Nodes) > 10 {
					t.Fatalf("bad nested data: %+v", p)
				}
			}
			countCosts = append(countCosts, counter.measure(func() { me.Must(withCounts, nil, nil) }))
		}
		t.Logf("statements per query: %v (with totalCount: %v) for up to %d projects and %d sessions", costs, countCosts, projects, sessions)
		for i := range costs {
			// projects page, owners batch, sessions pages batch.
			if costs[i] != 3 {
				t.Errorf("query %d cost %d statements, want 3: %v", i, costs[i], costs)
			}
			// plus the projects count and one grouped sessions count.
			if countCosts[i] != 5 {
				t.Errorf("query %d with totalCount cost %d statements, want 5: %v", i, countCosts[i], countCosts)
			}
		}
	})
}
