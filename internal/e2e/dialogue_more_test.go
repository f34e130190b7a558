package e2e

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"

	"socrates/internal/pubsub"
	"socrates/internal/testenv"
)

// TestHostileDialogueInput sends the dialogue mutations bad input and
// checks each answers a clear error and changes nothing.
func TestHostileDialogueInput(t *testing.T) {
	testenv.EachDB(t, func(t *testing.T, dbURL string) {
		srv := testenv.StartServer(t, dbURL)
		me, _ := srv.Client(t).NewUser()
		other, _ := srv.Client(t).NewUser()
		pid := me.CreateProject("mine")
		sid := me.StartSession(pid)
		q := ask(t, me, sid).AskNextQuestion.Question
		answered := ask(t, me, sid).AskNextQuestion.Question
		answer(t, me, answered.ID, "We will store everything in PostgreSQL")
		a := answer(t, me, q.ID, "Actually we will use MongoDB as the database")
		conflict := a.AnswerQuestion.Conflicts[0].ID
		theirSession := other.StartSession(other.CreateProject("theirs"))
		theirQ := ask(t, other, theirSession).AskNextQuestion.Question
		resolved := func() string {
			p2 := me.CreateProject("resolved")
			s2 := me.StartSession(p2)
			x := ask(t, me, s2).AskNextQuestion.Question
			answer(t, me, x.ID, "PostgreSQL is our database")
			y := ask(t, me, s2).AskNextQuestion.Question
			c := answer(t, me, y.ID, "We decided on MySQL as the database").AnswerQuestion.Conflicts[0].ID
			me.Must(`mutation($c: ID!) { resolveConflict(input: {conflictId: $c, resolution: KEEP_OLD}) { userErrors { code } } }`, map[string]any{"c": c}, nil)
			return c
		}()
		pausedSession := me.StartSession(pid)
		me.Must(`mutation($s: ID!) { pauseSession(input: {sessionId: $s}) { userErrors { code } } }`, map[string]any{"s": pausedSession}, nil)
		chatInSocratic := sid

		resolve := `mutation($c: ID!, $r: ConflictResolution!, $m: String) { resolveConflict(input: {conflictId: $c, resolution: $r, mergedValue: $m}) { conflict { id } userErrors { field code message } } }`
		chat := `mutation($s: ID!, $m: String!) { sendChatMessage(input: {sessionId: $s, message: $m}) { reply { id } userErrors { field code message } } }`
		add := `mutation($p: ID!, $k: String!, $v: String!, $c: Float) { addSpecification(input: {projectId: $p, category: TECH_STACK, key: $k, value: $v, confidence: $c}) { specification { id } userErrors { field code message } } }`
		cases := []struct {
			name  string
			as    *testenv.Client
			query string
			vars  map[string]any
			want  string
			top   bool
		}{
			{"empty answer", me, answerMutation, map[string]any{"q": ask(t, me, sid).AskNextQuestion.Question.ID, "a": "   "}, "REQUIRED", false},
			{"100 KB answer", me, answerMutation, map[string]any{"q": q.ID, "a": strings.Repeat("PostgreSQL ", 10_000)}, "TOO_LONG", false},
			{"another user's question", me, answerMutation, map[string]any{"q": theirQ.ID, "a": "hello there friend"}, "NOT_FOUND", true},
			{"answering twice", me, answerMutation, map[string]any{"q": answered.ID, "a": "again and again"}, "ALREADY_ANSWERED", false},
			{"wrong id type", me, answerMutation, map[string]any{"q": sid, "a": "x"}, "BAD_USER_INPUT", true},
			{"merge without value", me, resolve, map[string]any{"c": conflict, "r": "MERGE"}, "REQUIRED", false},
			{"value without merge", me, resolve, map[string]any{"c": conflict, "r": "KEEP_OLD", "m": "x"}, "INVALID", false},
			{"resolving a resolved conflict", me, resolve, map[string]any{"c": resolved, "r": "REPLACE"}, "INVALID_STATE", false},
			{"another user's conflict", other, resolve, map[string]any{"c": conflict, "r": "KEEP_OLD"}, "NOT_FOUND", true},
			{"ask in a paused session", me, askMutation, map[string]any{"s": pausedSession}, "INVALID_STATE", false},
			{"ask in another user's session", me, askMutation, map[string]any{"s": theirSession}, "NOT_FOUND", true},
			{"chat in a SOCRATIC session", me, chat, map[string]any{"s": chatInSocratic, "m": "hello"}, "INVALID_STATE", false},
			{"add with a bad key", me, add, map[string]any{"p": pid, "k": "Bad Key", "v": "x"}, "INVALID", false},
			{"add with confidence 2", me, add, map[string]any{"p": pid, "k": "cache", "v": "Redis", "c": 2.0}, "INVALID", false},
			{"add a duplicate", me, add, map[string]any{"p": pid, "k": "database", "v": "postgresql"}, "DUPLICATE", false},
			{"add to another user's project", other, add, map[string]any{"p": pid, "k": "cache", "v": "Redis"}, "NOT_FOUND", true},
			{"advance past the gate", me, `mutation($p: ID!) { advanceProjectPhase(input: {projectId: $p, phase: ANALYSIS}) { project { id } userErrors { code message } } }`, map[string]any{"p": pid}, "PHASE_GATE", false},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				before := snapshot(t, srv.App.DB)
				r := c.as.Do(c.query, c.vars)
				if c.top {
					if len(r.Errors) == 0 || r.Errors[0].Code() != c.want {
						t.Fatalf("want %s, got %s", c.want, r.Raw)
					}
				} else if len(r.Errors) != 0 || !strings.Contains(string(r.Raw), `"code":"`+c.want+`"`) || !strings.Contains(string(r.Raw), `"message":"`) {
					t.Fatalf("want userError %s, got %s", c.want, r.Raw)
				}
				if after := snapshot(t, srv.App.DB); after != before {
					t.Fatalf("the database changed")
				}
			})
		}
	})
}

