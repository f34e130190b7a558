package store

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"

	"socrates/internal/page"
	"socrates/internal/socratic"
	"socrates/models"
)

// SpecOrdering orders a project's specifications, oldest first.
func SpecOrdering() Ordering[*models.Specification] {
	return ChronologicalOrdering("SPECIFICATION", "sp.id", func(s *models.Specification) int64 { return s.ID })
}

// ConflictOrdering orders a project's conflicts, newest first.
func ConflictOrdering() Ordering[*models.Conflict] {
	return Ordering[*models.Conflict]{Name: "CONFLICT", ID: "c.id", Desc: true, Key: func(c *models.Conflict) int64 { return c.ID }}
}

// CreateSpecification inserts a specification.
func (s *Store) CreateSpecification(ctx context.Context, sp *models.Specification) error {
	return s.insert(ctx, "specification", sp)
}

// SpecificationsByIDs returns specifications by id.
func (s *Store) SpecificationsByIDs(ctx context.Context, ids []int64) ([]*models.Specification, error) {
	return byIDs[models.Specification](ctx, s, "specifications", "sp.id", ids)
}

// SpecificationForUpdate reads a specification inside the transaction of
// ctx and locks it until the transaction ends (see forUpdate).
func (s *Store) SpecificationForUpdate(ctx context.Context, id int64) (*models.Specification, error) {
	return rowForUpdate[models.Specification](ctx, s, "specification", "sp.id", id)
}

// ProjectSpecifications returns a project's specifications in the given
// statuses, oldest first.
func (s *Store) ProjectSpecifications(ctx context.Context, projectID int64, statuses ...models.SpecStatus) ([]*models.Specification, error) {
	var rows []*models.Specification
	q := s.DB(ctx).NewSelect().Model(&rows).Where("sp.project_id = $1").OrderExpr("sp.id")
	if len(statuses) > 0 {
		q = q.Where("sp.status IN (?)", bun.List(statuses))
	}
	if err := s.run(ctx, q, []any{projectID}, []any{&rows}); err != nil {
		return nil, fmt.Errorf("project specifications: %w", err)
	}
	return rows, nil
}

// UpdateSpecification writes the given columns of a specification.
func (s *Store) UpdateSpecification(ctx context.Context, sp *models.Specification, columns ...string) error {
	if _, err := s.DB(ctx).NewUpdate().Model(sp).Column(columns...).WherePK().Exec(ctx); err != nil {
		return fmt.Errorf("update specification: %w", err)
	}
	return nil
}

// SpecFilter selects a project's specifications; zero fields select all.
type SpecFilter struct {
	Category models.SpecCategory
	Status   models.SpecStatus
	Search   string
}

func (s *Store) specList(ctx context.Context, f SpecFilter) *bun.SelectQuery {
	q := s.DB(ctx).NewSelect().Model((*models.Specification)(nil)).Where(s.anyOf("sp.project_id"))
	if f.Category != "" {
		q = q.Where("sp.category = ?", f.Category)
	}
	if f.Status != "" {
		q = q.Where("sp.status = ?", f.Status)
	}
	if f.Search != "" {
		p := likePattern(f.Search)
		q = q.WhereGroup(" AND ", func(q *bun.SelectQuery) *bun.SelectQuery {
			return q.Where(`lower(sp.key) LIKE ? ESCAPE '\'`, p).WhereOr(`lower(sp.value) LIKE ? ESCAPE '\'`, p).
				WhereOr(`lower(sp.content) LIKE ? ESCAPE '\'`, p)
		})
	}
	return q
}

// SpecificationPages reads a page of specifications per project.
func (s *Store) SpecificationPages(ctx context.Context, projectIDs []int64, f SpecFilter, r page.Request) (map[int64][]*models.Specification, error) {
	return pagesByParent(ctx, s, s.specList(ctx, f), "sp", "sp.project_id",
		SpecOrdering(), r, projectIDs, func(x *models.Specification) int64 { return x.ProjectID })
}

