package e2e

import (
	"strings"
	"testing"
	"time"

	"socrates/internal/testenv"
)

// TestBadTeamAndTokenInputChangesNothing sends the team, sharing, token and
// provider mutations bad input: each answers a clear userError and the
// database is unchanged.
func TestBadTeamAndTokenInputChangesNothing(t *testing.T) {
	testenv.EachDB(t, func(t *testing.T, dbURL string) {
		srv := testenv.StartServer(t, dbURL)
		w := newTeamWorld(t, srv)
		long := strings.Repeat("x", 101)
		cases := []struct {
			name, query string
			vars        map[string]any
			want        string
		}{
			{"team without a name", `mutation { createTeam(input: {name: "  "}) { team { id } userErrors { field code message } } }`, nil, "REQUIRED"},
			{"team name too long", `mutation($n: String!) { createTeam(input: {name: $n}) { team { id } userErrors { field code message } } }`, map[string]any{"n": long}, "TOO_LONG"},
			{"rename to nothing", `mutation($t: ID!) { updateTeam(input: {teamId: $t, name: ""}) { team { id } userErrors { field code message } } }`, map[string]any{"t": w.readTeam}, "REQUIRED"},
			{"member with a bad email", `mutation($t: ID!) { addTeamMember(input: {teamId: $t, email: "not-an-email"}) { member { role } userErrors { field code message } } }`, map[string]any{"t": w.readTeam}, "INVALID"},
			{"member who is no member", `mutation($t: ID!, $u: ID!) { updateTeamMemberRole(input: {teamId: $t, userId: $u, role: LEAD}) { member { role } userErrors { field code message } } }`, map[string]any{"t": w.readTeam, "u": w.writerTok.User.ID}, "NOT_A_MEMBER"},
			{"share at OWNER", `mutation($p: ID!, $t: ID!) { shareProject(input: {projectId: $p, teamId: $t, permission: OWNER}) { share { permission } userErrors { field code message } } }`, map[string]any{"p": w.project, "t": w.readTeam}, "INVALID"},
			{"remove a member who is no member", `mutation($t: ID!, $u: ID!) { removeTeamMember(input: {teamId: $t, userId: $u}) { team { id } userErrors { field code message } } }`, map[string]any{"t": w.readTeam, "u": w.writerTok.User.ID}, "NOT_A_MEMBER"},
			{"unshare a team never shared", `mutation($p: ID!, $t: ID!) { unshareProject(input: {projectId: $p, teamId: $t}) { project { id } userErrors { field code message } } }`, map[string]any{"p": w.project, "t": createTeam(t, w.owner, "unshared")}, "NOT_SHARED"},
			{"transfer to the owner", `mutation($p: ID!, $e: String!) { transferProject(input: {projectId: $p, email: $e}) { project { id } userErrors { field code message } } }`, map[string]any{"p": w.project, "e": w.ownerTok.User.Email}, "INVALID"},
			{"transfer to nobody", `mutation($p: ID!) { transferProject(input: {projectId: $p, email: "nobody@example.com"}) { project { id } userErrors { field code message } } }`, map[string]any{"p": w.project}, "USER_NOT_FOUND"},
			{"token without scopes", `mutation { createApiToken(input: {name: "x", scopes: []}) { token userErrors { field code message } } }`, nil, "REQUIRED"},
			{"token expiring in the past", `mutation($e: Time) { createApiToken(input: {name: "x", scopes: [READ], expiresAt: $e}) { token userErrors { field code message } } }`, map[string]any{"e": time.Now().Add(-time.Hour).Format(time.RFC3339)}, "INVALID"},
			{"token without a name", `mutation { createApiToken(input: {name: "", scopes: [READ]}) { token userErrors { field code message } } }`, nil, "REQUIRED"},
			{"model too long", `mutation($p: ID!, $m: String) { setProjectLLM(input: {projectId: $p, provider: ANTHROPIC, model: $m}) { project { id } userErrors { field code message } } }`, map[string]any{"p": w.project, "m": strings.Repeat("m", 201)}, "TOO_LONG"},
			{"model without provider", `mutation($p: ID!) { setProjectLLM(input: {projectId: $p, model: "gpt-4o"}) { project { id } userErrors { field code message } } }`, map[string]any{"p": w.project}, "INVALID"},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				before := snapshot(t, srv.App.DB)
				r := w.owner.Do(c.query, c.vars)
				if len(r.Errors) != 0 || !strings.Contains(string(r.Raw), `"code":"`+c.want+`"`) || !strings.Contains(string(r.Raw), `"message":"`) {
					t.Fatalf("want userError %s, got %s", c.want, r.Raw)
				}
				// A refused mutation's payload holds no object.
				var data map[string]map[string]any
				r.Decode(t, &data)
				for _, payload := range data {
					for field, v := range payload {
						if field != "userErrors" && v != nil {
							t.Errorf("the refused payload's %s is %v, want null", field, v)
						}
					}
				}
				if snapshot(t, srv.App.DB) != before {
					t.Fatal("the database changed")
				}
			})
		}
	})
}
