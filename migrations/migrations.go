// Package migrations holds the SQL schema of both databases, embedded in the
// binary, and applies it with bun's migrate package. The PostgreSQL and
// SQLite folders hold the same migrations, by name, in each dialect's SQL.
package migrations

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"time"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect"
	"github.com/uptrace/bun/migrate"
)

//go:embed postgres/*.sql sqlite/*.sql
var files embed.FS

// advisoryLockKey serializes migrations across instances on PostgreSQL.
const advisoryLockKey = 7_240_011_926

// Files returns the migration files for a dialect ("postgres" or "sqlite").
func Files(dialectDir string) (fs.FS, error) {
	sub, err := fs.Sub(files, dialectDir)
	if err != nil {
		return nil, fmt.Errorf("migrations for %s: %w", dialectDir, err)
	}
	return sub, nil
}

// Status is the state of one migration.
type Status struct {
	Name      string
	Applied   bool
	AppliedAt time.Time
}

// Runner applies and rolls back migrations on one database.
type Runner struct {
	db       *bun.DB
	migrator *migrate.Migrator
}

// NewRunner prepares the migrations matching db's dialect.
func NewRunner(db *bun.DB) (*Runner, error) {
	dir := "sqlite"
	if db.Dialect().Name() == dialect.PG {
		dir = "postgres"
	}
	sub, err := Files(dir)
	if err != nil {
		return nil, err
	}
	ms := migrate.NewMigrations()
	if err := ms.Discover(sub); err != nil {
		return nil, fmt.Errorf("discover %s migrations: %w", dir, err)
	}
	return &Runner{db: db, migrator: migrate.NewMigrator(db, ms, migrate.WithMarkAppliedOnSuccess(true))}, nil
}

// Up applies every pending migration and returns the names it applied.
// When none is pending it writes nothing (no lock either), so a server can
// start on a database it may only read.
func (r *Runner) Up(ctx context.Context) ([]string, error) {
	if st, err := r.Status(ctx); err == nil && !anyPending(st) {
		return nil, nil
	}
	var names []string
	err := r.locked(ctx, func(ctx context.Context) error {
		group, err := r.migrator.Migrate(ctx)
		if err != nil {
			return fmt.Errorf("apply migrations: %w", err)
		}
		for _, m := range group.Migrations {
			names = append(names, m.Name)
		}
		return nil
	})
	return names, err
}

// Down rolls back the last group of applied migrations and returns their names.
func (r *Runner) Down(ctx context.Context) ([]string, error) {
	var names []string
	err := r.locked(ctx, func(ctx context.Context) error {
		group, err := r.migrator.Rollback(ctx)
		if err != nil {
			return fmt.Errorf("roll back migrations: %w", err)
		}
		for _, m := range group.Migrations {
			names = append(names, m.Name)
		}
		return nil
	})
	return names, err
}

func anyPending(st []Status) bool {
	for _, s := range st {
		if !s.Applied {
			return true
		}
	}
	return false
}

// Status lists every known migration and whether it is applied.
func (r *Runner) Status(ctx context.Context) ([]Status, error) {
	if err := r.migrator.Init(ctx); err != nil {
		return nil, fmt.Errorf("init migration tables: %w", err)
	}
	ms, err := r.migrator.MigrationsWithStatus(ctx)
	if err != nil {
		return nil, fmt.Errorf("read migration status: %w", err)
	}
	out := make([]Status, len(ms))
	for i, m := range ms {
		out[i] = Status{Name: m.Name, Applied: m.IsApplied(), AppliedAt: m.MigratedAt}
	}
	return out, nil
}

// locked runs fn holding bun's migration lock. On PostgreSQL a session
// advisory lock is taken first, so concurrent instances wait for each other
// instead of failing, and a lock row left by a crashed run is cleared safely.
// On SQLite (one process) the lock is retried for a while.
func (r *Runner) locked(ctx context.Context, fn func(ctx context.Context) error) (err error) {
	if err := r.migrator.Init(ctx); err != nil {
		return fmt.Errorf("init migration tables: %w", err)
	}
	if r.db.Dialect().Name() == dialect.PG {
		conn, err := r.db.Conn(ctx)
		if err != nil {
			return fmt.Errorf("reserve connection for migration lock: %w", err)
		}
		defer conn.Close()
		if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock(?)", advisoryLockKey); err != nil {
			return fmt.Errorf("take migration advisory lock: %w", err)
		}
		defer func() {
			_, uerr := conn.ExecContext(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock(?)", advisoryLockKey)
			err = errors.Join(err, uerr)
		}()
		if err := r.migrator.Unlock(ctx); err != nil {
			return fmt.Errorf("clear stale migration lock: %w", err)
		}
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		lockErr := r.migrator.Lock(ctx)
		if lockErr == nil {
			break
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("take migration lock: %w", lockErr)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
	defer func() {
		err = errors.Join(err, r.migrator.Unlock(context.WithoutCancel(ctx)))
	}()
	return fn(ctx)
}
