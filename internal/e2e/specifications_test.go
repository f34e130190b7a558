package e2e

import (
	"fmt"
	"strings"
	"testing"

	"socrates/internal/testenv"
)

// TestSpecificationsByHandAndPhases adds and edits specifications by hand,
// follows the supersede chain and walks the phase gates.
func TestSpecificationsByHandAndPhases(t *testing.T) {
	testenv.EachDB(t, func(t *testing.T, dbURL string) {
		srv := testenv.StartServer(t, dbURL)
		me, _ := srv.Client(t).NewUser()
		pid := me.CreateProject("by hand")
		addSpec := func(cat, key, value string) (string, []string) {
			var out struct {
				AddSpecification struct {
					Specification struct{ ID, Status string }
					Conflicts     []struct{ ID string }
					UserErrors    []testenv.UserErrorT
				}
			}
			me.Must(`mutation($p: ID!, $c: SpecCategory!, $k: String!, $v: String!) { addSpecification(input: {projectId: $p, category: $c, key: $k, value: $v}) {
				specification { id status } conflicts { id } userErrors { code message } } }`, map[string]any{"p": pid, "c": cat, "k": key, "v": value}, &out)
			if len(out.AddSpecification.UserErrors) > 0 {
				t.Fatalf("add %s: %+v", key, out.AddSpecification.UserErrors)
			}
			var ids []string
			for _, c := range out.AddSpecification.Conflicts {
				ids = append(ids, c.ID)
			}
			return out.AddSpecification.Specification.ID, ids
		}
		advance := func(phase string) []testenv.UserErrorT {
			var out struct {
				AdvanceProjectPhase struct {
					Project    *struct{ Phase string }
					UserErrors []testenv.UserErrorT
				}
			}
			me.Must(`mutation($p: ID!, $ph: ProjectPhase!) { advanceProjectPhase(input: {projectId: $p, phase: $ph}) { project { phase } userErrors { code message } } }`,
				map[string]any{"p": pid, "ph": phase}, &out)
			return out.AdvanceProjectPhase.UserErrors
		}
		dbID, _ := addSpec("TECH_STACK", "database", "PostgreSQL")
		// Edit: a new specification supersedes the old.
		var upd struct {
			UpdateSpecification struct {
				Specification struct {
					ID, Value, Status string
					Supersedes        []struct{ ID string }
				}
				Previous   struct{ Status string }
				UserErrors []testenv.UserErrorT
			}
		}
		me.Must(`mutation($s: ID!) { updateSpecification(input: {specificationId: $s, value: "PostgreSQL 16", confidence: 0.8}) {
			specification { id value status supersedes { id } } previous { status } userErrors { code } } }`, map[string]any{"s": dbID}, &upd)
		u := upd.UpdateSpecification
		if u.Specification.Value != "PostgreSQL 16" || u.Specification.Status != "CURRENT" || u.Previous.Status != "SUPERSEDED" ||
			len(u.Specification.Supersedes) != 1 || u.Specification.Supersedes[0].ID != dbID {
			t.Fatalf("update: %+v", u)
		}
		// Fill five categories to their targets: 55 specifications of confidence 1.
		for cat, n := range map[string]int{"GOALS": 10, "REQUIREMENTS": 15, "TECH_STACK": 11, "SCALABILITY": 8, "SECURITY": 10} {
			for i := range n {
				addSpec(cat, fmt.Sprintf("%s_item_%d", strings.ToLower(cat), i), fmt.Sprintf("value %d", i))
			}
		}
		if errs := advance("DESIGN"); len(errs) != 1 || !strings.Contains(errs[0].Message, "one step") {
			t.Fatalf("skipping a phase: %+v", errs)
		}
		// An open conflict blocks the gate even with enough maturity.
		_, conflicts := addSpec("TECH_STACK", "database", "MongoDB")
		st := state(t, me, pid)
		if st.Project.Maturity < 60 || len(conflicts) != 1 {
			t.Fatalf("maturity %d, conflicts %v", st.Project.Maturity, conflicts)
		}
		if errs := advance("ANALYSIS"); len(errs) != 1 || errs[0].Code != "PHASE_GATE" || !strings.Contains(errs[0].Message, "conflict") {
			t.Fatalf("gate with an open conflict: %+v", errs)
		}
		me.Must(`mutation($c: ID!) { resolveConflict(input: {conflictId: $c, resolution: KEEP_OLD}) { userErrors { code } } }`, map[string]any{"c": conflicts[0]}, nil)
		if errs := advance("ANALYSIS"); len(errs) != 0 {
			t.Fatalf("advance to ANALYSIS: %+v", errs)
		}
		if errs := advance("DESIGN"); len(errs) != 1 || !strings.Contains(errs[0].Message, "maturity is") {
			t.Fatalf("DESIGN below 100: %+v", errs)
		}
		var qr struct {
			Project struct {
				QualityReport struct {
					Maturity               int
					ReadyForCodeGeneration bool
					Recommendation         string
					Blockers               []string
					Gaps                   []struct{ Category string }
				}
			}
		}
		me.Must(`query($p: ID!) { project(id: $p) { qualityReport { maturity readyForCodeGeneration recommendation blockers gaps { category } } } }`,
			map[string]any{"p": pid}, &qr)
		q := qr.Project.QualityReport
		if q.ReadyForCodeGeneration || q.Maturity != st.Project.Maturity || !strings.HasPrefix(q.Recommendation, "Finish the specification") ||
			len(q.Gaps) != 6 || len(q.Blockers) != 7 || q.Gaps[0].Category != "PERFORMANCE" {
			t.Fatalf("quality report: %+v", q)
		}
		var cov struct {
			Project struct {
				Phase            string
				CategoryCoverage []struct {
					Category string
					Coverage float64
				}
			}
		}
		me.Must(`query($p: ID!) { project(id: $p) { phase categoryCoverage { category coverage } } }`, map[string]any{"p": pid}, &cov)
		if cov.Project.Phase != "ANALYSIS" || len(cov.Project.CategoryCoverage) != 10 || cov.Project.CategoryCoverage[0].Coverage != 1 ||
			cov.Project.CategoryCoverage[9].Coverage != 0 {
			t.Fatalf("coverage: %+v", cov.Project)
		}
	})
}

