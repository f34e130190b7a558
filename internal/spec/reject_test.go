package spec

import (
	"strings"
	"testing"
	"time"

	"socrates/internal/apperr"
	"socrates/internal/socratic"
	"socrates/models"
)

func link(spec int64, role string) models.ConflictSpecification {
	return models.ConflictSpecification{SpecificationID: spec, Role: role}
}

// TestPlanRejection checks which open conflicts a rejection closes: those
// where nothing else live is on the rejected specification's side, as
// KEEP_OLD for the new side and with no resolution for the existing side,
// whose pending new specifications become candidates.
func TestPlanRejection(t *testing.T) {
	const (
		rejected = 1
		other    = 2 // CURRENT, beside the rejected one
		pending  = 3
		pending2 = 4
		current  = 5 // a CURRENT new specification
		gone     = 6 // REJECTED earlier
	)
	specs := map[int64]*models.Specification{
		rejected: {ID: rejected, Status: models.SpecStatusRejected},
		other:    {ID: other, Status: models.SpecStatusCurrent},
		pending:  {ID: pending, Status: models.SpecStatusPending},
		pending2: {ID: pending2, Status: models.SpecStatusPending},
		current:  {ID: current, Status: models.SpecStatusCurrent},
		gone:     {ID: gone, Status: models.SpecStatusRejected},
	}
	open := []*models.Conflict{{ID: 10}, {ID: 11}, {ID: 12}, {ID: 13}, {ID: 14}}
	links := map[int64][]models.ConflictSpecification{
		// existing side alone (a dead one beside it does not count): closed, both pendings freed.
		10: {link(rejected, models.ConflictRoleExisting), link(gone, models.ConflictRoleExisting), link(pending2, models.ConflictRoleNew), link(pending, models.ConflictRoleNew)},
		// existing side shared with a live one: stays open.
		11: {link(rejected, models.ConflictRoleExisting), link(other, models.ConflictRoleExisting), link(pending, models.ConflictRoleNew)},
		// new side alone: KEEP_OLD.
		12: {link(other, models.ConflictRoleExisting), link(rejected, models.ConflictRoleNew)},
		// new side shared with a pending one: stays open.
		13: {link(other, models.ConflictRoleExisting), link(rejected, models.ConflictRoleNew), link(pending, models.ConflictRoleNew)},
		// existing side alone, new side CURRENT: closed, nothing to free.
		14: {link(rejected, models.ConflictRoleExisting), link(current, models.ConflictRoleNew)},
	}
	plan := planRejection(rejected, open, links, specs)
	if got := conflictIDs(plan.keepOld); len(got) != 1 || got[0] != 12 {
		t.Errorf("KEEP_OLD %v, want [12]", got)
	}
	if got := conflictIDs(plan.unresolved); len(got) != 2 || got[0] != 10 || got[1] != 14 {
		t.Errorf("closed without resolution %v, want [10 14]", got)
	}
	if len(plan.candidates) != 2 || plan.candidates[0].ID != pending || plan.candidates[1].ID != pending2 {
		t.Errorf("candidates %+v, want %d and %d in id order", plan.candidates, pending, pending2)
	}
}

// TestStillFree keeps the candidates with no OPEN conflict besides the
// ones just closed.
func TestStillFree(t *testing.T) {
	a := &models.Specification{ID: 1}
	b := &models.Specification{ID: 2}
	conflictsOf := map[int64][]*models.Conflict{
		1: {{ID: 10, Status: models.ConflictStatusOpen}, {ID: 11, Status: models.ConflictStatusResolved}},
		2: {{ID: 10, Status: models.ConflictStatusOpen}, {ID: 12, Status: models.ConflictStatusOpen}},
	}
	got := stillFree([]*models.Specification{a, b}, conflictsOf, []int64{10})
	if len(got) != 1 || got[0] != a {
		t.Fatalf("free %+v, want only the first", got)
	}
}

