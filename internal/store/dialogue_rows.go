package store

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"socrates/models"
)

// sessionRow is a session read with its project.
type sessionRow struct {
	models.Session `bun:",extend"`
	Project        *models.Project `bun:"rel:belongs-to,join:project_id=id"`
}

// questionRow is a question read with its session and project.
type questionRow struct {
	models.Question `bun:",extend"`
	Session         *models.Session `bun:"rel:belongs-to,join:session_id=id"`
	Project         *models.Project `bun:"rel:belongs-to,join:project_id=id"`
}

// joined selects the columns of a model of type T joined as alias, named
// so that bun scans them into the relation field of that name.
func joined[T any](db bun.IDB, q *bun.SelectQuery, alias, relation string) *bun.SelectQuery {
	table := db.Dialect().Tables().Get(reflect.TypeFor[T]())
	cols := make([]string, len(table.Fields))
	for i, f := range table.Fields {
		cols[i] = fmt.Sprintf("%s.%s AS %s__%s", alias, f.SQLName, relation, f.Name)
	}
	return q.ColumnExpr(strings.Join(cols, ", "))
}

// SessionWithProjectForUpdate reads a session and its project in one
// statement inside the transaction of ctx and locks both rows until it
// ends (the project first, as every writer locks them; see forUpdate).
func (s *Store) SessionWithProjectForUpdate(ctx context.Context, sessionID int64) (*models.Session, *models.Project, error) {
	db := s.DB(ctx)
	q := db.NewSelect().Model((*sessionRow)(nil)).ColumnExpr("s.*").
		Join("JOIN projects AS p ON p.id = s.project_id").Where("s.id = $1")
	q, err := s.forUpdate(ctx, joined[models.Project](db, q, "p", "project"), "p, s")
	if err != nil {
		return nil, nil, fmt.Errorf("session with project: %w", err)
	}
	row, err := one[sessionRow](ctx, s, q, sessionID)
	if err != nil {
		return nil, nil, rowErr(err, "session with project")
	}
	return &row.Session, row.Project, nil
}

// QuestionWithSession reads a question, its session and its project in one
// statement, locking nothing.
func (s *Store) QuestionWithSession(ctx context.Context, questionID int64) (*models.Question, *models.Session, *models.Project, error) {
	return s.questionWithSession(ctx, questionID, false)
}

// QuestionWithSessionForUpdate reads a question, its session and its
// project in one statement inside the transaction in ctx and, on
// PostgreSQL, locks the three rows until it ends (the project first, as
// every writer locks them). A row a concurrent transaction changed is read
// as that transaction committed it, so what the question says (answered
// or not) holds until the end of the transaction for every writer that
// locks it the same way (see forUpdate).
func (s *Store) QuestionWithSessionForUpdate(ctx context.Context, questionID int64) (*models.Question, *models.Session, *models.Project, error) {
	return s.questionWithSession(ctx, questionID, true)
}

func (s *Store) questionWithSession(ctx context.Context, questionID int64, lock bool) (*models.Question, *models.Session, *models.Project, error) {
	db := s.DB(ctx)
	q := db.NewSelect().Model((*questionRow)(nil)).ColumnExpr(modelColumns[models.Question](db, "q")).
		Join("JOIN sessions AS s ON s.id = q.session_id").
		Join("JOIN projects AS p ON p.id = q.project_id").Where("q.id = $1")
	q = joined[models.Session](db, q, "s", "session")
	q = joined[models.Project](db, q, "p", "project")
	if lock {
		var err error
		if q, err = s.forUpdate(ctx, q, "p, s, q"); err != nil {
			return nil, nil, nil, fmt.Errorf("question with session: %w", err)
		}
	}
	row, err := one[questionRow](ctx, s, q, questionID)
	if err != nil {
		return nil, nil, nil, rowErr(err, "question with session")
	}
	return &row.Question, row.Session, row.Project, nil
}

// CountAskedAtCommit adds one to the times a user was asked a template,
// in one statement run when the transaction in ctx commits (see
// atcommit.go).
func (s *Store) CountAskedAtCommit(ctx context.Context, userID int64, template string, now time.Time) error {
	st := &models.QuestionStat{UserID: userID, TemplateKey: template, TimesAsked: 1, UpdatedAt: now}
	return s.writeAtCommit(ctx, nil, "count a question asked", s.DB(ctx).NewInsert().Model(st).
		On("CONFLICT (user_id, template_key) DO UPDATE").
		Set("times_asked = qs.times_asked + 1").
		Set("updated_at = EXCLUDED.updated_at"))
}

// CountAnsweredAtCommit records an answer to a template in one statement,
// run when the transaction in ctx commits (see atcommit.go): one
// more answer, one more answered well when it produced specifications, and
// moving averages of its length and yield with weight alpha for the newest
// (the first answer sets them).
func (s *Store) CountAnsweredAtCommit(ctx context.Context, userID int64, template string, length, specs int, alpha float64, now time.Time) error {
	well := 0
	if specs > 0 {
		well = 1
	}
	st := &models.QuestionStat{UserID: userID, TemplateKey: template, TimesAnswered: 1, TimesAnsweredWell: well,
		AvgAnswerLength: float64(length), AvgSpecsPerAnswer: float64(specs), UpdatedAt: now}
	avg := func(col string) string {
		return fmt.Sprintf("%[1]s = CASE WHEN qs.times_answered = 0 THEN EXCLUDED.%[1]s ELSE ? * EXCLUDED.%[1]s + ? * qs.%[1]s END", col)
	}
	return s.writeAtCommit(ctx, nil, "count a question answered", s.DB(ctx).NewInsert().Model(st).
		On("CONFLICT (user_id, template_key) DO UPDATE").
		Set(avg("avg_answer_length"), alpha, 1-alpha).
		Set(avg("avg_specs_per_answer"), alpha, 1-alpha).
		Set("times_answered = qs.times_answered + 1").
		Set("times_answered_well = qs.times_answered_well + EXCLUDED.times_answered_well").
		Set("updated_at = EXCLUDED.updated_at"))
}

