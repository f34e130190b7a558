package document

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/pdfcpu/pdfcpu/pkg/api"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/types"

	"socrates/internal/apperr"
)

// Bounds of the work one PDF may cause.
const (
	// maxPages is the most pages whose text is read; later pages are
	// left out.
	maxPages = 2000
	// maxDecodeBytes bounds what one stream may decompress to (a
	// compression bomb stops there).
	maxDecodeBytes = 32 << 20
	// maxFormDepth bounds form XObjects drawn inside one another.
	maxFormDepth = 8
)

// pdfConfig is pdfcpu's configuration for reading: relaxed validation,
// offline, with resource limits, and without its configuration directory
// (built here rather than by model.NewDefaultConfiguration, which would
// create one in the user's home).
func pdfConfig() *model.Configuration {
	limits := model.DefaultResourceLimits()
	limits.MaxStreamBytes, limits.MaxDecodeBytes = maxDecodeBytes, maxDecodeBytes
	limits.MaxObjectCount, limits.MaxXRefEntries, limits.MaxObjectStreamCount = 1_000_000, 1_000_000, 100_000
	return &model.Configuration{
		Reader15:                  true,
		ValidationMode:            model.ValidationRelaxed,
		UnsupportedResourcePolicy: model.UnsupportedResourceSkip,
		Offline:                   true,
		Limits:                    limits,
		Cmd:                       model.EXTRACTCONTENT,
	}
}

// errUnreadable refuses a PDF that pdfcpu cannot read.
func errUnreadable(reason string) error {
	return apperr.Invalid("file", apperr.CodeInvalid, "the PDF could not be read (%s); check that it opens and is not encrypted", reason)
}

// pdfText extracts the text of a PDF's pages, in page order, up to about
// limit bytes: the strings its content streams show (in form XObjects
// too), decoded through each font's ToUnicode map or its simple encoding.
// A PDF that cannot be read gives an INVALID validation error; anything
// that panics while reading it counts as unreadable.
func pdfText(ctx context.Context, data []byte, limit int) (text string, err error) {
	defer func() {
		if p := recover(); p != nil {
			text, err = "", errUnreadable("its structure is broken")
		}
	}()
	pdf, err := api.ReadContext(bytes.NewReader(data), pdfConfig())
	if err != nil {
		return "", errUnreadable(firstLine(err))
	}
	if err := pdf.EnsurePageCount(); err != nil {
		return "", errUnreadable(firstLine(err))
	}
	x := &extractor{pdf: pdf, fonts: map[types.IndirectRef]*font{}}
	x.out.w = &x.buf
	for n := 1; n <= min(pdf.PageCount, maxPages) && x.out.Len() < limit; n++ {
		if err := ctx.Err(); err != nil {
			return "", fmt.Errorf("extract pdf text: %w", err)
		}
		if err := x.page(n); err != nil {
			return "", errUnreadable(fmt.Sprintf("page %d: %s", n, firstLine(err)))
		}
	}
	return tidy(x.buf.String()), nil
}

// firstLine keeps the first line of an error's text, for messages.
func firstLine(err error) string {
	s, _, _ := strings.Cut(err.Error(), "\n")
	if len(s) > 200 {
		s = s[:200]
	}
	return s
}

// extractor collects a PDF's text.
type extractor struct {
	pdf   *model.Context
	fonts map[types.IndirectRef]*font
	buf   strings.Builder
	out   textWriter
}

// textWriter writes text with separators between its pieces: a space or
// a line end asked for is written only before the next text, and a line
// end wins over a space.
type textWriter struct {
	w       *strings.Builder
	pending byte
}

// WriteRune writes r after any pending separator.
func (t *textWriter) WriteRune(r rune) {
	if t.pending != 0 {
		if t.w.Len() > 0 {
			t.w.WriteByte(t.pending)
		}
		t.pending = 0
	}
	t.w.WriteRune(r)
}

// Len is how many bytes were written.
func (t *textWriter) Len() int { return t.w.Len() }

// separate asks for a separator before the next text.
func (t *textWriter) separate(sep byte) {
	if sep == '\n' || t.pending == 0 {
		t.pending = sep
	}
}

// page appends the text of page n.
func (x *extractor) page(n int) error {
	d, _, inherited, err := x.pdf.PageDict(n, false)
	if err != nil {
		return err
	}
	content, err := x.pdf.PageContent(d, n)
	if errors.Is(err, model.ErrNoContent) {
		return nil
	}
	if err != nil {
		return err
	}
	res := x.dict(d["Resources"])
	if res == nil && inherited != nil {
		res = inherited.Resources
	}
	x.run(content, res, 0)
	x.out.separate('\n')
	return nil
}

// dict dereferences o as a dictionary; nil when it is not one.
func (x *extractor) dict(o types.Object) types.Dict {
	if o == nil {
		return nil
	}
	d, err := x.pdf.DereferenceDict(o)
	if err != nil {
		return nil
	}
	return d
}

// stream dereferences and decodes o as a stream; nil when it is not one.
func (x *extractor) stream(o types.Object) (*types.StreamDict, []byte) {
	sd, _, err := x.pdf.DereferenceStreamDict(o)
	if err != nil || sd == nil {
		return nil, nil
	}
	if err := sd.DecodeWithLimit(maxDecodeBytes); err != nil {
		return nil, nil
	}
	return sd, sd.Content
}

