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
	"sync/atomic"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/graph-gophers/dataloader/v7"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"

	"socrates/internal/page"
	"socrates/internal/socratic"
	"socrates/internal/store"
	"socrates/models"
)

// maxBatch bounds the keys of one batched statement.
const maxBatch = 500

// Loaders are the dataloaders of one operation. Each is made the first
// time the operation asks for it: most operations use a few of them.
type Loaders struct {
	f                      *Factory
	user                   atomic.Pointer[Loader[int64, *models.User]]
	project                atomic.Pointer[Loader[int64, *models.Project]]
	session                atomic.Pointer[Loader[int64, *models.Session]]
	question               atomic.Pointer[Loader[int64, *models.Question]]
	message                atomic.Pointer[Loader[int64, *models.Message]]
	specification          atomic.Pointer[Loader[int64, *models.Specification]]
	conflict               atomic.Pointer[Loader[int64, *models.Conflict]]
	sessionPage            atomic.Pointer[Loader[PageKey[store.SessionFilter], []*models.Session]]
	sessionCount           atomic.Pointer[Loader[CountKey[store.SessionFilter], int]]
	questionPage           atomic.Pointer[Loader[PageKey[NoFilter], []*models.Question]]
	questionCount          atomic.Pointer[Loader[CountKey[NoFilter], int]]
	messagePage            atomic.Pointer[Loader[PageKey[NoFilter], []*models.Message]]
	messageCount           atomic.Pointer[Loader[CountKey[NoFilter], int]]
	specificationPage      atomic.Pointer[Loader[PageKey[store.SpecFilter], []*models.Specification]]
	specificationCount     atomic.Pointer[Loader[CountKey[store.SpecFilter], int]]
	conflictPage           atomic.Pointer[Loader[PageKey[store.ConflictFilter], []*models.Conflict]]
	conflictCount          atomic.Pointer[Loader[CountKey[store.ConflictFilter], int]]
	questionSpecifications atomic.Pointer[Loader[int64, []*models.Specification]]
	supersedes             atomic.Pointer[Loader[int64, []*models.Specification]]
	specificationConflicts atomic.Pointer[Loader[int64, []*models.Conflict]]
	conflictSpecifications atomic.Pointer[Loader[int64, []*models.Specification]]
	categoryScores         atomic.Pointer[Loader[int64, map[models.SpecCategory]socratic.CategoryScore]]
	usage                  atomic.Pointer[Loader[int64, []store.UsageRow]]
	contents               atomic.Pointer[Loader[int64, *store.ProjectContents]]
	grants                 atomic.Pointer[Loader[UserKey, []store.Grant]]
	roles                  atomic.Pointer[Loader[UserKey, models.TeamRole]]
	team                   atomic.Pointer[Loader[int64, *models.Team]]
	aPIToken               atomic.Pointer[Loader[int64, *models.APIToken]]
	activity               atomic.Pointer[Loader[int64, *models.Activity]]
	shares                 atomic.Pointer[Loader[int64, []*models.ProjectShare]]
	memberPage             atomic.Pointer[Loader[PageKey[NoFilter], []*models.TeamMember]]
	memberCount            atomic.Pointer[Loader[CountKey[NoFilter], int]]
	teamProjects           atomic.Pointer[Loader[PageKey[NoFilter], []*models.Project]]
	teamProjCount          atomic.Pointer[Loader[CountKey[NoFilter], int]]
	tokenPage              atomic.Pointer[Loader[PageKey[NoFilter], []*models.APIToken]]
	tokenCount             atomic.Pointer[Loader[CountKey[NoFilter], int]]
	activityPage           atomic.Pointer[Loader[PageKey[store.ActivityScope], []*models.Activity]]
	activityCount          atomic.Pointer[Loader[CountKey[store.ActivityScope], int]]
	generation             atomic.Pointer[Loader[int64, *models.CodeGeneration]]
	generatedFile          atomic.Pointer[Loader[int64, *models.GeneratedFile]]
	generationPage         atomic.Pointer[Loader[PageKey[NoFilter], []*models.CodeGeneration]]
	generationCount        atomic.Pointer[Loader[CountKey[NoFilter], int]]
	filePage               atomic.Pointer[Loader[PageKey[NoFilter], []*models.GeneratedFile]]
	fileCount              atomic.Pointer[Loader[CountKey[NoFilter], int]]
	document               atomic.Pointer[Loader[int64, *models.Document]]
	documentPage           atomic.Pointer[Loader[PageKey[NoFilter], []*models.Document]]
	documentCount          atomic.Pointer[Loader[CountKey[NoFilter], int]]
}

