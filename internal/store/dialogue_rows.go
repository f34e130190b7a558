package store

import (
	"context"
	"fmt"
	"reflect"
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

// SessionWithProject reads a session and its project in one statement;
// with lock, inside a transaction on PostgreSQL, both rows stay locked
// until it ends (the project first, as every writer locks them).
func (s *Store) SessionWithProject(ctx context.Context, sessionID int64, lock bool) (*models.Session, *models.Project, error) {
	row := new(sessionRow)
	db := s.DB(ctx)
	q := db.NewSelect().Model(row).ColumnExpr("s.*").
		Join("JOIN projects AS p ON p.id = s.project_id").Where("s.id = ?", sessionID)
	q = joined[models.Project](db, q, "p", "project")
	if lock && InTx(ctx) && s.pg {
		q = q.For("UPDATE OF p, s")
	}
	if err := q.Scan(ctx); err != nil {
		return nil, nil, notFound(err, "session with project")
	}
	return &row.Session, row.Project, nil
}

// QuestionWithSession reads a question, its session and its project in one
// statement.
func (s *Store) QuestionWithSession(ctx context.Context, questionID int64) (*models.Question, *models.Session, *models.Project, error) {
	row := new(questionRow)
	db := s.DB(ctx)
	q := db.NewSelect().Model(row).ColumnExpr(modelColumns[models.Question](db, "q")).
		Join("JOIN sessions AS s ON s.id = q.session_id").
		Join("JOIN projects AS p ON p.id = q.project_id").Where("q.id = ?", questionID)
	q = joined[models.Session](db, q, "s", "session")
	q = joined[models.Project](db, q, "p", "project")
	if err := q.Scan(ctx); err != nil {
		return nil, nil, nil, notFound(err, "question with session")
	}
	return &row.Question, row.Session, row.Project, nil
}

// CountAsked adds one to the times a user was asked a template, in one
// statement.
func (s *Store) CountAsked(ctx context.Context, userID int64, template string, now time.Time) error {
	st := &models.QuestionStat{UserID: userID, TemplateKey: template, TimesAsked: 1, UpdatedAt: now}
	_, err := s.DB(ctx).NewInsert().Model(st).
		On("CONFLICT (user_id, template_key) DO UPDATE").
		Set("times_asked = qs.times_asked + 1").
		Set("updated_at = EXCLUDED.updated_at").
		Exec(ctx)
	if err != nil {
		return fmt.Errorf("count a question asked: %w", err)
	}
	return nil
}

// CountAnswered records an answer to a template in one statement: one
// more answer, one more answered well when it produced specifications, and
// moving averages of its length and yield with weight alpha for the newest
// (the first answer sets them).
func (s *Store) CountAnswered(ctx context.Context, userID int64, template string, length, specs int, alpha float64, now time.Time) error {
	well := 0
	if specs > 0 {
		well = 1
	}
	st := &models.QuestionStat{UserID: userID, TemplateKey: template, TimesAnswered: 1, TimesAnsweredWell: well,
		AvgAnswerLength: float64(length), AvgSpecsPerAnswer: float64(specs), UpdatedAt: now}
	avg := func(col string) string {
		return fmt.Sprintf("%[1]s = CASE WHEN qs.times_answered = 0 THEN EXCLUDED.%[1]s ELSE ? * EXCLUDED.%[1]s + ? * qs.%[1]s END", col)
	}
	_, err := s.DB(ctx).NewInsert().Model(st).
		On("CONFLICT (user_id, template_key) DO UPDATE").
		Set(avg("avg_answer_length"), alpha, 1-alpha).
		Set(avg("avg_specs_per_answer"), alpha, 1-alpha).
		Set("times_answered = qs.times_answered + 1").
		Set("times_answered_well = qs.times_answered_well + EXCLUDED.times_answered_well").
		Set("updated_at = EXCLUDED.updated_at").
		Exec(ctx)
	if err != nil {
		return fmt.Errorf("count a question answered: %w", err)
	}
	return nil
}