// TestRejectingClosesItsOtherConflicts rejects a specification that raised
// two conflicts: the second has nothing left to decide and is closed too.
func TestRejectingClosesItsOtherConflicts(t *testing.T) {
	testenv.EachDB(t, func(t *testing.T, dbURL string) {
		srv := testenv.StartServer(t, dbURL)
		me, _ := srv.Client(t).NewUser()
		pid := me.CreateProject("two conflicts")
		add := func(cat, key, value string) []string {
			var out struct {
				AddSpecification struct {
					Conflicts []struct{ ID string }
				}
			}
			me.Must(`mutation($p: ID!, $c: SpecCategory!, $k: String!, $v: String!) { addSpecification(input: {projectId: $p, category: $c, key: $k, value: $v}) { conflicts { id } } }`,
				map[string]any{"p": pid, "c": cat, "k": key, "v": value}, &out)
			var ids []string
			for _, c := range out.AddSpecification.Conflicts {
				ids = append(ids, c.ID)
			}
			return ids
		}
		add("TECH_STACK", "database", "PostgreSQL")
		add("SCALABILITY", "multi_region_writes", "required")
		conflicts := add("TECH_STACK", "database", "SQLite")
		if len(conflicts) != 2 {
			t.Fatalf("SQLite raised %d conflicts, want 2", len(conflicts))
		}
		var res struct {
			ResolveConflict struct {
				Project struct{ OpenConflictCount int }
			}
		}
		me.Must(`mutation($c: ID!) { resolveConflict(input: {conflictId: $c, resolution: KEEP_OLD}) { project { openConflictCount } } }`,
			map[string]any{"c": conflicts[0]}, &res)
		if res.ResolveConflict.Project.OpenConflictCount != 0 {
			t.Fatalf("%d conflicts still open", res.ResolveConflict.Project.OpenConflictCount)
		}
		var other struct {
			Node struct {
				Status, Resolution string
				ResolutionNote     string
			}
		}
		me.Must(`query($c: ID!) { node(id: $c) { ... on Conflict { status resolution resolutionNote } } }`, map[string]any{"c": conflicts[1]}, &other)
		if other.Node.Status != "RESOLVED" || other.Node.Resolution != "KEEP_OLD" || !strings.Contains(other.Node.ResolutionNote, "no longer pending") {
			t.Fatalf("the second conflict: %+v", other.Node)
		}
	})
}