// Document batches the reads of documents by id.
func (l *Loaders) Document() *Loader[int64, *models.Document] {
	return lazy(l, "Document", &l.document, func(f *Factory) dataloader.BatchFunc[int64, *models.Document] {
		return byID(f.store.DocumentsByIDs, func(d *models.Document) int64 { return d.ID })
	})
}

// DocumentPage batches the reads of pages of a project's documents.
func (l *Loaders) DocumentPage() *Loader[PageKey[NoFilter], []*models.Document] {
	return lazy(l, "DocumentPage", &l.documentPage, func(f *Factory) dataloader.BatchFunc[PageKey[NoFilter], []*models.Document] {
		return pages(documentList(f.store).readPage)
	})
}

// DocumentCount batches the counts of a project's documents.
func (l *Loaders) DocumentCount() *Loader[CountKey[NoFilter], int] {
	return lazy(l, "DocumentCount", &l.documentCount, func(f *Factory) dataloader.BatchFunc[CountKey[NoFilter], int] {
		return counts(documentList(f.store).readCount)
	})
}

// Generation batches the reads of code generations by id.
func (l *Loaders) Generation() *Loader[int64, *models.CodeGeneration] {
	return lazy(l, "Generation", &l.generation, func(f *Factory) dataloader.BatchFunc[int64, *models.CodeGeneration] {
		return byID(f.store.GenerationsByIDs, func(g *models.CodeGeneration) int64 { return g.ID })
	})
}

// GeneratedFile batches the reads of generated files by id.
func (l *Loaders) GeneratedFile() *Loader[int64, *models.GeneratedFile] {
	return lazy(l, "GeneratedFile", &l.generatedFile, func(f *Factory) dataloader.BatchFunc[int64, *models.GeneratedFile] {
		return byID(f.store.GeneratedFilesByIDs, func(g *models.GeneratedFile) int64 { return g.ID })
	})
}

// GenerationPage batches the reads of pages of a project's code generations.
func (l *Loaders) GenerationPage() *Loader[PageKey[NoFilter], []*models.CodeGeneration] {
	return lazy(l, "GenerationPage", &l.generationPage, func(f *Factory) dataloader.BatchFunc[PageKey[NoFilter], []*models.CodeGeneration] {
		return pages(generationList(f.store).readPage)
	})
}

// GenerationCount batches the counts of a project's code generations.
func (l *Loaders) GenerationCount() *Loader[CountKey[NoFilter], int] {
	return lazy(l, "GenerationCount", &l.generationCount, func(f *Factory) dataloader.BatchFunc[CountKey[NoFilter], int] {
		return counts(generationList(f.store).readCount)
	})
}

// FilePage batches the reads of pages of a generation's files.
func (l *Loaders) FilePage() *Loader[PageKey[NoFilter], []*models.GeneratedFile] {
	return lazy(l, "FilePage", &l.filePage, func(f *Factory) dataloader.BatchFunc[PageKey[NoFilter], []*models.GeneratedFile] {
		return pages(generatedFileList(f.store).readPage)
	})
}

// FileCount batches the counts of a generation's files.
func (l *Loaders) FileCount() *Loader[CountKey[NoFilter], int] {
	return lazy(l, "FileCount", &l.fileCount, func(f *Factory) dataloader.BatchFunc[CountKey[NoFilter], int] {
		return counts(generatedFileList(f.store).readCount)
	})
}

