package socratic

import (
	"fmt"
	"math"
	"regexp"
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
	case u == "ms" || strings.HasPrefix(u, "milli"):
		return 1.0 / 60000, "milliseconds", true
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

// numberWordValues are the number words normalizeNumbers reads: units,
// teens and tens are added, scales multiply.
var numberWordValues = map[string]float64{
	"zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
	"ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16,
	"seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fourty": 40,
	"fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90,
}

var numberScales = map[string]float64{"hundred": 100, "thousand": 1e3, "million": 1e6, "billion": 1e9}

const numberWordAlt = `zero|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fourty|fifty|sixty|seventy|eighty|ninety|hundred|thousand|million|billion`

// numberRun is a run of number words: "two hundred and fifty thousand",
// "ninety-nine point nine five", "fourteen".
var numberRun = regexp.MustCompile(`(?i)\b(?:` + numberWordAlt + `)(?:(?:\s+|-)(?:and\s+|point\s+)?(?:` + numberWordAlt + `))*\b`)

// parseNumberWords reads a run of number words; ok is false when the run
// is not one number ("two and three").
func parseNumberWords(run string) (float64, bool) {
	words := strings.Fields(strings.ToLower(strings.ReplaceAll(run, "-", " ")))
	total, current, decimals := 0.0, 0.0, ""
	seen, inDecimals, lastScale := false, false, false
	for i, w := range words {
		switch {
		case w == "and":
			if !lastScale || i == len(words)-1 {
				return 0, false
			}
			continue
		case w == "point":
			if !seen || inDecimals {
				return 0, false
			}
			inDecimals = true
			continue
		case inDecimals && numberScales[w] > 0 && i == len(words)-1:
			// "two point five million"
			f, err := strconv.ParseFloat(formatNumber(total+current)+"."+decimals, 64)
			return f * numberScales[w], err == nil && decimals != ""
		case inDecimals:
			v, ok := numberWordValues[w]
			if !ok || v > 9 {
				return 0, false
			}
			decimals += strconv.Itoa(int(v))
			continue
		}
		if v, ok := numberWordValues[w]; ok {
			// "two three" is two numbers; "twenty two" is one.
			if seen && !lastScale && !(current >= 20 && int(current)%10 == 0 && v < 10 && int(current)%100 != 0) {
				return 0, false
			}
			current += v
			seen, lastScale = true, false
			continue
		}
		scale := numberScales[w]
		if !seen {
			current = 1
		}
		if scale == 100 {
			current *= 100
		} else {
			total += current * scale
			current = 0
		}
		seen, lastScale = true, true
	}
	if inDecimals && decimals == "" {
		return 0, false
	}
	n := total + current
	if decimals != "" {
		f, err := strconv.ParseFloat("0."+decimals, 64)
		if err != nil {
			return 0, false
		}
		n += f
	}
	return n, seen
}

// fixedAmounts are phrases that stand for a number or a duration.
var fixedAmounts = regexp.MustCompile(`(?i)\b(?:an?\s+)?fortnight\b|\bhalf\s+an?\s+(?:hour|day|year)\b|\ban?\s+dozen\b|\ban?\s+couple\s+of\b|\ban?\s+(?:full|whole|single|entire)\s+(hour|day|week|month|quarter|year)\b|\b(for|in|within|after|of|than|under|to|every|least|most|than|about|around|over)\s+an?\s+(minute|hour|day|week|month|year)\b`)

// scaledDigits is a number in digits with a scale in words: "40 thousand".
var scaledDigits = regexp.MustCompile(`(?i)\b(\d+(?:\.\d+)?)\s+(thousand|million|billion)\b`)

var percentWord = regexp.MustCompile(`(?i)(\d)\s*(?:percent|per\s+cent|pct)\b`)

// normalizeNumbers writes numbers given in words as digits, so that the
// quantity rules read "fifteen years", "ninety-nine point nine percent"
// and "a fortnight" as they read "15 years", "99.9%" and "2 weeks". Each
// rewrite is one linear pass.
func normalizeNumbers(s string) string {
	if !strings.ContainsFunc(s, func(r rune) bool { return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' }) {
		return s
	}
	s = fixedAmounts.ReplaceAllStringFunc(s, func(m string) string {
		l := strings.ToLower(strings.Join(strings.Fields(m), " "))
		switch {
		case strings.HasSuffix(l, "fortnight"):
			return "2 weeks"
		case l == "half an hour":
			return "30 minutes"
		case l == "half a day":
			return "12 hours"
		case l == "half a year":
			return "6 months"
		case strings.HasSuffix(l, "dozen"):
			return "12"
		case strings.HasSuffix(l, "couple of"):
			return "2"
		}
		f := strings.Fields(l)
		if f[0] == "a" || f[0] == "an" {
			return "1 " + f[len(f)-1]
		}
		return f[0] + " 1 " + f[len(f)-1]
	})
	s = numberRun.ReplaceAllStringFunc(s, func(m string) string {
		if f := strings.Fields(strings.ToLower(m)); numberScales[f[0]] > 0 {
			// "1.5 million" is read by the rules as it stands.
			return m
		}
		if strings.EqualFold(m, "one") {
			// A lone "one" is as often a pronoun as a number; the rules
			// that need it read it as a word.
			return m
		}
		if n, ok := parseNumberWords(m); ok {
			return formatNumber(n)
		}
		return m
	})
	s = scaledDigits.ReplaceAllStringFunc(s, func(m string) string {
		f := strings.Fields(strings.ToLower(m))
		n, err := strconv.ParseFloat(f[0], 64)
		if err != nil {
			return m
		}
		return formatNumber(n * numberScales[f[1]])
	})
	return percentWord.ReplaceAllString(s, "$1%")
}

// deadlineDate is a calendar date a deadline names: a year, a month (or
// the last month of a quarter), and a day, 0 when not given. end is set
// for "the end of" a month or quarter.
type deadlineDate struct {
	year, month, day int
	quarter          bool
	end              bool
}

var monthNumbers = map[string]int{"jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6, "jul": 7, "aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12}

var (
	dateISO   = regexp.MustCompile(`\b(\d{4})-(\d{2})-(\d{2})\b`)
	dateMonth = regexp.MustCompile(`(?i)\b(?:(\d{1,2})(?:st|nd|rd|th)?\s+(?:of\s+)?)?(january|february|march|april|may|june|july|august|september|october|november|december|jan|feb|mar|apr|jun|jul|aug|sept?|oct|nov|dec)\b(?:\s+(\d{1,2})(?:st|nd|rd|th)?\b)?(?:,?\s+(\d{4}))?`)
	dateQ     = regexp.MustCompile(`(?i)\bq([1-4])(?:\s+(\d{4}))?\b`)
	dateEnd   = regexp.MustCompile(`(?i)\bend\s+of\b`)
)

// parseDeadlineDate reads the date in a deadline's value.
func parseDeadlineDate(v string) (deadlineDate, bool) {
	var d deadlineDate
	atoi := func(s string) int { n, _ := strconv.Atoi(s); return n }
	switch {
	case dateISO.MatchString(v):
		m := dateISO.FindStringSubmatch(v)
		d = deadlineDate{year: atoi(m[1]), month: atoi(m[2]), day: atoi(m[3])}
	case dateMonth.MatchString(v):
		m := dateMonth.FindStringSubmatch(v)
		d = deadlineDate{month: monthNumbers[strings.ToLower(m[2])[:3]], day: atoi(m[1] + m[3]), year: atoi(m[4])}
	case dateQ.MatchString(v):
		m := dateQ.FindStringSubmatch(v)
		d = deadlineDate{month: 3 * atoi(m[1]), year: atoi(m[2]), quarter: true, end: true}
	default:
		return d, false
	}
	if d.month < 1 || d.month > 12 || d.day > 31 {
		return deadlineDate{}, false
	}
	d.end = d.end || dateEnd.MatchString(v)
	return d, true
}

// String is the date's comparable form.
func (d deadlineDate) String() string {
	s := fmt.Sprintf("date:%d-%02d", d.year, d.month)
	switch {
	case d.quarter:
		s = fmt.Sprintf("date:%d-q%d", d.year, d.month/3)
	case d.day > 0:
		s += fmt.Sprintf("-%02d", d.day)
	case d.end:
		s += "-end"
	}
	return s
}

// sameDeadline reports whether two dates can be one deadline said twice:
// "the end of June 2027" and "30 June 2027", "Q3 2027" and "September
// 2027".
func sameDeadline(a, b deadlineDate) bool {
	if a.year != 0 && b.year != 0 && a.year != b.year {
		return false
	}
	if a.quarter || b.quarter {
		qa, qb := (a.month+2)/3, (b.month+2)/3
		return qa == qb && (a.quarter && b.quarter || a.end && b.end || a.quarter && (b.month == a.month || !b.end) || b.quarter && (a.month == b.month || !a.end))
	}
	if a.month != b.month {
		return false
	}
	switch {
	case a.day == b.day:
		return true
	case a.day == 0 && a.end:
		return b.day >= 28
	case b.day == 0 && b.end:
		return a.day >= 28
	}
	return a.day == 0 || b.day == 0
}
