package socratic

import (
	"math"
	"strings"
	"unicode"
)

// BiasLimit is the highest bias a question may have and still be asked.
const BiasLimit = 0.5

// biasPhrases are phrases that push a solution, appeal to fashion or lead
// the person answering.
func biasPhrases() []string {
	return []string{
		// pushing a solution
		"should we use", "let's use", "lets use", "we need to use", "you should use",
		// appeal to fashion
		"best framework", "industry standard", "everyone uses", "standard practice",
		// leading
		"you need", "obviously", "clearly", "of course", "the only way",
	}
}

// Bias scores how much a question pushes an answer: min(1, hits * 0.3),
// where hits counts every occurrence of a bias phrase as whole words. It
// also returns the phrases found.
func Bias(text string) (float64, []string) {
	words := " " + strings.Join(strings.FieldsFunc(strings.ToLower(text), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '\''
	}), " ") + " "
	var found []string
	hits := 0
	for _, p := range biasPhrases() {
		if n := strings.Count(words, " "+p+" "); n > 0 {
			hits += n
			found = append(found, p)
		}
	}
	return math.Min(1, float64(hits)*0.3), found
}

// Quality is 1 - bias.
func Quality(bias float64) float64 { return math.Round((1-bias)*1000) / 1000 }

func normalizeSpace(s string) string { return strings.Join(strings.Fields(s), " ") }
