// Package validate checks mutation input and records failures as
// apperr.Validation entries, so every service reports them the same way.
package validate

import (
	"net/mail"
	"strings"
	"unicode"
	"unicode/utf8"

	"socrates/internal/apperr"
)

// Text trims s and checks that it has between min and max characters and no
// control characters other than newlines and tabs. It returns the trimmed
// value.
func Text(v *apperr.Validation, field, s string, min, max int) string {
	s = strings.TrimSpace(s)
	n := utf8.RuneCountInString(s)
	switch {
	case !utf8.ValidString(s):
		v.Add(field, apperr.CodeInvalid, "%s must be valid UTF-8", field)
	case n == 0 && min > 0:
		v.Add(field, apperr.CodeRequired, "%s must not be empty", field)
	case n < min:
		v.Add(field, apperr.CodeTooShort, "%s must be at least %d characters", field, min)
	case n > max:
		v.Add(field, apperr.CodeTooLong, "%s must be at most %d characters, got %d", field, max, n)
	case strings.ContainsFunc(s, func(r rune) bool { return unicode.IsControl(r) && r != '\n' && r != '\t' && r != '\r' }):
		v.Add(field, apperr.CodeInvalid, "%s must not contain control characters", field)
	}
	return s
}

// OptionalText is Text for a nullable field: nil stays nil, and an empty
// string (after trimming) becomes nil.
func OptionalText(v *apperr.Validation, field string, s *string, max int) *string {
	if s == nil {
		return nil
	}
	t := Text(v, field, *s, 0, max)
	if t == "" {
		return nil
	}
	return &t
}

// Email normalises an email address to lower case and checks its form.
func Email(v *apperr.Validation, field, s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	if s == "" {
		v.Add(field, apperr.CodeRequired, "%s must not be empty", field)
		return s
	}
	if len(s) > 254 {
		v.Add(field, apperr.CodeTooLong, "%s must be at most 254 characters", field)
		return s
	}
	addr, err := mail.ParseAddress(s)
	if err != nil || addr.Address != s || !strings.Contains(s[strings.IndexByte(s, '@')+1:], ".") {
		v.Add(field, apperr.CodeInvalid, "%s is not a valid email address", field)
	}
	return s
}

// Password checks a new password's length: 8 to 128 characters. It is not
// trimmed: spaces are part of a password.
func Password(v *apperr.Validation, field, s string) {
	n := utf8.RuneCountInString(s)
	switch {
	case n < 8:
		v.Add(field, apperr.CodeTooShort, "%s must be at least 8 characters", field)
	case n > 128:
		v.Add(field, apperr.CodeTooLong, "%s must be at most 128 characters", field)
	}
}

// InvalidUTF8 returns the offset of the first byte of b that is not part
// of valid UTF-8, or -1 when b is valid UTF-8.
func InvalidUTF8(b []byte) int {
	if utf8.Valid(b) {
		return -1
	}
	for i := 0; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && size == 1 {
			return i
		}
		i += size
	}
	return -1
}
