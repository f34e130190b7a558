// Package document keeps the files uploaded to a project: it decides an
// upload's content type from its bytes and name against an allow-list
// (plain text, Markdown, PDF, JSON, CSV), extracts its text (PDF through
// pdfcpu, read with resource limits), and stores the text with the file's
// name, type, size and SHA-256 in one transaction with an activity entry.
// The database indexes the text for Project.search as it is written and
// drops it from the index when the document is deleted. The original
// bytes are not kept.
package document

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"strings"

	"github.com/99designs/gqlgen/graphql"

	"socrates/internal/access"
	"socrates/internal/apperr"
	"socrates/internal/clock"
	"socrates/internal/page"
	"socrates/internal/store"
	"socrates/models"
)

// Activity actions of documents.
const (
	ActionUploaded = "DOCUMENT_UPLOADED"
	ActionDeleted  = "DOCUMENT_DELETED"
)

// DefaultMaxBytes is the largest file accepted when no limit is given.
const DefaultMaxBytes = 10 << 20

// Reader reads objects and lists, batched within an operation.
type Reader interface {
	Document(ctx context.Context, id int64) (*models.Document, error)
	Documents(ctx context.Context, projectID int64, args page.Args) (*models.DocumentConnection, error)
}

// Projects locks a project inside a transaction after checking access.
type Projects interface {
	Locked(ctx context.Context, id int64, need access.Permission) (*models.Project, error)
}

// Policy decides what the viewer may do with a project.
type Policy interface {
	Readable(ctx context.Context, projectID int64, what string) (*models.Project, error)
	Require(ctx context.Context, project *models.Project, need access.Permission) error
}

// Deps are what a Service needs.
type Deps struct {
	Store    *store.Store
	Read     Reader
	Projects Projects
	Policy   Policy
	Clock    clock.Clock
	// MaxBytes is the largest file accepted (DefaultMaxBytes when 0).
	MaxBytes int64
	// Extractions bounds the text extractions running at once (at least
	// 1); the others wait their turn.
	Extractions int
}

// Service uploads, lists and deletes documents.
type Service struct {
	d     Deps
	slots chan struct{}
}

// NewService returns a document service.
func NewService(d Deps) *Service {
	if d.MaxBytes <= 0 {
		d.MaxBytes = DefaultMaxBytes
	}
	d.Extractions = max(d.Extractions, 1)
	return &Service{d: d, slots: make(chan struct{}, d.Extractions)}
}

// MaxBytes is the largest file the service accepts.
func (s *Service) MaxBytes() int64 { return s.d.MaxBytes }

// Upload stores a file in a project the viewer may write: the access is
// checked first, then the file is read (at most MaxBytes), its type
// decided and its text extracted with no database connection held, and
// the document and an activity entry are written in one transaction. A
// refused file gives a validation error and stores nothing.
func (s *Service) Upload(ctx context.Context, projectID int64, file graphql.Upload) (*models.Document, error) {
	pr, err := access.RequireUser(ctx)
	if err != nil {
		return nil, err
	}
	if err := s.writable(ctx, projectID); err != nil {
		return nil, err
	}
	name, err := Filename(file.Filename)
	if err != nil {
		return nil, err
	}
	data, err := s.read(file)
	if err != nil {
		return nil, err
	}
	contentType, err := Decide(name, data)
	if err != nil {
		return nil, err
	}
	text, err := s.extract(ctx, contentType, data)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(data)
	doc := &models.Document{UploadedByID: &pr.UserID, Filename: name, ContentType: contentType,
		Size: len(data), SHA256: hex.EncodeToString(sum[:]), Text: text}
	err = s.d.Store.WithTx(ctx, func(ctx context.Context) error {
		p, err := s.d.Projects.Locked(ctx, projectID, access.Write)
		if err != nil {
			return err
		}
		if p.Status == models.ProjectStatusArchived {
			return archived()
		}
		doc.ProjectID, doc.UploadedAt = p.ID, s.d.Clock()
		if err := s.d.Store.CreateDocument(ctx, doc); err != nil {
			return err
		}
		return s.recordActivity(ctx, ActionUploaded, p.ID, pr.UserID, describe(doc))
	})
	if err != nil {
		return nil, err
	}
	return doc, nil
}

