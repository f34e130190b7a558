package socratic

import (
	"regexp"
	"slices"
	"sort"
	"strings"

	"socrates/models"
)

// capability is a functional capability the extractor recognises, keyed
// as the labelling guide keys it (REQUIREMENTS / ordering, payment…).
type capability struct {
	key string
	// stated are phrases that state the capability wherever they stand
	// ("push notifications", "track the delivery").
	stated []string
	// actions are words that state it only as something someone does:
	// after an action frame (a modal, an actor, a list of features) in the
	// same sentence ("customers can order, pay and …").
	actions []string
}

// capabilities returns the dictionary of functional capabilities. The
// phrases are regular expressions matched in lower case on word
// boundaries.
func capabilityTable() []capability {
	return []capability{
		{key: "ordering",
			stated: []string{`place(?:s)? (?:\w+ ){0,3}orders?`, `online ordering`, `order online`, `shopping (?:cart|basket|trolley)`, `add (?:\w+ )?to (?:the |their |a |your )?(?:cart|basket|trolley)`,
				`put (?:\w+ ){0,2}in(?:to)? (?:the |their |a |your )?(?:cart|basket|trolley)`},
			actions: []string{`order(?:ing)?(?:\s+(?:from|online|food|meals?|groceries|products?|items?|drinks?|tickets?|supplies|parts|ahead|it|them|through|via)\b|\s*,|\s+and\b|\s*$)`, `buy`, `purchase`, `check out`, `checkout`}},
		{key: "payment",
			stated: []string{`(?:online|in-app|mobile) payments?`, `pay(?:s|ing)? (?:online|by card|with (?:a |their |your )?card|in the app|in-app|upfront|up front|in advance)`, `accept(?:s|ing)? (?:\w+ )?payments?`, `take (?:card |online )?payments`, `get paid`, `payment processing`,
				`pay(?:s|ing)? (?:\w+ ){0,3}(?:by|with|via) (?:a |their |your )?(?:card|credit card|debit card|bank transfer|direct debit|apple pay|google pay)`,
				`check(?:s|ing)? out with (?:a |their |your )?(?:card|credit card|debit card|apple pay|google pay)`,
				`pay(?:s|ing)? (?:the |their |a |an |any )?(?:fees?|bills?|invoices?|co-?payments?|deposits?|rent|fines?|taxes|premiums?|tuition)`},
			actions: []string{`pay(?:s|ing)?`, `payments?`}},
		{key: "delivery_tracking",
			stated: []string{`(?:delivery|order|parcel|shipment|package|courier|driver|vehicle|fleet) tracking`,
				`track(?:s|ing)? (?:the |their |an? |each |every |its |his |her |your )?(?:delivery|deliveries|orders?|parcels?|shipments?|packages?|couriers?|drivers?|riders?|vans?|trucks?|buses|bus|vehicles?)`,
				`where (?:the|their|each|every|a) (?:courier|driver|order|parcel|delivery|tracker|vehicle|van|truck|bus) is`,
				`(?:track|trace|follow)(?:s|ed|ing)? (?:\w+ ){0,2}(?:courier|driver|rider|van|truck|vehicle|bus|buses|fleet|parcel|order|delivery|deliveries|shipment|package|tracker|asset)s?\b`,
				`(?:watch|see|show)(?:es|s)? (?:\w+ ){0,2}(?:courier|driver|rider|van|truck|vehicle|bus|fleet|parcel|delivery|shipment|package)s? (?:\w+ ){0,2}(?:on a (?:\w+ )?map|coming|moving|arriv\w*|approach\w*|live|in real[- ]time)`,
				`(?:courier|driver|rider|van|vehicle|fleet|delivery)(?:'s|s'|s)? (?:live )?(?:location|position)s?`}},
		{key: "search",
			stated:  []string{`(?:full[- ]text|product|site|free[- ]text|fuzzy|faceted) search`, `search (?:bar|box|function|functionality|page)`},
			actions: []string{`search(?:es|ing)?(?: (?:for|the|their|our|by|through))?`, `look up`, `filter`}},
		{key: "notifications",
			stated: []string{`notifications?`, `reminders?`, `get notified`, `(?:receive|get)s? (?:an? )?(?:[\w-]+ )?(?:alert|email|e-mail|text|sms|push)`, `confirms? by (?:email|e-mail|sms|text)`,
				`chas(?:e|es|ing) (?:\w+ ){0,2}(?:payers|payments|customers|clients|invoices|debtors)`, `(?:low[- ]stock|price|push|sms|email|e-mail) alerts?`},
			actions: []string{`notif(?:y|ies|ied)`, `remind(?:s|ed)?`, `alert(?:s|ed)?`}},
		{key: "messaging",
			stated:  []string{`(?:in-app|live|group|private|direct) (?:chat|messages|messaging)`, `chat (?:with|between)`, `messaging`, `direct messages?`},
			actions: []string{`chat`, `message`, `send (?:\w+ )?messages?`}},
		{key: "booking",
			stated: []string{`book(?:s|ed|ing)? (?:an? |the |their |your )?(?:appointment|slot|table|room|session|class|visit|consultation|ride|ticket|court|desk|seat)s?`,
				`(?:appointments?|slots?|tables?|rooms?|sessions?|visits?) (?:are|is|can be|get|will be) (?:booked|reserved|scheduled)`,
				`reserve (?:an? |the )?(?:table|room|slot|seat|spot|desk)`, `online booking`, `appointment (?:booking|scheduling)`,
				`schedul(?:e|ing) (?:an? )?appointments?`, `reservations?`,
				`(?:pick|choose|select|reserve)s? (?:a |an |the |their |your )?(?:[\w-]+ )?(?:slot|time ?slot|appointment|table|seat)s?`, `(?:pick|choose|select)s? (?:a |an |the |their )?(?:time|date|day)\b`, `(?:viewing|visit|appointment) requests?`,
				`(?:book|cancel|reschedule)s? and (?:cancel|reschedule|book)s? (?:\w+ )?(?:appointments?|slots?|bookings?|visits?|sessions?|classes)`},
			actions: []string{`book(?:s|ing)?`, `bookings`, `reserve`, `schedule (?:a|an|their)`}},
		{key: "reporting",
			stated: []string{`(?:weekly|monthly|daily|quarterly|annual|yearly|custom|financial|sales|usage) reports?`, `reporting`, `(?:analytics|reporting|kpi|management) dashboards?`,
				`(?:on|in|via|through) (?:a|the|their|an|one) (?:[\w-]+ ){0,2}dashboards?`, `(?:pull|run|generate|get|see|view|download)s? (?:an? |the |their )?(?:[\w-]+ )?reports?`},
			actions: []string{`dashboards?`, `analytics`}},
		{key: "issue_reporting",
			stated: []string{`(?:submit|file|send|make|raise|log)s? an? (?:\w+ )?(?:report|complaint|ticket)`, `report (?:a|an) (?:problem|issue|incident|pothole|bug|fault)`,
				`report(?:s|ing)? (?:it|them|(?:an? |the |any )?(?:[\w-]+ )?(?:problems?|issues?|incidents?|potholes?|bugs?|faults?|outages?|leaks?|defects?|complaints?|damage|abuse|fraud|collections?))\b`,
				`report(?:s|ing)? [\w-]+ (?:anonymously|online|in the app|via the app|through the app|with a photo)`}},
		{key: "user_accounts",
			stated: []string{`sign(?:s|ing)?[- ]?up`, `create (?:an |their |a |your )?(?:\w+ )?accounts?`, `open (?:an |a )accounts?`, `user accounts?`, `(?:user |customer |their |a )profiles?`, `needs? an account`,
				`behind a (?:login|log-in|sign-in)`, `login wall`},
			actions: []string{`register`, `profiles?`}},
		{key: "reviews",
			stated:  []string{`(?:customer |product |user )?reviews`, `star ratings?`, `ratings`, `leave (?:a )?(?:review|rating)s?`},
			actions: []string{`rate`, `review`}},
		{key: "inventory", stated: []string{`inventory`, `stock levels?`, `stock (?:management|control|counts?|movements?|takes?)`, `(?:book|take|move|receive|count)s? stock\b(?: (?:in|out)(?: and (?:in|out))?)?`,
			`low[- ]stock`, `out[- ]of[- ]stock`, `stock-?tak(?:e|es|ing)`}},
		{key: "invoicing", stated: []string{`invoicing`, `(?:create|send|raise|issue|generate)s? (?:\w+ )?invoices?`, `invoice (?:generation|creation|management)`}, actions: []string{`invoices?`}},
		{key: "catalog",
			stated: []string{`(?:from|the|a|our|their) menu`, `list(?:s)? (?:their|a|an|the) (?:\w+ )?(?:flats?|propert(?:y|ies)|homes?|items?|products?|cars?|rooms?|services?)`,
				`(?:browse|scroll through|look through|explore)s? (?:the |their |our |a )?(?:\w+ ){0,2}(?:aisles?|catalog(?:ue)?s?|menus?|products?|listings?|collections?|shelves|items|range)`},
			actions: []string{`catalog(?:ue)?s?`, `listings?`, `product pages?`, `browse (?:\w+ )?products`}},
		{key: "file_upload",
			stated:  []string{`file uploads?`, `upload (?:\w+ )?(?:files?|documents?|photos?|images?|receipts?|pictures?)`},
			actions: []string{`upload(?:s|ed|ing)?`, `(?:with|attach) an? (?:photo|picture|image|file|document)`}},
		{key: "export", stated: []string{`export(?:s|ed|ing)?`, `download(?:s)? (?:\w+ ){0,3}(?:as|in) (?:csv|pdf|excel)`}},
		{key: "offline_mode",
			stated: []string{`(?:work|works|working|use|used|usable|available|function|operate)s? offline`, `offline[- ](?:first|mode|support|access|use|listening|viewing|playback|capable)`,
				`for offline`, `(?:complete|fill in|do|capture|record|take)s? (?:\w+ ){0,3}offline`, `offline`,
				`(?:without|with no) (?:a |an |any )?(?:internet |network |data |mobile )?(?:connection|signal|connectivity|reception)`,
				`download (?:\w+ ){0,3}(?:to (?:watch|listen|read|use|play) (?:\w+ ){0,3}(?:without|offline|on the plane|on the train))`}},
		{key: "anonymous_access",
			stated: []string{`without (?:an? |creating an? |having an? |needing an? )?(?:account|signing up|registering|registration|logging in|login|signup)`, `anonymous(?:ly)?`,
				`as (?:a )?guests?`, `guest (?:checkout|access|mode)`, `open to (?:everyone|everybody|anyone|the public|all)`, `(?:publicly|freely) (?:available|accessible|readable)`, `no (?:account|login|sign[- ]up|registration) (?:needed|required)`}},
		{key: "always_online",
			stated: []string{`(?:always|constantly|permanently) (?:be )?(?:online|connected)`, `(?:requires?|needs?) (?:a |an )?(?:constant|permanent|continuous|live|active) (?:internet |network )?connection`,
				`online[- ]only`, `validated online`, `checked (?:online )?against the server`, `connection at all times`, `(?:must|has to|have to|needs? to) (?:always )?be (?:online|connected)(?: at all times)?`}},
		{key: "order_history", stated: []string{`order history`, `past orders`, `re-?order(?:s|ing)?`, `(?:previous|last|past) (?:orders?|baskets?|purchases)`}},
		{key: "streaming",
			stated:  []string{`stream(?:s|ing)? (?:\w+ )?(?:episodes?|videos?|music|shows?|movies?|films?|content|matches|games|lessons?|classes|courses?|lectures?|concerts?|podcasts?|radio|audio|tv|channels?|sermons?)`, `live ?stream(?:s|ing)?`},
			actions: []string{`stream(?:s|ing)?`}},
		{key: "approvals",
			stated:  []string{`approv(?:al|als) (?:workflows?|flows?|process(?:es)?|steps?|chains?)`, `(?:approves?|approved|approving) or reject(?:s|ed)?`, `sign(?:s|ed)?[- ]off`},
			actions: []string{`approv(?:e|es|ed|ing)`}},
		{key: "leave_requests", stated: []string{`request(?:s|ing)? (?:\w+ )?(?:leave|time off|holidays?|vacations?|absences?)`, `leave (?:requests?|management|balances?)`, `time[- ]off(?: requests?)?`,
			`holiday requests?`, `book(?:s|ing)? (?:their )?(?:leave|holidays?|time off|annual leave)`}},
		{key: "subscriptions",
			stated:  []string{`(?:monthly|annual|yearly|paid|premium) (?:subscriptions?|plans?|memberships?)`, `subscription (?:plans?|tiers?|billing|model|fees?)`, `subscriptions? (?:are|is) (?:billed|charged|paid)`},
			actions: []string{`subscrib(?:e|es|ed|ing)`, `subscriptions?`}},
		{key: "applications", stated: []string{`apply(?:ing)? (?:online )?(?:for|to) (?:an? |the |their )?(?:\w+ ){0,2}(?:permits?|licen[cs]es?|grants?|benefits?|jobs?|loans?|visas?|passports?|schemes?|places?|positions?|programmes?|programs?|allowances?)`,
			`(?:submit|file|fill in|complete)s? (?:an? |the |their )?(?:\w+ )?applications?`}},
		{key: "status_tracking", stated: []string{`(?:track|check|see|follow|view)(?:s)? (?:the |their |its )?(?:status|progress) (?:of|on)`, `status (?:updates|tracking|page)`,
			`(?:track|check|see|follow|view)s? (?:the |their )?(?:application|claim|case|request|ticket|complaint)(?:'s)? (?:status|progress)`}},
		{key: "device_status", stated: []string{`(?:see|view|monitor|check|watch)(?:es|s)? (?:\w+ ){0,2}(?:pump|device|sensor|machine|meter|turbine|charger|vehicle|asset|equipment|printer|robot|gateway|controller)(?:'s|s'|s)? (?:status|health|state|readings?|telemetry)`}},
		{key: "lab_results", stated: []string{`(?:lab|test|blood|laboratory) results`}},
		{key: "barcode_scanning", stated: []string{`scan(?:s|ning)? (?:\w+ )?(?:barcodes?|qr codes?|labels?)`, `barcode scann(?:ing|ers?)`, `barcodes?`, `qr codes?`}},
		{key: "dispatch", stated: []string{`dispatch(?:es|ing)? (?:\w+ ){0,2}(?:jobs?|drivers?|technicians?|crews?|vehicles?|engineers?)`, `send(?:s)? (?:\w+ ){0,2}(?:their |the |a )?(?:next )?jobs?\b`,
			`assign(?:s|ing)? (?:\w+ ){0,2}(?:jobs?|tasks?|work orders?)`, `job (?:assignment|dispatch|allocation)`}},
		{key: "wishlist", stated: []string{`wish ?lists?`, `favou?rit(?:es|ed|ing)`, `save (?:\w+ ){0,2}for later`}},
		{key: "video_consultation", stated: []string{`video (?:consultations?|calls?|visits?|appointments?|consults?)`, `tele(?:health|medicine|consultations?)`, `virtual (?:visits?|consultations?|appointments?)`}},
		{key: "prescriptions", stated: []string{`e-?prescri(?:ptions?|bing)`, `(?:electronic|digital|repeat|online) prescriptions?`, `prescriptions? (?:renewals?|refills?|requests?)`, `(?:write|issue|renew|request)s? (?:\w+ )?prescriptions?`}},
		{key: "accessibility", stated: []string{`accessibility`, `wcag(?: ?2(?:\.\d)?)?`, `screen[- ]readers?`, `(?:fully |be )accessible(?: (?:and|for (?:disabled|blind|people))|\s*[,.;]|$)`}},
		{key: "checklists", stated: []string{`checklists?`}},
		{key: "time_tracking", stated: []string{`log(?:s|ging)? (?:their |the |all )?(?:hours|time|working time)`, `time tracking`, `track(?:s|ing)? (?:their |the )?(?:hours|working time)`, `clock(?:s|ing)? in`}, actions: []string{`time ?sheets?`}},
		{key: "sharing", stated: []string{`share(?:s)? (?:\w+ ){0,2}with (?:friends|others|colleagues|family|their team|other users|each other)`}},
		{key: "account_linking", stated: []string{`link(?:s|ing)? (?:\w+ ){0,2}(?:bank )?accounts?`, `open banking`, `connect(?:s)? (?:\w+ ){0,2}bank accounts?`, `bank (?:account )?(?:linking|connections?|feeds?)`}},
		{key: "categorization", stated: []string{`categori[sz](?:e|es|ed|ing|ation)`}},
		{key: "identity_verification", stated: []string{`verify (?:their |your |his |her )?identity`, `identity verification`, `\bkyc`}},
	}
}

