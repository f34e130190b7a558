package e2e

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"socrates/internal/pubsub"
	"socrates/internal/testenv"
)

func TestTeamsAndSharing(t *testing.T) {
	testenv.EachDB(t, func(t *testing.T, dbURL string) {
		srv := testenv.StartServer(t, dbURL)
		w := newTeamWorld(t, srv)
		for c, want := range map[*testenv.Client]string{w.owner: "OWNER", w.viewer: "READ", w.writer: "WRITE", w.admin: "ADMIN"} {
			if got := permissionOf(t, c, w.project); got != want {
				t.Fatalf("viewerPermission %s, want %s", got, want)
			}
		}
		// A VIEWER of the WRITE team still gets READ only.
		if errs := addMember(t, w.owner, w.writeTeam, w.viewerTok.User.Email, "VIEWER"); len(errs) > 0 {
			t.Fatal(errs)
		}
		if got := permissionOf(t, w.viewer, w.project); got != "READ" {
			t.Fatalf("VIEWER on a WRITE share has %s", got)
		}
		// Affiliation filters.
		var list struct{ Projects struct{ TotalCount int } }
		w.writer.Must(`{ projects(affiliation: SHARED) { totalCount } }`, nil, &list)
		if list.Projects.TotalCount != 1 {
			t.Fatalf("shared projects %d", list.Projects.TotalCount)
		}
		w.writer.Must(`{ projects(affiliation: OWNED) { totalCount } }`, nil, &list)
		if list.Projects.TotalCount != 0 {
			t.Fatalf("owned projects %d", list.Projects.TotalCount)
		}
		w.owner.Must(`{ projects(affiliation: SHARED) { totalCount } }`, nil, &list)
		if list.Projects.TotalCount != 0 {
			t.Fatalf("owner's shared list holds own project")
		}
		// Levels: WRITE runs sessions but cannot rename; ADMIN renames but cannot delete.
		if r := w.writer.Do(`mutation($p: ID!) { startSession(input: {projectId: $p}) { session { id } userErrors { code } } }`, map[string]any{"p": w.project}); len(r.Errors) > 0 {
			t.Fatalf("writer cannot start a session: %s", r.Raw)
		}
		if r := w.writer.Do(`mutation($p: ID!) { updateProject(input: {projectId: $p, name: "x"}) { project { id } } }`, map[string]any{"p": w.project}); len(r.Errors) == 0 || r.Errors[0].Code() != "FORBIDDEN" {
			t.Fatalf("writer renamed: %s", r.Raw)
		}
		if r := w.viewer.Do(`mutation($s: ID!) { askNextQuestion(input: {sessionId: $s}) { question { id } } }`, map[string]any{"s": w.session}); len(r.Errors) == 0 || r.Errors[0].Code() != "FORBIDDEN" {
			t.Fatalf("viewer asked: %s", r.Raw)
		}
		if r := w.admin.Do(`mutation($p: ID!) { updateProject(input: {projectId: $p, name: "renamed"}) { project { name } userErrors { code } } }`, map[string]any{"p": w.project}); len(r.Errors) > 0 {
			t.Fatalf("admin cannot rename: %s", r.Raw)
		}
		if r := w.admin.Do(`mutation($p: ID!) { deleteProject(input: {projectId: $p}) { deletedProjectId } }`, map[string]any{"p": w.project}); len(r.Errors) == 0 || r.Errors[0].Code() != "FORBIDDEN" {
			t.Fatalf("admin deleted: %s", r.Raw)
		}
		var shares struct {
			Project struct {
				Shares []struct {
					Permission string
					Team       struct{ Name string }
					SharedBy   struct{ ID string }
				}
			}
		}
		w.viewer.Must(`query($p: ID!) { project(id: $p) { shares { permission team { name } sharedBy { id } } } }`, map[string]any{"p": w.project}, &shares)
		if len(shares.Project.Shares) != 3 || shares.Project.Shares[0].SharedBy.ID != w.ownerTok.User.ID {
			t.Fatalf("shares %+v", shares.Project.Shares)
		}

		// Role rules.
		lead, leadTok := srv.Client(t).NewUser()
		_, devTok := srv.Client(t).NewUser()
		if errs := addMember(t, w.owner, w.writeTeam, leadTok.User.Email, "LEAD"); len(errs) > 0 {
			t.Fatal(errs)
		}
		if errs := addMember(t, lead, w.writeTeam, devTok.User.Email, "OWNER"); len(errs) == 0 || errs[0].Code != "FORBIDDEN" {
			t.Fatalf("LEAD granted OWNER: %+v", errs)
		}
		if errs := addMember(t, lead, w.writeTeam, devTok.User.Email, "DEVELOPER"); len(errs) > 0 {
			t.Fatalf("LEAD cannot add: %+v", errs)
		}
		if errs := addMember(t, w.writer, w.writeTeam, "nobody@example.com", "DEVELOPER"); len(errs) == 0 || errs[0].Code != "FORBIDDEN" {
			t.Fatalf("DEVELOPER added: %+v", errs)
		}
		if errs := addMember(t, w.owner, w.writeTeam, devTok.User.Email, "DEVELOPER"); len(errs) == 0 || errs[0].Code != "ALREADY_MEMBER" {
			t.Fatalf("duplicate member: %+v", errs)
		}
		if errs := addMember(t, w.owner, w.writeTeam, "nobody@example.com", "DEVELOPER"); len(errs) == 0 || errs[0].Code != "USER_NOT_FOUND" {
			t.Fatalf("unknown email: %+v", errs)
		}
		const removeQ = `mutation($t: ID!, $u: ID!) { removeTeamMember(input: {teamId: $t, userId: $u}) { removedUserId userErrors { code } } }`
		const roleQ = `mutation($t: ID!, $u: ID!, $r: TeamRole!) { updateTeamMemberRole(input: {teamId: $t, userId: $u, role: $r}) { member { role } userErrors { code } } }`
		if r := lead.Do(removeQ, map[string]any{"t": w.writeTeam, "u": devTok.User.ID}); len(r.Errors) == 0 || r.Errors[0].Code() != "FORBIDDEN" {
			t.Fatalf("LEAD removed a member: %s", r.Raw)
		}
		if r := lead.Do(roleQ, map[string]any{"t": w.writeTeam, "u": devTok.User.ID, "r": "LEAD"}); len(r.Errors) == 0 || r.Errors[0].Code() != "FORBIDDEN" {
			t.Fatalf("LEAD changed a role: %s", r.Raw)
		}
		for _, q := range []struct {
			query string
			vars  map[string]any
		}{
			{removeQ, map[string]any{"t": w.writeTeam, "u": w.ownerTok.User.ID}},
			{roleQ, map[string]any{"t": w.writeTeam, "u": w.ownerTok.User.ID, "r": "DEVELOPER"}},
		} {
			if r := w.owner.Do(q.query, q.vars); !strings.Contains(string(r.Raw), "LAST_OWNER") {
				t.Fatalf("the last OWNER was removed or demoted: %s", r.Raw)
			}
		}
		if r := w.owner.Do(roleQ, map[string]any{"t": w.writeTeam, "u": leadTok.User.ID, "r": "OWNER"}); strings.Contains(string(r.Raw), "code") && !strings.Contains(string(r.Raw), `"userErrors":[]`) {
			t.Fatalf("promote: %s", r.Raw)
		}
		if r := w.owner.Do(roleQ, map[string]any{"t": w.writeTeam, "u": w.ownerTok.User.ID, "r": "DEVELOPER"}); !strings.Contains(string(r.Raw), `"userErrors":[]`) {
			t.Fatalf("with two OWNERs one may step down: %s", r.Raw)
		}
		// A member may leave.
		if r := w.viewer.Do(removeQ, map[string]any{"t": w.writeTeam, "u": w.viewerTok.User.ID}); !strings.Contains(string(r.Raw), `"userErrors":[]`) {
			t.Fatalf("leave: %s", r.Raw)
		}

		// Activity: team OWNERs and project ADMINs read it, others may not.
		var act struct {
			Node struct {
				Activity struct {
					TotalCount int
					Nodes      []struct{ Action string }
				}
			}
		}
		w.owner.Must(`query($t: ID!) { node(id: $t) { ... on Team { activity { totalCount nodes { action } } } } }`, map[string]any{"t": w.readTeam}, &act)
		if act.Node.Activity.TotalCount < 3 {
			t.Fatalf("team activity %+v", act.Node.Activity)
		}
		if r := w.viewer.Do(`query($t: ID!) { node(id: $t) { ... on Team { activity { totalCount } } } }`, map[string]any{"t": w.readTeam}); len(r.Errors) == 0 || r.Errors[0].Code() != "FORBIDDEN" {
			t.Fatalf("a VIEWER read team activity: %s", r.Raw)
		}
		var pact struct {
			Project struct {
				Activity struct{ Nodes []struct{ Action string } }
			}
		}
		w.admin.Must(`query($p: ID!) { project(id: $p) { activity { nodes { action } } } }`, map[string]any{"p": w.project}, &pact)
		if len(pact.Project.Activity.Nodes) != 3 || pact.Project.Activity.Nodes[0].Action != "PROJECT_SHARED" {
			t.Fatalf("project activity %+v", pact.Project.Activity)
		}
		if r := w.writer.Do(`query($p: ID!) { project(id: $p) { activity { totalCount } } }`, map[string]any{"p": w.project}); len(r.Errors) == 0 || r.Errors[0].Code() != "FORBIDDEN" {
			t.Fatalf("a WRITE member read project activity: %s", r.Raw)
		}

		// Transfer, then the old owner keeps nothing but team shares.
		stranger, strangerTok := srv.Client(t).NewUser()
		var tr struct {
			TransferProject struct {
				Project    struct{ Owner struct{ ID string } }
				UserErrors []testenv.UserErrorT
			}
		}
		w.owner.Must(`mutation($p: ID!, $e: String!) { transferProject(input: {projectId: $p, email: $e}) { project { owner { id } } userErrors { code } } }`,
			map[string]any{"p": w.project, "e": strangerTok.User.Email}, &tr)
		if tr.TransferProject.Project.Owner.ID != strangerTok.User.ID {
			t.Fatalf("transfer: %+v", tr)
		}
		if got := permissionOf(t, stranger, w.project); got != "OWNER" {
			t.Fatalf("new owner has %s", got)
		}
		if got := permissionOf(t, w.owner, w.project); got != "ADMIN" {
			t.Fatalf("old owner (member of the ADMIN team) has %s", got)
		}
	})
}

