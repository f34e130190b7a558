package plan

import (
	"github.com/99designs/gqlgen/graphql"

	"socrates/internal/auth"
	"socrates/internal/loaders"
	"socrates/internal/page"
	"socrates/internal/session"
	"socrates/internal/socratic"
	"socrates/internal/spec"
	"socrates/internal/store"
	"socrates/models"
)

// edge reads one field ahead for all the parents of a level and primes the
// loaders the field's resolver uses. child is the GraphQL type of the
// objects the field leads to ("" for none); a connection field has list,
// any other fill. Both return the objects the field leads to, for planning
// the fields selected on them.
type edge struct {
	child string
	fill  func(w *walk, parents []any, args map[string]any) []any
	list  func(w *walk, parents []any, args map[string]any, count bool) []any
}

// edges lists the fields the planner reads ahead, per parent type. Each
// mirrors its resolver: the same loader, and keys built the same way.
func edges() map[string]map[string]edge {
	projectID := func(p *models.Project) int64 { return p.ID }
	sessionID := func(s *models.Session) int64 { return s.ID }
	specID := func(s *models.Specification) int64 { return s.ID }
	conflictID := func(c *models.Conflict) int64 { return c.ID }
	users := func(l *loaders.Loaders) *loaders.Loader[int64, *models.User] { return l.User() }
	projects := func(l *loaders.Loaders) *loaders.Loader[int64, *models.Project] { return l.Project() }
	questions := func(l *loaders.Loaders) *loaders.Loader[int64, *models.Question] { return l.Question() }
	return map[string]map[string]edge{
		"Project": {
			"owner": byID("User", users, func(p *models.Project) *int64 { return &p.OwnerID }),
			"sessions": connection("Session", store.SessionOrdering().Name,
				func(l *loaders.Loaders) *loaders.Loader[loaders.PageKey[store.SessionFilter], []*models.Session] {
					return l.SessionPage()
				},
				func(l *loaders.Loaders) *loaders.Loader[loaders.CountKey[store.SessionFilter], int] {
					return l.SessionCount()
				},
				func(args map[string]any) (store.SessionFilter, error) {
					status, err := enumArg[models.SessionStatus](args, "status")
					return session.Filter(status), err
				}, projectID),
			"specifications": connection("Specification", store.SpecOrdering().Name,
				func(l *loaders.Loaders) *loaders.Loader[loaders.PageKey[store.SpecFilter], []*models.Specification] {
					return l.SpecificationPage()
				},
				func(l *loaders.Loaders) *loaders.Loader[loaders.CountKey[store.SpecFilter], int] {
					return l.SpecificationCount()
				},
				specFilter, projectID),
			"conflicts": connection("Conflict", store.ConflictOrdering().Name,
				func(l *loaders.Loaders) *loaders.Loader[loaders.PageKey[store.ConflictFilter], []*models.Conflict] {
					return l.ConflictPage()
				},
				func(l *loaders.Loaders) *loaders.Loader[loaders.CountKey[store.ConflictFilter], int] {
					return l.ConflictCount()
				},
				conflictFilter, projectID),
			"categoryCoverage":  categoryScores(),
			"openConflictCount": openConflicts(),
			"qualityReport":     both(categoryScores(), openConflicts()),
			"llmUsage":          leaf(func(l *loaders.Loaders) *loaders.Loader[int64, []store.UsageRow] { return l.Usage() }, projectID),
			"viewerPermission":  {fill: grants},
		},
		"Session": {
			"project":         byID("Project", projects, func(s *models.Session) *int64 { return &s.ProjectID }),
			"startedBy":       byID("User", users, func(s *models.Session) *int64 { return &s.StartedByID }),
			"currentQuestion": byID("Question", questions, func(s *models.Session) *int64 { return s.CurrentQuestionID }),
			"questions": connection("Question", store.QuestionOrdering().Name,
				func(l *loaders.Loaders) *loaders.Loader[loaders.PageKey[loaders.NoFilter], []*models.Question] {
					return l.QuestionPage()
				},
				func(l *loaders.Loaders) *loaders.Loader[loaders.CountKey[loaders.NoFilter], int] {
					return l.QuestionCount()
				},
				noFilter, sessionID),
			"messages": connection("Message", store.MessageOrdering().Name,
				func(l *loaders.Loaders) *loaders.Loader[loaders.PageKey[loaders.NoFilter], []*models.Message] {
					return l.MessagePage()
				},
				func(l *loaders.Loaders) *loaders.Loader[loaders.CountKey[loaders.NoFilter], int] {
					return l.MessageCount()
				},
				noFilter, sessionID),
		},
		"Question": {
			"session": byID("Session", func(l *loaders.Loaders) *loaders.Loader[int64, *models.Session] { return l.Session() },
				func(q *models.Question) *int64 { return &q.SessionID }),
			"answeredBy": byID("User", users, func(q *models.Question) *int64 { return q.AnsweredByID }),
			"specifications": grouped("Specification",
				func(l *loaders.Loaders) *loaders.Loader[int64, []*models.Specification] {
					return l.QuestionSpecifications()
				},
				func(q *models.Question) int64 { return q.ID }),
		},
		"Message": {
			"author":   byID("User", users, func(m *models.Message) *int64 { return m.AuthorID }),
			"question": byID("Question", questions, func(m *models.Message) *int64 { return m.QuestionID }),
		},
		"Specification": {
			"project":  byID("Project", projects, func(s *models.Specification) *int64 { return &s.ProjectID }),
			"question": byID("Question", questions, func(s *models.Specification) *int64 { return s.QuestionID }),
			"supersededBy": byID("Specification",
				func(l *loaders.Loaders) *loaders.Loader[int64, *models.Specification] { return l.Specification() },
				func(s *models.Specification) *int64 { return s.SupersededByID }),
			"supersedes": grouped("Specification",
				func(l *loaders.Loaders) *loaders.Loader[int64, []*models.Specification] { return l.Supersedes() }, specID),
			"conflicts": grouped("Conflict",
				func(l *loaders.Loaders) *loaders.Loader[int64, []*models.Conflict] { return l.SpecificationConflicts() }, specID),
		},
		"Conflict": {
			"project": byID("Project", projects, func(c *models.Conflict) *int64 { return &c.ProjectID }),
			"specifications": grouped("Specification",
				func(l *loaders.Loaders) *loaders.Loader[int64, []*models.Specification] {
					return l.ConflictSpecifications()
				}, conflictID),
			"resolvedBy": byID("User", users, func(c *models.Conflict) *int64 { return c.ResolvedByID }),
		},
	}
}

