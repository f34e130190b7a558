package querylimit

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2/gqlerror"

	"socrates/internal/apperr"
)

// defaults are the server's default limits.
var defaults = Limits{Bytes: 262144, Tokens: 15000, Spreads: 1000, Fields: 10000, SelectionFields: 200, Depth: 12, Aliases: 30, IntrospectionDepth: 20}

func mustRefuse(t *testing.T, err *gqlerror.Error, code apperr.Code, parts ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("accepted, want a %s refusal saying %q", code, parts)
	}
	if got, _ := err.Extensions["code"].(string); got != string(code) {
		t.Fatalf("code %q (%s), want %s", got, err.Message, code)
	}
	for _, p := range parts {
		if !strings.Contains(err.Message, p) {
			t.Fatalf("message %q lacks %q", err.Message, p)
		}
	}
}

func TestParseLimits(t *testing.T) {
	l := defaults
	mustRefuse(t, l.Check("{ viewer { id } }"+strings.Repeat(",", 300_000), ""), apperr.BadUserInput,
		"the document is 300017 bytes long; the limit is 262144")
	mustRefuse(t, l.Check("{ viewer { "+strings.Repeat("id ", 20_000)+"} }", ""), apperr.BadUserInput,
		"more than 15000 tokens; the limit is 15000")
	// Comments are tokens; commas and white space are not.
	mustRefuse(t, l.Check("{ viewer { id } }\n"+strings.Repeat("#\n", 15_000), ""), apperr.BadUserInput, "15000 tokens")
	if err := l.Check("{ viewer { id } }"+strings.Repeat(", \n\t", 50_000), ""); err != nil {
		t.Fatalf("ignored characters counted as tokens: %v", err)
	}
	deep := "{ node(id: " + strings.Repeat("[", 5000) + strings.Repeat("]", 5000) + ") { id } }"
	mustRefuse(t, l.Check(deep, ""), apperr.BadUserInput, "more than 1000 levels deep; the limit is 1000")
	mustRefuse(t, l.Check("{ viewer { id }", ""), apperr.ParseFailed, "Expected Name")
}

// chain returns fragments F0…Fn, each spreading the one before twice.
func chain(n int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "query { ...F%d }\nfragment F0 on Query { viewer { id } }\n", n)
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, "fragment F%d on Query { ...F%d ...F%d }\n", i, i-1, i-1)
	}
	return b.String()
}

func TestChainedFragmentsAreMeasuredNotExpanded(t *testing.T) {
	doc, err := defaults.Parse(chain(30))
	if err != nil {
		t.Fatal(err)
	}
	c, err := MeasureDocument(doc)
	if err != nil {
		t.Fatal(err)
	}
	// Fk expands to 2^(k+1)-2 spreads and 2^k copies of viewer { id }.
	wantSpreads, wantFields := 1+(1<<31-2), 2<<30
	for k := 0; k <= 30; k++ {
		wantSpreads += 1<<(k+1) - 2
		wantFields += 2 << k
	}
	if c.Spreads != wantSpreads || c.Fields != wantFields {
		t.Fatalf("measured %+v, want %d spreads and %d fields", c, wantSpreads, wantFields)
	}
	mustRefuse(t, defaults.CheckDocument(doc), apperr.BadUserInput,
		fmt.Sprintf("the document spreads fragments %d times once they are expanded; the limit is 1000", wantSpreads))

	// A chain far too long to expand in any lifetime is measured at once
	// (this test would not end if the measure expanded it).
	mustRefuse(t, Limits{Spreads: 1000}.Check(chain(3000), ""), apperr.BadUserInput, "spreads fragments more than 1099511627776 times")
}

func TestFragmentCycleIsRefused(t *testing.T) {
	q := "{ ...A } fragment A on Query { viewer { id } ...B } fragment B on Query { ...A }"
	mustRefuse(t, defaults.Check(q, ""), apperr.ValidationFailed, "within itself")
}

func TestSelectionSetsAreMergedByResponseName(t *testing.T) {
	ids := func(n int) string { return strings.Repeat("id ", n) }
	// Two viewer fields merge into one selection set of 300 fields.
	mustRefuse(t, defaults.Check("{ viewer { "+ids(150)+"} viewer { "+ids(150)+"} }", ""), apperr.BadUserInput,
		"a selection set holds 300 fields once fragments are expanded and fields of the same name merged; the limit is 200")
	// Under different aliases they stay apart.
	if err := defaults.Check("{ a: viewer { "+ids(150)+"} b: viewer { "+ids(150)+"} }", ""); err != nil {
		t.Fatal(err)
	}
	// Fragments merge too.
	q := "{ viewer { ...A } ...B } fragment A on User { " + ids(120) + "} fragment B on Query { viewer { ...A } }"
	mustRefuse(t, defaults.Check(q, ""), apperr.BadUserInput, "holds 240 fields")
	// 20,000 duplicates built from fragments stay under the token limit and
	// are refused by the field limit.
	q = "{ viewer { " + strings.Repeat("...D ", 200) + "} } fragment D on User { " + ids(100) + "}"
	mustRefuse(t, defaults.Check(q, ""), apperr.BadUserInput, "the document selects 20101 fields once fragments are expanded; the limit is 10000")
}

