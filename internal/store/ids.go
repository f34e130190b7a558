package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/uptrace/bun"
)

// anyOf returns the condition "col is one of the ids" of a batched read.
// The id list is not written into the statement: it is bound as one
// parameter ($1) by scanIDs, so a read of 3 ids and one of 300 share one
// statement text, which PostgreSQL prepares once per connection.
func (s *Store) anyOf(col string) string {
	if s.pg {
		return col + " = ANY($1)"
	}
	return col + " IN (SELECT value FROM json_each($1))"
}

// scanIDs runs q, whose conditions hold anyOf's placeholder, with ids bound
// to it, and scans the rows into dest. An empty id list reads nothing.
func (s *Store) scanIDs(ctx context.Context, q *bun.SelectQuery, ids []int64, dest ...any) error {
	if len(ids) == 0 {
		return nil
	}
	var arg any = ids
	if !s.pg {
		b, err := json.Marshal(ids)
		if err != nil {
			return fmt.Errorf("encode id list: %w", err)
		}
		arg = string(b)
	}
	return s.run(ctx, q, []any{arg}, dest)
}

// bound returns the arguments to send with a statement that binds args to
// its placeholders. On PostgreSQL they are led by the statement cache mode:
// such a statement's text is stable, so it is prepared once per connection
// and then only bound and run, while the texts bun writes values into go
// by the simple protocol (database.Open).
func (s *Store) bound(args []any) []any {
	if !s.pg || len(args) == 0 {
		return args
	}
	return append([]any{pgx.QueryExecModeCacheStatement}, args...)
}

// run runs q with args bound to its placeholders and scans the rows into
// dest: through the row scanner when it can, through bun otherwise. The
// statement is reported to the store's query hooks like bun's own.
func (s *Store) run(ctx context.Context, q *bun.SelectQuery, args []any, dest []any) error {
	return s.query(ctx, q, args, dest, s.fastScan(ctx, dest))
}

// one runs q, a read of at most one row, with args bound to its numbered
// placeholders, and returns the row, or sql.ErrNoRows when there is none.
// Values that change from call to call are bound ($1, $2, ... written in
// the text in that order: SQLite numbers them by first appearance) and
// constants written into the text, so the text is the same on every call
// and PostgreSQL plans it once per connection (see bound). Rows are
// scanned by bun, which also fills joined relations.
func one[T any](ctx context.Context, s *Store, q *bun.SelectQuery, args ...any) (*T, error) {
	var rows []T
	if err := s.query(ctx, q, args, []any{&rows}, false); err != nil {
		return nil, err
	}
	if len(rows) == 0 {
		return nil, sql.ErrNoRows
	}
	return &rows[0], nil
}

// query runs q with args bound to its placeholders and scans the rows
// into dest, through the row scanner when fast, through bun otherwise.
func (s *Store) query(ctx context.Context, q *bun.SelectQuery, args []any, dest []any, fast bool) error {
	query := q.String()
	event := &bun.QueryEvent{DB: s.db, IQuery: q, Query: query, QueryTemplate: query, QueryArgs: args, StartTime: time.Now()}
	for _, h := range s.hooks {
		ctx = h.BeforeQuery(ctx, event)
	}
	var err error
	if fast {
		err = s.rows.query(ctx, s.db.DB, s.db.Dialect().Tables(), query, s.bound(args), dest[0])
	} else {
		err = s.scanBun(ctx, query, args, dest)
	}
	event.Err = err
	for i := len(s.hooks) - 1; i >= 0; i-- {
		s.hooks[i].AfterQuery(ctx, event)
	}
	return err
}

// queryer runs a statement with bound parameters, below bun's formatting.
type queryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// scanBun runs query with args on the transaction of ctx or the pool, and
// scans the rows with bun.
func (s *Store) scanBun(ctx context.Context, query string, args []any, dest []any) error {
	var run queryer
	switch db := s.DB(ctx).(type) {
	case bun.Tx:
		run = db.Tx
	case *bun.DB:
		run = db.DB
	default:
		return fmt.Errorf("store: unexpected database handle %T", db)
	}
	rows, err := run.QueryContext(ctx, query, s.bound(args)...)
	if err != nil {
		return err
	}
	return s.db.ScanRows(ctx, rows, dest...)
}
