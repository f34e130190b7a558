package store

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"

	"github.com/uptrace/bun"
)

// Writes at commit.
//
// A mutation ends with bookkeeping whose result it never reads: usage
// records, statistics, the maturity it already computed, the links of
// conflicts it already holds, the notifications for the other instances.
// Store methods named …AtCommit queue such a write on the transaction in
// the context instead of running it; the queue runs just before COMMIT,
// after the BeforeCommit functions, in the order queued. On PostgreSQL it
// is one statement: the writes as data-modifying WITH clauses (which
// PostgreSQL runs to completion whether or not the statement reads them)
// and the queued calls (pg_notify) as its select list, so the bookkeeping
// of a mutation costs one round trip. On SQLite, where a statement costs
// no round trip, the writes run one by one.
//
// What a queued write may do follows from PostgreSQL running them over one
// snapshot: the transaction's own reads do not see a queued write before
// the commit, and two queued writes must not change the same row. A write
// queued under a key replaces the write queued earlier under the same key
// (the maturity of a project written twice in one transaction is written
// once, with the last value). Outside a transaction a queued write runs at
// once.

// atCommitWrite is an INSERT or UPDATE built by bun.
type atCommitWrite interface {
	bun.Query
	Exec(ctx context.Context, dest ...any) (sql.Result, error)
}

type queuedWrite struct {
	key  any
	what string
	q    atCommitWrite
}

type queuedCall struct {
	expr string
	args []any
}

// writeAtCommit queues q (described by what for errors) on the transaction
// in ctx, replacing an earlier write queued under the same non-nil key, or
// runs it at once outside a transaction.
func (s *Store) writeAtCommit(ctx context.Context, key any, what string, q atCommitWrite) error {
	state := txFrom(ctx)
	if state == nil {
		if _, err := q.Exec(ctx); err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
		return nil
	}
	if key != nil {
		for i, w := range state.writes {
			if w.key == key {
				state.writes[i] = queuedWrite{key: key, what: what, q: q}
				return nil
			}
		}
	}
	state.writes = append(state.writes, queuedWrite{key: key, what: what, q: q})
	return nil
}

// CallAtCommit queues a call of a database function whose value nobody
// reads, such as pg_notify, written as a select-list expression with ?
// placeholders: it runs in the statement that runs the transaction's
// queued writes, in the order queued, or at once outside a transaction.
func (s *Store) CallAtCommit(ctx context.Context, expr string, args ...any) error {
	state := txFrom(ctx)
	if state == nil {
		if _, err := s.db.NewSelect().ColumnExpr(expr, args...).Exec(ctx); err != nil {
			return fmt.Errorf("call %s: %w", expr, err)
		}
		return nil
	}
	state.calls = append(state.calls, queuedCall{expr: expr, args: args})
	return nil
}

// runQueued runs the writes and calls queued on the transaction of state.
func (s *Store) runQueued(ctx context.Context, state *txState) error {
	writes, calls := state.writes, state.calls
	state.writes, state.calls = nil, nil
	if len(writes) == 0 && len(calls) == 0 {
		return nil
	}
	if !s.pg || (len(writes) == 1 && len(calls) == 0) {
		for _, w := range writes {
			if _, err := w.q.Exec(ctx); err != nil {
				return fmt.Errorf("%s at commit: %w", w.what, err)
			}
		}
		writes = nil
		if len(calls) == 0 {
			return nil
		}
	}
	q := state.tx.NewSelect()
	what := make([]string, 0, len(writes)+1)
	for i, w := range writes {
		q = q.With("w"+strconv.Itoa(i), w.q)
		what = append(what, w.what)
	}
	for _, c := range calls {
		q = q.ColumnExpr(c.expr, c.args...)
	}
	if len(calls) == 0 {
		q = q.ColumnExpr("1")
	} else {
		what = append(what, fmt.Sprintf("%d calls", len(calls)))
	}
	if _, err := q.Exec(ctx); err != nil {
		return fmt.Errorf("at commit (%s): %w", strings.Join(what, ", "), err)
	}
	return nil
}
