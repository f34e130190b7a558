package socratic

import (
	"fmt"
	"math"
	"regexp"
	"slices"
	"strings"

	"socrates/models"
)

// SpecView is what the conflict rules read of a specification.
type SpecView struct {
	// Ref identifies the specification to the caller (a row id, an index).
	Ref      int64
	Category models.SpecCategory
	Key      string
	Value    string
}

// Finding is a conflict between a new specification and current ones.
type Finding struct {
	Type        models.ConflictType
	Severity    models.ConflictSeverity
	Rule        string
	Description string
	// Existing are the Refs of the current specifications involved.
	Existing []int64
}

// Reported is a conflict a language model reported between a found
// specification, named by its index among those found, and current ones:
// the Finding's Existing holds their ids. It is checked again against the
// specifications as they are when it is recorded.
type Reported struct {
	New int
	Finding
}

// Rule names, stored with each conflict.
const (
	// RuleModel marks a conflict a language model reported.
	RuleModel = "language_model"

	RuleSameKey           = "same_key_different_value"
	RuleEmbeddedMulti     = "embedded_db_multi_region_writes"
	RuleServerlessLong    = "serverless_long_lived_connections"
	RuleBudgetUptime      = "tiny_budget_high_uptime"
	RuleSoloUptime        = "single_developer_high_uptime"
	RuleDeadlineScope     = "short_deadline_large_scope"
	RuleBudgetMultiRegion = "tiny_budget_multi_region"
	RuleResidencyRegion   = "deployment_outside_data_residency"
	RuleAnonymousAccounts = "anonymous_use_mandatory_accounts"
	RuleOfflineOnline     = "offline_first_always_online"
	RuleRetentionDeletion = "deletion_before_retention_ends"
	RuleDeadlineTeam      = "short_deadline_small_team"
	RuleTeamOnCall        = "small_team_round_the_clock"
)

