package document

import (
	"bytes"
	"context"
	"strings"
	"unicode/utf8"

	"socrates/internal/apperr"
)

// MaxTextBytes bounds the text kept from a document: longer text is cut
// (at a character boundary). PostgreSQL's tsvector holds at most 1 MiB,
// and this bound keeps the index of any text under it.
const MaxTextBytes = 256 << 10

// Text returns the text of a file whose content type Decide gave: the
// file itself for the text types (without a byte order mark), the text of
// its pages for a PDF. The text is cut to MaxTextBytes; truncated says
// whether it was. A PDF that cannot be read is refused as INVALID, and one
// with no text (a scanned image) as NO_TEXT.
func Text(ctx context.Context, contentType string, data []byte) (text string, truncated bool, err error) {
	if contentType == TypePDF {
		text, err = pdfText(ctx, data, MaxTextBytes)
		if err != nil {
			return "", false, err
		}
		if strings.TrimSpace(text) == "" {
			return "", false, apperr.Invalid("file", apperr.CodeNoText,
				"no text could be extracted from the PDF (a scanned image has none); upload a PDF with text, or the text itself")
		}
	} else {
		text = string(bytes.TrimPrefix(data, []byte(utf8BOM)))
	}
	text, truncated = cut(text, MaxTextBytes)
	return text, truncated, nil
}

// cut shortens s to at most n bytes at a character boundary.
func cut(s string, n int) (string, bool) {
	if len(s) <= n {
		return s, false
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n], true
}
