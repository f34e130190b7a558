package main

import (
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
)

// Proxy forwards PostgreSQL connections from a loopback port to the real
// server and counts, in its Tally, the statements clients send. It parses
// only the client's direction; the server's bytes pass through untouched.
type Proxy struct {
	Tally    *Tally
	ln       net.Listener
	upstream string
	wg       sync.WaitGroup
	mu       sync.Mutex
	conns    map[net.Conn]struct{}
	closed   bool
}

// StartProxy listens on a free loopback port and forwards to upstream
// (host:port).
func StartProxy(upstream string) (*Proxy, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("proxy listen: %w", err)
	}
	p := &Proxy{Tally: NewTally(), ln: ln, upstream: upstream, conns: map[net.Conn]struct{}{}}
	p.wg.Add(1)
	go p.accept()
	return p, nil
}

// Addr is the proxy's host:port.
func (p *Proxy) Addr() string { return p.ln.Addr().String() }

func (p *Proxy) accept() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.wg.Add(1)
		go func() {
			defer p.wg.Done()
			p.serve(c)
		}()
	}
}

// track remembers a connection so Close can end it; it refuses once closed.
func (p *Proxy) track(c net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return false
	}
	p.conns[c] = struct{}{}
	return true
}

func (p *Proxy) untrack(c net.Conn) {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.conns, c)
}

func (p *Proxy) serve(client net.Conn) {
	defer client.Close()
	server, err := net.Dial("tcp", p.upstream)
	if err != nil {
		return
	}
	defer server.Close()
	if !p.track(client) || !p.track(server) {
		return
	}
	defer p.untrack(client)
	defer p.untrack(server)

	done := make(chan struct{}, 2)
	go func() {
		_, _ = io.Copy(client, server)
		done <- struct{}{}
	}()
	go func() {
		p.forwardCounting(server, client)
		done <- struct{}{}
	}()
	<-done
	// One side ended: end the other so both goroutines return.
	_ = client.Close()
	_ = server.Close()
	<-done
}

// forwardCounting copies the client's bytes to the server, feeding them to
// a wire parser first. A stream the parser cannot follow (e.g. TLS) is
// still forwarded, and counted as malformed.
func (p *Proxy) forwardCounting(dst io.Writer, src io.Reader) {
	parser := &wireParser{onMessage: p.Tally.Observe}
	parsing := true
	buf := make([]byte, 64<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			if parsing {
				if perr := parser.Feed(buf[:n]); perr != nil {
					parsing = false
					p.Tally.malformed()
				}
			}
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

// Close stops listening, ends every forwarded connection and waits for
// them.
func (p *Proxy) Close() error {
	err := p.ln.Close()
	p.mu.Lock()
	p.closed = true
	for c := range p.conns {
		_ = c.Close()
	}
	p.mu.Unlock()
	p.wg.Wait()
	if errors.Is(err, net.ErrClosed) {
		return nil
	}
	return err
}
