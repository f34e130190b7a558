package socratic

import (
	"regexp"
	"strings"

	"socrates/models"
)

// patterns are the compiled expressions for quantities and fixed phrases.
type patterns struct {
	users, throughput, latency, uptime, nines, coverage, dataVolume, records                                  *regexp.Regexp
	growth, doubling, retainVerb, retainFor, retainSubject, rpo, rto, lose, recover, backups, backupEvery     *regexp.Regexp
	budget, teamOf, teamN, solo, deadlineIn, deadlineBy, multiRegion, regionWrites, singleRegion              *regexp.Regexp
	longLived, largeScope, atRest, inTransit, testKinds, errorBudget, deletion                                *regexp.Regexp
	dataLost, rangeBefore, atOnce, weAre, downtime, rpoZero, retainColon, deletedAfterPeriod, deadlineFromNow *regexp.Regexp
	onCall, usersBefore                                                                                       *regexp.Regexp
}

// userNouns are the words for the people who use a system.
const userNouns = `users|customers|people|visitors|members|players|employees|clients|learners|students|patients|drivers|viewers|listeners|readers|subscribers|residents|citizens|households|shoppers|buyers|sellers|guests|tenants|farmers|staff|agents|riders|passengers|fans|followers|clinicians|teachers|parents|merchants|vendors|accounts|users'`

// months are the month names a date can hold.
const months = `january|february|march|april|may|june|july|august|september|october|november|december|jan|feb|mar|apr|jun|jul|aug|sept?|oct|nov|dec`

// dateWords is a calendar date as owners write it: "the 1st of April
// 2027", "30 June 2027", "April 1, 2027", "the end of January", "Q3 2027",
// "2027-04-01".
const dateWords = `(?:(?:the\s+)?(?:end|start|beginning|middle)\s+of\s+)?(?:the\s+)?(?:\d{1,2}(?:st|nd|rd|th)?\s+(?:of\s+)?)?(?:` + months + `)\b(?:\s+\d{1,2}(?:st|nd|rd|th)?\b)?(?:,?\s+\d{4})?` +
	`|(?:the\s+)?(?:end\s+of\s+)?q[1-4](?:\s+\d{4})?|next year|this year|(?:the\s+)?(?:end\s+of\s+)?(?:summer|spring|autumn|fall|winter|christmas)(?:\s+\d{4})?|\d{4}-\d{2}-\d{2}`

const num = `(\b\d[\d,]*(?:\.\d+)?\s*(?:k|m|mm|bn|b)?\b|\b(?:a|an|one|two|three|four|five|six|seven|eight|nine|ten|twenty|fifty|hundred|a few)(?:\s+(?:hundred|thousand|million|billion))?)`

