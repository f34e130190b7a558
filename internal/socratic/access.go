package socratic

import (
	"regexp"
	"sort"
	"strings"
	"unicode/utf8"

	"socrates/models"
)

// This file holds the security rules that are not a dictionary of
// products: roles and permissions, passwords and their policy, encryption
// in transit and at rest, and where data must stay or the system runs.

// roleNames are the role names recognised in answers about access, in
// the singular, longest first where one contains another.
var roleNames = []string{"support agent", "super admin", "team lead", "account manager", "account owner", "case manager", "store manager",
	"line manager", "fleet manager", "administrator", "admin", "manager",
	"employee", "editor", "viewer", "guest", "moderator", "auditor", "supervisor", "caseworker", "operator", "owner", "member",
	"agent", "dispatcher", "reviewer", "approver", "requester", "author", "contributor", "analyst", "accountant", "clerk", "technician",
	"doctor", "nurse", "teacher", "instructor", "superuser", "receptionist", "pharmacist", "physician", "clinician", "therapist",
	"customer", "seller", "buyer", "vendor", "merchant", "driver", "courier", "inspector", "officer", "publisher", "subscriber",
	"creator", "student", "parent", "coach", "organizer", "organiser", "host", "volunteer", "contractor", "partner", "tenant", "landlord",
	"patient", "engineer", "developer", "maintainer", "owner"}

var roleMention = regexp.MustCompile(`(?i)\b(` + strings.Join(roleNames, "|") + `)s?\b`)

// roleList is an explicit list of roles: "three roles: admin, manager and
// employee", "roles are admin and viewer".
var roleList = regexp.MustCompile(`(?i)(?:\broles?\b|\buser (?:types|groups|levels)\b|\b(?:types|kinds|groups) of users?\b|\bpersonas\b)[^.:;]{0,30}?(?::|\bare\b|\binclude\b|\bincluding\b)\s*([^.;]+)`)

var listSep = regexp.MustCompile(`(?i)\s*(?:,|\band\b|\bor\b|&)\s*`)

// accessContext says an answer is about who may do what.
var accessContext = regexp.MustCompile(`(?i)\broles?\b|\buser (?:types|groups|levels)\b|\bpermissions?\b|\b(?:read|view)[- ]only\b|\bonly (?:` + strings.Join(roleNames, "|") + `)s? (?:can|may)\b`)

// permissionAfter is what follows a role when the answer says what it may
// do: "can approve refunds", "have read-only access", "publish articles".
var permissionAfter = regexp.MustCompile(`(?i)^\s+(?:who\s+|that\s+)?(?:(?:can|may|are allowed to|is allowed to|should be able to|must be able to|will be able to)\s+([^,;:]+)|(?:have|has|get|gets)\s+((?:read|view)[- ]only|full|write|edit|admin)\b[^,;:]*|((?:just\s+|only\s+)?(?:` + permissionVerbs + `)(?:s|es)?\b[^,;:]*))`)

// permissionVerbs are what a role is said to do: "clerks enter the cases",
// "operators just watch the readings".
const permissionVerbs = `see|view|publish|edit|approve|manage|create|delete|read|moderate|assign|invite|configure|enter|submit|update|change|upload|` +
	`download|export|import|book|cancel|refund|review|comment|post|write|sign|prescribe|watch|monitor|reject|run|schedule|dispatch|close|open|` +
	`escalate|handle|process|issue|verify|audit|access|order|buy|sell|list|track|report|request|pay|transfer|control|operate|maintain|install|` +
	`inspect|record|log|add|remove|modify|set|enrol|enroll|grade|teach|answer|respond|resolve|triage|upload|invoice|check|file|raise|own|administer`

var readOnly = regexp.MustCompile(`(?i)\b(?:read|view)[- ]only\b|^(?:see|sees|view|views|read|reads) (?:everything|all|anything)\b.*\bbut (?:cannot|can't|can not|not|never) (?:edit|change|modify|write)`)

var accessQuestions = map[string]bool{"user_roles": true, "authorization": true, "roles": true, "permissions": true, "access_control": true}

