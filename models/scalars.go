package models

import (
	"io"
	"time"

	"github.com/99designs/gqlgen/graphql"
)

// MarshalTime writes the Time scalar as an RFC 3339 string with
// nanoseconds, as gqlgen's own marshaller does, formatting into a buffer
// on the stack instead of building and quoting strings.
func MarshalTime(t time.Time) graphql.Marshaler {
	if t.IsZero() {
		return graphql.Null
	}
	return graphql.WriterFunc(func(w io.Writer) {
		var buf [48]byte
		b := append(t.AppendFormat(append(buf[:0], '"'), time.RFC3339Nano), '"')
		_, _ = w.Write(b)
	})
}

// UnmarshalTime reads the Time scalar as gqlgen's own unmarshaller does.
func UnmarshalTime(v any) (time.Time, error) { return graphql.UnmarshalTime(v) }
