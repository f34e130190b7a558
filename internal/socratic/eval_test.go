package socratic

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"strings"
	"testing"

	"socrates/models"
)

type evalSpec struct {
	Category   models.SpecCategory `json:"category"`
	Key        string              `json:"key"`
	Value      string              `json:"value"`
	Confidence *float64            `json:"confidence"`
}

type evalConflict struct {
	Type     models.ConflictType `json:"type"`
	New      string              `json:"new"`
	Existing string              `json:"existing"`
}

type evalCase struct {
	Name     string `json:"name"`
	Question struct {
		Category models.SpecCategory `json:"category"`
		Key      string              `json:"key"`
	} `json:"question"`
	Answer    string         `json:"answer"`
	Existing  []evalSpec     `json:"existing"`
	Expected  []evalSpec     `json:"expected"`
	Conflicts []evalConflict `json:"conflicts"`
}

func loadEval(t *testing.T) []evalCase {
	t.Helper()
	raw, err := os.ReadFile("testdata/eval.json")
	if err != nil {
		t.Fatal(err)
	}
	var cases []evalCase
	if err := json.Unmarshal(raw, &cases); err != nil {
		t.Fatal(err)
	}
	return cases
}

func specMatches(e evalSpec, x Extracted) bool {
	if e.Category != x.Category || e.Key != x.Key {
		return false
	}
	if e.Value != "*" && NormalizeValue(e.Key, e.Value) != NormalizeValue(x.Key, x.Value) {
		return false
	}
	return e.Confidence == nil || math.Abs(*e.Confidence-x.Confidence) <= 0.11
}

// runCase extracts from a case's answer and applies the conflict rules the
// way the service does: in order, each new specification against the
// current ones, a conflicting one kept out of the current set.
func runCase(e *Extractor, c evalCase) ([]Extracted, []evalConflict) {
	got := e.Extract(ExtractInput{Text: c.Answer, QuestionCategory: c.Question.Category, QuestionKey: c.Question.Key})
	var existing, siblings []SpecView
	for i, s := range c.Existing {
		existing = append(existing, SpecView{Ref: int64(i), Category: s.Category, Key: s.Key, Value: s.Value})
	}
	all := append([]SpecView(nil), existing...)
	byRef := func(ref int64) string { return all[ref].Key }
	var conflicts []evalConflict
	for _, x := range got {
		n := SpecView{Ref: int64(len(all)), Category: x.Category, Key: x.Key, Value: x.Value}
		all = append(all, n)
		findings := Detect(n, existing, siblings)
		for _, f := range findings {
			for _, ref := range f.Existing {
				conflicts = append(conflicts, evalConflict{Type: f.Type, New: x.Key, Existing: byRef(ref)})
			}
		}
		if len(findings) == 0 {
			duplicate := false
			for _, cur := range existing {
				if cur.Category == n.Category && cur.Key == n.Key && NormalizeValue(cur.Key, cur.Value) == NormalizeValue(n.Key, n.Value) {
					duplicate = true
				}
			}
			if !duplicate {
				siblings = append(siblings, n)
			}
		}
	}
	return got, conflicts
}

// TestExtractionAndConflictQuality measures the built-in engine against the
// evaluation set: answers with the specifications and conflicts a careful
// analyst would record.
func TestExtractionAndConflictQuality(t *testing.T) {
	e := NewExtractor()
	cases := loadEval(t)
	if len(cases) < 40 {
		t.Fatalf("the evaluation set has %d answers, want at least 40", len(cases))
	}
	var tp, predicted, expected int
	var ctp, cpredicted, cexpected int
	var report strings.Builder
	for _, c := range cases {
		got, conflicts := runCase(e, c)
		predicted += len(got)
		expected += len(c.Expected)
		used := make([]bool, len(got))
		for _, want := range c.Expected {
			found := false
			for i, x := range got {
				if !used[i] && specMatches(want, x) {
					used[i], found = true, true
					break
				}
			}
			if found {
				tp++
			} else {
				fmt.Fprintf(&report, "  %s: missed %s/%s=%q\n", c.Name, want.Category, want.Key, want.Value)
			}
		}
		for i, x := range got {
			if !used[i] {
				fmt.Fprintf(&report, "  %s: extra %s\n", c.Name, x)
			}
		}
		cpredicted += len(conflicts)
		cexpected += len(c.Conflicts)
		cused := make([]bool, len(conflicts))
		for _, want := range c.Conflicts {
			found := false
			for i, f := range conflicts {
				if !cused[i] && f == want {
					cused[i], found = true, true
					break
				}
			}
			if found {
				ctp++
			} else {
				fmt.Fprintf(&report, "  %s: missed conflict %+v\n", c.Name, want)
			}
		}
		for i, f := range conflicts {
			if !cused[i] {
				fmt.Fprintf(&report, "  %s: extra conflict %+v\n", c.Name, f)
			}
		}
	}
	ratio := func(a, b int) float64 {
		if b == 0 {
			return 1
		}
		return float64(a) / float64(b)
	}
	p, r := ratio(tp, predicted), ratio(tp, expected)
	cp, cr := ratio(ctp, cpredicted), ratio(ctp, cexpected)
	t.Logf("extraction: precision %.3f recall %.3f (%d of %d predicted, %d of %d expected) over %d answers", p, r, tp, predicted, tp, expected, len(cases))
	t.Logf("conflicts:  precision %.3f recall %.3f (%d predicted, %d expected)", cp, cr, cpredicted, cexpected)
	if report.Len() > 0 {
		t.Logf("differences:\n%s", report.String())
	}
	if p < 0.85 || r < 0.75 {
		t.Errorf("extraction precision %.3f / recall %.3f below 0.85 / 0.75", p, r)
	}
	if cp < 0.9 || cr < 0.8 {
		t.Errorf("conflict precision %.3f / recall %.3f below 0.9 / 0.8", cp, cr)
	}
}
