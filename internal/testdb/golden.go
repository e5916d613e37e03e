package testdb

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/DATA-DOG/go-sqlmock"
	"gorm.io/gorm"

	"github.com/wflog/wflog"
	"github.com/wflog/wflog/appendonly"
	"github.com/wflog/wflog/internal/dialect"
	"github.com/wflog/wflog/wflogtest"
)

var update = flag.Bool("update", false, "rewrite the golden SQL files in testdata/ with what the code sends now")

// Epoch is the fixed time of MockClock: versions start at its nanoseconds.
var Epoch = time.Date(2026, 11, 26, 8, 0, 0, 0, time.UTC)

// MockClock returns a clock stuck at Epoch, so versions are Epoch, Epoch+1, …
func MockClock() *appendonly.Clock {
	return appendonly.NewClock(func() time.Time { return Epoch })
}

// Statement is one statement a test sent, as the driver received it.
type Statement struct {
	Kind string         // "exec", "query", "begin", "commit" or "rollback"
	SQL  string         // after the LogStore adapter's rendering, for LogStore
	Args []driver.Value // none for LogStore: its literals are in SQL
}

// Golden runs fn against backend b over sqlmock and checks every statement
// fn sends — its text, its arguments and their order — against the golden
// file testdata/<test name>.sql (subtests joined by __). Queries answer with no rows and
// writes with one affected row: the file pins the SQL shape; behaviour is
// the integration tests' job. Run the tests with -update to rewrite the
// file, then read the diff. It returns the statements and fn's error.
func Golden(t *testing.T, b dialect.Backend, fn func(db *gorm.DB) error) ([]Statement, error) {
	t.Helper()
	path := filepath.Join("testdata", strings.ReplaceAll(t.Name(), "/", "__")+".sql")
	mockDB, mock, err := sqlmock.New(sqlmock.QueryMatcherOption(sqlmock.QueryMatcherEqual))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = mockDB.Close() })

	var want []Statement
	if !*update {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("reading golden file (run with -update to create it): %v", err)
		}
		if want, err = parseGolden(string(data)); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		for _, s := range want {
			args := make([]driver.Value, len(s.Args))
			for i, a := range s.Args {
				args[i] = jsonArg{want: a.(string)}
			}
			switch s.Kind {
			case "begin":
				mock.ExpectBegin()
			case "commit":
				mock.ExpectCommit()
			case "rollback":
				mock.ExpectRollback()
			case "exec":
				mock.ExpectExec(s.SQL).WithArgs(args...).WillReturnResult(sqlmock.NewResult(0, 1))
			case "query":
				mock.ExpectQuery(s.SQL).WithArgs(args...).WillReturnRows(sqlmock.NewRows(nil))
			}
		}
	}

	// -update runs have no expectations to meet: a stand-in server answers.
	rec := &recorder{}
	inner := SQLMockConnector(mockDB)
	if *update {
		inner = answering{}
	}
	db, pool, err := openRecorded(b, rec.wrap(inner))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = pool.Close() })
	fnErr := fn(db)
	got := rec.statements()

	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(formatGolden(got)), 0o644); err != nil {
			t.Fatal(err)
		}
		return got, fnErr
	}
	if err := mock.ExpectationsWereMet(); err != nil {
		t.Errorf("%s: %v\nsent:\n%s", path, err, formatGolden(got))
	}
	return got, fnErr
}

// jsonArg matches an argument by its JSON form, as the golden file has it.
type jsonArg struct{ want string }

func (a jsonArg) Match(v driver.Value) bool { return argJSON(v) == a.want }

func argJSON(v driver.Value) string {
	if t, ok := v.(time.Time); ok {
		v = t.UTC().Format(time.RFC3339Nano)
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprintf("%#v", v)
	}
	return string(b)
}

func formatGolden(stmts []Statement) string {
	var b strings.Builder
	for _, s := range stmts {
		if s.SQL == "" {
			fmt.Fprintf(&b, "-- %s\n", s.Kind)
			continue
		}
		fmt.Fprintf(&b, "-- %s\n%s\n", s.Kind, s.SQL)
		if len(s.Args) > 0 {
			parts := make([]string, len(s.Args))
			for i, a := range s.Args {
				parts[i] = argJSON(a)
			}
			fmt.Fprintf(&b, "-- args: %s\n", strings.Join(parts, " | "))
		}
	}
	return b.String()
}

func parseGolden(text string) ([]Statement, error) {
	var out []Statement
	for _, line := range strings.Split(text, "\n") {
		switch {
		case line == "":
		case line == "-- exec" || line == "-- query" || line == "-- begin" || line == "-- commit" || line == "-- rollback":
			out = append(out, Statement{Kind: strings.TrimPrefix(line, "-- ")})
		case strings.HasPrefix(line, "-- args: "):
			if len(out) == 0 {
				return nil, fmt.Errorf("args before any statement")
			}
			for _, a := range strings.Split(strings.TrimPrefix(line, "-- args: "), " | ") {
				out[len(out)-1].Args = append(out[len(out)-1].Args, a)
			}
		default:
			if len(out) == 0 {
				return nil, fmt.Errorf("SQL before any -- exec or -- query line")
			}
			last := &out[len(out)-1]
			if last.SQL != "" {
				last.SQL += "\n"
			}
			last.SQL += line
		}
	}
	return out, nil
}

