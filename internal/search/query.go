package search

import (
	"hash/fnv"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"socrates/internal/apperr"
	"socrates/internal/store"
)

// MaxQueryLength is the longest query accepted, in characters.
const MaxQueryLength = 200

// term is one thing to look for: a word, or a phrase of words that must
// follow each other. Words hold letters and digits only, lower-cased.
type term struct {
	words []string
}

func (t term) phrase() bool { return len(t.words) > 1 }

// Query is a search query read from user input, in the web-search syntax
// both engines are given: words (all must match), "quoted phrases", OR
// between two words or phrases (either may match) and -word or -"phrase"
// (must not match). Anything else in the input is a word separator, so no
// character of the input reaches an engine's query syntax.
type Query struct {
	// groups must all match; each matches when one of its terms does.
	groups [][]term
	// excluded terms must not match.
	excluded []term
}

// ParseQuery reads raw user input into a Query. A blank query, one longer
// than MaxQueryLength characters, or one with no word to look for (only
// punctuation, exclusions or common words such as "the") is refused with
// BAD_USER_INPUT.
func ParseQuery(raw string) (Query, error) {
	raw = strings.ToValidUTF8(raw, " ")
	trimmed := strings.TrimSpace(raw)
	if trimmed == "" {
		return Query{}, apperr.BadInputf("query must not be empty")
	}
	if n := utf8.RuneCountInString(trimmed); n > MaxQueryLength {
		return Query{}, apperr.BadInputf("query must be at most %d characters, got %d", MaxQueryLength, n)
	}
	var q Query
	orNext := false
	for _, tok := range tokens(trimmed) {
		if tok.or {
			orNext = len(q.groups) > 0
			continue
		}
		t := term{words: words(tok.text)}
		if len(t.words) == 0 || onlyStopWords(t.words) {
			continue
		}
		switch {
		case tok.negated:
			q.excluded = append(q.excluded, t)
		case orNext:
			last := len(q.groups) - 1
			q.groups[last] = append(q.groups[last], t)
		default:
			q.groups = append(q.groups, []term{t})
		}
		orNext = false
	}
	if len(q.groups) == 0 {
		return Query{}, apperr.BadInputf(`query has no word to search for (punctuation, -excluded words and common words such as "the" are not searched)`)
	}
	return q, nil
}

// token is a piece of the input: a word or a quoted phrase, possibly
// negated, or the OR operator.
type token struct {
	text    string
	phrase  bool
	negated bool
	or      bool
}

// tokens splits input into words and "quoted phrases"; an unclosed quote
// runs to the end of the input.
func tokens(s string) []token {
	var out []token
	for len(s) > 0 {
		r, size := utf8.DecodeRuneInString(s)
		if unicode.IsSpace(r) {
			s = s[size:]
			continue
		}
		negated := false
		if r == '-' && len(s) > 1 {
			next, _ := utf8.DecodeRuneInString(s[1:])
			if !unicode.IsSpace(next) {
				negated = true
				s = s[1:]
				r, size = utf8.DecodeRuneInString(s)
			}
		}
		if r == '"' {
			s = s[size:]
			end := strings.IndexByte(s, '"')
			if end < 0 {
				end = len(s)
			}
			out = append(out, token{text: s[:end], phrase: true, negated: negated})
			s = s[min(end+1, len(s)):]
			continue
		}
		end := strings.IndexFunc(s, func(r rune) bool { return unicode.IsSpace(r) || r == '"' })
		if end < 0 {
			end = len(s)
		}
		word := s[:end]
		s = s[end:]
		if !negated && strings.EqualFold(word, "or") {
			out = append(out, token{or: true})
			continue
		}
		out = append(out, token{text: word, negated: negated})
	}
	return out
}

// words splits text into lower-case runs of letters and digits.
func words(s string) []string {
	return strings.FieldsFunc(strings.ToLower(s), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsNumber(r) })
}

// Postgres writes q for websearch_to_tsquery: words bare, phrases quoted,
// "or" between alternatives and "-" before exclusions. Words hold only
// letters and digits, so the input's own punctuation never reaches the
// parser.
func (q Query) Postgres() string {
	var parts []string
	for _, g := range q.groups {
		alts := make([]string, len(g))
		for i, t := range g {
			alts[i] = pgTerm(t)
		}
		parts = append(parts, strings.Join(alts, " or "))
	}
	for _, t := range q.excluded {
		parts = append(parts, "-"+pgTerm(t))
	}
	return strings.Join(parts, " ")
}

func pgTerm(t term) string {
	if t.phrase() {
		return `"` + strings.Join(t.words, " ") + `"`
	}
	return t.words[0]
}

// SQLite writes q as an FTS5 expression: every word or phrase a quoted
// string (so no input is read as an operator, a column filter or NEAR),
// groups joined by AND, alternatives by OR, exclusions after NOT.
func (q Query) SQLite() string {
	var parts []string
	for _, g := range q.groups {
		alts := make([]string, len(g))
		for i, t := range g {
			alts[i] = ftsTerm(t)
		}
		parts = append(parts, "("+strings.Join(alts, " OR ")+")")
	}
	expr := strings.Join(parts, " AND ")
	if len(q.excluded) > 0 {
		ex := make([]string, len(q.excluded))
		for i, t := range q.excluded {
			ex[i] = ftsTerm(t)
		}
		expr = "(" + expr + ") NOT (" + strings.Join(ex, " OR ") + ")"
	}
	return expr
}

// ftsTerm quotes a term as an FTS5 string; words hold no quote, but one
// would be doubled all the same.
func ftsTerm(t term) string {
	return `"` + strings.ReplaceAll(strings.Join(t.words, " "), `"`, `""`) + `"`
}

// Store returns q written for both engines.
func (q Query) Store() store.SearchQuery {
	return store.SearchQuery{Postgres: q.Postgres(), SQLite: q.SQLite()}
}

// Ordering names the ordering of q's hits inside cursors: a cursor of one
// query is refused by another.
func (q Query) Ordering() string {
	h := fnv.New32a()
	h.Write([]byte(q.Postgres()))
	return "SEARCH:" + strconv.FormatUint(uint64(h.Sum32()), 36)
}

// stopWordList holds the common English words PostgreSQL's english
// configuration leaves out of a query; they are left out for both engines,
// so that "the database" finds the same rows on each.
const stopWordList = ` i me my myself we our ours ourselves you your yours yourself yourselves
 he him his himself she her hers herself it its itself they them their theirs themselves what which who
 whom this that these those am is are was were be been being have has had having do does did doing a an
 the and but if or because as until while of at by for with about against between into through during
 before after above below to from up down in out on off over under again further then once here there
 when where why how all any both each few more most other some such no nor not only own same so than too
 very s t can will just don should now `

// onlyStopWords reports whether every word of ws is a common word.
func onlyStopWords(ws []string) bool {
	common := strings.Fields(stopWordList)
	for _, w := range ws {
		if !slices.Contains(common, w) {
			return false
		}
	}
	return true
}
