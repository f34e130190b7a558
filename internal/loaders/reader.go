package loaders

import (
	"context"

	"github.com/graph-gophers/dataloader/v7"

	"socrates/internal/store"
	"socrates/models"
)

// Reader reads single objects by id: through the operation's loaders when
// ctx carries them, so that reads from many resolvers share one statement,
// and straight from the pool otherwise.
type Reader struct {
	store *store.Store
}

// NewReader returns a Reader over s.
func NewReader(s *store.Store) *Reader { return &Reader{store: s} }

// User reads one user.
func (r *Reader) User(ctx context.Context, id int64) (*models.User, error) {
	return load(ctx, id, func(l *Loaders) *dataloader.Loader[int64, *models.User] { return l.User }, r.store.UsersByIDs)
}

// Project reads one project.
func (r *Reader) Project(ctx context.Context, id int64) (*models.Project, error) {
	return load(ctx, id, func(l *Loaders) *dataloader.Loader[int64, *models.Project] { return l.Project }, r.store.ProjectsByIDs)
}

// Session reads one session.
func (r *Reader) Session(ctx context.Context, id int64) (*models.Session, error) {
	return load(ctx, id, func(l *Loaders) *dataloader.Loader[int64, *models.Session] { return l.Session }, r.store.SessionsByIDs)
}

func load[V any](ctx context.Context, id int64, pick func(*Loaders) *dataloader.Loader[int64, V],
	direct func(context.Context, []int64) ([]V, error),
) (V, error) {
	if l := For(ctx); l != nil {
		return pick(l).Load(ctx, id)()
	}
	rows, err := direct(pool(ctx), []int64{id})
	if err != nil || len(rows) == 0 {
		var zero V
		if err == nil {
			err = &NotFoundError{Key: id}
		}
		return zero, err
	}
	return rows[0], nil
}
