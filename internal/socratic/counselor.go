package socratic

import (
	"errors"
	"fmt"
	"strings"

	"socrates/models"
)

// ErrExhausted is returned when every question of the bank has been asked
// in a session.
var ErrExhausted = errors.New("every built-in question has been asked in this session")

// QuestionContext is what choosing the next question reads.
type QuestionContext struct {
	ProjectName        string
	ProjectDescription string
	Phase              models.ProjectPhase
	Maturity           int
	Scores             map[models.SpecCategory]CategoryScore
	// Current are the project's current specifications (up to 20 go to a
	// language model).
	Current []SpecView
	// AskedTemplates are the template keys already asked in the session.
	AskedTemplates map[string]bool
	// Earlier are the texts of earlier questions of the session, newest last.
	Earlier []string
	// Focus, when set, is the category to ask about.
	Focus *models.SpecCategory
	// Effectiveness is the viewer's answered-well rate per template, for
	// templates asked at least three times.
	Effectiveness map[string]float64
}

// Question is a generated question.
type Question struct {
	Text        string
	Category    models.SpecCategory
	Context     string
	TemplateKey string
	SpecKey     string
	Bias        float64
}

// FocusCategory is the category the next question should cover: the
// requested focus, or the least covered category.
func FocusCategory(qc QuestionContext) models.SpecCategory {
	if qc.Focus != nil {
		return *qc.Focus
	}
	return CategoriesByNeed(qc.Scores)[0]
}

// NextQuestion picks the next built-in question: the focus category first,
// then the others from least to most covered; within a category, questions
// not yet asked in the session, whose specification is not yet known,
// WHAT before HOW, setting aside templates that rarely get useful answers
// from this user.
func NextQuestion(qc QuestionContext) (Question, error) {
	order := CategoriesByNeed(qc.Scores)
	if qc.Focus != nil {
		rest := []models.SpecCategory{*qc.Focus}
		for _, c := range order {
			if c != *qc.Focus {
				rest = append(rest, c)
			}
		}
		order = rest
	}
	known := map[string]bool{}
	for _, s := range qc.Current {
		known[s.Key] = true
	}
	bank := Bank()
	for _, cat := range order {
		var best *Template
		bestScore := -1.0
		for i := range bank {
			t := &bank[i]
			if t.Category != cat || qc.AskedTemplates[t.Key] {
				continue
			}
			score := 2.0
			if known[t.SpecKey] {
				score = 1
			}
			if eff, ok := qc.Effectiveness[t.Key]; ok && eff < 0.2 {
				score -= 0.5
			}
			if score > bestScore {
				best, bestScore = t, score
			}
		}
		if best != nil {
			b, _ := Bias(best.Text)
			return Question{Text: best.Text, Category: best.Category, Context: best.Context,
				TemplateKey: best.Key, SpecKey: best.SpecKey, Bias: b}, nil
		}
	}
	return Question{}, ErrExhausted
}

// Reply is the built-in counselor's answer to a chat message: it reflects
// what was understood and suggests the next question.
func Reply(found []Extracted, conflicts int, next *Question) string {
	var b strings.Builder
	switch len(found) {
	case 0:
		b.WriteString("Thank you. I did not find a concrete requirement in that yet; could you say more about what the system must do or respect?")
	default:
		b.WriteString("Thank you. I noted ")
		parts := make([]string, 0, len(found))
		for i, f := range found {
			if i == 5 {
				parts = append(parts, fmt.Sprintf("and %d more", len(found)-5))
				break
			}
			parts = append(parts, strings.ReplaceAll(f.Key, "_", " ")+": "+f.Value)
		}
		b.WriteString(strings.Join(parts, "; "))
		b.WriteString(".")
	}
	if conflicts > 0 {
		fmt.Fprintf(&b, " This contradicts %d earlier decision(s); the conflict is waiting for you to resolve it.", conflicts)
	}
	if next != nil {
		b.WriteString(" Next, ")
		b.WriteString(strings.ToLower(next.Text[:1]) + next.Text[1:])
	}
	return b.String()
}
