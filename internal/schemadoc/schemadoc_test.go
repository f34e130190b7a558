package schemadoc

import (
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2/ast"

	"socrates/internal/apperr"
	"socrates/internal/schemafile"
)

// TestDescribedSchema fails listing every element of schema/*.graphqls that
// has no description.
func TestDescribedSchema(t *testing.T) {
	s, err := schemafile.LoadDir("../../schema")
	if err != nil {
		t.Fatal(err)
	}
	if missing := Undescribed(s); len(missing) > 0 {
		t.Fatalf("%d schema elements have no description:\n  %s", len(missing), strings.Join(missing, "\n  "))
	}
}

func TestDescribedFindsEveryKind(t *testing.T) {
	s, err := schemafile.Parse(&ast.Source{Name: "t.graphqls", Input: `
"Described." type Query { "Described." a(x: Int, "Described." y: Int): Int, b: E, c(in: I): Int }
enum E { "Described." ONE TWO }
input I { "Described." p: Int, q: Int }
directive @d(w: Int) on FIELD_DEFINITION
scalar S
`})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"@d", "@d(w:)", "E", "E.TWO", "I", "I.q", "Query.a(x:)", "Query.b", "Query.c", "Query.c(in:)", "S"}
	if got := Undescribed(s); !slices.Equal(got, want) {
		t.Fatalf("got %v\nwant %v", got, want)
	}
}

// TestDescribedUserErrorCodes fails when a userError code (apperr.UserCodes;
// internal/errcodes holds the code base to that list) is missing from the
// description of UserError.code or from the README's table of userError
// codes.
func TestDescribedUserErrorCodes(t *testing.T) {
	codes := apperr.UserCodes()
	if len(codes) < 8 {
		t.Fatalf("found only %v", codes)
	}
	s, err := schemafile.LoadDir("../../schema")
	if err != nil {
		t.Fatal(err)
	}
	desc := s.Types["UserError"].Fields.ForName("code").Description
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range codes {
		if !strings.Contains(desc, "`"+string(c)+"`") {
			t.Errorf("UserError.code's description does not list `%s`", c)
		}
		if !strings.Contains(string(readme), "`"+string(c)+"`") {
			t.Errorf("README.md does not list the userError code `%s`", c)
		}
	}
}

// TestDescribedTopLevelCodes fails when a top-level error code
// (apperr.TopLevelCodes) is missing from the description of UserError
// (where the schema lists them) or from the README.
func TestDescribedTopLevelCodes(t *testing.T) {
	s, err := schemafile.LoadDir("../../schema")
	if err != nil {
		t.Fatal(err)
	}
	desc := s.Types["UserError"].Description
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range apperr.TopLevelCodes() {
		if !strings.Contains(desc, "`"+string(c)+"`") {
			t.Errorf("UserError's description does not list the top-level code `%s`", c)
		}
		if !strings.Contains(string(readme), "`"+string(c)+"`") {
			t.Errorf("README.md does not list the top-level code `%s`", c)
		}
	}
}