func TestOperationLimitsCountDataOnly(t *testing.T) {
	// nest(n) is n levels deep, its leaf included.
	nest := func(n int) string {
		return strings.Repeat("viewer { ", n-1) + "id" + strings.Repeat(" }", n-1)
	}
	mustRefuse(t, defaults.Check("{ "+nest(13)+" }", ""), apperr.BadUserInput, "the operation is nested 13 levels deep; the limit is 12")
	if err := defaults.Check("{ "+strings.Replace(nest(12), "id", "id __typename", 1)+" __typename __schema { types { fields { type { ofType { ofType { name } } } } } } }", ""); err != nil {
		t.Fatalf("introspection or __typename counted as data: %v", err)
	}
	var aliases strings.Builder
	for i := range 31 {
		fmt.Fprintf(&aliases, "a%d: viewer { id } t%d: __typename ", i, i)
	}
	mustRefuse(t, defaults.Check("{ "+aliases.String()+"}", ""), apperr.BadUserInput, "the operation uses 31 aliases; the limit is 30")
	// Aliases inside a fragment count once per spread.
	q := "{ ...F viewer { ...G } } fragment F on Query { " + strings.Repeat("x: viewer { id } ", 1) + "} fragment G on User { a: id b: id c: id d: id e: id f: id g: id h: id i: id j: id k: id l: id m: id n: id o: id p: id }"
	q = strings.Replace(q, "viewer { ...G }", "v1: viewer { ...G } v2: viewer { ...G }", 1)
	mustRefuse(t, defaults.Check(q, ""), apperr.BadUserInput, "the operation uses 35 aliases")
	// Introspection has its own depth limit and field cap.
	deep := "{ __schema { types { " + strings.Repeat("ofType { ", 20) + "name" + strings.Repeat(" }", 20) + " } } }"
	mustRefuse(t, defaults.Check(deep, ""), apperr.BadUserInput, "the introspection is nested 23 levels deep; the limit is 20")
	var wide strings.Builder
	for i := range 20 {
		fmt.Fprintf(&wide, "t%d: __type(name: \"Query\") { ...T } ", i)
	}
	q = "{ " + wide.String() + "} fragment T on __Type { " + strings.Repeat("name ", 60) + "}"
	mustRefuse(t, defaults.Check(q, ""), apperr.BadUserInput, "the introspection selects 1220 fields once fragments are expanded; the limit is 1000")
	// Only the named operation is checked for depth.
	two := "query Shallow { viewer { id } } query Deep { " + nest(13) + " }"
	if err := defaults.Check(two, "Shallow"); err != nil {
		t.Fatal(err)
	}
	mustRefuse(t, defaults.Check(two, "Deep"), apperr.BadUserInput, "nested 13 levels")
}

func TestIntrospectionQueriesPass(t *testing.T) {
	files, err := filepath.Glob("../e2e/testdata/introspection/*.graphql")
	if err != nil || len(files) < 8 {
		t.Fatalf("introspection queries: %v %v", files, err)
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if err := defaults.Check(string(b), ""); err != nil {
			t.Errorf("%s refused: %v", filepath.Base(f), err)
		}
		doc, _ := defaults.Parse(string(b))
		c, _ := MeasureOperation(doc, doc.Operations[0])
		if c.Depth != 0 || c.Aliases != 0 || c.IntrospectionDepth != 15 {
			t.Errorf("%s measured %+v, want data depth 0 and introspection depth 15", filepath.Base(f), c)
		}
	}
}

func TestMostExpensiveIsTheLargestAccepted(t *testing.T) {
	const body = 1 << 20
	docs := defaults.MostExpensive(body)
	shapes := defaults.HostileShapes()
	if len(docs) != len(shapes) {
		t.Fatalf("got %d documents for %d shapes", len(docs), len(shapes))
	}
	for i, h := range docs {
		if h.Shape != shapes[i].Name || h.Query != shapes[i].Build(h.Size) {
			t.Fatalf("document %d is not shape %s at size %d", i, shapes[i].Name, h.Size)
		}
		if err := defaults.Check(h.Query, ""); err != nil {
			t.Fatalf("%s at %d refused: %v", h.Shape, h.Size, err)
		}
		next := shapes[i].Build(h.Size + 1)
		raw, _ := json.Marshal(map[string]string{"query": next})
		if defaults.Check(next, "") == nil && len(raw) <= body {
			t.Fatalf("%s: size %d is accepted too", h.Shape, h.Size+1)
		}
		t.Logf("%s: size %d, %d bytes", h.Shape, h.Size, len(h.Query))
	}
	want := map[string]int{"chained fragments": 7, "duplicate fields": 200, "aliased duplicate fields": 200, "deep list": MaxNesting - 1}
	for _, h := range docs {
		if w, ok := want[h.Shape]; ok && h.Size != w {
			t.Errorf("%s: size %d, want %d", h.Shape, h.Size, w)
		}
	}
}
