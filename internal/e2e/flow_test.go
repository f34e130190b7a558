package e2e

import (
	"fmt"
	"testing"

	"socrates/internal/testenv"
)

func TestFoundationFlow(t *testing.T) {
	testenv.EachDB(t, func(t *testing.T, dbURL string) {
		srv := testenv.StartServer(t, dbURL)
		anon := srv.Client(t)

		reg := anon.Register("Ada@Example.com", "correct horse")
		if reg.User.Email != "ada@example.com" {
			t.Fatalf("email not normalised: %q", reg.User.Email)
		}

		var login struct{ Login testenv.Tokens }
		anon.Must(`mutation { login(input: {email: "ada@example.com", password: "correct horse"}) {
			accessToken refreshToken user { id email } userErrors { code } } }`, nil, &login)
		if login.Login.AccessToken == "" || login.Login.User.ID != reg.User.ID {
			t.Fatalf("login: %+v", login.Login)
		}
		ada := anon.As(login.Login.AccessToken)

		projectID := ada.CreateProject("Payments platform")
		sessionID := ada.StartSession(projectID)

		var got struct {
			Viewer struct {
				ID    string
				Email string
			}
			Projects struct {
				TotalCount int
				Nodes      []struct {
					ID               string
					Name             string
					Phase            string
					Status           string
					Maturity         int
					ViewerPermission string
					Owner            struct{ Email string }
					Sessions         struct {
						TotalCount int
						Nodes      []struct {
							ID        string
							Status    string
							Mode      string
							StartedBy struct{ ID string }
							Project   struct{ ID string }
						}
					}
				}
			}
		}
		ada.Must(`{ viewer { id email }
			projects { totalCount nodes { id name phase status maturity viewerPermission owner { email }
				sessions { totalCount nodes { id status mode startedBy { id } project { id } } } } } }`, nil, &got)
		if got.Viewer.ID != reg.User.ID || got.Viewer.Email != "ada@example.com" {
			t.Fatalf("viewer = %+v", got.Viewer)
		}
		if got.Projects.TotalCount != 1 || len(got.Projects.Nodes) != 1 {
			t.Fatalf("projects = %+v", got.Projects)
		}
		p := got.Projects.Nodes[0]
		if p.ID != projectID || p.Name != "Payments platform" || p.Phase != "DISCOVERY" || p.Status != "ACTIVE" ||
			p.Maturity != 0 || p.ViewerPermission != "OWNER" || p.Owner.Email != "ada@example.com" {
			t.Fatalf("project = %+v", p)
		}
		if p.Sessions.TotalCount != 1 || p.Sessions.Nodes[0].ID != sessionID || p.Sessions.Nodes[0].Status != "ACTIVE" ||
			p.Sessions.Nodes[0].Mode != "SOCRATIC" || p.Sessions.Nodes[0].StartedBy.ID != reg.User.ID ||
			p.Sessions.Nodes[0].Project.ID != projectID {
			t.Fatalf("sessions = %+v", p.Sessions)
		}

		// The anonymous viewer is null, and a stranger sees nothing of Ada's.
		var anonView struct{ Viewer *struct{ ID string } }
		anon.Must(`{ viewer { id } }`, nil, &anonView)
		if anonView.Viewer != nil {
			t.Fatalf("anonymous viewer = %+v", anonView.Viewer)
		}
		stranger, _ := anon.NewUser()
		var strangerView struct{ Projects struct{ TotalCount int } }
		stranger.Must(`{ projects { totalCount } }`, nil, &strangerView)
		if strangerView.Projects.TotalCount != 0 {
			t.Fatalf("stranger sees %d projects", strangerView.Projects.TotalCount)
		}
		for _, id := range []string{projectID, sessionID, reg.User.ID} {
			r := stranger.Do(`query($id: ID!) { node(id: $id) { id } }`, map[string]any{"id": id})
			if len(r.Errors) != 1 || r.Errors[0].Code() != "NOT_FOUND" || string(r.Data) != `{"node":null}` {
				t.Fatalf("stranger node(%s) = %s", id, r.Raw)
			}
		}
		r := stranger.Do(`query($id: ID!) { project(id: $id) { id } }`, map[string]any{"id": projectID})
		if len(r.Errors) != 1 || r.Errors[0].Code() != "NOT_FOUND" {
			t.Fatalf("stranger project() = %s", r.Raw)
		}

		// nodes() answers what the viewer may see and null, with an error, elsewhere.
		r = ada.Do(`query($ids: [ID!]!) { nodes(ids: $ids) { __typename id } }`,
			map[string]any{"ids": []string{projectID, "bogus", sessionID, reg.User.ID}})
		var nodes struct {
			Nodes []*struct {
				Typename string `json:"__typename"`
				ID       string
			}
		}
		r.Decode(t, &nodes)
		if len(nodes.Nodes) != 4 || nodes.Nodes[0].Typename != "Project" || nodes.Nodes[1] != nil ||
			nodes.Nodes[2].Typename != "Session" || nodes.Nodes[3].ID != reg.User.ID {
			t.Fatalf("nodes = %s", r.Raw)
		}
		if len(r.Errors) != 1 || r.Errors[0].Code() != "NOT_FOUND" || fmt.Sprint(r.Errors[0].Path) != "[nodes 1]" {
			t.Fatalf("nodes errors = %s", r.Raw)
		}
	})
}
