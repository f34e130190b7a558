// Package dialogue runs the Socratic dialogue of a session: it asks the next
// question (streamed live as it is written), takes answers and chat
// messages (the reply streamed live too), and turns them into
// specifications through the spec service, with the conflicts a language
// model reports beside those the rules find.
// No transaction and no pooled connection is held while a language model
// runs: each operation reads what it needs, releases the connection, calls
// the counselor, and only then opens the transaction that writes.
package dialogue

import (
	"context"
	"errors"
	"log/slog"

	"socrates/internal/access"
	"socrates/internal/apperr"
	"socrates/internal/clock"
	"socrates/internal/counsel"
	"socrates/internal/pubsub"
	"socrates/internal/socratic"
	"socrates/internal/spec"
	"socrates/internal/store"
	"socrates/internal/validate"
	"socrates/models"
)

// MaxAnswer is the longest answer or chat message, in characters.
const MaxAnswer = 20000

// Reader reads objects by id, batched within an operation.
type Reader interface {
	Session(ctx context.Context, id int64) (*models.Session, error)
	Question(ctx context.Context, id int64) (*models.Question, error)
	Message(ctx context.Context, id int64) (*models.Message, error)
}

// Specs records specifications and recomputes maturity.
type Specs interface {
	Record(ctx context.Context, p *models.Project, found []socratic.Extracted, o spec.Origin) (spec.Recorded, error)
	SetMaturity(ctx context.Context, p *models.Project, scores map[models.SpecCategory]socratic.CategoryScore) (int, error)
	Announce(ctx context.Context, p *models.Project, sessionID *int64, q *models.Question, rec spec.Recorded, prev int)
}

// Engines chooses the counselor engine of a call.
type Engines interface {
	Engine(ctx context.Context, userID int64, p *models.Project) counsel.Engine
}

// Broker publishes and subscribes to events.
type Broker interface {
	Publish(ctx context.Context, topic string, event any)
	PublishEvent(ctx context.Context, e *models.Event)
	Subscribe(ctx context.Context, topic string, owner pubsub.Owner) <-chan any
}

// Service runs the dialogue.
type Service struct {
	store     *store.Store
	policy    *access.Policy
	read      Reader
	specs     Specs
	engines   Engines
	counselor *counsel.Counselor
	broker    Broker
	now       clock.Clock
	logger    *slog.Logger
}

// Deps are the dependencies of the dialogue service.
type Deps struct {
	Store     *store.Store
	Policy    *access.Policy
	Read      Reader
	Specs     Specs
	Engines   Engines
	Counselor *counsel.Counselor
	Broker    Broker
	Clock     clock.Clock
	Logger    *slog.Logger
}

// NewService returns the dialogue service.
func NewService(d Deps) *Service {
	return &Service{store: d.Store, policy: d.Policy, read: d.Read, specs: d.Specs,
		engines: d.Engines, counselor: d.Counselor, broker: d.Broker, now: d.Clock, logger: d.Logger}
}

// writable checks the viewer may write the project and the session is
// running.
func (s *Service) writable(ctx context.Context, sess *models.Session, p *models.Project) (*models.Session, *models.Project, error) {
	if err := s.stillWritable(ctx, sess, p); err != nil {
		return nil, nil, apperr.NotFoundAs(err, "session")
	}
	return sess, p, nil
}

// lockRunning locks a session's project, then the session (the order every
// writer locks in), in one statement inside the caller's transaction, and
// checks again that the viewer may write and the session still runs:
// either may have changed while the counselor worked.
func (s *Service) lockRunning(ctx context.Context, sessionID int64) (*models.Project, error) {
	sess, p, err := s.store.SessionWithProjectForUpdate(ctx, sessionID)
	if err != nil {
		return nil, apperr.NotFoundAs(err, "session")
	}
	return p, s.stillWritable(ctx, sess, p)
}

