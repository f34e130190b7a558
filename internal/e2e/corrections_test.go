package e2e

import (
	"encoding/json"
	"strings"
	"testing"

	"socrates/internal/app"
	"socrates/internal/ids"
	"socrates/internal/pubsub"
	"socrates/internal/testenv"
)

const (
	rejectMutation = `mutation($s: ID!, $n: String) { rejectSpecification(input: {specificationId: $s, note: $n, clientMutationId: "r"}) {
		specification { id status rejectionNote } project { maturity openConflictCount }
		conflicts { id status resolution resolutionNote specifications { id status } } userErrors { field code message } clientMutationId } }`
	restoreMutation = `mutation($s: ID!) { restoreSpecification(input: {specificationId: $s, clientMutationId: "r"}) {
		specification { id status rejectionNote } project { maturity openConflictCount }
		conflicts { id status specifications { id status } } userErrors { field code message } clientMutationId } }`
)

// correctionT is the payload of rejectSpecification and restoreSpecification.
type correctionT struct {
	Specification *struct {
		ID, Status    string
		RejectionNote *string
	}
	Project *struct{ Maturity, OpenConflictCount int }
	// Conflicts are those the change closed, then those it opened.
	Conflicts []struct {
		ID, Status     string
		Resolution     *string
		ResolutionNote *string
		Specifications []struct{ ID, Status string }
	}
	UserErrors       []testenv.UserErrorT
	ClientMutationID string
}

func rejectSpec(t *testing.T, c *testenv.Client, id string, note any) correctionT {
	t.Helper()
	var out struct{ RejectSpecification correctionT }
	c.Must(rejectMutation, map[string]any{"s": id, "n": note}, &out)
	return out.RejectSpecification
}

func restoreSpec(t *testing.T, c *testenv.Client, id string) correctionT {
	t.Helper()
	var out struct{ RestoreSpecification correctionT }
	c.Must(restoreMutation, map[string]any{"s": id}, &out)
	return out.RestoreSpecification
}

// addSpecAs adds a specification by hand and returns its id, status and
// the ids of the conflicts it raised.
func addSpecAs(t *testing.T, c *testenv.Client, pid, cat, key, value string) (string, string, []string) {
	t.Helper()
	var out struct {
		AddSpecification struct {
			Specification struct{ ID, Status string }
			Conflicts     []struct{ ID string }
			UserErrors    []testenv.UserErrorT
		}
	}
	c.Must(`mutation($p: ID!, $c: SpecCategory!, $k: String!, $v: String!) { addSpecification(input: {projectId: $p, category: $c, key: $k, value: $v}) {
		specification { id status } conflicts { id } userErrors { code message } } }`, map[string]any{"p": pid, "c": cat, "k": key, "v": value}, &out)
	a := out.AddSpecification
	if len(a.UserErrors) > 0 {
		t.Fatalf("add %s = %s: %+v", key, value, a.UserErrors)
	}
	var cs []string
	for _, x := range a.Conflicts {
		cs = append(cs, x.ID)
	}
	return a.Specification.ID, a.Specification.Status, cs
}

type specStateT struct {
	ID, Status    string
	RejectionNote *string
	UpdatedAt     string
}

func specState(t *testing.T, c *testenv.Client, id string) specStateT {
	t.Helper()
	var out struct{ Node specStateT }
	c.Must(`query($s: ID!) { node(id: $s) { ... on Specification { id status rejectionNote updatedAt } } }`, map[string]any{"s": id}, &out)
	return out.Node
}

type conflictStateT struct {
	Status         string
	Resolution     *string
	ResolutionNote *string
}

func conflictState(t *testing.T, c *testenv.Client, id string) conflictStateT {
	t.Helper()
	var out struct{ Node conflictStateT }
	c.Must(`query($c: ID!) { node(id: $c) { ... on Conflict { status resolution resolutionNote } } }`, map[string]any{"c": id}, &out)
	return out.Node
}

type activityT struct {
	Action  string
	Details *string
	Actor   *struct{ ID string }
}

func projectActivity(t *testing.T, c *testenv.Client, pid string) []activityT {
	t.Helper()
	var out struct {
		Project struct {
			Activity struct{ Nodes []activityT }
		}
	}
	c.Must(`query($p: ID!) { project(id: $p) { activity(first: 10) { nodes { action details actor { id } } } } }`, map[string]any{"p": pid}, &out)
	return out.Project.Activity.Nodes
}

