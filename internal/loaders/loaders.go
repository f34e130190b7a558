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

	"github.com/99designs/gqlgen/graphql"
	"github.com/graph-gophers/dataloader/v7"

	"socrates/internal/page"
	"socrates/internal/socratic"
	"socrates/internal/store"
	"socrates/models"
)

// maxBatch bounds the keys of one batched statement.
const maxBatch = 500

// Loaders are the dataloaders of one operation.
type Loaders struct {
	User          *dataloader.Loader[int64, *models.User]
	Project       *dataloader.Loader[int64, *models.Project]
	Session       *dataloader.Loader[int64, *models.Session]
	Question      *dataloader.Loader[int64, *models.Question]
	Message       *dataloader.Loader[int64, *models.Message]
	Specification *dataloader.Loader[int64, *models.Specification]
	Conflict      *dataloader.Loader[int64, *models.Conflict]

	SessionPage        *dataloader.Loader[PageKey, []*models.Session]
	SessionCount       *dataloader.Loader[CountKey, int]
	QuestionPage       *dataloader.Loader[PageKey, []*models.Question]
	QuestionCount      *dataloader.Loader[CountKey, int]
	MessagePage        *dataloader.Loader[PageKey, []*models.Message]
	MessageCount       *dataloader.Loader[CountKey, int]
	SpecificationPage  *dataloader.Loader[PageKey, []*models.Specification]
	SpecificationCount *dataloader.Loader[CountKey, int]
	ConflictPage       *dataloader.Loader[PageKey, []*models.Conflict]
	ConflictCount      *dataloader.Loader[CountKey, int]

	QuestionSpecifications *dataloader.Loader[int64, []*models.Specification]
	Supersedes             *dataloader.Loader[int64, []*models.Specification]
	SpecificationConflicts *dataloader.Loader[int64, []*models.Conflict]
	ConflictSpecifications *dataloader.Loader[int64, []*models.Specification]
	CategoryScores         *dataloader.Loader[int64, map[models.SpecCategory]socratic.CategoryScore]
	Usage                  *dataloader.Loader[int64, []store.UsageRow]

	Teams TeamLoaders
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
		User:          newLoader(f, byID(f.store.UsersByIDs, func(u *models.User) int64 { return u.ID })),
		Project:       newLoader(f, byID(f.store.ProjectsByIDs, func(p *models.Project) int64 { return p.ID })),
		Session:       newLoader(f, byID(f.store.SessionsByIDs, func(s *models.Session) int64 { return s.ID })),
		Question:      newLoader(f, byID(f.store.QuestionsByIDs, func(q *models.Question) int64 { return q.ID })),
		Message:       newLoader(f, byID(f.store.MessagesByIDs, func(m *models.Message) int64 { return m.ID })),
		Specification: newLoader(f, byID(f.store.SpecificationsByIDs, func(s *models.Specification) int64 { return s.ID })),
		Conflict:      newLoader(f, byID(f.store.ConflictsByIDs, func(c *models.Conflict) int64 { return c.ID })),
		SessionPage:   newLoader(f, filteredPages(f.store.SessionPages)),
		SessionCount:  newLoader(f, filteredCounts(f.store.SessionCounts)),
		QuestionPage: newLoader(f, pagesWithoutFilter(func(ctx context.Context, ids []int64, r page.Request) (map[int64][]*models.Question, error) {
			return f.store.QuestionPages(ctx, ids, r)
		})),
		QuestionCount: newLoader(f, countsWithoutFilter(f.store.QuestionCounts)),
		MessagePage: newLoader(f, pagesWithoutFilter(func(ctx context.Context, ids []int64, r page.Request) (map[int64][]*models.Message, error) {
			return f.store.MessagePages(ctx, ids, r)
		})),
		MessageCount:           newLoader(f, countsWithoutFilter(f.store.MessageCounts)),
		SpecificationPage:      newLoader(f, filteredPages(f.store.SpecificationPages)),
		SpecificationCount:     newLoader(f, filteredCounts(f.store.SpecificationCounts)),
		ConflictPage:           newLoader(f, filteredPages(f.store.ConflictPages)),
		ConflictCount:          newLoader(f, filteredCounts(f.store.ConflictCounts)),
		QuestionSpecifications: newLoader(f, grouped(f.store.SpecificationsByQuestion)),
		Supersedes:             newLoader(f, grouped(f.store.SpecificationsSupersededBy)),
		SpecificationConflicts: newLoader(f, grouped(f.store.ConflictsOfSpecifications)),
		ConflictSpecifications: newLoader(f, conflictSpecifications(f.store)),
		CategoryScores:         newLoader(f, grouped(f.store.CategoryScores)),
		Usage:                  newLoader(f, grouped(f.store.UsageByProject)),
		Teams:                  f.teamLoaders(),
	}
}

// conflictSpecifications reads each conflict's specifications, existing
// ones first, in two statements for the whole batch.
func conflictSpecifications(st *store.Store) dataloader.BatchFunc[int64, []*models.Specification] {
	return func(ctx context.Context, keys []int64) []*dataloader.Result[[]*models.Specification] {
		ctx = pool(ctx)
		links, err := st.ConflictLinks(ctx, unique(keys))
		var specs map[int64]*models.Specification
		if err == nil {
			var ids []int64
			for _, ls := range links {
				for _, l := range ls {
					ids = append(ids, l.SpecificationID)
				}
			}
			var rows []*models.Specification
			rows, err = st.SpecificationsByIDs(ctx, unique(ids))
			specs = map[int64]*models.Specification{}
			for _, r := range rows {
				specs[r.ID] = r
			}
		}
		return results(keys, func(k int64) ([]*models.Specification, error) {
			if err != nil {
				return nil, err
			}
			var out []*models.Specification
			for _, l := range links[k] {
				if s := specs[l.SpecificationID]; s != nil {
					out = append(out, s)
				}
			}
			return out, nil
		})
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

// For returns the loaders of ctx, or nil outside an operation and inside a
// root field's resolver. A root resolver reads its own objects one after
// another, and batching them would only add the loaders' wait to each read;
// nodes(ids) is the exception, as it reads many at once. Every field below
// the root batches.
func For(ctx context.Context) *Loaders {
	l, _ := ctx.Value(ctxKey{}).(*Loaders)
	if l == nil {
		return nil
	}
	if fc := graphql.GetFieldContext(ctx); fc != nil && len(fc.Path()) == 1 && fc.Field.Name != "nodes" {
		return nil
	}
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

// pool strips any transaction from ctx: loaders always read committed data
// through the pool.
func pool(ctx context.Context) context.Context {
	return store.WithoutTx(ctx)
}
