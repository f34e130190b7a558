package contract

import (
	"slices"
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2/ast"

	"socrates/internal/schemafile"
)

// base is the "before" schema every case changes.
const base = `
interface Node { id: ID! }
type Query {
  item(id: ID!, limit: Int = 10, filter: String): Item
  items(first: Int): [Item!]!
  count: Int!
  name: String
  search: SearchHit
}
type Item implements Node { id: ID!, label: String!, tags: [String!]!, note: String }
type Other { id: ID! }
union SearchHit = Item | Other
enum Color { RED GREEN BLUE }
input ItemInput { label: String!, note: String, size: Int = 3, color: Color }
type Mutation { save(input: ItemInput!, dryRun: Boolean): Item }
directive @cost(weight: Int) on FIELD_DEFINITION | OBJECT
`

func load(t *testing.T, sdl string) *ast.Schema {
	t.Helper()
	s, err := schemafile.Parse(&ast.Source{Name: "test.graphqls", Input: sdl})
	if err != nil {
		t.Fatalf("parse: %v\n%s", err, sdl)
	}
	return s
}

// edit applies string replacements to base, failing when one does not apply.
func edit(t *testing.T, pairs ...string) string {
	t.Helper()
	s := base
	for i := 0; i < len(pairs); i += 2 {
		if !strings.Contains(s, pairs[i]) {
			t.Fatalf("base has no %q", pairs[i])
		}
		s = strings.Replace(s, pairs[i], pairs[i+1], 1)
	}
	return s
}

func elements(changes []Change) []string {
	out := make([]string, len(changes))
	for i, c := range changes {
		out[i] = c.Element
	}
	return out
}

func TestBreakingChangesAreFound(t *testing.T) {
	cases := []struct {
		name  string
		edits []string
		want  []string
	}{
		{"removed type", []string{"type Other { id: ID! }", "", "Item | Other", "Item"}, []string{"Other", "SearchHit"}},
		{"renamed type", []string{"type Other { id: ID! }", "type Another { id: ID! }", "Item | Other", "Item | Another"}, []string{"Other", "SearchHit"}},
		{"type kind changed", []string{"enum Color { RED GREEN BLUE }", "scalar Color"}, []string{"Color"}},
		{"removed field", []string{"count: Int!\n", ""}, []string{"Query.count"}},
		{"renamed field", []string{"label: String!,", "title: String!,"}, []string{"Item.label"}},
		{"output type changed", []string{"count: Int!", "count: String!"}, []string{"Query.count"}},
		{"output loosened to nullable", []string{"label: String!,", "label: String,"}, []string{"Item.label"}},
		{"output list element loosened", []string{"tags: [String!]!", "tags: [String]!"}, []string{"Item.tags"}},
		{"output list became scalar", []string{"tags: [String!]!", "tags: String!"}, []string{"Item.tags"}},
		{"argument type changed", []string{"limit: Int = 10", "limit: String = \"10\""}, []string{"Query.item(limit:)"}},
		{"argument tightened to non-null", []string{"filter: String)", "filter: String!)"}, []string{"Query.item(filter:)"}},
		{"argument with default tightened", []string{"limit: Int = 10", "limit: Int! = 10"}, []string{"Query.item(limit:)"}},
		{"removed argument", []string{", dryRun: Boolean", ""}, []string{"Mutation.save(dryRun:)"}},
		{"new required argument", []string{"items(first: Int)", "items(first: Int, order: String!)"}, []string{"Query.items(order:)"}},
		{"input field tightened", []string{"note: String, size", "note: String!, size"}, []string{"ItemInput.note"}},
		{"input field type changed", []string{"color: Color }", "color: String }"}, []string{"ItemInput.color"}},
		{"new required input field", []string{"color: Color }", "color: Color, owner: ID! }"}, []string{"ItemInput.owner"}},
		{"input field with default tightened", []string{"size: Int = 3", "size: Int! = 3"}, []string{"ItemInput.size"}},
		{"removed input field", []string{"note: String, size", "size"}, []string{"ItemInput.note"}},
		{"removed enum value", []string{"RED GREEN BLUE", "RED BLUE"}, []string{"Color.GREEN"}},
		{"removed union member", []string{"Item | Other", "Item"}, []string{"SearchHit"}},
		{"removed interface", []string{"type Item implements Node {", "type Item {"}, []string{"Item"}},
		{"removed directive", []string{"directive @cost(weight: Int) on FIELD_DEFINITION | OBJECT", ""}, []string{"@cost"}},
		{"removed directive argument", []string{"@cost(weight: Int)", "@cost"}, []string{"@cost(weight:)"}},
		{"removed directive location", []string{"on FIELD_DEFINITION | OBJECT", "on FIELD_DEFINITION"}, []string{"@cost"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := elements(Breaking(load(t, base), load(t, edit(t, c.edits...))))
			if !slices.Equal(got, c.want) {
				t.Fatalf("got %v, want %v", got, c.want)
			}
		})
	}
}

