// Package codegen turns a mature project's specifications into a project
// skeleton. The generateCode mutation records a PENDING generation with
// the project's next version number in one transaction; once it commits,
// a worker owned by the service (a few at a time) marks it IN_PROGRESS,
// reads the specifications through the pool, renders the files with no
// database connection held, publishing one progress step per file, and
// writes the files and COMPLETED (or FAILED with the reason) in a final
// transaction. Generations left unfinished by a crash are marked FAILED
// when the service starts.
package codegen

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"socrates/internal/access"
	"socrates/internal/apperr"
	"socrates/internal/clock"
	"socrates/internal/page"
	"socrates/internal/pubsub"
	"socrates/internal/socratic"
	"socrates/internal/store"
	"socrates/models"
)

// Reasons written in the error of a generation stopped from outside.
const (
	ReasonRestart  = "interrupted by a restart"
	ReasonShutdown = "interrupted by a shutdown"
)

// Input is what a generator writes a skeleton from.
type Input struct {
	// Project and Description name the project.
	Project     string
	Description string
	Stack       models.CodeStack
	// Specifications are the project's CURRENT specifications, in the
	// order they were recorded.
	Specifications []*models.Specification
}

// Planned is one file a generator will write: its path, and how to render
// its content.
type Planned struct {
	Path   string
	Render func() (string, error)
}

// Generator plans the files of a skeleton. It must be deterministic: the
// same input gives the same paths and contents.
type Generator interface {
	Plan(ctx context.Context, in Input) ([]Planned, error)
}

// Limits bound what one generation may write.
type Limits struct {
	MaxFiles     int
	MaxFileBytes int
	MaxBytes     int
}

// DefaultLimits are the limits when none are given.
func DefaultLimits() Limits {
	return Limits{MaxFiles: 200, MaxFileBytes: 256 << 10, MaxBytes: 4 << 20}
}

// Refusal is a generation failure whose message may be shown to users
// (a limit, an unsafe path); any other failure is shown as an internal
// error and logged.
type Refusal struct{ Message string }

func (r *Refusal) Error() string { return r.Message }

// Reader reads objects and lists, batched within an operation.
type Reader interface {
	Project(ctx context.Context, id int64) (*models.Project, error)
	Generation(ctx context.Context, id int64) (*models.CodeGeneration, error)
	GeneratedFile(ctx context.Context, id int64) (*models.GeneratedFile, error)
	Generations(ctx context.Context, projectID int64, args page.Args) (*models.CodeGenerationConnection, error)
	GeneratedFiles(ctx context.Context, generationID int64, args page.Args) (*models.GeneratedFileConnection, error)
}

// Projects locks a project inside a transaction after checking access.
type Projects interface {
	Locked(ctx context.Context, id int64, need access.Permission) (*models.Project, error)
}

// Policy decides whether the viewer may read a project.
type Policy interface {
	Readable(ctx context.Context, projectID int64, what string) (*models.Project, error)
}

// Events publishes progress steps and subscribes to them.
type Events interface {
	Publish(ctx context.Context, topic string, event any)
	Subscribe(ctx context.Context, topic string, owner pubsub.Owner) <-chan any
}

// Deps are what a Service needs.
type Deps struct {
	Store     *store.Store
	Read      Reader
	Projects  Projects
	Policy    Policy
	Events    Events
	Generator Generator
	// Engines and Writer let a language model write the files, through
	// the model protocol (protocol.go), when the requester has one in the
	// project; Generator is then the fallback. Nil writes every skeleton
	// with Generator.
	Engines Engines
	Writer  Writer
	Clock   clock.Clock
	Logger  *slog.Logger
	// Workers is how many generations run at once (at least 1).
	Workers int
	// Limits bound each generation; zero means DefaultLimits.
	Limits Limits
	// Lease is how long a generation's heartbeat stays fresh (see
	// lease.go); zero means DefaultLease.
	Lease time.Duration
}