// TestRejectAndRestoreACurrentSpecification rejects a CURRENT
// specification with a note (maturity drops as the formula says, the
// project hears it, the activity says who and why, nothing is deleted),
// refuses to reject it twice, and restores it.
func TestRejectAndRestoreACurrentSpecification(t *testing.T) {
	testenv.EachDB(t, func(t *testing.T, dbURL string) {
		srv := testenv.StartServer(t, dbURL)
		me, tok := srv.Client(t).NewUser()
		var viewer struct{ Viewer struct{ ID string } }
		me.Must(`{ viewer { id } }`, nil, &viewer)
		pid := me.CreateProject("corrections")
		addSpecAs(t, me, pid, "GOALS", "problem", "Invoices are typed by hand")
		wrong, _, _ := addSpecAs(t, me, pid, "SECURITY", "auth_method", "LDAP")
		addSpecAs(t, me, pid, "TECH_STACK", "database", "PostgreSQL")
		before := state(t, me, pid)
		if before.Project.Maturity != expectedMaturity(before.Project.All.Nodes) || before.Project.Maturity != 3 {
			t.Fatalf("maturity before %d, want 3", before.Project.Maturity)
		}
		sub := subscribe(t, srv, tok.AccessToken, pubsub.ProjectTopic(projectNumber(t, pid)),
			`subscription($p: ID!) { projectEvents(projectId: $p) { type specifications { id status } previousMaturity project { maturity } } }`,
			map[string]any{"p": pid})

		r := rejectSpec(t, me, wrong, "  We use OAuth 2.0, LDAP was a misunderstanding  ")
		if len(r.UserErrors) > 0 || r.Specification.Status != "REJECTED" || r.Specification.ID != wrong || r.ClientMutationID != "r" ||
			r.Specification.RejectionNote == nil || *r.Specification.RejectionNote != "We use OAuth 2.0, LDAP was a misunderstanding" {
			t.Fatalf("reject: %+v", r)
		}
		after := state(t, me, pid)
		if r.Project.Maturity != 2 || after.Project.Maturity != expectedMaturity(after.Project.All.Nodes) || len(r.Conflicts) != 0 {
			t.Fatalf("maturity after %d (state %d), want 2; conflicts %+v", r.Project.Maturity, after.Project.Maturity, r.Conflicts)
		}
		if len(after.Project.All.Nodes) != 3 || statusOf(after.Project.All.Nodes, "auth_method", "LDAP") != "REJECTED" {
			t.Fatalf("history not kept: %+v", after.Project.All.Nodes)
		}
		e := sub.next()
		if e["type"] != "SPECIFICATIONS_EXTRACTED" || !strings.Contains(mustJSON(t, e), `"status":"REJECTED"`) {
			t.Fatalf("first event: %v", e)
		}
		if e := sub.next(); e["type"] != "MATURITY_CHANGED" || e["previousMaturity"].(float64) != 3 {
			t.Fatalf("second event: %v", e)
		}
		act := projectActivity(t, me, pid)
		if len(act) == 0 || act[0].Action != "SPECIFICATION_REJECTED" || act[0].Actor == nil || act[0].Actor.ID != viewer.Viewer.ID ||
			act[0].Details == nil || !strings.Contains(*act[0].Details, `auth_method = "LDAP"`) || !strings.Contains(*act[0].Details, "OAuth 2.0") {
			t.Fatalf("activity: %+v", act)
		}

		again := rejectSpec(t, me, wrong, nil)
		if len(again.UserErrors) != 1 || again.UserErrors[0].Code != "INVALID_STATE" || !strings.Contains(again.UserErrors[0].Message, "REJECTED") ||
			again.Specification != nil {
			t.Fatalf("rejecting twice: %+v", again)
		}

		back := restoreSpec(t, me, wrong)
		if len(back.UserErrors) > 0 || back.Specification.Status != "CURRENT" || back.Project.Maturity != 3 || len(back.Conflicts) != 0 ||
			back.Specification.RejectionNote == nil {
			t.Fatalf("restore: %+v", back)
		}
		if e := sub.next(); e["type"] != "SPECIFICATIONS_EXTRACTED" {
			t.Fatalf("restore event: %v", e)
		}
		if act := projectActivity(t, me, pid); act[0].Action != "SPECIFICATION_RESTORED" || !strings.Contains(*act[0].Details, "CURRENT") {
			t.Fatalf("activity after restore: %+v", act[0])
		}
		if again := restoreSpec(t, me, wrong); len(again.UserErrors) != 1 || again.UserErrors[0].Code != "INVALID_STATE" ||
			!strings.Contains(again.UserErrors[0].Message, "CURRENT") {
			t.Fatalf("restoring a CURRENT specification: %+v", again)
		}
	})
}

