// Package wflogtest helps an application test its own code that uses wflog:
// an embedded database per test, a sqlmock-backed *gorm.DB for any backend
// that shows the SQL a call sends, and a clock a test can set.
//
//	func TestMyHandler(t *testing.T) {
//		db := wflogtest.SQLite(t)            // migrated, deleted when t ends
//		runs := repo.NewRuns(db)
//		… exercise your code, then check what runs.Get returns …
//	}
//
// SQLite needs nothing installed: the driver is pure Go.
package wflogtest

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/DATA-DOG/go-sqlmock"
	"gorm.io/gorm"

	"github.com/wflog/wflog"
	"github.com/wflog/wflog/appendonly"
	"github.com/wflog/wflog/internal/dialect"
)

// SQLite opens a wflog database in a file of tb's temporary directory,
// migrated, with opts applied (WithClock, say), and closes it when the test
// ends. Each call is a database of its own, so parallel tests do not share
// rows. It fails the test if the database cannot be opened or migrated.
func SQLite(tb testing.TB, opts ...wflog.Option) *gorm.DB {
	tb.Helper()
	dsn := "sqlite://" + filepath.Join(tb.TempDir(), "wflog.db")
	db, err := wflog.Open(dsn, opts...)
	if err != nil {
		tb.Fatalf("wflogtest: opening %s: %v", dsn, err)
	}
	tb.Cleanup(func() {
		if sqlDB, err := db.DB(); err == nil {
			_ = sqlDB.Close()
		}
	})
	// A fresh emulator's logstores are empty: ready, their analytics
	// unverified until rows arrive.
	if err := wflog.Migrate(context.Background(), db); err != nil && !errors.Is(err, wflog.ErrLogStoreIndexUnverified) {
		tb.Fatalf("wflogtest: migrating %s: %v", dsn, err)
	}
	return db
}

// SQLMock returns a *gorm.DB for backend (dialect.PostgreSQL, LogStore or
// SQLite) whose statements go to the returned sqlmock, as wflog would send
// them to that backend: on LogStore after the adapter's checks and literal
// rendering, so the SQL has no placeholders and no arguments. Its clock is
// a Clock at Epoch, so versions are predictable. Expected SQL is matched
// exactly (sqlmock.QueryMatcherEqual): write it as the backend receives it.
// When the test ends SQLMock fails it if an expectation was not met.
func SQLMock(tb testing.TB, backend dialect.Backend) (*gorm.DB, sqlmock.Sqlmock) {
	tb.Helper()
	mockDB, mock, err := sqlmock.New(sqlmock.QueryMatcherOption(sqlmock.QueryMatcherEqual))
	if err != nil {
		tb.Fatalf("wflogtest: sqlmock: %v", err)
	}
	var pool *sql.DB
	if backend == dialect.LogStore {
		pool = sql.OpenDB(dialect.WrapLogStore(SQLMockConnector(mockDB)))
	} else {
		pool = sql.OpenDB(SQLMockConnector(mockDB))
	}
	db, err := wflog.OpenDB(dialect.New(dialect.Config{Backend: backend}), pool, wflog.WithClock(NewClock(Epoch).Clock))
	if err != nil {
		_ = pool.Close()
		_ = mockDB.Close()
		tb.Fatalf("wflogtest: opening a %s database over sqlmock: %v", backend, err)
	}
	tb.Cleanup(func() {
		_ = pool.Close()
		if err := mock.ExpectationsWereMet(); err != nil {
			tb.Errorf("wflogtest: %v", err)
		}
		_ = mockDB.Close()
	})
	return db, mock
}

// Epoch is where SQLMock's clock stands: versions start at its nanoseconds.
var Epoch = time.Date(2026, 11, 26, 8, 0, 0, 0, time.UTC)

// Clock is a clock a test sets. Pass Option() to wflog.Open (or
// wflogtest.SQLite) and versions are drawn from it: each is the clock's
// time in nanoseconds, or one more than the version before when the clock
// has not moved. It is safe for concurrent use.
type Clock struct {
	*appendonly.Clock // the versions' source, for appendonly.Config

	mu  sync.Mutex
	now time.Time
}

// NewClock returns a Clock standing at start.
func NewClock(start time.Time) *Clock {
	c := &Clock{now: start}
	c.Clock = appendonly.NewClock(c.Now)
	return c
}

// Now is the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Set moves the clock to t (backwards too; versions still increase).
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	c.now = t
	c.mu.Unlock()
}

// Advance moves the clock forward by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// Option is wflog.WithClock(c): versions from this clock.
func (c *Clock) Option() wflog.Option { return wflog.WithClock(c.Clock) }

// SQLMockConnector lends sqlmock's connection (from sqlmock.New) to a
// connector, so that a pool built on it — the LogStore adapter,
// dialect.WrapLogStore, say — sends its statements to sqlmock's
// expectations. SQLMock uses it; it is here for pools built by hand.
func SQLMockConnector(db *sql.DB) driver.Connector { return mockConnector{db: db} }

type mockConnector struct{ db *sql.DB }

func (c mockConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.db.Conn(ctx)
	if err != nil {
		return nil, err
	}
	var dc driver.Conn
	err = conn.Raw(func(raw any) error { dc = raw.(driver.Conn); return nil })
	return rawConn{Conn: dc, release: conn}, err
}

func (c mockConnector) Driver() driver.Driver { return c.db.Driver() }

// rawConn is sqlmock's driver connection, borrowed from its *sql.DB.
type rawConn struct {
	driver.Conn
	release *sql.Conn
}

func (c rawConn) Close() error { return c.release.Close() }

func (c rawConn) Ping(ctx context.Context) error { return c.Conn.(driver.Pinger).Ping(ctx) }

func (c rawConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	return c.Conn.(driver.ConnBeginTx).BeginTx(ctx, opts)
}

func (c rawConn) QueryContext(ctx context.Context, q string, args []driver.NamedValue) (driver.Rows, error) {
	return c.Conn.(driver.QueryerContext).QueryContext(ctx, q, args)
}

func (c rawConn) ExecContext(ctx context.Context, q string, args []driver.NamedValue) (driver.Result, error) {
	return c.Conn.(driver.ExecerContext).ExecContext(ctx, q, args)
}
