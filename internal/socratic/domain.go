// Package socratic holds the rules of the Socratic dialogue: the ten
// specification categories and their targets, maturity, coverage and the
// choice of the next category, phase gates, question bias, the built-in
// question bank, extraction of specifications from free text, and the
// conflict rules. It is pure logic: no database, no network.
package socratic

import (
	"fmt"
	"math"

	"socrates/models"
)

// Categories returns the ten categories in the domain's table order, which
// also breaks ties when choosing the next category.
func Categories() []models.SpecCategory {
	return []models.SpecCategory{
		models.SpecCategoryGoals, models.SpecCategoryRequirements, models.SpecCategoryTechStack,
		models.SpecCategoryScalability, models.SpecCategorySecurity, models.SpecCategoryPerformance,
		models.SpecCategoryTesting, models.SpecCategoryMonitoring, models.SpecCategoryDataRetention,
		models.SpecCategoryDisasterRecovery,
	}
}

// TotalTarget is the sum of the category targets.
const TotalTarget = 90

// Target returns how much confidence-weighted evidence completes a category.
func Target(c models.SpecCategory) int {
	switch c {
	case models.SpecCategoryGoals:
		return 10
	case models.SpecCategoryRequirements:
		return 15
	case models.SpecCategoryTechStack:
		return 12
	case models.SpecCategoryScalability:
		return 8
	case models.SpecCategorySecurity:
		return 10
	case models.SpecCategoryPerformance:
		return 8
	case models.SpecCategoryTesting:
		return 8
	case models.SpecCategoryMonitoring:
		return 6
	case models.SpecCategoryDataRetention:
		return 5
	case models.SpecCategoryDisasterRecovery:
		return 8
	}
	return 0
}

// CategoryScore is the evidence in one category: the number of CURRENT
// specifications and the sum of their confidence.
type CategoryScore struct {
	Count         int
	ConfidenceSum float64
}

// Scores sums the evidence of the CURRENT specifications among specs, per
// category.
func Scores(specs []*models.Specification) map[models.SpecCategory]CategoryScore {
	out := map[models.SpecCategory]CategoryScore{}
	for _, sp := range specs {
		if sp.Status != models.SpecStatusCurrent {
			continue
		}
		s := out[sp.Category]
		s.Count++
		s.ConfidenceSum += sp.Confidence
		out[sp.Category] = s
	}
	return out
}

// Maturity returns round(sum over categories of min(score, target) / 90 * 100).
func Maturity(scores map[models.SpecCategory]CategoryScore) int {
	var sum float64
	for _, c := range Categories() {
		sum += math.Min(scores[c].ConfidenceSum, float64(Target(c)))
	}
	return int(math.Round(sum / TotalTarget * 100))
}

// Coverage returns the per-category coverage report, in table order.
func Coverage(scores map[models.SpecCategory]CategoryScore) []*models.CategoryCoverage {
	out := make([]*models.CategoryCoverage, 0, 10)
	for _, c := range Categories() {
		s := scores[c]
		t := Target(c)
		out = append(out, &models.CategoryCoverage{
			Category: c, SpecCount: s.Count, ConfidenceSum: round3(s.ConfidenceSum),
			Target: t, Coverage: round3(math.Min(s.ConfidenceSum/float64(t), 1)),
		})
	}
	return out
}

func round3(f float64) float64 { return math.Round(f*1000) / 1000 }

// CategoriesByNeed returns the categories from the least to the most
// covered, ties in table order. The first is the next question's focus.
func CategoriesByNeed(scores map[models.SpecCategory]CategoryScore) []models.SpecCategory {
	cats := Categories()
	cov := func(c models.SpecCategory) float64 {
		return math.Min(scores[c].ConfidenceSum/float64(Target(c)), 1)
	}
	// A stable insertion sort keeps table order among equals.
	for i := 1; i < len(cats); i++ {
		for j := i; j > 0 && cov(cats[j]) < cov(cats[j-1]); j-- {
			cats[j], cats[j-1] = cats[j-1], cats[j]
		}
	}
	return cats
}

// PhaseOrder returns the position of a phase in DISCOVERY -> ANALYSIS ->
// DESIGN -> IMPLEMENTATION.
func PhaseOrder(p models.ProjectPhase) int {
	switch p {
	case models.ProjectPhaseDiscovery:
		return 0
	case models.ProjectPhaseAnalysis:
		return 1
	case models.ProjectPhaseDesign:
		return 2
	case models.ProjectPhaseImplementation:
		return 3
	}
	return -1
}

// PhaseGate returns why a project may not move from one phase to another,
// or "" when it may: phases advance one step at a time; ANALYSIS needs
// maturity >= 60, DESIGN and IMPLEMENTATION need maturity 100, and none
// may be entered with an open conflict.
func PhaseGate(from, to models.ProjectPhase, maturity, openConflicts int) string {
	f, t := PhaseOrder(from), PhaseOrder(to)
	switch {
	case t < 0:
		return fmt.Sprintf("%s is not a phase", to)
	case t <= f:
		return fmt.Sprintf("the project is already in %s; phases only move forward", from)
	case t != f+1:
		return fmt.Sprintf("phases advance one step at a time: from %s the next phase is %s", from, nextPhase(from))
	}
	need := 100
	if to == models.ProjectPhaseAnalysis {
		need = 60
	}
	var reasons []string
	if maturity < need {
		reasons = append(reasons, fmt.Sprintf("maturity is %d, %s needs at least %d", maturity, to, need))
	}
	if openConflicts > 0 {
		reasons = append(reasons, fmt.Sprintf("%d conflict(s) are still open", openConflicts))
	}
	if len(reasons) == 0 {
		return ""
	}
	msg := reasons[0]
	if len(reasons) == 2 {
		msg += " and " + reasons[1]
	}
	return msg
}

func nextPhase(p models.ProjectPhase) models.ProjectPhase {
	switch p {
	case models.ProjectPhaseDiscovery:
		return models.ProjectPhaseAnalysis
	case models.ProjectPhaseAnalysis:
		return models.ProjectPhaseDesign
	default:
		return models.ProjectPhaseImplementation
	}
}
