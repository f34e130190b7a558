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

// queryer runs a statement with bound parameters, below bun's formatting.
type queryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// scanIDs runs q, whose conditions hold anyOf's placeholder, with ids bound
// to it, and scans the rows into dest. An empty id list reads nothing. The
// statement is reported to the store's query hooks like bun's own.
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
	var run queryer
	switch db := s.DB(ctx).(type) {
	case bun.Tx:
		run = db.Tx
	case *bun.DB:
		run = db.DB
	default:
		return fmt.Errorf("store: unexpected database handle %T", db)
	}
	query := q.String()
	event := &bun.QueryEvent{DB: s.db, IQuery: q, Query: query, QueryTemplate: query, QueryArgs: []any{arg}, StartTime: time.Now()}
	for _, h := range s.hooks {
		ctx = h.BeforeQuery(ctx, event)
	}
	rows, err := run.QueryContext(ctx, query, arg)
	if err == nil {
		err = s.db.ScanRows(ctx, rows, dest...)
	}
	event.Err = err
	for i := len(s.hooks) - 1; i >= 0; i-- {
		s.hooks[i].AfterQuery(ctx, event)
	}
	return err
}
