package dialect

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"strings"
	"sync/atomic"
	"testing"

	moderncsqlite "modernc.org/sqlite"
)

// countingConnector counts the statements its connections prepare and
// close: the cache must close every statement it prepared.
type countingConnector struct {
	driver.Connector
	prepared, closed *atomic.Int64
}

func (c countingConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.Connector.Connect(ctx)
	if err != nil {
		return nil, err
	}
	return countingConn{sqliteConn: conn.(sqliteConn), c: c}, nil
}

type countingConn struct {
	sqliteConn
	c countingConnector
}

func (c countingConn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	s, err := c.sqliteConn.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	c.c.prepared.Add(1)
	return countingStmt{Stmt: s, StmtExecContext: s.(driver.StmtExecContext), closed: c.c.closed}, nil
}

type countingStmt struct {
	driver.Stmt
	driver.StmtExecContext
	closed *atomic.Int64
}

func (s countingStmt) Close() error {
	s.closed.Add(1)
	return s.Stmt.Close()
}

func TestCacheSQLiteStatements(t *testing.T) {
	inner, err := moderncsqlite.NewConnector("file::memory:")
	if err != nil {
		t.Fatal(err)
	}
	counts := countingConnector{Connector: inner, prepared: new(atomic.Int64), closed: new(atomic.Int64)}
	const size = 4
	db := sql.OpenDB(CacheSQLiteStatements(counts, size))
	db.SetMaxOpenConns(1) // one memory database
	defer db.Close()
	ctx := context.Background()
	exec := func(query string, args ...any) {
		t.Helper()
		if _, err := db.ExecContext(ctx, query, args...); err != nil {
			t.Fatalf("%s: %v", query, err)
		}
	}
	want := func(prepared, closed int64) {
		t.Helper()
		if p, c := counts.prepared.Load(), counts.closed.Load(); p != prepared || c != closed {
			t.Fatalf("%d statements prepared and %d closed; want %d and %d", p, c, prepared, closed)
		}
	}

	exec(`CREATE TABLE t (x INTEGER PRIMARY KEY, y TEXT)`)
	for i := range 50 {
		exec(`INSERT INTO t (x, y) VALUES (?, ?)`, i, "a")
	}
	want(2, 0) // each prepared once

	t.Run("Transaction", func(t *testing.T) {
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO t (x, y) VALUES (?, ?)`, 100, "tx"); err != nil {
			t.Fatal(err)
		}
		if err := tx.Rollback(); err != nil {
			t.Fatal(err)
		}
		want(2, 0) // the kept statement, in the transaction
	})
	t.Run("AfterAnError", func(t *testing.T) {
		if _, err := db.ExecContext(ctx, `INSERT INTO t (x, y) VALUES (?, ?)`, 1, "duplicate"); err == nil {
			t.Fatal("a duplicate key was accepted")
		}
		exec(`INSERT INTO t (x, y) VALUES (?, ?)`, 200, "b")
		var n int
		if err := db.QueryRowContext(ctx, `SELECT count(*) FROM t WHERE y = 'b'`).Scan(&n); err != nil || n != 1 {
			t.Fatalf("%d rows after the failed insert, %v", n, err)
		}
		want(2, 0)
	})
	t.Run("Scripts", func(t *testing.T) {
		exec(`INSERT INTO t (x, y) VALUES (300, 'c'); INSERT INTO t (x, y) VALUES (301, 'c')`)
		exec(`INSERT INTO t (x, y) VALUES (?, '`+strings.Repeat("z", maxCachedStatement)+`')`, 302)
		want(2, 0) // neither kept
	})
	t.Run("Evicted", func(t *testing.T) {
		for i := range 10 {
			exec(`UPDATE t SET y = 'd' WHERE x = ` + string(rune('0'+i)))
		}
		want(12, 12-size) // only the last size are open
	})
	t.Run("SchemaChanged", func(t *testing.T) {
		exec(`INSERT INTO t (x, y) VALUES (?, ?)`, 400, "e") // prepared again: evicted above
		exec(`ALTER TABLE t ADD COLUMN z TEXT NOT NULL DEFAULT 'z'`)
		exec(`INSERT INTO t (x, y) VALUES (?, ?)`, 401, "e") // SQLite re-prepares it
		var z string
		if err := db.QueryRowContext(ctx, `SELECT z FROM t WHERE x = 401`).Scan(&z); err != nil || z != "z" {
			t.Fatalf("z = %q, %v", z, err)
		}
	})
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if p, c := counts.prepared.Load(), counts.closed.Load(); p != c {
		t.Errorf("closing the pool left %d of %d statements open", p-c, p)
	}
}

// TestCacheSQLiteStatementsOff: a size of 0 leaves the connector as it is.
func TestCacheSQLiteStatementsOff(t *testing.T) {
	inner, err := moderncsqlite.NewConnector("file::memory:")
	if err != nil {
		t.Fatal(err)
	}
	if c := CacheSQLiteStatements(inner, 0); c != inner {
		t.Errorf("CacheSQLiteStatements(c, 0) = %T, want c", c)
	}
}
