// Package loaders batches the nested reads of one GraphQL operation: every
// edge (Project.owner, Project.sessions, Session.project, …) goes through a
// dataloader built for that operation alone. Before the fields below a root
// field run, a Planner reads what the query selects, one statement per
// edge for all the parents at once, and primes the loaders with it, so the
// field resolvers find their rows without waiting for a batch window; what
// the planner does not cover is still batched by the loaders' window.
// Loaders read through the connection pool, never through a transaction,
// and return results in key order with a not-found error for each missing
// key.
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
	User          *Loader[int64, *models.User]
	Project       *Loader[int64, *models.Project]
	Session       *Loader[int64, *models.Session]
	Question      *Loader[int64, *models.Question]
	Message       *Loader[int64, *models.Message]
	Specification *Loader[int64, *models.Specification]
	Conflict      *Loader[int64, *models.Conflict]

	SessionPage        *Loader[PageKey[store.SessionFilter], []*models.Session]
	SessionCount       *Loader[CountKey[store.SessionFilter], int]
	QuestionPage       *Loader[PageKey[NoFilter], []*models.Question]
	QuestionCount      *Loader[CountKey[NoFilter], int]
	MessagePage        *Loader[PageKey[NoFilter], []*models.Message]
	MessageCount       *Loader[CountKey[NoFilter], int]
	SpecificationPage  *Loader[PageKey[store.SpecFilter], []*models.Specification]
	SpecificationCount *Loader[CountKey[store.SpecFilter], int]
	ConflictPage       *Loader[PageKey[store.ConflictFilter], []*models.Conflict]
	ConflictCount      *Loader[CountKey[store.ConflictFilter], int]

	QuestionSpecifications *Loader[int64, []*models.Specification]
	Supersedes             *Loader[int64, []*models.Specification]
	SpecificationConflicts *Loader[int64, []*models.Conflict]
	ConflictSpecifications *Loader[int64, []*models.Specification]
	CategoryScores         *Loader[int64, map[models.SpecCategory]socratic.CategoryScore]
	Usage                  *Loader[int64, []store.UsageRow]

	Teams TeamLoaders
}

// NoFilter is the filter of lists that take none.
type NoFilter struct{}

// PageKey asks for one page of a parent's children: Filter and Page decide
// which rows, so keys with equal ones share a statement.
type PageKey[F comparable] struct {
	Parent int64
	Filter F
	Page   page.Request
}

// CountKey asks for the number of a parent's children matching Filter.
type CountKey[F comparable] struct {
	Parent int64
	Filter F
}

// Loader is a dataloader that can also be filled ahead of its loads.
type Loader[K comparable, V any] struct {
	*dataloader.Loader[K, V]
	batch dataloader.BatchFunc[K, V]
	cache *dataloader.InMemoryCache[K, V]
}

// Fill reads keys in batches of at most maxBatch keys and primes the
// loader with every value found, so later loads of those keys return at
// once (a key loaded before keeps its value). A key whose read failed is
// left for a later load to report.
func (l *Loader[K, V]) Fill(ctx context.Context, keys []K) {
	for len(keys) > 0 {
		n := min(len(keys), maxBatch)
		chunk := keys[:n]
		keys = keys[n:]
		for i, r := range l.batch(ctx, chunk) {
			if r.Error == nil {
				l.Prime(ctx, chunk[i], r.Data)
			}
		}
	}
}

// Values returns the values of the keys loaded or being loaded (waiting
// for those in flight), without reading any other: a key not loaded, or
// whose read failed, has none.
func (l *Loader[K, V]) Values(ctx context.Context, keys []K) map[K]V {
	out := make(map[K]V, len(keys))
	for _, k := range keys {
		if thunk, ok := l.cache.Get(ctx, k); ok {
			if v, err := thunk(); err == nil {
				out[k] = v
			}
		}
	}
	return out
}

// Factory builds the loaders of each operation.
type Factory struct {
	store *store.Store
	wait  time.Duration
}

// NewFactory returns a factory whose loaders collect keys for wait before
// running a batch that the planner did not fill.
func NewFactory(s *store.Store, wait time.Duration) *Factory {
	return &Factory{store: s, wait: wait}
}

