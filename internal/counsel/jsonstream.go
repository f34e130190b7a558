package counsel

import (
	"strconv"
	"strings"
)

// fieldStreamer watches a JSON document arrive in pieces and emits the
// decoded characters of one top-level string field as soon as they arrive,
// so a question can be streamed while the model is still writing the JSON
// around it.
type fieldStreamer struct {
	field   string
	buf     strings.Builder
	started bool
	done    bool
	pos     int // bytes of buf already consumed inside the string
	emit    func(string)
}

func newFieldStreamer(field string, emit func(string)) *fieldStreamer {
	return &fieldStreamer{field: field, emit: emit}
}

// Write feeds the next piece of the document.
func (f *fieldStreamer) Write(chunk string) {
	if f.done {
		return
	}
	f.buf.WriteString(chunk)
	s := f.buf.String()
	if !f.started {
		key := `"` + f.field + `"`
		i := strings.Index(s, key)
		if i < 0 {
			return
		}
		j := i + len(key)
		for j < len(s) && (s[j] == ' ' || s[j] == '\n' || s[j] == '\t' || s[j] == '\r') {
			j++
		}
		if j >= len(s) || s[j] != ':' {
			return
		}
		j++
		for j < len(s) && (s[j] == ' ' || s[j] == '\n' || s[j] == '\t' || s[j] == '\r') {
			j++
		}
		if j >= len(s) || s[j] != '"' {
			return
		}
		f.started, f.pos = true, j+1
	}
	var out strings.Builder
	for f.pos < len(s) {
		c := s[f.pos]
		if c == '"' {
			f.done = true
			break
		}
		if c != '\\' {
			out.WriteByte(c)
			f.pos++
			continue
		}
		// An escape: wait until it is complete.
		if f.pos+1 >= len(s) {
			break
		}
		if s[f.pos+1] == 'u' {
			if f.pos+6 > len(s) {
				break
			}
			if r, err := strconv.Unquote(`"` + s[f.pos:f.pos+6] + `"`); err == nil {
				out.WriteString(r)
			}
			f.pos += 6
			continue
		}
		if r, err := strconv.Unquote(`"` + s[f.pos:f.pos+2] + `"`); err == nil {
			out.WriteString(r)
		}
		f.pos += 2
	}
	if out.Len() > 0 {
		f.emit(out.String())
	}
}
