package document

import (
	"strconv"
	"strings"
	"unicode/utf16"

	"golang.org/x/text/encoding/charmap"
)

// font decodes the strings a font shows into text.
type font struct {
	// cmap maps character codes to text (a ToUnicode map).
	cmap *cmap
	// enc is a simple font's one-byte encoding, when there is no cmap.
	enc *encoding
	// opaque fonts show glyph ids that map to no text.
	opaque bool
}

// encoding is a simple font's encoding: a base encoding and differences.
type encoding struct {
	base string
	diff map[byte]rune
}

// simpleFont returns a font decoding one byte per character with enc (the
// standard Latin encoding when nil).
func simpleFont(enc *encoding) *font {
	if enc == nil {
		enc = &encoding{}
	}
	return &font{enc: enc}
}

// decode writes the text of the string raw.
func (f *font) decode(w *textWriter, raw []byte) {
	switch {
	case f.opaque:
		return
	case f.cmap != nil:
		f.cmap.decode(w, raw)
	default:
		for _, b := range raw {
			if r := f.enc.rune(b); r >= 0 {
				w.WriteRune(r)
			}
		}
	}
}

// rune maps one byte of a simple font; -1 for none.
func (e *encoding) rune(b byte) rune {
	if r, ok := e.diff[b]; ok {
		return r
	}
	switch e.base {
	case "MacRomanEncoding":
		return charmap.Macintosh.DecodeByte(b)
	default:
		// WinAnsiEncoding, and for StandardEncoding and fonts without an
		// encoding the same letters, digits and punctuation.
		if b < 0x20 {
			return -1
		}
		return charmap.Windows1252.DecodeByte(b)
	}
}

// glyphNames are the glyph names of the Adobe Glyph List most often seen
// in Differences arrays besides single letters and uniXXXX.
var glyphNames = map[string]rune{
	"space": ' ', "exclam": '!', "quotedbl": '"', "numbersign": '#', "dollar": '$', "percent": '%',
	"ampersand": '&', "quotesingle": '\'', "quoteright": '’', "quoteleft": '‘', "parenleft": '(',
	"parenright": ')', "asterisk": '*', "plus": '+', "comma": ',', "hyphen": '-', "minus": '−',
	"period": '.', "slash": '/', "zero": '0', "one": '1', "two": '2', "three": '3', "four": '4',
	"five": '5', "six": '6', "seven": '7', "eight": '8', "nine": '9', "colon": ':', "semicolon": ';',
	"less": '<', "equal": '=', "greater": '>', "question": '?', "at": '@', "bracketleft": '[',
	"backslash": '\\', "bracketright": ']', "underscore": '_', "braceleft": '{', "bar": '|',
	"braceright": '}', "endash": '–', "emdash": '—', "quotedblleft": '“', "quotedblright": '”',
	"bullet": '•', "ellipsis": '…', "fi": 'ﬁ', "fl": 'ﬂ', "ff": 'ﬀ', "ffi": 'ﬃ', "ffl": 'ﬄ',
	"eacute": 'é', "egrave": 'è', "agrave": 'à', "ccedilla": 'ç', "udieresis": 'ü', "odieresis": 'ö',
	"adieresis": 'ä', "germandbls": 'ß', "degree": '°', "copyright": '©', "registered": '®',
}

// glyphRune maps a glyph name to its character.
func glyphRune(name string) (rune, bool) {
	if len(name) == 1 && (name[0] >= 'a' && name[0] <= 'z' || name[0] >= 'A' && name[0] <= 'Z') {
		return rune(name[0]), true
	}
	if r, ok := glyphNames[name]; ok {
		return r, true
	}
	for _, prefix := range []string{"uni", "u"} {
		if hex, ok := strings.CutPrefix(name, prefix); ok && len(hex) >= 4 && len(hex) <= 6 {
			if v, err := strconv.ParseUint(hex[:4], 16, 32); err == nil && prefix == "uni" {
				return rune(v), true
			}
			if v, err := strconv.ParseUint(hex, 16, 32); err == nil && prefix == "u" && v <= 0x10FFFF {
				return rune(v), true
			}
		}
	}
	return 0, false
}

// cmap is a ToUnicode map: character codes of the given byte widths, and
// the text each stands for.
type cmap struct {
	// widths are the code lengths in bytes the codespace ranges use.
	widths []int
	chars  map[uint32]string
	ranges []cmapRange
}

