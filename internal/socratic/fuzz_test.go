package socratic

import (
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"socrates/models"
)

// FuzzExtract feeds arbitrary answers to the built-in engine: it never
// panics, answers the same twice, and every specification it finds has a
// known category, a key, a trimmed value, content, a confidence between 0
// and 1, and valid UTF-8 when the answer is.
func FuzzExtract(f *testing.F) {
	for _, s := range []string{
		"We expect 20,000 users and 99.9% uptime on PostgreSQL",
		"Actually we will use MongoDB as the database, deployed on AWS Lambda with websockets open for hours",
		"Budget is $50 per month; we need 99.99% availability; the team is one developer; launch in 2 weeks",
		"Backups every hour, kept for 30 days, with an RPO of 15 minutes. Requests answer within 200 ms at p95.",
		"", " ", "99.9999999999999999999999%", "1e309 users", "\xff\xfe users", strings.Repeat("PostgreSQL ", 200),
	} {
		f.Add(s, "TECH_STACK", "database")
	}
	e := NewExtractor()
	f.Fuzz(func(t *testing.T, text, category, key string) {
		if len(text) > 20000 {
			return
		}
		in := ExtractInput{Text: text, QuestionCategory: models.SpecCategory(category), QuestionKey: key}
		got := e.Extract(in)
		if again := e.Extract(in); !reflect.DeepEqual(got, again) {
			t.Fatalf("two extractions of %q differ:\n%+v\n%+v", text, got, again)
		}
		for _, x := range got {
			switch {
			case !x.Category.IsValid():
				t.Fatalf("%q: unknown category in %+v", text, x)
			case x.Key == "" || x.Value == "" || x.Content == "":
				t.Fatalf("%q: empty key, value or content in %+v", text, x)
			case strings.TrimSpace(x.Value) != x.Value:
				t.Fatalf("%q: untrimmed value in %+v", text, x)
			case x.Confidence < 0 || x.Confidence > 1:
				t.Fatalf("%q: confidence out of [0, 1] in %+v", text, x)
			case utf8.ValidString(text) && !(utf8.ValidString(x.Value) && utf8.ValidString(x.Content)):
				t.Fatalf("%q: invalid UTF-8 in %+v", text, x)
			}
		}
	})
}
