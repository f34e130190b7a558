// Package ids encodes and decodes the opaque global ids of GraphQL nodes:
// base64url of "<Type>:<primary key>".
package ids

import (
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
)

// Node type names used in global ids.
const (
	User          = "User"
	Project       = "Project"
	Session       = "Session"
	Question      = "Question"
	Message       = "Message"
	Specification = "Specification"
	Conflict      = "Conflict"
	Team          = "Team"
	APIToken      = "ApiToken"
	Activity      = "Activity"
	// CodeGeneration names a code generation.
	CodeGeneration = "CodeGeneration"
	// GeneratedFile names a file of a code generation.
	GeneratedFile = "GeneratedFile"
	// Document names a document uploaded to a project.
	Document = "Document"
)

// Encode returns the global id of the object of the given type and key.
func Encode(typeName string, id int64) string {
	var raw [64]byte
	b := strconv.AppendInt(append(append(raw[:0], typeName...), ':'), id, 10)
	var out [88]byte
	n := base64.RawURLEncoding.EncodedLen(len(b))
	if n > len(out) {
		return base64.RawURLEncoding.EncodeToString(b)
	}
	base64.RawURLEncoding.Encode(out[:n], b)
	return string(out[:n])
}

// Decode splits a global id into its type name and key.
func Decode(global string) (string, int64, error) {
	if len(global) > 64 || !urlSafe(global) {
		return "", 0, fmt.Errorf("malformed id %q", truncate(global))
	}
	raw, err := base64.RawURLEncoding.Strict().DecodeString(global)
	if err != nil {
		return "", 0, fmt.Errorf("malformed id %q", truncate(global))
	}
	typeName, key, ok := strings.Cut(string(raw), ":")
	if !ok || typeName == "" {
		return "", 0, fmt.Errorf("malformed id %q", truncate(global))
	}
	id, err := strconv.ParseInt(key, 10, 64)
	// Only the form Encode writes is an id: no sign, no leading zero, so
	// that one object has one id.
	if err != nil || id <= 0 || strconv.FormatInt(id, 10) != key {
		return "", 0, fmt.Errorf("malformed id %q", truncate(global))
	}
	return typeName, id, nil
}

// DecodeAs decodes a global id that must be of the given type.
func DecodeAs(typeName, global string) (int64, error) {
	t, id, err := Decode(global)
	if err != nil {
		return 0, err
	}
	if t != typeName {
		return 0, fmt.Errorf("id %q is not a %s id", truncate(global), typeName)
	}
	return id, nil
}

// urlSafe reports whether s holds only the letters of unpadded base64url
// (the decoder would skip line breaks).
func urlSafe(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

func truncate(s string) string {
	if len(s) > 64 {
		return s[:64] + "…"
	}
	return s
}
