package dialect_test

import (
	"context"
	"net"
	"strconv"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/wflog/wflog/internal/dialect"
	"github.com/wflog/wflog/internal/faults"
	"github.com/wflog/wflog/internal/testdb"
)

// connect opens a connection to the test database, through proxy when it
// is not nil.
func connect(tb testing.TB, proxy *faults.Proxy) *pgx.Conn {
	tb.Helper()
	testdb.Admin(tb) // skips, or fails under CI=true, without a server
	cfg, err := pgx.ParseConfig(testdb.URL())
	if err != nil {
		tb.Fatal(err)
	}
	if proxy != nil {
		host, port, err := net.SplitHostPort(proxy.Addr())
		if err != nil {
			tb.Fatal(err)
		}
		p, _ := strconv.Atoi(port)
		cfg.Host, cfg.Port, cfg.Fallbacks = host, uint16(p), nil
	}
	conn, err := pgx.ConnectConfig(context.Background(), cfg)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = conn.Close(context.Background()) })
	return conn
}

// TestQuiet: the check before a pooled connection's reuse passes a live
// idle connection, and catches one whose session the server ended (a FATAL
// message, then the close) and one a proxy dropped (the close alone).
func TestQuiet(t *testing.T) {
	ctx := context.Background()
	gone := func(t *testing.T, conn *pgx.Conn) {
		t.Helper()
		for start := time.Now(); dialect.Quiet(conn.PgConn().Conn()); time.Sleep(10 * time.Millisecond) {
			if time.Since(start) > 5*time.Second {
				t.Fatal("the connection still looks quiet after 5s")
			}
		}
	}
	t.Run("Live", func(t *testing.T) {
		conn := connect(t, nil)
		for i := 0; i < 3; i++ {
			if _, err := conn.Exec(ctx, "SELECT 1"); err != nil {
				t.Fatal(err)
			}
			if !dialect.Quiet(conn.PgConn().Conn()) {
				t.Fatal("a live idle connection is not quiet")
			}
		}
	})
	t.Run("ServerEnded", func(t *testing.T) {
		conn := connect(t, nil)
		if _, err := connect(t, nil).Exec(ctx, "SELECT pg_terminate_backend($1)", conn.PgConn().PID()); err != nil {
			t.Fatal(err)
		}
		gone(t, conn)
	})
	t.Run("Dropped", func(t *testing.T) {
		cfg, err := pgx.ParseConfig(testdb.URL())
		if err != nil {
			t.Fatal(err)
		}
		proxy := faults.NewProxy(t, net.JoinHostPort(cfg.Host, strconv.Itoa(int(cfg.Port))))
		conn := connect(t, proxy)
		if !dialect.Quiet(conn.PgConn().Conn()) {
			t.Fatal("a live idle connection is not quiet")
		}
		if proxy.DropAll() != 1 {
			t.Fatal("the proxy dropped no connection")
		}
		gone(t, conn)
	})
	// pgx's background reader blocks in a read on an idle connection after
	// a slow write; the check must not wait for it (it once did, forever).
	t.Run("ReaderBlocked", func(t *testing.T) {
		c, err := net.Dial("tcp", faults.Silent(t))
		if err != nil {
			t.Fatal(err)
		}
		read := make(chan struct{})
		go func() {
			defer close(read)
			_, _ = c.Read(make([]byte, 1))
		}()
		defer func() { _ = c.Close(); <-read }()
		time.Sleep(50 * time.Millisecond) // the read is blocked by now
		got := make(chan bool, 1)
		go func() { got <- dialect.Quiet(c) }()
		select {
		case q := <-got:
			if !q {
				t.Error("a live idle connection with a blocked reader is not quiet")
			}
		case <-time.After(5 * time.Second):
			t.Fatal("the check waited for the blocked reader")
		}
	})
}

// BenchmarkReuseCheck compares the check wflog makes before reusing a
// pooled PostgreSQL connection with the Ping pgx would make.
func BenchmarkReuseCheck(b *testing.B) {
	conn := connect(b, nil)
	b.Run("Peek", func(b *testing.B) {
		for b.Loop() {
			if !dialect.Quiet(conn.PgConn().Conn()) {
				b.Fatal("not quiet")
			}
		}
	})
	b.Run("Ping", func(b *testing.B) {
		ctx := context.Background()
		for b.Loop() {
			if err := conn.PgConn().Ping(ctx); err != nil {
				b.Fatal(err)
			}
		}
	})
}