// User batches the reads of users by id.
func (l *Loaders) User() *Loader[int64, *models.User] {
	return lazy(l, "User", &l.user, func(f *Factory) dataloader.BatchFunc[int64, *models.User] {
		return byID(f.store.UsersByIDs, func(u *models.User) int64 { return u.ID })
	})
}

// Project batches the reads of projects by id.
func (l *Loaders) Project() *Loader[int64, *models.Project] {
	return lazy(l, "Project", &l.project, func(f *Factory) dataloader.BatchFunc[int64, *models.Project] {
		return byID(f.store.ProjectsByIDs, func(p *models.Project) int64 { return p.ID })
	})
}

// Session batches the reads of sessions by id.
func (l *Loaders) Session() *Loader[int64, *models.Session] {
	return lazy(l, "Session", &l.session, func(f *Factory) dataloader.BatchFunc[int64, *models.Session] {
		return byID(f.store.SessionsByIDs, func(s *models.Session) int64 { return s.ID })
	})
}

// Question batches the reads of questions by id.
func (l *Loaders) Question() *Loader[int64, *models.Question] {
	return lazy(l, "Question", &l.question, func(f *Factory) dataloader.BatchFunc[int64, *models.Question] {
		return byID(f.store.QuestionsByIDs, func(q *models.Question) int64 { return q.ID })
	})
}

// Message batches the reads of messages by id.
func (l *Loaders) Message() *Loader[int64, *models.Message] {
	return lazy(l, "Message", &l.message, func(f *Factory) dataloader.BatchFunc[int64, *models.Message] {
		return byID(f.store.MessagesByIDs, func(m *models.Message) int64 { return m.ID })
	})
}

// Specification batches the reads of specifications by id.
func (l *Loaders) Specification() *Loader[int64, *models.Specification] {
	return lazy(l, "Specification", &l.specification, func(f *Factory) dataloader.BatchFunc[int64, *models.Specification] {
		return byID(f.store.SpecificationsByIDs, func(s *models.Specification) int64 { return s.ID })
	})
}

// Conflict batches the reads of conflicts by id.
func (l *Loaders) Conflict() *Loader[int64, *models.Conflict] {
	return lazy(l, "Conflict", &l.conflict, func(f *Factory) dataloader.BatchFunc[int64, *models.Conflict] {
		return byID(f.store.ConflictsByIDs, func(c *models.Conflict) int64 { return c.ID })
	})
}

// SessionPage batches the reads of pages of a project's sessions.
func (l *Loaders) SessionPage() *Loader[PageKey[store.SessionFilter], []*models.Session] {
	return lazy(l, "SessionPage", &l.sessionPage, func(f *Factory) dataloader.BatchFunc[PageKey[store.SessionFilter], []*models.Session] {
		return pages(sessionList(f.store).readPage)
	})
}

// SessionCount batches the reads of counts of a project's sessions.
func (l *Loaders) SessionCount() *Loader[CountKey[store.SessionFilter], int] {
	return lazy(l, "SessionCount", &l.sessionCount, func(f *Factory) dataloader.BatchFunc[CountKey[store.SessionFilter], int] {
		return counts(sessionList(f.store).readCount)
	})
}

// QuestionPage batches the reads of pages of a session's questions.
func (l *Loaders) QuestionPage() *Loader[PageKey[NoFilter], []*models.Question] {
	return lazy(l, "QuestionPage", &l.questionPage, func(f *Factory) dataloader.BatchFunc[PageKey[NoFilter], []*models.Question] {
		return pages(questionList(f.store).readPage)
	})
}

// QuestionCount batches the reads of counts of a session's questions.
func (l *Loaders) QuestionCount() *Loader[CountKey[NoFilter], int] {
	return lazy(l, "QuestionCount", &l.questionCount, func(f *Factory) dataloader.BatchFunc[CountKey[NoFilter], int] {
		return counts(questionList(f.store).readCount)
	})
}

// MessagePage batches the reads of pages of a session's messages.
func (l *Loaders) MessagePage() *Loader[PageKey[NoFilter], []*models.Message] {
	return lazy(l, "MessagePage", &l.messagePage, func(f *Factory) dataloader.BatchFunc[PageKey[NoFilter], []*models.Message] {
		return pages(messageList(f.store).readPage)
	})
}

