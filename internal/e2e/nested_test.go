package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"socrates/internal/app"
	"socrates/internal/config"
	"socrates/internal/testenv"
	"socrates/internal/workload"
)

// nestedServer starts a server on a fresh database of kind seeded with
// shape, counting statements, and returns a client signed in as the
// seeded user.
func nestedServer(t testing.TB, dbURL string, shape workload.Shape, opts ...testenv.Option) (*testenv.Server, *testenv.Client, *statementCounter) {
	t.Helper()
	counter := &statementCounter{}
	opts = append(opts, testenv.WithApp(func(o *app.Options) { o.QueryHooks = append(o.QueryHooks, counter) }))
	srv := testenv.StartServer(t, dbURL, opts...)
	seeded, err := workload.Seed(context.Background(), srv.App.DB, "bench@example.com", "not-a-password-hash", shape)
	if err != nil {
		t.Fatal(err)
	}
	token, _, err := srv.App.Tokens.Issue(seeded.User.ID)
	if err != nil {
		t.Fatal(err)
	}
	return srv, srv.Client(t).As(token), counter
}

// TestNestedReadCostIsPlanned runs the integrators' nested read alone and
// with 32 at once: it costs the same few statements every time, whatever
// the scheduling, because the reads below the root are planned from the
// query, not gathered by a timer.
func TestNestedReadCostIsPlanned(t *testing.T) {
	testenv.EachDB(t, func(t *testing.T, dbURL string) {
		_, me, counter := nestedServer(t, dbURL, workload.N())
		var first []byte
		alone := counter.measure(func() { first = me.Do(workload.NestedQuery, nil).Raw })
		if bytes.Contains(first, []byte(`"errors"`)) {
			t.Fatalf("query failed: %s", first)
		}
		const clients = 32
		bodies := make([][]byte, clients)
		var next atomic.Int32
		together := counter.measure(func() {
			concurrently(clients, func() { bodies[next.Add(1)-1] = me.Do(workload.NestedQuery, nil).Raw })
		})
		for i, b := range bodies {
			if !bytes.Equal(b, first) {
				t.Fatalf("response %d of %d differs from the first", i, clients)
			}
		}
		t.Logf("statements: %d alone, %d for %d at once", alone, together, clients)
		if alone > 8 {
			t.Errorf("the nested read cost %d statements, want at most 8", alone)
		}
		if together != clients*alone {
			t.Errorf("%d concurrent reads cost %d statements, want %d x %d", clients, together, clients, alone)
		}
	})
}

// concurrently runs f n times at once and waits for all.
func concurrently(n int, f func()) {
	var wg sync.WaitGroup
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			f()
		}()
	}
	wg.Wait()
}

// BenchmarkNestedRead measures the integrators' nested read (workload N)
// over HTTP with as many concurrent clients as GOMAXPROCS x -cpu, and
// reports statements per read.
func BenchmarkNestedRead(b *testing.B) {
	for _, kind := range testenv.Kinds() {
		b.Run(kind, func(b *testing.B) {
			_, me, counter := nestedServer(b, testenv.NewDatabase(b, kind), workload.N())
			me.Must(workload.NestedQuery, nil, nil)
			counter.n.Store(0)
			counter.enabled.Store(true)
			b.ResetTimer()
			b.SetParallelism(4)
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					me.Do(workload.NestedQuery, nil)
				}
			})
			b.StopTimer()
			b.ReportMetric(float64(counter.n.Load())/float64(b.N), "stmts/op")
		})
	}
}

