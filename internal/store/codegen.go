package store

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"

	"socrates/internal/page"
	"socrates/models"
)

// GenerationOrdering orders a project's code generations, newest first.
func GenerationOrdering() Ordering[*models.CodeGeneration] {
	return Ordering[*models.CodeGeneration]{
		Name: "GENERATION", ID: "cg.id", Desc: true,
		Key: func(g *models.CodeGeneration) int64 { return g.ID },
	}
}

// GeneratedFileOrdering orders a generation's files by path: they are
// written in path order, so their ids follow it.
func GeneratedFileOrdering() Ordering[*models.GeneratedFile] {
	return ChronologicalOrdering("GENERATED_FILE", "gf.id", func(f *models.GeneratedFile) int64 { return f.ID })
}

// NextGenerationVersion returns the number the project's next code
// generation takes; call it with the project locked.
func (s *Store) NextGenerationVersion(ctx context.Context, projectID int64) (int, error) {
	var v int
	err := s.DB(ctx).NewSelect().Model((*models.CodeGeneration)(nil)).
		ColumnExpr("COALESCE(MAX(cg.version), 0) + 1").Where("cg.project_id = ?", projectID).Scan(ctx, &v)
	if err != nil {
		return 0, fmt.Errorf("next generation version: %w", err)
	}
	return v, nil
}

// CreateGeneration inserts a code generation.
func (s *Store) CreateGeneration(ctx context.Context, g *models.CodeGeneration) error {
	return s.insert(ctx, "code generation", g)
}

// GenerationForUpdate reads a code generation inside the transaction of
// ctx and locks it until the transaction ends (see forUpdate).
func (s *Store) GenerationForUpdate(ctx context.Context, id int64) (*models.CodeGeneration, error) {
	return rowForUpdate[models.CodeGeneration](ctx, s, "code generation", "cg.id", id)
}

// UpdateGeneration writes the given columns of a code generation.
func (s *Store) UpdateGeneration(ctx context.Context, g *models.CodeGeneration, columns ...string) error {
	if _, err := s.DB(ctx).NewUpdate().Model(g).Column(columns...).WherePK().Exec(ctx); err != nil {
		return fmt.Errorf("update code generation: %w", err)
	}
	return nil
}

// CreateGeneratedFiles inserts a generation's files in one statement, in
// the order given.
func (s *Store) CreateGeneratedFiles(ctx context.Context, files []*models.GeneratedFile) error {
	if len(files) == 0 {
		return nil
	}
	if _, err := s.DB(ctx).NewInsert().Model(&files).Exec(ctx); err != nil {
		return fmt.Errorf("insert generated files: %w", err)
	}
	return nil
}

// unfinished is the list of the statuses of a generation still to run or
// running, as a query argument.
func unfinished() any {
	return bun.List([]models.GenerationStatus{models.GenerationStatusPending, models.GenerationStatusInProgress})
}

// FailStaleGenerations marks FAILED with reason every PENDING or
// IN_PROGRESS generation whose heartbeat is older than before (the
// instance running it stopped), and returns them.
func (s *Store) FailStaleGenerations(ctx context.Context, reason string, before, now time.Time) ([]*models.CodeGeneration, error) {
	var rows []*models.CodeGeneration
	err := s.DB(ctx).NewSelect().Model(&rows).Where("cg.status IN (?)", unfinished()).Where("cg.heartbeat_at < ?", before).
		OrderExpr("cg.id").Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("stale generations: %w", err)
	}
	if len(rows) == 0 {
		return nil, nil
	}
	ids := make([]int64, len(rows))
	for i, g := range rows {
		ids[i] = g.ID
		g.Status, g.Error, g.CompletedAt = models.GenerationStatusFailed, &reason, &now
	}
	_, err = s.DB(ctx).NewUpdate().Model((*models.CodeGeneration)(nil)).
		Set("status = ?", models.GenerationStatusFailed).Set("error = ?", reason).Set("completed_at = ?", now).
		Where("id IN (?)", bun.List(ids)).Where("status IN (?)", unfinished()).
		Exec(ctx)
	if err != nil {
		return nil, fmt.Errorf("fail stale generations: %w", err)
	}
	return rows, nil
}

