// Package access is the one authorization policy of the service: what a
// principal may do with a project. Every path into the graph (root fields,
// node(id), nested edges, mutations, subscriptions) asks it, and a principal
// that may not read a project cannot tell it from one that does not exist.
package access

import (
	"context"

	"socrates/internal/apperr"
	"socrates/internal/auth"
	"socrates/models"
)

// Permission is a level of access to a project; each level includes the
// ones below it.
type Permission int

// The permission levels.
const (
	None Permission = iota
	Read
	Write
	Admin
	Owner
)

// GraphQL returns the API value of p (READ for None, which is never shown).
func (p Permission) GraphQL() models.ProjectPermission {
	switch p {
	case Owner:
		return models.ProjectPermissionOwner
	case Admin:
		return models.ProjectPermissionAdmin
	case Write:
		return models.ProjectPermissionWrite
	default:
		return models.ProjectPermissionRead
	}
}

// Policy decides access to projects.
type Policy struct{}

// NewPolicy returns the policy.
func NewPolicy() *Policy { return &Policy{} }

// ProjectPermission returns the effective permission of the principal in ctx
// on project. Today a project is reachable only by its owner.
func (p *Policy) ProjectPermission(ctx context.Context, project *models.Project) Permission {
	pr := auth.FromContext(ctx)
	if pr == nil || project == nil {
		return None
	}
	if project.OwnerID == pr.UserID {
		return Owner
	}
	return None
}

// Require returns nil when the principal in ctx holds at least need on
// project: UNAUTHENTICATED when anonymous, NOT_FOUND when it may not even
// read the project, FORBIDDEN when it may read but not do this.
func (p *Policy) Require(ctx context.Context, project *models.Project, need Permission) error {
	if auth.FromContext(ctx) == nil {
		return apperr.ErrUnauthenticated
	}
	have := p.ProjectPermission(ctx, project)
	switch {
	case have >= need:
		return nil
	case have == None:
		return ProjectNotFound()
	default:
		return apperr.Forbiddenf("this needs %s permission on the project", need.GraphQL())
	}
}

// ProjectNotFound is the error for a project that does not exist or that the
// viewer may not see.
func ProjectNotFound() error { return apperr.NotFoundf("project not found") }

// RequireUser returns the principal of ctx, or UNAUTHENTICATED.
func RequireUser(ctx context.Context) (*auth.Principal, error) {
	pr := auth.FromContext(ctx)
	if pr == nil {
		return nil, apperr.ErrUnauthenticated
	}
	return pr, nil
}

// MustUser returns the principal of ctx; callers have checked RequireUser.
func MustUser(ctx context.Context) *auth.Principal {
	pr := auth.FromContext(ctx)
	if pr == nil {
		panic("access: MustUser called on an anonymous context")
	}
	return pr
}

// Visible returns nil when the principal in ctx may read project, and
// otherwise UNAUTHENTICATED or a NOT_FOUND that names only what was asked
// for, so that nothing about the project leaks.
func (p *Policy) Visible(ctx context.Context, project *models.Project, what string) error {
	if auth.FromContext(ctx) == nil {
		return apperr.ErrUnauthenticated
	}
	if project == nil || p.ProjectPermission(ctx, project) < Read {
		return apperr.NotFoundf("%s not found", what)
	}
	return nil
}
