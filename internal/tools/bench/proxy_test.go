package main

import (
	"bytes"
	"io"
	"net"
	"testing"
	"time"
)

// TestProxyForwardsBothWaysAndCounts runs the proxy in front of a fake
// upstream that echoes, so no PostgreSQL is needed.
func TestProxyForwardsBothWaysAndCounts(t *testing.T) {
	up, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer up.Close()
	go func() {
		c, err := up.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		_, _ = io.Copy(c, c)
	}()
	p, err := StartProxy(up.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()

	c, err := net.Dial("tcp", p.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var stream []byte
	stream = append(stream, startupMessage(196608, "user\x00u\x00\x00")...)
	stream = append(stream, typedMessage('Q', "SELECT 1\x00")...)
	stream = append(stream, parseMessage("", "SELECT $1")...)
	stream = append(stream, typedMessage('E', "\x00\x00\x00\x00\x00")...)
	if _, err := c.Write(stream); err != nil {
		t.Fatal(err)
	}
	echo := make([]byte, len(stream))
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.ReadFull(c, echo); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(echo, stream) {
		t.Fatal("the bytes came back changed")
	}
	got := p.Tally.Snapshot()
	if got.Statements() != 2 || got.Parses != 1 || got.DistinctTexts != 1 {
		t.Fatalf("counts %+v", got)
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
}
