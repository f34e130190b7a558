package migrations_test

import (
	"context"
	"io/fs"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/uptrace/bun/migrate"

	"socrates/internal/search"
	"socrates/internal/store"
	"socrates/internal/testenv"
	"socrates/migrations"
)

// before returns the migration files of dir named before name.
func before(t *testing.T, dir, name string) fs.FS {
	t.Helper()
	all, err := migrations.Files(dir)
	if err != nil {
		t.Fatal(err)
	}
	out := fstest.MapFS{}
	entries, err := fs.ReadDir(all, ".")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.Name() >= name {
			continue
		}
		b, err := fs.ReadFile(all, e.Name())
		if err != nil {
			t.Fatal(err)
		}
		out[e.Name()] = &fstest.MapFile{Data: b}
	}
	return out
}

// TestSearchIndexesExistingRows: rows written before the search migration
// are found once it has run (PostgreSQL fills the generated columns as they
// are added; SQLite rebuilds its FTS5 indexes at the end of the migration).
func TestSearchIndexesExistingRows(t *testing.T) {
	testenv.EachDB(t, func(t *testing.T, url string) {
		ctx := context.Background()
		db := open(t, url)
		dir := "sqlite"
		if strings.HasPrefix(url, "postgres") {
			dir = "postgres"
		}
		ms := migrate.NewMigrations()
		if err := ms.Discover(before(t, dir, "20261202000008")); err != nil {
			t.Fatal(err)
		}
		old := migrate.NewMigrator(db, ms, migrate.WithMarkAppliedOnSuccess(true))
		if err := old.Init(ctx); err != nil {
			t.Fatal(err)
		}
		if _, err := old.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		// Rows as the code before search wrote them (its columns only).
		now := time.Now().UTC()
		var userID, projectID, sessionID, questionID, specID int64
		for _, step := range []struct {
			query string
			args  []any
			id    *int64
		}{
			{"INSERT INTO users (email, password_hash, created_at, updated_at) VALUES (?, 'x', ?, ?) RETURNING id", []any{"o@example.com", now, now}, &userID},
			{"INSERT INTO projects (owner_id, name, name_key, phase, status, maturity, created_at, updated_at) VALUES (?, 'Shop', 'shop', 'DISCOVERY', 'ACTIVE', 0, ?, ?) RETURNING id", []any{&userID, now, now}, &projectID},
			{"INSERT INTO sessions (project_id, started_by_id, mode, status, started_at, updated_at) VALUES (?, ?, 'SOCRATIC', 'ACTIVE', ?, ?) RETURNING id", []any{&projectID, &userID, now, now}, &sessionID},
			{"INSERT INTO questions (session_id, project_id, text, category, quality_score, bias_score, asked_at, answer, answered_at) VALUES (?, ?, 'Which warehouses ship the parcels', 'REQUIREMENTS', 0.9, 0, ?, 'Two depots in Lyon', ?) RETURNING id", []any{&sessionID, &projectID, now, now}, &questionID},
			{"INSERT INTO specifications (project_id, category, key, value, content, source, confidence, status, created_at, updated_at) VALUES (?, 'TECH_STACK', 'database', 'PostgreSQL with replicas', 'database: PostgreSQL with replicas.', 'USER_INPUT', 1, 'CURRENT', ?, ?) RETURNING id", []any{&projectID, now, now}, &specID},
		} {
			args := make([]any, len(step.args))
			for i, a := range step.args {
				if p, ok := a.(*int64); ok {
					a = *p
				}
				args[i] = a
			}
			if err := db.NewRaw(step.query, args...).Scan(ctx, step.id); err != nil {
				t.Fatalf("%s: %v", step.query, err)
			}
		}
		r, err := migrations.NewRunner(db)
		if err != nil {
			t.Fatal(err)
		}
		if applied, err := r.Up(ctx); err != nil || len(applied) == 0 || applied[0] != "20261202000008" {
			t.Fatalf("the rest of the migrations: %v %v", applied, err)
		}
		st := store.New(db)
		for raw, want := range map[string]struct {
			kind store.SearchKind
			id   int64
		}{
			"replica": {store.SearchSpecification, specID}, "warehouse": {store.SearchQuestion, questionID},
			"depots": {store.SearchQuestion, questionID},
		} {
			q, err := search.ParseQuery(raw)
			if err != nil {
				t.Fatal(err)
			}
			hits, err := st.Search(ctx, projectID, q.Store(), store.SearchAfter{}, 10)
			if err != nil {
				t.Fatal(err)
			}
			if len(hits) != 1 || hits[0].Kind != want.kind || hits[0].ID != want.id {
				t.Errorf("%q found %+v, want the %v %d written before the migration", raw, hits, want.kind, want.id)
			}
		}
	})
}
