package socratic

import (
	"fmt"
	"math"
	"sort"

	"socrates/models"
)

// Report is the quality controller's verdict on a project.
func Report(scores map[models.SpecCategory]CategoryScore, openConflicts int) *models.QualityReport {
	maturity := Maturity(scores)
	r := &models.QualityReport{Maturity: maturity, Coverage: Coverage(scores), Gaps: []*models.CategoryGap{}, Blockers: []string{}}
	count, sum := 0, 0.0
	for _, c := range Categories() {
		s := scores[c]
		count += s.Count
		sum += s.ConfidenceSum
		if missing := float64(Target(c)) - s.ConfidenceSum; missing > 1e-9 {
			r.Gaps = append(r.Gaps, &models.CategoryGap{Category: c, Target: Target(c), Current: round3(s.ConfidenceSum), Missing: round3(missing)})
		}
	}
	sort.SliceStable(r.Gaps, func(i, j int) bool { return r.Gaps[i].Missing > r.Gaps[j].Missing })
	if count > 0 {
		r.AverageConfidence = round3(sum / float64(count))
	}
	if maturity < 100 {
		r.Blockers = append(r.Blockers, fmt.Sprintf("maturity is %d; code generation needs 100", maturity))
		for _, g := range r.Gaps {
			r.Blockers = append(r.Blockers, fmt.Sprintf("%s: %.1f of %d", g.Category, g.Current, g.Target))
		}
	}
	if openConflicts > 0 {
		r.Blockers = append(r.Blockers, fmt.Sprintf("%d open conflict(s) must be resolved", openConflicts))
	}
	r.ReadyForCodeGeneration = maturity == 100 && openConflicts == 0
	switch {
	case maturity < 100:
		// Finishing the specification always beats generating now: code
		// built on a partial specification is rework waiting to happen.
		weakest := r.Gaps[0]
		r.Recommendation = fmt.Sprintf("Finish the specification before generating code: %s is furthest from its target (%.1f of %d)",
			weakest.Category, weakest.Current, weakest.Target)
		if openConflicts > 0 {
			r.Recommendation += fmt.Sprintf(", and %d conflict(s) are open", openConflicts)
		}
		r.Recommendation += "."
	case openConflicts > 0:
		r.Recommendation = fmt.Sprintf("Resolve the %d open conflict(s); the specification is otherwise complete.", openConflicts)
	default:
		r.Recommendation = "The specification is complete and consistent: code can be generated."
	}
	r.AverageConfidence = math.Round(r.AverageConfidence*1000) / 1000
	return r
}