// TestRejectThePendingSideOfAConflict rejects the new specification of an
// open conflict: the conflict closes as KEEP_OLD and the CURRENT one is
// untouched.
func TestRejectThePendingSideOfAConflict(t *testing.T) {
	testenv.EachDB(t, func(t *testing.T, dbURL string) {
		srv := testenv.StartServer(t, dbURL)
		me, _ := srv.Client(t).NewUser()
		pid := me.CreateProject("pending side")
		pg, _, _ := addSpecAs(t, me, pid, "TECH_STACK", "database", "PostgreSQL")
		mongo, status, conflicts := addSpecAs(t, me, pid, "TECH_STACK", "database", "MongoDB")
		if status != "PENDING" || len(conflicts) != 1 {
			t.Fatalf("MongoDB is %s with %d conflicts", status, len(conflicts))
		}
		pgBefore := specState(t, me, pg)
		r := rejectSpec(t, me, mongo, nil)
		if len(r.UserErrors) > 0 || r.Specification.Status != "REJECTED" || r.Specification.RejectionNote != nil || r.Project.OpenConflictCount != 0 {
			t.Fatalf("reject: %+v", r)
		}
		if len(r.Conflicts) != 1 || r.Conflicts[0].ID != conflicts[0] || r.Conflicts[0].Status != "RESOLVED" ||
			r.Conflicts[0].Resolution == nil || *r.Conflicts[0].Resolution != "KEEP_OLD" || !strings.Contains(*r.Conflicts[0].ResolutionNote, "rejected") {
			t.Fatalf("conflicts: %+v", r.Conflicts)
		}
		if got := conflictState(t, me, conflicts[0]); got.Status != "RESOLVED" {
			t.Fatalf("conflict: %+v", got)
		}
		if pgAfter := specState(t, me, pg); pgAfter != pgBefore {
			t.Fatalf("the CURRENT side changed: %+v -> %+v", pgBefore, pgAfter)
		}
	})
}

// TestRejectTheCurrentSideOfAConflict rejects the existing specification
// of two open conflicts: both close, the first pending specification
// becomes CURRENT and the second, which contradicts it, stays PENDING
// with a new conflict. A conflict whose existing side keeps another live
// specification stays open.
func TestRejectTheCurrentSideOfAConflict(t *testing.T) {
	testenv.EachDB(t, func(t *testing.T, dbURL string) {
		srv := testenv.StartServer(t, dbURL)
		me, _ := srv.Client(t).NewUser()

		pid := me.CreateProject("current side")
		pg, _, _ := addSpecAs(t, me, pid, "TECH_STACK", "database", "PostgreSQL")
		mongo, _, c1 := addSpecAs(t, me, pid, "TECH_STACK", "database", "MongoDB")
		mysql, _, c2 := addSpecAs(t, me, pid, "TECH_STACK", "database", "MySQL")
		r := rejectSpec(t, me, pg, "wrong")
		if len(r.UserErrors) > 0 || len(r.Conflicts) != 3 {
			t.Fatalf("reject: %+v", r)
		}
		for i, want := range []string{c1[0], c2[0]} {
			c := r.Conflicts[i]
			if c.ID != want || c.Status != "RESOLVED" || c.Resolution != nil || !strings.Contains(*c.ResolutionNote, `database = "PostgreSQL"`) {
				t.Fatalf("closed conflict %d: %+v", i, c)
			}
		}
		opened := r.Conflicts[2]
		if opened.Status != "OPEN" || len(opened.Specifications) != 2 || opened.Specifications[0].ID != mongo || opened.Specifications[1].ID != mysql {
			t.Fatalf("opened conflict: %+v", opened)
		}
		if s := specState(t, me, mongo); s.Status != "CURRENT" {
			t.Fatalf("MongoDB is %s, want CURRENT", s.Status)
		}
		if s := specState(t, me, mysql); s.Status != "PENDING" {
			t.Fatalf("MySQL is %s, want PENDING", s.Status)
		}
		st := state(t, me, pid)
		if st.Project.OpenConflictCount != 1 || r.Project.OpenConflictCount != 1 || st.Project.Maturity != expectedMaturity(st.Project.All.Nodes) {
			t.Fatalf("project: %+v", st.Project)
		}

		// Two CURRENT values kept side by side (IGNORE), then a third:
		// rejecting one of the two leaves the other on the existing side.
		p2 := me.CreateProject("two current")
		a, _, _ := addSpecAs(t, me, p2, "TECH_STACK", "cache", "Redis")
		_, _, ci := addSpecAs(t, me, p2, "TECH_STACK", "cache", "Memcached")
		me.Must(`mutation($c: ID!) { resolveConflict(input: {conflictId: $c, resolution: IGNORE}) { userErrors { code } } }`, map[string]any{"c": ci[0]}, nil)
		third, _, c3 := addSpecAs(t, me, p2, "TECH_STACK", "cache", "Hazelcast")
		if r := rejectSpec(t, me, a, nil); len(r.UserErrors) > 0 || len(r.Conflicts) != 0 || r.Project.OpenConflictCount != 1 {
			t.Fatalf("reject one of two: %+v", r)
		}
		if c := conflictState(t, me, c3[0]); c.Status != "OPEN" {
			t.Fatalf("the conflict closed: %+v", c)
		}
		if s := specState(t, me, third); s.Status != "PENDING" {
			t.Fatalf("Hazelcast is %s", s.Status)
		}
	})
}