// SpecificationCounts counts the specifications of each project.
func (s *Store) SpecificationCounts(ctx context.Context, projectIDs []int64, f SpecFilter) (map[int64]int, error) {
	return countByParent(ctx, s, s.specList(ctx, f), "sp.project_id", projectIDs)
}

// SpecificationsByQuestion returns the specifications extracted from each
// question's answer, oldest first.
func (s *Store) SpecificationsByQuestion(ctx context.Context, questionIDs []int64) (map[int64][]*models.Specification, error) {
	var rows []*models.Specification
	q := s.DB(ctx).NewSelect().Model(&rows).Where(s.anyOf("sp.question_id")).OrderExpr("sp.id")
	if err := s.scanIDs(ctx, q, questionIDs, &rows); err != nil {
		return nil, fmt.Errorf("specifications by question: %w", err)
	}
	out := map[int64][]*models.Specification{}
	for _, r := range rows {
		out[*r.QuestionID] = append(out[*r.QuestionID], r)
	}
	return out, nil
}

// SpecificationsSupersededBy returns, per specification, the ones it replaced.
func (s *Store) SpecificationsSupersededBy(ctx context.Context, ids []int64) (map[int64][]*models.Specification, error) {
	var rows []*models.Specification
	q := s.DB(ctx).NewSelect().Model(&rows).Where(s.anyOf("sp.superseded_by_id")).OrderExpr("sp.id")
	if err := s.scanIDs(ctx, q, ids, &rows); err != nil {
		return nil, fmt.Errorf("superseded specifications: %w", err)
	}
	out := map[int64][]*models.Specification{}
	for _, r := range rows {
		out[*r.SupersededByID] = append(out[*r.SupersededByID], r)
	}
	return out, nil
}

// CategoryScores sums the CURRENT specifications of each project per category.
func (s *Store) CategoryScores(ctx context.Context, projectIDs []int64) (map[int64]map[models.SpecCategory]socratic.CategoryScore, error) {
	var rows []struct {
		ProjectID int64               `bun:"project_id"`
		Category  models.SpecCategory `bun:"category"`
		N         int                 `bun:"n"`
		Sum       float64             `bun:"total"`
	}
	q := s.DB(ctx).NewSelect().Model((*models.Specification)(nil)).
		ColumnExpr("sp.project_id, sp.category, count(*) AS n, sum(sp.confidence) AS total").
		Where(s.anyOf("sp.project_id")).Where("sp.status = ?", models.SpecStatusCurrent).
		GroupExpr("sp.project_id, sp.category")
	if err := s.scanIDs(ctx, q, projectIDs, &rows); err != nil {
		return nil, fmt.Errorf("category scores: %w", err)
	}
	out := map[int64]map[models.SpecCategory]socratic.CategoryScore{}
	for _, id := range projectIDs {
		out[id] = map[models.SpecCategory]socratic.CategoryScore{}
	}
	for _, r := range rows {
		out[r.ProjectID][r.Category] = socratic.CategoryScore{Count: r.N, ConfidenceSum: r.Sum}
	}
	return out, nil
}

// CreateConflicts inserts conflicts, setting their ids, and queues their
// links (links[i] are the specifications of conflicts[i]) for the commit
// of the transaction in ctx (see atcommit.go).
func (s *Store) CreateConflicts(ctx context.Context, cs []*models.Conflict, links [][]models.ConflictSpecification) error {
	if len(cs) == 0 {
		return nil
	}
	if err := insertMany(ctx, s, "conflicts", cs, func(c *models.Conflict) *int64 { return &c.ID }); err != nil {
		return err
	}
	var all []models.ConflictSpecification
	for i, ls := range links {
		for _, l := range ls {
			l.ConflictID = cs[i].ID
			all = append(all, l)
		}
	}
	if len(all) == 0 {
		return nil
	}
	return s.writeAtCommit(ctx, nil, "link conflicts", s.DB(ctx).NewInsert().Model(&all))
}

