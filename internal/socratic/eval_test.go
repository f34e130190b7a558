package socratic

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"slices"
	"sort"
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
	Domain   string `json:"domain"`
	Question struct {
		Category models.SpecCategory `json:"category"`
		Key      string              `json:"key"`
	} `json:"question"`
	Answer          string         `json:"answer"`
	Existing        []evalSpec     `json:"existing"`
	Expected        []evalSpec     `json:"expected"`
	Conflicts       []evalConflict `json:"conflicts"`
	MustNotConflict bool           `json:"mustNotConflict"`
}

// loadEval reads an evaluation set (testdata/LABELING.md describes it).
func loadEval(t *testing.T, file string) []evalCase {
	t.Helper()
	raw, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var cases []evalCase
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&cases); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	return cases
}

// specMatches reports whether an extracted specification is the expected
// one; an expected key may list alternatives separated by "|".
func specMatches(e evalSpec, x Extracted) bool {
	if e.Category != x.Category || !slices.Contains(strings.Split(e.Key, "|"), x.Key) {
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

// counts are true positives, predictions and expectations.
type counts struct{ tp, predicted, expected int }

func (c counts) precision() float64 { return ratio(c.tp, c.predicted) }
func (c counts) recall() float64    { return ratio(c.tp, c.expected) }
func (c counts) f1() float64 {
	p, r := c.precision(), c.recall()
	if p+r == 0 {
		return 0
	}
	return 2 * p * r / (p + r)
}

func ratio(a, b int) float64 {
	if b == 0 {
		return 1
	}
	return float64(a) / float64(b)
}

// quality is the engine's score over an evaluation set.
type quality struct {
	extraction, conflicts counts
	byCategory            map[models.SpecCategory]*counts
	byType                map[models.ConflictType]*counts
	// falseAlarms counts conflicts found in cases that must raise none.
	falseAlarms int
	report      strings.Builder
}

// measure runs every case and scores extraction per category and conflict
// detection per type.
func measure(cases []evalCase) *quality {
	e := NewExtractor()
	q := &quality{byCategory: map[models.SpecCategory]*counts{}, byType: map[models.ConflictType]*counts{}}
	cat := func(c models.SpecCategory) *counts {
		if q.byCategory[c] == nil {
			q.byCategory[c] = &counts{}
		}
		return q.byCategory[c]
	}
	typ := func(t models.ConflictType) *counts {
		if q.byType[t] == nil {
			q.byType[t] = &counts{}
		}
		return q.byType[t]
	}
	for _, c := range cases {
		got, conflicts := runCase(e, c)
		q.extraction.predicted += len(got)
		q.extraction.expected += len(c.Expected)
		for _, x := range got {
			cat(x.Category).predicted++
		}
		used := make([]bool, len(got))
		for _, want := range c.Expected {
			cat(want.Category).expected++
			found := false
			for i, x := range got {
				if !used[i] && specMatches(want, x) {
					used[i], found = true, true
					break
				}
			}
			if found {
				q.extraction.tp++
				cat(want.Category).tp++
			} else {
				fmt.Fprintf(&q.report, "  %s: missed %s/%s=%q\n", c.Name, want.Category, want.Key, want.Value)
			}
		}
		for i, x := range got {
			if !used[i] {
				fmt.Fprintf(&q.report, "  %s: extra %s\n", c.Name, x)
			}
		}
		if c.MustNotConflict {
			q.falseAlarms += len(conflicts)
		}
		q.conflicts.predicted += len(conflicts)
		q.conflicts.expected += len(c.Conflicts)
		for _, f := range conflicts {
			typ(f.Type).predicted++
		}
		cused := make([]bool, len(conflicts))
		for _, want := range c.Conflicts {
			typ(want.Type).expected++
			found := false
			for i, f := range conflicts {
				if !cused[i] && f.Type == want.Type && f.Existing == want.Existing && slices.Contains(strings.Split(want.New, "|"), f.New) {
					cused[i], found = true, true
					break
				}
			}
			if found {
				q.conflicts.tp++
				typ(want.Type).tp++
			} else {
				fmt.Fprintf(&q.report, "  %s: missed conflict %+v\n", c.Name, want)
			}
		}
		for i, f := range conflicts {
			if !cused[i] {
				fmt.Fprintf(&q.report, "  %s: extra conflict %+v\n", c.Name, f)
			}
		}
	}
	return q
}

// log writes the figures: overall, per category and per conflict type.
func (q *quality) log(t *testing.T, name string, n int) {
	t.Helper()
	t.Logf("%s (%d answers): extraction precision %.3f recall %.3f F1 %.3f (%d of %d predicted, %d of %d expected)",
		name, n, q.extraction.precision(), q.extraction.recall(), q.extraction.f1(), q.extraction.tp, q.extraction.predicted, q.extraction.tp, q.extraction.expected)
	t.Logf("%s: conflicts precision %.3f recall %.3f F1 %.3f (%d predicted, %d expected), %d on must-not-conflict cases",
		name, q.conflicts.precision(), q.conflicts.recall(), q.conflicts.f1(), q.conflicts.predicted, q.conflicts.expected, q.falseAlarms)
	var lines []string
	for c, k := range q.byCategory {
		lines = append(lines, fmt.Sprintf("  %-18s P %.2f R %.2f F1 %.2f (%d/%d/%d)", c, k.precision(), k.recall(), k.f1(), k.tp, k.predicted, k.expected))
	}
	for ty, k := range q.byType {
		lines = append(lines, fmt.Sprintf("  conflict %-9s P %.2f R %.2f F1 %.2f (%d/%d/%d)", ty, k.precision(), k.recall(), k.f1(), k.tp, k.predicted, k.expected))
	}
	sort.Strings(lines)
	t.Logf("%s per category and conflict type (tp/predicted/expected):\n%s", name, strings.Join(lines, "\n"))
	if q.report.Len() > 0 {
		t.Logf("%s differences:\n%s", name, q.report.String())
	}
}

// TestExtractionAndConflictQuality measures the built-in engine against the
// development set: answers with the specifications and conflicts a careful
// analyst would record (testdata/LABELING.md). The rules may be tuned on it.
func TestExtractionAndConflictQuality(t *testing.T) {
	cases := loadEval(t, "testdata/eval.json")
	if len(cases) < 40 {
		t.Fatalf("the evaluation set has %d answers, want at least 40", len(cases))
	}
	q := measure(cases)
	q.log(t, "development set", len(cases))
	if p, r := q.extraction.precision(), q.extraction.recall(); p < 0.95 || r < 0.95 {
		t.Errorf("extraction precision %.3f / recall %.3f below 0.95 / 0.95", p, r)
	}
	if p, r := q.conflicts.precision(), q.conflicts.recall(); p < 0.95 || r < 0.95 {
		t.Errorf("conflict precision %.3f / recall %.3f below 0.95 / 0.95", p, r)
	}
	if q.falseAlarms > 0 {
		t.Errorf("%d conflicts on must-not-conflict cases, want none", q.falseAlarms)
	}
}

// TestHeldOutQuality measures the engine against the held-out set, written
// from the labelling guide alone before the rules it measures and never
// used to tune them: its figures are the ones to report. The floors below
// are the figures measured when the set was committed (so that a change
// cannot make the engine worse unnoticed); the targets of the rules work
// are precision 0.9 and recall 0.85 for both, and no conflict on a
// must-not-conflict case.
func TestHeldOutQuality(t *testing.T) {
	cases := loadEval(t, "testdata/heldout.json")
	if len(cases) < 90 {
		t.Fatalf("the held-out set has %d cases, want at least 90", len(cases))
	}
	q := measure(cases)
	q.log(t, "held-out set", len(cases))
	// Measured when the set was committed (2026-11-30): extraction
	// 0.657 / 0.383, conflicts 0.579 / 0.355, 5 false alarms. After the
	// rules for capabilities, access, services, targets and the new
	// conflict classes: extraction 0.774 / 0.577, conflicts 0.850 / 0.548,
	// 1 false alarm. After numbers in words, the wider vocabularies and
	// the deadline-team, on-call and refinement rules (2026-11-30, a second time):
	// extraction 0.777 / 0.671, conflicts 0.923 / 0.774, no false alarm.
	floors := []struct {
		name       string
		got, floor float64
	}{
		{"extraction precision", q.extraction.precision(), 0.77},
		{"extraction recall", q.extraction.recall(), 0.67},
		{"conflict precision", q.conflicts.precision(), 0.92},
		{"conflict recall", q.conflicts.recall(), 0.77},
	}
	for _, f := range floors {
		if f.got < f.floor {
			t.Errorf("held-out %s %.3f fell below %.3f", f.name, f.got, f.floor)
		}
	}
	if q.falseAlarms > 0 {
		t.Errorf("%d conflicts on must-not-conflict cases, want none", q.falseAlarms)
	}
}