// TestRestoreARejectedSpecification restores a rejected specification
// while another CURRENT value of its key exists: it comes back PENDING
// with a new conflict. A SUPERSEDED one is not restorable.
func TestRestoreARejectedSpecification(t *testing.T) {
	testenv.EachDB(t, func(t *testing.T, dbURL string) {
		srv := testenv.StartServer(t, dbURL)
		me, _ := srv.Client(t).NewUser()
		pid := me.CreateProject("restore")
		pg, _, _ := addSpecAs(t, me, pid, "TECH_STACK", "database", "PostgreSQL")
		if r := rejectSpec(t, me, pg, nil); len(r.UserErrors) > 0 {
			t.Fatal(r.UserErrors)
		}
		mongo, status, _ := addSpecAs(t, me, pid, "TECH_STACK", "database", "MongoDB")
		if status != "CURRENT" {
			t.Fatalf("MongoDB is %s", status)
		}
		r := restoreSpec(t, me, pg)
		if len(r.UserErrors) > 0 || r.Specification.Status != "PENDING" || len(r.Conflicts) != 1 || r.Conflicts[0].Status != "OPEN" ||
			r.Project.OpenConflictCount != 1 || r.Conflicts[0].Specifications[0].ID != mongo || r.Conflicts[0].Specifications[1].ID != pg {
			t.Fatalf("restore: %+v", r)
		}
		if act := projectActivity(t, me, pid); act[0].Action != "SPECIFICATION_RESTORED" || !strings.Contains(*act[0].Details, "PENDING") {
			t.Fatalf("activity: %+v", act[0])
		}
		// Superseded by an edit: not restorable.
		var upd struct {
			UpdateSpecification struct{ Specification struct{ ID string } }
		}
		me.Must(`mutation($s: ID!) { updateSpecification(input: {specificationId: $s, value: "MongoDB 7"}) { specification { id } } }`, map[string]any{"s": mongo}, &upd)
		if r := restoreSpec(t, me, mongo); len(r.UserErrors) != 1 || r.UserErrors[0].Code != "INVALID_STATE" || !strings.Contains(r.UserErrors[0].Message, "edit") {
			t.Fatalf("restore a SUPERSEDED specification: %+v", r)
		}
	})
}