// TestLosingAccessEndsSubscriptions removes a share and a membership and
// shows the next request is refused and live subscriptions end.
func TestLosingAccessEndsSubscriptions(t *testing.T) {
	testenv.EachDB(t, func(t *testing.T, dbURL string) {
		srv := testenv.StartServer(t, dbURL)
		w := newTeamWorld(t, srv)
		sid := sessionNumber(t, w.session)
		watch := func(tok string) *subscription {
			return subscribe(t, srv, tok, pubsub.SessionTopic(sid), `subscription($s: ID!) { sessionEvents(sessionId: $s) { type } }`, map[string]any{"s": w.session})
		}
		writerSub := watch(w.writerTok.AccessToken)
		w.owner.Must(`mutation($p: ID!, $t: ID!) { unshareProject(input: {projectId: $p, teamId: $t}) { userErrors { code } } }`,
			map[string]any{"p": w.project, "t": w.writeTeam}, nil)
		if got := permissionOf(t, w.writer, w.project); got != "NOT_FOUND" {
			t.Fatalf("after unshare the writer gets %s", got)
		}
		ended(t, writerSub)

		viewerSub := watch(w.viewerTok.AccessToken)
		w.owner.Must(`mutation($t: ID!, $u: ID!) { removeTeamMember(input: {teamId: $t, userId: $u}) { userErrors { code } } }`,
			map[string]any{"t": w.readTeam, "u": w.viewerTok.User.ID}, nil)
		if got := permissionOf(t, w.viewer, w.project); got != "NOT_FOUND" {
			t.Fatalf("after removal the viewer gets %s", got)
		}
		ended(t, viewerSub)

		// The admin keeps access and keeps receiving events.
		adminSub := watch(w.adminTok.AccessToken)
		w.owner.Must(`mutation($s: ID!) { pauseSession(input: {sessionId: $s}) { userErrors { code } } }`, map[string]any{"s": w.session}, nil)
		if e := adminSub.next(); e["type"] != "SESSION_STATUS_CHANGED" {
			t.Fatalf("admin event %v", e)
		}
	})
}