// TestDirectChat talks freely in a DIRECT_CHAT session.
func TestDirectChat(t *testing.T) {
	testenv.EachDB(t, func(t *testing.T, dbURL string) {
		srv := testenv.StartServer(t, dbURL)
		me, tok := srv.Client(t).NewUser()
		pid := me.CreateProject("chatty")
		sid := me.StartSession(pid)
		me.Must(`mutation($s: ID!) { setSessionMode(input: {sessionId: $s, mode: DIRECT_CHAT}) { session { mode } userErrors { code } } }`, map[string]any{"s": sid}, nil)
		events := subscribe(t, srv, tok.AccessToken, pubsub.SessionTopic(sessionNumber(t, sid)),
			`subscription($s: ID!) { sessionEvents(sessionId: $s) { type message { role content } } }`, map[string]any{"s": sid})
		var out struct {
			SendChatMessage struct {
				Message           struct{ Role, Content string }
				Reply             struct{ Role, Content string }
				SuggestedQuestion *string
				Specifications    []specT
				Conflicts         []struct{ Type string }
				Project           struct{ Maturity int }
				UserErrors        []testenv.UserErrorT
			}
		}
		me.Must(`mutation($s: ID!, $m: String!) { sendChatMessage(input: {sessionId: $s, message: $m}) {
			message { role content } reply { role content } suggestedQuestion
			specifications { key value status category confidence } conflicts { type } project { maturity } userErrors { code } } }`,
			map[string]any{"s": sid, "m": "We need 99.9% uptime, and orders flow through Kafka into PostgreSQL."}, &out)
		c := out.SendChatMessage
		if c.Message.Role != "USER" || c.Reply.Role != "ASSISTANT" || c.SuggestedQuestion == nil || *c.SuggestedQuestion == "" {
			t.Fatalf("chat: %+v", c)
		}
		for _, key := range []string{"uptime_target", "message_queue", "database"} {
			if specByKey(c.Specifications, key) == nil {
				t.Fatalf("no %s in %+v", key, c.Specifications)
			}
		}
		if !strings.Contains(c.Reply.Content, "Kafka") || c.Project.Maturity == 0 {
			t.Fatalf("reply %q, maturity %d", c.Reply.Content, c.Project.Maturity)
		}
		if e, _ := events.until("type", "MESSAGE_ADDED"); e["message"].(map[string]any)["role"] != "USER" {
			t.Fatalf("message event %v", e)
		}
		if e, _ := events.until("type", "MESSAGE_ADDED"); e["message"].(map[string]any)["role"] != "ASSISTANT" {
			t.Fatalf("reply event %v", e)
		}
		// A contradiction in chat takes the same conflict path.
		me.Must(`mutation($s: ID!, $m: String!) { sendChatMessage(input: {sessionId: $s, message: $m}) { conflicts { type } specifications { key status } userErrors { code } } }`,
			map[string]any{"s": sid, "m": "On second thought, MySQL will be the database."}, &out)
		if len(out.SendChatMessage.Conflicts) != 1 || out.SendChatMessage.Conflicts[0].Type != "TECHNOLOGY" {
			t.Fatalf("chat conflict: %+v", out.SendChatMessage)
		}
		var hist struct {
			Node struct {
				Messages struct {
					TotalCount int
					Nodes      []struct{ Role string }
				}
			}
		}
		me.Must(`query($s: ID!) { node(id: $s) { ... on Session { messages { totalCount nodes { role } } } } }`, map[string]any{"s": sid}, &hist)
		if hist.Node.Messages.TotalCount != 4 || hist.Node.Messages.Nodes[0].Role != "USER" || hist.Node.Messages.Nodes[1].Role != "ASSISTANT" {
			t.Fatalf("history: %+v", hist.Node.Messages)
		}
	})
}

