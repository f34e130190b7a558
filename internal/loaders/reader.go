package loaders

import (
	"context"

	"socrates/internal/apperr"
	"socrates/internal/page"
	"socrates/internal/socratic"
	"socrates/internal/store"
	"socrates/models"
)

// Reader reads objects by id and the lists below them: through the
// operation's loaders when ctx carries them, so that reads from many
// resolvers share one statement (or find what the planner read ahead),
// and straight from the pool otherwise.
type Reader struct {
	store *store.Store

	sessions       list[store.SessionFilter, *models.Session]
	questions      list[NoFilter, *models.Question]
	messages       list[NoFilter, *models.Message]
	specifications list[store.SpecFilter, *models.Specification]
	conflicts      list[store.ConflictFilter, *models.Conflict]
	members        list[NoFilter, *models.TeamMember]
	teamProjects   list[NoFilter, *models.Project]
	tokens         list[NoFilter, *models.APIToken]
	activities     list[store.ActivityScope, *models.Activity]
	generations    list[NoFilter, *models.CodeGeneration]
	files          list[NoFilter, *models.GeneratedFile]
	documents      list[NoFilter, *models.Document]
}

// NewReader returns a Reader over s.
func NewReader(s *store.Store) *Reader {
	return &Reader{
		store: s, sessions: sessionList(s), questions: questionList(s), messages: messageList(s),
		specifications: specificationList(s), conflicts: conflictList(s), members: memberList(s),
		teamProjects: teamProjectList(s), tokens: tokenList(s), activities: activityList(s),
		generations: generationList(s), files: generatedFileList(s), documents: documentList(s),
	}
}

// User reads one user.
func (r *Reader) User(ctx context.Context, id int64) (*models.User, error) {
	return load(ctx, id, func(l *Loaders) *Loader[int64, *models.User] { return l.User() }, r.store.UsersByIDs)
}

// Project reads one project.
func (r *Reader) Project(ctx context.Context, id int64) (*models.Project, error) {
	return load(ctx, id, func(l *Loaders) *Loader[int64, *models.Project] { return l.Project() }, r.store.ProjectsByIDs)
}

// Session reads one session.
func (r *Reader) Session(ctx context.Context, id int64) (*models.Session, error) {
	return load(ctx, id, func(l *Loaders) *Loader[int64, *models.Session] { return l.Session() }, r.store.SessionsByIDs)
}

// Question reads one question.
func (r *Reader) Question(ctx context.Context, id int64) (*models.Question, error) {
	return load(ctx, id, func(l *Loaders) *Loader[int64, *models.Question] { return l.Question() }, r.store.QuestionsByIDs)
}

// Message reads one message.
func (r *Reader) Message(ctx context.Context, id int64) (*models.Message, error) {
	return load(ctx, id, func(l *Loaders) *Loader[int64, *models.Message] { return l.Message() }, r.store.MessagesByIDs)
}

// Specification reads one specification.
func (r *Reader) Specification(ctx context.Context, id int64) (*models.Specification, error) {
	return load(ctx, id, func(l *Loaders) *Loader[int64, *models.Specification] { return l.Specification() }, r.store.SpecificationsByIDs)
}

// Conflict reads one conflict.
func (r *Reader) Conflict(ctx context.Context, id int64) (*models.Conflict, error) {
	return load(ctx, id, func(l *Loaders) *Loader[int64, *models.Conflict] { return l.Conflict() }, r.store.ConflictsByIDs)
}

