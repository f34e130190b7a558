package socratic

import (
	"fmt"
	"math"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"socrates/models"
)

// Extracted is a specification found in free text.
type Extracted struct {
	Category   models.SpecCategory `json:"category"`
	Key        string              `json:"key"`
	Value      string              `json:"value"`
	Content    string              `json:"content"`
	Confidence float64             `json:"confidence"`
	Reasoning  string              `json:"reasoning"`
}

// ExtractInput is what extraction reads: the text, and the question it
// answers when there is one.
type ExtractInput struct {
	Text string
	// QuestionText is the question the text answers ("" for a chat
	// message); a language model reads it, the built-in rules do not.
	QuestionText     string
	QuestionCategory models.SpecCategory
	// QuestionKey is the specification key the question asks for.
	QuestionKey string
}

// Extractor finds specifications in free text with fixed rules: a
// dictionary of technologies, patterns for quantities with units, and the
// answer to the question's own key. Build one with NewExtractor and reuse
// it; it is safe for concurrent use.
type Extractor struct {
	techs    []compiledTech
	caps     []compiledCapability
	patterns patterns
}

type compiledTech struct {
	tech
	res []*regexp.Regexp
	// lits are the patterns in lower case, one per expression: a pattern
	// can match only a sentence whose lower case holds it, and checking
	// that first spares most expressions most sentences.
	lits []string
}

// NewExtractor compiles the extraction rules.
func NewExtractor() *Extractor {
	e := &Extractor{patterns: compilePatterns(), caps: compileCapabilities()}
	for _, t := range technologies() {
		ct := compiledTech{tech: t}
		for _, p := range t.Patterns {
			flags := "(?i)"
			if strings.HasPrefix(p, "=") {
				flags, p = "", p[1:]
			}
			ct.res = append(ct.res, regexp.MustCompile(flags+`(?:^|[^\p{L}\p{N}_.#-])(`+regexp.QuoteMeta(p)+`)(?:$|[^\p{L}\p{N}_#-]|\.(?:\s|$))`))
			ct.lits = append(ct.lits, strings.ToLower(p))
		}
		e.techs = append(e.techs, ct)
	}
	return e
}

// sentence is one sentence of the text with its hedging level.
type sentence struct {
	text       string
	lower      string
	confidence float64
	// undecided is set when the sentence says the matter is open.
	undecided bool
}

var sentenceEnd = regexp.MustCompile(`[.!?;]+(?:\s+|$)|\n+`)

func splitSentences(text string) []sentence {
	var out []sentence
	for _, s := range sentenceEnd.Split(text, -1) {
		s = strings.TrimSpace(s)
		if s == "" {
			continue
		}
		lower := strings.ToLower(s)
		out = append(out, sentence{text: s, lower: lower, confidence: hedge(lower), undecided: undecided.MatchString(lower)})
	}
	return out
}

// hedge returns the confidence a sentence's wording supports, per the
// rubric: 1.0 stated, 0.8 probable, 0.5 a guess. A guess is not recorded
// (see minConfidence).
func hedge(lower string) float64 {
	for _, w := range []string{"maybe", "might", "perhaps", "possibly", "not sure", "no idea", "unsure", "could be", "not decided", "undecided", "wondering", "considering", "thinking about", "we may ", "i may ", "may be ", "may want", "may need", "may add", "may use", "still comparing", "haven't decided", "have not decided", "to be decided",
		"we could", "could look at", "could consider", "could try", "open question", "up for debate", "not committed"} {
		if strings.Contains(lower, w) {
			return 0.5
		}
	}
	for _, w := range []string{"probably", "likely", "leaning towards", "leaning toward", "prefer", "ideally", "hopefully", "roughly", "about ", "around ", "approximately", "estimate", "expect"} {
		if strings.Contains(lower, w) {
			return 0.8
		}
	}
	return 1.0
}

// minConfidence is the lowest confidence recorded: hedged statements ("maybe",
// "we might", "not sure yet") and deferred ones ("maybe later", "phase two")
// are not commitments, so they are not recorded.
const minConfidence = 0.6

// undecided are words that make a whole sentence a guess, whichever clause
// they stand in ("Typesense for search, we are still comparing").
var undecided = regexp.MustCompile(`(?i)\b(?:not sure|unsure|not decided|undecided|still comparing|haven't decided|have not decided|to be decided|tbd)\b`)

