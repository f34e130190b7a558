package dialogue

import (
	"context"

	"socrates/internal/access"
	"socrates/internal/apperr"
	"socrates/internal/pubsub"
	"socrates/models"
)

// Question returns a question the viewer may read.
func (s *Service) Question(ctx context.Context, id int64) (*models.Question, error) {
	q, err := s.read.Question(ctx, id)
	if err != nil {
		return nil, apperr.NotFoundAs(err, "question")
	}
	if _, err := s.policy.Readable(ctx, q.ProjectID, "question"); err != nil {
		return nil, err
	}
	return q, nil
}

// Message returns a message the viewer may read.
func (s *Service) Message(ctx context.Context, id int64) (*models.Message, error) {
	m, err := s.read.Message(ctx, id)
	if err != nil {
		return nil, apperr.NotFoundAs(err, "message")
	}
	sess, err := s.read.Session(ctx, m.SessionID)
	if err != nil {
		return nil, apperr.NotFoundAs(err, "message")
	}
	if _, err := s.policy.Readable(ctx, sess.ProjectID, "message"); err != nil {
		return nil, err
	}
	return m, nil
}

// readableSession returns a session the viewer may read.
func (s *Service) readableSession(ctx context.Context, id int64) (*models.Session, error) {
	sess, err := s.read.Session(ctx, id)
	if err != nil {
		return nil, apperr.NotFoundAs(err, "session")
	}
	if _, err := s.policy.Readable(ctx, sess.ProjectID, "session"); err != nil {
		return nil, err
	}
	return sess, nil
}

// WatchQuestions streams every question generated in a session.
func (s *Service) WatchQuestions(ctx context.Context, sessionID int64) (<-chan *models.QuestionStreamEvent, error) {
	sess, err := s.readableSession(ctx, sessionID)
	if err != nil {
		return nil, err
	}
	return relay[*models.QuestionStreamEvent](ctx, s.broker.Subscribe(ctx, pubsub.QuestionTopic(sessionID), owner(ctx, sess.ProjectID))), nil
}

// WatchChat streams every chat reply written in a session.
func (s *Service) WatchChat(ctx context.Context, sessionID int64) (<-chan *models.ChatStreamEvent, error) {
	sess, err := s.readableSession(ctx, sessionID)
	if err != nil {
		return nil, err
	}
	return relay[*models.ChatStreamEvent](ctx, s.broker.Subscribe(ctx, pubsub.ChatTopic(sessionID), owner(ctx, sess.ProjectID))), nil
}

// WatchSession streams the events of a session.
func (s *Service) WatchSession(ctx context.Context, sessionID int64) (<-chan *models.Event, error) {
	sess, err := s.readableSession(ctx, sessionID)
	if err != nil {
		return nil, err
	}
	return relay[*models.Event](ctx, s.broker.Subscribe(ctx, pubsub.SessionTopic(sessionID), owner(ctx, sess.ProjectID))), nil
}

// WatchProject streams the events of a project.
func (s *Service) WatchProject(ctx context.Context, projectID int64) (<-chan *models.Event, error) {
	if _, err := s.policy.Readable(ctx, projectID, "project"); err != nil {
		return nil, err
	}
	return relay[*models.Event](ctx, s.broker.Subscribe(ctx, pubsub.ProjectTopic(projectID), owner(ctx, projectID))), nil
}

func owner(ctx context.Context, projectID int64) pubsub.Owner {
	return pubsub.Owner{UserID: access.MustUser(ctx).UserID, ProjectID: projectID}
}

// relay forwards the events of type T from in until ctx ends or in closes
// (a dropped slow subscriber), then closes the returned channel.
func relay[T any](ctx context.Context, in <-chan any) <-chan T {
	out := make(chan T, 1)
	go func() {
		defer close(out)
		for {
			select {
			case <-ctx.Done():
				return
			case e, ok := <-in:
				if !ok {
					return
				}
				t, ok := e.(T)
				if !ok {
					continue
				}
				select {
				case out <- t:
				case <-ctx.Done():
					return
				}
			}
		}
	}()
	return out
}
