package main

import (
	"context"
	"path/filepath"
	"testing"

	"socrates/models"
)

// TestSeedOnSQLite seeds a temp SQLite file through the real migrations
// and checks the shape of the workloads.
func TestSeedOnSQLite(t *testing.T) {
	ctx := context.Background()
	s, err := seedURL(ctx, "sqlite://"+filepath.ToSlash(filepath.Join(t.TempDir(), "seed.db")))
	if err != nil {
		t.Fatal(err)
	}
	if len(s.ProjectIDs) != benchProjects || len(s.AskUsers) != askUserCount || s.Fanout.SessionID == 0 {
		t.Fatalf("seeded %+v", s)
	}
	for i := 1; i < len(s.ProjectIDs); i++ {
		if s.ProjectIDs[i] >= s.ProjectIDs[i-1] {
			t.Fatalf("projects not newest first: %v", s.ProjectIDs)
		}
	}
	want := 1 + askUserCount + 1 + // users
		benchProjects + askUserCount + 1 + // projects
		benchProjects*sessionsPerProject + askUserCount + 1 + // sessions
		benchProjects*(specsPerProject*2+conflictsPerProject*3) // questions, specifications, conflicts, links
	if s.Rows != want {
		t.Fatalf("rows %d, want %d", s.Rows, want)
	}
	if m := seedMaturity(); m <= 0 || m >= 100 {
		t.Fatalf("seed maturity %d", m)
	}
	cats := map[models.SpecCategory]int{}
	for _, group := range templatesByCategory() {
		if len(group) != 5 {
			t.Fatalf("a category has %d templates, want 5", len(group))
		}
		cats[group[0].Category]++
	}
	if len(cats) != 10 {
		t.Fatalf("categories %v", cats)
	}
}
