package e2e

import (
	"encoding/base64"
	"strings"
)

func decodeB64(s string) ([]byte, error) { return base64.RawURLEncoding.DecodeString(s) }

// errorLines returns the lines of a server's log that report an error, a
// panic or a stack, joined; "" when there is none.
func errorLines(logs string) string {
	var out []string
	for _, line := range strings.Split(logs, "\n") {
		if strings.Contains(line, "level=ERROR") || strings.Contains(strings.ToLower(line), "panic") || strings.Contains(line, "goroutine ") {
			out = append(out, line)
		}
	}
	return strings.Join(out, "\n")
}
