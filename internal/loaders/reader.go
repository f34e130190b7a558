package loaders

import (
	"context"

	"github.com/graph-gophers/dataloader/v7"

	"socrates/internal/page"
	"socrates/internal/socratic"
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

// Question reads one question.
func (r *Reader) Question(ctx context.Context, id int64) (*models.Question, error) {
	return load(ctx, id, func(l *Loaders) *dataloader.Loader[int64, *models.Question] { return l.Question }, r.store.QuestionsByIDs)
}

// Message reads one message.
func (r *Reader) Message(ctx context.Context, id int64) (*models.Message, error) {
	return load(ctx, id, func(l *Loaders) *dataloader.Loader[int64, *models.Message] { return l.Message }, r.store.MessagesByIDs)
}

// Specification reads one specification.
func (r *Reader) Specification(ctx context.Context, id int64) (*models.Specification, error) {
	return load(ctx, id, func(l *Loaders) *dataloader.Loader[int64, *models.Specification] { return l.Specification }, r.store.SpecificationsByIDs)
}

// Conflict reads one conflict.
func (r *Reader) Conflict(ctx context.Context, id int64) (*models.Conflict, error) {
	return load(ctx, id, func(l *Loaders) *dataloader.Loader[int64, *models.Conflict] { return l.Conflict }, r.store.ConflictsByIDs)
}

// children reads what a parent has, batched when ctx has loaders.
func children[V any](ctx context.Context, parent int64, pick func(*Loaders) *dataloader.Loader[int64, V],
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
	return children(ctx, questionID, func(l *Loaders) *dataloader.Loader[int64, []*models.Specification] { return l.QuestionSpecifications },
		r.store.SpecificationsByQuestion)
}

// Supersedes reads the specifications a specification replaced.
func (r *Reader) Supersedes(ctx context.Context, specID int64) ([]*models.Specification, error) {
	return children(ctx, specID, func(l *Loaders) *dataloader.Loader[int64, []*models.Specification] { return l.Supersedes },
		r.store.SpecificationsSupersededBy)
}

// SpecificationConflicts reads the conflicts a specification is part of.
func (r *Reader) SpecificationConflicts(ctx context.Context, specID int64) ([]*models.Conflict, error) {
	return children(ctx, specID, func(l *Loaders) *dataloader.Loader[int64, []*models.Conflict] { return l.SpecificationConflicts },
		r.store.ConflictsOfSpecifications)
}

// ConflictSpecifications reads a conflict's specifications, existing first.
func (r *Reader) ConflictSpecifications(ctx context.Context, conflictID int64) ([]*models.Specification, error) {
	if l := For(ctx); l != nil {
		return l.ConflictSpecifications.Load(ctx, conflictID)()
	}
	res := conflictSpecifications(r.store)(ctx, []int64{conflictID})
	return res[0].Data, res[0].Error
}

// CategoryScores reads the evidence per category of a project.
func (r *Reader) CategoryScores(ctx context.Context, projectID int64) (map[models.SpecCategory]socratic.CategoryScore, error) {
	return children(ctx, projectID, func(l *Loaders) *dataloader.Loader[int64, map[models.SpecCategory]socratic.CategoryScore] {
		return l.CategoryScores
	},
		r.store.CategoryScores)
}

// Usage reads a project's language-model usage per provider and model.
func (r *Reader) Usage(ctx context.Context, projectID int64) ([]store.UsageRow, error) {
	return children(ctx, projectID, func(l *Loaders) *dataloader.Loader[int64, []store.UsageRow] { return l.Usage }, r.store.UsageByProject)
}

// list describes a paged child list for connection.
type list[T any] struct {
	ordering  store.Ordering[T]
	pageOf    func(*Loaders) *dataloader.Loader[PageKey, []T]
	countOf   func(*Loaders) *dataloader.Loader[CountKey, int]
	readPage  func(ctx context.Context, parents []int64, r page.Request) (map[int64][]T, error)
	readCount func(ctx context.Context, parents []int64) (map[int64]int, error)
}

// connection reads one page of a parent's children and counts them on
// demand, through the operation's loaders when ctx has them.
func connection[T any](ctx context.Context, l list[T], parent int64, filter string, args page.Args) (*models.Connection[T], error) {
	r, err := page.Parse(args, l.ordering.Name)
	if err != nil {
		return nil, err
	}
	var rows []T
	if ld := For(ctx); ld != nil {
		rows, err = l.pageOf(ld).Load(ctx, PageKey{Parent: parent, Filter: filter, Page: r.Key()})()
	} else {
		var m map[int64][]T
		m, err = l.readPage(pool(ctx), []int64{parent}, r)
		rows = m[parent]
	}
	if err != nil {
		return nil, err
	}
	count := func(ctx context.Context) (int, error) {
		if ld := For(ctx); ld != nil {
			return l.countOf(ld).Load(ctx, CountKey{Parent: parent, Filter: filter})()
		}
		m, err := l.readCount(pool(ctx), []int64{parent})
		return m[parent], err
	}
	return page.Build(rows, r, l.ordering.Cursor, count), nil
}

// Sessions returns a page of a project's sessions, newest first.
func (r *Reader) Sessions(ctx context.Context, projectID int64, status *models.SessionStatus, args page.Args) (*models.SessionConnection, error) {
	return connection(ctx, list[*models.Session]{
		ordering: store.SessionOrdering(),
		pageOf:   func(l *Loaders) *dataloader.Loader[PageKey, []*models.Session] { return l.SessionPage },
		countOf:  func(l *Loaders) *dataloader.Loader[CountKey, int] { return l.SessionCount },
		readPage: func(ctx context.Context, ids []int64, pr page.Request) (map[int64][]*models.Session, error) {
			return r.store.SessionPages(ctx, ids, status, pr)
		},
		readCount: func(ctx context.Context, ids []int64) (map[int64]int, error) {
			return r.store.SessionCounts(ctx, ids, status)
		},
	}, projectID, EncodeFilter(status), args)
}

// Questions returns a page of a session's questions, oldest first.
func (r *Reader) Questions(ctx context.Context, sessionID int64, args page.Args) (*models.QuestionConnection, error) {
	return connection(ctx, list[*models.Question]{
		ordering:  store.QuestionOrdering(),
		pageOf:    func(l *Loaders) *dataloader.Loader[PageKey, []*models.Question] { return l.QuestionPage },
		countOf:   func(l *Loaders) *dataloader.Loader[CountKey, int] { return l.QuestionCount },
		readPage:  r.store.QuestionPages,
		readCount: r.store.QuestionCounts,
	}, sessionID, "", args)
}

// Messages returns a page of a session's conversation, oldest first.
func (r *Reader) Messages(ctx context.Context, sessionID int64, args page.Args) (*models.MessageConnection, error) {
	return connection(ctx, list[*models.Message]{
		ordering:  store.MessageOrdering(),
		pageOf:    func(l *Loaders) *dataloader.Loader[PageKey, []*models.Message] { return l.MessagePage },
		countOf:   func(l *Loaders) *dataloader.Loader[CountKey, int] { return l.MessageCount },
		readPage:  r.store.MessagePages,
		readCount: r.store.MessageCounts,
	}, sessionID, "", args)
}

// Specifications returns a page of a project's specifications, oldest first.
func (r *Reader) Specifications(ctx context.Context, projectID int64, f store.SpecFilter, args page.Args) (*models.SpecificationConnection, error) {
	return connection(ctx, list[*models.Specification]{
		ordering: store.SpecOrdering(),
		pageOf:   func(l *Loaders) *dataloader.Loader[PageKey, []*models.Specification] { return l.SpecificationPage },
		countOf:  func(l *Loaders) *dataloader.Loader[CountKey, int] { return l.SpecificationCount },
		readPage: func(ctx context.Context, ids []int64, pr page.Request) (map[int64][]*models.Specification, error) {
			return r.store.SpecificationPages(ctx, ids, f, pr)
		},
		readCount: func(ctx context.Context, ids []int64) (map[int64]int, error) {
			return r.store.SpecificationCounts(ctx, ids, f)
		},
	}, projectID, EncodeFilter(f), args)
}

// Conflicts returns a page of a project's conflicts, newest first.
func (r *Reader) Conflicts(ctx context.Context, projectID int64, f store.ConflictFilter, args page.Args) (*models.ConflictConnection, error) {
	return connection(ctx, list[*models.Conflict]{
		ordering: store.ConflictOrdering(),
		pageOf:   func(l *Loaders) *dataloader.Loader[PageKey, []*models.Conflict] { return l.ConflictPage },
		countOf:  func(l *Loaders) *dataloader.Loader[CountKey, int] { return l.ConflictCount },
		readPage: func(ctx context.Context, ids []int64, pr page.Request) (map[int64][]*models.Conflict, error) {
			return r.store.ConflictPages(ctx, ids, f, pr)
		},
		readCount: func(ctx context.Context, ids []int64) (map[int64]int, error) {
			return r.store.ConflictCounts(ctx, ids, f)
		},
	}, projectID, EncodeFilter(f), args)
}

// ConflictCount counts a project's conflicts matching f.
func (r *Reader) ConflictCount(ctx context.Context, projectID int64, f store.ConflictFilter) (int, error) {
	if l := For(ctx); l != nil {
		return l.ConflictCount.Load(ctx, CountKey{Parent: projectID, Filter: EncodeFilter(f)})()
	}
	m, err := r.store.ConflictCounts(pool(ctx), []int64{projectID}, f)
	return m[projectID], err
}
