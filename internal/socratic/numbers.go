package socratic

import (
	"math"
	"strconv"
	"strings"
)

// wordNumbers are number words the extractor understands.
func wordNumber(w string) (float64, bool) {
	switch strings.ToLower(w) {
	case "a", "an", "one", "single":
		return 1, true
	case "two", "couple":
		return 2, true
	case "three":
		return 3, true
	case "four":
		return 4, true
	case "five":
		return 5, true
	case "six":
		return 6, true
	case "seven":
		return 7, true
	case "eight":
		return 8, true
	case "nine":
		return 9, true
	case "ten":
		return 10, true
	case "twelve":
		return 12, true
	case "fifteen":
		return 15, true
	case "twenty":
		return 20, true
	case "thirty":
		return 30, true
	case "fifty":
		return 50, true
	case "hundred":
		return 100, true
	}
	return 0, false
}

// parseAmount reads "10,000", "10k", "1.5 million", "a million", "ten
// thousand" or "2m" as a number.
func parseAmount(s string) (float64, bool) {
	s = strings.ToLower(strings.TrimSpace(s))
	s = strings.TrimPrefix(s, "about ")
	s = strings.TrimPrefix(s, "around ")
	fields := strings.Fields(strings.ReplaceAll(s, "-", " "))
	if len(fields) == 0 {
		return 0, false
	}
	mult := 1.0
	last := fields[len(fields)-1]
	switch last {
	case "thousand", "k":
		mult, fields = 1e3, fields[:len(fields)-1]
	case "million", "m", "mm":
		mult, fields = 1e6, fields[:len(fields)-1]
	case "billion", "b", "bn":
		mult, fields = 1e9, fields[:len(fields)-1]
	case "hundred":
		if len(fields) > 1 {
			mult, fields = 100, fields[:len(fields)-1]
		}
	}
	if len(fields) != 1 {
		return 0, false
	}
	w := fields[0]
	for _, suf := range []struct {
		s string
		m float64
	}{{"k", 1e3}, {"m", 1e6}, {"b", 1e9}} {
		if strings.HasSuffix(w, suf.s) && len(w) > 1 && w[0] >= '0' && w[0] <= '9' {
			w, mult = strings.TrimSuffix(w, suf.s), mult*suf.m
			break
		}
	}
	if n, ok := wordNumber(w); ok {
		return n * mult, true
	}
	n, err := strconv.ParseFloat(strings.ReplaceAll(w, ",", ""), 64)
	if err != nil {
		return 0, false
	}
	return n * mult, true
}

// formatNumber prints a number without a needless fraction.
func formatNumber(n float64) string {
	if n == math.Trunc(n) && math.Abs(n) < 1e15 {
		return strconv.FormatInt(int64(n), 10)
	}
	return strconv.FormatFloat(n, 'f', -1, 64)
}

// durationUnit returns the length of a time unit in minutes.
func durationUnit(u string) (float64, string, bool) {
	u = strings.ToLower(strings.TrimSuffix(strings.TrimSpace(u), "."))
	switch {
	case strings.HasPrefix(u, "sec"):
		return 1.0 / 60, "seconds", true
	case strings.HasPrefix(u, "min"):
		return 1, "minutes", true
	case strings.HasPrefix(u, "h"):
		return 60, "hours", true
	case strings.HasPrefix(u, "day"), u == "d":
		return 60 * 24, "days", true
	case strings.HasPrefix(u, "week"), u == "w", u == "wk", u == "wks":
		return 60 * 24 * 7, "weeks", true
	case strings.HasPrefix(u, "month"), u == "mo":
		return 60 * 24 * 30, "months", true
	case strings.HasPrefix(u, "year"), u == "y", u == "yr", u == "yrs":
		return 60 * 24 * 365, "years", true
	}
	return 0, "", false
}

// formatDuration prints "7 years" or "1 year".
func formatDuration(n float64, unit string) string {
	if n == 1 {
		unit = strings.TrimSuffix(unit, "s")
	}
	return formatNumber(n) + " " + unit
}

// parseDurationMinutes reads "7 years" or "15 minutes" into minutes.
func parseDurationMinutes(s string) (float64, bool) {
	f := strings.Fields(strings.ToLower(s))
	if len(f) != 2 {
		return 0, false
	}
	n, ok := parseAmount(f[0])
	if !ok {
		return 0, false
	}
	m, _, ok := durationUnit(f[1])
	return n * m, ok
}
