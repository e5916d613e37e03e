package logstoresql_test

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/DATA-DOG/go-sqlmock"

	"github.com/wflog/wflog/dialect/logstoresql"
	"github.com/wflog/wflog/internal/testdb"
)

func newAdapter(t *testing.T) (*sql.DB, sqlmock.Sqlmock) {
	t.Helper()
	mockDB, mock, err := sqlmock.New(sqlmock.QueryMatcherOption(sqlmock.QueryMatcherEqual), sqlmock.MonitorPingsOption(true))
	if err != nil {
		t.Fatal(err)
	}
	pool := sql.OpenDB(logstoresql.Wrap(testdb.SQLMockConnector(mockDB)))
	t.Cleanup(func() { _ = pool.Close(); _ = mockDB.Close() })
	return pool, mock
}

// TestAdapterSendsNothingItRefuses: transactions and refused statements
// never reach the connection (sqlmock would fail on any statement).
func TestAdapterSendsNothingItRefuses(t *testing.T) {
	pool, mock := newAdapter(t)
	ctx := context.Background()
	if _, err := pool.BeginTx(ctx, nil); !errors.Is(err, logstoresql.ErrUnsupported) {
		t.Errorf("BeginTx = %v, want logstoresql.ErrUnsupported", err)
	}
	if _, err := pool.ExecContext(ctx, "DELETE FROM t WHERE id = $1", "x"); !errors.Is(err, logstoresql.ErrUnsupported) {
		t.Errorf("DELETE = %v, want logstoresql.ErrUnsupported", err)
	}
	if _, err := pool.QueryContext(ctx, "SELECT * FROM t WHERE id = $1", "x"); !errors.Is(err, logstoresql.ErrUnsupported) {
		t.Errorf("SELECT without __time__ = %v, want logstoresql.ErrUnsupported", err)
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
	ctx := logstoresql.WithTimeColumns(context.Background(), "created_at")
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