func compilePatterns() patterns {
	c := func(s string) *regexp.Regexp { return regexp.MustCompile(`(?i)` + s) }
	return patterns{
		users:              c(num + `(\s+(?:thousand|million|billion))?\s+(?:(?:(daily|monthly|weekly)\s+active\s+|(concurrent|simultaneous|parallel)\s+|(?:registered|total|paying|active|internal|external|new|unique)\s+)?(?:` + userNouns + `)\b|(daily|monthly|weekly)\s+actives\b|(dau|mau)\b)`),
		rangeBefore:        c(`(?:between\s+)?(\d[\d,]*(?:\.\d+)?\s*(?:k|m)?)\s*(?:-|–|to|and)\s*$`),
		atOnce:             c(`^\s*(?:(?:` + userNouns + `)\s+)?(?:online\s+)?(?:at the same time|at once|simultaneously|concurrently|in parallel)\b`),
		usersBefore:        c(`(?:\bwe(?:'re|’re| are)|\bteam of|\bthere are|\bthere're)\s+(?:only\s+|just\s+)?$`),
		weAre:              c(`\b(?:we(?:'re|’re| are)|there are|there're)\s+(?:only\s+|just\s+)?(\d+|two|three|four|five|six|seven|eight|nine|ten)\s+(?:people|persons|of us|developers|engineers|devs)\b|\b(\d+|two|three|four|five|six)\s+of us\b`),
		throughput:         c(num + `\s*(?:(?:[a-z-]+\s+)?(requests?|req|transactions?|tx|messages?|events?|orders?|writes?|reads?|queries|calls|jobs)\s*)?(?:per\s+second|/\s?s(?:ec)?\b|a\s+second|rps|qps|tps|per\s+minute|/\s?min|a\s+minute)`),
		latency:            c(`(?:latency|response(?:\s+times?)?|respond|responses|answer(?:s|ed)?|repl(?:y|ies)|load(?:s|ing)?|render(?:s|ing)?|p9[59]|p50|page\s+loads?|round[- ]trip|appear|show up|display(?:ed)?|return(?:ed)?|complete[ds]?|finish(?:ed)?|takes?)[^.;]{0,40}?(?:under|below|less than|within|at most|<|in|of|max(?:imum)?|no more than)?\s*(\d+(?:\.\d+)?)\s*(ms|milliseconds?|seconds?|secs?|s)\b`),
		uptime:             c(`(\d{2}(?:\.\d+)?)\s*%\s*(?:uptime|availability|available|sla|of the time)|(?:uptime|availability|sla|available)\D{0,25}?(\d{2}(?:\.\d+)?)\s*%`),
		nines:              c(`\b(two|three|four|five|2|3|4|5)\s+nines\b`),
		coverage:           c(`(\d{1,3})\s*%\s*(?:(?:code|test|unit[- ]test|line|branch)\s+)?coverage|coverage\D{0,25}?(\d{1,3})\s*%`),
		dataVolume:         c(num + `\s*(kb|mb|gb|tb|pb|kilobytes?|megabytes?|gigabytes?|terabytes?|petabytes?)\b(?:\s*(?:/|per)\s*(?:s|sec|second))?`),
		records:            c(num + `(\s+(?:thousand|million|billion))?\s+(records|rows|documents|products|listings|files|images|photos|videos|transactions|orders|invoices|messages|events)\b(?:\s+(?:per|a|/)\s*(?:second|s|sec|minute|min)\b)?`),
		growth:             c(`(\d+(?:\.\d+)?)\s*%\s*(?:growth\s+)?(?:(?:per|a|each|every)\s+(month|year|quarter|week)|(monthly|yearly|annually|year[- ]over[- ]year|quarterly))`),
		doubling:           c(`\b(double|triple|grow\s+(?:\d+|ten)x|10x)\w*\s+(?:every|each|per|within a|in a)\s+(month|year|quarter)`),
		retainVerb:         c(`\b(?:keep|keeps|kept|retain|retains|retained|retention|store|stored|stores|hold|held|archive|archived|preserve|preserved)\b`),
		retainFor:          c(`\b(?:for|of)\s+(?:at least\s+|up to\s+|about\s+|a minimum of\s+)?(\d+|one|two|three|four|five|six|seven|ten|twelve|thirty|a)\s*(days?|weeks?|months?|years?)\b`),
		retainSubject:      c(`\b(?:logs?|backups?|snapshots?|records?|data|emails?|messages?|files?|documents?|invoices?|transactions?)\b`),
		dataLost:           c(`\b(\d+|one|an?)\s*(seconds?|secs?|minutes?|mins?|hours?|hrs?|days?)(?:'s|s')?\s+(?:worth\s+)?of\s+(?:data\s+|\w+\s+)?(?:lost|loss)\b|\bdata loss\b[^.;\d]{0,20}?(\d+|one|an?)\s*(seconds?|secs?|minutes?|mins?|hours?|hrs?|days?)\b`),
		rpoZero:            c(`\brpo\s*(?:of\s+|is\s+|=\s*|:\s*)?(?:zero|0|nil)\b(?:\s*(?:[,.;)]|$))|\b(?:zero|no) data loss\b`),
		rpo:                c(`\brpo\b[^.;\d]{0,25}(\d+|one|two|five|ten|fifteen|thirty|a)\s*(seconds?|secs?|minutes?|mins?|hours?|hrs?|days?)\b`),
		rto:                c(`\brto\b[^.;\d]{0,25}(\d+|one|two|three|four|five|six|eight|ten|twelve|fifteen|thirty|a|an)\s*(seconds?|minutes?|mins?|hours?|hrs?|days?)\b`),
		lose:               c(`\blos(?:e|ing|s)\b[^.;]{0,30}?(?:more than|over|up to|at most|beyond)?\s*(\d+|one|two|five|ten|fifteen|thirty|a|an)\s*(seconds?|minutes?|mins?|hours?|hrs?|days?)(?:'s|s')?\s+(?:worth\s+)?of\s+[\w-]+`),
		recover:            c(`\b(?:back\s+(?:up|online)|(?:be|are|is|get|gets)\s+back|recover(?:ed|y)?|restored?|running again|up again|operational again|come back)\b[^.;]{0,25}?(?:within|in|under|inside|after at most)\s+(\d+|one|two|three|four|five|six|eight|ten|twelve|a|an|half an?)\s*(seconds?|minutes?|mins?|hours?|hrs?|days?)\b`),
		backups:            c(`\b(hourly|daily|nightly|weekly|monthly|continuous)\s+(?:\w+\s+)?backups?\b`),
		backupEvery:        c(`\bback(?:ed)?\s*-?ups?\b[^.;]{0,20}?\bevery\s+(\d+\s*)?(minute|hour|day|night|week)s?\b`),
		budget:             c(`(?:([$€£])\s?(\d[\d,]*(?:\.\d+)?)\s*(k|m)?|(\d[\d,]*(?:\.\d+)?)\s*(k|m)?\s*(?:usd|eur|gbp|dollars|euros|pounds))\s*(?:(?:per|a|/)\s*(month|year|mo|yr)|(monthly|yearly|annually))?`),
		teamOf:             c(`\bteam\s+of\s+(\d+|one|two|three|four|five|six|seven|eight|nine|ten|twelve|twenty)\b`),
		teamN:              c(`\b(\d+|two|three|four|five|six|seven|eight|nine|ten|twelve|twenty)\s+(?:full[- ]time\s+|part[- ]time\s+|backend\s+|frontend\s+|senior\s+|junior\s+)?(?:developers|engineers|devs|programmers)\b|\b(\d+|two|three|four|five|six|seven|eight|nine|ten)[- ]person\s+team\b`),
		solo:               c(`\b(?:solo developer|only developer|one-person team|just me|i am the only (?:developer|engineer)|i'm the only (?:developer|engineer)|a single developer|one developer)\b`),
		deadlineIn:         c(`\b(?:launch|ship|release|go[- ]live|live|deliver|deadline|ready|finished|done|production|launched|available|mvp|rollout|rolled out|app store|play store|it (?:up and )?running)\b[^.;]{0,40}?\b(?:in|within|by the end of|inside)\s+(?:about\s+|around\s+|roughly\s+|approximately\s+|just\s+|under\s+|less than\s+)?(\d+|one|two|three|four|five|six|eight|nine|ten|twelve|a|a couple of)\s*(days?|weeks?|months?|years?)\b`),
		deadlineFromNow:    c(`\b(?:launch|ship|release|go[- ]live|live|deliver|deadline|ready|due|production|rollout)\b[^.;]{0,40}?\b(\d+|one|a)\s*(days?|weeks?|months?|years?)\s+from\s+(?:now|today)\b`),
		deadlineBy:         c(`\b(?:launch(?:es|ed)?|ship|release|go[- ]live|live|deliver|deadline|ready|due|done|finished|rollout|in production)\b[^.;]{0,25}?\b(?:by|before|until|no later than|on|is|for)\s+(` + dateWords + `)`),
		multiRegion:        c(`\b(multi[- ]region(?:al)?|multiple regions|several regions|many regions|(?:across|in|over) (?:\d+|two|three|four|five|several|multiple) (?:cloud )?regions|(?:[2-9]|1\d) (?:cloud |aws |azure |gcp )?regions|in every region|globally distributed|active[- ]active|multi[- ]data[- ]?cent(?:er|re))\b`),
		regionWrites:       c(`(?:\bwrit(?:e|es|ing)\b[^.;]{0,40}\b(?:every|each|any|all|multiple|several|both)\s+regions?\b|\bactive[- ]active\b|\bmulti[- ]region(?:al)?\s+writes?\b|\bmulti[- ]master\b|\bmulti[- ]primary\b|\bregions?\b[^.;]{0,40}\baccept(?:s|ing)?\s+writes\b)`),
		singleRegion:       c(`\b(single|one|1)\s+region\b`),
		longLived:          c(`(?:\b(?:long[- ]lived|persistent|long[- ]running|hour[- ]long|hours[- ]long)\s+(?:\w+\s+)?(?:connections?|sessions?|streams?|websockets?|sockets?)\b|\b(?:connections?|sessions?|streams?|websockets?|sockets?)\b[^.;]{0,40}\b(?:open|alive|connected|last(?:s|ing)?|run(?:s|ning)?)\s+for\s+(?:hours|several hours|an hour|\d+\s*hours|days|the whole day)\b)`),
		largeScope:         c(`\b(?:large scope|huge scope|big project|full[- ]featured|feature[- ]complete|complete platform|entire platform|complete (?:rewrite|replacement|rebuild)|dozens of (?:features|integrations|screens|modules|services)|hundreds of (?:features|screens|integrations)|enterprise[- ]grade|everything at once)\b`),
		atRest:             c(`\bencrypt(?:ed|ion|s)?\b[^.;]{0,30}\bat rest\b|\bat[- ]rest encryption\b|\bat rest\b[^.;]{0,20}\bencrypt(?:ed|ion|s)?\b`),
		inTransit:          c(`\bencrypt(?:ed|ion|s)?\b[^.;]{0,30}\bin transit\b|\bin[- ]transit encryption\b|\b(?:tls|https)\s+(?:everywhere|only|for all|on all|is required|required)\b|\b(?:all|every)\s+(?:traffic|connections?)\b[^.;]{0,20}\b(?:tls|https|encrypted)\b`),
		downtime:           c(`\b(\d+(?:\.\d+)?)\s*(minutes?|mins?|hours?|hrs?|seconds?)\s+(?:of\s+)?(?:downtime|outage|unavailability)(?:\s+(?:per|a|each|every|in a)\s+(month|year|quarter|week))?`),
		onCall:             c(`\b(?:24/7|24x7|24 hours a day|around the clock|round[- ]the[- ]clock)\b`),
		retainColon:        c(`\b(logs?|backups?|snapshots?|records?|data|files?|documents?|invoices?|transactions?|messages?|emails?)\s*[:=–-]\s*(\d+|one|a)\s*(days?|weeks?|months?|years?)\b`),
		deletedAfterPeriod: c(`\bafter\s+(?:the\s+|a\s+|an\s+)?(\d+)[- ](day|week|month|year)s?\s+(?:retention|storage|holding|legal)`),
		errorBudget:        c(`(?:\b(\d+(?:\.\d+)?)\s*%|\b(\d+(?:\.\d+)?)\s*(minutes?|mins?|hours?|seconds?)\b(?:\s+of\s+\w+)?(?:\s+(?:per|a|each|every)\s+(month|year|quarter|week))?)`),
		deletion:           c(`\b(?:delet|eras|purg|destroy|wip|rotat|discard)\w*\b[^.;]{0,40}?\b(?:after|within|in|once)\s+(\d+|one|two|three|six|seven|ten|twelve|thirty|a)\s*(days?|weeks?|months?|years?)\b|\b(?:delet|eras|purg|destroy|wip)\w*\s+(\d+|one|two|three|six|seven|ten|thirty|a)\s*(days?|weeks?|months?|years?)\s+after\b`),
		testKinds:          c(`\b(unit|integration|end[- ]to[- ]end|e2e|load|performance|contract|smoke|regression|acceptance)\s+tests?\b`),
	}
}