func TestBreakingDefaultRemovedFromNonNull(t *testing.T) {
	before := load(t, edit(t, "size: Int = 3", "size: Int! = 3", "limit: Int = 10", "limit: Int! = 10"))
	after := load(t, edit(t, "size: Int = 3", "size: Int!", "limit: Int = 10", "limit: Int!"))
	got := elements(Breaking(before, after))
	want := []string{"ItemInput.size", "Query.item(limit:)"}
	if !slices.Equal(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
}

func TestBreakingIgnoresAdditions(t *testing.T) {
	after := edit(t,
		"type Other { id: ID! }", "type Other { id: ID!, extra: String }\ntype New { id: ID! }",
		"name: String\n", "name: String\n  fresh(first: Int, mode: String = \"x\", strict: Boolean! = false): [Item!]\n",
		"items(first: Int)", "items(first: Int, after: String)",
		"RED GREEN BLUE", "RED GREEN BLUE PURPLE",
		"Item | Other", "Item | Other | New",
		"color: Color }", "color: Color, owner: ID, shape: String! = \"round\" }",
		"type Other {", "type Other implements Node {",
		"label: String!,", "label: String! @deprecated(reason: \"Use title.\"), title: String!,",
		"name: String\n", "name: String!\n",
		"filter: String)", "filter: String, extra: [Int!])",
		"dryRun: Boolean)", "dryRun: Boolean = false)",
		"directive @cost(weight: Int) on FIELD_DEFINITION | OBJECT", "directive @cost(weight: Int, why: String) on FIELD_DEFINITION | OBJECT | ENUM\ndirective @beta on FIELD_DEFINITION",
	)
	if got := Breaking(load(t, base), load(t, after)); len(got) != 0 {
		t.Fatalf("additions reported as breaking: %v", got)
	}
}

func TestBreakingInputLooseningIsAllowed(t *testing.T) {
	after := edit(t, "label: String!, note: String, size", "label: String, note: String, size", "save(input: ItemInput!", "save(input: ItemInput")
	if got := Breaking(load(t, base), load(t, after)); len(got) != 0 {
		t.Fatalf("loosened inputs reported as breaking: %v", got)
	}
}

func TestBreakingAnnouncedInChangelog(t *testing.T) {
	changelog := []byte("# Changelog\n\n## [Unreleased]\n\n### Added\n- `Query.count` is new (not an announcement).\n\n" +
		"### Breaking\n- `Item.label` renamed to `title`; clients select `Item.title`.\n- `Color.GREEN` is gone.\n\n" +
		"### Fixed\n- `Query.items(first:)` mentioned elsewhere.\n\n## [1.0.0] - 2025-01-01\n\n### Breaking\n- `Query.name` (released long ago).\n")
	announced := AnnouncedBreaking(changelog)
	for _, want := range []string{"Item.label", "Item.title", "Color.GREEN"} {
		if !announced[want] {
			t.Errorf("%s not announced: %v", want, announced)
		}
	}
	for _, not := range []string{"Query.count", "Query.items(first:)", "Query.name"} {
		if announced[not] {
			t.Errorf("%s announced outside [Unreleased] / Breaking", not)
		}
	}
	after := edit(t, "label: String!,", "title: String!,", "RED GREEN BLUE", "RED BLUE", "count: Int!\n", "", "name: String\n", "")
	left := elements(Unannounced(Breaking(load(t, base), load(t, after)), announced))
	if want := []string{"Query.count", "Query.name"}; !slices.Equal(left, want) {
		t.Fatalf("unannounced: got %v, want %v", left, want)
	}
}