// MessageCount batches the reads of counts of a session's messages.
func (l *Loaders) MessageCount() *Loader[CountKey[NoFilter], int] {
	return lazy(l, "MessageCount", &l.messageCount, func(f *Factory) dataloader.BatchFunc[CountKey[NoFilter], int] {
		return counts(messageList(f.store).readCount)
	})
}

// SpecificationPage batches the reads of pages of a project's specifications.
func (l *Loaders) SpecificationPage() *Loader[PageKey[store.SpecFilter], []*models.Specification] {
	return lazy(l, "SpecificationPage", &l.specificationPage, func(f *Factory) dataloader.BatchFunc[PageKey[store.SpecFilter], []*models.Specification] {
		return pages(specificationList(f.store).readPage)
	})
}

// SpecificationCount batches the reads of counts of a project's specifications.
func (l *Loaders) SpecificationCount() *Loader[CountKey[store.SpecFilter], int] {
	return lazy(l, "SpecificationCount", &l.specificationCount, func(f *Factory) dataloader.BatchFunc[CountKey[store.SpecFilter], int] {
		return counts(specificationList(f.store).readCount)
	})
}

// ConflictPage batches the reads of pages of a project's conflicts.
func (l *Loaders) ConflictPage() *Loader[PageKey[store.ConflictFilter], []*models.Conflict] {
	return lazy(l, "ConflictPage", &l.conflictPage, func(f *Factory) dataloader.BatchFunc[PageKey[store.ConflictFilter], []*models.Conflict] {
		return pages(conflictList(f.store).readPage)
	})
}

// ConflictCount batches the reads of counts of a project's conflicts.
func (l *Loaders) ConflictCount() *Loader[CountKey[store.ConflictFilter], int] {
	return lazy(l, "ConflictCount", &l.conflictCount, func(f *Factory) dataloader.BatchFunc[CountKey[store.ConflictFilter], int] {
		return counts(conflictList(f.store).readCount)
	})
}

// QuestionSpecifications batches the reads of the specifications of questions.
func (l *Loaders) QuestionSpecifications() *Loader[int64, []*models.Specification] {
	return lazy(l, "QuestionSpecifications", &l.questionSpecifications, func(f *Factory) dataloader.BatchFunc[int64, []*models.Specification] {
		return grouped(f.store.SpecificationsByQuestion)
	})
}

// Supersedes batches the reads of the specifications specifications replaced.
func (l *Loaders) Supersedes() *Loader[int64, []*models.Specification] {
	return lazy(l, "Supersedes", &l.supersedes, func(f *Factory) dataloader.BatchFunc[int64, []*models.Specification] {
		return grouped(f.store.SpecificationsSupersededBy)
	})
}

// SpecificationConflicts batches the reads of the conflicts of specifications.
func (l *Loaders) SpecificationConflicts() *Loader[int64, []*models.Conflict] {
	return lazy(l, "SpecificationConflicts", &l.specificationConflicts, func(f *Factory) dataloader.BatchFunc[int64, []*models.Conflict] {
		return grouped(f.store.ConflictsOfSpecifications)
	})
}

// ConflictSpecifications batches the reads of the specifications of conflicts.
func (l *Loaders) ConflictSpecifications() *Loader[int64, []*models.Specification] {
	return lazy(l, "ConflictSpecifications", &l.conflictSpecifications, func(f *Factory) dataloader.BatchFunc[int64, []*models.Specification] {
		return grouped(f.store.SpecificationsOfConflicts)
	})
}

// CategoryScores batches the reads of projects' evidence per category.
func (l *Loaders) CategoryScores() *Loader[int64, map[models.SpecCategory]socratic.CategoryScore] {
	return lazy(l, "CategoryScores", &l.categoryScores, func(f *Factory) dataloader.BatchFunc[int64, map[models.SpecCategory]socratic.CategoryScore] {
		return grouped(f.store.CategoryScores)
	})
}

