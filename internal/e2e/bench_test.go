package e2e

import (
	"fmt"
	"testing"
	"time"

	"socrates/internal/config"
	"socrates/internal/testenv"
)

// BenchmarkNestedProjectsQuery measures one HTTP round trip of
// projects(first: 50) with owners and 10 sessions each, on each database.
func BenchmarkNestedProjectsQuery(b *testing.B) {
	for _, kind := range testenv.Kinds() {
		b.Run(kind, func(b *testing.B) {
			// The production default batching window.
			srv := testenv.StartServer(b, testenv.NewDatabase(b, kind),
				testenv.WithConfig(func(c *config.Config) { c.LoaderWait = 2 * time.Millisecond }))
			me, _ := srv.Client(b).NewUser()
			for p := range 50 {
				pid := me.CreateProject(fmt.Sprintf("project %d", p))
				for range 10 {
					me.StartSession(pid)
				}
			}
			const q = `{ projects(first: 50) { nodes { id name owner { id } sessions(first: 10) { nodes { id status } } } } }`
			b.ResetTimer()
			for b.Loop() {
				me.Must(q, nil, nil)
			}
		})
	}
}

// BenchmarkCreateProject measures one createProject mutation round trip.
func BenchmarkCreateProject(b *testing.B) {
	for _, kind := range testenv.Kinds() {
		b.Run(kind, func(b *testing.B) {
			srv := testenv.StartServer(b, testenv.NewDatabase(b, kind))
			me, _ := srv.Client(b).NewUser()
			b.ResetTimer()
			i := 0
			for b.Loop() {
				me.CreateProject(fmt.Sprintf("bench %d", i))
				i++
			}
		})
	}
}

// BenchmarkAskAndAnswer measures one askNextQuestion plus one
// answerQuestion (extraction, conflict check, maturity) with the built-in
// engine.
func BenchmarkAskAndAnswer(b *testing.B) {
	for _, kind := range testenv.Kinds() {
		b.Run(kind, func(b *testing.B) {
			srv := testenv.StartServer(b, testenv.NewDatabase(b, kind),
				testenv.WithConfig(func(c *config.Config) { c.LoaderWait = 2 * time.Millisecond }))
			me, _ := srv.Client(b).NewUser()
			sid := me.StartSession(me.CreateProject("bench"))
			const ask = `mutation($s: ID!) { askNextQuestion(input: {sessionId: $s}) { question { id } userErrors { code } } }`
			const answer = `mutation($q: ID!) { answerQuestion(input: {questionId: $q, answer: "We expect 20,000 users and 99.9% uptime on PostgreSQL"}) { specifications { id } userErrors { code } } }`
			b.ResetTimer()
			for b.Loop() {
				var out struct {
					AskNextQuestion struct {
						Question *struct{ ID string }
					}
				}
				me.Must(ask, map[string]any{"s": sid}, &out)
				if out.AskNextQuestion.Question == nil {
					// The bank is used up: continue in a new session.
					sid = me.StartSession(me.CreateProject("bench"))
					continue
				}
				me.Must(answer, map[string]any{"q": out.AskNextQuestion.Question.ID}, nil)
			}
		})
	}
}