// TestRejectAndRestoreBadInput sends rejectSpecification and
// restoreSpecification bad input: each gets a clear error and the
// database is unchanged.
func TestRejectAndRestoreBadInput(t *testing.T) {
	testenv.EachDB(t, func(t *testing.T, dbURL string) {
		srv := testenv.StartServer(t, dbURL)
		me, _ := srv.Client(t).NewUser()
		other, _ := srv.Client(t).NewUser()
		pid := me.CreateProject("bad input")
		current, _, _ := addSpecAs(t, me, pid, "TECH_STACK", "database", "PostgreSQL")
		rejected, _, _ := addSpecAs(t, me, pid, "TECH_STACK", "cache", "Redis")
		rejectSpec(t, me, rejected, nil)
		addSpecAs(t, me, pid, "TECH_STACK", "cache", "redis")
		old, _, _ := addSpecAs(t, me, pid, "TESTING", "coverage_target", "80%")
		me.Must(`mutation($s: ID!) { updateSpecification(input: {specificationId: $s, value: "90%"}) { userErrors { code } } }`, map[string]any{"s": old}, nil)
		theirs, _, _ := addSpecAs(t, other, other.CreateProject("theirs"), "TECH_STACK", "database", "MySQL")
		archivedProject := me.CreateProject("archived")
		archived, _, _ := addSpecAs(t, me, archivedProject, "TECH_STACK", "database", "SQLite")
		me.Must(`mutation($p: ID!) { archiveProject(input: {projectId: $p}) { userErrors { code } } }`, map[string]any{"p": archivedProject}, nil)
		missing := ids.Encode(ids.Specification, 987654321)
		cases := []struct {
			name, query string
			vars        map[string]any
			want        string
			top         bool
		}{
			{"unknown id", rejectMutation, map[string]any{"s": missing}, "NOT_FOUND", true},
			{"another user's specification", rejectMutation, map[string]any{"s": theirs}, "NOT_FOUND", true},
			{"a project id", rejectMutation, map[string]any{"s": pid}, "BAD_USER_INPUT", true},
			{"a malformed id", rejectMutation, map[string]any{"s": "not-an-id"}, "BAD_USER_INPUT", true},
			{"a note over 2000 characters", rejectMutation, map[string]any{"s": current, "n": strings.Repeat("x", 2001)}, "TOO_LONG", false},
			{"a note of 2001 blanks", rejectMutation, map[string]any{"s": current, "n": strings.Repeat(" ", 2001)}, "TOO_LONG", false},
			{"a note with control characters", rejectMutation, map[string]any{"s": current, "n": "bad\x00note"}, "INVALID", false},
			{"rejecting a REJECTED one", rejectMutation, map[string]any{"s": rejected}, "INVALID_STATE", false},
			{"rejecting a SUPERSEDED one", rejectMutation, map[string]any{"s": old}, "INVALID_STATE", false},
			{"rejecting in an archived project", rejectMutation, map[string]any{"s": archived}, "INVALID_STATE", false},
			{"restoring an unknown id", restoreMutation, map[string]any{"s": missing}, "NOT_FOUND", true},
			{"restoring another user's", restoreMutation, map[string]any{"s": theirs}, "NOT_FOUND", true},
			{"restoring with a project id", restoreMutation, map[string]any{"s": pid}, "BAD_USER_INPUT", true},
			{"restoring a CURRENT one", restoreMutation, map[string]any{"s": current}, "INVALID_STATE", false},
			{"restoring a SUPERSEDED one", restoreMutation, map[string]any{"s": old}, "INVALID_STATE", false},
			{"restoring a duplicate", restoreMutation, map[string]any{"s": rejected}, "DUPLICATE", false},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				before := snapshot(t, srv.App.DB)
				r := me.Do(c.query, c.vars)
				if c.top {
					if len(r.Errors) == 0 || r.Errors[0].Code() != c.want {
						t.Fatalf("want %s, got %s", c.want, r.Raw)
					}
				} else if len(r.Errors) != 0 || !strings.Contains(string(r.Raw), `"code":"`+c.want+`"`) || !strings.Contains(string(r.Raw), `"message":"`) ||
					!strings.Contains(string(r.Raw), `"specification":null`) {
					t.Fatalf("want userError %s, got %s", c.want, r.Raw)
				}
				if after := snapshot(t, srv.App.DB); after != before {
					t.Fatalf("the database changed")
				}
			})
		}
	})
}

