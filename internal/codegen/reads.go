package codegen

import (
	"context"
	"fmt"
	"io"
	"socrates/internal/slug"

	"socrates/internal/access"
	"socrates/internal/apperr"
	"socrates/internal/ids"
	"socrates/internal/page"
	"socrates/internal/pubsub"
	"socrates/internal/store"
	"socrates/models"
)

// Get returns a code generation the viewer may read.
func (s *Service) Get(ctx context.Context, id int64) (*models.CodeGeneration, error) {
	g, err := s.d.Read.Generation(ctx, id)
	if err != nil {
		return nil, apperr.NotFoundAs(err, "code generation")
	}
	if err := s.readable(ctx, g.ProjectID, "code generation"); err != nil {
		return nil, err
	}
	return g, nil
}

// File returns a generated file the viewer may read.
func (s *Service) File(ctx context.Context, id int64) (*models.GeneratedFile, error) {
	f, err := s.d.Read.GeneratedFile(ctx, id)
	if err != nil {
		return nil, apperr.NotFoundAs(err, "generated file")
	}
	g, err := s.d.Read.Generation(ctx, f.GenerationID)
	if err != nil {
		return nil, apperr.NotFoundAs(err, "generated file")
	}
	if err := s.readable(ctx, g.ProjectID, "generated file"); err != nil {
		return nil, err
	}
	return f, nil
}

func (s *Service) readable(ctx context.Context, projectID int64, what string) error {
	_, err := s.d.Policy.Readable(ctx, projectID, what)
	return err
}

// ForProject returns a page of a project's generations, newest first;
// the caller has read the project.
func (s *Service) ForProject(ctx context.Context, p *models.Project, args page.Args) (*models.CodeGenerationConnection, error) {
	return s.d.Read.Generations(ctx, p.ID, args)
}

// Files returns a page of a generation's files, in path order; the caller
// has read the generation.
func (s *Service) Files(ctx context.Context, g *models.CodeGeneration, args page.Args) (*models.GeneratedFileConnection, error) {
	return s.d.Read.GeneratedFiles(ctx, g.ID, args)
}

// DownloadURL is where a COMPLETED generation's files download as a ZIP;
// nil before.
func DownloadURL(g *models.CodeGeneration) *string {
	if g.Status != models.GenerationStatusCompleted {
		return nil
	}
	u := "/generations/" + ids.Encode(ids.CodeGeneration, g.ID) + ".zip"
	return &u
}

// Archive is a generation's files ready to be written as a ZIP.
type Archive struct {
	// Filename names the download: the project's slug, the version and
	// the stack.
	Filename string
	write    func(w io.Writer) error
}

// Write writes the ZIP to w, reading the files a batch at a time
// through the pool.
func (a *Archive) Write(w io.Writer) error { return a.write(w) }

// zipBatch is how many files the download reads per statement.
const zipBatch = 50

// Download prepares the ZIP of a generation the viewer may read:
// NOT_FOUND when it does not exist or the viewer may not read its
// project, INVALID_STATE before it is COMPLETED.
func (s *Service) Download(ctx context.Context, id int64) (*Archive, error) {
	g, err := s.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	if g.Status != models.GenerationStatusCompleted {
		return nil, apperr.New(apperr.Code(apperr.CodeInvalidState), "the generation is %s; its files download once it is COMPLETED", g.Status)
	}
	p, err := s.d.Read.Project(ctx, g.ProjectID)
	if err != nil {
		return nil, err
	}
	name := fmt.Sprintf("%s-v%d-%s.zip", slug.Of(p.Name), g.Version, slugStack(g.Stack))
	return &Archive{Filename: name, write: func(w io.Writer) error {
		pool := store.WithoutTx(ctx)
		z := NewZipWriter(w)
		after := int64(0)
		for {
			batch, err := s.d.Store.GeneratedFilesAfter(pool, g.ID, after, zipBatch)
			if err != nil {
				return err
			}
			for _, f := range batch {
				if err := z.Add(f); err != nil {
					return err
				}
				after = f.ID
			}
			if len(batch) < zipBatch {
				return z.Close()
			}
		}
	}}, nil
}

func slugStack(st models.CodeStack) string {
	switch st {
	case models.CodeStackGoService:
		return "go"
	case models.CodeStackTypescriptReact:
		return "react"
	case models.CodeStackPythonFastapi:
		return "fastapi"
	}
	return "code"
}

// Watch streams a generation's progress: its current state at once, then
// each step, and ends after COMPLETED or FAILED (at once when it has
// already finished).
func (s *Service) Watch(ctx context.Context, id int64) (<-chan *models.CodeGenerationProgress, error) {
	g, err := s.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	sub, cancel := context.WithCancel(ctx)
	in := s.d.Events.Subscribe(sub, Topic(id), pubsub.Owner{UserID: access.MustUser(ctx).UserID, ProjectID: g.ProjectID})
	// Read the state after subscribing, so that no step falls between.
	rows, err := s.d.Store.GenerationsByIDs(store.WithoutTx(ctx), []int64{id})
	if err != nil || len(rows) == 0 {
		cancel()
		return nil, apperr.NotFoundAs(err, "code generation")
	}
	out := make(chan *models.CodeGenerationProgress, 1)
	go func() {
		defer close(out)
		defer cancel()
		last := Progress(rows[0])
		send := func(p *models.CodeGenerationProgress) bool {
			select {
			case out <- p:
				return true
			case <-sub.Done():
				return false
			}
		}
		if !send(last) || finished(last.Status) {
			return
		}
		for {
			select {
			case <-sub.Done():
				return
			case e, ok := <-in:
				if !ok {
					return
				}
				p, ok := e.(*models.CodeGenerationProgress)
				if !ok || behind(p, last) {
					continue
				}
				last = p
				if !send(p) || finished(p.Status) {
					return
				}
			}
		}
	}()
	return out, nil
}

func finished(st models.GenerationStatus) bool {
	return st == models.GenerationStatusCompleted || st == models.GenerationStatusFailed
}

// rank orders the statuses of a generation's life.
func rank(st models.GenerationStatus) int {
	switch st {
	case models.GenerationStatusPending:
		return 0
	case models.GenerationStatusInProgress:
		return 1
	}
	return 2
}

// behind reports whether p is older than the step already sent: a step
// published before the subscriber read the current state.
func behind(p, last *models.CodeGenerationProgress) bool {
	if rank(p.Status) != rank(last.Status) {
		return rank(p.Status) < rank(last.Status)
	}
	return p.FilesDone < last.FilesDone
}
