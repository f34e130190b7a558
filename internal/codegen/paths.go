package codegen

import (
	"errors"
	"fmt"
	"path"
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxPathBytes bounds the length of a generated file's path.
const MaxPathBytes = 255

// ErrUnsafePath is wrapped by every refusal of ValidatePath.
var ErrUnsafePath = errors.New("unsafe path")

// ValidatePath checks that p is a safe relative path inside a project's
// root: not empty, at most MaxPathBytes, valid UTF-8 without control
// characters or backslashes, not absolute (no leading slash, no drive
// letter), already clean (no ".", ".." or empty segments, no trailing
// slash). The generator, the model protocol and the ZIP writer all go
// through it, so nothing can name a file outside the root.
func ValidatePath(p string) error {
	bad := func(why string) error { return fmt.Errorf("%w %q: %s", ErrUnsafePath, p, why) }
	switch {
	case p == "":
		return bad("empty")
	case len(p) > MaxPathBytes:
		return bad(fmt.Sprintf("longer than %d bytes", MaxPathBytes))
	case !utf8.ValidString(p):
		return bad("not UTF-8")
	case strings.ContainsRune(p, '\\'):
		return bad("backslashes are not path separators here")
	case strings.HasPrefix(p, "/"):
		return bad("absolute")
	case len(p) >= 2 && p[1] == ':':
		return bad("a drive letter makes it absolute")
	}
	for _, r := range p {
		if unicode.IsControl(r) {
			return bad("control character")
		}
	}
	for _, seg := range strings.Split(p, "/") {
		switch seg {
		case "":
			return bad("empty segment")
		case ".", "..":
			return bad("dot segments")
		}
	}
	if path.Clean(p) != p {
		return bad("not clean")
	}
	return nil
}