func amount(s string) (float64, bool) {
	return parseAmount(strings.TrimSpace(s))
}

// quantities finds quantities with units and fixed phrases in a sentence.
func (p patterns) quantities(s sentence, in ExtractInput) []Extracted {
	var out []Extracted
	add := func(cat models.SpecCategory, key, value string, conf float64) {
		out = append(out, Extracted{Category: cat, Key: key, Value: value, Confidence: conf, Reasoning: "Stated in: \"" + snippet(s.text) + "\""})
	}
	c := s.confidence
	t := s.text
	// at is the confidence of a mention: the hedging of its own clause, so
	// that "15,000 customers in year one, maybe 100k by year three" keeps
	// the first number.
	// A sentence without hedging has one confidence; a very long one is
	// read as a whole, which keeps this linear in the answer's length.
	clauses := len(t) <= clauseScanLimit && (c < 1 || s.undecided || deferred.MatchString(t))
	at := func(mention string) float64 {
		if !clauses {
			return c
		}
		if i := strings.Index(t, mention); i >= 0 && mention != "" {
			return confidenceAt(s, i, i+len(mention))
		}
		return c
	}

	for _, loc := range p.users.FindAllStringSubmatchIndex(t, -1) {
		m := submatches(t, loc)
		n, ok := amount(m[1] + m[2])
		if !ok || n < 1 {
			continue
		}
		before := t[max(0, loc[2]-40):loc[2]]
		if p.usersBefore.MatchString(before) {
			// "we're 3 people" is the team.
			continue
		}
		active := strings.ToLower(m[3] + m[5] + m[6])
		key := "expected_users"
		switch {
		case m[4] != "" || p.atOnce.MatchString(t[loc[1]:clauseEnd(t, loc[1])]):
			key = "concurrent_users"
		case active == "daily" || active == "dau":
			key = "daily_active_users"
		case active == "monthly" || active == "mau":
			key = "monthly_active_users"
		case active != "":
			key = "weekly_active_users"
		}
		v := formatNumber(n)
		if r := p.rangeBefore.FindStringSubmatch(before); r != nil {
			// "between 20k and 50k viewers" is a range.
			if low, ok := amount(r[1]); ok && low < n {
				v = formatNumber(low) + "-" + v
			}
		}
		add(models.SpecCategoryScalability, key, v, at(m[0]))
	}
	// "thirty thousand at the same time" names no one but counts users.
	for _, loc := range numAt.FindAllStringSubmatchIndex(t, -1) {
		if !p.atOnce.MatchString(t[loc[1]:clauseEnd(t, loc[1])]) {
			continue
		}
		if n, ok := amount(t[loc[2]:loc[3]]); ok && n >= 2 {
			add(models.SpecCategoryScalability, "concurrent_users", formatNumber(n), at(t[loc[0]:loc[1]]))
		}
	}
	for _, m := range p.throughput.FindAllStringSubmatch(t, -1) {
		n, ok := amount(m[1])
		if !ok || n <= 0 {
			continue
		}
		unit := "requests"
		if m[2] != "" {
			unit = strings.ToLower(m[2])
			if !strings.HasSuffix(unit, "s") {
				unit += "s"
			}
		}
		per := "/s"
		if strings.Contains(strings.ToLower(m[0]), "min") {
			per = "/min"
		}
		add(models.SpecCategoryPerformance, "throughput", formatNumber(n)+" "+unit+per, at(m[0]))
	}
	if !strings.Contains(s.lower, "rpo") && !strings.Contains(s.lower, "rto") && !strings.Contains(s.lower, "recover") {
		for _, m := range p.latency.FindAllStringSubmatch(t, -1) {
			n, ok := amount(m[1])
			if !ok {
				continue
			}
			if u := strings.ToLower(m[2]); !strings.HasPrefix(u, "m") {
				n *= 1000
			}
			add(models.SpecCategoryPerformance, "latency_target", formatNumber(n)+" ms", at(m[0]))
		}
	}
	for _, m := range p.uptime.FindAllStringSubmatch(t, -1) {
		v := m[1]
		if v == "" {
			v = m[2]
		}
		add(models.SpecCategoryPerformance, "uptime_target", v+"%", at(m[0]))
	}
	for _, m := range p.nines.FindAllStringSubmatch(t, -1) {
		nines := map[string]string{"two": "99", "three": "99.9", "four": "99.99", "five": "99.999", "2": "99", "3": "99.9", "4": "99.99", "5": "99.999"}[strings.ToLower(m[1])]
		add(models.SpecCategoryPerformance, "uptime_target", nines+"%", at(m[0]))
	}
	for _, m := range p.coverage.FindAllStringSubmatch(t, -1) {
		v := m[1]
		if v == "" {
			v = m[2]
		}
		add(models.SpecCategoryTesting, "coverage_target", v+"%", at(m[0]))
	}
	if !strings.Contains(s.lower, "memory") && !strings.Contains(s.lower, "ram") {
		for _, loc := range p.dataVolume.FindAllStringSubmatchIndex(t, -1) {
			m := submatches(t, loc)
			if strings.Contains(m[0], "/") || strings.Contains(strings.ToLower(m[0]), "per") || ratePeriod.MatchString(t[loc[1]:]) {
				continue
			}
			n, ok := amount(m[1])
			if !ok {
				continue
			}
			add(models.SpecCategoryScalability, "data_volume", formatNumber(n)+" "+strings.ToUpper(unitAbbrev(m[2])), at(m[0]))
		}
	}
	for _, m := range p.records.FindAllStringSubmatch(t, -1) {
		if strings.Contains(strings.ToLower(m[0]), "per") || strings.Contains(m[0], "/") || strings.HasSuffix(strings.ToLower(m[0]), " a second") || strings.HasSuffix(strings.ToLower(m[0]), " a minute") {
			continue
		}
		n, ok := amount(m[1] + m[2])
		if !ok || n < 1000 {
			continue
		}
		add(models.SpecCategoryScalability, "record_count", formatNumber(n)+" "+strings.ToLower(m[3]), at(m[0]))
	}
	for _, m := range p.growth.FindAllStringSubmatch(t, -1) {
		period := strings.ToLower(m[2])
		switch strings.ToLower(m[3]) {
		case "monthly":
			period = "month"
		case "quarterly":
			period = "quarter"
		case "":
		default:
			period = "year"
		}
		add(models.SpecCategoryScalability, "growth_rate", m[1]+"% per "+period, at(m[0]))
	}
	for _, m := range p.doubling.FindAllStringSubmatch(t, -1) {
		factor := map[string]string{"double": "2x", "triple": "3x"}[strings.ToLower(m[1])]
		if factor == "" {
			factor = "10x"
		}
		add(models.SpecCategoryScalability, "growth_rate", factor+" per "+strings.ToLower(m[2]), at(m[0]))
	}
	if p.retainVerb.MatchString(t) {
		for _, loc := range p.retainFor.FindAllStringSubmatchIndex(t, -1) {
			n, ok := amount(t[loc[2]:loc[3]])
			mins, unit, uok := durationUnit(t[loc[4]:loc[5]])
			if !ok || !uok || mins <= 0 {
				continue
			}
			// The subject is the last data noun of the clause before the period.
			clause := strings.ToLower(t[:loc[0]])
			if i := strings.LastIndexAny(clause, ",;"); i >= 0 {
				clause = clause[i+1:]
			}
			key := "retention_period"
			switch subject := p.retainSubject.FindAllString(clause, -1); {
			case len(subject) > 0 && strings.HasPrefix(subject[len(subject)-1], "log"):
				key = "log_retention"
			case len(subject) > 0 && (strings.HasPrefix(subject[len(subject)-1], "backup") || strings.HasPrefix(subject[len(subject)-1], "snapshot")):
				key = "backup_retention"
			case len(subject) == 0 && strings.Contains(s.lower, "backup"):
				key = "backup_retention"
			case len(subject) == 0 && strings.Contains(s.lower, " logs"):
				key = "log_retention"
			}
			add(models.SpecCategoryDataRetention, key, formatDuration(n, unit), at(t[loc[0]:loc[1]]))
		}
	}
	for _, m := range p.retainColon.FindAllStringSubmatch(t, -1) {
		n, ok := amount(m[2])
		_, unit, uok := durationUnit(m[3])
		if ok && uok {
			add(models.SpecCategoryDataRetention, retentionKey(m[1], "retention_period"), formatDuration(n, unit), at(m[0]))
		}
	}
	if !strings.Contains(s.lower, "error budget") {
		for _, m := range p.downtime.FindAllStringSubmatch(t, -1) {
			n, ok := amount(m[1])
			_, unit, uok := durationUnit(m[2])
			if ok && uok {
				v := formatDuration(n, unit)
				if m[3] != "" {
					v += " per " + strings.ToLower(m[3])
				}
				add(models.SpecCategoryPerformance, "error_budget", v, at(m[0]))
			}
		}
	}
	// An error budget is the first small percentage or duration of a
	// sentence that names one.
	for _, m := range p.errorBudget.FindAllStringSubmatch(t, -1) {
		if !strings.Contains(s.lower, "error budget") {
			break
		}
		if n, ok := amount(m[1]); ok && n > 10 {
			continue
		}
		switch {
		case m[1] != "":
			add(models.SpecCategoryPerformance, "error_budget", m[1]+"%", at(m[0]))
		case m[2] != "":
			n, ok := amount(m[2])
			_, unit, uok := durationUnit(m[3])
			if ok && uok {
				v := formatDuration(n, unit)
				if m[4] != "" {
					v += " per " + strings.ToLower(m[4])
				}
				add(models.SpecCategoryPerformance, "error_budget", v, at(m[0]))
			}
		}
		break
	}
	for _, loc := range p.deletion.FindAllStringSubmatchIndex(t, -1) {
		m := submatches(t, loc)
		w, u := m[1]+m[3], m[2]+m[4]
		n, ok := amount(w)
		_, unit, uok := durationUnit(u)
		if !ok || !uok {
			continue
		}
		// Logs and backups deleted after a while are kept that long.
		key := "deletion_policy"
		if subject := p.retainSubject.FindAllString(strings.ToLower(t[max(0, loc[0]-60):loc[0]]), -1); len(subject) > 0 {
			key = retentionKey(subject[len(subject)-1], key)
		}
		if key == "deletion_policy" && strings.HasPrefix(strings.ToLower(m[0]), "rotat") {
			continue
		}
		add(models.SpecCategoryDataRetention, key, formatDuration(n, unit), at(m[0]))
	}
	if strings.Contains(s.lower, "delet") || strings.Contains(s.lower, "purge") || strings.Contains(s.lower, "erase") {
		for _, m := range p.deletedAfterPeriod.FindAllStringSubmatch(t, -1) {
			n, ok := amount(m[1])
			_, unit, uok := durationUnit(m[2])
			if ok && uok {
				add(models.SpecCategoryDataRetention, "deletion_policy", formatDuration(n, unit), at(m[0]))
			}
		}
	}
	duration := func(re *regexp.Regexp, key string) {
		for _, m := range re.FindAllStringSubmatch(t, -1) {
			w := strings.ToLower(m[1])
			n, ok := amount(w)
			if strings.HasPrefix(w, "half") {
				n, ok = 0.5, true
			}
			_, unit, uok := durationUnit(m[2])
			if ok && uok {
				add(models.SpecCategoryDisasterRecovery, key, formatDuration(n, unit), at(m[0]))
			}
		}
	}
	if p.rpoZero.MatchString(t) {
		add(models.SpecCategoryDisasterRecovery, "rpo", "0", c)
	}
	duration(p.rpo, "rpo")
	for _, m := range p.dataLost.FindAllStringSubmatch(t, -1) {
		n, ok := amount(m[1] + m[3])
		_, unit, uok := durationUnit(m[2] + m[4])
		if ok && uok {
			add(models.SpecCategoryDisasterRecovery, "rpo", formatDuration(n, unit), at(m[0]))
		}
	}
	duration(p.lose, "rpo")
	duration(p.rto, "rto")
	if !strings.Contains(s.lower, "rto") {
		duration(p.recover, "rto")
	}
	for _, m := range p.backups.FindAllStringSubmatch(t, -1) {
		v := strings.ToLower(m[1])
		if v == "nightly" {
			v = "daily"
		}
		add(models.SpecCategoryDisasterRecovery, "backup_frequency", v, at(m[0]))
	}
	for _, m := range p.backupEvery.FindAllStringSubmatch(t, -1) {
		unit := strings.ToLower(m[2])
		v := map[string]string{"minute": "every minute", "hour": "hourly", "day": "daily", "night": "daily", "week": "weekly"}[unit]
		if n := strings.TrimSpace(m[1]); n != "" {
			v = "every " + n + " " + unit + "s"
		}
		add(models.SpecCategoryDisasterRecovery, "backup_frequency", v, at(m[0]))
	}
	if in.QuestionKey == "budget" || budgetWords.MatchString(s.lower) {
		for _, m := range p.budget.FindAllStringSubmatch(t, -1) {
			raw, mult := m[2], m[3]
			cur := m[1]
			if raw == "" {
				raw, mult, cur = m[4], m[5], currencyOf(m[0])
			}
			n, ok := amount(raw + mult)
			if !ok || n <= 0 {
				continue
			}
			period := strings.ToLower(m[6] + m[7])
			v := cur + formatNumber(n)
			switch {
			case strings.HasPrefix(period, "mo"):
				v += " per month"
			case strings.HasPrefix(period, "y"), strings.HasPrefix(period, "annual"):
				v += " per year"
			}
			add(models.SpecCategoryGoals, "budget", v, at(m[0]))
		}
	}
	team := ""
	if m := p.teamOf.FindStringSubmatch(t); m != nil {
		team = m[1]
	} else if m := p.teamN.FindStringSubmatch(t); m != nil {
		team = m[1] + m[2]
	} else if m := p.weAre.FindStringSubmatch(t); m != nil {
		team = m[1] + m[2]
	} else if p.solo.MatchString(t) {
		team = "1"
	}
	if team != "" {
		if n, ok := amount(team); ok {
			add(models.SpecCategoryGoals, "team_size", formatNumber(n), c)
		}
	}
	for _, m := range p.deadlineIn.FindAllStringSubmatch(t, -1) {
		w := strings.ToLower(m[1])
		if w == "a couple of" {
			w = "2"
		}
		n, ok := amount(w)
		_, unit, uok := durationUnit(m[2])
		if ok && uok {
			add(models.SpecCategoryGoals, "deadline", formatDuration(n, unit), at(m[0]))
		}
	}
	for _, m := range p.deadlineFromNow.FindAllStringSubmatch(t, -1) {
		n, ok := amount(m[1])
		_, unit, uok := durationUnit(m[2])
		if ok && uok {
			add(models.SpecCategoryGoals, "deadline", formatDuration(n, unit), at(m[0]))
		}
	}
	for _, m := range p.deadlineBy.FindAllStringSubmatch(t, -1) {
		add(models.SpecCategoryGoals, "deadline", "by "+m[1], at(m[0]))
	}
	if p.regionWrites.MatchString(t) {
		add(models.SpecCategoryScalability, "multi_region_writes", "required", c)
		add(models.SpecCategoryScalability, "deployment_regions", "multi-region", c)
	} else if p.multiRegion.MatchString(t) && !negated.MatchString(t[:p.multiRegion.FindStringIndex(t)[0]]) {
		add(models.SpecCategoryScalability, "deployment_regions", "multi-region", c)
	} else if p.singleRegion.MatchString(t) && !deployedIn.MatchString(t) {
		add(models.SpecCategoryScalability, "deployment_regions", "single region", c)
	}
	if p.onCall.MatchString(t) && onCallWords.MatchString(t) {
		add(models.SpecCategoryMonitoring, "alerting", "24/7 on-call", c)
	}
	if p.longLived.MatchString(t) {
		add(models.SpecCategoryTechStack, "connection_model", "long-lived connections (hours)", c)
	}
	if p.largeScope.MatchString(t) {
		add(models.SpecCategoryGoals, "project_scope", "large", c)
	}
	for _, m := range p.testKinds.FindAllStringSubmatch(t, -1) {
		if negated.MatchString(t[:strings.Index(t, m[0])]) {
			continue
		}
		kind := strings.ToLower(m[1])
		kind = strings.NewReplacer("end-to-end", "e2e", "end to end", "e2e").Replace(kind)
		add(models.SpecCategoryTesting, kind+"_testing", "required", at(m[0]))
	}
	return out
}