// typed returns the parents of type P.
func typed[P any](objs []any) []P {
	out := make([]P, 0, len(objs))
	for _, o := range objs {
		if p, ok := o.(P); ok {
			out = append(out, p)
		}
	}
	return out
}

// byID is a field holding the id of one object (nil for none).
func byID[P any, C any](child string, loader func(*loaders.Loaders) *loaders.Loader[int64, C], id func(P) *int64) edge {
	return edge{child: child, fill: func(w *walk, objs []any, _ map[string]any) []any {
		w.prime(child)
		var keys []int64
		for _, p := range typed[P](objs) {
			if k := id(p); k != nil {
				keys = append(keys, *k)
			}
		}
		found := fill(w, loader(w.l), keys)
		var out []any
		for _, k := range unique(keys) {
			if v, ok := found[k]; ok {
				out = append(out, v)
			}
		}
		return out
	}}
}

// grouped is a field holding what belongs to a parent, read by its id.
func grouped[P any, C any](child string, loader func(*loaders.Loaders) *loaders.Loader[int64, []C], id func(P) int64) edge {
	return edge{child: child, fill: func(w *walk, objs []any, _ map[string]any) []any {
		ps := typed[P](objs)
		keys := make([]int64, len(ps))
		for i, p := range ps {
			keys[i] = id(p)
		}
		found := fill(w, loader(w.l), keys)
		var out []any
		for _, k := range unique(keys) {
			for _, c := range found[k] {
				out = append(out, c)
			}
		}
		return out
	}}
}