// Service runs code generations.
type Service struct {
	d      Deps
	sem    chan struct{}
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
	// mu guards owned, the generations this instance runs or waits to
	// run, whose heartbeats it refreshes.
	mu    sync.Mutex
	owned map[int64]bool
}

// NewService returns a service whose workers run until Close.
func NewService(d Deps) *Service {
	if d.Workers < 1 {
		d.Workers = 1
	}
	if d.Limits == (Limits{}) {
		d.Limits = DefaultLimits()
	}
	if d.Lease <= 0 {
		d.Lease = DefaultLease
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &Service{d: d, sem: make(chan struct{}, d.Workers), ctx: ctx, cancel: cancel, owned: map[int64]bool{}}
	s.wg.Add(1)
	go s.keepAlive()
	return s
}

// Close stops the workers: a generation still running or waiting is
// marked FAILED (ReasonShutdown). It returns when they have all stopped,
// or when ctx ends.
func (s *Service) Close(ctx context.Context) error {
	s.cancel()
	done := make(chan struct{})
	go func() { s.wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("stop code generation workers: %w", ctx.Err())
	}
}

// Recover marks FAILED (ReasonRestart) every PENDING or IN_PROGRESS
// generation whose heartbeat is older than the lease: the instance that
// ran it stopped (this one, before a restart, or another). The app calls
// it once at start; the service then sweeps on its own (lease.go).
func (s *Service) Recover(ctx context.Context) (int, error) {
	return s.sweep(ctx)
}

// Topic carries the progress of a generation.
func Topic(generationID int64) string { return "generation:" + strconv.FormatInt(generationID, 10) }

// Generate checks that the project is mature (maturity 100, no OPEN
// conflict) and that the viewer may write it, and records a PENDING
// generation with the project's next version; it runs once the
// transaction commits.
func (s *Service) Generate(ctx context.Context, projectID int64, stack models.CodeStack) (*models.CodeGeneration, error) {
	pr, err := access.RequireUser(ctx)
	if err != nil {
		return nil, err
	}
	if !stack.IsValid() {
		return nil, apperr.Invalid("stack", apperr.CodeInvalid, "%q is not a stack", stack)
	}
	return store.InTx(ctx, s.d.Store, func(ctx context.Context) (*models.CodeGeneration, error) {
		p, err := s.d.Projects.Locked(ctx, projectID, access.Write)
		if err != nil {
			return nil, err
		}
		if p.Status == models.ProjectStatusArchived {
			return nil, apperr.Invalid("projectId", apperr.CodeInvalidState, "the project is archived; restore it first")
		}
		scores, err := s.d.Store.CategoryScores(ctx, []int64{p.ID})
		if err != nil {
			return nil, err
		}
		open, err := s.d.Store.ConflictCounts(ctx, []int64{p.ID}, store.ConflictFilter{Status: models.ConflictStatusOpen})
		if err != nil {
			return nil, err
		}
		if r := socratic.Report(scores[p.ID], open[p.ID]); !r.ReadyForCodeGeneration {
			v := &apperr.Validation{}
			for _, b := range r.Blockers {
				v.Add("projectId", apperr.CodeNotReady, "not ready for code generation: %s", b)
			}
			return nil, v
		}
		version, err := s.d.Store.NextGenerationVersion(ctx, p.ID)
		if err != nil {
			return nil, err
		}
		now := s.d.Clock()
		g := &models.CodeGeneration{ProjectID: p.ID, Version: version, Stack: stack, Status: models.GenerationStatusPending,
			RequestedByID: &pr.UserID, StartedAt: now, HeartbeatAt: now}
		if err := s.d.Store.CreateGeneration(ctx, g); err != nil {
			return nil, err
		}
		s.publish(ctx, g, 0, "")
		store.AfterCommit(ctx, func() { s.start(g.ID) })
		return g, nil
	})
}

// start runs a committed generation in the background.
func (s *Service) start(id int64) {
	s.own(id, true)
	s.wg.Add(1)
	go s.run(id)
}

// run takes a worker slot and runs one generation.
func (s *Service) run(id int64) {
	defer s.wg.Done()
	defer s.own(id, false)
	select {
	case s.sem <- struct{}{}:
	case <-s.ctx.Done():
		s.fail(id, &Refusal{ReasonShutdown})
		return
	}
	defer func() { <-s.sem }()
	var err error
	func() {
		defer func() {
			if p := recover(); p != nil {
				err = fmt.Errorf("generation %d panicked: %v", id, p)
			}
		}()
		err = s.generate(s.ctx, id)
	}()
	if err != nil {
		if s.ctx.Err() != nil {
			err = &Refusal{ReasonShutdown}
		}
		s.fail(id, err)
	}
}

// generate does the work of one generation.
func (s *Service) generate(ctx context.Context, id int64) error {
	g, err := store.InTx(ctx, s.d.Store, func(ctx context.Context) (*models.CodeGeneration, error) {
		cur, err := s.d.Store.GenerationForUpdate(ctx, id)
		if err != nil {
			return nil, err
		}
		if cur.Status != models.GenerationStatusPending {
			return nil, nil
		}
		cur.Status, cur.HeartbeatAt = models.GenerationStatusInProgress, s.d.Clock()
		if err := s.d.Store.UpdateGeneration(ctx, cur, "status", "heartbeat_at"); err != nil {
			return nil, err
		}
		s.publish(ctx, cur, 0, "")
		return cur, nil
	})
	if err != nil || g == nil {
		return err
	}
	// What the generator needs, read through the pool; no connection is
	// held from here until the final transaction.
	pool := store.WithoutTx(ctx)
	projects, err := s.d.Store.ProjectsByIDs(pool, []int64{g.ProjectID})
	if err != nil {
		return err
	}
	if len(projects) == 0 {
		return &Refusal{"the project no longer exists"}
	}
	specs, err := s.d.Store.ProjectSpecifications(pool, g.ProjectID, models.SpecStatusCurrent)
	if err != nil {
		return err
	}
	in := Input{Project: projects[0].Name, Stack: g.Stack, Specifications: specs}
	if projects[0].Description != nil {
		in.Description = *projects[0].Description
	}
	planned, usage, err := s.plan(ctx, g, projects[0], in)
	if err != nil {
		return err
	}
	if err := s.recordUsage(pool, g, usage); err != nil {
		return err
	}
	files, err := s.render(ctx, g, planned)
	if err != nil {
		return err
	}
	return s.d.Store.WithTx(ctx, func(ctx context.Context) error {
		cur, err := s.d.Store.GenerationForUpdate(ctx, id)
		if err != nil {
			return err
		}
		if cur.Status != models.GenerationStatusInProgress {
			return nil // failed meanwhile (a restart elsewhere)
		}
		if err := s.d.Store.CreateGeneratedFiles(ctx, files); err != nil {
			return err
		}
		now := s.d.Clock()
		cur.Status, cur.TotalFiles, cur.CompletedAt = models.GenerationStatusCompleted, len(files), &now
		for _, f := range files {
			cur.TotalLines += f.Lines
		}
		if err := s.d.Store.UpdateGeneration(ctx, cur, "status", "total_files", "total_lines", "completed_at"); err != nil {
			return err
		}
		s.publish(ctx, cur, len(files), "")
		return nil
	})
}

// render renders the planned files, checking every path and limit, and
// publishes a step per file. The files come back sorted by path.
func (s *Service) render(ctx context.Context, g *models.CodeGeneration, planned []Planned) ([]*models.GeneratedFile, error) {
	lim := s.d.Limits
	if len(planned) > lim.MaxFiles {
		return nil, &Refusal{fmt.Sprintf("the generator planned %d files; at most %d are kept", len(planned), lim.MaxFiles)}
	}
	sort.SliceStable(planned, func(i, j int) bool { return planned[i].Path < planned[j].Path })
	files := make([]*models.GeneratedFile, 0, len(planned))
	total := 0
	for i, p := range planned {
		if err := ValidatePath(p.Path); err != nil {
			return nil, &Refusal{err.Error()}
		}
		if i > 0 && planned[i-1].Path == p.Path {
			return nil, &Refusal{fmt.Sprintf("the file %s is planned twice", p.Path)}
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		content, err := p.Render()
		if err != nil {
			return nil, fmt.Errorf("render %s: %w", p.Path, err)
		}
		if len(content) > lim.MaxFileBytes {
			return nil, &Refusal{fmt.Sprintf("%s is %d bytes; a file may have at most %d", p.Path, len(content), lim.MaxFileBytes)}
		}
		if total += len(content); total > lim.MaxBytes {
			return nil, &Refusal{fmt.Sprintf("the files pass %d bytes together", lim.MaxBytes)}
		}
		files = append(files, &models.GeneratedFile{GenerationID: g.ID, Path: p.Path, Content: content, Size: len(content), Lines: CountLines(content)})
		s.publishStep(ctx, g, &models.CodeGenerationProgress{Status: models.GenerationStatusInProgress,
			FilesDone: i + 1, TotalFiles: len(planned), CurrentPath: &files[i].Path})
	}
	return files, nil
}

// CountLines counts the lines of a text: its newlines, plus one for a
// last line without one.
func CountLines(s string) int {
	n := strings.Count(s, "\n")
	if s != "" && !strings.HasSuffix(s, "\n") {
		n++
	}
	return n
}

// fail marks a generation FAILED, unless it is already finished. Only a
// Refusal's message is shown; anything else is logged and shown as an
// internal error.
func (s *Service) fail(id int64, cause error) {
	msg := fmt.Sprintf("internal error (generation %d); the server's log has the details", id)
	var r *Refusal
	if errors.As(cause, &r) {
		msg = r.Message
	}
	if r == nil {
		s.d.Logger.Error("code generation failed", "generation", id, "error", cause.Error())
	} else {
		s.d.Logger.Info("code generation failed", "generation", id, "reason", msg)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err := s.d.Store.WithTx(ctx, func(ctx context.Context) error {
		g, err := s.d.Store.GenerationForUpdate(ctx, id)
		if err != nil {
			return err
		}
		if g.Finished() {
			return nil
		}
		now := s.d.Clock()
		g.Status, g.Error, g.CompletedAt = models.GenerationStatusFailed, &msg, &now
		if err := s.d.Store.UpdateGeneration(ctx, g, "status", "error", "completed_at"); err != nil {
			return err
		}
		s.publish(ctx, g, 0, "")
		return nil
	})
	if err != nil {
		s.d.Logger.Error("code generation: record the failure", "generation", id, "error", err.Error())
	}
}

// publish sends a generation's state as a progress step (after ctx's
// transaction commits).
func (s *Service) publish(ctx context.Context, g *models.CodeGeneration, done int, current string) {
	p := Progress(g)
	if done > 0 {
		p.FilesDone = done
	}
	if current != "" {
		p.CurrentPath = &current
	}
	s.publishStep(ctx, g, p)
}

func (s *Service) publishStep(ctx context.Context, g *models.CodeGeneration, p *models.CodeGenerationProgress) {
	s.d.Events.Publish(ctx, Topic(g.ID), p)
}

// Progress is a generation's state as a progress step.
func Progress(g *models.CodeGeneration) *models.CodeGenerationProgress {
	p := &models.CodeGenerationProgress{Status: g.Status, TotalFiles: g.TotalFiles, Error: g.Error}
	if g.Status == models.GenerationStatusCompleted {
		p.FilesDone = g.TotalFiles
	}
	return p
}