// ended waits for a subscription to complete.
func ended(t *testing.T, s *subscription) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for {
		m, err := s.ws.Read(ctx)
		if err != nil {
			t.Fatalf("the subscription did not end: %v", err)
		}
		if m.Type == "complete" || m.Type == "error" {
			return
		}
	}
}

// TestOwnersRemovingEachOther has the two OWNERs of a team remove each
// other at the same moment, 100 times: a team always keeps an OWNER.
func TestOwnersRemovingEachOther(t *testing.T) {
	srv := testenv.StartServer(t, testenv.NewDatabase(t, testenv.Postgres))
	a, aTok := srv.Client(t).NewUser()
	b, bTok := srv.Client(t).NewUser()
	const removeQ = `mutation($t: ID!, $u: ID!) { removeTeamMember(input: {teamId: $t, userId: $u}) { removedUserId userErrors { code } } }`
	const roleQ = `mutation($t: ID!, $u: ID!, $r: TeamRole!) { updateTeamMemberRole(input: {teamId: $t, userId: $u, role: $r}) { userErrors { code } } }`
	for i := range 100 {
		team := createTeam(t, a, fmt.Sprintf("duel %d", i))
		if errs := addMember(t, a, team, bTok.User.Email, "OWNER"); len(errs) > 0 {
			t.Fatal(errs)
		}
		var wg sync.WaitGroup
		wg.Add(2)
		// Half the rounds remove, half demote.
		q, vars := removeQ, func(u string) map[string]any { return map[string]any{"t": team, "u": u} }
		if i%2 == 1 {
			q, vars = roleQ, func(u string) map[string]any { return map[string]any{"t": team, "u": u, "r": "DEVELOPER"} }
		}
		go func() { defer wg.Done(); a.Do(q, vars(bTok.User.ID)) }()
		go func() { defer wg.Done(); b.Do(q, vars(aTok.User.ID)) }()
		wg.Wait()
		var owners int
		if err := srv.App.DB.NewRaw("SELECT count(*) FROM team_members WHERE team_id = (SELECT max(id) FROM teams) AND role = 'OWNER'").
			Scan(context.Background(), &owners); err != nil {
			t.Fatal(err)
		}
		if owners < 1 {
			t.Fatalf("round %d left the team without an OWNER", i)
		}
	}
}