// clauseScanLimit is the longest sentence whose quantities are weighed
// clause by clause.
const clauseScanLimit = 2000

// submatches returns the text of each group of a submatch index slice.
func submatches(s string, loc []int) []string {
	out := make([]string, len(loc)/2)
	for i := range out {
		if loc[2*i] >= 0 {
			out[i] = s[loc[2*i]:loc[2*i+1]]
		}
	}
	return out
}

// retentionKey is the retention key for what is kept: logs, backups, or
// other data (def).
func retentionKey(subject, def string) string {
	subject = strings.ToLower(subject)
	switch {
	case strings.HasPrefix(subject, "log"):
		return "log_retention"
	case strings.HasPrefix(subject, "backup"), strings.HasPrefix(subject, "snapshot"):
		return "backup_retention"
	}
	return def
}

var (
	// numAt is a bare number, for the counts that name no noun.
	numAt = regexp.MustCompile(`(?i)(\b\d[\d,]*(?:\.\d+)?\s*(?:k|m)?\b)`)
	// ratePeriod follows a quantity that is a rate, not a volume.
	ratePeriod = regexp.MustCompile(`(?i)^\s*(?:a|an|per|each|every)\s+(?:second|minute|hour)\b`)
	// budgetWords say that an amount of money is what the project has.
	budgetWords = regexp.MustCompile(`\b(?:budget\w*|spend\w*|afford\w*|costs?|funding|funded|grant|money|capex|opex)\b`)
	// onCallWords make round-the-clock wording an on-call rule.
	onCallWords = regexp.MustCompile(`(?i)\b(?:on[- ]call|pag(?:e|es|ed|ing)|pagerduty|opsgenie|incidents?|respond\w*|support)\b`)
)