// TestRejectAndRestorePermissions: a READ-shared user and a READ token
// get FORBIDDEN, a stranger NOT_FOUND, and nothing changes; a WRITE-shared
// user may reject and restore.
func TestRejectAndRestorePermissions(t *testing.T) {
	testenv.EachDB(t, func(t *testing.T, dbURL string) {
		srv := testenv.StartServer(t, dbURL)
		w := newTeamWorld(t, srv)
		stranger, _ := srv.Client(t).NewUser()
		_, readTok := createToken(t, w.owner, "reader", []string{"READ"}, nil)
		// Use the token once, so its lastUsedAt does not move below.
		srv.Client(t).As(readTok).Must(`{ viewer { id } }`, nil, nil)
		id, _, _ := addSpecAs(t, w.owner, w.project, "TECH_STACK", "database", "PostgreSQL")
		for _, c := range []struct {
			name string
			as   *testenv.Client
			want string
		}{
			{"READ share", w.viewer, "FORBIDDEN"},
			{"READ token", srv.Client(t).As(readTok), "FORBIDDEN"},
			{"stranger", stranger, "NOT_FOUND"},
		} {
			for _, q := range []string{rejectMutation, restoreMutation} {
				before := snapshot(t, srv.App.DB)
				r := c.as.Do(q, map[string]any{"s": id})
				if len(r.Errors) == 0 || r.Errors[0].Code() != c.want {
					t.Errorf("%s: want %s, got %s", c.name, c.want, r.Raw)
				}
				if snapshot(t, srv.App.DB) != before {
					t.Errorf("%s: the database changed", c.name)
				}
			}
		}
		if r := rejectSpec(t, w.writer, id, nil); len(r.UserErrors) > 0 || r.Specification.Status != "REJECTED" {
			t.Fatalf("writer rejects: %+v", r)
		}
		if r := restoreSpec(t, w.writer, id); len(r.UserErrors) > 0 || r.Specification.Status != "CURRENT" {
			t.Fatalf("writer restores: %+v", r)
		}
	})
}

// TestRejectCostsConstantStatements shows that rejecting costs the same
// number of statements whatever the number of conflicts it closes, on
// either side.
func TestRejectCostsConstantStatements(t *testing.T) {
	testenv.EachDB(t, func(t *testing.T, dbURL string) {
		counter := &statementCounter{}
		srv := testenv.StartServer(t, dbURL, testenv.WithApp(func(o *app.Options) { o.QueryHooks = append(o.QueryHooks, counter) }))
		me, _ := srv.Client(t).NewUser()
		cost := func(id string, closes int) int64 {
			t.Helper()
			var r correctionT
			n := counter.measure(func() { r = rejectSpec(t, me, id, "measured") })
			if len(r.UserErrors) > 0 || len(r.Conflicts) != closes {
				t.Fatalf("reject: %+v, want %d conflicts closed", r, closes)
			}
			return n
		}
		// The new side: one conflict, then two.
		p1 := me.CreateProject("pending one")
		addSpecAs(t, me, p1, "TECH_STACK", "database", "PostgreSQL")
		mongo, _, _ := addSpecAs(t, me, p1, "TECH_STACK", "database", "MongoDB")
		p2 := me.CreateProject("pending two")
		addSpecAs(t, me, p2, "TECH_STACK", "database", "PostgreSQL")
		addSpecAs(t, me, p2, "SCALABILITY", "multi_region_writes", "required")
		sqlite, _, cs := addSpecAs(t, me, p2, "TECH_STACK", "database", "SQLite")
		if len(cs) != 2 {
			t.Fatalf("SQLite raised %d conflicts", len(cs))
		}
		newOne, newTwo := cost(mongo, 1), cost(sqlite, 2)
		// The existing side, whose pending specifications become CURRENT:
		// one conflict, then two.
		p3 := me.CreateProject("current one")
		b3, _, _ := addSpecAs(t, me, p3, "GOALS", "budget", "$50 per month")
		addSpecAs(t, me, p3, "PERFORMANCE", "uptime_target", "99.99%")
		p4 := me.CreateProject("current two")
		b4, _, _ := addSpecAs(t, me, p4, "GOALS", "budget", "$50 per month")
		addSpecAs(t, me, p4, "PERFORMANCE", "uptime_target", "99.99%")
		if _, status, _ := addSpecAs(t, me, p4, "SCALABILITY", "deployment_regions", "multi-region"); status != "PENDING" {
			t.Fatalf("multi-region is %s", status)
		}
		oldOne, oldTwo := cost(b3, 1), cost(b4, 2)
		t.Logf("reject: new side %d, %d statements; existing side %d, %d statements", newOne, newTwo, oldOne, oldTwo)
		if newOne != newTwo || oldOne != oldTwo {
			t.Errorf("the cost grows with the conflicts: new side %d then %d, existing side %d then %d", newOne, newTwo, oldOne, oldTwo)
		}
		if st := state(t, me, p4); statusOf(st.Project.All.Nodes, "deployment_regions", "multi-region") != "CURRENT" ||
			statusOf(st.Project.All.Nodes, "uptime_target", "99.99%") != "CURRENT" {
			t.Fatalf("the freed specifications: %+v", st.Project.All.Nodes)
		}
		if limit := int64(24); oldTwo > limit {
			t.Errorf("rejecting costs %d statements, want at most %d:\n%s", oldTwo, limit, strings.Join(counter.last(), "\n"))
		}
	})
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
