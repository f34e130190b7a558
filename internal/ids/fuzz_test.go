package ids

import (
	"encoding/base64"
	"testing"
)

// FuzzDecode feeds arbitrary strings to Decode: it never panics, and what
// it accepts is exactly what Encode writes for the type and key it
// returns.
func FuzzDecode(f *testing.F) {
	for _, s := range []string{
		Encode(Project, 1), Encode(Session, 9007199254740993), Encode("", 5), "", "!!", "UHJvamVjdA",
		base64.RawURLEncoding.EncodeToString([]byte("Project:+5")),
		base64.RawURLEncoding.EncodeToString([]byte("Project:007")),
		base64.RawURLEncoding.EncodeToString([]byte("Project:1:2")),
		base64.RawURLEncoding.EncodeToString([]byte("Project:-3")),
		base64.RawURLEncoding.EncodeToString([]byte("\xff\xfe:12")),
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		typ, id, err := Decode(s)
		if err != nil {
			return
		}
		if typ == "" || id <= 0 {
			t.Fatalf("Decode(%q) accepted type %q key %d", s, typ, id)
		}
		if again := Encode(typ, id); again != s {
			t.Fatalf("Decode(%q) = %q %d, which Encode writes as %q", s, typ, id, again)
		}
		if got, err := DecodeAs(typ, s); err != nil || got != id {
			t.Fatalf("DecodeAs(%q, %q) = %d, %v", typ, s, got, err)
		}
	})
}