// TestSpecificationsByHandAndPhases adds and edits specifications by hand,
// follows the supersede chain and walks the phase gates.
func TestSpecificationsByHandAndPhases(t *testing.T) {
	testenv.EachDB(t, func(t *testing.T, dbURL string) {
		srv := testenv.StartServer(t, dbURL)
		me, _ := srv.Client(t).NewUser()
		pid := me.CreateProject("by hand")
		addSpec := func(cat, key, value string) (string, []string) {
			var out struct {
				AddSpecification struct {
					Specification struct{ ID, Status string }
					Conflicts     []struct{ ID string }
					UserErrors    []testenv.UserErrorT
				}
			}
			me.Must(`mutation($p: ID!, $c: SpecCategory!, $k: String!, $v: String!) { addSpecification(input: {projectId: $p, category: $c, key: $k, value: $v}) {
				specification { id status } conflicts { id } userErrors { code message } } }`, map[string]any{"p": pid, "c": cat, "k": key, "v": value}, &out)
			if len(out.AddSpecification.UserErrors) > 0 {
				t.Fatalf("add %s: %+v", key, out.AddSpecification.UserErrors)
			}
			var ids []string
			for _, c := range out.AddSpecification.Conflicts {
				ids = append(ids, c.ID)
			}
			return out.AddSpecification.Specification.ID, ids
		}
		advance := func(phase string) []testenv.UserErrorT {
			var out struct {
				AdvanceProjectPhase struct {
					Project    *struct{ Phase string }
					UserErrors []testenv.UserErrorT
				}
			}
			me.Must(`mutation($p: ID!, $ph: ProjectPhase!) { advanceProjectPhase(input: {projectId: $p, phase: $ph}) { project { phase } userErrors { code message } } }`,
				map[string]any{"p": pid, "ph": phase}, &out)
			return out.AdvanceProjectPhase.UserErrors
		}
		dbID, _ := addSpec("TECH_STACK", "database", "PostgreSQL")
		// Edit: a new specification supersedes the old.
		var upd struct {
			UpdateSpecification struct {
				Specification struct {
					ID, Value, Status string
					Supersedes        []struct{ ID string }
				}
				Previous   struct{ Status string }
				UserErrors []testenv.UserErrorT
			}
		}
		me.Must(`mutation($s: ID!) { updateSpecification(input: {specificationId: $s, value: "PostgreSQL 16", confidence: 0.8}) {
			specification { id value status supersedes { id } } previous { status } userErrors { code } } }`, map[string]any{"s": dbID}, &upd)
		u := upd.UpdateSpecification
		if u.Specification.Value != "PostgreSQL 16" || u.Specification.Status != "CURRENT" || u.Previous.Status != "SUPERSEDED" ||
			len(u.Specification.Supersedes) != 1 || u.Specification.Supersedes[0].ID != dbID {
			t.Fatalf("update: %+v", u)
		}
		// Fill five categories to their targets: 55 specifications of confidence 1.
		for cat, n := range map[string]int{"GOALS": 10, "REQUIREMENTS": 15, "TECH_STACK": 11, "SCALABILITY": 8, "SECURITY": 10} {
			for i := range n {
				addSpec(cat, fmt.Sprintf("%s_item_%d", strings.ToLower(cat), i), fmt.Sprintf("value %d", i))
			}
		}
		if errs := advance("DESIGN"); len(errs) != 1 || !strings.Contains(errs[0].Message, "one step") {
			t.Fatalf("skipping a phase: %+v", errs)
		}
		// An open conflict blocks the gate even with enough maturity.
		_, conflicts := addSpec("TECH_STACK", "database", "MongoDB")
		st := state(t, me, pid)
		if st.Project.Maturity < 60 || len(conflicts) != 1 {
			t.Fatalf("maturity %d, conflicts %v", st.Project.Maturity, conflicts)
		}
		if errs := advance("ANALYSIS"); len(errs) != 1 || errs[0].Code != "PHASE_GATE" || !strings.Contains(errs[0].Message, "conflict") {
			t.Fatalf("gate with an open conflict: %+v", errs)
		}
		me.Must(`mutation($c: ID!) { resolveConflict(input: {conflictId: $c, resolution: KEEP_OLD}) { userErrors { code } } }`, map[string]any{"c": conflicts[0]}, nil)
		if errs := advance("ANALYSIS"); len(errs) != 0 {
			t.Fatalf("advance to ANALYSIS: %+v", errs)
		}
		if errs := advance("DESIGN"); len(errs) != 1 || !strings.Contains(errs[0].Message, "maturity is") {
			t.Fatalf("DESIGN below 100: %+v", errs)
		}
		var qr struct {
			Project struct {
				QualityReport struct {
					Maturity               int
					ReadyForCodeGeneration bool
					Recommendation         string
					Blockers               []string
					Gaps                   []struct{ Category string }
				}
			}
		}
		me.Must(`query($p: ID!) { project(id: $p) { qualityReport { maturity readyForCodeGeneration recommendation blockers gaps { category } } } }`,
			map[string]any{"p": pid}, &qr)
		q := qr.Project.QualityReport
		if q.ReadyForCodeGeneration || q.Maturity != st.Project.Maturity || !strings.HasPrefix(q.Recommendation, "Finish the specification") ||
			len(q.Gaps) != 6 || len(q.Blockers) != 7 || q.Gaps[0].Category != "PERFORMANCE" {
			t.Fatalf("quality report: %+v", q)
		}
		var cov struct {
			Project struct {
				Phase            string
				CategoryCoverage []struct {
					Category string
					Coverage float64
				}
			}
		}
		me.Must(`query($p: ID!) { project(id: $p) { phase categoryCoverage { category coverage } } }`, map[string]any{"p": pid}, &cov)
		if cov.Project.Phase != "ANALYSIS" || len(cov.Project.CategoryCoverage) != 10 || cov.Project.CategoryCoverage[0].Coverage != 1 ||
			cov.Project.CategoryCoverage[9].Coverage != 0 {
			t.Fatalf("coverage: %+v", cov.Project)
		}
	})
}

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

