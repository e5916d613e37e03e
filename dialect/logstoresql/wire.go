package logstoresql

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
)

// simpleConnector opens connections that only ever send simple Query
// messages with finished SQL text — the one protocol LogStore speaks.
type simpleConnector struct {
	config *pgconn.Config
	where  string // host:port/database, for errors: never the secret
}

// SimpleProtocol returns a database/sql connector to a PostgreSQL-protocol
// server that sends every statement as one simple Query message, exactly as
// written, and takes no arguments: the transport under WrapLogStore. Pointed
// at an ordinary PostgreSQL, it lets tests run LogStore's SQL there.
func SimpleProtocol(connString string) (driver.Connector, error) {
	pc, err := pgconn.ParseConfig(connString)
	if err != nil {
		// pgconn's ParseConfigError redacts the password itself.
		return nil, fmt.Errorf("wflog/logstoresql: invalid connection string: %w", err)
	}
	where := fmt.Sprintf("%s:%d/%s", pc.Host, pc.Port, pc.Database)
	return &simpleConnector{config: pc, where: where}, nil
}

func (c *simpleConnector) Connect(ctx context.Context) (driver.Conn, error) {
	pg, err := pgconn.ConnectConfig(ctx, c.config)
	if err != nil {
		return nil, fmt.Errorf("connecting to LogStore: %w", err)
	}
	// Literals are written with standard_conforming_strings semantics
	// (backslashes are ordinary characters). A server that does not say so
	// — off, or nothing at all — might read them differently, so it is
	// refused rather than trusted.
	if err := checkStrings(pg.ParameterStatus(standardConformingStrings)); err != nil {
		_ = pg.Close(ctx)
		return nil, fmt.Errorf("wflog: LogStore %s: %w", c.where, err)
	}
	return &simpleConn{pg: pg, types: pgtype.NewMap(), lastUsed: time.Now()}, nil
}

func (c *simpleConnector) Driver() driver.Driver { return simpleDriver{} }

// simpleDriver exists because database/sql asks a connector for its driver.
// It is not the LogStore driver: a pool over the bare transport checks
// nothing, and Driver.IsLogStore says so.
type simpleDriver struct{}

func (simpleDriver) Open(string) (driver.Conn, error) {
	return nil, errors.New("wflog/logstoresql: the simple-protocol transport is opened through SimpleProtocol's connector, not by name")
}

type simpleConn struct {
	pg       *pgconn.PgConn
	types    *pgtype.Map
	lastUsed time.Time // when the last statement finished
}

// idleCheck is how long a connection must have sat in the pool before it
// is checked for a peer that has gone (a dropped TCP connection: a load
// balancer's restart, a NAT timeout). The check reads for 1 ms and writes
// nothing — LogStore has no ping statement — so it is kept off the path of
// a busy connection.
const idleCheck = 100 * time.Millisecond

var (
	_ driver.QueryerContext  = (*simpleConn)(nil)
	_ driver.ExecerContext   = (*simpleConn)(nil)
	_ driver.Pinger          = (*simpleConn)(nil)
	_ driver.Validator       = (*simpleConn)(nil)
	_ driver.SessionResetter = (*simpleConn)(nil)
)

// ResetSession runs before database/sql reuses the connection from its
// pool. A connection whose peer has gone, or whose server no longer reports
// standard_conforming_strings=on, is driver.ErrBadConn, so that the pool
// drops it and the statement goes to another one: it was never sent.
func (c *simpleConn) ResetSession(ctx context.Context) error {
	if c.pg.IsClosed() {
		return driver.ErrBadConn
	}
	if time.Since(c.lastUsed) >= idleCheck {
		// CheckConn, not Ping: Ping sends a statement, and LogStore has no
		// statement that is safe to send as one.
		if err := c.pg.CheckConn(); err != nil {
			_ = c.pg.Close(ctx)
			return driver.ErrBadConn
		}
	}
	if c.pg.ParameterStatus(standardConformingStrings) != "on" {
		return driver.ErrBadConn
	}
	return nil
}

// badConn turns err into driver.ErrBadConn when the statement surely did
// not reach the server (pgconn.SafeToRetry: nothing was written), so that
// database/sql retries it on another connection; any other error stands,
// since a write may have happened.
func (c *simpleConn) badConn(err error) error {
	if err != nil && pgconn.SafeToRetry(err) {
		_ = c.pg.Close(context.Background())
		return driver.ErrBadConn
	}
	return err
}

func (c *simpleConn) Prepare(string) (driver.Stmt, error) {
	return nil, errors.New("wflog/logstoresql: the simple-protocol connection does not prepare statements")
}