// cmapRange maps codes lo..hi to text: consecutive characters from start,
// or one entry each from list.
type cmapRange struct {
	lo, hi uint32
	width  int
	start  []rune
	list   []string
}

// maxCMapEntries bounds the entries read from one ToUnicode map.
const maxCMapEntries = 1 << 16

// parseCMap reads the codespace ranges, bfchar and bfrange entries of a
// ToUnicode map; nil when it has none.
func parseCMap(data []byte) *cmap {
	m := &cmap{chars: map[uint32]string{}}
	lx := lexer{data: data}
	var ops []token
	entries := 0
	for entries < maxCMapEntries {
		t, ok := lx.next()
		if !ok {
			break
		}
		if t.kind != tokOperator {
			ops = append(ops, t)
			continue
		}
		switch t.text {
		case "endcodespacerange":
			for i := 0; i+1 < len(ops); i += 2 {
				if ops[i].kind == tokString && len(ops[i].raw) > 0 && len(ops[i].raw) <= 4 {
					m.addWidth(len(ops[i].raw))
				}
			}
		case "endbfchar":
			for i := 0; i+1 < len(ops); i += 2 {
				if ops[i].kind == tokString && ops[i+1].kind == tokString && len(ops[i].raw) > 0 && len(ops[i].raw) <= 4 {
					m.chars[code(ops[i].raw)] = utf16BE(ops[i+1].raw)
					m.addWidth(len(ops[i].raw))
					entries++
				}
			}
		case "endbfrange":
			for i := 0; i+2 < len(ops); i += 3 {
				lo, hi, dst := ops[i], ops[i+1], ops[i+2]
				if lo.kind != tokString || hi.kind != tokString || len(lo.raw) > 4 || len(lo.raw) == 0 {
					continue
				}
				r := cmapRange{lo: code(lo.raw), hi: code(hi.raw), width: len(lo.raw)}
				if r.hi < r.lo || r.hi-r.lo > maxCMapEntries {
					continue
				}
				switch dst.kind {
				case tokString:
					r.start = []rune(utf16BE(dst.raw))
				case tokArray:
					for _, e := range dst.items {
						r.list = append(r.list, utf16BE(e.raw))
					}
				default:
					continue
				}
				m.ranges = append(m.ranges, r)
				m.addWidth(r.width)
				entries++
			}
		}
		ops = ops[:0]
	}
	if len(m.chars) == 0 && len(m.ranges) == 0 {
		return nil
	}
	return m
}

func (m *cmap) addWidth(w int) {
	for _, have := range m.widths {
		if have == w {
			return
		}
	}
	m.widths = append(m.widths, w)
}

// code reads a big-endian character code.
func code(b []byte) uint32 {
	var c uint32
	for _, x := range b {
		c = c<<8 | uint32(x)
	}
	return c
}

// utf16BE decodes UTF-16BE text (surrogate pairs included).
func utf16BE(b []byte) string {
	u := make([]uint16, 0, len(b)/2)
	for i := 0; i+1 < len(b); i += 2 {
		u = append(u, uint16(b[i])<<8|uint16(b[i+1]))
	}
	return string(utf16.Decode(u))
}

// lookup returns the text of a code of width w.
func (m *cmap) lookup(c uint32, w int) (string, bool) {
	if s, ok := m.chars[c]; ok {
		return s, true
	}
	for _, r := range m.ranges {
		if r.width != w || c < r.lo || c > r.hi {
			continue
		}
		off := c - r.lo
		if r.list != nil {
			if int(off) < len(r.list) {
				return r.list[off], true
			}
			return "", false
		}
		if len(r.start) == 0 {
			return "", false
		}
		out := append([]rune{}, r.start...)
		out[len(out)-1] += rune(off)
		return string(out), true
	}
	return "", false
}

// decode writes the text of raw, reading codes of the shortest width
// that has a mapping (one byte when the map gives no widths).
func (m *cmap) decode(w *textWriter, raw []byte) {
	widths := m.widths
	if len(widths) == 0 {
		widths = []int{1}
	}
	for i := 0; i < len(raw); {
		done := false
		for _, n := range widths {
			if i+n > len(raw) {
				continue
			}
			if s, ok := m.lookup(code(raw[i:i+n]), n); ok {
				for _, r := range s {
					w.WriteRune(r)
				}
				i += n
				done = true
				break
			}
		}
		if !done {
			i += max(widths[0], 1)
		}
	}
}