// Contents batches the reads of everything projects hold, for exports.
func (l *Loaders) Contents() *Loader[int64, *store.ProjectContents] {
	return lazy(l, "Contents", &l.contents, func(f *Factory) dataloader.BatchFunc[int64, *store.ProjectContents] {
		return grouped(f.store.ProjectContents)
	})
}

// Usage batches the reads of projects' language-model usage.
func (l *Loaders) Usage() *Loader[int64, []store.UsageRow] {
	return lazy(l, "Usage", &l.usage, func(f *Factory) dataloader.BatchFunc[int64, []store.UsageRow] { return grouped(f.store.UsageByProject) })
}

// Grants batches the reads of what users hold on projects through shares.
func (l *Loaders) Grants() *Loader[UserKey, []store.Grant] {
	return lazy(l, "Grants", &l.grants, func(f *Factory) dataloader.BatchFunc[UserKey, []store.Grant] { return perUser(f.store.Grants) })
}

// Roles batches the reads of users' roles in teams.
func (l *Loaders) Roles() *Loader[UserKey, models.TeamRole] {
	return lazy(l, "Roles", &l.roles, func(f *Factory) dataloader.BatchFunc[UserKey, models.TeamRole] { return perUser(f.store.Roles) })
}

// Team batches the reads of teams by id.
func (l *Loaders) Team() *Loader[int64, *models.Team] {
	return lazy(l, "Team", &l.team, func(f *Factory) dataloader.BatchFunc[int64, *models.Team] {
		return byID(f.store.TeamsByIDs, func(t *models.Team) int64 { return t.ID })
	})
}

// APIToken batches the reads of API tokens by id.
func (l *Loaders) APIToken() *Loader[int64, *models.APIToken] {
	return lazy(l, "APIToken", &l.aPIToken, func(f *Factory) dataloader.BatchFunc[int64, *models.APIToken] {
		return byID(f.store.APITokensByIDs, func(t *models.APIToken) int64 { return t.ID })
	})
}

// Activity batches the reads of activity records by id.
func (l *Loaders) Activity() *Loader[int64, *models.Activity] {
	return lazy(l, "Activity", &l.activity, func(f *Factory) dataloader.BatchFunc[int64, *models.Activity] {
		return byID(f.store.ActivitiesByIDs, func(a *models.Activity) int64 { return a.ID })
	})
}

// Shares batches the reads of projects' shares.
func (l *Loaders) Shares() *Loader[int64, []*models.ProjectShare] {
	return lazy(l, "Shares", &l.shares, func(f *Factory) dataloader.BatchFunc[int64, []*models.ProjectShare] {
		return grouped(f.store.SharesOfProjects)
	})
}

// MemberPage batches the reads of pages of a team's members.
func (l *Loaders) MemberPage() *Loader[PageKey[NoFilter], []*models.TeamMember] {
	return lazy(l, "MemberPage", &l.memberPage, func(f *Factory) dataloader.BatchFunc[PageKey[NoFilter], []*models.TeamMember] {
		return pages(memberList(f.store).readPage)
	})
}

// MemberCount batches the reads of counts of a team's members.
func (l *Loaders) MemberCount() *Loader[CountKey[NoFilter], int] {
	return lazy(l, "MemberCount", &l.memberCount, func(f *Factory) dataloader.BatchFunc[CountKey[NoFilter], int] {
		return counts(memberList(f.store).readCount)
	})
}

// TeamProjects batches the reads of pages of a team's shared projects.
func (l *Loaders) TeamProjects() *Loader[PageKey[NoFilter], []*models.Project] {
	return lazy(l, "TeamProjects", &l.teamProjects, func(f *Factory) dataloader.BatchFunc[PageKey[NoFilter], []*models.Project] {
		return pages(teamProjectList(f.store).readPage)
	})
}

