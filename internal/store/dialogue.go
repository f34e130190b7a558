package store

import (
	"context"
	"fmt"
	"slices"

	"github.com/uptrace/bun"

	"socrates/internal/page"
	"socrates/models"
)

// ChronologicalOrdering orders rows by key, oldest first.
func ChronologicalOrdering[T any](name, idCol string, key func(T) int64) Ordering[T] {
	return Ordering[T]{Name: name, ID: idCol, Key: key}
}

// QuestionOrdering orders a session's questions, oldest first.
func QuestionOrdering() Ordering[*models.Question] {
	return ChronologicalOrdering("QUESTION", "q.id", func(q *models.Question) int64 { return q.ID })
}

// MessageOrdering orders a session's messages, oldest first.
func MessageOrdering() Ordering[*models.Message] {
	return ChronologicalOrdering("MESSAGE", "m.id", func(m *models.Message) int64 { return m.ID })
}

// insert adds a row and sets its id.
func (s *Store) insert(ctx context.Context, what string, model any) error {
	if _, err := s.DB(ctx).NewInsert().Model(model).Exec(ctx); err != nil {
		return fmt.Errorf("insert %s: %w", what, err)
	}
	return nil
}

// byIDs reads the rows whose id is in ids.
func byIDs[T any](ctx context.Context, s *Store, what, idCol string, ids []int64) ([]*T, error) {
	var rows []*T
	if err := s.scanIDs(ctx, s.DB(ctx).NewSelect().Model(&rows).Where(s.anyOf(idCol)), ids, &rows); err != nil {
		return nil, fmt.Errorf("%s by ids: %w", what, err)
	}
	return rows, nil
}

// CreateQuestion inserts a question.
func (s *Store) CreateQuestion(ctx context.Context, q *models.Question) error {
	return s.insert(ctx, "question", q)
}

// QuestionsByIDs returns questions by id.
func (s *Store) QuestionsByIDs(ctx context.Context, ids []int64) ([]*models.Question, error) {
	return byIDs[models.Question](ctx, s, "questions", "q.id", ids)
}

// AnswerQuestionAtCommit stores the answer of an unanswered question when
// the transaction in ctx commits (see atcommit.go). The caller has read
// the question unanswered with QuestionWithSessionForUpdate in that
// transaction; the condition on answer stays as a guard.
func (s *Store) AnswerQuestionAtCommit(ctx context.Context, q *models.Question) error {
	return s.writeAtCommit(ctx, nil, "answer question", s.DB(ctx).NewUpdate().Model(q).Column("answer", "answered_at", "answered_by_id").
		WherePK().Where("answer IS NULL"))
}

// SessionHistory is what a session has asked so far.
type SessionHistory struct {
	Templates map[string]bool
	Texts     []string
}

func (s *Store) questionList(ctx context.Context) *bun.SelectQuery {
	return s.DB(ctx).NewSelect().Model((*models.Question)(nil)).Where(s.anyOf("q.session_id"))
}

// QuestionPages reads a page of questions per session in one statement.
func (s *Store) QuestionPages(ctx context.Context, sessionIDs []int64, r page.Request) (map[int64][]*models.Question, error) {
	return pagesByParent(ctx, s, s.questionList(ctx), "q", "q.session_id",
		QuestionOrdering(), r, sessionIDs, func(q *models.Question) int64 { return q.SessionID })
}

// QuestionCounts counts the questions of each session.
func (s *Store) QuestionCounts(ctx context.Context, sessionIDs []int64) (map[int64]int, error) {
	return countByParent(ctx, s, s.questionList(ctx), "q.session_id", sessionIDs)
}

// CreateMessage inserts a conversation turn.
func (s *Store) CreateMessage(ctx context.Context, m *models.Message) error {
	return s.insert(ctx, "message", m)
}

// MessagesByIDs returns messages by id.
func (s *Store) MessagesByIDs(ctx context.Context, ids []int64) ([]*models.Message, error) {
	return byIDs[models.Message](ctx, s, "messages", "m.id", ids)
}

func (s *Store) messageList(ctx context.Context) *bun.SelectQuery {
	return s.DB(ctx).NewSelect().Model((*models.Message)(nil)).Where(s.anyOf("m.session_id"))
}

// MessagePages reads a page of messages per session in one statement.
func (s *Store) MessagePages(ctx context.Context, sessionIDs []int64, r page.Request) (map[int64][]*models.Message, error) {
	return pagesByParent(ctx, s, s.messageList(ctx), "m", "m.session_id",
		MessageOrdering(), r, sessionIDs, func(m *models.Message) int64 { return m.SessionID })
}

// MessageCounts counts the messages of each session.
func (s *Store) MessageCounts(ctx context.Context, sessionIDs []int64) (map[int64]int, error) {
	return countByParent(ctx, s, s.messageList(ctx), "m.session_id", sessionIDs)
}

// LastMessages returns the last n messages of a session, oldest first.
func (s *Store) LastMessages(ctx context.Context, sessionID int64, n int) ([]*models.Message, error) {
	var rows []*models.Message
	err := s.DB(ctx).NewSelect().Model(&rows).Where("m.session_id = ?", sessionID).OrderExpr("m.id DESC").Limit(int64(n)).Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("last messages: %w", err)
	}
	slices.Reverse(rows)
	return rows, nil
}

