package e2e

import (
	"strings"
	"testing"

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
