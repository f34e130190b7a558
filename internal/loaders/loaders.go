// Package loaders batches the nested reads of one GraphQL operation: every
// edge (Project.owner, Project.sessions, Session.project, …) goes through a
// dataloader built for that operation alone, so a page of N parents costs a
// constant number of statements. Loaders read through the connection pool,
// never through a transaction, and return results in key order with a
// not-found error for each missing key.
package loaders

import (
	"context"
	"fmt"
	"time"

	"github.com/graph-gophers/dataloader/v7"

	"socrates/internal/page"
	"socrates/internal/store"
	"socrates/models"
)

// maxBatch bounds the keys of one batched statement.
const maxBatch = 500

// Loaders are the dataloaders of one operation.
type Loaders struct {
	User         *dataloader.Loader[int64, *models.User]
	Project      *dataloader.Loader[int64, *models.Project]
	Session      *dataloader.Loader[int64, *models.Session]
	SessionPage  *dataloader.Loader[PageKey, []*models.Session]
	SessionCount *dataloader.Loader[CountKey, int]
}

// PageKey asks for one page of a parent's children; Filter and Page
// (page.Request.Key) decide which rows, so equal ones share a statement.
type PageKey struct {
	Parent int64
	Filter string
	Page   string
}

// CountKey asks for the number of a parent's children matching Filter.
type CountKey struct {
	Parent int64
	Filter string
}

// Factory builds the loaders of each operation.
type Factory struct {
	store *store.Store
	wait  time.Duration
}

// NewFactory returns a factory whose loaders collect keys for wait before
// running a batch.
func NewFactory(s *store.Store, wait time.Duration) *Factory {
	return &Factory{store: s, wait: wait}
}

// New returns fresh loaders with empty caches.
func (f *Factory) New() *Loaders {
	return &Loaders{
		User:         newLoader(f, byID(f.store.UsersByIDs, func(u *models.User) int64 { return u.ID })),
		Project:      newLoader(f, byID(f.store.ProjectsByIDs, func(p *models.Project) int64 { return p.ID })),
		Session:      newLoader(f, byID(f.store.SessionsByIDs, func(s *models.Session) int64 { return s.ID })),
		SessionPage:  newLoader(f, f.sessionPages),
		SessionCount: newLoader(f, f.sessionCounts),
	}
}

func newLoader[K comparable, V any](f *Factory, fn dataloader.BatchFunc[K, V]) *dataloader.Loader[K, V] {
	return dataloader.NewBatchedLoader(fn,
		dataloader.WithWait[K, V](f.wait),
		dataloader.WithBatchCapacity[K, V](maxBatch),
	)
}

type ctxKey struct{}

// Attach returns ctx carrying l.
func Attach(ctx context.Context, l *Loaders) context.Context {
	return context.WithValue(ctx, ctxKey{}, l)
}

// For returns the loaders of ctx, or nil outside an operation.
func For(ctx context.Context) *Loaders {
	l, _ := ctx.Value(ctxKey{}).(*Loaders)
	return l
}

// NotFoundError is the result of a key that has no row.
type NotFoundError struct {
	Key any
}

// Error implements error.
func (e *NotFoundError) Error() string { return fmt.Sprintf("no row for key %v", e.Key) }

// Unwrap lets errors.Is match store.ErrNotFound.
func (e *NotFoundError) Unwrap() error { return store.ErrNotFound }

// byID adapts a multi-row read into a batch function returning rows in key
// order.
func byID[V any](read func(context.Context, []int64) ([]V, error), idOf func(V) int64) dataloader.BatchFunc[int64, V] {
	return func(ctx context.Context, keys []int64) []*dataloader.Result[V] {
		rows, err := read(pool(ctx), unique(keys))
		found := make(map[int64]V, len(rows))
		for _, r := range rows {
			found[idOf(r)] = r
		}
		return results(keys, func(k int64) (V, error) {
			if err != nil {
				var zero V
				return zero, err
			}
			v, ok := found[k]
			if !ok {
				return v, &NotFoundError{Key: k}
			}
			return v, nil
		})
	}
}

func (f *Factory) sessionPages(ctx context.Context, keys []PageKey) []*dataloader.Result[[]*models.Session] {
	return groupedPages(ctx, keys, func(ctx context.Context, parents []int64, filter string, r page.Request) (map[int64][]*models.Session, error) {
		return f.store.SessionPages(ctx, parents, sessionStatus(filter), r)
	})
}

func (f *Factory) sessionCounts(ctx context.Context, keys []CountKey) []*dataloader.Result[int] {
	return groupedCounts(ctx, keys, func(ctx context.Context, parents []int64, filter string) (map[int64]int, error) {
		return f.store.SessionCounts(ctx, parents, sessionStatus(filter))
	})
}

// SessionFilter encodes the status filter of Project.sessions as a key part.
func SessionFilter(status *models.SessionStatus) string {
	if status == nil {
		return ""
	}
	return string(*status)
}

func sessionStatus(filter string) *models.SessionStatus {
	if filter == "" {
		return nil
	}
	s := models.SessionStatus(filter)
	return &s
}

// pool strips any transaction from ctx: loaders always read committed data
// through the pool.
func pool(ctx context.Context) context.Context {
	return store.WithoutTx(ctx)
}
