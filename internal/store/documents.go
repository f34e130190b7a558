package store

import (
	"context"
	"fmt"

	"github.com/uptrace/bun"

	"socrates/internal/page"
	"socrates/models"
)

// DocumentOrdering orders a project's documents, newest first.
func DocumentOrdering() Ordering[*models.Document] {
	return Ordering[*models.Document]{
		Name: "DOCUMENT", ID: "doc.id", Desc: true,
		Key: func(d *models.Document) int64 { return d.ID },
	}
}

// CreateDocument inserts a document; the database adds it to the search
// index in the same statement (a generated column or a trigger).
func (s *Store) CreateDocument(ctx context.Context, d *models.Document) error {
	return s.insert(ctx, "document", d)
}

// DocumentForUpdate reads a document inside the transaction of ctx and
// locks it until the transaction ends (see forUpdate).
func (s *Store) DocumentForUpdate(ctx context.Context, id int64) (*models.Document, error) {
	return rowForUpdate[models.Document](ctx, s, "document", "doc.id", id)
}

// DeleteDocument deletes a document; the database takes it out of the
// search index in the same statement.
func (s *Store) DeleteDocument(ctx context.Context, id int64) error {
	if _, err := s.DB(ctx).NewDelete().Model((*models.Document)(nil)).Where("id = ?", id).Exec(ctx); err != nil {
		return fmt.Errorf("delete document: %w", err)
	}
	return nil
}

// DocumentsByIDs reads documents by id.
func (s *Store) DocumentsByIDs(ctx context.Context, ids []int64) ([]*models.Document, error) {
	return byIDs[models.Document](ctx, s, "documents", "doc.id", ids)
}

func (s *Store) documentList(ctx context.Context) *bun.SelectQuery {
	return s.DB(ctx).NewSelect().Model((*models.Document)(nil)).Where(s.anyOf("doc.project_id"))
}

// DocumentPages reads a page of documents per project in one statement.
func (s *Store) DocumentPages(ctx context.Context, projectIDs []int64, r page.Request) (map[int64][]*models.Document, error) {
	return pagesByParent(ctx, s, s.documentList(ctx), "doc", "doc.project_id",
		DocumentOrdering(), r, projectIDs, func(d *models.Document) int64 { return d.ProjectID })
}

// DocumentCounts counts the documents of each project.
func (s *Store) DocumentCounts(ctx context.Context, projectIDs []int64) (map[int64]int, error) {
	return countByParent(ctx, s, s.documentList(ctx), "doc.project_id", projectIDs)
}