// connection is a paged list below each parent, with a filter F read from
// the field's arguments.
func connection[P any, F comparable, C any](child, order string,
	pages func(*loaders.Loaders) *loaders.Loader[loaders.PageKey[F], []C],
	counts func(*loaders.Loaders) *loaders.Loader[loaders.CountKey[F], int],
	filter func(map[string]any) (F, error), id func(P) int64,
) edge {
	return edge{child: child, list: func(w *walk, objs []any, args map[string]any, count bool) []any {
		f, err := filter(args)
		if err != nil {
			return nil
		}
		a, err := pageArgs(args)
		if err != nil {
			return nil
		}
		r, err := page.Parse(a, order)
		if err != nil {
			return nil
		}
		ps := typed[P](objs)
		keys := make([]loaders.PageKey[F], len(ps))
		for i, p := range ps {
			keys[i] = loaders.PageKey[F]{Parent: id(p), Filter: f, Page: r}
		}
		found := fill(w, pages(w.l), keys)
		if count {
			ck := make([]loaders.CountKey[F], len(ps))
			for i, p := range ps {
				ck[i] = loaders.CountKey[F]{Parent: id(p), Filter: f}
			}
			fill(w, counts(w.l), ck)
		}
		var out []any
		for _, k := range unique(keys) {
			for _, c := range found[k] {
				out = append(out, c)
			}
		}
		return out
	}}
}

func noFilter(map[string]any) (loaders.NoFilter, error) { return loaders.NoFilter{}, nil }

func specFilter(args map[string]any) (store.SpecFilter, error) {
	var in spec.ListInput
	var err error
	if in.Category, err = enumArg[models.SpecCategory](args, "category"); err != nil {
		return store.SpecFilter{}, err
	}
	if in.Status, err = enumArg[models.SpecStatus](args, "status"); err != nil {
		return store.SpecFilter{}, err
	}
	if in.Search, err = stringArg(args, "search"); err != nil {
		return store.SpecFilter{}, err
	}
	return in.Filter()
}

func conflictFilter(args map[string]any) (store.ConflictFilter, error) {
	status, err := enumArg[models.ConflictStatus](args, "status")
	if err != nil {
		return store.ConflictFilter{}, err
	}
	sev, err := enumArg[models.ConflictSeverity](args, "severity")
	return spec.ConflictFilter(status, sev), err
}

// leaf is a field computed from what a loader reads by the parent's id,
// leading to no objects the planner knows.
func leaf[P any, V any](loader func(*loaders.Loaders) *loaders.Loader[int64, V], id func(P) int64) edge {
	return edge{fill: func(w *walk, objs []any, _ map[string]any) []any {
		ps := typed[P](objs)
		keys := make([]int64, len(ps))
		for i, p := range ps {
			keys[i] = id(p)
		}
		fill(w, loader(w.l), keys)
		return nil
	}}
}

// categoryScores reads the evidence per category behind coverage.
func categoryScores() edge {
	return leaf(func(l *loaders.Loaders) *loaders.Loader[int64, map[models.SpecCategory]socratic.CategoryScore] {
		return l.CategoryScores()
	}, func(p *models.Project) int64 { return p.ID })
}

// openConflicts counts each project's OPEN conflicts.
func openConflicts() edge {
	return edge{fill: func(w *walk, objs []any, _ map[string]any) []any {
		ps := typed[*models.Project](objs)
		keys := make([]loaders.CountKey[store.ConflictFilter], len(ps))
		for i, p := range ps {
			keys[i] = loaders.CountKey[store.ConflictFilter]{Parent: p.ID, Filter: spec.OpenConflicts()}
		}
		fill(w, w.l.ConflictCount(), keys)
		return nil
	}}
}

