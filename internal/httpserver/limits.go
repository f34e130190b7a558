package httpserver

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// shapeLimit refuses operations nested deeper than maxDepth or with more than
// maxAliases aliased fields, before anything executes.
type shapeLimit struct {
	maxDepth   int
	maxAliases int
}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
} = shapeLimit{}

// ExtensionName implements graphql.HandlerExtension.
func (shapeLimit) ExtensionName() string { return "ShapeLimit" }

// Validate implements graphql.HandlerExtension.
func (shapeLimit) Validate(graphql.ExecutableSchema) error { return nil }

// MutateOperationContext implements graphql.OperationContextMutator.
func (l shapeLimit) MutateOperationContext(_ context.Context, rc *graphql.OperationContext) *gqlerror.Error {
	if rc.Operation == nil {
		return nil
	}
	w := walker{doc: rc.Doc, visiting: map[string]bool{}}
	depth := w.depth(rc.Operation.SelectionSet, 0)
	if depth > l.maxDepth {
		return limitError("the operation is nested %d levels deep; the limit is %d", depth, l.maxDepth)
	}
	if w.aliases > l.maxAliases {
		return limitError("the operation uses %d aliases; the limit is %d", w.aliases, l.maxAliases)
	}
	return nil
}

func limitError(format string, args ...any) *gqlerror.Error {
	e := gqlerror.Errorf(format, args...)
	e.Extensions = map[string]any{"code": "BAD_USER_INPUT"}
	return e
}

type walker struct {
	doc      *ast.QueryDocument
	visiting map[string]bool
	aliases  int
}

// depth returns the deepest field nesting below set, counting aliases on the
// way; fragment cycles are cut (validation refuses them anyway).
func (w *walker) depth(set ast.SelectionSet, level int) int {
	deepest := level
	for _, sel := range set {
		var d int
		switch s := sel.(type) {
		case *ast.Field:
			if s.Alias != "" && s.Alias != s.Name {
				w.aliases++
			}
			d = w.depth(s.SelectionSet, level+1)
		case *ast.InlineFragment:
			d = w.depth(s.SelectionSet, level)
		case *ast.FragmentSpread:
			if w.visiting[s.Name] {
				continue
			}
			frag := w.doc.Fragments.ForName(s.Name)
			if frag == nil {
				continue
			}
			w.visiting[s.Name] = true
			d = w.depth(frag.SelectionSet, level)
			delete(w.visiting, s.Name)
		}
		if d > deepest {
			deepest = d
		}
	}
	return deepest
}
