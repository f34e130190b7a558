package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

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

// scan runs q, whose arguments bun has written into it, and scans the
// rows into dest.
func (s *Store) scan(ctx context.Context, q *bun.SelectQuery, dest ...any) error {
	return s.run(ctx, q, nil, dest)
}

// run runs q with args bound to its placeholders and scans the rows into
// dest: through the row scanner when it can, through bun otherwise. The
// statement is reported to the store's query hooks like bun's own.
func (s *Store) run(ctx context.Context, q *bun.SelectQuery, args []any, dest []any) error {
	query := q.String()
	event := &bun.QueryEvent{DB: s.db, IQuery: q, Query: query, QueryTemplate: query, QueryArgs: args, StartTime: time.Now()}
	for _, h := range s.hooks {
		ctx = h.BeforeQuery(ctx, event)
	}
	var err error
	if s.fastScan(ctx, dest) {
		err = s.rows.query(ctx, s.db.DB, s.db.Dialect().Tables(), query, args, dest[0])
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
	rows, err := run.QueryContext(ctx, query, args...)
	if err != nil {
		return err
	}
	return s.db.ScanRows(ctx, rows, dest...)
}
