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