// deferred are phrases that put a statement off to a later version.
var deferred = regexp.MustCompile(`(?i)\b(?:maybe later|later on|comes? later|at a later (?:stage|point|date)|for later|can wait|in a (?:future|later|next) (?:version|release|phase|iteration)|future versions?|phase (?:two|2|ii)|second phase|(?:in )?v2\b|version 2|not in the first (?:version|release)|post[- ]launch|down the road|eventually|at some point|some day|someday|not (?:right )?now|not yet)`)

// clauseReach bounds how far a clause extends around a mention, so that
// finding it stays linear in the length of an answer.
const clauseReach = 120

var clauseBreak = regexp.MustCompile(`(?i)[,;:()]|\s(?:but|whereas|while|although)\s`)

// clauseAround returns the clause of s that holds [start, end): from the
// last break before it to the first break after it, at most clauseReach
// bytes either way.
func clauseAround(s string, start, end int) string {
	from := max(0, start-clauseReach)
	for from > 0 && !utf8.RuneStart(s[from]) {
		from--
	}
	if locs := clauseBreak.FindAllStringIndex(s[from:start], -1); len(locs) > 0 {
		from += locs[len(locs)-1][1]
	}
	to := min(len(s), end+clauseReach)
	for to < len(s) && !utf8.RuneStart(s[to]) {
		to++
	}
	if loc := clauseBreak.FindStringIndex(s[end:to]); loc != nil {
		to = end + loc[0]
	}
	return s[from:to]
}

// confidenceAt is the confidence of a mention at [start, end) of a
// sentence: the hedging of its own clause, a guess when the sentence says
// it is undecided, and nothing when the clause defers it.
func confidenceAt(s sentence, start, end int) float64 {
	clause := strings.ToLower(clauseAround(s.text, start, end))
	if deferred.MatchString(clause) {
		return 0
	}
	c := hedge(clause)
	if s.undecided {
		c = math.Min(c, 0.5)
	}
	return c
}

// negators are words that, shortly before a mention, mean it is rejected.
var negated = regexp.MustCompile(`(?i)(?:\bnot\b|\bcannot\b|\bno\b|\bnobody\b|\bno one\b|\bnothing\b|\bnever\b|n't\b|\bavoid(?:ing)?\b|\bwithout\b|\binstead of\b|\brather than\b|\breplac(?:e|es|ing)\b|\baway from\b|\bdrop(?:ping)?\b|\bexcept\b|\bunlike\b|\bover\b|\bfrom\b|\bnor\b|\bditch(?:ing)?\b|\bmoving off\b|\bretire\b|\bno longer\b)[^,;:]{0,24}$`)

var negatedAfter = regexp.MustCompile(`(?i)^\W*(?:is|are|was|were)?\s*(?:not|out|ruled out|rejected|too\b|no longer)`)

// negationReach is how far before a mention a negator can stand: the
// longest negator, the 24 characters the pattern allows after it and the
// boundary before it, with room to spare.
const negationReach = 64

// negationWindow returns where the text that can negate a mention at start
// begins: negationReach bytes back, moved further back to the start of the
// word it falls in, so that the pattern sees the same word boundaries as
// in the whole text. Matching only this window keeps extraction linear in
// the length of an answer however many mentions it has.
func negationWindow(s string, start int) int {
	i := max(0, start-negationReach)
	for i > 0 && isWordByte(s[i-1]) {
		i--
	}
	return i
}

func isWordByte(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_'
}

// rejects is an answer that says no to something.
var rejects = regexp.MustCompile(`(?i)\b(?:not|no|never|cannot|without|none)\b|n't\b`)

// aside marks a mention as an example or a comparison, not a choice
// ("unlike our old shop, which ran on PayPal").
var aside = regexp.MustCompile(`(?i)(?:\b(?:unlike|just like|similar to)\b[^;:]*|\b(?:old|previous|former|legacy)\s+\w+,\s+which\b[^,;:]*)$`)

// isNegated reports whether a mention at [start, end) of s is rejected or
// only an aside.
func isNegated(s string, start, end int) bool {
	before := s[negationWindow(s, start):start]
	if aside.MatchString(before) {
		return true
	}
	if negated.MatchString(before) {
		// "from X to Y" rejects X only when a "to" follows.
		m := negated.FindStringSubmatch(before)
		if strings.Contains(strings.ToLower(m[0]), "from") && !strings.Contains(strings.ToLower(s[end:]), " to ") {
			return false
		}
		return true
	}
	return negatedAfter.MatchString(s[end:])
}

// roleAfter finds "as the database"-style roles that override a
// technology's default key.
var roleAfter = regexp.MustCompile(`(?i)^\s*(?:[\w.-]+\s+){0,3}?(?:as|for)\s+(?:a|an|the|our|its)?\s*(?:main|primary|only|single|core|system of record)?\s*(database|db|data ?store|store|storage|cache|caching|queue|message broker|broker|messaging|search)\b`)

