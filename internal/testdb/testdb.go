// Package testdb gives tests a throwaway schema on a real PostgreSQL, found
// through WFLOG_TEST_DATABASE_URL (default: the local server of DESIGN.md's
// Tests section). When no server answers, tests skip with one sentence that
// says how to start one — except under CI=true, where they fail.
package testdb

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"gorm.io/gorm"

	"github.com/wflog/wflog"
	"github.com/wflog/wflog/dialect/logstoresql"
	"github.com/wflog/wflog/internal/dialect"
	"github.com/wflog/wflog/logstoretest"
)

// DefaultURL is the database tests use unless WFLOG_TEST_DATABASE_URL says
// otherwise: a database of their own, wflog_test, which Admin creates on the
// local server when it is missing — the tests never write into the shared
// postgres database unless told to.
// It is the LogStore emulator's default backend too (logstoretest).
const DefaultURL = logstoretest.DefaultBackend

// DefaultDatabase is DefaultURL's database.
const DefaultDatabase = logstoretest.DefaultDatabase

// URL returns the test database URL.
func URL() string {
	if u := os.Getenv("WFLOG_TEST_DATABASE_URL"); u != "" {
		return u
	}
	return DefaultURL
}

// Admin connects to the test database, skipping (or failing under CI=true)
// when it does not answer. The connection closes when the test ends.
func Admin(tb testing.TB) *pgconn.PgConn {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	conn, err := pgconn.Connect(ctx, URL())
	if err != nil && URL() == DefaultURL && isMissingDatabase(err) {
		if err = createDefaultDatabase(ctx); err == nil {
			conn, err = pgconn.Connect(ctx, URL())
		}
	}
	if err != nil {
		msg := "no PostgreSQL at " + URL() + " (" + err.Error() + "); start one with: pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start, or set WFLOG_TEST_DATABASE_URL"
		if os.Getenv("CI") == "true" {
			tb.Fatal(msg)
		}
		tb.Skip(msg)
	}
	tb.Cleanup(func() { _ = conn.Close(context.Background()) })
	return conn
}

// isMissingDatabase reports PostgreSQL's invalid_catalog_name: the
// database named in the URL does not exist.
func isMissingDatabase(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == "3D000"
}

// createDefaultDatabase creates DefaultDatabase through the server's
// postgres database. Test packages run in parallel, so another may create
// it first: that is success too.
func createDefaultDatabase(ctx context.Context) error {
	maint := strings.Replace(DefaultURL, "/"+DefaultDatabase+"?", "/postgres?", 1)
	conn, err := pgconn.Connect(ctx, maint)
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	err = conn.Exec(ctx, "CREATE DATABASE "+DefaultDatabase).Close()
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && (pgErr.Code == "42P04" || pgErr.Code == "23505") { // duplicate_database, or the race inside pg_database
		return nil
	}
	return err
}

// Schema creates an empty schema for the test and drops it, with everything
// in it, when the test ends. It returns the schema's name and a DSN whose
// search_path is that schema.
func Schema(tb testing.TB) (name, dsn string) {
	tb.Helper()
	admin := Admin(tb)
	var b [6]byte
	if _, err := rand.Read(b[:]); err != nil {
		tb.Fatal(err)
	}
	name = "wflog_test_" + hex.EncodeToString(b[:])
	ctx := context.Background()
	if err := admin.Exec(ctx, "CREATE SCHEMA "+name).Close(); err != nil {
		tb.Fatalf("creating schema %s: %v", name, err)
	}
	tb.Cleanup(func() {
		if err := admin.Exec(context.Background(), "DROP SCHEMA "+name+" CASCADE").Close(); err != nil {
			tb.Errorf("dropping schema %s: %v", name, err)
		}
	})
	dsn, err := SchemaDSN(name)
	if err != nil {
		tb.Fatalf("WFLOG_TEST_DATABASE_URL: %v", err)
	}
	return name, dsn
}

// Open opens wflog on a fresh, migrated schema of the test database.
func Open(tb testing.TB, opts ...wflog.Option) (*gorm.DB, string) {
	tb.Helper()
	name, dsn := Schema(tb)
	return OpenDSN(tb, dsn, opts...), name
}

// OpenDSN opens wflog on dsn, migrated, and closes it when the test ends.
func OpenDSN(tb testing.TB, dsn string, opts ...wflog.Option) *gorm.DB {
	tb.Helper()
	db, err := wflog.Open(dsn, opts...)
	if err != nil {
		tb.Fatalf("wflog.Open(%s): %v", dialect.Redact(dsn), err)
	}
	tb.Cleanup(func() {
		if sqlDB, err := db.DB(); err == nil {
			_ = sqlDB.Close()
		}
	})
	// A fresh emulator's logstores are empty: ready, their analytics
	// unverified until rows arrive.
	if err := wflog.Migrate(context.Background(), db); err != nil && !errors.Is(err, wflog.ErrLogStoreIndexUnverified) {
		tb.Fatalf("wflog.Migrate(%s): %v", dialect.Redact(dsn), err)
	}
	return db
}

// OpenAdapterPair opens one fresh, migrated schema twice: as wflog opens
// PostgreSQL, and through the LogStore adapter (the same rendering and rules
// wflog uses for LogStore, over a simple-protocol connection). The tables
// get LogStore's __time__ column so that the adapter's queries run. Plain
// PostgreSQL does not understand "LIMIT offset, count", so queries with an
// offset need the emulator; everything else runs here.
func OpenAdapterPair(tb testing.TB, opts ...wflog.Option) (postgres, logStore *gorm.DB, schema string) {
	tb.Helper()
	postgres, schema = Open(tb, opts...)
	for _, table := range []string{"workflow_runs", "workflow_node_executions"} {
		if err := postgres.Exec("ALTER TABLE " + table + " ADD COLUMN __time__ bigint NOT NULL DEFAULT extract(epoch from now())::bigint").Error; err != nil {
			tb.Fatalf("adding __time__ to %s: %v", table, err)
		}
	}
	dsn, err := SchemaDSN(schema)
	if err != nil {
		tb.Fatal(err)
	}
	inner, err := dialect.SimpleProtocol(dsn)
	if err != nil {
		tb.Fatal(err)
	}
	// PostgreSQL's typed columns (uuid, timestamptz) cannot hold the '' that
	// LogStore's INSERTs store for nil, so this pair keeps NULL.
	pool := sql.OpenDB(logstoresql.WrapWith(inner, logstoresql.Options{KeepNULL: true}))
	tb.Cleanup(func() { _ = pool.Close() })
	logStore, err = wflog.OpenDB(dialect.New(dialect.Config{Backend: dialect.LogStore}), pool, opts...)
	if err != nil {
		tb.Fatal(err)
	}
	return postgres, logStore, schema
}

// SchemaDSN returns the test database URL with its search_path set to schema.
func SchemaDSN(schema string) (string, error) {
	u, err := url.Parse(URL())
	if err != nil {
		return "", err
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String(), nil
}
