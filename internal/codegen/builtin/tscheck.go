package builtin

import (
	"fmt"
	"path"
	"regexp"
	"strings"
)

var importFrom = regexp.MustCompile(`(?m)^import .* from "([^"]+)";$`)

// CheckTypeScript checks a TypeScript or TSX file structurally: its
// brackets balance outside strings, template literals and comments, and
// every relative import names a file of the skeleton (files, by path).
// It is no type checker; it catches a broken template.
func CheckTypeScript(name, src string, files map[string]string) error {
	var stack []byte
	pairs := map[byte]byte{')': '(', ']': '[', '}': '{'}
	for i := 0; i < len(src); i++ {
		c := src[i]
		switch {
		case c == '/' && i+1 < len(src) && src[i+1] == '/':
			for i < len(src) && src[i] != '\n' {
				i++
			}
		case c == '/' && i+1 < len(src) && src[i+1] == '*':
			end := strings.Index(src[i+2:], "*/")
			if end < 0 {
				return fmt.Errorf("unterminated comment")
			}
			i += end + 3
		case c == '"' || c == '\'' || c == '`':
			j := i + 1
			for ; j < len(src) && src[j] != c; j++ {
				if src[j] == '\\' {
					j++
				}
				if src[j] == '\n' && c != '`' {
					return fmt.Errorf("unterminated string at byte %d", i)
				}
			}
			if j >= len(src) {
				return fmt.Errorf("unterminated string at byte %d", i)
			}
			i = j
		case c == '(' || c == '[' || c == '{':
			stack = append(stack, c)
		case c == ')' || c == ']' || c == '}':
			if len(stack) == 0 || stack[len(stack)-1] != pairs[c] {
				return fmt.Errorf("unbalanced %q at byte %d", c, i)
			}
			stack = stack[:len(stack)-1]
		}
	}
	if len(stack) > 0 {
		return fmt.Errorf("%d unclosed brackets", len(stack))
	}
	for _, m := range importFrom.FindAllStringSubmatch(src, -1) {
		spec := m[1]
		if !strings.HasPrefix(spec, ".") {
			continue
		}
		target := path.Join(path.Dir(name), spec)
		found := false
		for _, ext := range []string{"", ".ts", ".tsx"} {
			if _, ok := files[target+ext]; ok {
				found = true
			}
		}
		if !found {
			return fmt.Errorf("import %q names no generated file", spec)
		}
	}
	return nil
}
