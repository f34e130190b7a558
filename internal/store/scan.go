package store

import (
	"context"
	"database/sql"
	"fmt"
	"reflect"
	"sync"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/uptrace/bun/schema"
)

// rowScanner scans result rows into model structs on PostgreSQL through
// pgx itself: typed scans planned once per result column, where
// database/sql and bun's scanner box every value and find its field by
// name and reflection, cell by cell (for a nested read, the largest part
// of the store's time). Batched reads of models use it outside
// transactions; everything else keeps bun's scanning.
type rowScanner struct {
	// plans caches, per struct type and result column list, the index
	// path of the field each column goes to.
	plans sync.Map
}

type planKey struct {
	typ     reflect.Type
	columns string
}

// scannable reports whether dest (a pointer to a slice of structs or of
// pointers to structs) can be scanned by the row scanner, and returns the
// struct type.
func scannable(dest []any) (reflect.Type, bool) {
	if len(dest) != 1 {
		return nil, false
	}
	t := reflect.TypeOf(dest[0])
	if t == nil || t.Kind() != reflect.Pointer || t.Elem().Kind() != reflect.Slice {
		return nil, false
	}
	elem := t.Elem().Elem()
	if elem.Kind() == reflect.Pointer {
		elem = elem.Elem()
	}
	if elem.Kind() != reflect.Struct {
		return nil, false
	}
	return elem, true
}

// query runs query with args on a pgx connection of db's pool and
// appends every row to the slice dest points at.
func (rs *rowScanner) query(ctx context.Context, db *sql.DB, tables *schema.Tables, query string, args []any, dest any) error {
	conn, err := db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("take a connection: %w", err)
	}
	defer conn.Close()
	return conn.Raw(func(driverConn any) error {
		sc, ok := driverConn.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("store: connection is %T, not pgx", driverConn)
		}
		rows, err := sc.Conn().Query(ctx, query, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		return rs.scanRows(rows, tables, dest)
	})
}

func (rs *rowScanner) scanRows(rows pgx.Rows, tables *schema.Tables, dest any) error {
	slice := reflect.ValueOf(dest).Elem()
	elemType := slice.Type().Elem()
	ptrs := elemType.Kind() == reflect.Pointer
	structType := elemType
	if ptrs {
		structType = elemType.Elem()
	}
	fields, err := rs.plan(tables, structType, rows.FieldDescriptions())
	if err != nil {
		return err
	}
	targets := make([]any, len(fields))
	for rows.Next() {
		row := reflect.New(structType)
		v := row.Elem()
		for i, idx := range fields {
			targets[i] = v.FieldByIndex(idx).Addr().Interface()
		}
		if err := rows.Scan(targets...); err != nil {
			return err
		}
		if ptrs {
			slice = reflect.Append(slice, row)
		} else {
			slice = reflect.Append(slice, v)
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	reflect.ValueOf(dest).Elem().Set(slice)
	return nil
}

// plan returns the field index path of each result column.
func (rs *rowScanner) plan(tables *schema.Tables, typ reflect.Type, cols []pgconn.FieldDescription) ([][]int, error) {
	key := planKey{typ: typ}
	for _, c := range cols {
		key.columns += c.Name + ","
	}
	if p, ok := rs.plans.Load(key); ok {
		return p.([][]int), nil
	}
	table := tables.Get(typ)
	out := make([][]int, len(cols))
	for i, c := range cols {
		f := table.LookupField(c.Name)
		if f == nil {
			return nil, fmt.Errorf("store: no field of %s for column %q", typ, c.Name)
		}
		out[i] = f.Index
	}
	rs.plans.Store(key, out)
	return out, nil
}

// fastScan reports whether a batched read may use the row scanner: on
// PostgreSQL, outside a transaction, into a slice of structs.
func (s *Store) fastScan(ctx context.Context, dest []any) bool {
	if !s.pg || HasTx(ctx) {
		return false
	}
	_, ok := scannable(dest)
	return ok
}