// RecordLLMCallAtCommit records a use of a counselor engine when the
// transaction in ctx commits (see atcommit.go); c's id is not set.
func (s *Store) RecordLLMCallAtCommit(ctx context.Context, c *models.LLMCall) error {
	return s.writeAtCommit(ctx, nil, "record llm call", s.DB(ctx).NewInsert().Model(c).Returning("NULL"))
}

// UsageRow is the usage of one provider and model in a project.
type UsageRow struct {
	ProjectID    int64                `bun:"project_id"`
	Provider     models.LLMProviderID `bun:"provider"`
	Model        string               `bun:"model"`
	Calls        int                  `bun:"calls"`
	InputTokens  int                  `bun:"input_tokens"`
	OutputTokens int                  `bun:"output_tokens"`
	CostUSD      float64              `bun:"cost_usd"`
	Fallbacks    int                  `bun:"fallbacks"`
}

// UsageByProject sums the LLM usage of projects per provider and model.
func (s *Store) UsageByProject(ctx context.Context, projectIDs []int64) (map[int64][]UsageRow, error) {
	var rows []UsageRow
	q := s.DB(ctx).NewSelect().Model((*models.LLMCall)(nil)).
		ColumnExpr("lcall.project_id, lcall.provider, lcall.model, count(*) AS calls").
		ColumnExpr("sum(lcall.input_tokens) AS input_tokens, sum(lcall.output_tokens) AS output_tokens").
		ColumnExpr("sum(lcall.cost_usd) AS cost_usd, sum(CASE WHEN lcall.fallback THEN 1 ELSE 0 END) AS fallbacks").
		Where(s.anyOf("lcall.project_id")).
		GroupExpr("lcall.project_id, lcall.provider, lcall.model").
		OrderExpr("lcall.provider, lcall.model")
	if err := s.scanIDs(ctx, q, projectIDs, &rows); err != nil {
		return nil, fmt.Errorf("llm usage: %w", err)
	}
	out := map[int64][]UsageRow{}
	for _, r := range rows {
		out[r.ProjectID] = append(out[r.ProjectID], r)
	}
	return out, nil
}

// LLMCredential returns a user's stored key for a provider.
func (s *Store) LLMCredential(ctx context.Context, userID int64, provider models.LLMProviderID) (*models.LLMCredential, error) {
	c := &models.LLMCredential{UserID: userID, Provider: provider}
	err := s.DB(ctx).NewSelect().Model(c).WherePK().Scan(ctx)
	return c, rowErr(err, "llm credential")
}

// LLMCredentials returns every stored key of a user.
func (s *Store) LLMCredentials(ctx context.Context, userID int64) ([]*models.LLMCredential, error) {
	var rows []*models.LLMCredential
	if err := s.DB(ctx).NewSelect().Model(&rows).Where("lc.user_id = ?", userID).Scan(ctx); err != nil {
		return nil, fmt.Errorf("llm credentials: %w", err)
	}
	return rows, nil
}

// SaveLLMCredential inserts or replaces a user's key for a provider.
func (s *Store) SaveLLMCredential(ctx context.Context, c *models.LLMCredential) error {
	_, err := s.DB(ctx).NewInsert().Model(c).
		On("CONFLICT (user_id, provider) DO UPDATE").
		Set("api_key_cipher = EXCLUDED.api_key_cipher").
		Set("base_url = EXCLUDED.base_url").
		Set("updated_at = EXCLUDED.updated_at").
		Exec(ctx)
	if err != nil {
		return fmt.Errorf("save llm credential: %w", err)
	}
	return nil
}

// DeleteLLMCredential removes a user's key; false when there was none.
func (s *Store) DeleteLLMCredential(ctx context.Context, userID int64, provider models.LLMProviderID) (bool, error) {
	res, err := s.DB(ctx).NewDelete().Model((*models.LLMCredential)(nil)).
		Where("user_id = ?", userID).Where("provider = ?", provider).Exec(ctx)
	if err != nil {
		return false, fmt.Errorf("delete llm credential: %w", err)
	}
	n, err := res.RowsAffected()
	return n > 0, err
}

// insertMany inserts rows in one statement and sets their ids in the order
// of rows. A statement takes ids row by row, in the order given, from one
// sequence (PostgreSQL) or the table's rowid (SQLite), so the sorted ids
// belong to the rows in turn whatever order RETURNING reports them in.
func insertMany[T any](ctx context.Context, s *Store, what string, rows []*T, id func(*T) *int64) error {
	if len(rows) == 0 {
		return nil
	}
	if _, err := s.DB(ctx).NewInsert().Model(&rows).Exec(ctx); err != nil {
		return fmt.Errorf("insert %s: %w", what, err)
	}
	got := make([]int64, len(rows))
	for i, r := range rows {
		got[i] = *id(r)
	}
	slices.Sort(got)
	for i, r := range rows {
		*id(r) = got[i]
	}
	return nil
}
