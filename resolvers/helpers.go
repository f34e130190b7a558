package resolvers

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"socrates/internal/account"
	"socrates/internal/apperr"
	"socrates/internal/ids"
	"socrates/internal/page"
	"socrates/internal/plan"
	"socrates/models"
)

// decodeID decodes a global id argument that must name a typeName.
func decodeID(typeName, global string) (int64, error) {
	id, err := ids.DecodeAs(typeName, global)
	if err != nil {
		return 0, apperr.BadInputf("%s", err.Error())
	}
	return id, nil
}

// userErrors splits a service error: validation failures become the
// payload's userErrors (and a nil error); anything else is returned as is.
func userErrors(err error) ([]*models.UserError, error) {
	if err == nil {
		return []*models.UserError{}, nil
	}
	v, ok := apperr.AsValidation(err)
	if !ok {
		return nil, err
	}
	out := make([]*models.UserError, len(v.Errors))
	for i, e := range v.Errors {
		out[i] = &models.UserError{Field: e.Field, Message: e.Message, Code: string(e.Code)}
	}
	return out, nil
}

func pageArgs(first *int, after *string, last *int, before *string) page.Args {
	return page.Args{First: first, After: after, Last: last, Before: before}
}

// nodeErrorAt records err for one entry of a nodes() list and lets the list
// carry on.
func nodeErrorAt(ctx context.Context, i int, err error) {
	path := append(graphql.GetPath(ctx), ast.PathIndex(i))
	var gqlErr *gqlerror.Error
	if !errors.As(err, &gqlErr) {
		gqlErr = &gqlerror.Error{Err: err, Message: err.Error()}
	}
	gqlErr.Path = path
	graphql.AddError(ctx, gqlErr)
}

func badInput(format string, args ...any) error { return apperr.BadInputf(format, args...) }

// node resolves one global id to an object the viewer may see.
func (r *Resolver) node(ctx context.Context, global string) (models.Node, error) {
	typeName, id, err := ids.Decode(global)
	if err != nil {
		return nil, notFoundID(global)
	}
	switch typeName {
	case ids.User:
		return r.AccountService.User(ctx, id)
	case ids.Project:
		return r.ProjectService.Get(ctx, id)
	case ids.Session:
		return r.SessionService.Get(ctx, id)
	case ids.Question:
		return r.DialogueService.Question(ctx, id)
	case ids.Message:
		return r.DialogueService.Message(ctx, id)
	case ids.Specification:
		return r.SpecService.Get(ctx, id)
	case ids.Conflict:
		return r.SpecService.GetConflict(ctx, id)
	case ids.Team:
		return r.TeamService.Get(ctx, id)
	case ids.APIToken:
		return r.TokenService.Get(ctx, id)
	case ids.Activity:
		return r.TeamService.Activity(ctx, id)
	case ids.CodeGeneration:
		return r.CodegenService.Get(ctx, id)
	case ids.GeneratedFile:
		return r.CodegenService.File(ctx, id)
	case ids.Document:
		return r.DocumentService.Get(ctx, id)
	}
	return nil, notFoundID(global)
}

// planned plans the reads below a root field's result before it is
// returned, when there is a result.
func planned[T any](ctx context.Context, p *plan.Planner, v T, err error) (T, error) {
	if err == nil {
		p.Below(ctx, v)
	}
	return v, err
}

// nodes resolves global ids concurrently, after the planner has read what
// they need, so the ids cost a few statements whatever their number.
func (r *Resolver) nodes(ctx context.Context, globals []string) []models.Node {
	r.Plan.Nodes(ctx, globals)
	out := make([]models.Node, len(globals))
	errs := make([]error, len(globals))
	var wg sync.WaitGroup
	for i, g := range globals {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() {
				if p := recover(); p != nil {
					errs[i] = fmt.Errorf("resolve node: panic: %v", p)
				}
			}()
			out[i], errs[i] = r.node(ctx, g)
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			out[i] = nil
			nodeErrorAt(ctx, i, err)
		}
	}
	return out
}

func notFoundID(global string) error {
	return apperr.NotFoundf("could not resolve to a node with the global id %q", global)
}

func authPayload(g *account.Grant, err error, clientMutationID *string) (*models.AuthPayload, error) {
	ue, err := userErrors(err)
	if err != nil {
		return nil, err
	}
	p := &models.AuthPayload{UserErrors: ue, ClientMutationID: clientMutationID}
	if g != nil {
		p.AccessToken, p.ExpiresAt = &g.AccessToken, &g.AccessExpiresAt
		p.RefreshToken, p.RefreshTokenExpiresAt = &g.RefreshToken, &g.RefreshExpiresAt
		p.User = g.User
	}
	return p, nil
}

// sessionChange decodes a session id and applies a session transition.
func (r *mutationResolver) sessionChange(ctx context.Context, global string,
	change func(context.Context, int64) (*models.Session, error),
) (*models.Session, []*models.UserError, error) {
	id, err := decodeID(ids.Session, global)
	if err != nil {
		return nil, nil, err
	}
	s, err := change(ctx, id)
	ue, err := userErrors(err)
	return s, ue, err
}

// nonNil turns a nil slice into an empty one, for non-null list fields.
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// optionalUser reads a user whose id may be absent.
func optionalUser(ctx context.Context, r *Resolver, id *int64) (*models.User, error) {
	if id == nil {
		return nil, nil
	}
	return r.Read.User(ctx, *id)
}