// recorder wraps a connector and writes down every statement that reaches it.
type recorder struct {
	mu    sync.Mutex
	stmts []Statement
}

func (r *recorder) statements() []Statement {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Statement(nil), r.stmts...)
}

func (r *recorder) add(kind, query string, args []driver.NamedValue) {
	s := Statement{Kind: kind, SQL: query}
	for _, a := range args {
		s.Args = append(s.Args, a.Value)
	}
	r.mu.Lock()
	r.stmts = append(r.stmts, s)
	r.mu.Unlock()
}

func (r *recorder) wrap(c driver.Connector) driver.Connector { return recordingConnector{c, r} }

type recordingConnector struct {
	inner driver.Connector
	rec   *recorder
}

func (c recordingConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.inner.Connect(ctx)
	if err != nil {
		return nil, err
	}
	return &recordingConn{Conn: conn, rec: c.rec}, nil
}

func (c recordingConnector) Driver() driver.Driver { return c.inner.Driver() }

type recordingConn struct {
	driver.Conn
	rec *recorder
}

func (c *recordingConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	c.rec.add("query", query, args)
	return c.Conn.(driver.QueryerContext).QueryContext(ctx, query, args)
}

func (c *recordingConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	c.rec.add("begin", "", nil)
	var tx driver.Tx
	var err error
	if b, ok := c.Conn.(driver.ConnBeginTx); ok {
		tx, err = b.BeginTx(ctx, opts)
	} else {
		tx, err = c.Conn.Begin() //nolint:staticcheck // drivers without BeginTx
	}
	if err != nil {
		return nil, err
	}
	return recordingTx{tx: tx, rec: c.rec}, nil
}

type recordingTx struct {
	tx  driver.Tx
	rec *recorder
}

func (t recordingTx) Commit() error   { t.rec.add("commit", "", nil); return t.tx.Commit() }
func (t recordingTx) Rollback() error { t.rec.add("rollback", "", nil); return t.tx.Rollback() }

func (c *recordingConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	c.rec.add("exec", query, args)
	return c.Conn.(driver.ExecerContext).ExecContext(ctx, query, args)
}

// SQLMockConnector is wflogtest.SQLMockConnector.
func SQLMockConnector(db *sql.DB) driver.Connector { return wflogtest.SQLMockConnector(db) }

// answering is the stand-in server of -update runs: every write affects one
// row and every query returns none.
type answering struct{}

func (answering) Connect(context.Context) (driver.Conn, error) { return answeringConn{}, nil }
func (answering) Driver() driver.Driver                        { return answering{} }
func (answering) Open(string) (driver.Conn, error)             { return answeringConn{}, nil }

type answeringConn struct{}

func (answeringConn) Prepare(string) (driver.Stmt, error) { return nil, fmt.Errorf("not supported") }
func (answeringConn) Close() error                        { return nil }
func (answeringConn) Begin() (driver.Tx, error)           { return answeringTx{}, nil }
func (answeringConn) QueryContext(context.Context, string, []driver.NamedValue) (driver.Rows, error) {
	return emptyRows{}, nil
}
func (answeringConn) ExecContext(context.Context, string, []driver.NamedValue) (driver.Result, error) {
	return driver.RowsAffected(1), nil
}

type answeringTx struct{}

func (answeringTx) Commit() error   { return nil }
func (answeringTx) Rollback() error { return nil }

type emptyRows struct{}

func (emptyRows) Columns() []string         { return nil }
func (emptyRows) Close() error              { return nil }
func (emptyRows) Next([]driver.Value) error { return io.EOF }

// Record runs fn against backend b with a stand-in server that answers every
// write with one affected row and every query with no rows, and returns the
// statements fn sent. Examples use it to show the SQL a call produces.
func Record(b dialect.Backend, fn func(db *gorm.DB) error) ([]Statement, error) {
	rec := &recorder{}
	db, pool, err := openRecorded(b, rec.wrap(answering{}))
	if err != nil {
		return nil, err
	}
	defer pool.Close()
	err = fn(db)
	return rec.statements(), err
}

func openRecorded(b dialect.Backend, conn driver.Connector) (*gorm.DB, *sql.DB, error) {
	var pool *sql.DB
	if b == dialect.LogStore {
		pool = sql.OpenDB(dialect.WrapLogStore(conn))
	} else {
		pool = sql.OpenDB(conn)
	}
	db, err := wflog.OpenDB(dialect.New(dialect.Config{Backend: b}), pool, wflog.WithClock(MockClock()))
	if err != nil {
		_ = pool.Close()
		return nil, nil, err
	}
	return db, pool, nil
}
