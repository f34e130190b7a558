package e2e

import (
	"fmt"
	"slices"
	"testing"

	"socrates/internal/testenv"
)

type pageOf struct {
	TotalCount int
	PageInfo   struct {
		HasNextPage     bool
		HasPreviousPage bool
		StartCursor     *string
		EndCursor       *string
	}
	Edges []struct {
		Cursor string
		Node   struct {
			ID   string
			Name string
		}
	}
}

func (p pageOf) names() []string {
	out := make([]string, len(p.Edges))
	for i, e := range p.Edges {
		out[i] = e.Node.Name
	}
	return out
}

const projectsPage = `query($first: Int, $after: String, $last: Int, $before: String, $order: ProjectOrder, $search: String, $status: ProjectStatus) {
	projects(first: $first, after: $after, last: $last, before: $before, orderBy: $order, search: $search, status: $status) {
		totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
		edges { cursor node { id name } } } }`

// walk pages through every project forwards (or backwards) and returns the
// names in the order seen.
func walk(t *testing.T, c *testenv.Client, vars map[string]any, size int, backward bool) []string {
	t.Helper()
	var seen []string
	var cursor *string
	for range 100 {
		v := map[string]any{}
		for k, x := range vars {
			v[k] = x
		}
		if backward {
			v["last"], v["before"] = size, cursor
		} else {
			v["first"], v["after"] = size, cursor
		}
		var out struct{ Projects pageOf }
		c.Must(projectsPage, v, &out)
		p := out.Projects
		names := p.names()
		if backward {
			seen = append(slices.Clone(names), seen...)
			if !p.PageInfo.HasPreviousPage {
				return seen
			}
			cursor = p.PageInfo.StartCursor
		} else {
			seen = append(seen, names...)
			if !p.PageInfo.HasNextPage {
				return seen
			}
			cursor = p.PageInfo.EndCursor
		}
	}
	t.Fatal("pagination did not end")
	return nil
}

func TestProjectPagination(t *testing.T) {
	testenv.EachDB(t, func(t *testing.T, dbURL string) {
		srv := testenv.StartServer(t, dbURL)
		me, _ := srv.Client(t).NewUser()
		other, _ := srv.Client(t).NewUser()
		other.CreateProject("not mine")

		names := []string{"delta", "Alpha", "charlie", "bravo", "Echo 50%", "foxtrot_x", "golf", "hotel"}
		ids := map[string]string{}
		for _, n := range names {
			ids[n] = me.CreateProject(n)
		}
		// Touch two projects so UPDATED_AT differs from creation order.
		for _, n := range []string{"bravo", "delta"} {
			me.Must(`mutation($p: ID!, $d: String) { updateProject(input: {projectId: $p, description: $d}) { userErrors { code } } }`,
				map[string]any{"p": ids[n], "d": "touched " + n}, nil)
		}
		me.Must(`mutation($p: ID!) { archiveProject(input: {projectId: $p}) { userErrors { code } } }`, map[string]any{"p": ids["golf"]}, nil)

		newestFirst := slices.Clone(names)
		slices.Reverse(newestFirst)
		byName := []string{"Alpha", "bravo", "charlie", "delta", "Echo 50%", "foxtrot_x", "golf", "hotel"}
		byUpdated := []string{"Alpha", "charlie", "Echo 50%", "foxtrot_x", "hotel", "bravo", "delta", "golf"}

		cases := []struct {
			name string
			vars map[string]any
			want []string
		}{
			{"default newest first", nil, newestFirst},
			{"created asc", map[string]any{"order": map[string]any{"field": "CREATED_AT", "direction": "ASC"}}, names},
			{"name asc", map[string]any{"order": map[string]any{"field": "NAME", "direction": "ASC"}}, byName},
			{"name desc", map[string]any{"order": map[string]any{"field": "NAME", "direction": "DESC"}}, reversed(byName)},
			{"updated asc", map[string]any{"order": map[string]any{"field": "UPDATED_AT", "direction": "ASC"}}, byUpdated},
			{"maturity desc", map[string]any{"order": map[string]any{"field": "MATURITY", "direction": "DESC"}}, newestFirst},
			{"archived", map[string]any{"status": "ARCHIVED"}, []string{"golf"}},
			{"search percent", map[string]any{"search": "50%"}, []string{"Echo 50%"}},
			{"search underscore", map[string]any{"search": "T_X"}, []string{"foxtrot_x"}},
			{"search description", map[string]any{"search": "touched"}, []string{"bravo", "delta"}},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				for _, size := range []int{1, 3, 100} {
					if got := walk(t, me, tc.vars, size, false); !slices.Equal(got, tc.want) {
						t.Fatalf("forward by %d: %v, want %v", size, got, tc.want)
					}
					if got := walk(t, me, tc.vars, size, true); !slices.Equal(got, tc.want) {
						t.Fatalf("backward by %d: %v, want %v", size, got, tc.want)
					}
				}
				var out struct{ Projects pageOf }
				me.Must(projectsPage, mergeVars(tc.vars, map[string]any{"first": 2}), &out)
				if out.Projects.TotalCount != len(tc.want) {
					t.Fatalf("totalCount %d, want %d", out.Projects.TotalCount, len(tc.want))
				}
			})
		}

		// Cursors of one ordering are refused by another; first: 0 is an empty page.
		var out struct{ Projects pageOf }
		me.Must(projectsPage, map[string]any{"first": 2}, &out)
		r := me.Do(projectsPage, map[string]any{"first": 2, "after": out.Projects.PageInfo.EndCursor,
			"order": map[string]any{"field": "NAME", "direction": "ASC"}})
		if len(r.Errors) != 1 || r.Errors[0].Code() != "BAD_USER_INPUT" {
			t.Fatalf("cursor of another ordering: %s", r.Raw)
		}
		me.Must(projectsPage, map[string]any{"first": 0}, &out)
		if len(out.Projects.Edges) != 0 || !out.Projects.PageInfo.HasNextPage {
			t.Fatalf("first: 0 = %+v", out.Projects)
		}
	})
}

