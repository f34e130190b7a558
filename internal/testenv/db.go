// Package testenv gives tests real databases and a real running server:
// a fresh SQLite file or a fresh PostgreSQL schema per test, dropped when
// the test ends.
package testenv

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

	"socrates/internal/database"
)

// DefaultPostgresURL is where the tests look for PostgreSQL when
// TEST_DATABASE_URL is not set.
const DefaultPostgresURL = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"

// Kinds of test database.
const (
	SQLite   = "sqlite"
	Postgres = "postgres"
)

// PostgresURL returns the URL of the PostgreSQL server tests use.
func PostgresURL() string {
	if u := os.Getenv("TEST_DATABASE_URL"); u != "" {
		return u
	}
	return DefaultPostgresURL
}

// ProbePostgres checks that PostgreSQL answers at url.
func ProbePostgres(ctx context.Context, url string) error {
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		return err
	}
	cfg.ConnectTimeout = 3 * time.Second
	db := stdlib.OpenDB(*cfg)
	defer db.Close()
	return db.PingContext(ctx)
}

// schemaPrefix starts the name of every test schema; the creation time
// follows, so schemas left by a crashed run can be recognised and dropped.
const schemaPrefix = "socrates_t_"

// staleAfter is the age past which a leftover test schema is dropped.
const staleAfter = 6 * time.Hour

// newSchema creates a fresh schema in the PostgreSQL test database, dropped
// when the test ends.
func newSchema(t testing.TB) (string, error) {
	base := PostgresURL()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := ProbePostgres(ctx, base); err != nil {
		return "", fmt.Errorf("no PostgreSQL at %s: %w", database.Redact(base), err)
	}
	db, err := openPG(base)
	if err != nil {
		return "", err
	}
	defer db.Close()
	dropStaleSchemas(ctx, db)
	schema := fmt.Sprintf("%s%d_%s", schemaPrefix, time.Now().Unix(), randomHex(6))
	if _, err := db.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
		return "", fmt.Errorf("create schema: %w", err)
	}
	t.Cleanup(func() {
		db, err := openPG(base)
		if err != nil {
			t.Errorf("drop schema: %v", err)
			return
		}
		defer db.Close()
		if _, err := db.Exec("DROP SCHEMA IF EXISTS " + schema + " CASCADE"); err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
		}
	})
	return withParam(base, "search_path", schema), nil
}

// dropStaleSchemas removes test schemas older than staleAfter, left behind
// by runs that crashed before their cleanup.
func dropStaleSchemas(ctx context.Context, db *sql.DB) {
	rows, err := db.QueryContext(ctx, "SELECT nspname FROM pg_namespace WHERE nspname LIKE $1", schemaPrefix+"%")
	if err != nil {
		return
	}
	var stale []string
	for rows.Next() {
		var name string
		if rows.Scan(&name) != nil {
			continue
		}
		var created int64
		if _, err := fmt.Sscanf(strings.TrimPrefix(name, schemaPrefix), "%d_", &created); err == nil &&
			time.Since(time.Unix(created, 0)) > staleAfter {
			stale = append(stale, name)
		}
	}
	_ = rows.Close()
	for _, name := range stale {
		_, _ = db.ExecContext(ctx, "DROP SCHEMA IF EXISTS "+name+" CASCADE")
	}
}

func openPG(rawURL string) (*sql.DB, error) {
	cfg, err := pgx.ParseConfig(rawURL)
	if err != nil {
		return nil, fmt.Errorf("parse %s: %w", database.Redact(rawURL), err)
	}
	return stdlib.OpenDB(*cfg), nil
}

// Kinds returns the databases every test runs against.
func Kinds() []string { return []string{SQLite, Postgres} }

// EachDB runs fn as a subtest per database, each with a fresh database URL.
// Without PostgreSQL the postgres subtest is skipped, or fails under CI=true.
func EachDB(t *testing.T, fn func(t *testing.T, dbURL string)) {
	t.Helper()
	for _, kind := range Kinds() {
		t.Run(kind, func(t *testing.T) {
			fn(t, NewDatabase(t, kind))
		})
	}
}

// NewDatabase returns the URL of an empty database of the given kind that
// lives as long as the test.
func NewDatabase(t testing.TB, kind string) string {
	t.Helper()
	switch kind {
	case SQLite:
		return "sqlite://" + filepath.ToSlash(filepath.Join(t.TempDir(), "socrates.db"))
	case Postgres:
		dbURL, err := newSchema(t)
		if err != nil {
			if os.Getenv("CI") == "true" {
				t.Fatalf("PostgreSQL is required under CI=true: %v", err)
			}
			t.Skipf("PostgreSQL suite skipped: %v", err)
		}
		return dbURL
	}
	t.Fatalf("unknown database kind %q", kind)
	return ""
}

func withParam(rawURL, key, value string) string {
	sep := "?"
	if strings.Contains(rawURL, "?") {
		sep = "&"
	}
	return rawURL + sep + url.QueryEscape(key) + "=" + url.QueryEscape(value)
}

func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b)
}