// Detect applies the conflict rules to a new specification against the
// current ones: existing are those that were current before the text it
// came from; siblings came from the same text before it. Two values of one
// key in one text describe different facets ("10k users at launch, 1.5
// million in three years"), so the same-key rule looks at existing only;
// the other rules look at both. Each rule has a type and a severity.
func Detect(n SpecView, existing, siblings []SpecView) []Finding {
	var out []Finding
	current := append(append([]SpecView(nil), existing...), siblings...)
	// Rule 1: one key, one category, two values.
	// Durations compare across categories: a retention period is one
	// rule wherever it was recorded.
	var same []SpecView
	for _, c := range existing {
		if c.Key == n.Key && (c.Category == n.Category || isDurationKey(n.Key)) && !sameStatement(n.Key, c.Value, n.Value) {
			same = append(same, c)
		}
	}
	if len(same) > 0 {
		typ, sev := models.ConflictTypeRequirement, models.ConflictSeverityMedium
		switch {
		case isTechKey(n.Key):
			typ, sev = models.ConflictTypeTechnology, severityOfKey(n.Key)
		case n.Key == "deadline":
			typ = models.ConflictTypeTimeline
		case n.Key == "budget" || n.Key == "team_size":
			typ = models.ConflictTypeResource
		}
		out = append(out, Finding{
			Type: typ, Severity: sev, Rule: RuleSameKey, Existing: refs(same),
			Description: fmt.Sprintf("Two different values for %s: %s (current) and %s (new).",
				strings.ReplaceAll(n.Key, "_", " "), quoteValues(same), quote(n.Value)),
		})
	}
	// Rule 2: known incompatible pairs.
	pair := func(rule string, a, b func(SpecView) bool, typ models.ConflictType, sev models.ConflictSeverity, why string) {
		var hits []SpecView
		switch {
		case a(n):
			hits = filter(current, b)
		case b(n):
			hits = filter(current, a)
		default:
			return
		}
		if len(hits) > 0 {
			out = append(out, Finding{Type: typ, Severity: sev, Rule: rule, Existing: refs(hits),
				Description: fmt.Sprintf("%s and %s: %s", describe(hits[0]), describe(n), why)})
		}
	}
	pair(RuleEmbeddedMulti, hasTag(tagEmbeddedDB), hasTag(tagMultiRegionWrites), models.ConflictTypeTechnology, models.ConflictSeverityHigh,
		"an embedded single-node database cannot accept writes in several regions.")
	pair(RuleServerlessLong, hasTag(tagServerless), hasTag(tagLongLived), models.ConflictTypeTechnology, models.ConflictSeverityHigh,
		"serverless functions are cut off after minutes and cannot hold connections open for hours.")
	// Rule 3: resources and time against what is asked of them.
	pair(RuleBudgetUptime, tinyBudget, highUptime, models.ConflictTypeResource, models.ConflictSeverityHigh,
		"99.99% availability needs redundant infrastructure and on-call staff that such a budget cannot pay for.")
	pair(RuleSoloUptime, soloTeam, highUptime, models.ConflictTypeResource, models.ConflictSeverityMedium,
		"one person cannot provide the round-the-clock response 99.99% availability requires.")
	pair(RuleBudgetMultiRegion, tinyBudget, multiRegion, models.ConflictTypeResource, models.ConflictSeverityMedium,
		"running in several regions multiplies infrastructure costs beyond such a budget.")
	pair(RuleDeadlineScope, tightDeadline, largeScope, models.ConflictTypeTimeline, models.ConflictSeverityHigh,
		"a scope this large cannot be delivered in a month or less.")
	pair(RuleTeamOnCall, smallTeam, roundTheClock, models.ConflictTypeResource, models.ConflictSeverityMedium,
		"one or two people cannot be on call around the clock.")
	// A short deadline against a small team when many capabilities are
	// asked for (a large scope, when stated, is the conflict instead).
	if capabilityCount(current) >= 5 && !slices.ContainsFunc(current, largeScope) {
		var hits []SpecView
		switch {
		case tightDeadline(n):
			hits = filter(current, smallTeam)
		case smallTeam(n):
			hits = filter(current, tightDeadline)
		}
		if len(hits) > 0 {
			out = append(out, Finding{Type: models.ConflictTypeTimeline, Severity: models.ConflictSeverityHigh, Rule: RuleDeadlineTeam, Existing: refs(hits),
				Description: fmt.Sprintf("%s and %s: %d capabilities cannot be built by so few people so soon.", describe(hits[0]), describe(n), capabilityCount(current))})
		}
	}
	// A residency rule against a deployment elsewhere.
	var outside []SpecView
	for _, c := range current {
		if residencyClash(n, c) || residencyClash(c, n) {
			outside = append(outside, c)
		}
	}
	if len(outside) > 0 {
		out = append(out, Finding{Type: models.ConflictTypeRequirement, Severity: models.ConflictSeverityHigh, Rule: RuleResidencyRegion, Existing: refs(outside),
			Description: fmt.Sprintf("%s and %s: the system would run outside the place its data must stay in.", describe(outside[0]), describe(n))})
	}
	// Rule 4: functional and retention rules that contradict one another.
	// Within one answer they are facets ("anyone can browse; buyers need
	// an account"), so these look at the current specifications only.
	against := func(rule string, a, b func(SpecView) bool, sev models.ConflictSeverity, why string) {
		var hits []SpecView
		switch {
		case a(n):
			hits = filter(existing, b)
		case b(n):
			hits = filter(existing, a)
		}
		if len(hits) > 0 {
			out = append(out, Finding{Type: models.ConflictTypeRequirement, Severity: sev, Rule: rule, Existing: refs(hits),
				Description: fmt.Sprintf("%s and %s: %s", describe(hits[0]), describe(n), why)})
		}
	}
	against(RuleAnonymousAccounts, isKey("anonymous_access"), mandatoryAccounts, models.ConflictSeverityHigh,
		"the product cannot be used without an account if everyone must have one.")
	against(RuleOfflineOnline, isKey("offline_mode"), alwaysOnline, models.ConflictSeverityHigh,
		"work done offline cannot be checked online as it happens.")
	if keep, del := keepFor(n), deleteAfter(n); keep > 0 || del > 0 {
		var hits []SpecView
		for _, c := range existing {
			if k, d := keepFor(c), deleteAfter(c); keep > 0 && d > 0 && d < keep || del > 0 && k > 0 && del < k {
				hits = append(hits, c)
			}
		}
		if len(hits) > 0 {
			out = append(out, Finding{Type: models.ConflictTypeRequirement, Severity: models.ConflictSeverityHigh, Rule: RuleRetentionDeletion, Existing: refs(hits),
				Description: fmt.Sprintf("%s and %s: data cannot be deleted before the end of the period it must be kept for.", describe(hits[0]), describe(n))})
		}
	}
	return out
}

// sameStatement reports whether two values of one key can both hold: the
// same value, the same duration written differently, a list and a longer
// list, or two facets of a policy. Capabilities are recorded once each,
// their values are wording.
func sameStatement(key, a, b string) bool {
	if NormalizeValue(key, a) == NormalizeValue(key, b) || isCapability(key) {
		return true
	}
	ma, oka := leadingDuration(a)
	mb, okb := leadingDuration(b)
	if !oka && !okb && !isQuantityKey(key) && !isDurationKey(key) && key != "roles" && key != "password_policy" && refines(a, b) {
		return true
	}
	switch {
	case oka && okb:
		// A month is 30 days here and a twelfth of a year there.
		return math.Abs(ma-mb) <= 0.03*math.Max(ma, mb)
	case key == "deadline":
		// A deadline restated as a date refines one given as a duration;
		// two dates are one deadline when one can be the other.
		da, dok := parseDeadlineDate(a)
		db, dbok := parseDeadlineDate(b)
		if dok && dbok {
			return sameDeadline(da, db)
		}
		return oka != okb
	case key == "roles":
		return subsetOf(listItems(a), listItems(b)) || subsetOf(listItems(b), listItems(a))
	case key == "password_policy":
		// Length and rotation are facets of one policy.
		return strings.Contains(strings.ToLower(a), "character") != strings.Contains(strings.ToLower(b), "character")
	}
	return false
}