// singularRole returns the dictionary form of a role mention.
func singularRole(r string) string {
	r = strings.ToLower(strings.Join(strings.Fields(r), " "))
	if strings.HasSuffix(r, "s") && roleMention.MatchString(r) {
		for _, n := range roleNames {
			if n == strings.TrimSuffix(r, "s") {
				return n
			}
		}
	}
	return r
}

// roles finds the roles an answer names and what each may do, when the
// answer is about access: a question about roles, the word "role", or a
// permission ("only admins can…", "read-only").
func rolesIn(in ExtractInput, sentences []sentence) []Extracted {
	if !accessQuestions[in.QuestionKey] && !accessContext.MatchString(in.Text) {
		return nil
	}
	var out []Extracted
	var names []string
	seen := map[string]bool{}
	conf := 1.0
	var at float64
	addName := func(n string) {
		if n != "" && !seen[n] && len(strings.Fields(n)) <= 3 && at >= minConfidence {
			seen[n] = true
			names = append(names, n)
			// The list is as sure as the least sure sentence naming one.
			conf = min(conf, at)
		}
	}
	for _, s := range sentences {
		at = s.confidence
		if m := roleList.FindStringSubmatch(s.text); m != nil {
			for _, item := range listSep.Split(m[1], -1) {
				item = strings.TrimSpace(strings.TrimPrefix(strings.TrimPrefix(strings.ToLower(item), "a "), "an "))
				addName(singularRole(item))
			}
		}
		for _, loc := range roleMention.FindAllStringSubmatchIndex(s.text, -1) {
			role := singularRole(s.text[loc[2]:loc[3]])
			addName(role)
			pm := permissionAfter.FindStringSubmatch(s.text[loc[1]:clauseEnd(s.text, loc[1])])
			if pm == nil || isNegated(s.text, loc[0], loc[1]) {
				continue
			}
			phrase := strings.TrimSpace(pm[1] + pm[2] + pm[3])
			if readOnly.MatchString(phrase) {
				phrase = "read only"
			}
			if i := strings.Index(strings.ToLower(phrase), " but "); i > 0 {
				phrase = phrase[:i]
			}
			// "clerks enter the cases and supervisors sign them off": the
			// next role starts another permission.
			if next := roleMention.FindStringIndex(phrase); next != nil && next[0] > 0 {
				phrase = strings.TrimRight(strings.TrimSuffix(strings.TrimSpace(phrase[:next[0]]), " and"), " ,")
				phrase = strings.TrimSuffix(strings.TrimSuffix(phrase, " and"), " or")
			}
			phrase = strings.ToLower(phrase)
			for _, w := range []string{"only ", "just ", "also "} {
				phrase = strings.TrimSpace(strings.TrimPrefix(phrase, w))
			}
			if phrase == "" {
				continue
			}
			out = append(out, Extracted{Category: models.SpecCategorySecurity, Key: "permission_" + strings.ReplaceAll(role, " ", "_"), Value: phrase,
				Confidence: confidenceAt(s, loc[0], loc[1]), Reasoning: "A permission stated in: \"" + snippet(s.text) + "\""})
		}
	}
	if len(names) >= 2 {
		out = append([]Extracted{{Category: models.SpecCategorySecurity, Key: "roles", Value: strings.Join(names, ", "), Confidence: conf,
			Reasoning: "The roles the answer names."}}, out...)
	}
	return out
}

