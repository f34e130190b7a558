// Package project implements the project operations: create, update,
// archive, restore, read and list, each behind the access policy.
package project

import (
	"context"
	"strings"

	"socrates/internal/access"
	"socrates/internal/apperr"
	"socrates/internal/clock"
	"socrates/internal/page"
	"socrates/internal/store"
	"socrates/internal/validate"
	"socrates/models"
)

// Limits on project text fields.
const (
	MaxNameLength        = 200
	MaxDescriptionLength = 5000
	MaxSearchLength      = 200
)

// Service implements the project operations.
type Service struct {
	store  *store.Store
	policy *access.Policy
	now    clock.Clock
}

// NewService returns a project service.
func NewService(s *store.Store, policy *access.Policy, now clock.Clock) *Service {
	return &Service{store: s, policy: policy, now: now}
}

// Get returns a project the viewer may read.
func (s *Service) Get(ctx context.Context, id int64) (*models.Project, error) {
	return s.policy.Readable(ctx, id, "project")
}

// Permission returns the viewer's effective permission on p.
func (s *Service) Permission(ctx context.Context, p *models.Project) (models.ProjectPermission, error) {
	perm, err := s.policy.ProjectPermission(ctx, p)
	return perm.GraphQL(), err
}

// ListInput selects and orders a page of the viewer's projects.
type ListInput struct {
	Page        page.Args
	Status      *models.ProjectStatus
	Search      *string
	OrderBy     *models.ProjectOrder
	Affiliation *models.ProjectAffiliation
}

// List returns a page of the projects the viewer may read.
func (s *Service) List(ctx context.Context, in ListInput) (*models.ProjectConnection, error) {
	pr, err := access.RequireUser(ctx)
	if err != nil {
		return nil, err
	}
	order := models.ProjectOrder{Field: models.ProjectOrderFieldCreatedAt, Direction: models.OrderDirectionDesc}
	if in.OrderBy != nil {
		order = *in.OrderBy
	}
	o := s.store.ProjectOrdering(order.Field, order.Direction)
	r, err := page.Parse(in.Page, o.Name)
	if err != nil {
		return nil, err
	}
	f := store.ProjectFilter{ViewerID: pr.UserID, Status: in.Status, Affiliation: models.ProjectAffiliationAll}
	if in.Affiliation != nil {
		f.Affiliation = *in.Affiliation
	}
	if in.Search != nil {
		if len([]rune(*in.Search)) > MaxSearchLength {
			return nil, apperr.BadInputf("search must be at most %d characters", MaxSearchLength)
		}
		f.Search = *in.Search
	}
	rows, err := s.store.ListProjects(ctx, f, o, r)
	if err != nil {
		return nil, err
	}
	return page.Build(rows, r, o.Cursor, func(ctx context.Context) (int, error) {
		return s.store.CountProjects(ctx, f)
	}), nil
}

// Create makes a project owned by the viewer.
func (s *Service) Create(ctx context.Context, name string, description *string) (*models.Project, error) {
	pr, err := access.RequireUser(ctx)
	if err != nil {
		return nil, err
	}
	v := &apperr.Validation{}
	name = validate.Text(v, "name", name, 1, MaxNameLength)
	description = validate.OptionalText(v, "description", description, MaxDescriptionLength)
	if err := v.Err(); err != nil {
		return nil, err
	}
	now := s.now()
	p := &models.Project{
		OwnerID: pr.UserID, Name: name, NameKey: strings.ToLower(name), Description: description,
		Phase: models.ProjectPhaseDiscovery, Status: models.ProjectStatusActive,
		CreatedAt: now, UpdatedAt: now,
	}
	err = s.store.WithTx(ctx, func(ctx context.Context) error { return s.store.CreateProject(ctx, p) })
	if err != nil {
		return nil, err
	}
	return p, nil
}

// Update renames a project or changes its description; nil leaves a field
// unchanged and an empty description clears it.
func (s *Service) Update(ctx context.Context, id int64, name, description *string) (*models.Project, error) {
	v := &apperr.Validation{}
	if name != nil {
		n := validate.Text(v, "name", *name, 1, MaxNameLength)
		name = &n
	}
	setDescription := description != nil
	description = validate.OptionalText(v, "description", description, MaxDescriptionLength)
	return s.change(ctx, id, access.Admin, func(ctx context.Context, p *models.Project) error {
		if err := v.Err(); err != nil {
			return err
		}
		if p.Status == models.ProjectStatusArchived {
			return apperr.Invalid("projectId", apperr.CodeInvalidState, "the project is archived; restore it first")
		}
		if name != nil {
			p.Name, p.NameKey = *name, strings.ToLower(*name)
		}
		if setDescription {
			p.Description = description
		}
		p.UpdatedAt = s.now()
		return s.store.UpdateProject(ctx, p, "name", "name_key", "description", "updated_at")
	})
}

// Archive archives a project and pauses its active sessions.
func (s *Service) Archive(ctx context.Context, id int64) (*models.Project, error) {
	return s.change(ctx, id, access.Admin, func(ctx context.Context, p *models.Project) error {
		if p.Status == models.ProjectStatusArchived {
			return apperr.Invalid("projectId", apperr.CodeInvalidState, "the project is already archived")
		}
		now := s.now()
		p.Status, p.ArchivedAt, p.UpdatedAt = models.ProjectStatusArchived, &now, now
		if err := s.store.UpdateProject(ctx, p, "status", "archived_at", "updated_at"); err != nil {
			return err
		}
		_, err := s.store.PauseActiveSessions(ctx, p.ID, now)
		return err
	})
}

// Restore makes an archived project active again.
func (s *Service) Restore(ctx context.Context, id int64) (*models.Project, error) {
	return s.change(ctx, id, access.Admin, func(ctx context.Context, p *models.Project) error {
		if p.Status != models.ProjectStatusArchived {
			return apperr.Invalid("projectId", apperr.CodeInvalidState, "the project is not archived")
		}
		p.Status, p.ArchivedAt, p.UpdatedAt = models.ProjectStatusActive, nil, s.now()
		return s.store.UpdateProject(ctx, p, "status", "archived_at", "updated_at")
	})
}

// change runs fn on a locked project in one transaction, after checking the
// viewer holds need on it.
func (s *Service) change(ctx context.Context, id int64, need access.Permission, fn func(ctx context.Context, p *models.Project) error) (*models.Project, error) {
	if _, err := access.RequireUser(ctx); err != nil {
		return nil, err
	}
	return store.InTx(ctx, s.store, func(ctx context.Context) (*models.Project, error) {
		p, err := s.Locked(ctx, id, need)
		if err != nil {
			return nil, err
		}
		return p, fn(ctx, p)
	})
}

// Locked reads a project inside the transaction of ctx, locking it, and
// checks the viewer holds need on it.
func (s *Service) Locked(ctx context.Context, id int64, need access.Permission) (*models.Project, error) {
	p, err := s.store.ProjectForUpdate(ctx, id)
	if err != nil {
		return nil, apperr.NotFoundAs(err, "project")
	}
	if err := s.policy.Require(ctx, p, need); err != nil {
		return nil, err
	}
	return p, nil
}
