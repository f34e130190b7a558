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
			stated:  []string{`place (?:an? )?orders?`, `online ordering`, `order online`, `shopping (?:cart|basket)`, `add (?:\w+ )?to (?:the |their |a )?(?:cart|basket)`},
			actions: []string{`order(?:ing)?(?:\s+(?:from|online|food|meals?|groceries|products?|items?|drinks?|tickets?|supplies|parts|ahead|it|them|through|via)\b|\s*,|\s+and\b|\s*$)`, `buy`, `purchase`, `check out`, `checkout`}},
		{key: "payment",
			stated:  []string{`(?:online|in-app|mobile) payments?`, `pay(?:ing)? (?:online|by card|with (?:a |their |your )?card|in the app|in-app)`, `accept(?:s|ing)? (?:card |online )?payments?`, `take (?:card |online )?payments`, `get paid`, `payment processing`},
			actions: []string{`pay(?:s|ing)?`, `payments?`}},
		{key: "delivery_tracking",
			stated: []string{`(?:delivery|order|parcel|shipment|package|courier|driver|vehicle|fleet) tracking`,
				`track(?:s|ing)? (?:the |their |an? |each |every |its |his |her |your )?(?:delivery|deliveries|orders?|parcels?|shipments?|packages?|couriers?|drivers?|riders?|vans?|trucks?|buses|bus|vehicles?)`,
				`where (?:the|their|each|every|a) (?:courier|driver|order|parcel|delivery|tracker|vehicle|van|truck|bus) is`}},
		{key: "search",
			stated:  []string{`(?:full[- ]text|product|site|free[- ]text|fuzzy|faceted) search`, `search (?:bar|box|function|functionality|page)`},
			actions: []string{`search(?:es|ing)?(?: (?:for|the|their|our|by|through))?`, `look up`, `filter`}},
		{key: "notifications",
			stated:  []string{`notifications?`, `reminders?`, `get notified`, `(?:receive|get) (?:an? )?(?:alert|email|e-mail|text|sms|push)`, `confirms? by (?:email|e-mail|sms|text)`},
			actions: []string{`notif(?:y|ies|ied)`, `remind(?:s|ed)?`, `alert(?:s|ed)?`}},
		{key: "messaging",
			stated:  []string{`(?:in-app|live|group|private|direct) (?:chat|messages|messaging)`, `chat (?:with|between)`, `messaging`, `direct messages?`},
			actions: []string{`chat`, `message`, `send (?:\w+ )?messages?`}},
		{key: "booking",
			stated: []string{`book(?:s|ed|ing)? (?:an? |the |their |your )?(?:appointment|slot|table|room|session|class|visit|consultation|ride|ticket|court|desk|seat)s?`,
				`(?:appointments?|slots?|tables?|rooms?|sessions?|visits?) (?:are|is|can be|get|will be) (?:booked|reserved|scheduled)`,
				`reserve (?:an? |the )?(?:table|room|slot|seat|spot|desk)`, `online booking`, `appointment (?:booking|scheduling)`,
				`schedul(?:e|ing) (?:an? )?appointments?`, `reservations?`},
			actions: []string{`book(?:s|ing)?`, `bookings`, `reserve`, `schedule (?:a|an|their)`}},
		{key: "reporting",
			stated:  []string{`(?:weekly|monthly|daily|quarterly|annual|yearly|custom|financial|sales|usage) reports?`, `reporting`, `(?:analytics|reporting|kpi|management) dashboards?`, `on a dashboard`},
			actions: []string{`dashboards?`, `analytics`}},
		{key: "issue_reporting",
			stated: []string{`(?:submit|file|send|make|raise|log)s? an? (?:\w+ )?(?:report|complaint|ticket)`, `report (?:a|an) (?:problem|issue|incident|pothole|bug|fault)`}},
		{key: "user_accounts",
			stated:  []string{`sign(?:s|ing)?[- ]?up`, `create (?:an |their |a |your )?(?:\w+ )?accounts?`, `open (?:an |a )accounts?`, `user accounts?`, `(?:user |customer |their |a )profiles?`, `needs? an account`},
			actions: []string{`register`, `profiles?`}},
		{key: "reviews",
			stated:  []string{`(?:customer |product |user )?reviews`, `star ratings?`, `ratings`, `leave (?:a )?(?:review|rating)s?`},
			actions: []string{`rate`, `review`}},
		{key: "inventory", stated: []string{`inventory`, `stock levels?`, `stock (?:management|control|counts?)`}},
		{key: "invoicing", stated: []string{`invoic(?:e|es|ing)`}},
		{key: "catalog",
			stated:  []string{`(?:from|the|a|our|their) menu`},
			actions: []string{`catalog(?:ue)?s?`, `listings?`, `product pages?`, `browse (?:\w+ )?products`}},
		{key: "file_upload",
			stated:  []string{`file uploads?`, `upload (?:\w+ )?(?:files?|documents?|photos?|images?|receipts?|pictures?)`},
			actions: []string{`upload(?:s|ed|ing)?`, `(?:with|attach) an? (?:photo|picture|image|file|document)`}},
		{key: "export", stated: []string{`export(?:s|ed|ing)?`, `download (?:\w+ )?as (?:csv|pdf|excel)`}},
		{key: "offline_mode",
			stated: []string{`(?:work|works|working|use|used|usable|available|function|operate)s? offline`, `offline[- ](?:first|mode|support|access|use|listening|viewing|playback|capable)`,
				`for offline`, `(?:complete|fill in|do|capture|record|take)s? (?:\w+ ){0,3}offline`, `offline`}},
		{key: "anonymous_access",
			stated: []string{`without (?:an? |creating an? |having an? |needing an? )?(?:account|signing up|registering|registration|logging in|login|signup)`, `anonymous(?:ly)?`,
				`as (?:a )?guests?`, `guest (?:checkout|access|mode)`, `no (?:account|login|sign[- ]up|registration) (?:needed|required)`}},
		{key: "always_online",
			stated: []string{`(?:always|constantly|permanently) (?:be )?(?:online|connected)`, `(?:requires?|needs?) (?:a |an )?(?:constant|permanent|continuous|live|active) (?:internet |network )?connection`,
				`online[- ]only`, `validated online`, `checked (?:online )?against the server`}},
		{key: "order_history", stated: []string{`order history`, `past orders`}},
		{key: "streaming", stated: []string{`stream(?:s|ing)? (?:\w+ )?(?:episodes?|videos?|music|shows?|movies?|films?|content|matches|games)`, `live ?stream(?:s|ing)?`}},
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
var actionFrame = regexp.MustCompile(`(?i)\b(?:can|could|should|must|will|shall|may|able to|needs? to|wants? to|have to|has to|get to|allow(?:s|ed|ing)?|let(?:s|ting)?|enables?|supports?|offers?|includes?|including|provides?|features?|users?|customers?|clients?|patients?|staff|members?|guests?|visitors?|shoppers?|buyers?|sellers?|drivers?|couriers?|admins?|administrators?|managers?|employees?|citizens?|residents?|students?|teachers?|doctors?|nurses?|agents?|operators?|technicians?|inspectors?|merchants?|vendors?|riders?|viewers?|subscribers?|listeners?|readers?|players?|tenants?|farmers?|freelancers?|accountants?|caseworkers?|people|everyone|anyone|finance|they)\b|:`)

// notCapability are contexts in which a capability word names something
// else: monitoring dashboards, an outage ("goes offline"), the search
// engine itself.
var notCapability = regexp.MustCompile(`(?i)\b(?:grafana|kibana|datadog|monitoring|metrics|(?:go|goes|went|gone|taken|take|takes) offline|search engine|code reviews?|review (?:process|board))\b`)

// mandatoryAccount says that an account is required of everyone.
var mandatoryAccount = regexp.MustCompile(`(?i)\b(?:every(?:one| \w+)?|all \w+|only registered \w+)\b[^.;]{0,30}\b(?:must|has to|have to|need to|needs to|required to)\b|\b(?:must|has to|have to|required to) (?:sign up|register|create an account|log in)\b|\baccounts? (?:is|are) (?:mandatory|required|compulsory)\b`)

var exportFormat = regexp.MustCompile(`(?i)\b(csv|pdf|excel|xlsx|json|xml)\b`)

type capMention struct {
	start, end int
	key        string
}

// capabilities finds the functional capabilities a sentence states.
func (e *Extractor) capabilities(s sentence) []Extracted {
	frame := len(s.text)
	if loc := actionFrame.FindStringIndex(s.text); loc != nil {
		frame = loc[0]
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
