// Package store holds the queries of the service over bun, and the one
// helper that carries a transaction in a context: services call WithTx, and
// every query reads its handle from DB(ctx), so the writes of one mutation
// share one transaction and roll back together.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/uptrace/bun"

	"socrates/internal/database"
)

// Store runs queries on a database.
type Store struct {
	db    *bun.DB
	pg    bool
	hooks []bun.QueryHook
	rows  rowScanner
}

// New returns a Store over db. hooks observe the statements the store runs
// below bun's query builder (its batched reads); give db the same hooks to
// observe the others.
func New(db *bun.DB, hooks ...bun.QueryHook) *Store {
	return &Store{db: db, pg: database.IsPostgres(db), hooks: hooks}
}

// Postgres reports whether the store runs on PostgreSQL.
func (s *Store) Postgres() bool { return s.pg }

type txKey struct{}

type txState struct {
	tx           bun.Tx
	afterCommit  []func()
	beforeCommit []func(ctx context.Context) error
	locals       map[any]any
	writes       []queuedWrite
	calls        []queuedCall
}

// WithTx runs fn in a transaction carried by the context fn receives. The
// transaction commits when fn returns nil and rolls back when it returns an
// error or panics. Called inside another WithTx, it joins that transaction.
// Functions registered with BeforeCommit run inside the transaction once fn
// succeeded, then the writes queued by the …AtCommit methods (see
// atcommit.go); those registered with AfterCommit run after a successful
// commit.
func (s *Store) WithTx(ctx context.Context, fn func(ctx context.Context) error) error {
	if txFrom(ctx) != nil {
		return fn(ctx)
	}
	state := &txState{}
	err := s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		state.tx = tx
		ctx = context.WithValue(ctx, txKey{}, state)
		if err := fn(ctx); err != nil {
			return err
		}
		for _, f := range state.beforeCommit {
			if err := f(ctx); err != nil {
				return err
			}
		}
		return s.runQueued(ctx, state)
	})
	if err != nil {
		return err
	}
	for _, f := range state.afterCommit {
		f()
	}
	return nil
}

// InTx is WithTx for a function with a result: it runs fn through WithTx,
// so in a transaction exactly as WithTx runs its function (joining one ctx
// carries; committing on a nil error, after the BeforeCommit functions and
// the queued writes; rolling back on an error or a panic; the AfterCommit
// functions once committed), and returns fn's value when WithTx succeeds,
// or the zero value and the error when it does not.
func InTx[T any](ctx context.Context, s *Store, fn func(ctx context.Context) (T, error)) (T, error) {
	var out T
	err := s.WithTx(ctx, func(ctx context.Context) error {
		v, err := fn(ctx)
		if err != nil {
			return err
		}
		out = v
		return nil
	})
	if err != nil {
		var zero T
		return zero, err
	}
	return out, nil
}

// AfterCommit schedules f to run once the transaction in ctx commits; it is
// dropped on rollback. Outside a transaction f runs at once.
func AfterCommit(ctx context.Context, f func()) {
	if state := txFrom(ctx); state != nil {
		state.afterCommit = append(state.afterCommit, f)
		return
	}
	f()
}

// BeforeCommit schedules f to run inside the transaction in ctx once its
// work is done, just before it commits; an error from f rolls it back.
// Outside a transaction f runs at once.
func BeforeCommit(ctx context.Context, f func(ctx context.Context) error) error {
	if state := txFrom(ctx); state != nil {
		state.beforeCommit = append(state.beforeCommit, f)
		return nil
	}
	return f(ctx)
}

// TxLocal returns the value kept under key for the transaction in ctx,
// made by make on first use (which may register commit hooks), and true;
// outside a transaction it returns the zero value and false.
func TxLocal[T any](ctx context.Context, key any, make func() T) (T, bool) {
	state := txFrom(ctx)
	if state == nil {
		var zero T
		return zero, false
	}
	if v, ok := state.locals[key]; ok {
		return v.(T), true
	}
	v := make()
	if state.locals == nil {
		state.locals = map[any]any{}
	}
	state.locals[key] = v
	return v, true
}

// HasTx reports whether ctx carries a transaction.
func HasTx(ctx context.Context) bool { return txFrom(ctx) != nil }

func txFrom(ctx context.Context) *txState {
	state, _ := ctx.Value(txKey{}).(*txState)
	return state
}

// DB returns the transaction carried by ctx, or the pool outside one.
func (s *Store) DB(ctx context.Context) bun.IDB {
	if state := txFrom(ctx); state != nil {
		return state.tx
	}
	return s.db
}

// ErrNotFound is returned, wrapped, when a row does not exist;
// apperr.IsNotFound matches it.
var ErrNotFound error = missingRow{}

// missingRow is the type of ErrNotFound.
type missingRow struct{}

// Error implements error.
func (missingRow) Error() string { return "not found" }

// NotFound marks the error as a missing row for apperr.IsNotFound.
func (missingRow) NotFound() bool { return true }

// rowErr wraps the error of reading what, mapping sql.ErrNoRows to
// ErrNotFound.
func rowErr(err error, what string) error {
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("%s: %w", what, ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	return nil
}

// WithoutTx returns ctx without its transaction, so queries run on the pool.
func WithoutTx(ctx context.Context) context.Context {
	if !HasTx(ctx) {
		return ctx
	}
	return context.WithValue(ctx, txKey{}, (*txState)(nil))
}
