// Package database opens the bun handle for a DATABASE_URL: PostgreSQL
// (postgres:// or postgresql://, through pgx) or the embedded SQLite
// (sqlite://path, through the pure-Go modernc.org/sqlite driver).
package database

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect"
	"github.com/uptrace/bun/dialect/pgdialect"
	"github.com/uptrace/bun/dialect/sqlitedialect"

	// The pure-Go SQLite driver registers itself as "sqlite".
	_ "modernc.org/sqlite"
)

// Pool sizes the connection pool.
type Pool struct {
	// MaxOpen bounds open connections; 0 picks a default per database.
	MaxOpen int
	// MaxIdle bounds idle connections; 0 means MaxOpen.
	MaxIdle int
	// MaxLifetime recycles connections older than this; 0 keeps them.
	MaxLifetime time.Duration
}

// Kind names a supported database.
type Kind string

// The supported databases.
const (
	Postgres Kind = "postgres"
	SQLite   Kind = "sqlite"
)

// KindOf returns the database a URL points at.
func KindOf(rawURL string) (Kind, error) {
	switch {
	case strings.HasPrefix(rawURL, "postgres://"), strings.HasPrefix(rawURL, "postgresql://"):
		return Postgres, nil
	case strings.HasPrefix(rawURL, "sqlite://"), strings.HasPrefix(rawURL, "sqlite:"):
		return SQLite, nil
	}
	return "", fmt.Errorf("unsupported DATABASE_URL %q: use postgres://… or sqlite://path", Redact(rawURL))
}

// Open connects to the database at rawURL and checks it answers.
func Open(ctx context.Context, rawURL string, pool Pool) (*bun.DB, error) {
	kind, err := KindOf(rawURL)
	if err != nil {
		return nil, err
	}
	var db *bun.DB
	switch kind {
	case Postgres:
		cfg, err := pgx.ParseConfig(rawURL)
		if err != nil {
			return nil, fmt.Errorf("parse postgres url %s: %w", Redact(rawURL), err)
		}
		if !strings.Contains(rawURL, "default_query_exec_mode=") {
			// bun writes values into the statement text, so most texts
			// are new: sent with the simple protocol they take one round
			// trip and leave nothing prepared behind. The statements that
			// bind parameters (stable texts) ask for the statement cache
			// themselves (store.bound).
			cfg.DefaultQueryExecMode = pgx.QueryExecModeSimpleProtocol
		}
		if pool.MaxOpen == 0 {
			pool.MaxOpen = 20
		}
		db = bun.NewDB(stdlib.OpenDB(*cfg), pgdialect.New())
	case SQLite:
		dsn, err := sqliteDSN(rawURL)
		if err != nil {
			return nil, err
		}
		sqldb, err := sql.Open("sqlite", dsn)
		if err != nil {
			return nil, fmt.Errorf("open sqlite %s: %w", dsn, err)
		}
		if pool.MaxOpen == 0 {
			pool.MaxOpen = 8
		}
		db = bun.NewDB(sqldb, sqlitedialect.New())
	}
	db.SetMaxOpenConns(pool.MaxOpen)
	if pool.MaxIdle == 0 {
		pool.MaxIdle = pool.MaxOpen
	}
	db.SetMaxIdleConns(pool.MaxIdle)
	db.SetConnMaxLifetime(pool.MaxLifetime)
	pingCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := db.PingContext(pingCtx); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("connect to %s database %s: %w", kind, Redact(rawURL), err)
	}
	return db, nil
}

// IsPostgres reports whether db speaks PostgreSQL.
func IsPostgres(db bun.IDB) bool { return db.Dialect().Name() == dialect.PG }

// sqliteDSN turns sqlite://path into a modernc.org/sqlite DSN with foreign
// keys on, WAL, a busy timeout and BEGIN IMMEDIATE transactions (a deferred
// transaction that later writes cannot wait for the lock and fails at once).
func sqliteDSN(rawURL string) (string, error) {
	rest := strings.TrimPrefix(strings.TrimPrefix(rawURL, "sqlite://"), "sqlite:")
	path, query, _ := strings.Cut(rest, "?")
	if path == "" {
		return "", errors.New("sqlite DATABASE_URL needs a file path, e.g. sqlite://data/socrates.db")
	}
	if path != ":memory:" {
		if dir := filepath.Dir(path); dir != "." {
			if err := os.MkdirAll(dir, 0o750); err != nil {
				return "", fmt.Errorf("create sqlite directory %s: %w", dir, err)
			}
		}
	}
	params, err := url.ParseQuery(query)
	if err != nil {
		return "", fmt.Errorf("parse sqlite url options: %w", err)
	}
	for _, p := range []string{"foreign_keys(1)", "journal_mode(WAL)", "busy_timeout(10000)", "synchronous(NORMAL)"} {
		params.Add("_pragma", p)
	}
	if params.Get("_txlock") == "" {
		params.Set("_txlock", "immediate")
	}
	return "file:" + path + "?" + params.Encode(), nil
}

// Redact hides the password of a database URL in messages.
func Redact(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil || u.User == nil {
		return rawURL
	}
	if _, ok := u.User.Password(); ok {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	return u.String()
}
