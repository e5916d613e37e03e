package logstoretest_test

import (
	"context"
	"errors"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/wflog/wflog/logstoretest"
)

// newServer starts an emulator for t and checks, after it is closed, that
// its schema is gone from the backend.
func newServer(t *testing.T, opts ...func(*logstoretest.Config)) *logstoretest.Server {
	t.Helper()
	var schema string
	// Registered before New registers Close, so it runs after Close.
	t.Cleanup(func() {
		if schema != "" && schemaExists(t, schema) {
			t.Errorf("schema %s is still in the backend after Close", schema)
		}
	})
	s := logstoretest.New(t, opts...)
	schema = s.Schema()
	return s
}

// relax returns an option that switches off rules r.
func relax(r logstoretest.Rule) func(*logstoretest.Config) {
	return func(c *logstoretest.Config) { c.Relax |= r }
}

func backendDSN() string {
	if dsn := os.Getenv(logstoretest.BackendEnv); dsn != "" {
		return dsn
	}
	return logstoretest.DefaultBackend
}

// backend opens a direct PostgreSQL session, for looking behind the emulator.
func backend(t *testing.T) *pgconn.PgConn {
	t.Helper()
	c, err := pgconn.Connect(context.Background(), backendDSN())
	if err != nil {
		t.Fatalf("connect to the backend %s: %v", logstoretest.RedactDSN(backendDSN()), err)
	}
	t.Cleanup(func() { c.Close(context.Background()) })
	return c
}

func schemaExists(t *testing.T, schema string) bool {
	t.Helper()
	c, err := pgconn.Connect(context.Background(), backendDSN())
	if err != nil {
		t.Fatalf("connect to the backend %s: %v", logstoretest.RedactDSN(backendDSN()), err)
	}
	defer c.Close(context.Background())
	rows := query(t, c, "SELECT count(*) FROM pg_namespace WHERE nspname = '"+schema+"'")
	return rows[0][0] != "0"
}

// connect opens a client session on the emulator.
func connect(t *testing.T, s *logstoretest.Server) *pgconn.PgConn {
	t.Helper()
	c, err := pgconn.Connect(context.Background(), s.PostgresDSN())
	if err != nil {
		t.Fatalf("connect to the emulator at %s: %v", s.Addr(), err)
	}
	t.Cleanup(func() { c.Close(context.Background()) })
	return c
}

// results runs sql as one simple Query.
func results(c *pgconn.PgConn, sql string) ([]*pgconn.Result, error) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	return c.Exec(ctx, sql).ReadAll()
}

// execSQL runs sql, which must succeed, and returns its last command tag.
func execSQL(t *testing.T, c *pgconn.PgConn, sql string) string {
	t.Helper()
	rs, err := results(c, sql)
	if err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	if len(rs) == 0 {
		return ""
	}
	return rs[len(rs)-1].CommandTag.String()
}

// query runs sql, which must succeed with one result, and returns its rows
// as text ("NULL" for null).
func query(t *testing.T, c *pgconn.PgConn, sql string) [][]string {
	t.Helper()
	rs, err := results(c, sql)
	if err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	if len(rs) != 1 {
		t.Fatalf("%s: %d results, want 1", sql, len(rs))
	}
	return texts(rs[0])
}

func texts(r *pgconn.Result) [][]string {
	rows := make([][]string, 0, len(r.Rows))
	for _, row := range r.Rows {
		out := make([]string, len(row))
		for i, v := range row {
			if v == nil {
				out[i] = "NULL"
			} else {
				out[i] = string(v)
			}
		}
		rows = append(rows, out)
	}
	return rows
}

// column returns the first column of query's rows.
func column(t *testing.T, c *pgconn.PgConn, sql string) []string {
	t.Helper()
	var out []string
	for _, row := range query(t, c, sql) {
		out = append(out, row[0])
	}
	return out
}

// refused runs sql, which must fail with SQLSTATE code and a message
// containing msg, and returns the error.
func refused(t *testing.T, c *pgconn.PgConn, sql, code, msg string) *pgconn.PgError {
	t.Helper()
	_, err := results(c, sql)
	return wantPgError(t, sql, err, code, msg)
}

func wantPgError(t *testing.T, what string, err error, code, msg string) *pgconn.PgError {
	t.Helper()
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) {
		t.Fatalf("%s: error %v, want a PostgreSQL error %s", what, err, code)
	}
	if pgErr.Code != code || !strings.Contains(pgErr.Message, msg) {
		t.Fatalf("%s: error %s %q, want %s containing %q", what, pgErr.Code, pgErr.Message, code, msg)
	}
	return pgErr
}

// clock is a settable Config.Now.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func newClock() *clock {
	return &clock{now: time.Date(2026, 11, 26, 8, 0, 0, 0, time.UTC)}
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func withClock(c *clock) func(*logstoretest.Config) {
	return func(cfg *logstoretest.Config) { cfg.Now = c.Now }
}