// TestPlannedReadsAnswerAsUnplanned runs the same queries on two servers
// over one database, one planning its reads and one leaving every edge to
// the loaders: the responses are byte for byte the same, for the nested
// read and for a query that walks every edge the planner knows, with
// aliases, fragments, arguments from variables, filters, counts and
// pagination cursors.
func TestPlannedReadsAnswerAsUnplanned(t *testing.T) {
	testenv.EachDB(t, func(t *testing.T, dbURL string) {
		_, me, counter := nestedServer(t, dbURL, workload.Shape{Projects: 3, SessionsEach: 2, QuestionsEach: 3, SpecificationsEach: 12, ConflictsEach: 2})
		unplanned := testenv.StartServer(t, dbURL, testenv.WithConfig(func(c *config.Config) { c.PlanReads = false }))
		other := unplanned.Client(t).As(me.Token)

		// A project with a dialogue: superseded specifications, conflicts
		// resolved and open, messages.
		pid := me.CreateProject("dialogue")
		sid := me.StartSession(pid)
		q1 := ask(t, me, sid).AskNextQuestion.Question
		answer(t, me, q1.ID, "We will store everything in PostgreSQL with 5,000 concurrent users")
		q2 := ask(t, me, sid).AskNextQuestion.Question
		c := answer(t, me, q2.ID, "Actually we will use MongoDB as the database").AnswerQuestion.Conflicts[0].ID
		me.Must(`mutation($c: ID!) { resolveConflict(input: {conflictId: $c, resolution: REPLACE}) { userErrors { code } } }`, map[string]any{"c": c}, nil)
		q3 := ask(t, me, sid).AskNextQuestion.Question
		answer(t, me, q3.ID, "Our data store will be DynamoDB")

		var page struct {
			Projects struct {
				PageInfo struct{ EndCursor string }
			}
		}
		me.Must(`{ projects(first: 2) { pageInfo { endCursor } } }`, nil, &page)
		const wide = `query Wide($first: Int!, $after: String, $status: SpecStatus, $cat: SpecCategory) {
			projects(first: $first, after: $after) { totalCount edges { cursor node { ...P } } nodes { id viewerPermission } }
			again: projects(first: 4) { nodes { ...P filtered: specifications(first: 3, category: $cat, status: $status) { totalCount nodes { id key } } } }
			viewer { id email }
		}
		fragment P on Project {
			id name maturity openConflictCount categoryCoverage { category specCount coverage } qualityReport { maturity blockers }
			llmUsage { calls } owner { id email }
			sessions(first: 3) { totalCount pageInfo { hasNextPage endCursor } nodes { id status project { id name } startedBy { id }
				currentQuestion { id text }
				questions(first: 3) { totalCount edges { cursor node { id text session { id } answeredBy { id } specifications { id key status } } } }
				messages(last: 3) { totalCount nodes { id role content author { id } question { id } } } } }
			specifications(first: 8, status: null) { totalCount nodes { id key value status project { id } question { id text }
				supersededBy { id value } supersedes { id value } conflicts { id status specifications { id } } } }
			current: specifications(first: 5) { nodes { id } }
			conflicts(first: 5, status: null) { totalCount nodes { id type status project { id } resolvedBy { id email }
				specifications { id key value supersededBy { id } } } }
			open: conflicts(first: 5, status: OPEN) { nodes { id } }
			... on Node { id }
		}`
		vars := []map[string]any{
			{"first": 10},
			{"first": 1, "after": page.Projects.PageInfo.EndCursor, "status": "SUPERSEDED", "cat": "TECH_STACK"},
			{"first": 3, "status": "CURRENT"},
		}
		queries := []struct {
			query string
			vars  map[string]any
		}{{workload.NestedQuery, nil}}
		for _, v := range vars {
			queries = append(queries, struct {
				query string
				vars  map[string]any
			}{wide, v})
		}
		var ids []string
		var list struct {
			Projects struct{ Nodes []struct{ ID string } }
		}
		me.Must(`{ projects(first: 10) { nodes { id } } }`, nil, &list)
		for _, p := range list.Projects.Nodes {
			ids = append(ids, p.ID)
		}
		queries = append(queries, struct {
			query string
			vars  map[string]any
		}{`query($ids: [ID!]!, $one: ID!) { nodes(ids: $ids) { ...on Project { id sessions(first: 2) { nodes { id questions { nodes { id } } } } } }
			node(id: $one) { ... on Project { specifications { nodes { id conflicts { id } } } } } }`, map[string]any{"ids": ids, "one": ids[0]}})
		for i, q := range queries {
			var a *testenv.Response
			n := counter.measure(func() { a = me.Do(q.query, q.vars) })
			together := counter.measure(func() { concurrently(8, func() { me.Do(q.query, q.vars) }) })
			t.Logf("query %d: %d statements planned, %d for 8 at once", i, n, together)
			if together != 8*n {
				t.Errorf("query %d cost %d statements alone but %d for 8 at once", i, n, together)
			}
			b := other.Do(q.query, q.vars)
			if len(a.Errors) > 0 || a.Status != 200 {
				t.Fatalf("query %d failed: %s", i, a.Raw)
			}
			if !bytes.Equal(a.Raw, b.Raw) {
				t.Fatalf("query %d: planned and unplanned answers differ:\nplanned:   %.2000s\nunplanned: %.2000s", i, a.Raw, b.Raw)
			}
		}
	})
}

// BenchmarkReadHandler measures the server's own work for the nested read
// (N) and the simple read (S), calling its HTTP handler in-process (no
// client, no network), one request at a time: time, CPU, bytes and
// allocations per read.
func BenchmarkReadHandler(b *testing.B) {
	for _, kind := range testenv.Kinds() {
		for _, q := range []struct{ name, query string }{{"N", workload.NestedQuery}, {"S", workload.SimpleQuery}} {
			b.Run(kind+"/"+q.name, func(b *testing.B) {
				srv, me, _ := nestedServer(b, testenv.NewDatabase(b, kind), workload.N())
				body, err := json.Marshal(map[string]any{"query": q.query})
				if err != nil {
					b.Fatal(err)
				}
				h := srv.App.Server.Handler()
				serve := func() *httptest.ResponseRecorder {
					req := httptest.NewRequest(http.MethodPost, "/query", bytes.NewReader(body))
					req.Header.Set("Content-Type", "application/json")
					req.Header.Set("Authorization", "Bearer "+me.Token)
					rec := httptest.NewRecorder()
					h.ServeHTTP(rec, req)
					return rec
				}
				if rec := serve(); rec.Code != http.StatusOK || bytes.Contains(rec.Body.Bytes(), []byte(`"errors"`)) {
					b.Fatalf("read failed: %d %.500s", rec.Code, rec.Body.Bytes())
				}
				b.ReportAllocs()
				cpu := processCPU()
				b.ResetTimer()
				for b.Loop() {
					serve()
				}
				b.StopTimer()
				b.ReportMetric(float64((processCPU()-cpu).Microseconds())/1000/float64(b.N), "cpu-ms/op")
			})
		}
	}
}

// processCPU returns the CPU time this process has used, all threads,
// user and system: unlike wall time it hardly moves with other load on
// the machine.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