func roleKey(role string) string {
	switch strings.ToLower(strings.ReplaceAll(role, " ", "")) {
	case "database", "db", "datastore", "store", "storage":
		return "database"
	case "cache", "caching":
		return "cache"
	case "queue", "messagebroker", "broker", "messaging":
		return "message_queue"
	case "search":
		return "search_engine"
	}
	return ""
}

type match struct {
	start, end int
	tech       *compiledTech
}

// Extract returns the specifications stated in in.Text, without duplicates.
func (e *Extractor) Extract(in ExtractInput) []Extracted {
	var out []Extracted
	add := func(x Extracted) {
		x.Value = strings.TrimSpace(x.Value)
		if x.Value == "" || x.Key == "" || x.Confidence < minConfidence {
			return
		}
		for _, y := range out {
			if y.Category == x.Category && y.Key == x.Key && (NormalizeValue(y.Key, y.Value) == NormalizeValue(x.Key, x.Value) || isCapability(x.Key)) {
				return
			}
		}
		if x.Content == "" {
			x.Content = contentFor(x.Key, x.Value)
		}
		x.Confidence = math.Round(x.Confidence*100) / 100
		out = append(out, x)
	}
	sentences := splitSentences(in.Text)
	var normalized []sentence
	for _, s := range sentences {
		for _, x := range e.techIn(s, in) {
			add(x)
		}
		// Quantities and policies are read with numbers in digits.
		ns := s
		if ns.text = normalizeNumbers(s.text); ns.text != s.text {
			ns.lower = strings.ToLower(ns.text)
		}
		normalized = append(normalized, ns)
		for _, x := range e.patterns.quantities(ns, in) {
			add(x)
		}
		for _, x := range e.capabilities(s, in) {
			add(x)
		}
		for _, x := range e.access(ns, in) {
			add(x)
		}
	}
	for _, x := range rolesIn(in, sentences) {
		add(x)
	}
	if !slices.ContainsFunc(out, func(x Extracted) bool { return x.Key == in.QuestionKey }) {
		// A number another specification already holds is not the answer.
		if x, ok := answerQuantity(in, normalized); ok && !slices.ContainsFunc(out, func(y Extracted) bool { return sameNumber(x.Value, y.Value) }) {
			add(x)
		}
	}
	if own, ok := ownAnswer(in, out); ok {
		add(own)
	}
	return out
}

// techIn finds the technologies a sentence commits to.
func (e *Extractor) techIn(s sentence, in ExtractInput) []Extracted {
	var ms []match
	for i := range e.techs {
		t := &e.techs[i]
		for j, re := range t.res {
			if !strings.Contains(s.lower, t.lits[j]) {
				continue
			}
			for _, loc := range re.FindAllStringSubmatchIndex(s.text, -1) {
				ms = append(ms, match{start: loc[2], end: loc[3], tech: t})
			}
		}
	}
	// Longest match wins where mentions overlap ("react native" over "react").
	sort.Slice(ms, func(i, j int) bool {
		if li, lj := ms[i].end-ms[i].start, ms[j].end-ms[j].start; li != lj {
			return li > lj
		}
		return ms[i].start < ms[j].start
	})
	var kept []match
	for _, m := range ms {
		overlap := false
		for _, k := range kept {
			if m.start < k.end && k.start < m.end {
				overlap = true
				break
			}
		}
		if !overlap {
			kept = append(kept, m)
		}
	}
	sort.Slice(kept, func(i, j int) bool { return kept[i].start < kept[j].start })
	// A language named with a server framework ("Python/Django") is the
	// backend's.
	backendFramework := slices.ContainsFunc(kept, func(m match) bool { return m.tech.Key == "backend_framework" })
	var out []Extracted
	for _, m := range kept {
		if isNegated(s.text, m.start, m.end) {
			continue
		}
		t := m.tech
		key := t.Key
		if key == "" {
			key = t.Prefix + t.Slug
		}
		if rm := roleAfter.FindStringSubmatch(s.text[m.end:]); rm != nil && t.Category == models.SpecCategoryTechStack {
			if k := roleKey(rm[1]); k != "" && (t.Key == "database" || t.Key == "cache" || t.Key == "message_queue" || t.Key == "search_engine") {
				key = k
			}
		}
		if t.Prefix == "language_" {
			key = languageKey(s.lower, m.start, t.Slug, in.QuestionKey)
			if backendFramework && strings.HasPrefix(key, "language_") {
				key = "backend_language"
			}
		}
		out = append(out, Extracted{
			Category: t.Category, Key: key, Value: t.Name, Confidence: confidenceAt(s, m.start, m.end),
			Reasoning: "Mentioned in: \"" + snippet(s.text) + "\"",
		})
	}
	return out
}

