package socratic

import (
	"strings"
	"testing"

	"socrates/models"
)

func TestBank(t *testing.T) {
	perCategory := map[models.SpecCategory]int{}
	keys := map[string]bool{}
	texts := map[string]bool{}
	for _, q := range Bank() {
		perCategory[q.Category]++
		if keys[q.Key] || texts[q.Text] {
			t.Errorf("duplicate template %s", q.Key)
		}
		keys[q.Key], texts[q.Text] = true, true
		if b, hits := Bias(q.Text); b > 0 {
			t.Errorf("%s contains bias phrases %v", q.Key, hits)
		}
		if !strings.HasSuffix(q.Text, "?") || strings.Count(q.Text, ". ")+1 > 2 {
			t.Errorf("%s is not one or two sentences ending in a question: %q", q.Key, q.Text)
		}
		if q.Context == "" || q.SpecKey == "" {
			t.Errorf("%s has no context or spec key", q.Key)
		}
		if low := strings.ToLower(q.Text); strings.HasPrefix(low, "should we") || strings.HasPrefix(low, "do you want") {
			t.Errorf("%s is a closed or leading question", q.Key)
		}
	}
	for _, c := range Categories() {
		if perCategory[c] < 8 {
			t.Errorf("%s has %d questions, want at least 8", c, perCategory[c])
		}
	}
}

func TestBias(t *testing.T) {
	cases := map[string]float64{
		"What problem does the system solve?":                                0,
		"Should we use Kafka?":                                               0.3,
		"Obviously you need Kubernetes, it is the industry standard, right?": 0.9,
		"Clearly, of course, obviously the only way is the best framework.":  1,
		"You should use React; everyone uses it.":                            0.6,
	}
	for text, want := range cases {
		if got, _ := Bias(text); got < want-1e-9 || got > want+1e-9 {
			t.Errorf("Bias(%q) = %v, want %v", text, got, want)
		}
	}
	if Quality(0.3) != 0.7 {
		t.Errorf("Quality(0.3) = %v", Quality(0.3))
	}
}

func TestMaturityAndCoverage(t *testing.T) {
	if Maturity(nil) != 0 {
		t.Fatal("empty maturity is not 0")
	}
	full := map[models.SpecCategory]CategoryScore{}
	for _, c := range Categories() {
		full[c] = CategoryScore{Count: 30, ConfidenceSum: 30}
	}
	if Maturity(full) != 100 {
		t.Fatalf("capped maturity %d", Maturity(full))
	}
	// 9 points in GOALS (target 10) and 20 in REQUIREMENTS (capped at 15): 24/90.
	some := map[models.SpecCategory]CategoryScore{
		models.SpecCategoryGoals: {Count: 10, ConfidenceSum: 9}, models.SpecCategoryRequirements: {Count: 20, ConfidenceSum: 20},
	}
	if got := Maturity(some); got != 27 {
		t.Fatalf("maturity = %d, want round(24/90*100) = 27", got)
	}
	cov := Coverage(some)
	if len(cov) != 10 || cov[0].Category != models.SpecCategoryGoals || cov[0].Coverage != 0.9 || cov[1].Coverage != 1 || cov[1].Target != 15 {
		t.Fatalf("coverage: %+v %+v", cov[0], cov[1])
	}
	order := CategoriesByNeed(some)
	if order[0] != models.SpecCategoryTechStack || order[len(order)-1] != models.SpecCategoryRequirements {
		t.Fatalf("order by need: %v", order)
	}
	sum := 0
	for _, c := range Categories() {
		sum += Target(c)
	}
	if sum != TotalTarget {
		t.Fatalf("targets sum to %d", sum)
	}
}

func TestPhaseGate(t *testing.T) {
	d, a, de, im := models.ProjectPhaseDiscovery, models.ProjectPhaseAnalysis, models.ProjectPhaseDesign, models.ProjectPhaseImplementation
	cases := []struct {
		from, to  models.ProjectPhase
		mat, open int
		ok        bool
		mention   string
	}{
		{d, a, 60, 0, true, ""},
		{d, a, 59, 0, false, "maturity is 59"},
		{d, a, 80, 2, false, "2 conflict"},
		{d, a, 10, 1, false, "and 1 conflict"},
		{a, de, 99, 0, false, "at least 100"},
		{a, de, 100, 0, true, ""},
		{de, im, 100, 1, false, "conflict"},
		{d, de, 100, 0, false, "one step"},
		{a, d, 100, 0, false, "only move forward"},
	}
	for _, c := range cases {
		msg := PhaseGate(c.from, c.to, c.mat, c.open)
		if (msg == "") != c.ok || !strings.Contains(msg, c.mention) {
			t.Errorf("%s->%s maturity %d open %d: %q", c.from, c.to, c.mat, c.open, msg)
		}
	}
}

func TestQualityReport(t *testing.T) {
	partial := map[models.SpecCategory]CategoryScore{models.SpecCategoryGoals: {Count: 10, ConfidenceSum: 9}}
	r := Report(partial, 1)
	if r.ReadyForCodeGeneration || r.Maturity != 10 || r.AverageConfidence != 0.9 || len(r.Gaps) != 10 ||
		r.Gaps[0].Category != models.SpecCategoryRequirements || !strings.HasPrefix(r.Recommendation, "Finish the specification") {
		t.Fatalf("partial report: %+v", r)
	}
	// Even at 99 the recommendation is to finish, never to generate.
	near := map[models.SpecCategory]CategoryScore{}
	for _, c := range Categories() {
		near[c] = CategoryScore{Count: 20, ConfidenceSum: float64(Target(c))}
	}
	near[models.SpecCategoryGoals] = CategoryScore{Count: 9, ConfidenceSum: 9.2}
	if r := Report(near, 0); r.Maturity != 99 || r.ReadyForCodeGeneration || !strings.HasPrefix(r.Recommendation, "Finish") {
		t.Fatalf("near-complete report: %+v", r)
	}
	full := map[models.SpecCategory]CategoryScore{}
	for _, c := range Categories() {
		full[c] = CategoryScore{Count: 20, ConfidenceSum: 20}
	}
	if r := Report(full, 1); r.ReadyForCodeGeneration || len(r.Blockers) != 1 || !strings.HasPrefix(r.Recommendation, "Resolve") {
		t.Fatalf("complete with a conflict: %+v", r)
	}
	if r := Report(full, 0); !r.ReadyForCodeGeneration || len(r.Blockers) != 0 || len(r.Gaps) != 0 {
		t.Fatalf("ready: %+v", r)
	}
}
