package dialect

import (
	"context"
	"crypto/tls"
	"net"
	"time"

	"github.com/jackc/pgx/v5/stdlib"
)

// PostgresPoolOptions are the pgx stdlib options that wflog.Open builds a
// PostgreSQL pool with.
//
// pgx pings a pooled connection before reusing it only once it has been
// idle for more than a second, so a connection the server or a proxy
// dropped in the second after its last use failed the next call on it,
// with "unexpected EOF" (a restart, a pg_terminate_backend, a load
// balancer's reset). A Ping on every reuse costs a round trip per call;
// instead, a connection idle for less than pgx's second is checked by
// peeking at its socket, one non-blocking system call that reads nothing:
// a closed or reset socket, or bytes the server sent unasked (the FATAL
// message it sends before it closes), make pgx ping it, and a failed ping
// makes database/sql discard it and take another before anything is sent.
// A peer that vanished without closing (a network partition) shows nothing
// to a peek: pgx's ping past a second still covers that.
func PostgresPoolOptions() []stdlib.OptionOpenDB {
	return []stdlib.OptionOpenDB{stdlib.OptionShouldPing(shouldPing)}
}

// pingAfter is pgx's own threshold: past it, a connection is always pinged.
const pingAfter = time.Second

func shouldPing(_ context.Context, p stdlib.ShouldPingParams) bool {
	return p.IdleDuration > pingAfter || !quiet(p.Conn.PgConn().Conn())
}

// quiet reports whether c is open at both ends with nothing to read: it
// peeks at the socket under c (under TLS too) without waiting or taking a
// byte. It is false when it cannot tell, so that the caller pings.
func quiet(c net.Conn) bool {
	if t, ok := c.(*tls.Conn); ok {
		c = t.NetConn()
	}
	return peek(c) == socketQuiet
}

type socketState int

const (
	socketUnknown socketState = iota // pending bytes, or no way to peek
	socketQuiet                      // open, nothing to read
	socketGone                       // closed or reset by the peer
)
