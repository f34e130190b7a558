package main

import (
	"encoding/binary"
	"testing"
)

func startupMessage(code uint32, payload string) []byte {
	b := make([]byte, 8, 8+len(payload))
	binary.BigEndian.PutUint32(b, uint32(8+len(payload)))
	binary.BigEndian.PutUint32(b[4:], code)
	return append(b, payload...)
}

func typedMessage(typ byte, body string) []byte {
	b := []byte{typ, 0, 0, 0, 0}
	binary.BigEndian.PutUint32(b[1:], uint32(4+len(body)))
	return append(b, body...)
}

func parseMessage(name, text string) []byte {
	return typedMessage('P', name+"\x00"+text+"\x00\x00\x00")
}

func TestTallyCountsStatementsAcrossSplitReads(t *testing.T) {
	var stream []byte
	stream = append(stream, startupMessage(sslRequestCode, "")...)
	stream = append(stream, startupMessage(196608, "user\x00postgres\x00database\x00bench\x00\x00")...)
	stream = append(stream, typedMessage('Q', "BEGIN\x00")...)
	stream = append(stream, parseMessage("stmtcache_1", "SELECT 1")...)
	stream = append(stream, typedMessage('D', "S stmtcache_1\x00")...)
	stream = append(stream, typedMessage('S', "")...)
	stream = append(stream, typedMessage('B', "\x00stmtcache_1\x00\x00\x00\x00\x00\x00\x00")...)
	stream = append(stream, typedMessage('E', "\x00\x00\x00\x00\x00")...)
	stream = append(stream, parseMessage("", "SELECT 1")...)
	stream = append(stream, parseMessage("", "SELECT 2")...)
	stream = append(stream, typedMessage('E', "\x00\x00\x00\x00\x00")...)
	stream = append(stream, typedMessage('Q', "COMMIT\x00")...)
	stream = append(stream, typedMessage('X', "")...)

	// Feed the stream in every chunk size, including one byte at a time.
	for _, chunk := range []int{1, 2, 3, 7, 64, len(stream)} {
		tally := NewTally()
		p := &wireParser{onMessage: tally.Observe}
		for i := 0; i < len(stream); i += chunk {
			end := min(i+chunk, len(stream))
			if err := p.Feed(stream[i:end]); err != nil {
				t.Fatalf("chunk %d: %v", chunk, err)
			}
		}
		got := tally.Snapshot()
		want := WireCounts{Queries: 2, Executes: 2, Parses: 3, DistinctTexts: 2}
		if got != want {
			t.Fatalf("chunk %d: got %+v, want %+v", chunk, got, want)
		}
		if got.Statements() != 4 {
			t.Fatalf("statements %d, want 4", got.Statements())
		}
		if len(p.buf) != 0 {
			t.Fatalf("chunk %d: %d bytes left over", chunk, len(p.buf))
		}
	}
}

func TestTallyReset(t *testing.T) {
	tally := NewTally()
	tally.Observe('P', []byte("\x00SELECT 1\x00\x00\x00"))
	tally.Reset()
	tally.Observe('P', []byte("\x00SELECT 1\x00\x00\x00"))
	if got := tally.Snapshot(); got.Parses != 1 || got.DistinctTexts != 1 {
		t.Fatalf("after reset: %+v", got)
	}
}

func TestWireParserRejectsBadLengths(t *testing.T) {
	p := &wireParser{}
	if err := p.Feed([]byte{0, 0, 0, 2, 0, 0, 0, 0}); err == nil {
		t.Fatal("a startup length under 8 was accepted")
	}
	p = &wireParser{}
	if err := p.Feed(startupMessage(196608, "\x00")); err != nil {
		t.Fatal(err)
	}
	if err := p.Feed([]byte{'Q', 0, 0, 0, 1}); err == nil {
		t.Fatal("a message length under 4 was accepted")
	}
}

func TestParseStatementText(t *testing.T) {
	text, err := parseStatementText([]byte("s1\x00SELECT $1\x00\x00\x01\x00\x00\x00\x14"))
	if err != nil || text != "SELECT $1" {
		t.Fatalf("got %q, %v", text, err)
	}
	if _, err := parseStatementText([]byte("s1")); err == nil {
		t.Fatal("a truncated parse message was accepted")
	}
}