var roleWords = regexp.MustCompile(`\b(backend|back-end|back end|server|server-side|api|services|microservices|frontend|front-end|front end|ui|client|browser|web app|mobile app|dashboard)\b`)

// languageKey decides whether a language is the backend's, the frontend's
// or one of several, from the nearest role word.
func languageKey(lower string, at int, slug, questionKey string) string {
	best, bestDist := "", 1<<30
	for _, loc := range roleWords.FindAllStringIndex(lower, -1) {
		d := at - loc[1]
		if d < 0 {
			d = loc[0] - at
		}
		if d < bestDist && d <= 40 {
			best, bestDist = lower[loc[0]:loc[1]], d
		}
	}
	switch best {
	case "backend", "back-end", "back end", "server", "server-side", "api", "services", "microservices":
		return "backend_language"
	case "frontend", "front-end", "front end", "ui", "client", "browser", "web app", "mobile app", "dashboard":
		return "frontend_language"
	}
	if questionKey == "backend_language" {
		return "backend_language"
	}
	return "language_" + slug
}

// descriptiveKeys are question keys whose answer is a description worth
// keeping in its own words. Answers to the other keys are choices and
// quantities, recorded as the structured specifications found in them.
func descriptiveKey(key string) bool {
	switch key {
	case "problem_statement", "target_users", "success_criteria", "current_solution", "stakeholders", "out_of_scope",
		"key_risks", "core_features", "primary_user_journey", "core_data", "integrations", "user_roles", "notifications",
		"reporting", "availability_context", "administration", "team_skills", "traffic_pattern", "scaling_limits",
		"write_load", "authorization", "sensitive_data", "threat_model", "audit_trail", "heavy_operations",
		"degradation_strategy", "cacheable_data", "client_constraints", "test_strategy", "critical_paths", "test_data",
		"acceptance_criteria", "health_signals", "business_metrics", "on_call", "deletion_policy", "archival",
		"legal_holds", "anonymisation", "data_ownership", "failover", "restore_testing", "critical_dependencies",
		"recovery_runbook", "data_corruption":
		return true
	}
	return false
}

// ownAnswer turns a substantive answer into the specification the question
// asks for: always for a descriptive question, and for a question about a
// choice only when no structured specification was found in the answer.
func ownAnswer(in ExtractInput, found []Extracted) (Extracted, bool) {
	if in.QuestionKey == "" || in.QuestionCategory == "" {
		return Extracted{}, false
	}
	for _, f := range found {
		if f.Key == in.QuestionKey {
			return Extracted{}, false
		}
	}
	if !descriptiveKey(in.QuestionKey) && (len(found) > 0 || rejects.MatchString(in.Text)) {
		// A choice is recorded as what was chosen; an answer that only
		// rejects something chooses nothing.
		return Extracted{}, false
	}
	// Features listed as capabilities are recorded as those capabilities.
	if in.QuestionKey == "core_features" && slices.ContainsFunc(found, func(f Extracted) bool { return isCapability(f.Key) }) {
		return Extracted{}, false
	}
	text := normalizeSpace(in.Text)
	words := strings.Fields(text)
	if len(words) < 4 {
		return Extracted{}, false
	}
	lower := strings.ToLower(text)
	for _, evasive := range []string{"i don't know", "i do not know", "no idea", "not sure yet", "don't know yet", "skip", "pass", "later", "n/a", "tbd", "not decided"} {
		if strings.HasPrefix(lower, evasive) {
			return Extracted{}, false
		}
	}
	first := splitSentences(text)[0]
	value := first.text
	if utf8Len(value) > 300 {
		value = truncateWords(value, 300)
	}
	// The answer is hedged when its opening clause is; a hedge further on
	// ("mostly clinic staff, so maybe 2,000 users") qualifies a detail.
	conf := math.Min(0.9, confidenceAt(first, 0, 0))
	return Extracted{
		Category: in.QuestionCategory, Key: in.QuestionKey, Value: value, Confidence: conf,
		Reasoning: "The answer to a question about " + strings.ReplaceAll(in.QuestionKey, "_", " ") + ".",
	}, true
}

func utf8Len(s string) int { return len([]rune(s)) }

