package logstoresql

import (
	"context"
	"database/sql/driver"
	"fmt"
)

// Wrap returns a database/sql connector that enforces LogStore's rules over
// inner, whose connections must implement driver.QueryerContext
// and driver.ExecerContext. Each statement is checked (see the README's
// LogStore section), its placeholders are replaced by literals rendered here,
// and the finished text goes to inner with no arguments — so inner sends it
// as a simple Query message, exactly as written. Transactions are refused
// (LogStore ignores them), and so is anything else LogStore cannot do, with
// an ErrUnsupported error, before the network.
//
// NewConnector builds this over a simple-protocol pgx connection; tests wrap
// sqlmock's connector to see the exact SQL LogStore would receive.
func Wrap(inner driver.Connector) driver.Connector {
	return WrapWith(inner, Options{})
}

// Options change how a connector renders statements; the zero value is
// what LogStore needs.
type Options struct {
	// KeepNULL writes a nil argument of an INSERT as NULL rather than ''.
	// It exists for a PostgreSQL standing in for LogStore in tests, whose
	// typed columns (uuid, timestamptz) cannot hold ''; LogStore stores
	// strings only, and '' is the form proven there.
	KeepNULL bool
}

// WrapWith is Wrap with options.
func WrapWith(inner driver.Connector, o Options) driver.Connector {
	return &logStoreConnector{inner: inner, driver: theDriver, opts: o}
}

type logStoreConnector struct {
	inner  driver.Connector
	driver *Driver
	opts   Options
}

func (c *logStoreConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.inner.Connect(ctx)
	if err != nil {
		return nil, err
	}
	q, qok := conn.(driver.QueryerContext)
	e, eok := conn.(driver.ExecerContext)
	if !qok || !eok {
		_ = conn.Close()
		return nil, fmt.Errorf("wflog/logstoresql: the LogStore adapter needs a driver connection with QueryContext and ExecContext; %T has not both", conn)
	}
	return &logStoreConn{Conn: conn, query: q, exec: e, opts: c.opts}, nil
}

func (c *logStoreConnector) Driver() driver.Driver { return c.driver }

type logStoreConn struct {
	driver.Conn // Close comes from here
	query       driver.QueryerContext
	exec        driver.ExecerContext
	opts        Options
	broken      bool // the session can no longer be trusted: never reuse it
}

var (
	_ driver.QueryerContext     = (*logStoreConn)(nil)
	_ driver.ExecerContext      = (*logStoreConn)(nil)
	_ driver.ConnBeginTx        = (*logStoreConn)(nil)
	_ driver.Pinger             = (*logStoreConn)(nil)
	_ driver.Validator          = (*logStoreConn)(nil)
	_ driver.SessionResetter    = (*logStoreConn)(nil)
	_ driver.ConnPrepareContext = (*logStoreConn)(nil)
)

// parameterStatuser is a transport that reports the server's run-time
// parameters, as the simple-protocol connection does.
type parameterStatuser interface{ ParameterStatus(name string) string }

// checkSession re-checks, before each statement is rendered, that the
// server still reads literals as they are written: a session setting could
// have changed since connect time.
func (c *logStoreConn) checkSession() error {
	p, ok := c.Conn.(parameterStatuser)
	if !ok {
		return nil
	}
	if err := checkStrings(p.ParameterStatus(standardConformingStrings)); err != nil {
		c.broken = true
		return fmt.Errorf("wflog/logstoresql: refusing to render a statement: %w", err)
	}
	return nil
}

func (c *logStoreConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	if err := c.checkSession(); err != nil {
		return nil, err
	}
	text, err := renderStatement(query, args, c.opts.KeepNULL, autoLimitFrom(ctx))
	if err != nil {
		return nil, err
	}
	rows, err := c.query.QueryContext(ctx, text, nil)
	if err != nil {
		return nil, err
	}
	return newColumnRows(rows, columnsFrom(ctx)), nil
}

func (c *logStoreConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	if err := c.checkSession(); err != nil {
		return nil, err
	}
	text, err := renderStatement(query, args, c.opts.KeepNULL, autoLimitFrom(ctx))
	if err != nil {
		return nil, err
	}
	return c.exec.ExecContext(ctx, text, nil)
}

