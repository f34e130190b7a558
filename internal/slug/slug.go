// Package slug turns names into the stems of file names.
package slug

import (
	"strings"
	"unicode"
)

// Max bounds the length of a slug.
const Max = 60

// Of returns name in lower-case ASCII letters and digits, each run of
// anything else one hyphen, none at either end, at most Max characters;
// "project" when nothing is left.
func Of(name string) string {
	var b strings.Builder
	hyphen := false
	for _, r := range strings.ToLower(name) {
		if r < unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r)) {
			if hyphen && b.Len() > 0 {
				b.WriteByte('-')
			}
			hyphen = false
			b.WriteRune(r)
			if b.Len() > Max {
				break
			}
			continue
		}
		hyphen = true
	}
	out := b.String()
	if len(out) > Max {
		out = strings.TrimRight(out[:Max], "-")
	}
	if out == "" {
		return "project"
	}
	return out
}
