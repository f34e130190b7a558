package querylimit

import "github.com/vektah/gqlparser/v2/ast"

// ceiling caps every count: a chain of fragments each spreading the
// previous twice doubles the expanded size per link, which overflows any
// integer after 63 links.
const ceiling = 1 << 40

// sat adds two counts, saturating at ceiling.
func sat(a, b int) int {
	if a+b > ceiling {
		return ceiling
	}
	return a + b
}

// summary is what a selection set costs once the fragments spread into it
// are expanded. Depths are relative to the selection set.
type summary struct {
	// fields and spreads count every field and spread below the set.
	fields, spreads int
	// top counts the fields of the set itself (what execution collects
	// from it).
	top int
	// depth is how deep the fields nest, introspection included.
	depth int
	// dataDepth and dataAliases leave out the subtrees of `__schema` and
	// `__type` and `__typename`.
	dataDepth, dataAliases int
	// introDepth is the deepest subtree of `__schema` or `__type`,
	// counting the introspection field itself; introFields counts the
	// fields of those subtrees, introspection fields included.
	introDepth, introFields int
}

// measurer walks a document once: every selection set of the document is
// summarized once, and a fragment's summary is kept and reused at each of
// its spreads, so the walk is linear in the document's size however often
// fragments are spread.
type measurer struct {
	fragments map[string]*ast.FragmentDefinition
	done      map[string]summary
	visiting  map[string]bool
	// cycle names a fragment that spreads itself, once one is found.
	cycle string
	// widest is the largest top of any selection set summarized.
	widest int
}

func newMeasurer(doc *ast.QueryDocument) *measurer {
	m := &measurer{
		fragments: make(map[string]*ast.FragmentDefinition, len(doc.Fragments)),
		done:      map[string]summary{},
		visiting:  map[string]bool{},
	}
	for _, f := range doc.Fragments {
		// The first definition of a name wins, as in the validator.
		if _, ok := m.fragments[f.Name]; !ok {
			m.fragments[f.Name] = f
		}
	}
	return m
}

// fragment returns the summary of a fragment's selection set, computing it
// on first use.
func (m *measurer) fragment(f *ast.FragmentDefinition) summary {
	if s, ok := m.done[f.Name]; ok {
		return s
	}
	if m.visiting[f.Name] {
		if m.cycle == "" {
			m.cycle = f.Name
		}
		return summary{}
	}
	m.visiting[f.Name] = true
	s := m.selectionSet(f.SelectionSet)
	delete(m.visiting, f.Name)
	m.done[f.Name] = s
	return s
}

// selectionSet summarizes a selection set.
func (m *measurer) selectionSet(set ast.SelectionSet) summary {
	var s summary
	for _, sel := range set {
		if m.cycle != "" {
			return s
		}
		switch sel := sel.(type) {
		case *ast.Field:
			m.field(&s, sel)
		case *ast.InlineFragment:
			s.merge(m.selectionSet(sel.SelectionSet))
		case *ast.FragmentSpread:
			s.spreads = sat(s.spreads, 1)
			if f := m.fragments[sel.Name]; f != nil {
				s.merge(m.fragment(f))
			}
		}
	}
	m.widest = max(m.widest, s.top)
	return s
}

// field adds one field and its subtree to s.
func (m *measurer) field(s *summary, f *ast.Field) {
	c := m.selectionSet(f.SelectionSet)
	s.top = sat(s.top, 1)
	s.fields = sat(s.fields, sat(1, c.fields))
	s.spreads = sat(s.spreads, c.spreads)
	if f.Name == "__typename" {
		// Free for depth and aliases. (It has no subfields; if it is
		// given some, validation refuses them, but they were counted.)
		return
	}
	s.depth = max(s.depth, 1+c.depth)
	if f.Name == "__schema" || f.Name == "__type" {
		// Everything below an introspection field is introspection.
		s.introDepth = max(s.introDepth, 1+c.depth)
		s.introFields = sat(s.introFields, sat(1, c.fields))
		return
	}
	s.dataDepth = max(s.dataDepth, 1+c.dataDepth)
	s.dataAliases = sat(s.dataAliases, c.dataAliases)
	if f.Alias != "" && f.Alias != f.Name {
		s.dataAliases = sat(s.dataAliases, 1)
	}
	s.introDepth = max(s.introDepth, c.introDepth)
	s.introFields = sat(s.introFields, c.introFields)
}

// merge adds the summary of a fragment spread or inline fragment, whose
// fields join the selection set they are spread into.
func (s *summary) merge(c summary) {
	s.fields = sat(s.fields, c.fields)
	s.spreads = sat(s.spreads, c.spreads)
	s.top = sat(s.top, c.top)
	s.depth = max(s.depth, c.depth)
	s.dataDepth = max(s.dataDepth, c.dataDepth)
	s.dataAliases = sat(s.dataAliases, c.dataAliases)
	s.introDepth = max(s.introDepth, c.introDepth)
	s.introFields = sat(s.introFields, c.introFields)
}

// widestMerged returns the most fields one selection set holds once
// fragments are expanded and the subselections of fields with the same
// response name are merged, as execution merges them and as validation
// compares them, pairwise: `viewer { id } viewer { id }` is one selection
// set of two fields under viewer. It expands every operation and fragment
// definition, so its work is the document's expanded size (DocumentCost.
// Fields); call it only once that is known to be bounded, and only on a
// document without fragment cycles.
func (m *measurer) widestMerged(doc *ast.QueryDocument) int {
	widest := 0
	for _, op := range doc.Operations {
		widest = max(widest, m.merged([]ast.SelectionSet{op.SelectionSet}))
	}
	for _, f := range doc.Fragments {
		widest = max(widest, m.merged([]ast.SelectionSet{f.SelectionSet}))
	}
	return widest
}

// merged returns the most fields of the selection set made of sets, or of
// any selection set merged below it.
func (m *measurer) merged(sets []ast.SelectionSet) int {
	var fields []*ast.Field
	for _, set := range sets {
		fields = m.collect(set, fields)
	}
	widest := len(fields)
	var order []string
	children := map[string][]ast.SelectionSet{}
	for _, f := range fields {
		if len(f.SelectionSet) == 0 {
			continue
		}
		key := f.Alias
		if key == "" {
			key = f.Name
		}
		if _, ok := children[key]; !ok {
			order = append(order, key)
		}
		children[key] = append(children[key], f.SelectionSet)
	}
	for _, key := range order {
		widest = max(widest, m.merged(children[key]))
	}
	return widest
}

// collect appends the fields of set to fields, expanding fragments.
func (m *measurer) collect(set ast.SelectionSet, fields []*ast.Field) []*ast.Field {
	for _, sel := range set {
		switch sel := sel.(type) {
		case *ast.Field:
			fields = append(fields, sel)
		case *ast.InlineFragment:
			fields = m.collect(sel.SelectionSet, fields)
		case *ast.FragmentSpread:
			if f := m.fragments[sel.Name]; f != nil {
				fields = m.collect(f.SelectionSet, fields)
			}
		}
	}
	return fields
}