// lockQuestion locks a question's project, session and question in one
// statement inside the caller's transaction (see lockRunning) and checks
// again that the viewer may write, the session still runs and the
// question is still unanswered: all three may have changed while the
// counselor worked.
func (s *Service) lockQuestion(ctx context.Context, questionID int64) (*models.Question, *models.Project, error) {
	q, sess, p, err := s.store.QuestionWithSessionForUpdate(ctx, questionID)
	if err != nil {
		return nil, nil, apperr.NotFoundAs(err, "question")
	}
	if err := s.stillWritable(ctx, sess, p); err != nil {
		return nil, nil, err
	}
	if q.Answer != nil {
		return nil, nil, alreadyAnswered()
	}
	return q, p, nil
}

// stillWritable checks, inside the transaction that locked them, that the
// viewer may write a project and its session runs.
func (s *Service) stillWritable(ctx context.Context, sess *models.Session, p *models.Project) error {
	if err := s.policy.Require(ctx, p, access.Write); err != nil {
		return err
	}
	return running(sess, p)
}

// running checks a session can take part in the dialogue.
func running(sess *models.Session, p *models.Project) error {
	if p.Status == models.ProjectStatusArchived {
		return apperr.Invalid("sessionId", apperr.CodeInvalidState, "the project is archived; restore it first")
	}
	if sess.Status != models.SessionStatusActive {
		return apperr.Invalid("sessionId", apperr.CodeInvalidState, "the session is %s; resume it first", sess.Status)
	}
	return nil
}

func views(specs []*models.Specification) []socratic.SpecView {
	out := make([]socratic.SpecView, len(specs))
	for i, sp := range specs {
		out[i] = socratic.SpecView{Ref: sp.ID, Category: sp.Category, Key: sp.Key, Value: sp.Value}
	}
	return out
}

func ptr[T any](v T) *T { return &v }

// Ask generates, saves and streams the next question of a SOCRATIC session.
func (s *Service) Ask(ctx context.Context, sessionID int64, focus *models.SpecCategory) (*models.Question, error) {
	pr, err := access.RequireUser(ctx)
	if err != nil {
		return nil, err
	}
	if focus != nil && !focus.IsValid() {
		return nil, apperr.Invalid("category", apperr.CodeInvalid, "%q is not a category", *focus)
	}
	// Read what the counselor needs through the pool, then let go of it.
	sess, p, qc, err := s.askingSession(ctx, pr.UserID, sessionID, focus)
	if err != nil {
		return nil, err
	}
	if sess.Mode != models.SessionModeSocratic {
		return nil, apperr.Invalid("sessionId", apperr.CodeInvalidState, "the session is in DIRECT_CHAT mode; use sendChatMessage or switch it to SOCRATIC")
	}
	pool := store.WithoutTx(ctx)
	engine := s.engines.Engine(ctx, pr.UserID, p)
	topic := pubsub.QuestionTopic(sessionID)
	started := engineName(engine)
	s.broker.Publish(pool, topic, &models.QuestionStreamEvent{Kind: models.QuestionStreamEventKindStarted, Provider: &started})
	q, outcome, err := s.counselor.Question(ctx, engine, qc, counsel.Stream{
		Delta: func(d string) {
			s.broker.Publish(pool, topic, &models.QuestionStreamEvent{Kind: models.QuestionStreamEventKindDelta, Delta: ptr(d), Provider: &started})
		},
		Restart: func(reason string) {
			b := string(models.LLMProviderIDBuiltin)
			s.broker.Publish(pool, topic, &models.QuestionStreamEvent{Kind: models.QuestionStreamEventKindStarted, Provider: &b, Fallback: true, Message: &reason})
		},
	})
	if err != nil {
		s.fail(pool, topic, err)
		if errors.Is(err, socratic.ErrExhausted) {
			return nil, apperr.Invalid("sessionId", apperr.CodeExhausted, "every question has been asked in this session; start a new session or continue in DIRECT_CHAT")
		}
		return nil, err
	}
	saved, err := store.InTx(ctx, s.store, func(ctx context.Context) (*models.Question, error) {
		p, err := s.lockRunning(ctx, sessionID)
		if err != nil {
			return nil, err
		}
		now := s.now()
		saved := &models.Question{
			SessionID: sessionID, ProjectID: p.ID, Text: q.Text, Category: q.Category, Context: nonEmpty(q.Context),
			TemplateKey: nonEmpty(q.TemplateKey), BiasScore: q.Bias, QualityScore: socratic.Quality(q.Bias), AskedAt: now,
		}
		if err := s.store.CreateQuestion(ctx, saved); err != nil {
			if store.IsUniqueViolation(err) {
				// The bank question was asked in this session by a
				// concurrent ask (questions_session_template_key).
				return nil, apperr.Invalid("sessionId", apperr.CodeQuestionInProgress, "another question was asked in this session at the same moment; ask again")
			}
			return nil, err
		}
		msg := &models.Message{SessionID: sessionID, QuestionID: &saved.ID, Role: models.MessageRoleAssistant, Content: q.Text, CreatedAt: now}
		if err := s.store.CreateMessage(ctx, msg); err != nil {
			return nil, err
		}
		if err := s.store.SetSessionQuestionAtCommit(ctx, sessionID, saved.ID, now); err != nil {
			return nil, err
		}
		if err := s.countAsked(ctx, pr.UserID, q.TemplateKey); err != nil {
			return nil, err
		}
		if err := s.recordCall(ctx, pr.UserID, p.ID, &sessionID, "QUESTION", outcome); err != nil {
			return nil, err
		}
		provider := string(outcome.Provider)
		done := &models.QuestionStreamEvent{Kind: models.QuestionStreamEventKindCompleted, Question: saved, Provider: &provider, Fallback: outcome.Fallback}
		if outcome.Reason != "" {
			done.Message = ptr(outcome.Reason)
		}
		s.broker.Publish(ctx, topic, done)
		s.broker.PublishEvent(ctx, &models.Event{Type: models.SessionEventTypeQuestionAsked, ProjectID: p.ID, SessionID: &sessionID,
			Project: p, Question: saved, Message: msg})
		s.broker.PublishEvent(ctx, &models.Event{Type: models.SessionEventTypeMessageAdded, ProjectID: p.ID, SessionID: &sessionID, Message: msg})
		return saved, nil
	})
	if err != nil {
		s.fail(pool, topic, err)
		return nil, err
	}
	return saved, nil
}

