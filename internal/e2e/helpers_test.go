package e2e

import (
	"encoding/base64"
	"strings"
	"testing"

	"socrates/internal/testenv"
)

func decodeB64(s string) ([]byte, error) { return base64.RawURLEncoding.DecodeString(s) }

// errorLines returns the lines of a server's log that report an error, a
// panic or a stack, joined; "" when there is none.
func errorLines(logs string) string {
	var out []string
	for _, line := range strings.Split(logs, "\n") {
		if strings.Contains(line, "level=ERROR") || strings.Contains(strings.ToLower(line), "panic") || strings.Contains(line, "goroutine ") {
			out = append(out, line)
		}
	}
	return strings.Join(out, "\n")
}

// The dialogue: ask a question, answer it.

const askMutation = `mutation($s: ID!) { askNextQuestion(input: {sessionId: $s}) {
	question { id text category context qualityScore biasScore } userErrors { field message code } } }`

const answerMutation = `mutation($q: ID!, $a: String!) { answerQuestion(input: {questionId: $q, answer: $a}) {
	question { id answer answeredAt specifications { id key value status } }
	specifications { id category key value status confidence source }
	conflicts { id type severity status description specifications { id key value status } }
	project { maturity openConflictCount }
	userErrors { field message code } } }`

type askResult struct {
	AskNextQuestion struct {
		Question *struct {
			ID, Text, Category string
			Context            *string
			QualityScore       float64
			BiasScore          float64
		}
		UserErrors []testenv.UserErrorT
	}
}

type specT struct {
	ID, Category, Key, Value, Status, Source string
	Confidence                               float64
}

type answerResult struct {
	AnswerQuestion struct {
		Question *struct {
			ID             string
			Answer         *string
			Specifications []specT
		}
		Specifications []specT
		Conflicts      []struct {
			ID, Type, Severity, Status, Description string
			Specifications                          []specT
		}
		Project *struct {
			Maturity          int
			OpenConflictCount int
		}
		UserErrors []testenv.UserErrorT
	}
}

func ask(t *testing.T, c *testenv.Client, sessionID string) askResult {
	t.Helper()
	var out askResult
	c.Must(askMutation, map[string]any{"s": sessionID}, &out)
	if out.AskNextQuestion.Question == nil {
		t.Fatalf("ask: %+v", out.AskNextQuestion.UserErrors)
	}
	return out
}

func answer(t *testing.T, c *testenv.Client, questionID, text string) answerResult {
	t.Helper()
	var out answerResult
	c.Must(answerMutation, map[string]any{"q": questionID, "a": text}, &out)
	return out
}

func specByKey(specs []specT, key string) *specT {
	for i := range specs {
		if specs[i].Key == key {
			return &specs[i]
		}
	}
	return nil
}

// Teams and sharing.

// teamWorld is an owner's project shared with three teams, one member each.
type teamWorld struct {
	srv                            *testenv.Server
	owner, viewer, writer, admin   *testenv.Client
	ownerTok, viewerTok            testenv.Tokens
	writerTok, adminTok            testenv.Tokens
	project, session               string
	readTeam, writeTeam, adminTeam string
}

func createTeam(t *testing.T, c *testenv.Client, name string) string {
	t.Helper()
	var out struct {
		CreateTeam struct {
			Team       struct{ ID string }
			UserErrors []testenv.UserErrorT
		}
	}
	c.Must(`mutation($n: String!) { createTeam(input: {name: $n}) { team { id } userErrors { code message } } }`, map[string]any{"n": name}, &out)
	if len(out.CreateTeam.UserErrors) > 0 {
		t.Fatalf("createTeam: %+v", out.CreateTeam.UserErrors)
	}
	return out.CreateTeam.Team.ID
}

func addMember(t *testing.T, c *testenv.Client, team, email, role string) []testenv.UserErrorT {
	t.Helper()
	var out struct {
		AddTeamMember struct{ UserErrors []testenv.UserErrorT }
	}
	r := c.Do(`mutation($t: ID!, $e: String!, $r: TeamRole) { addTeamMember(input: {teamId: $t, email: $e, role: $r}) { member { role } userErrors { code message } } }`,
		map[string]any{"t": team, "e": email, "r": role})
	if len(r.Errors) > 0 {
		return []testenv.UserErrorT{{Code: r.Errors[0].Code(), Message: r.Errors[0].Message}}
	}
	r.Decode(t, &out)
	return out.AddTeamMember.UserErrors
}

func share(t *testing.T, c *testenv.Client, project, team, perm string) {
	t.Helper()
	var out struct {
		ShareProject struct{ UserErrors []testenv.UserErrorT }
	}
	c.Must(`mutation($p: ID!, $t: ID!, $perm: ProjectPermission!) { shareProject(input: {projectId: $p, teamId: $t, permission: $perm}) { share { permission } userErrors { code message } } }`,
		map[string]any{"p": project, "t": team, "perm": perm}, &out)
	if len(out.ShareProject.UserErrors) > 0 {
		t.Fatalf("share: %+v", out.ShareProject.UserErrors)
	}
}

func newTeamWorld(t *testing.T, srv *testenv.Server) *teamWorld {
	t.Helper()
	w := &teamWorld{srv: srv}
	w.owner, w.ownerTok = srv.Client(t).NewUser()
	w.viewer, w.viewerTok = srv.Client(t).NewUser()
	w.writer, w.writerTok = srv.Client(t).NewUser()
	w.admin, w.adminTok = srv.Client(t).NewUser()
	w.project = w.owner.CreateProject("shared project")
	w.session = w.owner.StartSession(w.project)
	w.readTeam = createTeam(t, w.owner, "readers")
	w.writeTeam = createTeam(t, w.owner, "writers")
	w.adminTeam = createTeam(t, w.owner, "admins")
	for _, m := range []struct{ team, email, role string }{
		{w.readTeam, w.viewerTok.User.Email, "VIEWER"},
		{w.writeTeam, w.writerTok.User.Email, "DEVELOPER"},
		{w.adminTeam, w.adminTok.User.Email, "DEVELOPER"},
	} {
		if errs := addMember(t, w.owner, m.team, m.email, m.role); len(errs) > 0 {
			t.Fatalf("add member: %+v", errs)
		}
	}
	share(t, w.owner, w.project, w.readTeam, "READ")
	share(t, w.owner, w.project, w.writeTeam, "WRITE")
	share(t, w.owner, w.project, w.adminTeam, "ADMIN")
	return w
}

func permissionOf(t *testing.T, c *testenv.Client, project string) string {
	t.Helper()
	r := c.Do(`query($p: ID!) { project(id: $p) { viewerPermission } }`, map[string]any{"p": project})
	if len(r.Errors) > 0 {
		return r.Errors[0].Code()
	}
	var out struct {
		Project struct{ ViewerPermission string }
	}
	r.Decode(t, &out)
	return out.Project.ViewerPermission
}
