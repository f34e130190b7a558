package main

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"sync"
)

// Codes of the untyped messages a PostgreSQL client may send before its
// startup message.
const (
	sslRequestCode    = 80877103
	gssEncRequestCode = 80877104
	cancelRequestCode = 80877102
	maxMessageBytes   = 1 << 30
)

// wireParser splits the frontend-to-backend byte stream of one PostgreSQL
// connection into messages: first the untyped startup message (length,
// then body), preceded by any SSLRequest or GSSENCRequest, then typed
// messages (one type byte, an int32 length counting itself, the body). It
// hands each typed message to onMessage and keeps what has not arrived yet.
type wireParser struct {
	started   bool
	buf       []byte
	onMessage func(typ byte, body []byte)
}

// Feed consumes the next bytes of the stream. After an error the parser is
// out of step and must not be fed again.
func (p *wireParser) Feed(b []byte) error {
	p.buf = append(p.buf, b...)
	off := 0
	defer func() {
		// Keep only the unconsumed tail, reusing the buffer.
		n := copy(p.buf, p.buf[off:])
		p.buf = p.buf[:n]
	}()
	for {
		rest := p.buf[off:]
		if !p.started {
			if len(rest) < 8 {
				return nil
			}
			n := int(binary.BigEndian.Uint32(rest))
			if n < 8 || n > maxMessageBytes {
				return fmt.Errorf("bad startup message length %d", n)
			}
			if len(rest) < n {
				return nil
			}
			switch binary.BigEndian.Uint32(rest[4:]) {
			case sslRequestCode, gssEncRequestCode, cancelRequestCode:
				// The startup message (or nothing) follows.
			default:
				p.started = true
			}
			off += n
			continue
		}
		if len(rest) < 5 {
			return nil
		}
		n := int(binary.BigEndian.Uint32(rest[1:]))
		if n < 4 || n > maxMessageBytes {
			return fmt.Errorf("bad length %d of message %q", n, rest[0])
		}
		if len(rest) < 1+n {
			return nil
		}
		if p.onMessage != nil {
			p.onMessage(rest[0], rest[5:1+n])
		}
		off += 1 + n
	}
}

// parseStatementText returns the SQL text of a Parse message's body: a
// statement name and the text, both NUL-terminated, then parameter types.
func parseStatementText(body []byte) (string, error) {
	i := bytes.IndexByte(body, 0)
	if i < 0 {
		return "", errors.New("parse message without a statement name")
	}
	rest := body[i+1:]
	j := bytes.IndexByte(rest, 0)
	if j < 0 {
		return "", errors.New("parse message without a query text")
	}
	return string(rest[:j]), nil
}

// WireCounts are the statement-bearing messages a proxy has seen.
type WireCounts struct {
	// Queries counts simple-protocol Query ('Q') messages.
	Queries int64
	// Executes counts extended-protocol Execute ('E') messages.
	Executes int64
	// Parses counts Parse ('P') messages, each preparing a statement.
	Parses int64
	// DistinctTexts counts the different SQL texts the Parse messages carried.
	DistinctTexts int64
	// Malformed counts connections whose stream could not be parsed.
	Malformed int64
}

// Statements is the number of statements run: simple queries plus executions.
func (c WireCounts) Statements() int64 { return c.Queries + c.Executes }

// Tally accumulates WireCounts over every connection of a proxy; it is safe
// for concurrent use.
type Tally struct {
	mu     sync.Mutex
	counts WireCounts
	texts  map[string]struct{}
}

// NewTally returns an empty tally.
func NewTally() *Tally { return &Tally{texts: map[string]struct{}{}} }

// Observe counts one typed frontend message.
func (t *Tally) Observe(typ byte, body []byte) {
	switch typ {
	case 'Q', 'E', 'P':
	default:
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	switch typ {
	case 'Q':
		t.counts.Queries++
	case 'E':
		t.counts.Executes++
	case 'P':
		t.counts.Parses++
		if text, err := parseStatementText(body); err == nil {
			if _, seen := t.texts[text]; !seen {
				t.texts[text] = struct{}{}
				t.counts.DistinctTexts++
			}
		}
	}
}

// malformed records a connection whose stream went out of step.
func (t *Tally) malformed() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.counts.Malformed++
}

// Snapshot returns the counts so far.
func (t *Tally) Snapshot() WireCounts {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.counts
}

// Reset clears the counts and the set of statement texts.
func (t *Tally) Reset() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.counts = WireCounts{}
	t.texts = map[string]struct{}{}
}
