package dialect

import (
	"container/list"
	"context"
	"database/sql/driver"
	"strings"
)

// SQLiteStatementCache is how many prepared statements each SQLite
// connection wflog opens keeps for reuse (see CacheSQLiteStatements).
const SQLiteStatementCache = 64

// maxCachedStatement is the longest statement text kept prepared: a
// Save's INSERT is under 1 KiB, a SaveBatch of hundreds of rows is tens
// of KiB and rarely repeats with the same number of rows.
const maxCachedStatement = 16 << 10

// CacheSQLiteStatements wraps a SQLite connector so that each connection
// it opens keeps its last size statements run with Exec prepared, and
// runs them again without parsing and planning them anew. SQLite compiles
// a statement's trigger programs into it each time it is prepared: the
// statistics triggers on workflow_runs (package rollup) made every Save
// pay that compilation until the statement was kept.
//
// The cache belongs to the connection, so it needs no lock: database/sql
// hands a connection to one goroutine at a time, and a transaction runs
// on its connection's cache as any other Exec does. Statements are
// finalized when they fall out of the cache and when the connection
// closes. A statement of more than one command (a script) or of more than
// 16 KiB runs as before, unkept. Queries that return rows are not kept
// (their statement stays busy until the rows are closed), nor is anything
// prepared explicitly. SQLite re-prepares a kept statement by itself
// when the schema changes under it (a trigger dropped or added).
//
// A connection whose driver lacks the interfaces the cache forwards
// (modernc.org/sqlite has them all) is returned unwrapped.
func CacheSQLiteStatements(c driver.Connector, size int) driver.Connector {
	if size <= 0 {
		return c
	}
	return stmtConnector{Connector: c, size: size}
}

type stmtConnector struct {
	driver.Connector
	size int
}

// sqliteConn is what a modernc.org/sqlite connection implements and the
// wrapper forwards: without these database/sql falls back to the
// context-free methods.
type sqliteConn interface {
	driver.Conn
	driver.ConnBeginTx
	driver.ConnPrepareContext
	driver.ExecerContext
	driver.QueryerContext
	driver.Pinger
	driver.SessionResetter
	driver.Validator
}

func (c stmtConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.Connector.Connect(ctx)
	if err != nil {
		return nil, err
	}
	inner, ok := conn.(sqliteConn)
	if !ok {
		return conn, nil
	}
	return &stmtConn{sqliteConn: inner, size: c.size, byQuery: map[string]*list.Element{}, lru: list.New()}, nil
}

// stmtConn is a connection with its cache of prepared statements: byQuery
// finds a statement's element in lru, most recently used first.
type stmtConn struct {
	sqliteConn
	size    int
	byQuery map[string]*list.Element
	lru     *list.List
}

type cachedStmt struct {
	query string
	stmt  driver.Stmt
	exec  driver.StmtExecContext
}

// Unwrap returns the driver's own connection, for code that asks it for
// what only it has ((*sql.Conn).Raw; modernc.org/sqlite's Limit).
func (c *stmtConn) Unwrap() driver.Conn { return c.sqliteConn }

// ExecContext runs query through its kept statement, preparing and
// keeping it on first use.
func (c *stmtConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	if len(query) > maxCachedStatement || strings.Contains(query, ";") {
		return c.sqliteConn.ExecContext(ctx, query, args)
	}
	var s *cachedStmt
	if e, ok := c.byQuery[query]; ok {
		c.lru.MoveToFront(e)
		s = e.Value.(*cachedStmt)
	} else {
		ds, err := c.sqliteConn.PrepareContext(ctx, query)
		if err != nil {
			return nil, err
		}
		exec, ok := ds.(driver.StmtExecContext)
		if !ok {
			_ = ds.Close()
			return c.sqliteConn.ExecContext(ctx, query, args)
		}
		s = &cachedStmt{query: query, stmt: ds, exec: exec}
		c.byQuery[query] = c.lru.PushFront(s)
		for c.lru.Len() > c.size {
			c.evict(c.lru.Back())
		}
	}
	return s.exec.ExecContext(ctx, args)
}

func (c *stmtConn) evict(e *list.Element) error {
	s := c.lru.Remove(e).(*cachedStmt)
	delete(c.byQuery, s.query)
	return s.stmt.Close()
}

// Close finalizes the kept statements, then closes the connection: SQLite
// does not close a connection whose statements are still open.
func (c *stmtConn) Close() error {
	var first error
	for c.lru.Len() > 0 {
		if err := c.evict(c.lru.Back()); err != nil && first == nil {
			first = err
		}
	}
	if err := c.sqliteConn.Close(); err != nil {
		return err
	}
	return first
}
