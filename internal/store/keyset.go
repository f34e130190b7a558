package store

import (
	"context"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"socrates/internal/apperr"
	"socrates/internal/page"
)

// Ordering sorts rows of type T for keyset pagination: by Expr (when set)
// and then by the primary key, both in the same direction.
type Ordering[T any] struct {
	// Name identifies the ordering inside cursors.
	Name string
	// Expr is the SQL sort expression; empty to sort by the key alone.
	Expr string
	// ID is the SQL primary-key column, e.g. "p.id".
	ID string
	// Desc sorts in descending order.
	Desc bool
	// Kind says how a cursor value converts to an SQL argument.
	Kind ValueKind
	// Value returns a row's sort value as stored in cursors.
	Value func(T) string
	// Key returns a row's primary key.
	Key func(T) int64
}

// ValueKind is the type of a sort value.
type ValueKind int

// The kinds of sort values.
const (
	KindNone ValueKind = iota
	KindString
	KindInt
	KindTime
)

// Cursor returns the cursor of a row.
func (o Ordering[T]) Cursor(row T) page.Cursor {
	c := page.Cursor{Order: o.Name, ID: o.Key(row)}
	if o.Expr != "" {
		c.Value = o.Value(row)
	}
	return c
}

// TimeValue formats a time as a cursor value.
func TimeValue(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

func (o Ordering[T]) arg(c page.Cursor) (any, error) {
	switch o.Kind {
	case KindInt:
		return strconv.ParseInt(c.Value, 10, 64)
	case KindTime:
		return time.Parse(time.RFC3339Nano, c.Value)
	default:
		return c.Value, nil
	}
}

// readDesc reports whether rows are read in descending order for r.
func (o Ordering[T]) readDesc(r page.Request) bool { return o.Desc != r.Backward }

// OrderSQL returns the ORDER BY list for reading r's rows.
func (o Ordering[T]) orderSQL(r page.Request) string {
	dir := " ASC"
	if o.readDesc(r) {
		dir = " DESC"
	}
	if o.Expr == "" {
		return o.ID + dir
	}
	return o.Expr + dir + ", " + o.ID + dir
}

// bound restricts q to rows strictly beyond c: after it in the ordering when
// after is true, before it otherwise.
func (o Ordering[T]) bound(q *bun.SelectQuery, c page.Cursor, after bool) (*bun.SelectQuery, error) {
	op := ">"
	if o.Desc == after {
		op = "<"
	}
	if o.Expr == "" {
		return q.Where(o.ID+" "+op+" ?", c.ID), nil
	}
	v, err := o.arg(c)
	if err != nil {
		return nil, apperr.BadInputf("cursor is not valid for this ordering")
	}
	expr := fmt.Sprintf("(%[1]s %[2]s ? OR (%[1]s = ? AND %[3]s %[2]s ?))", o.Expr, op, o.ID)
	return q.Where(expr, v, v, c.ID), nil
}

// Page applies r's bounds, read order and limit (one extra row, to learn
// whether another page follows) to q.
func (o Ordering[T]) Page(q *bun.SelectQuery, r page.Request) (*bun.SelectQuery, error) {
	q, err := o.bounds(q, r)
	if err != nil {
		return nil, err
	}
	return q.OrderExpr(o.orderSQL(r)).Limit(int64(r.Limit + 1)), nil
}

func (o Ordering[T]) bounds(q *bun.SelectQuery, r page.Request) (*bun.SelectQuery, error) {
	var err error
	if r.HasAfter() {
		if q, err = o.bound(q, r.After, true); err != nil {
			return nil, err
		}
	}
	if r.HasBefore() {
		if q, err = o.bound(q, r.Before, false); err != nil {
			return nil, err
		}
	}
	return q, nil
}

// pagesByParent reads one page per parent in a single statement: inner
// selects the candidate rows (aliased alias, filtered to the parents with
// anyOf), a window function numbers them per parent in the page's read
// order, and rows past Limit+1 are cut. Rows come back grouped by parentOf.
func pagesByParent[T any](ctx context.Context, s *Store, inner *bun.SelectQuery, alias, parentCol string,
	o Ordering[T], r page.Request, parents []int64, parentOf func(T) int64,
) (map[int64][]T, error) {
	inner, err := o.bounds(inner, r)
	if err != nil {
		return nil, err
	}
	inner = inner.ColumnExpr(alias + ".*").
		ColumnExpr("ROW_NUMBER() OVER (PARTITION BY " + parentCol + " ORDER BY " + o.orderSQL(r) + ") AS rn")
	var rows []T
	q := s.DB(ctx).NewSelect().Model(&rows).ModelTableExpr("(?) AS "+alias, inner).
		Where(alias+".rn <= ?", r.Limit+1).
		OrderExpr(alias + ".rn")
	if err := s.scanIDs(ctx, q, parents, &rows); err != nil {
		return nil, fmt.Errorf("read %s pages: %w", tableName[T](s.db), err)
	}
	out := make(map[int64][]T)
	for _, row := range rows {
		out[parentOf(row)] = append(out[parentOf(row)], row)
	}
	return out, nil
}

// countByParent counts rows per parent in one grouped statement; q filters
// to the parents with anyOf.
func countByParent(ctx context.Context, s *Store, q *bun.SelectQuery, parentCol string, parents []int64) (map[int64]int, error) {
	var rows []struct {
		Parent int64 `bun:"parent"`
		N      int   `bun:"n"`
	}
	q = q.ColumnExpr(parentCol + " AS parent").ColumnExpr("count(*) AS n").GroupExpr(parentCol)
	if err := s.scanIDs(ctx, q, parents, &rows); err != nil {
		return nil, fmt.Errorf("count per parent: %w", err)
	}
	out := make(map[int64]int, len(rows))
	for _, r := range rows {
		out[r.Parent] = r.N
	}
	return out, nil
}

func tableName[T any](db bun.IDB) string {
	t := reflect.TypeFor[T]()
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return db.Dialect().Tables().Get(t).Name
}

// modelColumns lists the columns T's model maps, each prefixed with alias,
// for selects that add computed columns to a model's own and scan the
// result: alias.* would also read the columns no model maps, such as the
// search vectors, which the scan refuses.
func modelColumns[T any](db bun.IDB, alias string) string {
	t := reflect.TypeFor[T]()
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	fields := db.Dialect().Tables().Get(t).Fields
	cols := make([]string, len(fields))
	for i, f := range fields {
		cols[i] = alias + `."` + f.Name + `"`
	}
	return strings.Join(cols, ", ")
}

// likePattern returns a case-insensitive LIKE pattern matching s anywhere,
// with LIKE's wildcards in s escaped (use with ESCAPE '\').
func likePattern(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return "%" + r.Replace(strings.ToLower(s)) + "%"
}