// New returns fresh loaders with empty caches.
func (f *Factory) New() *Loaders {
	s := f.store
	sessions, questions, messages := sessionList(s), questionList(s), messageList(s)
	specs, conflicts := specificationList(s), conflictList(s)
	return &Loaders{
		User:                   newLoader(f, byID(s.UsersByIDs, func(u *models.User) int64 { return u.ID })),
		Project:                newLoader(f, byID(s.ProjectsByIDs, func(p *models.Project) int64 { return p.ID })),
		Session:                newLoader(f, byID(s.SessionsByIDs, func(s *models.Session) int64 { return s.ID })),
		Question:               newLoader(f, byID(s.QuestionsByIDs, func(q *models.Question) int64 { return q.ID })),
		Message:                newLoader(f, byID(s.MessagesByIDs, func(m *models.Message) int64 { return m.ID })),
		Specification:          newLoader(f, byID(s.SpecificationsByIDs, func(s *models.Specification) int64 { return s.ID })),
		Conflict:               newLoader(f, byID(s.ConflictsByIDs, func(c *models.Conflict) int64 { return c.ID })),
		SessionPage:            newLoader(f, pages(sessions.readPage)),
		SessionCount:           newLoader(f, counts(sessions.readCount)),
		QuestionPage:           newLoader(f, pages(questions.readPage)),
		QuestionCount:          newLoader(f, counts(questions.readCount)),
		MessagePage:            newLoader(f, pages(messages.readPage)),
		MessageCount:           newLoader(f, counts(messages.readCount)),
		SpecificationPage:      newLoader(f, pages(specs.readPage)),
		SpecificationCount:     newLoader(f, counts(specs.readCount)),
		ConflictPage:           newLoader(f, pages(conflicts.readPage)),
		ConflictCount:          newLoader(f, counts(conflicts.readCount)),
		QuestionSpecifications: newLoader(f, grouped(s.SpecificationsByQuestion)),
		Supersedes:             newLoader(f, grouped(s.SpecificationsSupersededBy)),
		SpecificationConflicts: newLoader(f, grouped(s.ConflictsOfSpecifications)),
		ConflictSpecifications: newLoader(f, grouped(s.SpecificationsOfConflicts)),
		CategoryScores:         newLoader(f, grouped(s.CategoryScores)),
		Usage:                  newLoader(f, grouped(s.UsageByProject)),
		Teams:                  f.teamLoaders(),
	}
}

func newLoader[K comparable, V any](f *Factory, fn dataloader.BatchFunc[K, V]) *Loader[K, V] {
	cache := dataloader.NewCache[K, V]()
	return &Loader[K, V]{
		Loader: dataloader.NewBatchedLoader(fn,
			dataloader.WithWait[K, V](f.wait),
			dataloader.WithBatchCapacity[K, V](maxBatch),
			dataloader.WithCache[K, V](cache),
		),
		batch: fn,
		cache: cache,
	}
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
	if fc := graphql.GetFieldContext(ctx); fc != nil && IsRoot(fc) && fc.Field.Name != "nodes" {
		return nil
	}
	return l
}

// IsRoot reports whether fc is a root field of its operation (its parent,
// if any, is the operation's own context, which has no parent).
func IsRoot(fc *graphql.FieldContext) bool {
	return fc.Parent == nil || fc.Parent.Parent == nil
}

// NotFoundError is the result of a key that has no row.
type NotFoundError struct {
	Key any
}

// Error implements error.
func (e *NotFoundError) Error() string { return fmt.Sprintf("no row for key %v", e.Key) }

// Unwrap lets errors.Is match store.ErrNotFound.
func (e *NotFoundError) Unwrap() error { return store.ErrNotFound }

// pool strips any transaction from ctx: loaders always read committed data
// through the pool.
func pool(ctx context.Context) context.Context {
	return store.WithoutTx(ctx)
}

// Of returns the loaders of ctx, nil outside an operation; unlike For, it
// answers inside root resolvers too, for the planner.
func Of(ctx context.Context) *Loaders {
	l, _ := ctx.Value(ctxKey{}).(*Loaders)
	return l
}