// genericValues say only that a rule applies, which a specific value
// refines ("required", then "TLS 1.3").
var genericValues = map[string]bool{"required": true, "yes": true, "*": true, "enabled": true, "mandatory": true, "true": true, "on": true}

// refines reports whether one value restates the other with more detail:
// a generic value and a specific one, or the other's words followed by
// more ("Okta", then "Okta with MFA"; "TLS", then "TLS 1.2+").
func refines(a, b string) bool {
	wa, wb := valueWords(a), valueWords(b)
	if len(wa) == 0 || len(wb) == 0 {
		return false
	}
	if genericValues[strings.Join(wa, " ")] || genericValues[strings.Join(wb, " ")] {
		return true
	}
	if len(wa) > len(wb) {
		wa, wb = wb, wa
	}
	return slices.Equal(wa, wb[:len(wa)])
}

// valueWords are a value's words in lower case, without punctuation.
func valueWords(v string) []string {
	var out []string
	for _, w := range strings.Fields(strings.ToLower(v)) {
		if w = strings.Trim(w, ".,;:()!?\"'"); w != "" {
			out = append(out, w)
		}
	}
	return out
}

// leadingDuration reads the duration a value starts with, in minutes.
func leadingDuration(v string) (float64, bool) {
	f := strings.Fields(strings.ToLower(v))
	if len(f) < 2 {
		return 0, false
	}
	return parseDurationMinutes(f[0] + " " + f[1])
}