type compiledCapability struct {
	key             string
	stated, actions *regexp.Regexp
}

func compileCapabilities() []compiledCapability {
	join := func(ps []string) *regexp.Regexp {
		if len(ps) == 0 {
			return nil
		}
		return regexp.MustCompile(`(?i)\b(?:` + strings.Join(ps, "|") + `)\b`)
	}
	var out []compiledCapability
	for _, c := range capabilityTable() {
		out = append(out, compiledCapability{key: c.key, stated: join(c.stated), actions: join(c.actions)})
	}
	return out
}

// isCapability reports whether a key is a functional capability.
func isCapability(key string) bool {
	for _, c := range capabilityTable() {
		if c.key == key {
			return true
		}
	}
	return false
}

// actionFrame marks where a sentence starts saying what someone does: a
// modal, an enabling verb, an actor or a list of features.
var actionFrame = regexp.MustCompile(`(?i)\b(?:can|could|should|must|will|shall|may|able to|needs? to|wants? to|have to|has to|get to|allow(?:s|ed|ing)?|let(?:s|ting)?|enables?|supports?|offers?|includes?|including|provides?|features?|users?|customers?|clients?|patients?|staff|members?|guests?|visitors?|shoppers?|buyers?|sellers?|drivers?|couriers?|admins?|administrators?|managers?|employees?|citizens?|residents?|students?|teachers?|doctors?|nurses?|agents?|operators?|technicians?|inspectors?|merchants?|vendors?|riders?|viewers?|subscribers?|listeners?|readers?|players?|tenants?|farmers?|freelancers?|accountants?|caseworkers?|people|everyone|anyone|everybody|anybody|someone|somebody|finance|they|you|` +
	`homeowners?|dispatchers?|creators?|hosts?|owners?|parents?|clinicians?|physicians?|therapists?|carers?|caregivers?|workers?|stylists?|editors?|authors?|` +
	`journalists?|moderators?|landlords?|applicants?|claimants?|taxpayers?|passengers?|travell?ers?|diners?|fans?|consumers?|team leads?|supervisors?|clerks?|` +
	`officers?|auditors?|approvers?|requesters?|contractors?|suppliers?|partners?|traders?|investors?|borrowers?|lenders?|donors?|volunteers?|coaches|trainers?|` +
	`hr|purchasing|payroll|businesses|companies|shops?|stores?|restaurants?|clinics?|schools?|households?|learners?|attendees?|organi[sz]ers?|pharmacists?|receptionists?|dentists?)\b|:`)

