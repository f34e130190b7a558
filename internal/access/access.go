// Package access is the one authorization policy of the service: what a
// principal may do with a project. Every path into the graph (root fields,
// node(id), nested edges, mutations, subscriptions) asks it, and a principal
// that may not read a project cannot tell it from one that does not exist.
package access

import (
	"context"
	"fmt"

	"socrates/internal/apperr"
	"socrates/internal/auth"
	"socrates/internal/store"
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

// Reader reads what the policy decides on: projects, and what a user holds
// on a project through team shares.
type Reader interface {
	Project(ctx context.Context, id int64) (*models.Project, error)
	Grants(ctx context.Context, userID, projectID int64) ([]store.Grant, error)
}

// Policy decides access to projects.
type Policy struct {
	read Reader
}

// NewPolicy returns the policy, reading projects and shares through read.
func NewPolicy(read Reader) *Policy { return &Policy{read: read} }

// FromShare is the permission a share gives a member with a role: a VIEWER
// gets at most READ.
func FromShare(perm models.ProjectPermission, role models.TeamRole) Permission {
	var p Permission
	switch perm {
	case models.ProjectPermissionAdmin:
		p = Admin
	case models.ProjectPermissionWrite:
		p = Write
	case models.ProjectPermissionRead:
		p = Read
	}
	if role == models.TeamRoleViewer && p > Read {
		p = Read
	}
	return p
}

// ProjectPermission returns the effective permission of the principal in
// ctx on project: the highest of ownership and of every share through a
// team the user belongs to, capped at READ for a read-only API token.
func (p *Policy) ProjectPermission(ctx context.Context, project *models.Project) (Permission, error) {
	pr := auth.FromContext(ctx)
	if pr == nil || project == nil {
		return None, nil
	}
	perm := None
	if project.OwnerID == pr.UserID {
		perm = Owner
	} else {
		grants, err := p.read.Grants(ctx, pr.UserID, project.ID)
		if err != nil {
			return None, fmt.Errorf("read project grants: %w", err)
		}
		for _, g := range grants {
			perm = max(perm, FromShare(g.Permission, g.Role))
		}
	}
	if pr.ReadOnly && perm > Read {
		perm = Read
	}
	return perm, nil
}

// Require returns nil when the principal in ctx holds at least need on
// project: UNAUTHENTICATED when anonymous, NOT_FOUND when it may not even
// read the project, FORBIDDEN when it may read but not do this.
func (p *Policy) Require(ctx context.Context, project *models.Project, need Permission) error {
	if auth.FromContext(ctx) == nil {
		return apperr.ErrUnauthenticated
	}
	have, err := p.ProjectPermission(ctx, project)
	if err != nil {
		return err
	}
	switch {
	case have >= need:
		return nil
	case have == None:
		return apperr.NotFoundOf("project")
	default:
		return apperr.Forbiddenf("this needs %s permission on the project", need.GraphQL())
	}
}

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
	if project == nil {
		return apperr.NotFoundOf(what)
	}
	have, err := p.ProjectPermission(ctx, project)
	if err != nil {
		return err
	}
	if have < Read {
		return apperr.NotFoundOf(what)
	}
	return nil
}

// Readable reads the project that holds what and returns it when the
// principal may read it: the principal must be signed in, the project must
// exist and the principal must be allowed to read it; otherwise the error
// names only what.
func (p *Policy) Readable(ctx context.Context, projectID int64, what string) (*models.Project, error) {
	if _, err := RequireUser(ctx); err != nil {
		return nil, err
	}
	project, err := p.read.Project(ctx, projectID)
	if err != nil {
		return nil, apperr.NotFoundAs(err, what)
	}
	if err := p.Visible(ctx, project, what); err != nil {
		return nil, err
	}
	return project, nil
}

// RequireHuman refuses API tokens: they may not manage credentials.
func RequireHuman(ctx context.Context) (*auth.Principal, error) {
	pr, err := RequireUser(ctx)
	if err != nil {
		return nil, err
	}
	if pr.IsToken() {
		return nil, apperr.Forbiddenf("API tokens cannot manage credentials; sign in as the user")
	}
	return pr, nil
}
