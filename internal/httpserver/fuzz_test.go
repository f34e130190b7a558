package httpserver

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzDecodeParams feeds arbitrary POST bodies to the request decoder: it
// never panics, it either accepts a request with a query (or a persisted
// query hash) or says what is wrong in valid UTF-8, and what it accepts
// survives being encoded and decoded again.
func FuzzDecodeParams(f *testing.F) {
	for _, s := range []string{
		`{"query":"{ viewer { id } }"}`,
		`{"query":"query Q($a: Int) { x }","operationName":"Q","variables":{"a":1.5e3},"extensions":{}}`,
		`{"extensions":{"persistedQuery":{"version":1,"sha256Hash":"abc"}}}`,
		``, ` `, `[]`, `"x"`, `null`, `1`, `{`, `{"query":1}`, `{"query":"x"} {}`, `{"variables":[]}`,
		`{"query":"x","variables":{"a":"\ud800"}}`, "{\"query\":\"\xff\"}", `{"query":"   "}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		params, problem := decodeParams(body)
		if (params == nil) == (problem == "") {
			t.Fatalf("decodeParams(%q) = %v, %q: want a request or a problem", body, params, problem)
		}
		if params == nil {
			if !utf8.ValidString(problem) {
				t.Fatalf("decodeParams(%q): problem %q is not UTF-8", body, problem)
			}
			return
		}
		if strings.TrimSpace(params.Query) == "" && params.Extensions["persistedQuery"] == nil {
			t.Fatalf("decodeParams(%q) accepted a request without a query", body)
		}
		again, err := json.Marshal(params)
		if err != nil {
			t.Fatalf("encode %+v: %v", params, err)
		}
		back, problem := decodeParams(again)
		if problem != "" || !reflect.DeepEqual(back, params) {
			t.Fatalf("decodeParams(%q) = %+v, which encodes as %s and decodes as %+v, %q", body, params, again, back, problem)
		}
	})
}