func load[V any](ctx context.Context, id int64, pick func(*Loaders) *Loader[int64, V],
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

// children reads what a parent has, batched when ctx has loaders.
func children[V any](ctx context.Context, parent int64, pick func(*Loaders) *Loader[int64, V],
	direct func(context.Context, []int64) (map[int64]V, error),
) (V, error) {
	if l := For(ctx); l != nil {
		return pick(l).Load(ctx, parent)()
	}
	m, err := direct(pool(ctx), []int64{parent})
	return m[parent], err
}

// QuestionSpecifications reads the specifications extracted from a question's answer.
func (r *Reader) QuestionSpecifications(ctx context.Context, questionID int64) ([]*models.Specification, error) {
	return children(ctx, questionID, func(l *Loaders) *Loader[int64, []*models.Specification] { return l.QuestionSpecifications() },
		r.store.SpecificationsByQuestion)
}

// Supersedes reads the specifications a specification replaced.
func (r *Reader) Supersedes(ctx context.Context, specID int64) ([]*models.Specification, error) {
	return children(ctx, specID, func(l *Loaders) *Loader[int64, []*models.Specification] { return l.Supersedes() },
		r.store.SpecificationsSupersededBy)
}

// SpecificationConflicts reads the conflicts a specification is part of.
func (r *Reader) SpecificationConflicts(ctx context.Context, specID int64) ([]*models.Conflict, error) {
	return children(ctx, specID, func(l *Loaders) *Loader[int64, []*models.Conflict] { return l.SpecificationConflicts() },
		r.store.ConflictsOfSpecifications)
}

// ConflictSpecifications reads a conflict's specifications, existing first.
func (r *Reader) ConflictSpecifications(ctx context.Context, conflictID int64) ([]*models.Specification, error) {
	return children(ctx, conflictID, func(l *Loaders) *Loader[int64, []*models.Specification] { return l.ConflictSpecifications() },
		r.store.SpecificationsOfConflicts)
}

// CategoryScores reads the evidence per category of a project.
func (r *Reader) CategoryScores(ctx context.Context, projectID int64) (map[models.SpecCategory]socratic.CategoryScore, error) {
	return children(ctx, projectID, func(l *Loaders) *Loader[int64, map[models.SpecCategory]socratic.CategoryScore] {
		return l.CategoryScores()
	}, r.store.CategoryScores)
}

// Contents reads everything a project holds (sessions, questions,
// specifications in every status, conflicts and their links), batched
// with the other projects of the operation.
func (r *Reader) Contents(ctx context.Context, projectID int64) (*store.ProjectContents, error) {
	return children(ctx, projectID, func(l *Loaders) *Loader[int64, *store.ProjectContents] { return l.Contents() }, r.store.ProjectContents)
}

// Usage reads a project's language-model usage per provider and model.
func (r *Reader) Usage(ctx context.Context, projectID int64) ([]store.UsageRow, error) {
	return children(ctx, projectID, func(l *Loaders) *Loader[int64, []store.UsageRow] { return l.Usage() }, r.store.UsageByProject)
}

// list describes a paged child list: its ordering, its loaders and its
// reads, for a filter of type F.
type list[F comparable, T any] struct {
	ordering  store.Ordering[T]
	pageOf    func(*Loaders) *Loader[PageKey[F], []T]
	countOf   func(*Loaders) *Loader[CountKey[F], int]
	readPage  func(ctx context.Context, parents []int64, f F, r page.Request) (map[int64][]T, error)
	readCount func(ctx context.Context, parents []int64, f F) (map[int64]int, error)
}

// withoutFilter adapts the reads of a list that takes no filter.
func withoutFilter[T any](o store.Ordering[T],
	pageOf func(*Loaders) *Loader[PageKey[NoFilter], []T], countOf func(*Loaders) *Loader[CountKey[NoFilter], int],
	readPage func(context.Context, []int64, page.Request) (map[int64][]T, error),
	readCount func(context.Context, []int64) (map[int64]int, error),
) list[NoFilter, T] {
	return list[NoFilter, T]{
		ordering: o, pageOf: pageOf, countOf: countOf,
		readPage: func(ctx context.Context, parents []int64, _ NoFilter, r page.Request) (map[int64][]T, error) {
			return readPage(ctx, parents, r)
		},
		readCount: func(ctx context.Context, parents []int64, _ NoFilter) (map[int64]int, error) {
			return readCount(ctx, parents)
		},
	}
}

func sessionList(s *store.Store) list[store.SessionFilter, *models.Session] {
	return list[store.SessionFilter, *models.Session]{
		ordering:  store.SessionOrdering(),
		pageOf:    func(l *Loaders) *Loader[PageKey[store.SessionFilter], []*models.Session] { return l.SessionPage() },
		countOf:   func(l *Loaders) *Loader[CountKey[store.SessionFilter], int] { return l.SessionCount() },
		readPage:  s.SessionPages,
		readCount: s.SessionCounts,
	}
}

func questionList(s *store.Store) list[NoFilter, *models.Question] {
	return withoutFilter(store.QuestionOrdering(),
		func(l *Loaders) *Loader[PageKey[NoFilter], []*models.Question] { return l.QuestionPage() },
		func(l *Loaders) *Loader[CountKey[NoFilter], int] { return l.QuestionCount() },
		s.QuestionPages, s.QuestionCounts)
}

func messageList(s *store.Store) list[NoFilter, *models.Message] {
	return withoutFilter(store.MessageOrdering(),
		func(l *Loaders) *Loader[PageKey[NoFilter], []*models.Message] { return l.MessagePage() },
		func(l *Loaders) *Loader[CountKey[NoFilter], int] { return l.MessageCount() },
		s.MessagePages, s.MessageCounts)
}

func specificationList(s *store.Store) list[store.SpecFilter, *models.Specification] {
	return list[store.SpecFilter, *models.Specification]{
		ordering: store.SpecOrdering(),
		pageOf: func(l *Loaders) *Loader[PageKey[store.SpecFilter], []*models.Specification] {
			return l.SpecificationPage()
		},
		countOf:   func(l *Loaders) *Loader[CountKey[store.SpecFilter], int] { return l.SpecificationCount() },
		readPage:  s.SpecificationPages,
		readCount: s.SpecificationCounts,
	}
}

func conflictList(s *store.Store) list[store.ConflictFilter, *models.Conflict] {
	return list[store.ConflictFilter, *models.Conflict]{
		ordering:  store.ConflictOrdering(),
		pageOf:    func(l *Loaders) *Loader[PageKey[store.ConflictFilter], []*models.Conflict] { return l.ConflictPage() },
		countOf:   func(l *Loaders) *Loader[CountKey[store.ConflictFilter], int] { return l.ConflictCount() },
		readPage:  s.ConflictPages,
		readCount: s.ConflictCounts,
	}
}

// connection reads one page of a parent's children and counts them on
// demand, through the operation's loaders when ctx has them.
func connection[F comparable, T any](ctx context.Context, l list[F, T], parent int64, f F, args page.Args) (*models.Connection[T], error) {
	r, err := page.Parse(args, l.ordering.Name)
	if err != nil {
		return nil, err
	}
	var rows []T
	if ld := For(ctx); ld != nil {
		rows, err = l.pageOf(ld).Load(ctx, PageKey[F]{Parent: parent, Filter: f, Page: r})()
	} else {
		var m map[int64][]T
		m, err = l.readPage(pool(ctx), []int64{parent}, f, r)
		rows = m[parent]
	}
	if err != nil {
		return nil, err
	}
	count := func(ctx context.Context) (int, error) { return countOf(ctx, l, parent, f) }
	return page.Build(rows, r, l.ordering.Cursor, count), nil
}

// countOf counts a parent's children matching f, through the operation's
// loaders when ctx has them.
func countOf[F comparable, T any](ctx context.Context, l list[F, T], parent int64, f F) (int, error) {
	if ld := For(ctx); ld != nil {
		return l.countOf(ld).Load(ctx, CountKey[F]{Parent: parent, Filter: f})()
	}
	m, err := l.readCount(pool(ctx), []int64{parent}, f)
	return m[parent], err
}

// Sessions returns a page of a project's sessions, newest first.
func (r *Reader) Sessions(ctx context.Context, projectID int64, f store.SessionFilter, args page.Args) (*models.SessionConnection, error) {
	return connection(ctx, r.sessions, projectID, f, args)
}

// Questions returns a page of a session's questions, oldest first.
func (r *Reader) Questions(ctx context.Context, sessionID int64, args page.Args) (*models.QuestionConnection, error) {
	return connection(ctx, r.questions, sessionID, NoFilter{}, args)
}

// Messages returns a page of a session's conversation, oldest first.
func (r *Reader) Messages(ctx context.Context, sessionID int64, args page.Args) (*models.MessageConnection, error) {
	return connection(ctx, r.messages, sessionID, NoFilter{}, args)
}

// Specifications returns a page of a project's specifications, oldest first.
func (r *Reader) Specifications(ctx context.Context, projectID int64, f store.SpecFilter, args page.Args) (*models.SpecificationConnection, error) {
	return connection(ctx, r.specifications, projectID, f, args)
}

// Conflicts returns a page of a project's conflicts, newest first.
func (r *Reader) Conflicts(ctx context.Context, projectID int64, f store.ConflictFilter, args page.Args) (*models.ConflictConnection, error) {
	return connection(ctx, r.conflicts, projectID, f, args)
}

// ConflictCount counts a project's conflicts matching f.
func (r *Reader) ConflictCount(ctx context.Context, projectID int64, f store.ConflictFilter) (int, error) {
	return countOf(ctx, r.conflicts, projectID, f)
}

func generationList(s *store.Store) list[NoFilter, *models.CodeGeneration] {
	return withoutFilter(store.GenerationOrdering(),
		func(l *Loaders) *Loader[PageKey[NoFilter], []*models.CodeGeneration] { return l.GenerationPage() },
		func(l *Loaders) *Loader[CountKey[NoFilter], int] { return l.GenerationCount() },
		s.GenerationPages, s.GenerationCounts)
}

func generatedFileList(s *store.Store) list[NoFilter, *models.GeneratedFile] {
	return withoutFilter(store.GeneratedFileOrdering(),
		func(l *Loaders) *Loader[PageKey[NoFilter], []*models.GeneratedFile] { return l.FilePage() },
		func(l *Loaders) *Loader[CountKey[NoFilter], int] { return l.FileCount() },
		s.GeneratedFilePages, s.GeneratedFileCounts)
}

// Generation reads one code generation.
func (r *Reader) Generation(ctx context.Context, id int64) (*models.CodeGeneration, error) {
	return load(ctx, id, func(l *Loaders) *Loader[int64, *models.CodeGeneration] { return l.Generation() }, r.store.GenerationsByIDs)
}

// GeneratedFile reads one generated file.
func (r *Reader) GeneratedFile(ctx context.Context, id int64) (*models.GeneratedFile, error) {
	return load(ctx, id, func(l *Loaders) *Loader[int64, *models.GeneratedFile] { return l.GeneratedFile() }, r.store.GeneratedFilesByIDs)
}

// Generations returns a page of a project's code generations, newest first.
func (r *Reader) Generations(ctx context.Context, projectID int64, args page.Args) (*models.CodeGenerationConnection, error) {
	return connection(ctx, r.generations, projectID, NoFilter{}, args)
}

// GeneratedFiles returns a page of a generation's files, in path order.
func (r *Reader) GeneratedFiles(ctx context.Context, generationID int64, args page.Args) (*models.GeneratedFileConnection, error) {
	return connection(ctx, r.files, generationID, NoFilter{}, args)
}

func documentList(s *store.Store) list[NoFilter, *models.Document] {
	return withoutFilter(store.DocumentOrdering(),
		func(l *Loaders) *Loader[PageKey[NoFilter], []*models.Document] { return l.DocumentPage() },
		func(l *Loaders) *Loader[CountKey[NoFilter], int] { return l.DocumentCount() },
		s.DocumentPages, s.DocumentCounts)
}

// Document reads one document.
func (r *Reader) Document(ctx context.Context, id int64) (*models.Document, error) {
	return load(ctx, id, func(l *Loaders) *Loader[int64, *models.Document] { return l.Document() }, r.store.DocumentsByIDs)
}

// Documents returns a page of a project's documents, newest first.
func (r *Reader) Documents(ctx context.Context, projectID int64, args page.Args) (*models.DocumentConnection, error) {
	return connection(ctx, r.documents, projectID, NoFilter{}, args)
}

// DocumentsByID starts reading documents by id, as SpecificationsByID does.
func (r *Reader) DocumentsByID(ctx context.Context, ids []int64) func() (map[int64]*models.Document, error) {
	return loadMany(ctx, ids, func(l *Loaders) *Loader[int64, *models.Document] { return l.Document() },
		r.store.DocumentsByIDs, func(d *models.Document) int64 { return d.ID })
}

// SpecificationsByID starts reading specifications by id and returns a
// function that waits for them, keyed by id; ids without a row are left
// out. Reads started before waiting share the operation's batches.
func (r *Reader) SpecificationsByID(ctx context.Context, ids []int64) func() (map[int64]*models.Specification, error) {
	return loadMany(ctx, ids, func(l *Loaders) *Loader[int64, *models.Specification] { return l.Specification() },
		r.store.SpecificationsByIDs, func(s *models.Specification) int64 { return s.ID })
}

// QuestionsByID starts reading questions by id, as SpecificationsByID does.
func (r *Reader) QuestionsByID(ctx context.Context, ids []int64) func() (map[int64]*models.Question, error) {
	return loadMany(ctx, ids, func(l *Loaders) *Loader[int64, *models.Question] { return l.Question() },
		r.store.QuestionsByIDs, func(q *models.Question) int64 { return q.ID })
}

func loadMany[V any](ctx context.Context, ids []int64, pick func(*Loaders) *Loader[int64, V],
	direct func(context.Context, []int64) ([]V, error), idOf func(V) int64,
) func() (map[int64]V, error) {
	if len(ids) == 0 {
		return func() (map[int64]V, error) { return map[int64]V{}, nil }
	}
	if l := For(ctx); l != nil {
		thunk := pick(l).LoadMany(ctx, ids)
		return func() (map[int64]V, error) {
			vals, errs := thunk()
			out := make(map[int64]V, len(vals))
			for i, v := range vals {
				if i < len(errs) && errs[i] != nil {
					if apperr.IsNotFound(errs[i]) {
						continue
					}
					return nil, errs[i]
				}
				out[ids[i]] = v
			}
			return out, nil
		}
	}
	rows, err := direct(pool(ctx), ids)
	return func() (map[int64]V, error) {
		if err != nil {
			return nil, err
		}
		out := make(map[int64]V, len(rows))
		for _, v := range rows {
			out[idOf(v)] = v
		}
		return out, nil
	}
}
