package export

import (
	"context"
	"fmt"

	"socrates/internal/access"
	"socrates/internal/apperr"
	"socrates/internal/store"
	"socrates/models"
)

// Reader reads everything a project holds, batched within an operation.
type Reader interface {
	Contents(ctx context.Context, projectID int64) (*store.ProjectContents, error)
}

// Projects reads a project the viewer may read.
type Projects interface {
	Get(ctx context.Context, id int64) (*models.Project, error)
}

// Policy checks the viewer's permission on a project.
type Policy interface {
	Require(ctx context.Context, project *models.Project, need access.Permission) error
}

// Service builds exports of projects for the viewer.
type Service struct {
	read     Reader
	projects Projects
	policy   Policy
}

// NewService returns an export service.
func NewService(read Reader, projects Projects, policy Policy) *Service {
	return &Service{read: read, projects: projects, policy: policy}
}

// Project exports a project the caller has read, after checking that the
// viewer may read it. Its contents are read in a fixed number of
// statements through the pool, and rendered once they are all read.
func (s *Service) Project(ctx context.Context, p *models.Project, f models.ExportFormat, history bool) (*models.Export, error) {
	if !f.IsValid() {
		return nil, apperr.BadInputf("unknown export format %q; use MARKDOWN, JSON, YAML or CSV", f)
	}
	if err := s.policy.Require(ctx, p, access.Read); err != nil {
		return nil, err
	}
	c, err := s.read.Contents(ctx, p.ID)
	if err != nil {
		return nil, fmt.Errorf("export project %d: %w", p.ID, err)
	}
	if c == nil {
		c = &store.ProjectContents{}
	}
	content, err := Render(Build(Snapshot{
		Project: p, Sessions: c.Sessions, Questions: c.Questions, Specifications: c.Specifications,
		Conflicts: c.Conflicts, Links: c.Links, Documents: c.Documents,
	}, history), f)
	if err != nil {
		return nil, err
	}
	return &models.Export{Format: f, Filename: Filename(p.Name, f), MimeType: MimeType(f), Content: content}, nil
}

// ByID exports the project with the given id: NOT_FOUND when it does not
// exist or the viewer may not read it, UNAUTHENTICATED when anonymous.
func (s *Service) ByID(ctx context.Context, projectID int64, f models.ExportFormat, history bool) (*models.Export, error) {
	p, err := s.projects.Get(ctx, projectID)
	if err != nil {
		return nil, err
	}
	return s.Project(ctx, p, f, history)
}
