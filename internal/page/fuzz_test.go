package page

import (
	"encoding/base64"
	"testing"
)

// FuzzParseCursor feeds arbitrary after and before strings to Parse: it
// never panics, a cursor it accepts names the ordering asked for and a
// positive key, and encoding that cursor and parsing it again gives it
// back.
func FuzzParseCursor(f *testing.F) {
	const order = "created_at"
	for _, s := range []string{
		Cursor{Order: order, Value: "2026-11-30T10:00:00Z", ID: 7}.Encode(),
		Cursor{Order: order, ID: 1}.Encode(),
		Cursor{Order: "name", Value: "x", ID: 2}.Encode(),
		"", "!!", "e30",
		base64.RawURLEncoding.EncodeToString([]byte(`{"o":"created_at","i":-1}`)),
		base64.RawURLEncoding.EncodeToString([]byte(`{"o":"created_at","i":1e300}`)),
		base64.RawURLEncoding.EncodeToString([]byte(`{"o":"created_at","v":"\xff","i":3}`)),
		base64.RawURLEncoding.EncodeToString([]byte(`{"O":"created_at","I":4,"i":5}`)),
	} {
		f.Add(s, s)
	}
	f.Fuzz(func(t *testing.T, after, before string) {
		r, err := Parse(Args{After: &after, Before: &before}, order)
		if err != nil {
			return
		}
		for _, c := range []Cursor{r.After, r.Before} {
			if c.Order != order || c.ID <= 0 {
				t.Fatalf("accepted cursor %+v for ordering %q", c, order)
			}
			s := c.Encode()
			again, err := Parse(Args{After: &s}, order)
			if err != nil || again.After != c {
				t.Fatalf("cursor %+v encoded as %q parsed as %+v, %v", c, s, again.After, err)
			}
		}
	})
}
