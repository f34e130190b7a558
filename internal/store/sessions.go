package store

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"

	"socrates/internal/page"
	"socrates/models"
)

// SessionOrdering is the order of a project's sessions: newest first.
func SessionOrdering() Ordering[*models.Session] {
	return Ordering[*models.Session]{
		Name: "SESSION", ID: "s.id", Desc: true,
		Key: func(s *models.Session) int64 { return s.ID },
	}
}

// CreateSession inserts a session and sets its id.
func (s *Store) CreateSession(ctx context.Context, sess *models.Session) error {
	if _, err := s.DB(ctx).NewInsert().Model(sess).Exec(ctx); err != nil {
		return fmt.Errorf("insert session: %w", err)
	}
	return nil
}

// SessionForUpdate reads a session inside the transaction of ctx and
// locks it until the transaction ends (see forUpdate).
func (s *Store) SessionForUpdate(ctx context.Context, id int64) (*models.Session, error) {
	return rowForUpdate[models.Session](ctx, s, "session", "s.id", id)
}

// SessionsByIDs returns the sessions with the given ids, in no particular order.
func (s *Store) SessionsByIDs(ctx context.Context, ids []int64) ([]*models.Session, error) {
	return byIDs[models.Session](ctx, s, "sessions", "s.id", ids)
}

// UpdateSession writes the given columns of a session.
func (s *Store) UpdateSession(ctx context.Context, sess *models.Session, columns ...string) error {
	if _, err := s.DB(ctx).NewUpdate().Model(sess).Column(columns...).WherePK().Exec(ctx); err != nil {
		return fmt.Errorf("update session: %w", err)
	}
	return nil
}

// PauseActiveSessions pauses every active session of a project and returns
// how many it paused.
func (s *Store) PauseActiveSessions(ctx context.Context, projectID int64, now time.Time) (int, error) {
	res, err := s.DB(ctx).NewUpdate().Model((*models.Session)(nil)).
		Set("status = ?", models.SessionStatusPaused).Set("updated_at = ?", now).
		Where("project_id = ?", projectID).Where("status = ?", models.SessionStatusActive).
		Exec(ctx)
	if err != nil {
		return 0, fmt.Errorf("pause sessions: %w", err)
	}
	n, err := res.RowsAffected()
	return int(n), err
}

// SessionFilter selects a project's sessions; the zero value selects all.
type SessionFilter struct {
	Status models.SessionStatus
}

func (s *Store) sessionList(ctx context.Context, f SessionFilter) *bun.SelectQuery {
	q := s.DB(ctx).NewSelect().Model((*models.Session)(nil)).Where(s.anyOf("s.project_id"))
	if f.Status != "" {
		q = q.Where("s.status = ?", f.Status)
	}
	return q
}

// SessionPages reads one page of sessions for each project in one statement.
func (s *Store) SessionPages(ctx context.Context, projectIDs []int64, f SessionFilter, r page.Request) (map[int64][]*models.Session, error) {
	return pagesByParent(ctx, s, s.sessionList(ctx, f), "s", "s.project_id",
		SessionOrdering(), r, projectIDs, func(x *models.Session) int64 { return x.ProjectID })
}

// SessionCounts counts the sessions of each project in one statement.
func (s *Store) SessionCounts(ctx context.Context, projectIDs []int64, f SessionFilter) (map[int64]int, error) {
	return countByParent(ctx, s, s.sessionList(ctx, f), "s.project_id", projectIDs)
}