// CreateSpecifications inserts specifications in one statement and sets
// their ids.
func (s *Store) CreateSpecifications(ctx context.Context, specs []*models.Specification) error {
	return insertMany(ctx, s, "specifications", specs, func(sp *models.Specification) *int64 { return &sp.ID })
}

// ConflictForUpdate reads a conflict inside the transaction of ctx and
// locks it until the transaction ends (see forUpdate).
func (s *Store) ConflictForUpdate(ctx context.Context, id int64) (*models.Conflict, error) {
	return rowForUpdate[models.Conflict](ctx, s, "conflict", "c.id", id)
}

// ConflictsByIDs returns conflicts by id.
func (s *Store) ConflictsByIDs(ctx context.Context, ids []int64) ([]*models.Conflict, error) {
	return byIDs[models.Conflict](ctx, s, "conflicts", "c.id", ids)
}

// UpdateConflict writes the given columns of a conflict.
func (s *Store) UpdateConflict(ctx context.Context, c *models.Conflict, columns ...string) error {
	if _, err := s.DB(ctx).NewUpdate().Model(c).Column(columns...).WherePK().Exec(ctx); err != nil {
		return fmt.Errorf("update conflict: %w", err)
	}
	return nil
}

// ConflictLinks returns the specification links of each conflict,
// EXISTING before NEW, then by specification id.
func (s *Store) ConflictLinks(ctx context.Context, conflictIDs []int64) (map[int64][]models.ConflictSpecification, error) {
	var rows []models.ConflictSpecification
	q := s.DB(ctx).NewSelect().Model(&rows).Where(s.anyOf("cs.conflict_id")).OrderExpr("cs.role, cs.specification_id")
	if err := s.scanIDs(ctx, q, conflictIDs, &rows); err != nil {
		return nil, fmt.Errorf("conflict links: %w", err)
	}
	out := map[int64][]models.ConflictSpecification{}
	for _, r := range rows {
		out[r.ConflictID] = append(out[r.ConflictID], r)
	}
	return out, nil
}

// linkedSpecification is a specification row with the conflict it is
// linked to.
type linkedSpecification struct {
	models.Specification `bun:",extend"`
	LinkConflictID       int64 `bun:"link_conflict_id"`
}

// SpecificationsOfConflicts returns each conflict's specifications, the
// EXISTING ones before the NEW, then by id, in one statement.
func (s *Store) SpecificationsOfConflicts(ctx context.Context, conflictIDs []int64) (map[int64][]*models.Specification, error) {
	var rows []*linkedSpecification
	q := s.DB(ctx).NewSelect().Model(&rows).ColumnExpr(modelColumns[models.Specification](s.db, "sp")).ColumnExpr("cs.conflict_id AS link_conflict_id").
		Join("JOIN conflict_specifications AS cs ON cs.specification_id = sp.id").
		Where(s.anyOf("cs.conflict_id")).OrderExpr("cs.conflict_id, cs.role, cs.specification_id")
	if err := s.scanIDs(ctx, q, conflictIDs, &rows); err != nil {
		return nil, fmt.Errorf("specifications of conflicts: %w", err)
	}
	out := map[int64][]*models.Specification{}
	for _, r := range rows {
		out[r.LinkConflictID] = append(out[r.LinkConflictID], &r.Specification)
	}
	return out, nil
}

