// Package wflog stores AI-workflow execution logs — Dify's workflow runs and
// node executions — as append-only, versioned rows through GORM, on
// PostgreSQL or on Alibaba Cloud SLS LogStore through its PostgreSQL-protocol
// endpoint. One DSN chooses the backend:
//
//	db, err := wflog.Open("postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable")
//	// or wflog.Open("logstore://AK_ID:AK_SECRET@cn-hangzhou.log.aliyuncs.com/my-project")
//	if err != nil { … }
//	if err := wflog.Migrate(ctx, db); err != nil { … }
//
//	run := models.WorkflowRun{TenantID: t, AppID: a, Status: models.RunRunning, …}
//	db.Create(&run)              // INSERT, version 1
//	run.Status = models.RunSucceeded
//	db.Save(&run)                // INSERT of the whole row, a newer version — never UPDATE
//	db.First(&got, "id = ?", run.ID) // the latest version
//
// Every save is an INSERT of a new row with a nanosecond version; every read
// sees the latest version of each id unless it asks for the history
// (Unscoped). The scopes package has the query builders and the repo package
// Dify's repository API on top.
package wflog

import (
	"context"
	"database/sql"
	_ "embed"
	"fmt"
	"strings"

	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/wflog/wflog/appendonly"
	"github.com/wflog/wflog/dialect"
	"github.com/wflog/wflog/rollup"
)

//go:embed schema.sql
var postgresSchema string

//go:embed schema_logstore.sql
var logStoreSchema string

// Option configures Open and OpenDB.
type Option func(*options)

type options struct {
	gorm  *gorm.Config
	clock *appendonly.Clock
}

// WithGORMConfig starts from cfg instead of wflog's defaults (which discard
// GORM's log). wflog still sets SkipDefaultTransaction, because every write
// it makes is a single statement, and LogStore has no transactions.
func WithGORMConfig(cfg *gorm.Config) Option {
	return func(o *options) { o.gorm = cfg }
}

// WithClock makes the appendonly plugin draw versions from c instead of the
// process-wide clock: for tests that want predictable versions.
func WithClock(c *appendonly.Clock) Option {
	return func(o *options) { o.clock = c }
}

// defaultIdleConns is how many idle connections Open keeps when max_conns
// does not bound the pool.
const defaultIdleConns = 16

// Open connects to the backend that dsn names and returns a *gorm.DB with
// the dialect and the appendonly plugin installed:
//
//	postgres://user:pass@host:5432/db?sslmode=disable   (postgresql:// too)
//	logstore://AK_ID:AK_SECRET@endpoint[:5432]/PROJECT   (sls:// too)
//
// LogStore DSNs use TLS unless sslmode=disable and take batch=N (rows per
// INSERT, default 1) and max_conns=N (default 15); both take max_conns. Open
// checks that the server accepts the connection (for LogStore, the
// handshake only: LogStore has no ping query). Errors show the DSN with its
// secret redacted.
func Open(dsn string, opts ...Option) (*gorm.DB, error) {
	cfg, err := dialect.Parse(dsn)
	if err != nil {
		return nil, err
	}
	var pool *sql.DB
	var dialector gorm.Dialector
	switch cfg.Backend {
	case dialect.LogStore:
		connector, err := dialect.Connector(cfg)
		if err != nil {
			return nil, err
		}
		pool = sql.OpenDB(connector)
		dialector = postgres.New(postgres.Config{Conn: pool, WithoutReturning: true})
	default:
		dialector = postgres.New(postgres.Config{DSN: cfg.ConnString})
	}
	db, err := open(dialector, dialect.New(cfg), opts)
	if err != nil {
		if pool != nil {
			_ = pool.Close()
		}
		return nil, fmt.Errorf("wflog: opening %s: %w", cfg, err)
	}
	sqlDB, err := db.DB()
	if err != nil {
		return nil, err
	}
	sqlDB.SetMaxOpenConns(cfg.MaxConns)
	// database/sql keeps 2 idle connections by default, so a service saving
	// from many goroutines would reconnect on almost every call.
	idle := cfg.MaxConns
	if idle == 0 {
		idle = defaultIdleConns
	}
	sqlDB.SetMaxIdleConns(idle)
	return db, nil
}

// OpenDB returns a *gorm.DB over a pool you built, for the backend d speaks
// (dialect.New(dialect.Config{Backend: …})). For LogStore the pool must be
// sql.OpenDB(dialect.WrapLogStore(…)), so that statements are checked and
// rendered the way LogStore needs; tests build one over sqlmock.
func OpenDB(d *dialect.Dialect, pool *sql.DB, opts ...Option) (*gorm.DB, error) {
	if err := d.CheckPool(pool); err != nil {
		return nil, err
	}
	cfg := postgres.Config{Conn: pool}
	if d.Backend() == dialect.LogStore {
		cfg.WithoutReturning = true
	}
	return open(postgres.New(cfg), d, opts)
}

func open(dialector gorm.Dialector, d *dialect.Dialect, opts []Option) (*gorm.DB, error) {
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	gcfg := &gorm.Config{Logger: logger.Discard}
	if o.gorm != nil {
		c := *o.gorm
		gcfg = &c
	}
	gcfg.SkipDefaultTransaction = true
	db, err := gorm.Open(dialector, gcfg)
	if err != nil {
		return nil, err
	}
	if err := db.Use(d); err != nil {
		return nil, err
	}
	if err := db.Use(appendonly.New(appendonly.Config{Clock: o.clock})); err != nil {
		return nil, err
	}
	return db, nil
}

// Migrate creates wflog's tables (and, on PostgreSQL, their indexes) if they
// do not exist: schema.sql on PostgreSQL, schema_logstore.sql on LogStore.
// On PostgreSQL it also installs the pre-aggregated statistics tables and
// their triggers (rollup.Install), filling them from existing runs.
// On a real LogStore, create the logstores and their field indexes in the
// SLS console instead; see schema_logstore.sql.
func Migrate(ctx context.Context, db *gorm.DB) error {
	d := dialect.Of(db)
	if d.Backend() != dialect.LogStore {
		if err := db.WithContext(ctx).Exec(postgresSchema).Error; err != nil {
			return fmt.Errorf("wflog: migrating PostgreSQL: %w", err)
		}
		// The pre-aggregated statistics (package rollup), after the tables they derive from.
		return rollup.Install(ctx, db)
	}
	for _, stmt := range statements(logStoreSchema) {
		if err := db.WithContext(ctx).Exec(stmt).Error; err != nil {
			return fmt.Errorf("wflog: migrating LogStore (%s): %w", firstLine(stmt), err)
		}
	}
	return nil
}

// statements splits a schema file of ours into its statements: comment
// lines dropped, split at semicolons (our DDL has none inside literals).
func statements(script string) []string {
	var b strings.Builder
	for _, line := range strings.Split(script, "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "--") {
			continue
		}
		b.WriteString(line)
		b.WriteByte('\n')
	}
	var out []string
	for _, s := range strings.Split(b.String(), ";") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return strings.TrimSuffix(strings.TrimSpace(line), "(")
}