// TouchGenerations sets the heartbeat of the unfinished generations among
// ids to now.
func (s *Store) TouchGenerations(ctx context.Context, ids []int64, now time.Time) error {
	if len(ids) == 0 {
		return nil
	}
	_, err := s.DB(ctx).NewUpdate().Model((*models.CodeGeneration)(nil)).Set("heartbeat_at = ?", now).
		Where("id IN (?)", bun.List(ids)).Where("status IN (?)", unfinished()).Exec(ctx)
	if err != nil {
		return fmt.Errorf("touch generations: %w", err)
	}
	return nil
}

// GenerationsByIDs reads code generations by id.
func (s *Store) GenerationsByIDs(ctx context.Context, ids []int64) ([]*models.CodeGeneration, error) {
	return byIDs[models.CodeGeneration](ctx, s, "code generations", "cg.id", ids)
}

// GeneratedFilesByIDs reads generated files by id.
func (s *Store) GeneratedFilesByIDs(ctx context.Context, ids []int64) ([]*models.GeneratedFile, error) {
	return byIDs[models.GeneratedFile](ctx, s, "generated files", "gf.id", ids)
}

func (s *Store) generationList(ctx context.Context) *bun.SelectQuery {
	return s.DB(ctx).NewSelect().Model((*models.CodeGeneration)(nil)).Where(s.anyOf("cg.project_id"))
}

// GenerationPages reads a page of code generations per project in one statement.
func (s *Store) GenerationPages(ctx context.Context, projectIDs []int64, r page.Request) (map[int64][]*models.CodeGeneration, error) {
	return pagesByParent(ctx, s, s.generationList(ctx), "cg", "cg.project_id",
		GenerationOrdering(), r, projectIDs, func(g *models.CodeGeneration) int64 { return g.ProjectID })
}

// GenerationCounts counts the code generations of each project.
func (s *Store) GenerationCounts(ctx context.Context, projectIDs []int64) (map[int64]int, error) {
	return countByParent(ctx, s, s.generationList(ctx), "cg.project_id", projectIDs)
}

func (s *Store) generatedFileList(ctx context.Context) *bun.SelectQuery {
	return s.DB(ctx).NewSelect().Model((*models.GeneratedFile)(nil)).Where(s.anyOf("gf.generation_id"))
}

// GeneratedFilePages reads a page of files per generation in one statement.
func (s *Store) GeneratedFilePages(ctx context.Context, generationIDs []int64, r page.Request) (map[int64][]*models.GeneratedFile, error) {
	return pagesByParent(ctx, s, s.generatedFileList(ctx), "gf", "gf.generation_id",
		GeneratedFileOrdering(), r, generationIDs, func(f *models.GeneratedFile) int64 { return f.GenerationID })
}

// GeneratedFileCounts counts the files of each generation.
func (s *Store) GeneratedFileCounts(ctx context.Context, generationIDs []int64) (map[int64]int, error) {
	return countByParent(ctx, s, s.generatedFileList(ctx), "gf.generation_id", generationIDs)
}

// GeneratedFilesAfter reads up to limit files of a generation whose id is
// above afterID, in path order: the ZIP download reads a generation's
// files a batch at a time.
func (s *Store) GeneratedFilesAfter(ctx context.Context, generationID, afterID int64, limit int) ([]*models.GeneratedFile, error) {
	var rows []*models.GeneratedFile
	err := s.DB(ctx).NewSelect().Model(&rows).Where("gf.generation_id = ?", generationID).Where("gf.id > ?", afterID).
		OrderExpr("gf.id").Limit(int64(limit)).Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("generated files after %d: %w", afterID, err)
	}
	return rows, nil
}