func unitAbbrev(u string) string {
	u = strings.ToLower(u)
	switch {
	case strings.HasPrefix(u, "kilo"):
		return "KB"
	case strings.HasPrefix(u, "mega"):
		return "MB"
	case strings.HasPrefix(u, "giga"):
		return "GB"
	case strings.HasPrefix(u, "tera"):
		return "TB"
	case strings.HasPrefix(u, "peta"):
		return "PB"
	}
	return u
}

var (
	bareUptime   = regexp.MustCompile(`\b(9\d(?:\.\d+)?)\s*%`)
	barePercent  = regexp.MustCompile(`\b(\d{1,3}(?:\.\d+)?)\s*%`)
	bareLatency  = regexp.MustCompile(`(?i)\b(\d+(?:\.\d+)?)\s*(ms|milliseconds?|seconds?|secs?)\b`)
	bareDuration = regexp.MustCompile(`(?i)\b(\d+(?:\.\d+)?)\s*(minutes?|mins?|hours?|hrs?|days?|weeks?|months?|years?)\b`)
)

// answerQuantity reads the quantity a question asks for from an answer
// that gives it bare ("Ninety-nine point nine five percent.", "Fifteen
// minutes."), when no rule found it with its context. The sentences are
// the answer's, numbers in digits.
func answerQuantity(in ExtractInput, sentences []sentence) (Extracted, bool) {
	key := in.QuestionKey
	for _, s := range sentences {
		value := ""
		t := s.text
		switch key {
		case "uptime_target":
			if m := bareUptime.FindStringSubmatch(t); m != nil {
				value = m[1] + "%"
			}
		case "coverage_target":
			if m := barePercent.FindStringSubmatch(t); m != nil {
				if n, ok := amount(m[1]); ok && n <= 100 {
					value = m[1] + "%"
				}
			}
		case "latency_target":
			if m := bareLatency.FindStringSubmatch(t); m != nil {
				n, _ := amount(m[1])
				if u := strings.ToLower(m[2]); !strings.HasPrefix(u, "m") {
					n *= 1000
				}
				value = formatNumber(n) + " ms"
			}
		case "rpo", "rto", "retention_period", "log_retention", "backup_retention", "deletion_policy", "error_budget", "deadline":
			if m := bareDuration.FindStringSubmatch(t); m != nil {
				n, ok := amount(m[1])
				_, unit, uok := durationUnit(m[2])
				if ok && uok {
					value = formatDuration(n, unit)
				}
			}
		default:
			return Extracted{}, false
		}
		if value != "" {
			return Extracted{Category: in.QuestionCategory, Key: key, Value: value, Confidence: s.confidence,
				Reasoning: "The answer to a question about " + strings.ReplaceAll(key, "_", " ") + ": \"" + snippet(s.text) + "\""}, true
		}
	}
	return Extracted{}, false
}

// currencyOf is the symbol of the currency an amount names in words.
func currencyOf(amount string) string {
	lower := strings.ToLower(amount)
	switch {
	case strings.Contains(lower, "eur"):
		return "€"
	case strings.Contains(lower, "pound"), strings.Contains(lower, "gbp"):
		return "£"
	}
	return "$"
}
