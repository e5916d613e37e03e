// Package faults gives tests the failures a database client meets in
// production, on loopback: a server that accepts connections and never
// answers, a TCP proxy that drops every connection on demand, and a
// throwaway PostgreSQL cluster that can be restarted mid-workload.
package faults

import (
	"io"
	"net"
	"sync"
	"testing"
)

// Silent starts a listener on 127.0.0.1 that accepts every connection and
// never sends a byte: the server that hangs a client with no deadline. It
// closes, with its connections, when the test ends. It returns the address.
func Silent(tb testing.TB) string { return NewSilent(tb).Addr() }

// SilentServer is the listener Silent starts.
type SilentServer struct {
	l        net.Listener
	mu       sync.Mutex
	conns    []net.Conn
	accepted int
}

// NewSilent is Silent, returning the server so that a test can see when a
// client has connected.
func NewSilent(tb testing.TB) *SilentServer {
	tb.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	s := &SilentServer{l: l}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			s.mu.Lock()
			s.conns = append(s.conns, c)
			s.accepted++
			s.mu.Unlock()
			go func() { _, _ = io.Copy(io.Discard, c) }() // read, never answer
		}
	}()
	tb.Cleanup(func() {
		_ = l.Close()
		<-done
		s.mu.Lock()
		defer s.mu.Unlock()
		for _, c := range s.conns {
			_ = c.Close()
		}
	})
	return s
}

// Addr is where the server listens.
func (s *SilentServer) Addr() string { return s.l.Addr().String() }

// Accepted is how many connections the server has accepted.
func (s *SilentServer) Accepted() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.accepted
}

// Proxy forwards TCP connections from a loopback address to a target, and
// drops them on demand.
type Proxy struct {
	l      net.Listener
	target string

	mu        sync.Mutex
	conns     map[net.Conn]struct{}
	accepted  int
	dropped   int
	refusing  bool // close new connections at once, as a server that is down
	blackhole bool // forward nothing, answer nothing: a server that hangs
	wg        sync.WaitGroup
}

// Refuse makes the proxy close every new connection as soon as it is
// accepted (on) — a server that is down — or forward them again (off).
func (p *Proxy) Refuse(on bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.refusing = on
}

// Blackhole makes the proxy swallow everything sent either way on every
// connection (on), so that the client waits for an answer that never comes,
// or forward again (off). Bytes swallowed are lost: a connection that
// lived through a blackhole is out of step and should be dropped.
func (p *Proxy) Blackhole(on bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.blackhole = on
}

func (p *Proxy) swallowing() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.blackhole
}

// NewProxy starts a proxy to target that stops when the test ends.
func NewProxy(tb testing.TB, target string) *Proxy {
	tb.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	p := &Proxy{l: l, target: target, conns: map[net.Conn]struct{}{}}
	p.wg.Add(1)
	go p.serve()
	tb.Cleanup(p.close)
	return p
}

// Addr is where clients connect.
func (p *Proxy) Addr() string { return p.l.Addr().String() }

// Accepted is how many client connections the proxy has accepted.
func (p *Proxy) Accepted() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.accepted
}

// DropAll closes every open connection, both ways, as a restarted
// load balancer or a NAT timeout would, and returns how many client
// connections it dropped. New connections are forwarded as before.
func (p *Proxy) DropAll() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := 0
	for c := range p.conns {
		_ = c.Close()
		delete(p.conns, c)
		n++
	}
	p.dropped += n / 2
	return n / 2
}

func (p *Proxy) serve() {
	defer p.wg.Done()
	for {
		client, err := p.l.Accept()
		if err != nil {
			return
		}
		p.mu.Lock()
		refusing := p.refusing
		p.mu.Unlock()
		if refusing {
			_ = client.Close()
			continue
		}
		server, err := net.Dial("tcp", p.target)
		if err != nil {
			_ = client.Close()
			continue
		}
		p.mu.Lock()
		p.accepted++
		p.conns[client] = struct{}{}
		p.conns[server] = struct{}{}
		p.mu.Unlock()
		pipe := func(dst, src net.Conn) {
			defer p.wg.Done()
			buf := make([]byte, 32<<10)
			for {
				n, err := src.Read(buf)
				if n > 0 && !p.swallowing() {
					if _, werr := dst.Write(buf[:n]); werr != nil {
						break
					}
				}
				if err != nil {
					break
				}
			}
			_ = dst.Close()
			_ = src.Close()
			p.mu.Lock()
			delete(p.conns, dst)
			delete(p.conns, src)
			p.mu.Unlock()
		}
		p.wg.Add(2)
		go pipe(client, server)
		go pipe(server, client)
	}
}

func (p *Proxy) close() {
	_ = p.l.Close()
	p.DropAll()
	p.wg.Wait()
}