// ConflictsOfSpecifications returns, per specification, its conflicts.
func (s *Store) ConflictsOfSpecifications(ctx context.Context, specIDs []int64) (map[int64][]*models.Conflict, error) {
	links := []models.ConflictSpecification{}
	if err := s.scanIDs(ctx, s.DB(ctx).NewSelect().Model(&links).Where(s.anyOf("cs.specification_id")), specIDs, &links); err != nil {
		return nil, fmt.Errorf("conflicts of specifications: %w", err)
	}
	ids := make([]int64, 0, len(links))
	for _, l := range links {
		ids = append(ids, l.ConflictID)
	}
	conflicts, err := s.ConflictsByIDs(ctx, ids)
	if err != nil {
		return nil, err
	}
	byID := map[int64]*models.Conflict{}
	for _, c := range conflicts {
		byID[c.ID] = c
	}
	out := map[int64][]*models.Conflict{}
	for _, l := range links {
		if c := byID[l.ConflictID]; c != nil {
			out[l.SpecificationID] = append(out[l.SpecificationID], c)
		}
	}
	return out, nil
}

// ConflictFilter selects a project's conflicts; zero fields select all.
type ConflictFilter struct {
	Status   models.ConflictStatus
	Severity models.ConflictSeverity
}

func (s *Store) conflictList(ctx context.Context, f ConflictFilter) *bun.SelectQuery {
	q := s.DB(ctx).NewSelect().Model((*models.Conflict)(nil)).Where(s.anyOf("c.project_id"))
	if f.Status != "" {
		q = q.Where("c.status = ?", f.Status)
	}
	if f.Severity != "" {
		q = q.Where("c.severity = ?", f.Severity)
	}
	return q
}

// ConflictPages reads a page of conflicts per project.
func (s *Store) ConflictPages(ctx context.Context, projectIDs []int64, f ConflictFilter, r page.Request) (map[int64][]*models.Conflict, error) {
	return pagesByParent(ctx, s, s.conflictList(ctx, f), "c", "c.project_id",
		ConflictOrdering(), r, projectIDs, func(x *models.Conflict) int64 { return x.ProjectID })
}

// ConflictCounts counts the conflicts of each project.
func (s *Store) ConflictCounts(ctx context.Context, projectIDs []int64, f ConflictFilter) (map[int64]int, error) {
	return countByParent(ctx, s, s.conflictList(ctx, f), "c.project_id", projectIDs)
}

// SetSessionQuestionAtCommit points a session at its current question when
// the transaction in ctx commits (see atcommit.go).
func (s *Store) SetSessionQuestionAtCommit(ctx context.Context, sessionID, questionID int64, now time.Time) error {
	return s.writeAtCommit(ctx, sessionQuestionKey{sessionID}, "set current question", s.DB(ctx).NewUpdate().Model((*models.Session)(nil)).
		Set("current_question_id = ?", questionID).Set("updated_at = ?", now).
		Where("id = ?", sessionID))
}

// sessionQuestionKey queues one current question per session and
// transaction.
type sessionQuestionKey struct{ sessionID int64 }

// SetSpecificationsStatus sets the status of several specifications in one
// statement.
func (s *Store) SetSpecificationsStatus(ctx context.Context, ids []int64, status models.SpecStatus, now time.Time) error {
	if len(ids) == 0 {
		return nil
	}
	_, err := s.DB(ctx).NewUpdate().Model((*models.Specification)(nil)).
		Set("status = ?", status).Set("updated_at = ?", now).
		Where("id IN (?)", bun.List(ids)).Exec(ctx)
	if err != nil {
		return fmt.Errorf("set specifications status: %w", err)
	}
	return nil
}

// CloseConflicts marks several conflicts RESOLVED with one resolution
// (none when nil) and note, in one statement.
func (s *Store) CloseConflicts(ctx context.Context, ids []int64, resolution *string, note string, by int64, now time.Time) error {
	if len(ids) == 0 {
		return nil
	}
	_, err := s.DB(ctx).NewUpdate().Model((*models.Conflict)(nil)).
		Set("status = ?", models.ConflictStatusResolved).Set("resolution = ?", resolution).
		Set("resolution_note = ?", note).Set("resolved_by_id = ?", by).Set("resolved_at = ?", now).
		Where("id IN (?)", bun.List(ids)).Exec(ctx)
	if err != nil {
		return fmt.Errorf("close conflicts: %w", err)
	}
	return nil
}