// fail tells the question stream that generation failed, in words a client
// may show.
func (s *Service) fail(ctx context.Context, topic string, err error) {
	msg := "the question could not be generated"
	if v, ok := apperr.AsValidation(err); ok && len(v.Errors) > 0 {
		msg = v.Errors[0].Message
	}
	s.broker.Publish(ctx, topic, &models.QuestionStreamEvent{Kind: models.QuestionStreamEventKindFailed, Message: &msg})
}

func engineName(e counsel.Engine) string {
	if e.Provider != nil {
		return string(e.Provider.ID())
	}
	return string(models.LLMProviderIDBuiltin)
}

func nonEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// askingSession reads, in one statement through the pool, a session with
// its project and what choosing its next question needs, and checks the
// viewer may write the project and the session runs.
func (s *Service) askingSession(ctx context.Context, userID, sessionID int64, focus *models.SpecCategory) (*models.Session, *models.Project, socratic.QuestionContext, error) {
	ac, err := s.store.AskingContext(store.WithoutTx(ctx), sessionID, userID)
	if err != nil {
		return nil, nil, socratic.QuestionContext{}, apperr.NotFoundAs(err, "session")
	}
	sess, p, err := s.writable(ctx, ac.Session, ac.Project)
	if err != nil {
		return nil, nil, socratic.QuestionContext{}, err
	}
	eff := map[string]float64{}
	for _, st := range ac.Stats {
		if st.TimesAsked >= 3 {
			eff[st.TemplateKey] = st.Effectiveness()
		}
	}
	desc := ""
	if p.Description != nil {
		desc = *p.Description
	}
	return sess, p, socratic.QuestionContext{
		ProjectName: p.Name, ProjectDescription: desc, Phase: p.Phase, Maturity: p.Maturity,
		Scores: socratic.Scores(ac.Current), Current: views(ac.Current), AskedTemplates: ac.History.Templates, Earlier: ac.History.Texts,
		Focus: focus, Effectiveness: eff,
	}, nil
}

// specKeyOf is the specification key a question asks for.
func specKeyOf(q *models.Question) string {
	if q.TemplateKey == nil {
		return ""
	}
	for _, t := range socratic.Bank() {
		if t.Key == *q.TemplateKey {
			return t.SpecKey
		}
	}
	return ""
}

