package models

import (
	"strings"
	"time"
	"unicode"

	"github.com/uptrace/bun"
)

// Document is a file uploaded to a project: its name, the content type
// decided from its bytes and name, its size, its SHA-256 and the text
// extracted from it. The original bytes are not kept.
type Document struct {
	bun.BaseModel `bun:"table:documents,alias:doc"`

	ID           int64     `bun:"id,pk,autoincrement"`
	ProjectID    int64     `bun:"project_id,notnull"`
	UploadedByID *int64    `bun:"uploaded_by_id"`
	Filename     string    `bun:"filename,notnull"`
	ContentType  string    `bun:"content_type,notnull"`
	Size         int       `bun:"size,notnull"`
	SHA256       string    `bun:"sha256,notnull"`
	Text         string    `bun:"text,notnull"`
	UploadedAt   time.Time `bun:"uploaded_at,notnull"`
}

// IsNode marks Document as a GraphQL Node.
func (Document) IsNode() {}

// IsSearchHit marks Document as a kind of search hit.
func (Document) IsSearchHit() {}

// DocumentConnection is a page of documents.
type DocumentConnection = Connection[*Document]

// DocumentEdge is a document with its cursor.
type DocumentEdge = Edge[*Document]

// ExcerptRunes is the most characters an excerpt holds, the ellipsis
// included.
const ExcerptRunes = 300

// Excerpt returns the start of the document's text with its whitespace
// collapsed into single spaces, at most ExcerptRunes characters, ending
// with … when the text was cut.
func (d *Document) Excerpt() string {
	out := make([]rune, 0, ExcerptRunes+2)
	gap := false
	for _, r := range d.Text {
		if unicode.IsSpace(r) {
			gap = len(out) > 0
			continue
		}
		if gap {
			out = append(out, ' ')
			gap = false
		}
		out = append(out, r)
		if len(out) > ExcerptRunes {
			return strings.TrimRight(string(out[:ExcerptRunes-1]), " ") + "…"
		}
	}
	return string(out)
}
