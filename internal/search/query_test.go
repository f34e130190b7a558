package search

import (
	"strings"
	"testing"

	"socrates/internal/apperr"
	"socrates/internal/page"
	"socrates/internal/store"
)

// TestSearchParseQuery shows what each engine is given for user input:
// only letters, digits, quotes around FTS5 strings and the operators the
// parser itself writes.
func TestSearchParseQuery(t *testing.T) {
	cases := []struct{ in, pg, fts string }{
		{"database", `database`, `("database")`},
		{"  Databases  ", `databases`, `("databases")`},
		{"nightly backup", `nightly backup`, `("nightly") AND ("backup")`},
		{`"cold storage"`, `"cold storage"`, `("cold storage")`},
		{`"cold storage`, `"cold storage"`, `("cold storage")`},
		{"redis OR openid", `redis or openid`, `("redis" OR "openid")`},
		{"redis or openid pages", `redis or openid pages`, `("redis" OR "openid") AND ("pages")`},
		{"invoices -accountants", `invoices -accountants`, `(("invoices")) NOT ("accountants")`},
		{`invoices -"cold storage"`, `invoices -"cold storage"`, `(("invoices")) NOT ("cold storage")`},
		{"sign-on", `"sign on"`, `("sign on")`},
		{"the merchants", `merchants`, `("merchants")`},
		{`NEAR(database`, `"near database"`, `("near database")`},
		{`key:database`, `"key database"`, `("key database")`},
		{`database*`, `database`, `("database")`},
		{`database'; DROP TABLE specifications; --`, `database drop table specifications`, `("database") AND ("drop") AND ("table") AND ("specifications")`},
		{`' OR 1=1 --`, `"1 1"`, `("1 1")`},
		{"データベース café", `データベース café`, `("データベース") AND ("café")`},
		{"OR database OR", `database`, `("database")`},
		{"a - b database", `b database`, `("b") AND ("database")`},
		{"database\x00x", `"database x"`, `("database x")`},
	}
	for _, c := range cases {
		q, err := ParseQuery(c.in)
		if err != nil {
			t.Errorf("ParseQuery(%q): %v", c.in, err)
			continue
		}
		if got := q.Postgres(); got != c.pg {
			t.Errorf("ParseQuery(%q).Postgres() = %q, want %q", c.in, got, c.pg)
		}
		if got := q.SQLite(); got != c.fts {
			t.Errorf("ParseQuery(%q).SQLite() = %q, want %q", c.in, got, c.fts)
		}
	}
}

// TestSearchParseQueryRefuses refuses blank, overlong and wordless input
// with BAD_USER_INPUT.
func TestSearchParseQueryRefuses(t *testing.T) {
	for _, in := range []string{"", "   ", "\t\n", `"`, `""`, "-", "OR", "*", "(((", "the", "-database", `"the a"`,
		strings.Repeat("a", MaxQueryLength+1), strings.Repeat("é", MaxQueryLength+1)} {
		_, err := ParseQuery(in)
		if e, ok := apperr.As(err); !ok || e.Code != apperr.BadUserInput || e.Message == "" {
			t.Errorf("ParseQuery(%q) = %v, want BAD_USER_INPUT", in, err)
		}
	}
	if _, err := ParseQuery(strings.Repeat("é", MaxQueryLength)); err != nil {
		t.Errorf("a query of %d characters: %v", MaxQueryLength, err)
	}
}

// FuzzSearchParseQuery feeds arbitrary input to ParseQuery: it never
// panics, and what it accepts reaches the engines as words, quotes and
// operators only.
func FuzzSearchParseQuery(f *testing.F) {
	for _, s := range []string{"database", `"a b" -c or d`, `NEAR(`, `col:x`, `'; --`, "\xff\xfe", `"""`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		q, err := ParseQuery(in)
		if err != nil {
			return
		}
		for _, out := range []string{q.Postgres(), q.SQLite()} {
			for _, r := range out {
				if !(r == ' ' || r == '"' || r == '(' || r == ')' || r == '-' || isWordRune(r)) {
					t.Fatalf("ParseQuery(%q) gives %q", in, out)
				}
			}
		}
	})
}

func isWordRune(r rune) bool { return len(words(string(r))) == 1 }

// TestSearchHighlight escapes the text and marks the terms, whatever the
// markers' order.
func TestSearchHighlight(t *testing.T) {
	s, e := store.SnippetStart, store.SnippetEnd
	cases := map[string]string{
		"plain":                             "plain",
		"a " + s + "db" + e + " <b>&":       "a <mark>db</mark> &lt;b&gt;&amp;",
		s + "<x>" + e:                       "<mark>&lt;x&gt;</mark>",
		s + "open":                          "<mark>open</mark>",
		"close" + e + " x":                  "close x",
		s + s + "twice" + e + e:             "<mark>twice</mark>",
		s + e + "empty":                     "empty",
		`"quoted" ` + s + "it's" + e + " …": "&#34;quoted&#34; <mark>it&#39;s</mark> …",
	}
	for in, want := range cases {
		if got := Highlight(in); got != want {
			t.Errorf("Highlight(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestSearchCursor reads back the cursors it writes and refuses others.
func TestSearchCursor(t *testing.T) {
	h := store.SearchHit{Kind: store.SearchQuestion, ID: 42, Score: 123456}
	got, err := decodeAfter(encodeAfter("SEARCH:x", h))
	if err != nil || got != (store.SearchAfter{Score: 123456, Kind: store.SearchQuestion, ID: 42}) {
		t.Fatalf("decodeAfter = %+v, %v", got, err)
	}
	for _, v := range []string{"", "12", "x:QUESTION", "-1:QUESTION", "12:PROJECT", "12:"} {
		if _, err := decodeAfter(page.Cursor{Order: "SEARCH:x", Value: v, ID: 1}); err == nil {
			t.Errorf("value %q accepted", v)
		}
	}
	a, _ := ParseQuery("database")
	b, _ := ParseQuery("databases")
	c, _ := ParseQuery("  DATABASE ")
	if a.Ordering() == b.Ordering() || a.Ordering() != c.Ordering() {
		t.Errorf("orderings %q %q %q", a.Ordering(), b.Ordering(), c.Ordering())
	}
}
