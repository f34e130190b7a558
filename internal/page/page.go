// Package page implements Relay cursor pagination: it validates first/after/
// last/before, encodes opaque keyset cursors and assembles connection pages.
package page

import (
	"encoding/base64"
	"encoding/json"
	"slices"

	"socrates/internal/apperr"
	"socrates/models"
)

// DefaultSize is the page size when neither first nor last is given.
const DefaultSize = 20

// MaxSize is the largest page a client may ask for.
const MaxSize = 100

// Args are the pagination arguments of a connection field.
type Args struct {
	First  *int
	After  *string
	Last   *int
	Before *string
}

// Cursor is the decoded position of an item in an ordering: the name of the
// ordering, the item's sort value (empty when ordering by id alone) and its
// primary key as the tie-breaker.
type Cursor struct {
	Order string `json:"o"`
	Value string `json:"v,omitempty"`
	ID    int64  `json:"i"`
}

// Encode returns the opaque string form of c.
func (c Cursor) Encode() string {
	b, err := json.Marshal(c)
	if err != nil {
		panic("page: marshal cursor: " + err.Error())
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// Request is a validated pagination request.
type Request struct {
	// Limit is the page size.
	Limit int
	// Backward is true for last/before pagination: rows are read in reverse
	// order and flipped back before they are returned.
	Backward bool
	// After and Before bound the page, exclusive; a zero Cursor (ID 0) is
	// no bound. Request is comparable, so it can key a batched read.
	After  Cursor
	Before Cursor
}

// HasAfter reports whether the page starts after a cursor.
func (r Request) HasAfter() bool { return r.After.ID != 0 }

// HasBefore reports whether the page ends before a cursor.
func (r Request) HasBefore() bool { return r.Before.ID != 0 }

// Parse validates pagination arguments for an ordering named order; cursors
// made for another ordering are refused.
func Parse(a Args, order string) (Request, error) {
	if a.First != nil && a.Last != nil {
		return Request{}, apperr.BadInputf("pass either first or last, not both")
	}
	var r Request
	for _, bound := range []struct {
		name string
		v    *int
	}{{"first", a.First}, {"last", a.Last}} {
		if bound.v == nil {
			continue
		}
		if *bound.v < 0 {
			return Request{}, apperr.BadInputf("%s must not be negative", bound.name)
		}
		if *bound.v > MaxSize {
			return Request{}, apperr.BadInputf("%s must be at most %d, got %d", bound.name, MaxSize, *bound.v)
		}
		r.Limit = *bound.v
	}
	switch {
	case a.Last != nil:
		r.Backward = true
	case a.First == nil:
		r.Limit = DefaultSize
		r.Backward = a.Before != nil && a.After == nil
	}
	var err error
	if r.After, err = decode(a.After, "after", order); err != nil {
		return Request{}, err
	}
	if r.Before, err = decode(a.Before, "before", order); err != nil {
		return Request{}, err
	}
	return r, nil
}

func decode(s *string, arg, order string) (Cursor, error) {
	if s == nil {
		return Cursor{}, nil
	}
	raw, err := base64.RawURLEncoding.DecodeString(*s)
	if err != nil || len(*s) > 512 {
		return Cursor{}, apperr.BadInputf("%s is not a valid cursor", arg)
	}
	var c Cursor
	if err := json.Unmarshal(raw, &c); err != nil || c.ID <= 0 {
		return Cursor{}, apperr.BadInputf("%s is not a valid cursor", arg)
	}
	if c.Order != order {
		return Cursor{}, apperr.BadInputf("%s is a cursor for another ordering; start again without it", arg)
	}
	return c, nil
}

// Build assembles a connection page from rows read with Limit+1 in the
// request's read order; cursorOf gives each row's cursor.
func Build[T any](rows []T, r Request, cursorOf func(T) Cursor, count models.CountFunc) *models.Connection[T] {
	more := len(rows) > r.Limit
	if more {
		rows = rows[:r.Limit]
	}
	if r.Backward {
		rows = slices.Clone(rows)
		slices.Reverse(rows)
	}
	info := &models.PageInfo{}
	cursor := func(row T) string { return cursorOf(row).Encode() }
	if len(rows) > 0 {
		first, last := cursor(rows[0]), cursor(rows[len(rows)-1])
		info.StartCursor, info.EndCursor = &first, &last
	}
	if r.Backward {
		info.HasPreviousPage = more
		info.HasNextPage = r.HasBefore()
	} else {
		info.HasNextPage = more
		info.HasPreviousPage = r.HasAfter()
	}
	return models.NewConnection(rows, cursor, info, count)
}