var (
	password       = regexp.MustCompile(`(?i)\bpasswords?\b`)
	passwordLength = regexp.MustCompile(`(?i)\b(?:passwords?|password length|passphrases?)\b[^.;]{0,40}?\b(?:at least|minimum(?: of)?|min\.?|no fewer than|no less than|of|is)\s*(\d+)\s*(?:characters|chars|character)\b`)
	passwordRotate = regexp.MustCompile(`(?i)\bpasswords?\b[^.;]{0,30}?\b(?:expire|expires|rotated|rotate|changed|change|reset)\b[^.;]{0,15}?\bevery\s+(\d+)\s*(days?|weeks?|months?)\b`)
	bareLength     = regexp.MustCompile(`(?i)\b(?:at least|minimum(?: of)?|min\.?|no fewer than|no less than)\s*(\d+)\s*(?:characters|chars|character)\b`)
	tlsVersion     = regexp.MustCompile(`(?i)(\b(?:at least|minimum(?: of)?)\s+)?\btls\s*v?(1\.[0-3])(\s*\+|\s+or (?:higher|above|later|newer|better)|\s+and (?:above|higher|up)|\s+(?:minimum|min|at minimum|at least)\b)?`)
	overTLS        = regexp.MustCompile(`(?i)\b(?:over|via|uses?|using|with|enforce[sd]?) (?:tls|https|ssl)\b`)
	aes            = regexp.MustCompile(`(?i)\baes[- ]?(128|192|256)\b`)
)

// access finds, in one sentence, authentication by password, the password
// policy, encryption and where data must stay or the system runs.
func (e *Extractor) access(s sentence, in ExtractInput) []Extracted {
	var out []Extracted
	add := func(key, value string, start, end int) {
		out = append(out, Extracted{Category: models.SpecCategorySecurity, Key: key, Value: value,
			Confidence: confidenceAt(s, start, end), Reasoning: "Stated in: \"" + snippet(s.text) + "\""})
	}
	t := s.text
	for _, loc := range password.FindAllStringIndex(t, -1) {
		if !isNegated(t, loc[0], loc[1]) && !strings.Contains(strings.ToLower(t[loc[1]:min(len(t), loc[1]+9)]), " manager") {
			add("auth_password", "Password", loc[0], loc[1])
			break
		}
	}
	if m := passwordLength.FindStringSubmatchIndex(t); m != nil {
		add("password_policy", "at least "+t[m[2]:m[3]]+" characters", m[0], m[1])
	} else if m := bareLength.FindStringSubmatchIndex(t); m != nil && in.QuestionKey == "password_policy" {
		// "Minimum 10 characters." answers a question about passwords.
		add("password_policy", "at least "+t[m[2]:m[3]]+" characters", m[0], m[1])
	}
	if m := passwordRotate.FindStringSubmatchIndex(t); m != nil {
		add("password_policy", "rotated every "+t[m[2]:m[3]]+" "+strings.ToLower(t[m[4]:m[5]]), m[0], m[1])
	}
	p := e.patterns
	if m := tlsVersion.FindStringSubmatchIndex(t); m != nil {
		v := "TLS " + t[m[4]:m[5]]
		if m[2] >= 0 || m[6] >= 0 {
			v += "+"
		}
		add("encryption_in_transit", v, m[0], m[1])
	} else if loc := p.inTransit.FindStringIndex(t); loc != nil {
		add("encryption_in_transit", "required", loc[0], loc[1])
	} else if loc := overTLS.FindStringIndex(t); loc != nil {
		add("encryption_in_transit", "required", loc[0], loc[1])
	}
	if m := aes.FindStringSubmatchIndex(t); m != nil {
		add("encryption_at_rest", "AES-"+t[m[2]:m[3]], m[0], m[1])
	} else if loc := p.atRest.FindStringIndex(t); loc != nil {
		add("encryption_at_rest", "required", loc[0], loc[1])
	}
	if m := sensitiveData.FindStringSubmatchIndex(t); m != nil && !isNegated(t, m[0], m[1]) {
		add("sensitive_data", strings.ToLower(t[m[2]:m[3]]), m[0], m[1])
	}
	resident := map[string]bool{}
	for _, m := range residency.FindAllStringSubmatchIndex(t, -1) {
		at := lastGroup(m)
		pl, ok := placeOf(t[m[at]:m[at+1]])
		if !ok {
			continue
		}
		resident[strings.ToLower(t[m[at]:m[at+1]])] = true
		add("data_residency", pl.label, m[0], m[1])
	}
	for _, m := range deployedIn.FindAllStringSubmatchIndex(t, -1) {
		at := lastGroup(m)
		where := t[m[at]:m[at+1]]
		if resident[strings.ToLower(where)] || isNegated(t, m[at], m[at+1]) {
			continue
		}
		out = append(out, Extracted{Category: models.SpecCategoryScalability, Key: "deployment_regions", Value: where,
			Confidence: confidenceAt(s, m[0], m[1]), Reasoning: "Stated in: \"" + snippet(t) + "\""})
	}
	return out
}

