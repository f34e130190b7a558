package main

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"time"

	"socrates/internal/apperr"
	"socrates/internal/ids"
)

// The mutations of the ask-and-answer workload.
const (
	askMutation = `mutation Ask($s: ID!) { askNextQuestion(input: {sessionId: $s}) {
  question { id } userErrors { code message } } }`
	answerMutation = `mutation Answer($q: ID!, $a: String!) { answerQuestion(input: {questionId: $q, answer: $a}) {
  specifications { id } conflicts { id } project { maturity } userErrors { code message } } }`
	startSessionMutation = `mutation Start($p: ID!) { startSession(input: {projectId: $p}) {
  session { id } userErrors { code message } } }`
	// askAnswerText yields specifications (expected users, uptime, database).
	askAnswerText = "We expect 20,000 users and 99.9% uptime on PostgreSQL"
	// exhaustedCode is askNextQuestion's userError when every question of
	// the bank has been asked in the session.
	exhaustedCode = string(apperr.CodeExhausted)
)

// dialogueUser runs ask-then-answer rounds on one project.
type dialogueUser struct {
	gql       *gqlClient
	projectID string
	sessionID string
	// NewSessions counts sessions started because the bank ran out.
	NewSessions int
}

func newDialogueUser(srv *server, client *http.Client, u seededUser) (*dialogueUser, error) {
	auth, err := srv.authHeader(u.UserID)
	if err != nil {
		return nil, err
	}
	return &dialogueUser{gql: &gqlClient{http: client, url: srv.URL, auth: auth}, projectID: ids.Encode(ids.Project, u.ProjectID),
		sessionID: ids.Encode(ids.Session, u.SessionID)}, nil
}

// askResponse is askNextQuestion's payload.
type askResponse struct {
	AskNextQuestion struct {
		Question *struct {
			ID string `json:"id"`
		} `json:"question"`
		UserErrors []userError `json:"userErrors"`
	} `json:"askNextQuestion"`
}

// answerResponse is answerQuestion's payload.
type answerResponse struct {
	AnswerQuestion struct {
		Specifications []struct{ ID string } `json:"specifications"`
		Conflicts      []struct{ ID string } `json:"conflicts"`
		Project        *struct {
			Maturity int `json:"maturity"`
		} `json:"project"`
		UserErrors []userError `json:"userErrors"`
	} `json:"answerQuestion"`
}

// ask asks the next question, starting a new session on the same project
// when the bank is used up. It returns the question's id.
func (d *dialogueUser) ask(ctx context.Context) (string, error) {
	for range 2 {
		var out askResponse
		if err := d.gql.do(ctx, askMutation, map[string]any{"s": d.sessionID}, &out); err != nil {
			return "", fmt.Errorf("askNextQuestion: %w", err)
		}
		if q := out.AskNextQuestion.Question; q != nil {
			return q.ID, nil
		}
		errs := out.AskNextQuestion.UserErrors
		if len(errs) == 0 || errs[0].Code != exhaustedCode {
			return "", fmt.Errorf("askNextQuestion returned no question: %+v", errs)
		}
		if err := d.startSession(ctx); err != nil {
			return "", err
		}
	}
	return "", fmt.Errorf("askNextQuestion returned no question in a new session")
}

func (d *dialogueUser) startSession(ctx context.Context) error {
	var out struct {
		StartSession struct {
			Session *struct {
				ID string `json:"id"`
			} `json:"session"`
			UserErrors []userError `json:"userErrors"`
		} `json:"startSession"`
	}
	if err := d.gql.do(ctx, startSessionMutation, map[string]any{"p": d.projectID}, &out); err != nil {
		return fmt.Errorf("startSession: %w", err)
	}
	if out.StartSession.Session == nil {
		return fmt.Errorf("startSession: %+v", out.StartSession.UserErrors)
	}
	d.sessionID = out.StartSession.Session.ID
	d.NewSessions++
	return nil
}

// answer answers a question and returns the payload.
func (d *dialogueUser) answer(ctx context.Context, questionID, text string) (*answerResponse, error) {
	var out answerResponse
	if err := d.gql.do(ctx, answerMutation, map[string]any{"q": questionID, "a": text}, &out); err != nil {
		return nil, fmt.Errorf("answerQuestion: %w", err)
	}
	if errs := out.AnswerQuestion.UserErrors; len(errs) > 0 {
		return nil, fmt.Errorf("answerQuestion: %+v", errs)
	}
	return &out, nil
}

// askResult is what an ask-and-answer run measured.
type askResult struct {
	Users       int
	Rounds      int
	NewSessions int
	Elapsed     time.Duration
	// Latencies are of whole rounds (ask plus answer), unsorted.
	Latencies []time.Duration
}

// AnswersPerSecond is the rounds completed per second.
func (r askResult) AnswersPerSecond() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Rounds) / r.Elapsed.Seconds()
}

// runAskAnswer has every user loop ask-then-answer for dur, or for
// rounds rounds each when rounds > 0. The first error stops the run.
func runAskAnswer(ctx context.Context, srv *server, users []seededUser, dur time.Duration, rounds int) (askResult, error) {
	client := newLoadClient(len(users))
	defer client.CloseIdleConnections()
	players := make([]*dialogueUser, len(users))
	for i, u := range users {
		p, err := newDialogueUser(srv, client, u)
		if err != nil {
			return askResult{}, err
		}
		players[i] = p
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		mu       sync.Mutex
		res      = askResult{Users: len(users)}
		firstErr error
		wg       sync.WaitGroup
		start    = time.Now()
		stopAt   = start.Add(dur)
	)
	for _, p := range players {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var lat []time.Duration
			var err error
			for n := 0; ctx.Err() == nil; n++ {
				if (rounds > 0 && n >= rounds) || (rounds == 0 && !time.Now().Before(stopAt)) {
					break
				}
				t0 := time.Now()
				var q string
				if q, err = p.ask(ctx); err != nil {
					break
				}
				if _, err = p.answer(ctx, q, askAnswerText); err != nil {
					break
				}
				lat = append(lat, time.Since(t0))
			}
			mu.Lock()
			defer mu.Unlock()
			res.Latencies = append(res.Latencies, lat...)
			res.NewSessions += p.NewSessions
			if err != nil && ctx.Err() == nil && firstErr == nil {
				firstErr = err
				cancel()
			}
		}()
	}
	wg.Wait()
	res.Elapsed = time.Since(start)
	res.Rounds = len(res.Latencies)
	if firstErr != nil {
		return res, fmt.Errorf("ask and answer on %s: %w", srv.Name, firstErr)
	}
	return res, ctx.Err()
}