func (c *simpleConn) Begin() (driver.Tx, error) { return nil, errTransactions }

func (c *simpleConn) Close() error { return c.pg.Close(context.Background()) }

func (c *simpleConn) IsValid() bool {
	return !c.pg.IsClosed() && c.pg.ParameterStatus(standardConformingStrings) == "on"
}

// ParameterStatus is what the server last reported for the run-time
// parameter name; the adapter checks standard_conforming_strings with it
// before rendering each statement.
func (c *simpleConn) ParameterStatus(name string) string { return c.pg.ParameterStatus(name) }

// Ping checks the connection without sending a query: LogStore has no
// statement that is safe to send as a ping.
func (c *simpleConn) Ping(context.Context) error {
	if c.pg.IsClosed() {
		return driver.ErrBadConn
	}
	return nil
}

func (c *simpleConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	if len(args) > 0 {
		return nil, errors.New("wflog/logstoresql: the simple-protocol connection takes finished SQL, not arguments")
	}
	if c.pg.IsClosed() {
		return nil, driver.ErrBadConn
	}
	results, err := c.pg.Exec(ctx, query).ReadAll()
	c.lastUsed = time.Now()
	if err != nil {
		return nil, c.badConn(err)
	}
	var n int64
	for _, r := range results {
		n += r.CommandTag.RowsAffected()
	}
	return driver.RowsAffected(n), nil
}

func (c *simpleConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	if len(args) > 0 {
		return nil, errors.New("wflog/logstoresql: the simple-protocol connection takes finished SQL, not arguments")
	}
	if c.pg.IsClosed() {
		return nil, driver.ErrBadConn
	}
	mrr := c.pg.Exec(ctx, query)
	if !mrr.NextResult() {
		c.lastUsed = time.Now()
		if err := mrr.Close(); err != nil {
			return nil, c.badConn(err)
		}
		return &simpleRows{done: true}, nil
	}
	rr := mrr.ResultReader()
	fields := rr.FieldDescriptions()
	cols := make([]string, len(fields))
	decode := make([]func([]byte) (driver.Value, error), len(fields))
	for i, fd := range fields {
		cols[i] = fd.Name
		decode[i] = c.decoder(fd.DataTypeOID, fd.Format)
	}
	return &simpleRows{conn: c, mrr: mrr, rr: rr, cols: cols, decode: decode}, nil
}

// decoder returns how to turn a column's wire text into a driver value:
// pgx's codec for types it knows, the text itself otherwise.
func (c *simpleConn) decoder(oid uint32, format int16) func([]byte) (driver.Value, error) {
	t, ok := c.types.TypeForOID(oid)
	if !ok {
		return func(src []byte) (driver.Value, error) { return string(src), nil }
	}
	return func(src []byte) (driver.Value, error) {
		return t.Codec.DecodeDatabaseSQLValue(c.types, oid, format, src)
	}
}

type simpleRows struct {
	conn   *simpleConn
	mrr    *pgconn.MultiResultReader
	rr     *pgconn.ResultReader
	cols   []string
	decode []func([]byte) (driver.Value, error)
	done   bool
}

func (r *simpleRows) Columns() []string { return r.cols }

func (r *simpleRows) Next(dest []driver.Value) error {
	if r.done {
		return io.EOF
	}
	if !r.rr.NextRow() {
		if err := r.finish(); err != nil {
			return err
		}
		return io.EOF
	}
	for i, src := range r.rr.Values() {
		if src == nil {
			dest[i] = nil
			continue
		}
		v, err := r.decode[i](src)
		if err != nil {
			return fmt.Errorf("wflog/logstoresql: column %s: %w", r.cols[i], err)
		}
		dest[i] = v
	}
	return nil
}

// finish reads the rest of the response so the connection is ready for the
// next statement, and reports the server's error if there was one.
func (r *simpleRows) finish() error {
	if r.done {
		return nil
	}
	r.done = true
	_, err := r.rr.Close()
	if cerr := r.mrr.Close(); err == nil {
		err = cerr
	}
	r.conn.lastUsed = time.Now()
	return err
}

func (r *simpleRows) Close() error { return r.finish() }

const standardConformingStrings = "standard_conforming_strings"

// checkStrings judges a reported standard_conforming_strings: only "on"
// means the server reads a backslash in '…' as an ordinary character, which
// is how every literal is written.
func checkStrings(reported string) error {
	switch reported {
	case "on":
		return nil
	case "":
		return errors.New("the server does not report standard_conforming_strings; wflog's literals need it on, and a server that does not say so may read backslashes as escapes")
	}
	return fmt.Errorf("the server reports standard_conforming_strings=%.20q; wflog's literals need it on", reported)
}