// AnswerResult is what answering changed.
type AnswerResult struct {
	Question       *models.Question
	Specifications []*models.Specification
	Conflicts      []*models.Conflict
	Project        *models.Project
}

// Answer stores the answer to a question, extracts specifications from it,
// checks them for conflicts and recomputes maturity, in one transaction.
func (s *Service) Answer(ctx context.Context, questionID int64, answer string) (*AnswerResult, error) {
	pr, err := access.RequireUser(ctx)
	if err != nil {
		return nil, err
	}
	v := &apperr.Validation{}
	answer = validate.Text(v, "answer", answer, 1, MaxAnswer)
	if err := v.Err(); err != nil {
		return nil, err
	}
	q, sess, p, err := s.store.QuestionWithSession(store.WithoutTx(ctx), questionID)
	if err != nil {
		return nil, apperr.NotFoundAs(err, "question")
	}
	sess, p, err = s.writable(ctx, sess, p)
	if err != nil {
		return nil, apperr.NotFoundAs(err, "question")
	}
	if q.Answer != nil {
		return nil, alreadyAnswered()
	}
	engine := s.engines.Engine(ctx, pr.UserID, p)
	var current []*models.Specification
	if engine.Remote() {
		// A language model extracts in the light of the current
		// specifications; the built-in engine reads the answer alone.
		if current, err = s.store.ProjectSpecifications(store.WithoutTx(ctx), p.ID, models.SpecStatusCurrent); err != nil {
			return nil, err
		}
	}
	found, outcome := s.counselor.Extract(ctx, engine,
		socratic.ExtractInput{Text: answer, QuestionText: q.Text, QuestionCategory: q.Category, QuestionKey: specKeyOf(q)}, views(current))
	reported, check, checked := s.counselor.Conflicts(ctx, engine, found, views(current))

	out, err := store.InTx(ctx, s.store, func(ctx context.Context) (*AnswerResult, error) {
		// The lock decides a race between two answers: the second
		// finds the question answered.
		qq, p, err := s.lockQuestion(ctx, questionID)
		if err != nil {
			return nil, err
		}
		now := s.now()
		qq.Answer, qq.AnsweredAt, qq.AnsweredByID = &answer, &now, &pr.UserID
		if err := s.store.AnswerQuestionAtCommit(ctx, qq); err != nil {
			return nil, err
		}
		msg := &models.Message{SessionID: sess.ID, QuestionID: &qq.ID, AuthorID: &pr.UserID, Role: models.MessageRoleUser, Content: answer, CreatedAt: now}
		if err := s.store.CreateMessage(ctx, msg); err != nil {
			return nil, err
		}
		rec, err := s.specs.Record(ctx, p, found, spec.Origin{Source: models.SpecSourceExtracted, UserID: pr.UserID, SessionID: &sess.ID, QuestionID: &qq.ID, Reported: reported})
		if err != nil {
			return nil, err
		}
		prev, err := s.specs.SetMaturity(ctx, p, rec.Scores)
		if err != nil {
			return nil, err
		}
		if qq.TemplateKey != nil {
			if err := s.countAnswered(ctx, pr.UserID, *qq.TemplateKey, len([]rune(answer)), len(rec.Specifications)); err != nil {
				return nil, err
			}
		}
		if err := s.recordCall(ctx, pr.UserID, p.ID, &sess.ID, "EXTRACTION", outcome); err != nil {
			return nil, err
		}
		if err := s.recordCheck(ctx, pr.UserID, p.ID, &sess.ID, checked, check, rec); err != nil {
			return nil, err
		}
		s.broker.PublishEvent(ctx, &models.Event{Type: models.SessionEventTypeQuestionAnswered, ProjectID: p.ID, SessionID: &sess.ID,
			Project: p, Question: qq, Message: msg, Specifications: rec.Specifications, Conflicts: rec.Conflicts})
		s.broker.PublishEvent(ctx, &models.Event{Type: models.SessionEventTypeMessageAdded, ProjectID: p.ID, SessionID: &sess.ID, Message: msg})
		s.specs.Announce(ctx, p, &sess.ID, qq, rec, prev)
		return &AnswerResult{Question: qq, Specifications: rec.Specifications, Conflicts: rec.Conflicts, Project: p}, nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func alreadyAnswered() error {
	return apperr.Invalid("questionId", apperr.CodeAlreadyAnswered, "the question has already been answered")
}

// ChatResult is what a chat message changed.
type ChatResult struct {
	Message        *models.Message
	Reply          *models.Message
	Suggested      *string
	Specifications []*models.Specification
	Conflicts      []*models.Conflict
	Project        *models.Project
}

// Chat takes a free message in a DIRECT_CHAT session: specifications are
// extracted from it as from an answer, and the counselor replies with what
// it understood and a question for the least covered category.
func (s *Service) Chat(ctx context.Context, sessionID int64, message string) (*ChatResult, error) {
	pr, err := access.RequireUser(ctx)
	if err != nil {
		return nil, err
	}
	v := &apperr.Validation{}
	message = validate.Text(v, "message", message, 1, MaxAnswer)
	if err := v.Err(); err != nil {
		return nil, err
	}
	sess, p, qc, err := s.askingSession(ctx, pr.UserID, sessionID, nil)
	if err != nil {
		return nil, err
	}
	if sess.Mode != models.SessionModeDirectChat {
		return nil, apperr.Invalid("sessionId", apperr.CodeInvalidState, "the session is in SOCRATIC mode; answer its questions or switch it to DIRECT_CHAT")
	}
	pool := store.WithoutTx(ctx)
	engine := s.engines.Engine(ctx, pr.UserID, p)
	var history []counsel.Turn
	if engine.Remote() {
		// A language model replies in the light of the conversation; the
		// built-in engine reads the message alone.
		last, err := s.store.LastMessages(pool, sessionID, counsel.ReplyHistory)
		if err != nil {
			return nil, err
		}
		for _, m := range last {
			history = append(history, counsel.Turn{Role: m.Role, Content: m.Content})
		}
	}
	found, exOutcome := s.counselor.Extract(ctx, engine, socratic.ExtractInput{Text: message}, qc.Current)
	reported, check, checked := s.counselor.Conflicts(ctx, engine, found, qc.Current)
	flagged := map[int]bool{}
	for _, r := range reported {
		flagged[r.New] = true
	}
	pending := 0
	var siblings []socratic.SpecView
	for i, f := range found {
		n := socratic.SpecView{Category: f.Category, Key: f.Key, Value: f.Value}
		if len(socratic.Detect(n, qc.Current, siblings)) > 0 || flagged[i] {
			pending++
		} else {
			siblings = append(siblings, n)
		}
		sc := qc.Scores[f.Category]
		sc.Count++
		sc.ConfidenceSum += f.Confidence
		if qc.Scores == nil {
			qc.Scores = map[models.SpecCategory]socratic.CategoryScore{}
		}
		qc.Scores[f.Category] = sc
	}
	var next *socratic.Question
	focus := socratic.FocusCategory(qc)
	if q, err := socratic.NextQuestion(qc); err == nil {
		next, focus = &q, q.Category
	}
	topic := pubsub.ChatTopic(sessionID)
	started := engineName(engine)
	s.broker.Publish(pool, topic, &models.ChatStreamEvent{Kind: models.ChatStreamEventKindStarted, Provider: &started})
	replyText, replyOutcome := s.counselor.Reply(ctx, engine, counsel.ReplyInput{
		Message: message, Found: found, Conflicts: pending, Next: next, Focus: focus, Current: qc.Current, History: history,
	}, counsel.Stream{
		Delta: func(d string) {
			s.broker.Publish(pool, topic, &models.ChatStreamEvent{Kind: models.ChatStreamEventKindDelta, Delta: ptr(d), Provider: &started})
		},
		Restart: func(reason string) {
			b := string(models.LLMProviderIDBuiltin)
			s.broker.Publish(pool, topic, &models.ChatStreamEvent{Kind: models.ChatStreamEventKindStarted, Provider: &b, Fallback: true, Message: &reason})
		},
	})

	out, err := store.InTx(ctx, s.store, func(ctx context.Context) (*ChatResult, error) {
		p, err := s.lockRunning(ctx, sessionID)
		if err != nil {
			return nil, err
		}
		now := s.now()
		msg := &models.Message{SessionID: sessionID, AuthorID: &pr.UserID, Role: models.MessageRoleUser, Content: message, CreatedAt: now}
		if err := s.store.CreateMessage(ctx, msg); err != nil {
			return nil, err
		}
		rec, err := s.specs.Record(ctx, p, found, spec.Origin{Source: models.SpecSourceExtracted, UserID: pr.UserID, SessionID: &sessionID, MessageID: &msg.ID, Reported: reported})
		if err != nil {
			return nil, err
		}
		reply := &models.Message{SessionID: sessionID, Role: models.MessageRoleAssistant, Content: replyText, CreatedAt: now}
		if err := s.store.CreateMessage(ctx, reply); err != nil {
			return nil, err
		}
		prev, err := s.specs.SetMaturity(ctx, p, rec.Scores)
		if err != nil {
			return nil, err
		}
		if err := s.recordCall(ctx, pr.UserID, p.ID, &sessionID, "EXTRACTION", exOutcome); err != nil {
			return nil, err
		}
		if err := s.recordCheck(ctx, pr.UserID, p.ID, &sessionID, checked, check, rec); err != nil {
			return nil, err
		}
		if err := s.recordCall(ctx, pr.UserID, p.ID, &sessionID, "REPLY", replyOutcome); err != nil {
			return nil, err
		}
		provider := string(replyOutcome.Provider)
		done := &models.ChatStreamEvent{Kind: models.ChatStreamEventKindCompleted, Reply: reply, Provider: &provider, Fallback: replyOutcome.Fallback}
		if replyOutcome.Reason != "" {
			done.Message = ptr(replyOutcome.Reason)
		}
		s.broker.Publish(ctx, topic, done)
		for _, m := range []*models.Message{msg, reply} {
			s.broker.PublishEvent(ctx, &models.Event{Type: models.SessionEventTypeMessageAdded, ProjectID: p.ID, SessionID: &sessionID, Message: m})
		}
		s.specs.Announce(ctx, p, &sessionID, nil, rec, prev)
		out := &ChatResult{Message: msg, Reply: reply, Specifications: rec.Specifications, Conflicts: rec.Conflicts, Project: p}
		if next != nil {
			out.Suggested = &next.Text
		}
		return out, nil
	})
	if err != nil {
		msg := "the reply could not be saved"
		if v, ok := apperr.AsValidation(err); ok && len(v.Errors) > 0 {
			msg = v.Errors[0].Message
		}
		s.broker.Publish(pool, topic, &models.ChatStreamEvent{Kind: models.ChatStreamEventKindFailed, Message: &msg})
		return nil, err
	}
	return out, nil
}

// countAsked adds one to a template's asked count for the user.
func (s *Service) countAsked(ctx context.Context, userID int64, template string) error {
	if template == "" {
		return nil
	}
	return s.store.CountAskedAtCommit(ctx, userID, template, s.now())
}

// alpha is the weight of the newest answer in the moving averages.
const alpha = 0.3

// countAnswered records an answer to a template: answered well when it
// produced a specification, and moving averages of length and yield.
func (s *Service) countAnswered(ctx context.Context, userID int64, template string, length, specs int) error {
	return s.store.CountAnsweredAtCommit(ctx, userID, template, length, specs, alpha, s.now())
}

// recordCheck stores the usage of a language model's conflict check, when
// one was asked, and logs the conflicts it reported that recording
// dropped (their specifications changed while the model ran).
func (s *Service) recordCheck(ctx context.Context, userID, projectID int64, sessionID *int64, checked bool, o counsel.Outcome, rec spec.Recorded) error {
	for _, d := range rec.Dropped {
		s.logger.WarnContext(ctx, "reported conflict dropped", "project", projectID, "reason", d)
	}
	if !checked {
		return nil
	}
	return s.recordCall(ctx, userID, projectID, sessionID, "CONFLICTS", o)
}

// recordCall stores the usage of one counselor call.
func (s *Service) recordCall(ctx context.Context, userID, projectID int64, sessionID *int64, op string, o counsel.Outcome) error {
	return s.store.RecordLLMCallAtCommit(ctx, o.Call(&userID, projectID, sessionID, op, s.now()))
}
