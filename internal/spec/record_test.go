package spec

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"socrates/internal/socratic"
	"socrates/models"
)

// TestPlanRecord checks what recording writes, before any id exists: a
// repeat is skipped, a specification that conflicts with one found in the
// same text is PENDING and its conflict names that one by place, and one
// that conflicts with a stored specification names it by id.
func TestPlanRecord(t *testing.T) {
	now := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	known := []*models.Specification{
		{ID: 41, Category: models.SpecCategoryTechStack, Key: "database", Value: "PostgreSQL", Status: models.SpecStatusCurrent},
	}
	found := []socratic.Extracted{
		{Category: models.SpecCategoryTechStack, Key: "database", Value: "PostgreSQL", Confidence: 0.8},  // repeat
		{Category: models.SpecCategoryGoals, Key: "budget", Value: "$50 per month", Confidence: 0.8},     // new, current
		{Category: models.SpecCategoryPerformance, Key: "uptime_target", Value: "99.99%", Confidence: 2}, // against the budget above
		{Category: models.SpecCategoryTechStack, Key: "database", Value: "MongoDB", Confidence: 0.7},     // against id 41
		{Category: models.SpecCategoryGoals, Key: "budget", Value: "$50 per month", Confidence: 0.8},     // repeat of a sibling
	}
	uid := int64(7)
	plan := planRecord(3, known, found, Origin{Source: models.SpecSourceExtracted, UserID: uid}, now)

	if len(plan.specs) != 3 {
		t.Fatalf("got %d specifications, want 3 (repeats skipped): %+v", len(plan.specs), plan.specs)
	}
	wantStatus := []models.SpecStatus{models.SpecStatusCurrent, models.SpecStatusPending, models.SpecStatusPending}
	for i, sp := range plan.specs {
		if sp.Status != wantStatus[i] || sp.ProjectID != 3 || sp.ID != 0 || *sp.CreatedByID != uid || !sp.CreatedAt.Equal(now) {
			t.Errorf("specification %d: %+v, want status %s in project 3 created by %d at %s", i, sp, wantStatus[i], uid, now)
		}
	}
	if plan.specs[1].Confidence != 1 {
		t.Errorf("confidence %v not clamped to 1", plan.specs[1].Confidence)
	}
	if len(plan.conflicts) != 2 || len(plan.links) != 2 {
		t.Fatalf("got %d conflicts with %d link sets, want 2 and 2", len(plan.conflicts), len(plan.links))
	}
	wantLinks := [][]models.ConflictSpecification{
		{{SpecificationID: -2, Role: models.ConflictRoleNew}, {SpecificationID: -1, Role: models.ConflictRoleExisting}},
		{{SpecificationID: -3, Role: models.ConflictRoleNew}, {SpecificationID: 41, Role: models.ConflictRoleExisting}},
	}
	wantRules := []string{socratic.RuleBudgetUptime, socratic.RuleSameKey}
	for i, c := range plan.conflicts {
		if c.Rule != wantRules[i] || c.Status != models.ConflictStatusOpen || c.ProjectID != 3 {
			t.Errorf("conflict %d: %+v, want rule %s, OPEN, project 3", i, c, wantRules[i])
		}
		if len(plan.links[i]) != len(wantLinks[i]) {
			t.Fatalf("conflict %d links %+v, want %+v", i, plan.links[i], wantLinks[i])
		}
		for j, l := range plan.links[i] {
			if l != wantLinks[i][j] {
				t.Errorf("conflict %d link %d: %+v, want %+v", i, j, l, wantLinks[i][j])
			}
		}
	}
}

// TestPlanRecordMergesReported adds the conflicts a model reported to the
// rules' findings: a pair the rules found is not recorded twice, ids no
// longer CURRENT are dropped and noted, and a report about a repeat that
// is not recorded is noted too.
func TestPlanRecordMergesReported(t *testing.T) {
	now := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
	known := []*models.Specification{
		{ID: 41, Category: models.SpecCategoryTechStack, Key: "database", Value: "PostgreSQL", Status: models.SpecStatusCurrent},
		{ID: 42, Category: models.SpecCategorySecurity, Key: "authentication", Value: "single sign-on", Status: models.SpecStatusCurrent},
		{ID: 43, Category: models.SpecCategoryGoals, Key: "budget", Value: "large", Status: models.SpecStatusPending},
	}
	found := []socratic.Extracted{
		{Category: models.SpecCategoryTechStack, Key: "database", Value: "MySQL", Confidence: 1},
		{Category: models.SpecCategoryRequirements, Key: "public_access", Value: "anyone", Confidence: 1},
		{Category: models.SpecCategorySecurity, Key: "authentication", Value: "single sign-on", Confidence: 1}, // repeat
	}
	report := func(n int, existing ...int64) socratic.Reported {
		return socratic.Reported{New: n, Finding: socratic.Finding{Type: models.ConflictTypeRequirement, Severity: models.ConflictSeverityCritical,
			Rule: socratic.RuleModel, Description: "reported", Existing: existing}}
	}
	o := Origin{Source: models.SpecSourceExtracted, UserID: 7, Reported: []socratic.Reported{
		report(0, 41),         // the rules found it: not twice
		report(0, 41, 42),     // only 42 is added
		report(1, 42, 43, 99), // 43 is PENDING, 99 unknown: dropped, 42 kept
		report(1, 43),         // nothing left: dropped
		report(2, 42),         // the repeat is not recorded
	}}
	plan := planRecord(3, known, found, o, now)
	if len(plan.specs) != 2 || plan.specs[0].Status != models.SpecStatusPending || plan.specs[1].Status != models.SpecStatusPending {
		t.Fatalf("specifications %+v", plan.specs)
	}
	want := []struct {
		rule  string
		links []int64
	}{{socratic.RuleSameKey, []int64{-1, 41}}, {socratic.RuleModel, []int64{-1, 42}}, {socratic.RuleModel, []int64{-2, 42}}}
	if len(plan.conflicts) != len(want) {
		t.Fatalf("conflicts %+v", plan.conflicts)
	}
	for i, w := range want {
		var got []int64
		for _, l := range plan.links[i] {
			got = append(got, l.SpecificationID)
		}
		if plan.conflicts[i].Rule != w.rule || fmt.Sprint(got) != fmt.Sprint(w.links) {
			t.Errorf("conflict %d: rule %s links %v, want %s %v", i, plan.conflicts[i].Rule, got, w.rule, w.links)
		}
	}
	if plan.conflicts[1].Severity != models.ConflictSeverityCritical {
		t.Errorf("severity %s", plan.conflicts[1].Severity)
	}
	if len(plan.dropped) != 3 || !strings.Contains(plan.dropped[0], "[43 99]") || !strings.Contains(plan.dropped[2], "not recorded") {
		t.Fatalf("dropped %q", plan.dropped)
	}
}
