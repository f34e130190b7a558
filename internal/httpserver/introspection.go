package httpserver

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"socrates/internal/apperr"
)

// refuseIntrospection refuses, before it runs, an operation that selects
// __schema or __type while introspection is off (INTROSPECTION=false).
// __typename stays allowed: clients add it to every selection.
type refuseIntrospection struct{}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
} = refuseIntrospection{}

// ExtensionName implements graphql.HandlerExtension.
func (refuseIntrospection) ExtensionName() string { return "RefuseIntrospection" }

// Validate implements graphql.HandlerExtension.
func (refuseIntrospection) Validate(graphql.ExecutableSchema) error { return nil }

// MutateOperationContext implements graphql.OperationContextMutator.
func (refuseIntrospection) MutateOperationContext(_ context.Context, rc *graphql.OperationContext) *gqlerror.Error {
	if rc.Operation == nil || !introspects(rc.Operation.SelectionSet, 0) {
		return nil
	}
	return &gqlerror.Error{
		Message:    "introspection is disabled on this server (INTROSPECTION=false)",
		Extensions: map[string]any{"code": string(apperr.IntrospectionDisabled)},
	}
}

// introspects reports whether a root selection set selects __schema or
// __type, directly or through fragments (which validation has resolved and
// found free of cycles; depth guards anyway).
func introspects(set ast.SelectionSet, depth int) bool {
	if depth > 100 {
		return false
	}
	for _, sel := range set {
		switch s := sel.(type) {
		case *ast.Field:
			if s.Name == "__schema" || s.Name == "__type" {
				return true
			}
		case *ast.InlineFragment:
			if introspects(s.SelectionSet, depth+1) {
				return true
			}
		case *ast.FragmentSpread:
			if s.Definition != nil && introspects(s.Definition.SelectionSet, depth+1) {
				return true
			}
		}
	}
	return false
}
