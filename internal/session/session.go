// Package session implements the lifecycle of dialogue sessions: start,
// pause, resume, end and mode changes, and the paged list of a project's
// sessions.
package session

import (
	"context"

	"socrates/internal/access"
	"socrates/internal/apperr"
	"socrates/internal/clock"
	"socrates/internal/page"
	"socrates/internal/store"
	"socrates/models"
)

// Reader reads objects by id, batched within an operation.
type Reader interface {
	Session(ctx context.Context, id int64) (*models.Session, error)
	Sessions(ctx context.Context, projectID int64, f store.SessionFilter, args page.Args) (*models.SessionConnection, error)
}

// Projects locks a project inside a transaction after checking access.
type Projects interface {
	Locked(ctx context.Context, id int64, need access.Permission) (*models.Project, error)
}

// Publisher delivers events after commit.
type Publisher interface {
	PublishEvent(ctx context.Context, e *models.Event)
}

// Service implements the session operations.
type Service struct {
	store    *store.Store
	policy   *access.Policy
	read     Reader
	projects Projects
	events   Publisher
	now      clock.Clock
}

// NewService returns a session service.
func NewService(s *store.Store, policy *access.Policy, read Reader, projects Projects, events Publisher, now clock.Clock) *Service {
	return &Service{store: s, policy: policy, read: read, projects: projects, events: events, now: now}
}

func (s *Service) announce(ctx context.Context, p *models.Project, sess *models.Session) {
	s.events.PublishEvent(ctx, &models.Event{Type: models.SessionEventTypeSessionStatusChanged, ProjectID: p.ID,
		SessionID: &sess.ID, Session: sess, Project: p})
}

// Get returns a session the viewer may read.
func (s *Service) Get(ctx context.Context, id int64) (*models.Session, error) {
	if _, err := access.RequireUser(ctx); err != nil {
		return nil, err
	}
	sess, err := s.read.Session(ctx, id)
	if err != nil {
		return nil, apperr.NotFoundAs(err, "session")
	}
	if _, err := s.policy.Readable(ctx, sess.ProjectID, "session"); err != nil {
		return nil, err
	}
	return sess, nil
}

// ForProject returns a page of a project's sessions, newest first. The
// caller has already shown the viewer may read the project.
func (s *Service) ForProject(ctx context.Context, p *models.Project, args page.Args, status *models.SessionStatus) (*models.SessionConnection, error) {
	return s.read.Sessions(ctx, p.ID, Filter(status), args)
}

// Filter returns the store filter of a session list's arguments.
func Filter(status *models.SessionStatus) store.SessionFilter {
	if status == nil {
		return store.SessionFilter{}
	}
	return store.SessionFilter{Status: *status}
}

// Start begins a session on a project the viewer may write.
func (s *Service) Start(ctx context.Context, projectID int64, mode models.SessionMode) (*models.Session, error) {
	if _, err := access.RequireUser(ctx); err != nil {
		return nil, err
	}
	if !mode.IsValid() {
		return nil, apperr.Invalid("mode", apperr.CodeInvalid, "mode %q is not a session mode", mode)
	}
	return store.InTx(ctx, s.store, func(ctx context.Context) (*models.Session, error) {
		p, err := s.projects.Locked(ctx, projectID, access.Write)
		if err != nil {
			return nil, err
		}
		if p.Status != models.ProjectStatusActive {
			return nil, apperr.Invalid("projectId", apperr.CodeInvalidState, "sessions can only start on an active project; this one is %s", p.Status)
		}
		now := s.now()
		sess := &models.Session{
			ProjectID: p.ID, StartedByID: access.MustUser(ctx).UserID, Mode: mode,
			Status: models.SessionStatusActive, StartedAt: now, UpdatedAt: now,
		}
		if err := s.store.CreateSession(ctx, sess); err != nil {
			return nil, err
		}
		p.UpdatedAt = now
		if err := s.store.UpdateProject(ctx, p, "updated_at"); err != nil {
			return nil, err
		}
		s.announce(ctx, p, sess)
		return sess, nil
	})
}

// Pause pauses an active session.
func (s *Service) Pause(ctx context.Context, id int64) (*models.Session, error) {
	return s.transition(ctx, id, func(sess *models.Session) error {
		if sess.Status != models.SessionStatusActive {
			return invalidState("only an active session can be paused", sess)
		}
		sess.Status = models.SessionStatusPaused
		return nil
	})
}

// Resume resumes a paused session of an active project.
func (s *Service) Resume(ctx context.Context, id int64) (*models.Session, error) {
	return s.transition(ctx, id, func(sess *models.Session) error {
		if sess.Status != models.SessionStatusPaused {
			return invalidState("only a paused session can be resumed", sess)
		}
		sess.Status = models.SessionStatusActive
		return nil
	})
}

// End completes an active or paused session.
func (s *Service) End(ctx context.Context, id int64) (*models.Session, error) {
	return s.transition(ctx, id, func(sess *models.Session) error {
		if sess.Status == models.SessionStatusCompleted {
			return invalidState("the session has already ended", sess)
		}
		now := s.now()
		sess.Status, sess.EndedAt = models.SessionStatusCompleted, &now
		return nil
	})
}

// SetMode switches an unfinished session between SOCRATIC and DIRECT_CHAT.
func (s *Service) SetMode(ctx context.Context, id int64, mode models.SessionMode) (*models.Session, error) {
	if !mode.IsValid() {
		return nil, apperr.Invalid("mode", apperr.CodeInvalid, "mode %q is not a session mode", mode)
	}
	return s.transition(ctx, id, func(sess *models.Session) error {
		if sess.Status == models.SessionStatusCompleted {
			return invalidState("the mode of an ended session cannot change", sess)
		}
		sess.Mode = mode
		return nil
	})
}

func invalidState(msg string, sess *models.Session) error {
	return apperr.Invalid("sessionId", apperr.CodeInvalidState, "%s (it is %s)", msg, sess.Status)
}

// transition applies change to a locked session of a project the viewer may
// write, in one transaction. Sessions of an archived project do not change.
func (s *Service) transition(ctx context.Context, id int64, change func(*models.Session) error) (*models.Session, error) {
	if _, err := access.RequireUser(ctx); err != nil {
		return nil, err
	}
	// Find the project first, through the pool and outside the transaction;
	// inside, lock the project before the session, the order every writer uses.
	peek, err := s.read.Session(ctx, id)
	if err != nil {
		return nil, apperr.NotFoundAs(err, "session")
	}
	return store.InTx(ctx, s.store, func(ctx context.Context) (*models.Session, error) {
		p, err := s.projects.Locked(ctx, peek.ProjectID, access.Write)
		if err != nil {
			return nil, apperr.NotFoundAs(err, "session")
		}
		sess, err := s.store.SessionForUpdate(ctx, id)
		if err != nil {
			return nil, apperr.NotFoundAs(err, "session")
		}
		if p.Status == models.ProjectStatusArchived {
			return nil, apperr.Invalid("sessionId", apperr.CodeInvalidState, "the project is archived; restore it first")
		}
		if err := change(sess); err != nil {
			return nil, err
		}
		sess.UpdatedAt = s.now()
		if err := s.store.UpdateSession(ctx, sess, "status", "mode", "ended_at", "updated_at"); err != nil {
			return nil, err
		}
		s.announce(ctx, p, sess)
		return sess, nil
	})
}
