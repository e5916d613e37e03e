// Package wflog stores AI-workflow execution logs — Dify's workflow runs and
// node executions — as append-only, versioned rows through GORM, on
// PostgreSQL, on Alibaba Cloud SLS LogStore through its PostgreSQL-protocol
// endpoint, or in an embedded SQLite file (pure Go). One DSN chooses the
// backend:
//
//	db, err := wflog.Open("postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable")
//	// or wflog.Open("logstore://AK_ID:AK_SECRET@cn-hangzhou.log.aliyuncs.com/my-project")
//	// or wflog.Open("sqlite:///var/lib/app/wflog.db")
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
	"fmt"
	"strings"

	"github.com/libtnb/sqlite"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/wflog/wflog/appendonly"
	"github.com/wflog/wflog/internal/dialect"
	"github.com/wflog/wflog/models"
)

// Option configures Open and OpenDB.
type Option func(*options)

type options struct {
	gorm    *gorm.Config
	clock   *appendonly.Clock
	plugins []gorm.Plugin // installed last, after the appendonly plugin (WithMirror)
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

// Open is OpenContext with context.Background(): the DSN's connect_timeout
// (default dialect.DefaultConnectTimeout, 10 s) still bounds the connection.
func Open(dsn string, opts ...Option) (*gorm.DB, error) {
	return OpenContext(context.Background(), dsn, opts...)
}

// OpenContext connects to the backend that dsn names and returns a *gorm.DB
// with the dialect and the appendonly plugin installed:
//
//	postgres://user:pass@host:5432/db?sslmode=disable   (postgresql:// too)
//	host=host user=user password=pass dbname=db sslmode=disable   (PostgreSQL too)
//	logstore://AK_ID:AK_SECRET@endpoint[:5432]/PROJECT   (sls:// too)
//	sqlite:///path/to/wflog.db, sqlite://:memory:        (embedded, no server)
//
// LogStore DSNs use TLS unless sslmode=disable and take batch=N (rows per
// INSERT, default 1) and max_conns=N (default 15); both take max_conns and
// connect_timeout=SECONDS. OpenContext checks that the server accepts a
// connection (for LogStore, the handshake only: LogStore has no ping query)
// and returns when ctx is done or the connect timeout passes, whichever is
// first: the timeout bounds dialing, the TLS handshake and authentication,
// of this connection and of every one the pool opens later. ctx is not kept.
// Errors show the DSN with its secret redacted.
func OpenContext(ctx context.Context, dsn string, opts ...Option) (*gorm.DB, error) {
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
			return nil, cfg.Scrub(err)
		}
		pool = sql.OpenDB(connector)
		dialector = logStoreDialector{postgres.New(postgres.Config{Conn: pool, WithoutReturning: true})}
	case dialect.SQLite:
		if dialector, err = sqliteDialector(cfg); err != nil {
			return nil, err
		}
	default:
		dialector = postgres.New(postgres.Config{DSN: cfg.ConnString, OptionOpenDB: dialect.PostgresPoolOptions()})
	}
	db, err := open(ctx, dialector, dialect.New(cfg), opts)
	if err != nil {
		if pool != nil {
			_ = pool.Close()
		}
		return nil, cfg.Scrub(fmt.Errorf("wflog: opening %s: %w%s", cfg, err, openHint(cfg, err)))
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
// rendered the way LogStore needs; tests build one over sqlmock. It pings
// the pool (bounded by context.Background() and the pool's own timeouts)
// unless the GORM config disables the ping.
func OpenDB(d *dialect.Dialect, pool *sql.DB, opts ...Option) (*gorm.DB, error) {
	if err := d.CheckPool(pool); err != nil {
		return nil, err
	}
	if d.Backend() == dialect.SQLite {
		if err := registerSQLiteDay(); err != nil {
			return nil, err
		}
		return open(context.Background(), dialect.SQLiteDialector(sqlitePoolDialector{sqlite.Dialector{Conn: pool}}), d, opts)
	}
	dialector := postgres.New(postgres.Config{Conn: pool, WithoutReturning: !d.Has(dialect.Returning)})
	if d.Backend() == dialect.LogStore {
		dialector = logStoreDialector{dialector}
	}
	return open(context.Background(), dialector, d, opts)
}

func open(ctx context.Context, dialector gorm.Dialector, d *dialect.Dialect, opts []Option) (*gorm.DB, error) {
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
	// GORM's own ping runs on context.Background(); ping here, with ctx.
	ping := !gcfg.DisableAutomaticPing
	gcfg.DisableAutomaticPing = true
	db, err := gorm.Open(dialector, gcfg)
	if err != nil {
		return nil, err
	}
	if ping {
		if p, ok := db.ConnPool.(interface{ PingContext(context.Context) error }); ok {
			if err := p.PingContext(ctx); err != nil {
				if s, _ := db.DB(); s != nil {
					_ = s.Close()
				}
				return nil, err
			}
		}
	}
	if err := db.Use(d); err != nil {
		return nil, err
	}
	if err := db.Use(appendonly.New(appendonly.Config{Clock: o.clock})); err != nil {
		return nil, err
	}
	// So that writes naming wflog's tables without a model are refused.
	if err := appendonly.Register(db, &models.WorkflowRun{}, &models.WorkflowNodeExecution{}); err != nil {
		return nil, err
	}
	for _, p := range o.plugins {
		if err := db.Use(p); err != nil {
			return nil, err
		}
	}
	return db, nil
}

// openHint adds a sentence to a failed Open's error where the cause is a
// known first-hour mistake: TLS asked of a plaintext LogStore endpoint such
// as the emulator.
func openHint(cfg dialect.Config, err error) string {
	if cfg.Backend == dialect.LogStore && strings.Contains(err.Error(), "server refused TLS connection") {
		return " (the server offers no TLS: for a plaintext endpoint such as the LogStore emulator, add sslmode=disable to the DSN)"
	}
	return ""
}
