package store

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/uptrace/bun"

	"socrates/internal/page"
	"socrates/models"
)

// ProjectFilter selects the projects of a list.
type ProjectFilter struct {
	// ViewerID restricts the list to projects this user may read.
	ViewerID int64
	// Status keeps only projects in this status, when set.
	Status *models.ProjectStatus
	// Search keeps projects whose name or description contains it, ignoring case.
	Search string
	// Affiliation keeps owned projects, shared ones, or both (the default).
	Affiliation models.ProjectAffiliation
}

// sharedWith selects the ids of projects shared with a team of the user
// bound to $1.
const sharedWith = "p.id IN (SELECT ps.project_id FROM project_shares AS ps JOIN team_members AS tm ON tm.team_id = ps.team_id WHERE tm.user_id = $1)"

// projectList selects the projects f selects. The viewer's id is bound to
// $1 rather than written into the text, so a viewer's lists (the root of
// most reads) share one text, which PostgreSQL plans once per connection;
// run it with s.run and f.ViewerID.
func (s *Store) projectList(ctx context.Context, f ProjectFilter) *bun.SelectQuery {
	q := s.DB(ctx).NewSelect().Model((*models.Project)(nil))
	switch f.Affiliation {
	case models.ProjectAffiliationOwned:
		q = q.Where("p.owner_id = $1")
	case models.ProjectAffiliationShared:
		q = q.Where("p.owner_id <> $1").Where(sharedWith)
	default:
		q = q.WhereGroup(" AND ", func(q *bun.SelectQuery) *bun.SelectQuery {
			return q.Where("p.owner_id = $1").WhereOr(sharedWith)
		})
	}
	if f.Status != nil {
		q = q.Where("p.status = ?", *f.Status)
	}
	if f.Search != "" {
		pattern := likePattern(f.Search)
		q = q.WhereGroup(" AND ", func(q *bun.SelectQuery) *bun.SelectQuery {
			return q.Where(`lower(p.name) LIKE ? ESCAPE '\'`, pattern).
				WhereOr(`lower(coalesce(p.description, '')) LIKE ? ESCAPE '\'`, pattern)
		})
	}
	return q
}

// ListProjects returns one page of the projects f selects, in o's order.
func (s *Store) ListProjects(ctx context.Context, f ProjectFilter, o Ordering[*models.Project], r page.Request) ([]*models.Project, error) {
	var rows []*models.Project
	q, err := o.Page(s.projectList(ctx, f).Model(&rows), r)
	if err != nil {
		return nil, err
	}
	if err := s.run(ctx, q, []any{f.ViewerID}, []any{&rows}); err != nil {
		return nil, fmt.Errorf("list projects: %w", err)
	}
	return rows, nil
}

// CountProjects counts the projects f selects.
func (s *Store) CountProjects(ctx context.Context, f ProjectFilter) (int, error) {
	var n int
	if err := s.run(ctx, s.projectList(ctx, f).ColumnExpr("count(*)"), []any{f.ViewerID}, []any{&n}); err != nil {
		return 0, fmt.Errorf("count projects: %w", err)
	}
	return n, nil
}

// ProjectOrdering returns the keyset ordering for a project list.
func (s *Store) ProjectOrdering(field models.ProjectOrderField, dir models.OrderDirection) Ordering[*models.Project] {
	o := Ordering[*models.Project]{
		Name: string(field),
		ID:   "p.id",
		Desc: dir == models.OrderDirectionDesc,
		Key:  func(p *models.Project) int64 { return p.ID },
	}
	switch field {
	case models.ProjectOrderFieldUpdatedAt:
		o.Expr, o.Kind = "p.updated_at", KindTime
		o.Value = func(p *models.Project) string { return TimeValue(p.UpdatedAt) }
	case models.ProjectOrderFieldName:
		// name_key is the lower-cased name, so that "alpha" and "Bravo"
		// sort as people expect on either database.
		o.Expr, o.Kind = "p.name_key", KindString
		o.Value = func(p *models.Project) string { return p.NameKey }
	case models.ProjectOrderFieldMaturity:
		o.Expr, o.Kind = "p.maturity", KindInt
		o.Value = func(p *models.Project) string { return strconv.Itoa(p.Maturity) }
	}
	return o
}

// ProjectForUpdate reads a project inside the transaction of ctx and
// locks it until the transaction ends (see forUpdate), so concurrent
// changes of one project queue.
func (s *Store) ProjectForUpdate(ctx context.Context, id int64) (*models.Project, error) {
	return rowForUpdate[models.Project](ctx, s, "project", "p.id", id)
}

// ProjectsByIDs returns the projects with the given ids, in no particular order.
func (s *Store) ProjectsByIDs(ctx context.Context, ids []int64) ([]*models.Project, error) {
	return byIDs[models.Project](ctx, s, "projects", "p.id", ids)
}

// CreateProject inserts p and sets its id.
func (s *Store) CreateProject(ctx context.Context, p *models.Project) error {
	if _, err := s.DB(ctx).NewInsert().Model(p).Exec(ctx); err != nil {
		return fmt.Errorf("insert project: %w", err)
	}
	return nil
}

// SetMaturityAtCommit writes p's maturity and updated_at when the
// transaction in ctx commits (see atcommit.go); a later call for the same
// project in the same transaction replaces this one.
func (s *Store) SetMaturityAtCommit(ctx context.Context, p *models.Project) error {
	return s.writeAtCommit(ctx, maturityKey{p.ID}, "set project maturity", s.DB(ctx).NewUpdate().Model((*models.Project)(nil)).
		Set("maturity = ?", p.Maturity).Set("updated_at = ?", p.UpdatedAt).Where("id = ?", p.ID))
}

// maturityKey queues one maturity per project and transaction.
type maturityKey struct{ projectID int64 }

// UpdateProject writes the given columns of p.
func (s *Store) UpdateProject(ctx context.Context, p *models.Project, columns ...string) error {
	if _, err := s.DB(ctx).NewUpdate().Model(p).Column(columns...).WherePK().Exec(ctx); err != nil {
		return fmt.Errorf("update project: %w", err)
	}
	return nil
}

// forUpdate makes q a read for update: it must run inside the transaction
// of ctx (outside one it is an error, not a read without a lock) and, on
// PostgreSQL, locks the rows it reads of the tables named by of (every
// table when of is empty) until the transaction ends. SQLite transactions
// here are BEGIN IMMEDIATE and already exclusive.
func (s *Store) forUpdate(ctx context.Context, q *bun.SelectQuery, of string) (*bun.SelectQuery, error) {
	if !HasTx(ctx) {
		return nil, errors.New("a read for update outside a transaction")
	}
	if !s.pg {
		return q, nil
	}
	if of != "" {
		return q.For("UPDATE OF " + of), nil
	}
	return q.For("UPDATE"), nil
}

// rowForUpdate reads the row of model T whose column idCol is id, for
// update (see forUpdate); what names it in errors, and no row is
// ErrNotFound.
func rowForUpdate[T any](ctx context.Context, s *Store, what, idCol string, id int64) (*T, error) {
	q, err := s.forUpdate(ctx, s.DB(ctx).NewSelect().Model((*T)(nil)).Where(idCol+" = $1"), "")
	if err != nil {
		return nil, fmt.Errorf("%s for update: %w", what, err)
	}
	row, err := one[T](ctx, s, q, id)
	return row, rowErr(err, what+" for update")
}
