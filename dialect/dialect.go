// Package dialect names wflog's backends — PostgreSQL, Alibaba Cloud SLS
// LogStore through its PostgreSQL-protocol endpoint, and embedded SQLite —
// and reads their DSNs. Everything that differs between the backends in SQL
// lives in wflog's internal packages; this package is what a user of the
// library touches: Parse a DSN, pick a Backend, install New(cfg) on a
// *gorm.DB (wflog.Open does it), find it later with Of, and ask Has about
// the one capability a caller may need to know, ReadsOwnWrites. Importing
// dialect registers the LogStore database/sql driver as "logstore" (the
// driver itself is dialect/logstoresql, which knows nothing of GORM).
//
//	cfg, err := dialect.Parse("logstore://AK_ID:AK_SECRET@cn-hangzhou.log.aliyuncs.com/my-project")
//	if err != nil { … }              // the error never shows the secret
//	log.Println("opening", cfg)       // prints the DSN with the secret redacted
//	d := dialect.New(cfg)             // install with db.Use(d); find later with dialect.Of(db)
package dialect

import (
	"database/sql/driver"
	"time"

	"gorm.io/gorm"

	"github.com/wflog/wflog/dialect/logstoresql"
	"github.com/wflog/wflog/internal/dialect"
)

// Backend is the kind of database behind a *gorm.DB. Its String method
// names it ("PostgreSQL", "LogStore", "SQLite").
type Backend = dialect.Backend

// The backends wflog speaks.
const (
	PostgreSQL Backend = dialect.PostgreSQL
	LogStore   Backend = dialect.LogStore
	SQLite     Backend = dialect.SQLite
)

// Config is a parsed DSN. Its exported fields:
//
//	Backend        Backend       // which backend the DSN names
//	ConnString     string        // what the driver connects with; contains the secret: never log it
//	BatchSize      int           // LogStore's batch=N: rows per INSERT (default 1)
//	MaxConns       int           // max_conns=N: open-connection limit (LogStore default DefaultLogStoreMaxConns)
//	ConnectTimeout time.Duration // connect_timeout=SECONDS (default DefaultConnectTimeout; 0: no bound)
//	Path           string        // a SQLite DSN's database file, or ":memory:"
//
// Printing a Config (%v, %s, %#v) shows the DSN with its secret redacted.
type Config = dialect.Config

// Dialect is what wflog installs on a *gorm.DB with db.Use: the backend's
// SQL forms and checks. Its methods a caller may use:
//
//	Backend() Backend        // which backend the dialect speaks to
//	Has(f Feature) bool      // whether the backend has every feature in f
//
// (Its other methods are wflog's own plumbing.)
type Dialect = dialect.Dialect

// Feature is a capability a backend may have, asked with Dialect.Has.
type Feature = dialect.Feature

// ReadsOwnWrites: a write is readable as soon as it returns (PostgreSQL and
// SQLite; LogStore indexes a written row a few seconds later).
const ReadsOwnWrites Feature = dialect.ReadsOwnWrites

// UnsupportedError names what the backend cannot do (What) and what to do
// instead (Instead). It matches ErrUnsupported with errors.Is.
type UnsupportedError = dialect.UnsupportedError

// ErrUnsupported matches every refusal of an operation the backend cannot
// perform; errors.Is(err, ErrUnsupported) reports one.
var ErrUnsupported = dialect.ErrUnsupported

// Defaults and limits (the same values as wflog's internal ones; a test
// checks that they agree).
const (
	// DefaultConnectTimeout bounds a new connection when the DSN sets no
	// connect_timeout.
	DefaultConnectTimeout = 10 * time.Second
	// DefaultLogStoreMaxConns is LogStore's pool limit when the DSN sets no
	// max_conns: its limit of concurrent analytic queries per project.
	DefaultLogStoreMaxConns = 15
	// DefaultSQLiteBusyTimeout is how long a SQLite statement waits for a
	// lock held by another connection.
	DefaultSQLiteBusyTimeout = 60 * time.Second
	// DefaultSQLiteMaxConns is SQLite's pool limit: one writer.
	DefaultSQLiteMaxConns = 1
	// MaxPage is the largest count in LogStore's "LIMIT offset, count" form.
	MaxPage = logstoresql.MaxPage
	// MaxLimit is the largest LIMIT LogStore accepts.
	MaxLimit = logstoresql.MaxLimit
	// DriverName is the name the LogStore driver is registered under with
	// database/sql.
	DriverName = "logstore"
)

// Parse reads a DSN: postgres:// or postgresql:// URLs and key=value
// strings for PostgreSQL, logstore:// for LogStore, sqlite: for SQLite.
// Errors name the problem and show the DSN with its secret redacted.
func Parse(dsn string) (Config, error) { return dialect.Parse(dsn) }

// Redact returns dsn with its secret replaced by xxxxx, for logs and
// errors; dsn need not be valid.
func Redact(dsn string) string { return dialect.Redact(dsn) }

// New returns the dialect for cfg's backend.
func New(cfg Config) *Dialect { return dialect.New(cfg) }

// Of returns the dialect installed on db, or PostgreSQL's when none is: a
// *gorm.DB opened by hand with gorm's postgres driver speaks PostgreSQL.
func Of(db *gorm.DB) *Dialect { return dialect.Of(db) }

// WrapLogStore returns a connector that checks and renders every statement
// LogStore's way over inner (see logstoresql.Wrap).
func WrapLogStore(inner driver.Connector) driver.Connector { return dialect.WrapLogStore(inner) }

// IsPrimaryKeyViolation reports whether err is the database refusing a row
// because its primary key is taken (another writer stored the same id and
// version): SQLSTATE 23505 on a *_pkey constraint on PostgreSQL,
// SQLITE_CONSTRAINT_PRIMARYKEY on SQLite.
func IsPrimaryKeyViolation(err error) bool { return dialect.IsPrimaryKeyViolation(err) }