// notCapability are contexts in which a capability word names something
// else: monitoring dashboards, an outage ("goes offline"), the search
// engine itself.
var notCapability = regexp.MustCompile(`(?i)\b(?:grafana|kibana|datadog|monitoring|metrics|(?:go|goes|went|gone|taken|take|takes) offline|search engine|code reviews?|review (?:process|board)|graphql subscriptions?|event streams?|streams? of events|kafka streams|data streams?|log streams?)\b`)

// mandatoryAccount says that an account is required of everyone.
var mandatoryAccount = regexp.MustCompile(`(?i)\b(?:every(?:one| \w+)?|all \w+|only registered \w+)\b[^.;]{0,30}\b(?:must|has to|have to|need to|needs to|required to)\b|\b(?:must|has to|have to|required to) (?:sign up|register|create an account|log in)\b|\baccounts? (?:is|are) (?:mandatory|required|compulsory)\b|\bbehind a (?:login|log-in|sign-in)\b|\blogin wall\b`)

var exportFormat = regexp.MustCompile(`(?i)\b(csv|pdf|excel|xlsx|json|xml)\b`)

// bullet is a list item: "- book appointments", "2. pay online".
var bullet = regexp.MustCompile(`^(?:[-*•–]|\d{1,2}[.)])\s`)

