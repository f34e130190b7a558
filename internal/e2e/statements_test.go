package e2e

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"socrates/internal/app"
	"socrates/internal/config"
	"socrates/internal/testenv"
)

// statementCounter counts the SQL statements a database runs.
type statementCounter struct {
	n       atomic.Int64
	enabled atomic.Bool
	mu      sync.Mutex
	texts   []string
}

func (c *statementCounter) BeforeQuery(ctx context.Context, _ *bun.QueryEvent) context.Context {
	return ctx
}

func (c *statementCounter) AfterQuery(_ context.Context, e *bun.QueryEvent) {
	if c.enabled.Load() {
		c.n.Add(1)
		c.mu.Lock()
		c.texts = append(c.texts, e.Query)
		c.mu.Unlock()
	}
}

// last returns the texts of the statements the last measure counted.
func (c *statementCounter) last() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.texts...)
}

// measure returns how many statements run does.
func (c *statementCounter) measure(run func()) int64 {
	c.n.Store(0)
	c.mu.Lock()
	c.texts = nil
	c.mu.Unlock()
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
		counter := &statementCounter{}
		srv := testenv.StartServer(t, dbURL, testenv.WithConfig(func(c *config.Config) { c.LoaderWait = 150 * time.Millisecond }),
			testenv.WithApp(func(o *app.Options) { o.QueryHooks = append(o.QueryHooks, counter) }))
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

// TestDialogueEdgesAreBatched reads every nested edge of the dialogue for
// one project and for four alike, and shows the statement count is the same.
func TestDialogueEdgesAreBatched(t *testing.T) {
	testenv.EachDB(t, func(t *testing.T, dbURL string) {
		counter := &statementCounter{}
		srv := testenv.StartServer(t, dbURL, testenv.WithConfig(func(c *config.Config) { c.LoaderWait = 150 * time.Millisecond }),
			testenv.WithApp(func(o *app.Options) { o.QueryHooks = append(o.QueryHooks, counter) }))
		me, _ := srv.Client(t).NewUser()
		build := func(i int) {
			pid := me.CreateProject(fmt.Sprintf("dialogue %d", i))
			sid := me.StartSession(pid)
			q1 := ask(t, me, sid).AskNextQuestion.Question
			answer(t, me, q1.ID, "We will store everything in PostgreSQL with 5,000 concurrent users")
			q2 := ask(t, me, sid).AskNextQuestion.Question
			c := answer(t, me, q2.ID, "Actually we will use MongoDB as the database").AnswerQuestion.Conflicts[0].ID
			me.Must(`mutation($c: ID!) { resolveConflict(input: {conflictId: $c, resolution: REPLACE}) { userErrors { code } } }`, map[string]any{"c": c}, nil)
			q3 := ask(t, me, sid).AskNextQuestion.Question
			c = answer(t, me, q3.ID, "Our data store will be DynamoDB").AnswerQuestion.Conflicts[0].ID
			_ = c
		}
		const query = `{ projects(first: 20) { nodes {
			categoryCoverage { coverage } openConflictCount llmUsage { calls }
			specifications(first: 10, status: null) { nodes { question { id } supersededBy { id } supersedes { id } conflicts { id } } }
			conflicts(first: 5) { nodes { specifications { id } resolvedBy { id } project { id } } }
			sessions(first: 5) { nodes { currentQuestion { id } startedBy { id }
				questions(first: 5) { nodes { session { id } answeredBy { id } specifications { id } } }
				messages(first: 5) { nodes { author { id } question { id } } } } } } } }`
		build(0)
		one := counter.measure(func() { me.Must(query, nil, nil) })
		for i := 1; i < 4; i++ {
			build(i)
		}
		four := counter.measure(func() { me.Must(query, nil, nil) })
		costs := []int64{one, four}
		t.Logf("statements for 1 and 4 projects: %v", costs)
		if costs[0] != costs[1] {
			t.Fatalf("the statement count grew with the data: %v", costs)
		}
	})
}

// TestPermissionChecksAreBatched lists shared projects with their
// permission and nested data: the statements do not grow with the number
// of projects whose permission is checked.
func TestPermissionChecksAreBatched(t *testing.T) {
	testenv.EachDB(t, func(t *testing.T, dbURL string) {
		counter := &statementCounter{}
		srv := testenv.StartServer(t, dbURL, testenv.WithConfig(func(c *config.Config) { c.LoaderWait = 150 * time.Millisecond }),
			testenv.WithApp(func(o *app.Options) { o.QueryHooks = append(o.QueryHooks, counter) }))
		owner, _ := srv.Client(t).NewUser()
		member, memberTok := srv.Client(t).NewUser()
		team := createTeam(t, owner, "readers")
		if errs := addMember(t, owner, team, memberTok.User.Email, "DEVELOPER"); len(errs) > 0 {
			t.Fatal(errs)
		}
		const query = `{ projects(first: 50) { nodes { viewerPermission owner { id } shares { permission team { id } }
			sessions(first: 5) { nodes { id project { viewerPermission } } } } } }`
		addShared := func(i int) {
			pid := owner.CreateProject(fmt.Sprintf("shared %d", i))
			owner.StartSession(pid)
			share(t, owner, pid, team, "WRITE")
		}
		addShared(0)
		one := counter.measure(func() { member.Must(query, nil, nil) })
		for i := 1; i < 6; i++ {
			addShared(i)
		}
		var out struct {
			Projects struct {
				Nodes []struct{ ViewerPermission string }
			}
		}
		six := counter.measure(func() { member.Must(query, nil, &out) })
		t.Logf("statements for 1 and 6 shared projects: %d, %d", one, six)
		if one != six {
			t.Fatalf("permission checks grew with the page: %d then %d", one, six)
		}
		if len(out.Projects.Nodes) != 6 || out.Projects.Nodes[0].ViewerPermission != "WRITE" {
			t.Fatalf("projects %+v", out.Projects.Nodes)
		}
	})
}

// TestAskAnswerRoundCost counts the statements of the benchmark's
// ask-then-answer round, transactions included: the writes of a round do
// not re-read what the round already holds, and on PostgreSQL a round
// without conflicts costs 15 statements.
func TestAskAnswerRoundCost(t *testing.T) {
	testenv.EachDB(t, func(t *testing.T, dbURL string) {
		counter := &statementCounter{}
		srv := testenv.StartServer(t, dbURL, testenv.WithApp(func(o *app.Options) { o.QueryHooks = append(o.QueryHooks, counter) }))
		me, _ := srv.Client(t).NewUser()
		sid := me.StartSession(me.CreateProject("rounds"))
		const (
			askQ    = `mutation($s: ID!) { askNextQuestion(input: {sessionId: $s}) { question { id } userErrors { code message } } }`
			answerQ = `mutation($q: ID!, $a: String!) { answerQuestion(input: {questionId: $q, answer: $a}) {
				specifications { id } conflicts { id } project { maturity } userErrors { code message } } }`
		)
		// What a round costs on SQLite: ask 9 (the session with its
		// project and what choosing a question needs, in one read; BEGIN,
		// the lock, question, message, then the current question,
		// statistics and usage queued for the commit, COMMIT) and answer
		// 11 (the question with its session; BEGIN, the lock of project,
		// session and question, message, known and new specifications,
		// then the answer, maturity, statistics and usage queued for the
		// commit, COMMIT), 2 more when the answer brings conflicts (their
		// rows, and their links queued for the commit).
		askLimit, answerLimit, conflictCost := 9, 11, 2
		if strings.HasPrefix(dbURL, "postgres") {
			// On PostgreSQL the queued writes and the NOTIFY for the other
			// instances are one statement before COMMIT: ask 7, answer 8
			// (9 with conflicts). An ask may send its question stream's
			// steps on their own too, when the machine takes more than the
			// stream window (50 ms) between streaming the question and
			// saving it.
			askLimit, answerLimit, conflictCost = 8, 8, 1
		}
		answers := []string{
			"We expect 20,000 users and 99.9% uptime on PostgreSQL",
			"Actually we will use MongoDB as the database",
			"Requests should answer within 200 ms at p95",
		}
		// The reads of a round bind the values that change (ids) instead
		// of writing them into the text, so each round sends the same
		// read texts and PostgreSQL plans them once per connection.
		var firstReads []string
		for i, text := range answers {
			var asked struct {
				AskNextQuestion struct {
					Question   *struct{ ID string }
					UserErrors []testenv.UserErrorT
				}
			}
			var answered struct {
				AnswerQuestion struct {
					Specifications []struct{ ID string }
					Conflicts      []struct{ ID string }
					UserErrors     []testenv.UserErrorT
				}
			}
			askCost := counter.measure(func() { me.Must(askQ, map[string]any{"s": sid}, &asked) })
			askTexts := counter.last()
			if asked.AskNextQuestion.Question == nil {
				t.Fatalf("round %d: ask: %+v", i, asked.AskNextQuestion.UserErrors)
			}
			answerCost := counter.measure(func() {
				me.Must(answerQ, map[string]any{"q": asked.AskNextQuestion.Question.ID, "a": text}, &answered)
			})
			if len(answered.AnswerQuestion.UserErrors) > 0 || len(answered.AnswerQuestion.Specifications) == 0 {
				t.Fatalf("round %d: answer: %+v", i, answered.AnswerQuestion)
			}
			if i == 1 && len(answered.AnswerQuestion.Conflicts) == 0 {
				t.Fatalf("round %d: MongoDB after PostgreSQL found no conflict", i)
			}
			t.Logf("round %d: ask %d + answer %d statements", i, askCost, answerCost)
			if reads := selects(append(askTexts, counter.last()...)); i == 0 {
				firstReads = reads
			} else if len(answered.AnswerQuestion.Conflicts) == 0 && !slices.Equal(reads, firstReads) {
				t.Errorf("round %d read other texts than round 0 (a value written into a read's text?):\n%s\n--- round 0:\n%s", i,
					strings.Join(reads, "\n"), strings.Join(firstReads, "\n"))
			}
			answerMost := answerLimit
			if len(answered.AnswerQuestion.Conflicts) > 0 {
				answerMost += conflictCost
			}
			if askCost > int64(askLimit) || answerCost > int64(answerMost) {
				t.Errorf("round %d cost %d + %d statements, want at most %d + %d:\n%s", i, askCost, answerCost, askLimit, answerMost,
					strings.Join(append(askTexts, counter.last()...), "\n"))
			}
		}
	})
}

// selects returns the distinct SELECT statements among texts, sorted.
func selects(texts []string) []string {
	var out []string
	for _, t := range texts {
		if strings.HasPrefix(strings.TrimSpace(t), "SELECT") {
			out = append(out, t)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}