// AskingContext is what choosing a session's next question reads: the
// session, its project, the project's CURRENT specifications, what the
// session asked so far and the asking user's statistics per template.
type AskingContext struct {
	Session *models.Session
	Project *models.Project
	// Current holds the id, category, key, value, confidence and status
	// of each CURRENT specification, in id order.
	Current []*models.Specification
	History SessionHistory
	Stats   []*models.QuestionStat
}

// askingRow is a session with its project and, as JSON arrays, the rest
// of an AskingContext.
type askingRow struct {
	sessionRow `bun:",extend"`
	Current    string `bun:"asking_current,scanonly"`
	History    string `bun:"asking_history,scanonly"`
	Stats      string `bun:"asking_stats,scanonly"`
}

// askedSpec, askedQuestion and askedStat are the JSON objects of
// AskingContext's arrays.
type (
	askedSpec struct {
		ID         int64               `json:"id"`
		Category   models.SpecCategory `json:"category"`
		Key        string              `json:"key"`
		Value      string              `json:"value"`
		Confidence float64             `json:"confidence"`
	}
	askedQuestion struct {
		ID          int64   `json:"id"`
		Text        string  `json:"text"`
		TemplateKey *string `json:"template_key"`
	}
	askedStat struct {
		TemplateKey       string `json:"template_key"`
		TimesAsked        int    `json:"times_asked"`
		TimesAnswered     int    `json:"times_answered"`
		TimesAnsweredWell int    `json:"times_answered_well"`
	}
)

// AskingContext reads a session's AskingContext for userID in one
// statement: the session joined with its project, and the specifications,
// questions and statistics as JSON arrays built by the database.
func (s *Store) AskingContext(ctx context.Context, sessionID, userID int64) (*AskingContext, error) {
	db := s.DB(ctx)
	q := db.NewSelect().Model((*askingRow)(nil)).ColumnExpr("s.*").
		Join("JOIN projects AS p ON p.id = s.project_id").Where("s.id = $2")
	q = joined[models.Project](db, q, "p", "project").
		ColumnExpr(s.jsonRows("asking_current", "specifications AS sp WHERE sp.project_id = s.project_id AND sp.status = 'CURRENT'",
			"'id', sp.id, 'category', sp.category, 'key', sp.key, 'value', sp.value, 'confidence', sp.confidence")).
		ColumnExpr(s.jsonRows("asking_history", "questions AS q WHERE q.session_id = s.id",
			"'id', q.id, 'text', q.text, 'template_key', q.template_key")).
		ColumnExpr(s.jsonRows("asking_stats", "question_stats AS qs WHERE qs.user_id = $1",
			"'template_key', qs.template_key, 'times_asked', qs.times_asked, 'times_answered', qs.times_answered, 'times_answered_well', qs.times_answered_well"))
	row, err := one[askingRow](ctx, s, q, userID, sessionID)
	if err != nil {
		return nil, rowErr(err, "asking context")
	}
	out := &AskingContext{Session: &row.Session, Project: row.Project, History: SessionHistory{Templates: map[string]bool{}}}
	var (
		current []askedSpec
		history []askedQuestion
		stats   []askedStat
	)
	for _, part := range []struct {
		raw  string
		dest any
	}{{row.Current, &current}, {row.History, &history}, {row.Stats, &stats}} {
		if err := json.Unmarshal([]byte(part.raw), part.dest); err != nil {
			return nil, fmt.Errorf("asking context: decode %T: %w", part.dest, err)
		}
	}
	slices.SortFunc(current, func(a, b askedSpec) int { return cmp.Compare(a.ID, b.ID) })
	for _, c := range current {
		out.Current = append(out.Current, &models.Specification{ID: c.ID, ProjectID: row.ProjectID, Category: c.Category, Key: c.Key,
			Value: c.Value, Confidence: c.Confidence, Status: models.SpecStatusCurrent})
	}
	slices.SortFunc(history, func(a, b askedQuestion) int { return cmp.Compare(a.ID, b.ID) })
	for _, h := range history {
		if h.TemplateKey != nil {
			out.History.Templates[*h.TemplateKey] = true
		}
		out.History.Texts = append(out.History.Texts, h.Text)
	}
	for _, st := range stats {
		out.Stats = append(out.Stats, &models.QuestionStat{UserID: userID, TemplateKey: st.TemplateKey, TimesAsked: st.TimesAsked,
			TimesAnswered: st.TimesAnswered, TimesAnsweredWell: st.TimesAnsweredWell})
	}
	return out, nil
}

// jsonRows is a select-list expression named as: the rows of from (a table
// with its alias and a WHERE clause) as a JSON array of objects built from
// fields ('name', expression, ...), an empty array when there are none.
// Their order is not defined.
func (s *Store) jsonRows(as, from, fields string) string {
	agg := "json_group_array(json_object(" + fields + "))"
	if s.pg {
		agg = "json_agg(json_build_object(" + fields + "))"
	}
	return "COALESCE((SELECT " + agg + " FROM " + from + "), '[]') AS " + as
}
