package store

import (
	"context"
	"fmt"

	"socrates/models"
)

// ProjectContents is everything a project holds besides its own row: its
// sessions, questions, specifications in every status, conflicts, the
// conflicts' links and its documents (without their text), each ordered
// by id (the order they were made in).
type ProjectContents struct {
	Sessions       []*models.Session
	Questions      []*models.Question
	Specifications []*models.Specification
	Conflicts      []*models.Conflict
	// Links are the conflicts' specifications, by conflict, EXISTING
	// before NEW, then by specification id.
	Links []models.ConflictSpecification
	// Documents are the uploaded documents, their text left out.
	Documents []*models.Document
}

// projectLink is a conflict link with the project of its conflict.
type projectLink struct {
	models.ConflictSpecification `bun:",extend"`
	LinkProjectID                int64 `bun:"link_project_id"`
}

// ProjectContents reads the contents of each project in six statements,
// whatever the number of projects and of rows. Every project asked for
// has an entry, empty when it holds nothing.
func (s *Store) ProjectContents(ctx context.Context, projectIDs []int64) (map[int64]*ProjectContents, error) {
	out := make(map[int64]*ProjectContents, len(projectIDs))
	for _, id := range projectIDs {
		out[id] = &ProjectContents{}
	}
	var sessions []*models.Session
	if err := s.scanIDs(ctx, s.DB(ctx).NewSelect().Model(&sessions).Where(s.anyOf("s.project_id")).OrderExpr("s.id"), projectIDs, &sessions); err != nil {
		return nil, fmt.Errorf("project contents: sessions: %w", err)
	}
	for _, r := range sessions {
		out[r.ProjectID].Sessions = append(out[r.ProjectID].Sessions, r)
	}
	var questions []*models.Question
	if err := s.scanIDs(ctx, s.DB(ctx).NewSelect().Model(&questions).Where(s.anyOf("q.project_id")).OrderExpr("q.id"), projectIDs, &questions); err != nil {
		return nil, fmt.Errorf("project contents: questions: %w", err)
	}
	for _, r := range questions {
		out[r.ProjectID].Questions = append(out[r.ProjectID].Questions, r)
	}
	var specs []*models.Specification
	if err := s.scanIDs(ctx, s.DB(ctx).NewSelect().Model(&specs).Where(s.anyOf("sp.project_id")).OrderExpr("sp.id"), projectIDs, &specs); err != nil {
		return nil, fmt.Errorf("project contents: specifications: %w", err)
	}
	for _, r := range specs {
		out[r.ProjectID].Specifications = append(out[r.ProjectID].Specifications, r)
	}
	var conflicts []*models.Conflict
	if err := s.scanIDs(ctx, s.DB(ctx).NewSelect().Model(&conflicts).Where(s.anyOf("c.project_id")).OrderExpr("c.id"), projectIDs, &conflicts); err != nil {
		return nil, fmt.Errorf("project contents: conflicts: %w", err)
	}
	for _, r := range conflicts {
		out[r.ProjectID].Conflicts = append(out[r.ProjectID].Conflicts, r)
	}
	var links []*projectLink
	q := s.DB(ctx).NewSelect().Model(&links).ColumnExpr("cs.*").ColumnExpr("c.project_id AS link_project_id").
		Join("JOIN conflicts AS c ON c.id = cs.conflict_id").
		Where(s.anyOf("c.project_id")).OrderExpr("cs.conflict_id, cs.role, cs.specification_id")
	if err := s.scanIDs(ctx, q, projectIDs, &links); err != nil {
		return nil, fmt.Errorf("project contents: conflict links: %w", err)
	}
	for _, r := range links {
		out[r.LinkProjectID].Links = append(out[r.LinkProjectID].Links, r.ConflictSpecification)
	}
	var docs []*models.Document
	q = s.DB(ctx).NewSelect().Model(&docs).ExcludeColumn("text").Where(s.anyOf("doc.project_id")).OrderExpr("doc.id")
	if err := s.scanIDs(ctx, q, projectIDs, &docs); err != nil {
		return nil, fmt.Errorf("project contents: documents: %w", err)
	}
	for _, r := range docs {
		out[r.ProjectID].Documents = append(out[r.ProjectID].Documents, r)
	}
	return out, nil
}