// sensitiveData is data of a sensitive kind the system keeps or handles.
var sensitiveData = regexp.MustCompile(`(?i)\b(?:store|stores|stored|storing|process|processes|processed|processing|handle|handles|handled|handling|hold|holds|collect|collects|collected|keep|keeps|involves?|involved)\s+(?:\w+\s+){0,2}?((?:payment |credit |debit )?cards|(?:payment |credit |debit )?card (?:data|numbers|details)|cardholder data|(?:protected |personal )?health (?:data|information|records)|medical (?:records|data)|patient (?:data|records|information)|biometric (?:data|information)|social security numbers|national id numbers|passport (?:numbers|data)|(?:children's|minors') data|criminal records)\b`)

// clauseEnd bounds what is read after a mention to clauseReach bytes, so
// that reading stays linear in the length of an answer.
func clauseEnd(s string, at int) int {
	to := min(len(s), at+clauseReach)
	for to < len(s) && !utf8.RuneStart(s[to]) {
		to++
	}
	return to
}

// lastGroup returns the index in a submatch index slice of the last
// group that matched.
func lastGroup(m []int) int {
	for i := len(m) - 2; i >= 2; i -= 2 {
		if m[i] >= 0 {
			return i
		}
	}
	return 0
}

// place is a location an answer can name: its label, the country it is
// in ("" for a region of several) and whether it is in the EU.
type place struct {
	label, country string
	eu             bool
}

var euCountries = []string{"Germany", "France", "Ireland", "Netherlands", "Sweden", "Finland", "Spain", "Italy", "Poland",
	"Austria", "Belgium", "Denmark", "Portugal", "Czechia", "Luxembourg"}

// places maps the spellings of locations, in lower case, to places.
var places = func() map[string]place {
	out := map[string]place{
		"eu": {"EU", "", true}, "european union": {"EU", "", true}, "europe": {"EU", "", true}, "eea": {"EU", "", true},
		"us": {"US", "US", false}, "usa": {"US", "US", false}, "united states": {"US", "US", false}, "america": {"US", "US", false},
		"uk": {"UK", "UK", false}, "united kingdom": {"UK", "UK", false}, "britain": {"UK", "UK", false},
		"canada": {"Canada", "Canada", false}, "australia": {"Australia", "Australia", false}, "switzerland": {"Switzerland", "Switzerland", false},
		"india": {"India", "India", false}, "japan": {"Japan", "Japan", false}, "singapore": {"Singapore", "Singapore", false}, "brazil": {"Brazil", "Brazil", false},
		"frankfurt": {"Frankfurt", "Germany", true}, "dublin": {"Dublin", "Ireland", true}, "paris": {"Paris", "France", true},
		"stockholm": {"Stockholm", "Sweden", true}, "milan": {"Milan", "Italy", true}, "amsterdam": {"Amsterdam", "Netherlands", true},
		"london": {"London", "UK", false}, "zurich": {"Zurich", "Switzerland", false}, "virginia": {"Virginia", "US", false},
		"ohio": {"Ohio", "US", false}, "oregon": {"Oregon", "US", false}, "california": {"California", "US", false},
		"sydney": {"Sydney", "Australia", false}, "tokyo": {"Tokyo", "Japan", false}, "mumbai": {"Mumbai", "India", false},
		"montreal": {"Montreal", "Canada", false}, "toronto": {"Toronto", "Canada", false},
		"eu-central-1": {"eu-central-1", "Germany", true}, "eu-west-1": {"eu-west-1", "Ireland", true}, "eu-west-2": {"eu-west-2", "UK", false},
		"eu-west-3": {"eu-west-3", "France", true}, "eu-north-1": {"eu-north-1", "Sweden", true}, "eu-south-1": {"eu-south-1", "Italy", true},
		"eu-central-2": {"eu-central-2", "Switzerland", false}, "ca-central-1": {"ca-central-1", "Canada", false},
		"ap-southeast-2": {"ap-southeast-2", "Australia", false}, "ap-northeast-1": {"ap-northeast-1", "Japan", false},
		"ap-south-1": {"ap-south-1", "India", false}, "ap-southeast-1": {"ap-southeast-1", "Singapore", false},
		"europe-west3": {"europe-west3", "Germany", true}, "europe-west1": {"europe-west1", "Belgium", true}, "europe-west4": {"europe-west4", "Netherlands", true},
	}
	for _, c := range euCountries {
		out[strings.ToLower(c)] = place{c, c, true}
	}
	return out
}()