// font returns the decoder of the font named name in res.
func (x *extractor) font(res types.Dict, name string) *font {
	fonts := x.dict(res["Font"])
	if fonts == nil {
		return simpleFont(nil)
	}
	o := fonts[name]
	if ref, ok := o.(types.IndirectRef); ok {
		if f, ok := x.fonts[ref]; ok {
			return f
		}
		f := x.loadFont(o)
		x.fonts[ref] = f
		return f
	}
	return x.loadFont(o)
}

// loadFont reads a font dictionary: its ToUnicode map when it has one,
// else its simple encoding.
func (x *extractor) loadFont(o types.Object) *font {
	d := x.dict(o)
	if d == nil {
		return simpleFont(nil)
	}
	composite := d.Subtype() != nil && *d.Subtype() == "Type0"
	if tu, ok := d.Find("ToUnicode"); ok {
		if _, cmap := x.stream(tu); cmap != nil {
			if m := parseCMap(cmap); m != nil {
				if composite && m.widths == nil {
					m.widths = []int{2}
				}
				return &font{cmap: m}
			}
		}
	}
	if composite {
		// Glyph ids without a map to characters: nothing to decode.
		return &font{opaque: true}
	}
	return simpleFont(x.differences(d["Encoding"]))
}

// differences reads a simple font's encoding: a base encoding name, or a
// dictionary with a base and a Differences array of glyph names.
func (x *extractor) differences(o types.Object) *encoding {
	enc := &encoding{}
	switch v := o.(type) {
	case types.Name:
		enc.base = string(v)
		return enc
	case nil:
		return enc
	}
	d := x.dict(o)
	if d == nil {
		return enc
	}
	if b := d.NameEntry("BaseEncoding"); b != nil {
		enc.base = *b
	}
	arr, err := x.pdf.DereferenceArray(d["Differences"])
	if err != nil {
		return enc
	}
	code := 0
	for _, e := range arr {
		switch v := e.(type) {
		case types.Integer:
			code = int(v)
		case types.Name:
			if code >= 0 && code < 256 {
				if r, ok := glyphRune(string(v)); ok {
					if enc.diff == nil {
						enc.diff = map[byte]rune{}
					}
					enc.diff[byte(code)] = r
				}
			}
			code++
		}
	}
	return enc
}

// run interprets a content stream, appending the text it shows.
func (x *extractor) run(content []byte, res types.Dict, depth int) {
	var (
		cur      = simpleFont(nil)
		operands []token
	)
	lx := lexer{data: content}
	for {
		t, ok := lx.next()
		if !ok {
			return
		}
		if t.kind != tokOperator {
			operands = append(operands, t)
			if len(operands) > 64 {
				operands = operands[1:]
			}
			continue
		}
		switch t.text {
		case "BT":
			x.space()
		case "ET":
			x.space()
		case "Tf":
			if len(operands) >= 2 && operands[len(operands)-2].kind == tokName {
				cur = x.font(res, operands[len(operands)-2].text)
			}
		case "Tj":
			if len(operands) >= 1 {
				x.show(cur, operands[len(operands)-1])
			}
		case "'", "\"":
			x.newline()
			if len(operands) >= 1 {
				x.show(cur, operands[len(operands)-1])
			}
		case "TJ":
			if len(operands) >= 1 && operands[len(operands)-1].kind == tokArray {
				for _, e := range operands[len(operands)-1].items {
					switch {
					case e.kind == tokString:
						x.show(cur, e)
					case e.kind == tokNumber && e.num < -200:
						x.space()
					}
				}
			}
		case "Td", "TD":
			if len(operands) >= 2 && operands[len(operands)-1].num != 0 {
				x.newline()
			} else {
				x.space()
			}
		case "T*", "Tm":
			x.newline()
		case "Do":
			if depth < maxFormDepth && len(operands) >= 1 && operands[len(operands)-1].kind == tokName {
				x.form(res, operands[len(operands)-1].text, depth)
			}
		}
		operands = operands[:0]
	}
}

// form runs a form XObject's content with its own resources.
func (x *extractor) form(res types.Dict, name string, depth int) {
	xobjects := x.dict(res["XObject"])
	if xobjects == nil {
		return
	}
	sd, content := x.stream(xobjects[name])
	if sd == nil || sd.Dict.Subtype() == nil || *sd.Dict.Subtype() != "Form" {
		return
	}
	inner := x.dict(sd.Dict["Resources"])
	if inner == nil {
		inner = res
	}
	x.run(content, inner, depth+1)
}

// show appends a string operand decoded with f.
func (x *extractor) show(f *font, t token) {
	if t.kind != tokString {
		return
	}
	f.decode(&x.out, t.raw)
}

// space separates words.
func (x *extractor) space() { x.out.separate(' ') }

// newline ends a line.
func (x *extractor) newline() { x.out.separate('\n') }

// tidy removes control characters and spaces at line ends, and keeps at
// most one empty line in a row.
func tidy(s string) string {
	s = strings.Map(func(r rune) rune {
		switch {
		case r == '\n' || r == '\t':
			return r
		case r == '\r':
			return '\n'
		case r < ' ' || r == 0x7f || r == '\uFFFD':
			return -1
		}
		return r
	}, s)
	lines := strings.Split(s, "\n")
	out := make([]string, 0, len(lines))
	blank := 0
	for _, l := range lines {
		l = strings.TrimRight(l, " \t")
		if l == "" {
			if blank++; blank > 1 || len(out) == 0 {
				continue
			}
		} else {
			blank = 0
		}
		out = append(out, l)
	}
	return strings.TrimSpace(strings.Join(out, "\n"))
}