func listItems(v string) []string {
	var out []string
	for _, s := range listSep.Split(strings.ToLower(v), -1) {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

func subsetOf(a, b []string) bool {
	for _, x := range a {
		if !slices.Contains(b, x) {
			return false
		}
	}
	return true
}

func isKey(key string) func(SpecView) bool {
	return func(v SpecView) bool { return v.Key == key }
}

// mandatoryAccounts is a rule that everyone must have an account.
func mandatoryAccounts(v SpecView) bool {
	lower := strings.ToLower(v.Value)
	return (v.Key == "user_accounts" || v.Key == "accounts") && (strings.Contains(lower, "mandatory") || strings.Contains(lower, "required") || strings.Contains(lower, "must"))
}

// alwaysOnline is a rule that the product must be connected to work.
func alwaysOnline(v SpecView) bool {
	return v.Key == "always_online" || v.Key == "online_only" || v.Key == "connectivity" && strings.Contains(strings.ToLower(v.Value), "always")
}

// keepFor is how long a retention rule keeps records, in minutes; logs and
// backups are other data, and are not compared with deletion rules.
func keepFor(v SpecView) float64 {
	if v.Key != "retention_period" {
		return 0
	}
	m, _ := leadingDuration(v.Value)
	return m
}

// deleteAfter is when a deletion rule deletes data, in minutes.
func deleteAfter(v SpecView) float64 {
	if v.Key != "deletion_policy" {
		return 0
	}
	m, _ := leadingDuration(v.Value)
	return m
}

// residencyClash reports whether rule is a data-residency rule that a
// deployment in the place deployed names breaks.
func residencyClash(rule, deployed SpecView) bool {
	if rule.Key != "data_residency" || deployed.Key != "deployment_regions" {
		return false
	}
	r, ok := placeOf(rule.Value)
	d, ok2 := placeOf(deployed.Value)
	return ok && ok2 && !residencyAllows(r, d)
}

// DetectScope reports a short deadline against a project whose current
// requirements are many, which no single specification shows.
func DetectScope(n SpecView, requirementCount int, current []SpecView) *Finding {
	if !shortDeadline(n) || requirementCount < 8 {
		return nil
	}
	var reqs []SpecView
	for _, c := range current {
		if c.Category == models.SpecCategoryRequirements {
			reqs = append(reqs, c)
		}
	}
	return &Finding{Type: models.ConflictTypeTimeline, Severity: models.ConflictSeverityHigh, Rule: RuleDeadlineScope,
		Existing:    refs(reqs),
		Description: fmt.Sprintf("A deadline of %s against %d current requirements: a scope this large cannot be delivered in two weeks or less.", n.Value, requirementCount)}
}

func refs(vs []SpecView) []int64 {
	out := make([]int64, len(vs))
	for i, v := range vs {
		out[i] = v.Ref
	}
	return out
}

func filter(vs []SpecView, keep func(SpecView) bool) []SpecView {
	var out []SpecView
	for _, v := range vs {
		if keep(v) {
			out = append(out, v)
		}
	}
	return out
}

func quote(s string) string { return "\"" + s + "\"" }

func quoteValues(vs []SpecView) string {
	parts := make([]string, len(vs))
	for i, v := range vs {
		parts[i] = quote(v.Value)
	}
	return strings.Join(parts, ", ")
}

func describe(v SpecView) string {
	return strings.ReplaceAll(v.Key, "_", " ") + " " + quote(v.Value)
}

// tagsOf returns the rule tags of a specification, from its key and value.
func tagsOf(v SpecView) []string {
	lower := strings.ToLower(v.Value)
	switch {
	case v.Key == "database" && (strings.Contains(lower, "sqlite") || strings.Contains(lower, "embedded") || lower == "h2"):
		return []string{tagEmbeddedDB}
	case v.Key == "compute_model" && (strings.Contains(lower, "serverless") || strings.Contains(lower, "lambda")):
		return []string{tagServerless}
	case v.Key == "connection_model" && (strings.Contains(lower, "long") || strings.Contains(lower, "hour") || strings.Contains(lower, "persistent")):
		return []string{tagLongLived}
	case v.Key == "multi_region_writes" && lower != "no" && lower != "not required":
		return []string{tagMultiRegionWrites}
	}
	return nil
}

func hasTag(tag string) func(SpecView) bool {
	return func(v SpecView) bool {
		for _, t := range tagsOf(v) {
			if t == tag {
				return true
			}
		}
		return false
	}
}

// tinyBudget is a budget of at most 500 a month, or 5000 in all.
func tinyBudget(v SpecView) bool {
	if v.Key != "budget" {
		return false
	}
	n, ok := leadingNumber(strings.ToLower(v.Value))
	if !ok {
		return false
	}
	lower := strings.ToLower(v.Value)
	switch {
	case strings.Contains(lower, "month"):
		return n <= 500
	case strings.Contains(lower, "year"):
		return n <= 6000
	}
	return n <= 5000
}

// highUptime is an availability target of 99.99% or more.
func highUptime(v SpecView) bool {
	if v.Key != "uptime_target" {
		return false
	}
	n, ok := leadingNumber(v.Value)
	return ok && n >= 99.99
}

func soloTeam(v SpecView) bool {
	return v.Key == "team_size" && NormalizeValue(v.Key, v.Value) == "n:1"
}

func multiRegion(v SpecView) bool {
	return (v.Key == "deployment_regions" && strings.Contains(strings.ToLower(v.Value), "multi")) || hasTag(tagMultiRegionWrites)(v)
}

// shortDeadline is a deadline of two weeks or less from now.
func shortDeadline(v SpecView) bool {
	if v.Key != "deadline" {
		return false
	}
	m, ok := parseDurationMinutes(v.Value)
	return ok && m <= 14*24*60
}

// tightDeadline is a deadline of a month or less from now.
func tightDeadline(v SpecView) bool {
	if v.Key != "deadline" {
		return false
	}
	m, ok := parseDurationMinutes(v.Value)
	return ok && m <= 31*24*60
}

// smallTeam is a team of one or two people.
func smallTeam(v SpecView) bool {
	if v.Key != "team_size" {
		return false
	}
	n, ok := leadingNumber(v.Value)
	return ok && n >= 1 && n <= 2
}

// roundTheClock is a rule that someone responds at any hour.
func roundTheClock(v SpecView) bool {
	switch v.Key {
	case "alerting", "on_call", "support_hours", "incident_response":
		lower := strings.ToLower(v.Value)
		return strings.Contains(lower, "24/7") || strings.Contains(lower, "24x7") || strings.Contains(lower, "round the clock") || strings.Contains(lower, "around the clock")
	}
	return false
}

// capabilityCount is how many functional capabilities are current.
func capabilityCount(vs []SpecView) int {
	n := 0
	for _, v := range vs {
		if v.Category == models.SpecCategoryRequirements && isCapability(v.Key) {
			n++
		}
	}
	return n
}

// bigScopeWords describe a scope as large in so many words.
var bigScopeWords = regexp.MustCompile(`(?i)\b(?:large|huge|big|full|complete|entire|whole|everything|marketplace|platform|enterprise|end-to-end|all-in-one|super app)\b`)

// largeScope is an explicitly large scope (in words, or a list of four
// things or more), or a million users or more.
func largeScope(v SpecView) bool {
	if v.Key == "project_scope" && (bigScopeWords.MatchString(v.Value) || len(listItems(v.Value)) >= 4) {
		return true
	}
	if v.Key == "expected_users" {
		n, ok := leadingNumber(v.Value)
		return ok && n >= 1e6
	}
	return false
}