// writable checks, before any work, that the viewer may write the
// project and that it is not archived.
func (s *Service) writable(ctx context.Context, projectID int64) error {
	p, err := s.d.Policy.Readable(ctx, projectID, "project")
	if err != nil {
		return err
	}
	if err := s.d.Policy.Require(ctx, p, access.Write); err != nil {
		return err
	}
	if p.Status == models.ProjectStatusArchived {
		return archived()
	}
	return nil
}

func archived() error {
	return apperr.Invalid("projectId", apperr.CodeInvalidState, "the project is archived; restore it first")
}

// read reads an upload's bytes, refusing more than MaxBytes.
func (s *Service) read(file graphql.Upload) ([]byte, error) {
	tooLarge := func(n int64) error {
		return apperr.Invalid("file", apperr.CodeTooLarge, "the file is %d bytes; at most %d bytes (%s) are accepted", n, s.d.MaxBytes, mebibytes(s.d.MaxBytes))
	}
	if file.Size > s.d.MaxBytes {
		return nil, tooLarge(file.Size)
	}
	if file.File == nil {
		return nil, apperr.Invalid("file", apperr.CodeRequired, "no file was sent")
	}
	data, err := io.ReadAll(io.LimitReader(file.File, s.d.MaxBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read upload: %w", err)
	}
	if int64(len(data)) > s.d.MaxBytes {
		return nil, tooLarge(max(file.Size, int64(len(data))))
	}
	return data, nil
}

// mebibytes writes a byte count in MiB for messages.
func mebibytes(n int64) string {
	return strings.TrimSuffix(strings.TrimRight(fmt.Sprintf("%.2f", float64(n)/(1<<20)), "0"), ".") + " MiB"
}

// extract takes an extraction slot and extracts the text.
func (s *Service) extract(ctx context.Context, contentType string, data []byte) (string, error) {
	select {
	case s.slots <- struct{}{}:
	case <-ctx.Done():
		return "", fmt.Errorf("wait to extract text: %w", ctx.Err())
	}
	defer func() { <-s.slots }()
	text, _, err := Text(ctx, contentType, data)
	return text, err
}

// Delete deletes a document of a project the viewer may write, with an
// activity entry, in one transaction; the database drops it from the
// search index with it.
func (s *Service) Delete(ctx context.Context, id int64) error {
	pr, err := access.RequireUser(ctx)
	if err != nil {
		return err
	}
	peek, err := s.Get(ctx, id)
	if err != nil {
		return err
	}
	return s.d.Store.WithTx(ctx, func(ctx context.Context) error {
		p, err := s.d.Projects.Locked(ctx, peek.ProjectID, access.Write)
		if err != nil {
			return err
		}
		doc, err := s.d.Store.DocumentForUpdate(ctx, id)
		if err != nil {
			return apperr.NotFoundAs(err, "document")
		}
		if p.Status == models.ProjectStatusArchived {
			return archived()
		}
		if err := s.d.Store.DeleteDocument(ctx, id); err != nil {
			return err
		}
		return s.recordActivity(ctx, ActionDeleted, p.ID, pr.UserID, describe(doc))
	})
}

// Get returns a document the viewer may read.
func (s *Service) Get(ctx context.Context, id int64) (*models.Document, error) {
	d, err := s.d.Read.Document(ctx, id)
	if err != nil {
		return nil, apperr.NotFoundAs(err, "document")
	}
	if _, err := s.d.Policy.Readable(ctx, d.ProjectID, "document"); err != nil {
		return nil, err
	}
	return d, nil
}

// ForProject returns a page of a project's documents, newest first; the
// caller has read the project.
func (s *Service) ForProject(ctx context.Context, p *models.Project, args page.Args) (*models.DocumentConnection, error) {
	return s.d.Read.Documents(ctx, p.ID, args)
}

// describe names a document in activity: its id, name, type and size.
func describe(d *models.Document) string {
	return fmt.Sprintf("document %s (%q, %s, %d bytes)", d.GlobalID(), d.Filename, d.ContentType, d.Size)
}

// recordActivity writes a project activity entry inside the caller's
// transaction.
func (s *Service) recordActivity(ctx context.Context, action string, projectID, actorID int64, details string) error {
	return s.d.Store.CreateActivity(ctx, &models.Activity{ActorID: &actorID, Action: action, ProjectID: &projectID,
		Details: &details, CreatedAt: s.d.Clock()})
}