type capMention struct {
	start, end int
	key        string
}

// capabilities finds the functional capabilities a sentence states.
func (e *Extractor) capabilities(s sentence, in ExtractInput) []Extracted {
	frame := len(s.text)
	switch {
	case accessQuestions[in.QuestionKey]:
		// Who may do what is a permission, not a capability: only phrases
		// that state a capability outright count.
	case in.QuestionCategory == models.SpecCategoryRequirements && in.QuestionKey != "integrations", bullet.MatchString(s.text):
		// An answer about requirements, or an item of a list, says what
		// the product does from its first word.
		frame = -1
	default:
		if loc := actionFrame.FindStringIndex(s.text); loc != nil {
			frame = loc[0]
		}
	}
	var ms []capMention
	for _, c := range e.caps {
		if c.stated != nil {
			for _, loc := range c.stated.FindAllStringIndex(s.text, -1) {
				ms = append(ms, capMention{loc[0], loc[1], c.key})
			}
		}
		if c.actions != nil {
			for _, loc := range c.actions.FindAllStringIndex(s.text, -1) {
				if loc[0] > frame {
					ms = append(ms, capMention{loc[0], loc[1], c.key})
				}
			}
		}
	}
	// Longest mention wins where mentions overlap ("guest checkout" is
	// anonymous access, not only ordering).
	sort.Slice(ms, func(i, j int) bool {
		if li, lj := ms[i].end-ms[i].start, ms[j].end-ms[j].start; li != lj {
			return li > lj
		}
		return ms[i].start < ms[j].start
	})
	var kept []capMention
	covered := make([]bool, len(s.text))
	for _, m := range ms {
		if !slices.Contains(covered[m.start:m.end], true) {
			kept = append(kept, m)
			for i := m.start; i < m.end; i++ {
				covered[i] = true
			}
		}
	}
	sort.Slice(kept, func(i, j int) bool { return kept[i].start < kept[j].start })
	var out []Extracted
	seen := map[string]bool{}
	for _, m := range kept {
		clause := clauseAround(s.text, m.start, m.end)
		if seen[m.key] || isNegated(s.text, m.start, m.end) || notCapability.MatchString(clause) {
			continue
		}
		seen[m.key] = true
		value := strings.ToLower(s.text[m.start:m.end])
		switch m.key {
		case "export":
			if f := exportFormat.FindString(clause); f != "" {
				value = strings.ToUpper(f)
				if strings.EqualFold(f, "excel") {
					value = "Excel"
				}
			}
		case "user_accounts":
			if mandatoryAccount.MatchString(s.text) {
				value = "mandatory"
			}
		case "always_online":
			value = "required"
		}
		out = append(out, Extracted{Category: models.SpecCategoryRequirements, Key: m.key, Value: value,
			Confidence: confidenceAt(s, m.start, m.end), Reasoning: "A capability stated in: \"" + snippet(s.text) + "\""})
	}
	return out
}