// TestPlanPromotion checks freed specifications one by one, each against
// the current ones and those promoted before it: two values of one key
// cannot both become CURRENT.
func TestPlanPromotion(t *testing.T) {
	now := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	currents := []*models.Specification{
		{ID: 1, Category: models.SpecCategoryGoals, Key: "budget", Value: "$50 per month", Status: models.SpecStatusCurrent},
	}
	candidates := []*models.Specification{
		{ID: 5, Category: models.SpecCategoryTechStack, Key: "database", Value: "MongoDB", Status: models.SpecStatusPending},
		{ID: 6, Category: models.SpecCategoryTechStack, Key: "database", Value: "MySQL", Status: models.SpecStatusPending},
		{ID: 7, Category: models.SpecCategoryPerformance, Key: "uptime_target", Value: "99.99%", Status: models.SpecStatusPending},
		{ID: 8, Category: models.SpecCategoryTesting, Key: "coverage_target", Value: "80%", Status: models.SpecStatusPending},
	}
	plan := planPromotion(3, currents, candidates, now)
	if len(plan.promoted) != 2 || plan.promoted[0].ID != 5 || plan.promoted[1].ID != 8 {
		t.Fatalf("promoted %+v, want 5 and 8", plan.promoted)
	}
	if len(plan.conflicts) != 2 || len(plan.links) != 2 {
		t.Fatalf("%d conflicts, %d link sets, want 2 and 2", len(plan.conflicts), len(plan.links))
	}
	want := [][]models.ConflictSpecification{
		{link(6, models.ConflictRoleNew), link(5, models.ConflictRoleExisting)},
		{link(7, models.ConflictRoleNew), link(1, models.ConflictRoleExisting)},
	}
	rules := []string{socratic.RuleSameKey, socratic.RuleBudgetUptime}
	for i, c := range plan.conflicts {
		if c.Rule != rules[i] || c.Status != models.ConflictStatusOpen || c.ProjectID != 3 || !c.DetectedAt.Equal(now) {
			t.Errorf("conflict %d: %+v, want rule %s, OPEN, project 3", i, c, rules[i])
		}
		if len(plan.links[i]) != len(want[i]) {
			t.Fatalf("conflict %d links %+v, want %+v", i, plan.links[i], want[i])
		}
		for j := range want[i] {
			if plan.links[i][j] != want[i][j] {
				t.Errorf("conflict %d link %d: %+v, want %+v", i, j, plan.links[i][j], want[i][j])
			}
		}
	}
}

// TestValidateNote trims a note, takes a blank one as none and refuses
// one over the limit (blanks counted) or with control characters.
func TestValidateNote(t *testing.T) {
	str := func(s string) *string { return &s }
	for _, c := range []struct {
		name string
		in   *string
		want *string
		code apperr.UserCode
	}{
		{"none", nil, nil, ""},
		{"trimmed", str("  wrong value \n"), str("wrong value"), ""},
		{"blank", str("   "), nil, ""},
		{"at the limit", str(strings.Repeat("é", MaxNote)), str(strings.Repeat("é", MaxNote)), ""},
		{"over the limit", str(strings.Repeat("x", MaxNote+1)), nil, apperr.CodeTooLong},
		{"blanks over the limit", str(strings.Repeat(" ", MaxNote+1)), nil, apperr.CodeTooLong},
		{"control characters", str("a\x07b"), nil, apperr.CodeInvalid},
	} {
		t.Run(c.name, func(t *testing.T) {
			v := &apperr.Validation{}
			got := validateNote(v, c.in)
			err := v.Err()
			if c.code != "" {
				if len(v.Errors) != 1 || v.Errors[0].Code != c.code || strings.Join(v.Errors[0].Field, ".") != "input.note" {
					t.Fatalf("want %s on input.note, got %v (%v)", c.code, err, got)
				}
				return
			}
			if err != nil || (got == nil) != (c.want == nil) || (got != nil && *got != *c.want) {
				t.Fatalf("got %v, %v; want %v", got, err, c.want)
			}
		})
	}
}
