package search

import (
	"html"
	"strings"

	"socrates/internal/store"
)

// Snippet markup: a matched term is wrapped in MarkOpen and MarkClose, and
// the rest of the snippet is HTML-escaped text, so a client may show it as
// HTML as it is.
const (
	MarkOpen  = "<mark>"
	MarkClose = "</mark>"
)

// Highlight turns an engine's snippet, whose matched terms lie between
// store.SnippetStart and store.SnippetEnd, into escaped HTML with the
// terms in <mark> elements. Markers out of place (nested, unmatched, or
// stored in the text itself) never leave an element open.
func Highlight(raw string) string {
	var b strings.Builder
	open := false
	for raw != "" {
		i := strings.IndexAny(raw, store.SnippetStart+store.SnippetEnd)
		if i < 0 {
			b.WriteString(html.EscapeString(raw))
			break
		}
		b.WriteString(html.EscapeString(raw[:i]))
		start := strings.HasPrefix(raw[i:], store.SnippetStart)
		switch {
		case start && !open:
			b.WriteString(MarkOpen)
			open = true
		case !start && open:
			b.WriteString(MarkClose)
			open = false
		}
		raw = raw[i+len(store.SnippetStart):]
	}
	if open {
		b.WriteString(MarkClose)
	}
	return strings.ReplaceAll(b.String(), MarkOpen+MarkClose, "")
}
