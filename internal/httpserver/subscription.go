package httpserver

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// singleRootSubscription refuses, as a validation error, a subscription
// that does not select exactly one root field once aliases are counted
// and @skip and @include applied, as the GraphQL spec's "Single root
// field" rule asks. The parser's rule of that name counts field names, so
// it lets `a: events b: events` through, and a selection every field of
// which is skipped; the executor would then fail the operation as an
// internal error.
type singleRootSubscription struct{}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
} = singleRootSubscription{}

// ExtensionName implements graphql.HandlerExtension.
func (singleRootSubscription) ExtensionName() string { return "SingleRootSubscription" }

// Validate implements graphql.HandlerExtension.
func (singleRootSubscription) Validate(graphql.ExecutableSchema) error { return nil }

// MutateOperationContext implements graphql.OperationContextMutator.
func (singleRootSubscription) MutateOperationContext(_ context.Context, rc *graphql.OperationContext) *gqlerror.Error {
	if rc.Operation == nil || rc.Operation.Operation != ast.Subscription {
		return nil
	}
	fields := graphql.CollectFields(rc, rc.Operation.SelectionSet, []string{"Subscription"})
	if len(fields) == 1 {
		return nil
	}
	err := gqlerror.Errorf("a subscription must select exactly one root field; this one selects %d", len(fields))
	errcode.Set(err, errcode.ValidationFailed)
	return err
}
