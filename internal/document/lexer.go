package document

import (
	"strconv"
)

// Token kinds of a content stream or CMap.
const (
	tokOperator = iota
	tokNumber
	tokString
	tokName
	tokArray
	tokOther
)

// token is one operand or operator of a content stream.
type token struct {
	kind  int
	text  string  // an operator's or name's text
	raw   []byte  // a string's bytes
	num   float64 // a number's value
	items []token // an array's elements
}

// lexer reads the tokens of a content stream (PDF 32000-1, 7.2 and 7.8):
// strings (literal and hexadecimal), names, numbers, arrays and
// operators; dictionaries are skipped, and so is the data of an inline
// image (BI … ID … EI).
type lexer struct {
	data  []byte
	pos   int
	depth int
}

// maxNesting bounds arrays within arrays; deeper ones are skipped.
const maxNesting = 16

// maxArrayItems bounds the elements kept from one array.
const maxArrayItems = 10000

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == 0
}

func isDelimiter(c byte) bool {
	switch c {
	case '(', ')', '<', '>', '[', ']', '{', '}', '/', '%':
		return true
	}
	return false
}

// next returns the next token, or false at the end.
func (l *lexer) next() (token, bool) {
	for {
		l.skipSpace()
		if l.pos >= len(l.data) {
			return token{}, false
		}
		c := l.data[l.pos]
		switch {
		case c == '(':
			l.pos++
			return token{kind: tokString, raw: l.literal()}, true
		case c == '<' && l.peek(1) == '<':
			l.pos += 2
			l.skipDict()
			return token{kind: tokOther}, true
		case c == '<':
			l.pos++
			return token{kind: tokString, raw: l.hex()}, true
		case c == '[':
			l.pos++
			return l.array(), true
		case c == ']' || c == '>' || c == ')' || c == '{' || c == '}':
			l.pos++
			continue
		case c == '/':
			l.pos++
			return token{kind: tokName, text: l.word()}, true
		}
		w := l.word()
		if w == "" {
			l.pos++
			continue
		}
		if n, err := strconv.ParseFloat(w, 64); err == nil {
			return token{kind: tokNumber, num: n}, true
		}
		if w == "ID" {
			l.skipInlineImage()
			continue
		}
		return token{kind: tokOperator, text: w}, true
	}
}

func (l *lexer) peek(ahead int) byte {
	if l.pos+ahead < len(l.data) {
		return l.data[l.pos+ahead]
	}
	return 0
}

// skipSpace skips white space and comments.
func (l *lexer) skipSpace() {
	for l.pos < len(l.data) {
		c := l.data[l.pos]
		switch {
		case isSpace(c):
			l.pos++
		case c == '%':
			for l.pos < len(l.data) && l.data[l.pos] != '\n' && l.data[l.pos] != '\r' {
				l.pos++
			}
		default:
			return
		}
	}
}

// word reads regular characters up to a delimiter or white space.
func (l *lexer) word() string {
	start := l.pos
	for l.pos < len(l.data) && !isSpace(l.data[l.pos]) && !isDelimiter(l.data[l.pos]) {
		l.pos++
	}
	return string(l.data[start:l.pos])
}

// literal reads a literal string after its "(": balanced parentheses and
// backslash escapes.
func (l *lexer) literal() []byte {
	var out []byte
	depth := 1
	for l.pos < len(l.data) {
		c := l.data[l.pos]
		l.pos++
		switch c {
		case '(':
			depth++
		case ')':
			if depth--; depth == 0 {
				return out
			}
		case '\\':
			if l.pos >= len(l.data) {
				return out
			}
			e := l.data[l.pos]
			l.pos++
			switch e {
			case 'n':
				c = '\n'
			case 'r':
				c = '\r'
			case 't':
				c = '\t'
			case 'b':
				c = '\b'
			case 'f':
				c = '\f'
			case '\r':
				if l.peek(0) == '\n' {
					l.pos++
				}
				continue
			case '\n':
				continue
			default:
				if e >= '0' && e <= '7' {
					v := int(e - '0')
					for i := 0; i < 2 && l.pos < len(l.data) && l.data[l.pos] >= '0' && l.data[l.pos] <= '7'; i++ {
						v = v*8 + int(l.data[l.pos]-'0')
						l.pos++
					}
					c = byte(v)
				} else {
					c = e
				}
			}
		}
		out = append(out, c)
	}
	return out
}

// hex reads a hexadecimal string after its "<".
func (l *lexer) hex() []byte {
	var out []byte
	var hi byte
	half := false
	for l.pos < len(l.data) {
		c := l.data[l.pos]
		l.pos++
		if c == '>' {
			break
		}
		v, ok := hexValue(c)
		if !ok {
			continue
		}
		if half {
			out = append(out, hi<<4|v)
		} else {
			hi = v
		}
		half = !half
	}
	if half {
		out = append(out, hi<<4)
	}
	return out
}

func hexValue(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// array reads an array's elements after its "[".
func (l *lexer) array() token {
	t := token{kind: tokArray}
	if l.depth >= maxNesting {
		l.skipArray()
		return t
	}
	l.depth++
	defer func() { l.depth-- }()
	for {
		l.skipSpace()
		if l.pos >= len(l.data) {
			return t
		}
		if l.data[l.pos] == ']' {
			l.pos++
			return t
		}
		e, ok := l.next()
		if !ok {
			return t
		}
		if len(t.items) < maxArrayItems {
			t.items = append(t.items, e)
		}
	}
}

// skipArray skips an array's contents after its "[", nested ones too,
// without reading them.
func (l *lexer) skipArray() {
	depth := 1
	for l.pos < len(l.data) {
		switch l.data[l.pos] {
		case '(':
			l.pos++
			l.literal()
			continue
		case '[':
			depth++
		case ']':
			if depth--; depth == 0 {
				l.pos++
				return
			}
		}
		l.pos++
	}
}

// skipDict skips a dictionary's contents after its "<<".
func (l *lexer) skipDict() {
	depth := 1
	for l.pos < len(l.data) {
		switch {
		case l.data[l.pos] == '(':
			l.pos++
			l.literal()
		case l.data[l.pos] == '<' && l.peek(1) == '<':
			l.pos += 2
			depth++
		case l.data[l.pos] == '>' && l.peek(1) == '>':
			l.pos += 2
			if depth--; depth == 0 {
				return
			}
		default:
			l.pos++
		}
	}
}

// skipInlineImage skips an inline image's data after ID, up to EI
// standing alone between white space.
func (l *lexer) skipInlineImage() {
	for l.pos+2 < len(l.data) {
		if isSpace(l.data[l.pos]) && l.data[l.pos+1] == 'E' && l.data[l.pos+2] == 'I' &&
			(l.pos+3 == len(l.data) || isSpace(l.data[l.pos+3]) || isDelimiter(l.data[l.pos+3])) {
			l.pos += 3
			return
		}
		l.pos++
	}
	l.pos = len(l.data)
}
