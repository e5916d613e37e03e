// Package dialect knows what differs between wflog's backends — PostgreSQL,
// Alibaba Cloud SLS LogStore through its PostgreSQL-protocol endpoint, and
// embedded SQLite — and is the only place that SQL differences live: DSN
// parsing, capability flags, LIMIT forms, the __time__ bound, day buckets in
// a time zone, and the latest-version form. Code elsewhere asks Has for a
// capability or calls a form method; it never compares backend names. The
// LogStore database/sql driver (the statement checks, literal rendering
// and wire) is its own package, dialect/logstoresql, which knows nothing of
// GORM; importing dialect registers it with database/sql as "logstore".
// The package is wflog's own plumbing: users see github.com/wflog/wflog/dialect,
// which re-exports the names they need (Backend, Config, Parse, New, Of, ...)
// as aliases.
//
//	cfg, err := dialect.Parse("logstore://AK_ID:AK_SECRET@cn-hangzhou.log.aliyuncs.com/my-project")
//	if err != nil { … }              // the error never shows the secret
//	log.Println("opening", cfg)       // prints the DSN with the secret redacted
//	d := dialect.New(cfg)             // install with db.Use(d); find later with dialect.Of(db)
package dialect

import (
	"sync"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// Backend is the kind of database behind a *gorm.DB.
type Backend uint8

// The backends wflog speaks.
const (
	PostgreSQL Backend = iota + 1
	LogStore
	SQLite
)

func (b Backend) String() string {
	switch b {
	case PostgreSQL:
		return "PostgreSQL"
	case LogStore:
		return "LogStore"
	case SQLite:
		return "SQLite"
	}
	return "unknown backend"
}

// Feature is one capability a backend may have. Code that needs one asks
// Has instead of comparing backend names.
type Feature uint32

// Capabilities that differ between the backends. Each is read somewhere:
// a flag nothing asks for is not declared.
const (
	Transactions   Feature = 1 << iota // BEGIN … COMMIT with atomicity
	Returning                          // INSERT … RETURNING
	Delete                             // DELETE statements
	Copy                               // COPY … FROM STDIN (through pgx)
	Lateral                            // CROSS JOIN LATERAL: EachDay's per-day ranges
	RowValues                          // row comparisons, (a, b) < (x, y)
	ReadsOwnWrites                     // a write is readable as soon as it returns
	Unbounded                          // a query may return any number of rows
	ModifyingCTE                       // WITH gone AS (DELETE … RETURNING …) SELECT …
	Nulls                              // a NULL is stored as NULL (LogStore reads it back as '')
	Keys                               // primary keys: a duplicate (id, version) is refused
	Placeholders                       // parameters bound by the server, up to MaxParameters
	WriteLock                          // BEGIN takes the one write lock (SQLite's BEGIN IMMEDIATE)
	// ArrivalTime: the backend stamps each row with when it received it
	// (LogStore's __time__), and its TTL and time window read that stamp:
	// a copied row's age restarts on the target.
	ArrivalTime
	InformationSchema // information_schema describes the tables (PostgreSQL: Dify's own database)
	FieldIndexes      // columns are SLS field indexes, configured outside SQL (wflog.CheckLogStore reads them)
	Triggers          // triggers on tables fire for every writer's rows (package rollup)
	StatementTriggers // statement triggers with transition tables, PL/pgSQL (rollup's PostgreSQL form)
)

const (
	postgresFeatures = Transactions | Returning | Delete | Copy | Lateral | RowValues | ReadsOwnWrites | Unbounded | ModifyingCTE | Nulls | Keys | Placeholders | InformationSchema | Triggers | StatementTriggers
	sqliteFeatures   = Transactions | Returning | Delete | RowValues | ReadsOwnWrites | Unbounded | Nulls | Keys | Placeholders | WriteLock | Triggers
	logStoreFeatures = ArrivalTime | FieldIndexes
)

// Dialect is a backend's capabilities and SQL forms. It is also the GORM
// plugin that installs the backend's rules on a *gorm.DB; Of finds it again.
type Dialect struct {
	backend   Backend
	features  Feature
	batch     int
	maxParams int

	// The backend's forms: the only per-backend code paths, chosen once in New.
	install func(*gorm.DB) error
	day     func(column clause.Column, loc *time.Location) clause.Expression
	// latestRows chooses the latest versions for aggregates (Choice.Columns),
	// and for every read where rowsLatest is nil.
	latestRows func(stmt *gorm.Statement, v Versioned, from clause.Expression, c Choice, among []clause.Expression)
	rowsLatest func(stmt *gorm.Statement, v Versioned, c Choice)

	// schemas caches parsed destination types for LogStore's time-column hints.
	schemas sync.Map
}

// New returns the dialect for cfg's backend.
func New(cfg Config) *Dialect {
	d := &Dialect{backend: cfg.Backend}
	switch cfg.Backend {
	case LogStore:
		d.features = logStoreFeatures
		d.batch = max(cfg.BatchSize, 1)
		d.install = d.installLogStore
		d.day = logStoreDay
		d.latestRows = d.rankedLatest
	case SQLite:
		d.features = sqliteFeatures
		d.maxParams = 32766 // SQLITE_MAX_VARIABLE_NUMBER's default since 3.32
		d.install = installSQLite
		d.day = sqliteDay
		d.latestRows = groupedLatest
		d.rowsLatest = d.probeLatest
	default:
		d.backend = PostgreSQL
		d.features = postgresFeatures
		d.maxParams = 65535
		d.install = func(*gorm.DB) error { return nil }
		d.day = postgresDay
		d.latestRows = distinctLatest
		d.rowsLatest = d.probeLatest
	}
	return d
}

// Backend reports which backend the dialect speaks to.
func (d *Dialect) Backend() Backend { return d.backend }

// Has reports whether the backend has every feature in f.
func (d *Dialect) Has(f Feature) bool { return d.features&f == f }

// BatchSize is how many rows one INSERT statement may carry on this backend:
// the DSN's batch=N on LogStore (default 1, one row per statement as LogStore
// is documented to accept), 0 (no limit of ours) elsewhere.
func (d *Dialect) BatchSize() int { return d.batch }

// MaxParameters is the most bound parameters one statement may carry
// where the backend binds them (Placeholders): PostgreSQL's 65,535,
// SQLite's 32,766; 0 elsewhere.
func (d *Dialect) MaxParameters() int { return d.maxParams }

// MaxRows is the most rows one query may return: LogStore's largest LIMIT,
// or 0 where a query may return any number (Unbounded).
func (d *Dialect) MaxRows() int {
	if d.Has(Unbounded) {
		return 0
	}
	return MaxLimit
}

// MaxPageRows is the most rows one page of a paged read should ask for:
// LogStore's MaxPage (the largest count of its "LIMIT offset, count"
// form), or 0 where a query may return any number (Unbounded).
func (d *Dialect) MaxPageRows() int {
	if d.Has(Unbounded) {
		return 0
	}
	return MaxPage
}

const pluginName = "wflog:dialect"

// Name is the GORM plugin name.
func (d *Dialect) Name() string { return pluginName }

// Initialize installs the backend's rules on db. On PostgreSQL there is
// nothing to install; on LogStore it registers the callbacks that keep every
// statement within LogStore's rules; on SQLite, the binding of times as
// fixed-width UTC text (see BindTime).
func (d *Dialect) Initialize(db *gorm.DB) error { return d.install(db) }

var postgresDialect = New(Config{Backend: PostgreSQL})

// Of returns the dialect installed on db, or PostgreSQL's when none is: a
// *gorm.DB opened by hand with gorm's postgres driver speaks PostgreSQL.
func Of(db *gorm.DB) *Dialect {
	if db != nil && db.Config != nil {
		if p, ok := db.Config.Plugins[pluginName]; ok {
			if d, ok := p.(*Dialect); ok {
				return d
			}
		}
	}
	return postgresDialect
}