// regionCode is a cloud region code the gazetteer may not list.
var regionCode = regexp.MustCompile(`(?i)^(us|eu|europe|ap|asia|ca|sa|me|af|australia|northamerica|southamerica)-[a-z]+-?\d$`)

// placeOf returns the place a name or region code stands for.
func placeOf(name string) (place, bool) {
	n := strings.ToLower(strings.TrimSpace(name))
	if p, ok := places[n]; ok {
		return p, true
	}
	if m := regionCode.FindStringSubmatch(n); m != nil {
		switch m[1] {
		case "us":
			return place{n, "US", false}, true
		case "eu", "europe":
			return place{n, "", true}, true
		case "ca":
			return place{n, "Canada", false}, true
		}
		return place{n, "?", false}, true
	}
	return place{}, false
}

// placeNames is the alternation of every place name, longest first.
var placeNames = func() string {
	var names []string
	for n := range places {
		if regionCode.MatchString(n) {
			continue
		}
		names = append(names, regexp.QuoteMeta(n))
	}
	sort.Slice(names, func(i, j int) bool {
		if len(names[i]) != len(names[j]) {
			return len(names[i]) > len(names[j])
		}
		return names[i] < names[j]
	})
	return `(?:` + strings.Join(names, "|") + `)`
}()

const regionCodes = `(?:us|eu|europe|ap|asia|ca|sa|me|af|australia|northamerica|southamerica)-(?:east|west|central|north|south|northeast|southeast|northwest|southwest)-?\d`

var (
	// residency is a rule about where data must stay.
	residency = regexp.MustCompile(`(?i)\b(?:stays?|remains?|resides?|be stored|stored|be kept|kept|be hosted|be processed|processed|lives?)\s+(?:only\s+|exclusively\s+|entirely\s+)?(?:with)?in\s+(?:the\s+)?(` + regionCodes + `|` + placeNames + `)\b` +
		`|\bleaves?\s+(?:the\s+)?(` + placeNames + `)\b` +
		`|\bresidency\b[^.;]{0,20}?\b(?:in|within)\s+(?:the\s+)?(` + placeNames + `)\b` +
		`|\b(` + placeNames + `)\s+data\s+residency\b`)
	// deployedIn is where the system runs: a region code anywhere, or a
	// place after a word about hosting.
	deployedIn = regexp.MustCompile(`(?i)\b(` + regionCodes + `)\b` +
		`|\b(?:regions?|deploy(?:ed|s|ing)?|host(?:ed|s|ing)?|runs?|running|servers?|data ?cent(?:er|re)s?)\b[^.;]{0,30}?\b(?:in|at)\s+(?:the\s+)?(` + regionCodes + `|` + placeNames + `)\b`)
)

// residencyAllows reports whether running in loc keeps data where a
// residency rule wants it, and false only when it clearly does not.
func residencyAllows(rule, loc place) bool {
	switch {
	case rule.country == "" && rule.eu: // the EU
		return loc.eu || loc.country == "?"
	case loc.country == "" || loc.country == "?":
		return true
	}
	return rule.country == loc.country
}