func TestSessionPagination(t *testing.T) {
	testenv.EachDB(t, func(t *testing.T, dbURL string) {
		srv := testenv.StartServer(t, dbURL)
		me, _ := srv.Client(t).NewUser()
		var want [][]string
		var pids []string
		for p := range 3 {
			pid := me.CreateProject(fmt.Sprintf("p%d", p))
			pids = append(pids, pid)
			var sessions []string
			for range 3 + 4*p {
				sessions = append(sessions, me.StartSession(pid))
			}
			slices.Reverse(sessions)
			want = append(want, sessions)
		}
		// End the newest session of the last project to test the status filter.
		me.Must(`mutation($s: ID!) { endSession(input: {sessionId: $s}) { userErrors { code } } }`, map[string]any{"s": want[2][0]}, nil)

		const q = `query($after: String) { projects(orderBy: {field: CREATED_AT, direction: ASC}) { nodes {
			all: sessions(first: 4, after: $after) { totalCount pageInfo { hasNextPage endCursor } nodes { id } }
			done: sessions(status: COMPLETED) { totalCount nodes { id } }
			active: sessions(status: ACTIVE, last: 2) { totalCount nodes { id } } } } }`
		type conn struct {
			TotalCount int
			PageInfo   struct {
				HasNextPage bool
				EndCursor   *string
			}
			Nodes []struct{ ID string }
		}
		var out struct {
			Projects struct {
				Nodes []struct{ All, Done, Active conn }
			}
		}
		me.Must(q, nil, &out)
		for i, p := range out.Projects.Nodes {
			if p.All.TotalCount != len(want[i]) {
				t.Fatalf("project %d totalCount %d, want %d", i, p.All.TotalCount, len(want[i]))
			}
			ids := idsOf(p.All.Nodes)
			if !slices.Equal(ids, want[i][:min(4, len(want[i]))]) {
				t.Fatalf("project %d first page %v, want %v", i, ids, want[i][:min(4, len(want[i]))])
			}
			if p.All.PageInfo.HasNextPage != (len(want[i]) > 4) {
				t.Fatalf("project %d hasNextPage %v", i, p.All.PageInfo.HasNextPage)
			}
			active := want[i]
			if i == 2 {
				active = want[i][1:]
				if p.Done.TotalCount != 1 || idsOf(p.Done.Nodes)[0] != want[2][0] {
					t.Fatalf("completed sessions: %+v", p.Done)
				}
			} else if p.Done.TotalCount != 0 {
				t.Fatalf("project %d has completed sessions: %+v", i, p.Done)
			}
			if got := idsOf(p.Active.Nodes); !slices.Equal(got, active[len(active)-2:]) || p.Active.TotalCount != len(active) {
				t.Fatalf("project %d last 2 active %v (total %d), want %v", i, got, p.Active.TotalCount, active[len(active)-2:])
			}
		}
		// Follow the cursor of project 2's first page through the node field.
		var page2 struct {
			Node struct{ Sessions conn }
		}
		me.Must(`query($id: ID!, $after: String) { node(id: $id) { ... on Project { sessions(first: 4, after: $after) {
			totalCount pageInfo { hasNextPage endCursor } nodes { id } } } } }`,
			map[string]any{"id": pids[2], "after": out.Projects.Nodes[2].All.PageInfo.EndCursor}, &page2)
		if got := idsOf(page2.Node.Sessions.Nodes); !slices.Equal(got, want[2][4:8]) || !page2.Node.Sessions.PageInfo.HasNextPage {
			t.Fatalf("second page %v, want %v", got, want[2][4:8])
		}
	})
}

func idsOf(nodes []struct{ ID string }) []string {
	out := make([]string, len(nodes))
	for i, n := range nodes {
		out[i] = n.ID
	}
	return out
}

func reversed(s []string) []string {
	out := slices.Clone(s)
	slices.Reverse(out)
	return out
}

func mergeVars(a, b map[string]any) map[string]any {
	out := map[string]any{}
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		out[k] = v
	}
	return out
}