var errTransactions = unsupported("transactions", "LogStore accepts BEGIN/COMMIT/ROLLBACK and ignores them, so nothing would be atomic; write each row on its own (wflog's writes are single statements)")

func (c *logStoreConn) Begin() (driver.Tx, error) { return nil, errTransactions }

func (c *logStoreConn) BeginTx(context.Context, driver.TxOptions) (driver.Tx, error) {
	return nil, errTransactions
}

// Prepare returns a client-side statement: LogStore has no server-side
// prepared statements, so preparing only remembers the text.
func (c *logStoreConn) Prepare(query string) (driver.Stmt, error) {
	return &logStoreStmt{conn: c, query: query}, nil
}

func (c *logStoreConn) PrepareContext(_ context.Context, query string) (driver.Stmt, error) {
	return c.Prepare(query)
}

// Ping sends nothing: LogStore has no query without FROM to ping with. It
// reports whether the connection is still usable.
func (c *logStoreConn) Ping(ctx context.Context) error {
	if p, ok := c.Conn.(driver.Pinger); ok {
		return p.Ping(ctx)
	}
	return nil
}

func (c *logStoreConn) IsValid() bool {
	if c.broken {
		return false
	}
	if v, ok := c.Conn.(driver.Validator); ok {
		return v.IsValid()
	}
	return true
}

func (c *logStoreConn) ResetSession(ctx context.Context) error {
	if c.broken {
		return driver.ErrBadConn
	}
	if r, ok := c.Conn.(driver.SessionResetter); ok {
		return r.ResetSession(ctx)
	}
	return nil
}

type logStoreStmt struct {
	conn  *logStoreConn
	query string
}

func (s *logStoreStmt) Close() error  { return nil }
func (s *logStoreStmt) NumInput() int { return -1 }

func (s *logStoreStmt) Exec(args []driver.Value) (driver.Result, error) {
	return s.conn.ExecContext(context.Background(), s.query, named(args))
}

func (s *logStoreStmt) Query(args []driver.Value) (driver.Rows, error) {
	return s.conn.QueryContext(context.Background(), s.query, named(args))
}

func (s *logStoreStmt) ExecContext(ctx context.Context, args []driver.NamedValue) (driver.Result, error) {
	return s.conn.ExecContext(ctx, s.query, args)
}

func (s *logStoreStmt) QueryContext(ctx context.Context, args []driver.NamedValue) (driver.Rows, error) {
	return s.conn.QueryContext(ctx, s.query, args)
}

func named(args []driver.Value) []driver.NamedValue {
	out := make([]driver.NamedValue, len(args))
	for i, v := range args {
		out[i] = driver.NamedValue{Ordinal: i + 1, Value: v}
	}
	return out
}

// columnRows reads the columns a query marked (WithTimeColumns,
// WithEmptyAsNull): the empty string in either becomes NULL, and other text in a time
// column becomes a time.Time. LogStore stores timestamps as ISO-8601 text,
// which database/sql cannot scan into a time.Time on its own, and stores no
// NULL, only the empty string.
type columnRows struct {
	driver.Rows
	mark  []columnMark // by column index
	names []string
}

func newColumnRows(rows driver.Rows, marks map[string]columnMark) driver.Rows {
	if len(marks) == 0 {
		return rows
	}
	names := rows.Columns()
	mark := make([]columnMark, len(names))
	any := false
	for i, n := range names {
		if m := marks[n]; m != 0 {
			mark[i], any = m, true
		}
	}
	if !any {
		return rows
	}
	return &columnRows{Rows: rows, mark: mark, names: names}
}

func (r *columnRows) Next(dest []driver.Value) error {
	if err := r.Rows.Next(dest); err != nil {
		return err
	}
	for i, m := range r.mark {
		if m == 0 {
			continue
		}
		var text string
		switch v := dest[i].(type) {
		case string:
			text = v
		case []byte:
			text = string(v)
		default:
			continue
		}
		if text == "" {
			dest[i] = nil
			continue
		}
		if m&markTime == 0 {
			continue
		}
		t, err := ParseTime(text)
		if err != nil {
			return fmt.Errorf("wflog/logstoresql: column %s: %w", r.names[i], err)
		}
		dest[i] = t
	}
	return nil
}

var _ driver.Rows = (*columnRows)(nil)