// TeamProjCount batches the reads of counts of a team's shared projects.
func (l *Loaders) TeamProjCount() *Loader[CountKey[NoFilter], int] {
	return lazy(l, "TeamProjCount", &l.teamProjCount, func(f *Factory) dataloader.BatchFunc[CountKey[NoFilter], int] {
		return counts(teamProjectList(f.store).readCount)
	})
}

// TokenPage batches the reads of pages of a user's API tokens.
func (l *Loaders) TokenPage() *Loader[PageKey[NoFilter], []*models.APIToken] {
	return lazy(l, "TokenPage", &l.tokenPage, func(f *Factory) dataloader.BatchFunc[PageKey[NoFilter], []*models.APIToken] {
		return pages(tokenList(f.store).readPage)
	})
}

// TokenCount batches the reads of counts of a user's API tokens.
func (l *Loaders) TokenCount() *Loader[CountKey[NoFilter], int] {
	return lazy(l, "TokenCount", &l.tokenCount, func(f *Factory) dataloader.BatchFunc[CountKey[NoFilter], int] {
		return counts(tokenList(f.store).readCount)
	})
}

// ActivityPage batches the reads of pages of activity.
func (l *Loaders) ActivityPage() *Loader[PageKey[store.ActivityScope], []*models.Activity] {
	return lazy(l, "ActivityPage", &l.activityPage, func(f *Factory) dataloader.BatchFunc[PageKey[store.ActivityScope], []*models.Activity] {
		return pages(activityList(f.store).readPage)
	})
}

// ActivityCount batches the reads of counts of activity.
func (l *Loaders) ActivityCount() *Loader[CountKey[store.ActivityScope], int] {
	return lazy(l, "ActivityCount", &l.activityCount, func(f *Factory) dataloader.BatchFunc[CountKey[store.ActivityScope], int] {
		return counts(activityList(f.store).readCount)
	})
}

// lazy returns the loader in slot, making it with batch the first time.
func lazy[K comparable, V any](l *Loaders, name string, slot *atomic.Pointer[Loader[K, V]], batch func(*Factory) dataloader.BatchFunc[K, V]) *Loader[K, V] {
	if ld := slot.Load(); ld != nil {
		return ld
	}
	if ld := newLoader(l.f, name, batch(l.f)); slot.CompareAndSwap(nil, ld) {
		return ld
	}
	return slot.Load()
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
	store   *store.Store
	wait    time.Duration
	tracer  trace.Tracer
	batches BatchObserver
}

// BatchObserver is told the size of each batch a loader runs (the
// server's metrics).
type BatchObserver interface {
	ObserveBatch(loader string, keys int)
}

// NewFactory returns a factory whose loaders collect keys for wait before
// running a batch that the planner did not fill. Each batch, filled by
// the planner or gathered in the window, is a span of tp's and is
// reported to batches (nil for none).
func NewFactory(s *store.Store, wait time.Duration, tp trace.TracerProvider, batches BatchObserver) *Factory {
	if tp == nil {
		tp = noop.NewTracerProvider()
	}
	return &Factory{store: s, wait: wait, tracer: tp.Tracer("socrates/internal/loaders"), batches: batches}
}

// New returns fresh loaders with empty caches.
func (f *Factory) New() *Loaders { return &Loaders{f: f} }

// observed wraps a loader's batch function: a span (only inside a traced
// request) and the batch's size.
func observed[K comparable, V any](f *Factory, name string, fn dataloader.BatchFunc[K, V]) dataloader.BatchFunc[K, V] {
	spanName := "loader " + name
	return func(ctx context.Context, keys []K) []*dataloader.Result[V] {
		if f.batches != nil {
			f.batches.ObserveBatch(name, len(keys))
		}
		if !trace.SpanContextFromContext(ctx).IsValid() {
			return fn(ctx, keys)
		}
		ctx, span := f.tracer.Start(ctx, spanName, trace.WithAttributes(attribute.Int("socrates.loader.keys", len(keys))))
		defer span.End()
		return fn(ctx, keys)
	}
}

func newLoader[K comparable, V any](f *Factory, name string, fn dataloader.BatchFunc[K, V]) *Loader[K, V] {
	fn = observed(f, name, fn)
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
