package querylimit

import (
	"encoding/json"
	"fmt"
	"strings"
)

// Hostile is a document of a shape that costs far more than its size
// suggests when nothing bounds it.
type Hostile struct {
	// Shape names the shape.
	Shape string
	// Size is the shape's size parameter: levels, fields, commas or
	// nesting, as Build reads it.
	Size int
	// Query is the document.
	Query string
}

// HostileShape builds documents of one hostile shape, larger and costlier
// as size grows.
type HostileShape struct {
	// Name names the shape.
	Name string
	// Build returns the document of the given size (at least 1).
	Build func(size int) string
}

// HostileShapes are the shapes that cost the unbounded engine seconds to
// minutes of CPU for a few kilobytes:
//
//   - "chained fragments": fragment F0 selects `viewer { id }` and each
//     further fragment spreads the one before twice, so the operation
//     expands to 2^size copies (validation and field collection expand
//     it);
//   - "duplicate fields": `{ viewer { id id … } }` with size copies of
//     `id` (validation compares the fields of a selection set pairwise);
//   - "aliased duplicate fields": as many aliased `viewer` fields as the
//     alias limit allows (30 when it is off), each selecting size copies
//     of `id`: every copy of the selection set is compared on its own;
//   - "commas": a small query followed by size commas, which the lexer
//     skips but the caches keep;
//   - "deep list": `{ node(id: [[[…]]]) { id } }` with the list literal
//     nested size deep (the parser and validator recurse per level).
func (l Limits) HostileShapes() []HostileShape {
	aliases := l.Aliases
	if aliases <= 0 {
		aliases = 30
	}
	return []HostileShape{
		{Name: "chained fragments", Build: chainedFragments},
		{Name: "duplicate fields", Build: func(n int) string {
			return "{ viewer { " + strings.Repeat("id ", n) + "} }"
		}},
		{Name: "aliased duplicate fields", Build: func(n int) string {
			var b strings.Builder
			b.WriteString("{")
			ids := strings.Repeat("id ", n)
			for i := range aliases {
				fmt.Fprintf(&b, " v%d: viewer { %s}", i, ids)
			}
			b.WriteString(" }")
			return b.String()
		}},
		{Name: "commas", Build: func(n int) string {
			return "{ viewer { id } }" + strings.Repeat(",", n)
		}},
		{Name: "deep list", Build: func(n int) string {
			return "{ node(id: " + strings.Repeat("[", n) + strings.Repeat("]", n) + ") { id } }"
		}},
	}
}

func chainedFragments(levels int) string {
	var b strings.Builder
	b.WriteString("query { ...F")
	fmt.Fprint(&b, levels)
	b.WriteString(" }\nfragment F0 on Query { viewer { id } }\n")
	for i := 1; i <= levels; i++ {
		fmt.Fprintf(&b, "fragment F%d on Query { ...F%d ...F%d }\n", i, i-1, i-1)
	}
	return b.String()
}

// MostExpensive returns, for each of l.HostileShapes, the most expensive
// document of that shape the limits still accept: the one of the largest
// size that passes Check and whose JSON request body
// (`{"query": "…"}`) fits in bodyBytes. Cost grows with size in every
// shape, so that document is the most a client can make the server pay
// with one request of that shape; a benchmark times it. Shapes of which
// not even size 1 is accepted are left out.
//
// What bounds each shape under the default limits: the chained fragments
// stop at the fragment spread limit (the operation of a chain of n levels
// expands to 2^(n+1)-1 spreads, its fragment definitions to about twice as
// many; 7 levels pass 1000), the duplicate fields at the selection-set field limit, the
// aliased ones at the field limit, the commas at the document's byte limit
// (or the body limit), the deep list at the parser's nesting limit.
func (l Limits) MostExpensive(bodyBytes int) []Hostile {
	var out []Hostile
	for _, shape := range l.HostileShapes() {
		accepted := func(size int) bool {
			q := shape.Build(size)
			body, err := json.Marshal(map[string]string{"query": q})
			if err != nil || len(body) > bodyBytes {
				return false
			}
			return l.Check(q, "") == nil
		}
		if size := largest(accepted); size > 0 {
			out = append(out, Hostile{Shape: shape.Name, Size: size, Query: shape.Build(size)})
		}
	}
	return out
}

// largest returns the largest size in [1, 1<<30] for which accepted holds,
// assuming it holds up to some size and not beyond; 0 when it never holds.
// It tries about 2·log2(size) sizes.
func largest(accepted func(int) bool) int {
	if !accepted(1) {
		return 0
	}
	lo, hi := 1, 2
	for accepted(hi) {
		if hi >= 1<<30 {
			return hi
		}
		lo, hi = hi, hi*2
	}
	// accepted(lo) holds; accepted(hi) does not (or hi is the bound).
	for hi-lo > 1 {
		mid := lo + (hi-lo)/2
		if accepted(mid) {
			lo = mid
		} else {
			hi = mid
		}
	}
	return lo
}
