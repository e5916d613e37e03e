package dialect

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/DATA-DOG/go-sqlmock"
)

// mockConnector lends sqlmock's connection to the adapter.
type mockConnector struct{ db *sql.DB }

func (c mockConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.db.Conn(ctx)
	if err != nil {
		return nil, err
	}
	var dc driver.Conn
	err = conn.Raw(func(raw any) error { dc = raw.(driver.Conn); return nil })
	return borrowed{Conn: dc, release: conn}, err
}
func (c mockConnector) Driver() driver.Driver { return c.db.Driver() }

type borrowed struct {
	driver.Conn
	release *sql.Conn
}

func (b borrowed) Close() error { return b.release.Close() }
func (b borrowed) Ping(ctx context.Context) error {
	return b.Conn.(driver.Pinger).Ping(ctx)
}
func (b borrowed) QueryContext(ctx context.Context, q string, a []driver.NamedValue) (driver.Rows, error) {
	return b.Conn.(driver.QueryerContext).QueryContext(ctx, q, a)
}
func (b borrowed) ExecContext(ctx context.Context, q string, a []driver.NamedValue) (driver.Result, error) {
	return b.Conn.(driver.ExecerContext).ExecContext(ctx, q, a)
}

func newAdapter(t *testing.T) (*sql.DB, sqlmock.Sqlmock) {
	t.Helper()
	mockDB, mock, err := sqlmock.New(sqlmock.QueryMatcherOption(sqlmock.QueryMatcherEqual), sqlmock.MonitorPingsOption(true))
	if err != nil {
		t.Fatal(err)
	}
	pool := sql.OpenDB(WrapLogStore(mockConnector{mockDB}))
	t.Cleanup(func() { _ = pool.Close(); _ = mockDB.Close() })
	return pool, mock
}

// TestAdapterSendsNothingItRefuses: transactions and refused statements
// never reach the connection (sqlmock would fail on any statement).
func TestAdapterSendsNothingItRefuses(t *testing.T) {
	pool, mock := newAdapter(t)
	ctx := context.Background()
	if _, err := pool.BeginTx(ctx, nil); !errors.Is(err, ErrUnsupported) {
		t.Errorf("BeginTx = %v, want ErrUnsupported", err)
	}
	if _, err := pool.ExecContext(ctx, "DELETE FROM t WHERE id = $1", "x"); !errors.Is(err, ErrUnsupported) {
		t.Errorf("DELETE = %v, want ErrUnsupported", err)
	}
	if _, err := pool.QueryContext(ctx, "SELECT * FROM t WHERE id = $1", "x"); !errors.Is(err, ErrUnsupported) {
		t.Errorf("SELECT without __time__ = %v, want ErrUnsupported", err)
	}
	if err := mock.ExpectationsWereMet(); err != nil {
		t.Error(err)
	}
}

// TestAdapterPingSendsNoQuery: the pool's Ping reaches the connection's
// Ping, never a query.
func TestAdapterPingSendsNoQuery(t *testing.T) {
	pool, mock := newAdapter(t)
	mock.ExpectPing()
	if err := pool.Ping(); err != nil {
		t.Fatal(err)
	}
	if err := mock.ExpectationsWereMet(); err != nil {
		t.Error(err)
	}
}

// TestAdapterRendersAndReadsTimes: arguments arrive as literals, and text in
// columns marked as times comes back as time.Time.
func TestAdapterRendersAndReadsTimes(t *testing.T) {
	pool, mock := newAdapter(t)
	at := time.Date(2026, 11, 26, 8, 0, 0, 123456000, time.UTC)
	mock.ExpectQuery(`SELECT created_at, note FROM t WHERE __time__ > 0 AND id = 'it''s' LIMIT 1`).
		WillReturnRows(sqlmock.NewRows([]string{"created_at", "note"}).AddRow("2026-11-26T08:00:00.123456Z", "2026-11-26T08:00:00.123456Z"))
	ctx := WithTimeColumns(context.Background(), "created_at")
	var (
		got  time.Time
		note string
	)
	if err := pool.QueryRowContext(ctx, `SELECT created_at, note FROM t WHERE __time__ > 0 AND id = $1 LIMIT 1`, "it's").Scan(&got, &note); err != nil {
		t.Fatal(err)
	}
	if !got.Equal(at) || note != "2026-11-26T08:00:00.123456Z" {
		t.Errorf("got %v, %q", got, note)
	}

	mock.ExpectQuery(`SELECT created_at FROM t WHERE __time__ > 0 LIMIT 1`).
		WillReturnRows(sqlmock.NewRows([]string{"created_at"}).AddRow("yesterday"))
	err := pool.QueryRowContext(ctx, `SELECT created_at FROM t WHERE __time__ > 0 LIMIT 1`).Scan(&got)
	if err == nil || !strings.Contains(err.Error(), `column created_at: cannot read "yesterday" as a timestamp`) {
		t.Errorf("bad time text: %v", err)
	}
	if err := mock.ExpectationsWereMet(); err != nil {
		t.Error(err)
	}
}

func TestCheckPool(t *testing.T) {
	plain, _, err := sqlmock.New()
	if err != nil {
		t.Fatal(err)
	}
	defer plain.Close()
	if err := New(Config{Backend: LogStore}).CheckPool(plain); err == nil {
		t.Error("a LogStore dialect accepted a pool that is not the adapter")
	}
	if err := New(Config{Backend: PostgreSQL}).CheckPool(plain); err != nil {
		t.Error(err)
	}
}
