package page

import (
	"testing"

	"socrates/internal/apperr"
)

func ptr[T any](v T) *T { return &v }

func TestParse(t *testing.T) {
	c := Cursor{Order: "X", ID: 7}.Encode()
	other := Cursor{Order: "Y", ID: 7}.Encode()
	ok := []struct {
		args     Args
		limit    int
		backward bool
	}{
		{Args{}, DefaultSize, false},
		{Args{First: ptr(5)}, 5, false},
		{Args{First: ptr(0)}, 0, false},
		{Args{Last: ptr(3)}, 3, true},
		{Args{Before: &c}, DefaultSize, true},
		{Args{First: ptr(MaxSize), After: &c}, MaxSize, false},
	}
	for _, tc := range ok {
		r, err := Parse(tc.args, "X")
		if err != nil || r.Limit != tc.limit || r.Backward != tc.backward {
			t.Errorf("Parse(%+v) = %+v, %v", tc.args, r, err)
		}
	}
	bad := []Args{
		{First: ptr(MaxSize + 1)}, {Last: ptr(-1)}, {First: ptr(1), Last: ptr(1)},
		{After: ptr("garbage")}, {After: &other}, {Before: ptr(Cursor{Order: "X"}.Encode())},
	}
	for _, a := range bad {
		_, err := Parse(a, "X")
		if e, isApp := apperr.As(err); !isApp || e.Code != apperr.BadUserInput {
			t.Errorf("Parse(%+v) = %v, want BAD_USER_INPUT", a, err)
		}
	}
}

func TestBuild(t *testing.T) {
	rows := []int64{1, 2, 3, 4}
	cursorOf := func(v int64) Cursor { return Cursor{Order: "X", ID: v} }
	conn := Build(rows, Request{Limit: 3}, cursorOf, nil)
	if len(conn.Edges()) != 3 || !conn.PageInfo.HasNextPage || conn.PageInfo.HasPreviousPage {
		t.Fatalf("forward page: %+v", conn.PageInfo)
	}
	back := Build([]int64{9, 8, 7}, Request{Limit: 2, Backward: true}, cursorOf, nil)
	if back.Edges()[0].Node != 8 || back.Edges()[1].Node != 9 || !back.PageInfo.HasPreviousPage {
		t.Fatalf("backward page reads reversed rows: %+v", back.Nodes())
	}
	if *back.PageInfo.StartCursor != cursorOf(8).Encode() {
		t.Fatal("start cursor is not the first row's")
	}
}
