// Package gqlresp writes GraphQL responses as encoding/json would, member
// for member, but writes their data (JSON the executor already rendered)
// as it is instead of parsing and writing it again: for a large answer
// that second pass costs as much as rendering it. The HTTP and websocket
// transports share it.
package gqlresp

import (
	"bytes"
	"encoding/json"
	"io"

	"github.com/99designs/gqlgen/graphql"
)

// Write writes resp to w.
func Write(w io.Writer, resp *graphql.Response) error {
	var head bytes.Buffer
	head.WriteByte('{')
	if len(resp.Errors) > 0 {
		member(&head, "errors", resp.Errors)
		head.WriteByte(',')
	}
	head.WriteString(`"data":`)
	data := []byte(resp.Data)
	if data == nil {
		data = []byte("null")
	}
	var tail bytes.Buffer
	if resp.Label != "" {
		tail.WriteByte(',')
		member(&tail, "label", resp.Label)
	}
	if len(resp.Path) > 0 {
		tail.WriteByte(',')
		member(&tail, "path", resp.Path)
	}
	if resp.HasNext != nil {
		tail.WriteByte(',')
		member(&tail, "hasNext", resp.HasNext)
	}
	if len(resp.Extensions) > 0 {
		tail.WriteByte(',')
		member(&tail, "extensions", resp.Extensions)
	}
	tail.WriteByte('}')
	for _, part := range [][]byte{head.Bytes(), data, tail.Bytes()} {
		if _, err := w.Write(part); err != nil {
			return err
		}
	}
	return nil
}

// Encode returns resp as Write writes it.
func Encode(resp *graphql.Response) []byte {
	var b bytes.Buffer
	_ = Write(&b, resp) // a bytes.Buffer does not fail
	return b.Bytes()
}

// member writes "name":value; a value that cannot be encoded is null.
func member(buf *bytes.Buffer, name string, value any) {
	b, err := json.Marshal(value)
	if err != nil {
		b = []byte("null")
	}
	buf.WriteString(`"` + name + `":`)
	buf.Write(b)
}