func truncateWords(s string, max int) string {
	r := []rune(s)
	if len(r) <= max {
		return s
	}
	cut := string(r[:max])
	if i := strings.LastIndexByte(cut, ' '); i > max/2 {
		cut = cut[:i]
	}
	return strings.TrimRight(cut, " ,;:") + "…"
}

// snippet quotes the start of a sentence. It reads at most snippetReach
// bytes, so that quoting a sentence for each of its mentions stays linear
// in the length of an answer.
func snippet(s string) string {
	if len(s) > snippetReach {
		cut := snippetReach
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut]
	}
	return truncateWords(normalizeSpace(s), 160)
}

const snippetReach = 1024

// contentFor writes the sentence stored with a specification.
func contentFor(key, value string) string {
	name := strings.ReplaceAll(key, "_", " ")
	if name != "" {
		name = strings.ToUpper(name[:1]) + name[1:]
	}
	return name + ": " + value + "."
}

// NormalizeValue returns the form in which two values of a key are
// compared: durations in minutes, quantities as numbers, names in lower
// case with spacing and punctuation folded.
func NormalizeValue(key, value string) string {
	v := strings.ToLower(normalizeSpace(value))
	if m, ok := parseDurationMinutes(v); ok {
		return "minutes:" + formatMinutes(m)
	}
	if isDurationKey(key) {
		// "30 days after account closure" is a duration of 30 days.
		if f := strings.Fields(v); len(f) > 2 {
			if m, ok := parseDurationMinutes(f[0] + " " + f[1]); ok {
				return "minutes:" + formatMinutes(m)
			}
		}
	}
	switch key {
	case "deadline":
		// "by the 1st of April 2027" and "1 April 2027" are one date.
		if d, ok := parseDeadlineDate(v); ok {
			return d.String()
		}
	case "deployment_regions":
		// "3 regions" and "multi-region" are one way of running.
		if multiRegionValue.MatchString(v) {
			return "multiregion"
		}
	}
	if name, ok := techAliases()[v]; ok {
		// "Postgres" and "PostgreSQL", "Azure AD" and "Entra ID" are one.
		v = name
	}
	if n, ok := leadingNumber(v); ok && isQuantityKey(key) {
		return "n:" + formatNumber(n)
	}
	return strings.Map(func(r rune) rune {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			return r
		}
		return -1
	}, v)
}

func leadingNumber(v string) (float64, bool) {
	v = strings.TrimLeft(v, "$€£ ")
	end := 0
	for end < len(v) && (v[end] >= '0' && v[end] <= '9' || v[end] == '.' || v[end] == ',') {
		end++
	}
	if end == 0 {
		return 0, false
	}
	n, err := strconv.ParseFloat(strings.ReplaceAll(v[:end], ",", ""), 64)
	// "80k" and "1.5m" are thousands and millions.
	if end < len(v) && (end+1 == len(v) || !unicode.IsLetter(rune(v[end+1]))) {
		switch v[end] {
		case 'k', 'K':
			n *= 1e3
		case 'm', 'M':
			n *= 1e6
		}
	}
	return n, err == nil
}

// sameNumber reports whether two values start with the same number.
func sameNumber(a, b string) bool {
	x, ok := leadingNumber(a)
	y, ok2 := leadingNumber(b)
	return ok && ok2 && x == y
}

// formatMinutes prints a duration in minutes, rounded so that "2 seconds"
// and "2000 ms" compare equal.
func formatMinutes(m float64) string {
	return formatNumber(math.Round(m*1e6) / 1e6)
}

// multiRegionValue is a deployment over several regions, however it is
// written.
var multiRegionValue = regexp.MustCompile(`(?i)^(?:multi[- ]?region(?:al)?|multiple regions|several regions|(?:[2-9]|1\d|two|three|four|five) regions)$`)

// isDurationKey reports whether a key's value is a duration, perhaps with
// words after it ("43 minutes per month").
func isDurationKey(key string) bool {
	switch key {
	case "retention_period", "log_retention", "backup_retention", "deletion_policy", "rpo", "rto", "error_budget":
		return true
	}
	return false
}

func isQuantityKey(key string) bool {
	switch key {
	case "expected_users", "concurrent_users", "daily_active_users", "monthly_active_users", "throughput",
		"latency_target", "uptime_target", "data_volume", "record_count", "coverage_target", "team_size", "budget":
		return true
	}
	return false
}

// String describes an extraction for test output.
func (x Extracted) String() string {
	return fmt.Sprintf("%s/%s=%q (%.2f)", x.Category, x.Key, x.Value, x.Confidence)
}