// TestRejectingClosesItsOtherConflicts rejects a specification that raised
// two conflicts: the second has nothing left to decide and is closed too.
func TestRejectingClosesItsOtherConflicts(t *testing.T) {
	testenv.EachDB(t, func(t *testing.T, dbURL string) {
		srv := testenv.StartServer(t, dbURL)
		me, _ := srv.Client(t).NewUser()
		pid := me.CreateProject("two conflicts")
		add := func(cat, key, value string) []string {
			var out struct {
				AddSpecification struct {
					Conflicts []struct{ ID string }
				}
			}
			me.Must(`mutation($p: ID!, $c: SpecCategory!, $k: String!, $v: String!) { addSpecification(input: {projectId: $p, category: $c, key: $k, value: $v}) { conflicts { id } } }`,
				map[string]any{"p": pid, "c": cat, "k": key, "v": value}, &out)
			var ids []string
			for _, c := range out.AddSpecification.Conflicts {
				ids = append(ids, c.ID)
			}
			return ids
		}
		add("TECH_STACK", "database", "PostgreSQL")
		add("SCALABILITY", "multi_region_writes", "required")
		conflicts := add("TECH_STACK", "database", "SQLite")
		if len(conflicts) != 2 {
			t.Fatalf("SQLite raised %d conflicts, want 2", len(conflicts))
		}
		var res struct {
			ResolveConflict struct {
				Project struct{ OpenConflictCount int }
			}
		}
		me.Must(`mutation($c: ID!) { resolveConflict(input: {conflictId: $c, resolution: KEEP_OLD}) { project { openConflictCount } } }`,
			map[string]any{"c": conflicts[0]}, &res)
		if res.ResolveConflict.Project.OpenConflictCount != 0 {
			t.Fatalf("%d conflicts still open", res.ResolveConflict.Project.OpenConflictCount)
		}
		var other struct {
			Node struct {
				Status, Resolution string
				ResolutionNote     string
			}
		}
		me.Must(`query($c: ID!) { node(id: $c) { ... on Conflict { status resolution resolutionNote } } }`, map[string]any{"c": conflicts[1]}, &other)
		if other.Node.Status != "RESOLVED" || other.Node.Resolution != "KEEP_OLD" || !strings.Contains(other.Node.ResolutionNote, "no longer pending") {
			t.Fatalf("the second conflict: %+v", other.Node)
		}
	})
}