// both fills two leaf edges of one field.
func both(a, b edge) edge {
	return edge{fill: func(w *walk, objs []any, args map[string]any) []any {
		a.fill(w, objs, args)
		b.fill(w, objs, args)
		return nil
	}}
}

// grants reads what the viewer holds on the projects it does not own.
func grants(w *walk, objs []any, _ map[string]any) []any {
	pr := auth.FromContext(w.ctx)
	if pr == nil {
		return nil
	}
	var keys []loaders.UserKey
	for _, p := range typed[*models.Project](objs) {
		if p.OwnerID != pr.UserID {
			keys = append(keys, loaders.UserKey{UserID: pr.UserID, ObjectID: p.ID})
		}
	}
	fill(w, w.l.Grants(), keys)
	return nil
}

// prime hands the objects of type typ this pass has read, and not yet
// handed, to the loader that reads them by id, so fields leading back to
// them cost nothing.
func (w *walk) prime(typ string) {
	sets := w.read[typ][w.primed[typ]:]
	w.primed[typ] = len(w.read[typ])
	for _, objs := range sets {
		w.primeAll(typ, objs)
	}
}

func (w *walk) primeAll(typ string, objs []any) {
	switch typ {
	case "User":
		primeAll(w, w.l.User(), objs, func(u *models.User) int64 { return u.ID })
	case "Project":
		primeAll(w, w.l.Project(), objs, func(p *models.Project) int64 { return p.ID })
	case "Session":
		primeAll(w, w.l.Session(), objs, func(s *models.Session) int64 { return s.ID })
	case "Question":
		primeAll(w, w.l.Question(), objs, func(q *models.Question) int64 { return q.ID })
	case "Message":
		primeAll(w, w.l.Message(), objs, func(m *models.Message) int64 { return m.ID })
	case "Specification":
		primeAll(w, w.l.Specification(), objs, func(s *models.Specification) int64 { return s.ID })
	case "Conflict":
		primeAll(w, w.l.Conflict(), objs, func(c *models.Conflict) int64 { return c.ID })
	}
}

func primeAll[T any](w *walk, l *loaders.Loader[int64, T], objs []any, id func(T) int64) {
	for _, o := range typed[T](objs) {
		primed(w, l, id(o), o)
	}
}

func unique[K comparable](keys []K) []K {
	seen := make(map[K]bool, len(keys))
	out := make([]K, 0, len(keys))
	for _, k := range keys {
		if !seen[k] {
			seen[k] = true
			out = append(out, k)
		}
	}
	return out
}

// pageArgs reads first, after, last and before.
func pageArgs(args map[string]any) (page.Args, error) {
	var a page.Args
	var err error
	if a.First, err = intArg(args, "first"); err != nil {
		return a, err
	}
	if a.Last, err = intArg(args, "last"); err != nil {
		return a, err
	}
	if a.After, err = stringArg(args, "after"); err != nil {
		return a, err
	}
	a.Before, err = stringArg(args, "before")
	return a, err
}

func intArg(args map[string]any, name string) (*int, error) {
	v, ok := args[name]
	if !ok || v == nil {
		return nil, nil
	}
	n, err := graphql.UnmarshalInt(v)
	return &n, err
}

func stringArg(args map[string]any, name string) (*string, error) {
	v, ok := args[name]
	if !ok || v == nil {
		return nil, nil
	}
	s, err := graphql.UnmarshalString(v)
	return &s, err
}

// enumArg reads an enum argument the way gqlgen's generated code does.
func enumArg[T any, PT interface {
	*T
	UnmarshalGQL(any) error
}](args map[string]any, name string) (*T, error) {
	v, ok := args[name]
	if !ok || v == nil {
		return nil, nil
	}
	var out T
	err := PT(&out).UnmarshalGQL(v)
	return &out, err
}
