package migrations_test

import (
	"context"
	"io/fs"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/uptrace/bun"

	"socrates/internal/database"
	"socrates/internal/testenv"
	"socrates/migrations"
	"socrates/models"
)

// columns returns table -> columns of the migrated schema (bun's own
// bookkeeping tables excluded).
func columns(t *testing.T, db *bun.DB) map[string][]string {
	t.Helper()
	q := `SELECT m.name, p.name FROM sqlite_master m JOIN pragma_table_info(m.name) p
	      WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%'`
	if database.IsPostgres(db) {
		q = `SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = current_schema()`
	}
	rows, err := db.QueryContext(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string][]string{}
	for rows.Next() {
		var table, col string
		if err := rows.Scan(&table, &col); err != nil {
			t.Fatal(err)
		}
		if strings.HasPrefix(table, "bun_") {
			continue
		}
		out[table] = append(out[table], col)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// searchIndex reports whether a table or column belongs to the full-text
// search index: the database maintains it (generated tsvector columns on
// PostgreSQL, FTS5 tables and their shadow tables on SQLite) and only the
// search statements read it, so no model maps it.
func searchIndex(table, col string) bool {
	return col == "search_vector" || strings.HasPrefix(table, "specifications_fts") || strings.HasPrefix(table, "questions_fts") || strings.HasPrefix(table, "documents_fts")
}

func open(t *testing.T, url string) *bun.DB {
	t.Helper()
	db, err := database.Open(context.Background(), url, database.Pool{MaxOpen: 4})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// TestModelsMatchSchema fails when a model field has no column, or when a
// column or table is mapped by no model.
func TestModelsMatchSchema(t *testing.T) {
	testenv.EachDB(t, func(t *testing.T, url string) {
		db := open(t, url)
		r, err := migrations.NewRunner(db)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := r.Up(context.Background()); err != nil {
			t.Fatal(err)
		}
		schema := columns(t, db)
		mapped := map[string]bool{}
		for _, m := range models.Tables() {
			table := db.Dialect().Tables().Get(reflect.TypeOf(m).Elem())
			cols, ok := schema[table.Name]
			if !ok {
				t.Errorf("model %T maps table %q, which the migrations do not create", m, table.Name)
				continue
			}
			mapped[table.Name] = true
			var fields []string
			for _, f := range table.Fields {
				fields = append(fields, f.Name)
				if !slices.Contains(cols, f.Name) {
					t.Errorf("model %T field %s has no column %s.%s", m, f.GoName, table.Name, f.Name)
				}
			}
			for _, c := range cols {
				if !slices.Contains(fields, c) && !searchIndex(table.Name, c) {
					t.Errorf("column %s.%s is mapped by no field of %T", table.Name, c, m)
				}
			}
		}
		for table := range schema {
			if !mapped[table] && !searchIndex(table, "") {
				t.Errorf("table %q is mapped by no model", table)
			}
		}
	})
}

// TestUpDownUp applies, rolls back and re-applies every migration, and shows
// status follows.
func TestUpDownUp(t *testing.T) {
	testenv.EachDB(t, func(t *testing.T, url string) {
		ctx := context.Background()
		db := open(t, url)
		r, err := migrations.NewRunner(db)
		if err != nil {
			t.Fatal(err)
		}
		applied, err := r.Up(ctx)
		if err != nil || len(applied) == 0 {
			t.Fatalf("up: %v %v", applied, err)
		}
		if again, err := r.Up(ctx); err != nil || len(again) != 0 {
			t.Fatalf("second up applied %v, %v", again, err)
		}
		st, err := r.Status(ctx)
		if err != nil || len(st) != len(applied) || !st[0].Applied {
			t.Fatalf("status after up: %+v %v", st, err)
		}
		if _, err := r.Down(ctx); err != nil {
			t.Fatalf("down: %v", err)
		}
		if left := columns(t, db); len(left) != 0 {
			t.Fatalf("tables left after down: %v", keys(left))
		}
		if _, err := r.Up(ctx); err != nil {
			t.Fatalf("up after down: %v", err)
		}
	})
}

// TestDialectsHaveTheSameMigrations keeps the PostgreSQL and SQLite folders
// in step.
func TestDialectsHaveTheSameMigrations(t *testing.T) {
	names := func(dir string) []string {
		f, err := migrations.Files(dir)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		if err := fs.WalkDir(f, ".", func(p string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() {
				out = append(out, p)
			}
			return err
		}); err != nil {
			t.Fatal(err)
		}
		return out
	}
	pg, lite := names("postgres"), names("sqlite")
	if len(pg) == 0 || !slices.Equal(pg, lite) {
		t.Fatalf("postgres %v != sqlite %v", pg, lite)
	}
}

func keys(m map[string][]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
