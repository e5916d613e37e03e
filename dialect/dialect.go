// Package dialect knows what differs between wflog's two backends —
// PostgreSQL and Alibaba Cloud SLS LogStore through its PostgreSQL-protocol
// endpoint — and is the only place that SQL differences live: DSN parsing,
// capability flags, LIMIT forms, the __time__ bound, day buckets in a time
// zone, and the latest-version form. The LogStore database/sql driver (the
// statement checks, literal rendering and wire) is its own package,
// dialect/logstoresql, which knows nothing of GORM; importing dialect
// registers it with database/sql as "logstore".
//
//	cfg, err := dialect.Parse("logstore://AK_ID:AK_SECRET@cn-hangzhou.log.aliyuncs.com/my-project")
//	if err != nil { … }              // the error never shows the secret
//	log.Println("opening", cfg)       // prints the DSN with the secret redacted
//	d := dialect.New(cfg)             // install with db.Use(d); find later with dialect.Of(db)
package dialect

import (
	"sync"

	"gorm.io/gorm"
)

// Backend is the kind of database behind a *gorm.DB.
type Backend uint8

// The backends wflog speaks.
const (
	PostgreSQL Backend = iota + 1
	LogStore
)

func (b Backend) String() string {
	switch b {
	case PostgreSQL:
		return "PostgreSQL"
	case LogStore:
		return "LogStore"
	}
	return "unknown backend"
}

// Feature is one capability a backend may have. Code that needs one asks
// Has instead of comparing backend names.
type Feature uint32

// Capabilities that differ between the backends.
const (
	Transactions Feature = 1 << iota // BEGIN … COMMIT with atomicity
	Returning                        // INSERT … RETURNING
	OnConflict                       // INSERT … ON CONFLICT
	Update                           // UPDATE statements
	Delete                           // DELETE statements
	DistinctOn                       // SELECT DISTINCT ON (…)
	Offset                           // LIMIT n OFFSET m
	Copy                             // COPY … FROM STDIN
	Keys                             // primary keys and unique constraints
	Placeholders                     // $n parameters bound by the server
)

const postgresFeatures = Transactions | Returning | OnConflict | Update | Delete | DistinctOn | Offset | Copy | Keys | Placeholders

// Dialect is a backend's capabilities and SQL forms. It is also the GORM
// plugin that installs the backend's rules on a *gorm.DB; Of finds it again.
type Dialect struct {
	backend  Backend
	features Feature
	batch    int

	// schemas caches parsed destination types for LogStore's time-column hints.
	schemas sync.Map
}

// New returns the dialect for cfg's backend.
func New(cfg Config) *Dialect {
	d := &Dialect{backend: cfg.Backend, batch: cfg.BatchSize}
	switch cfg.Backend {
	case LogStore:
		d.features = 0
		if d.batch <= 0 {
			d.batch = 1
		}
	default:
		d.backend = PostgreSQL
		d.features = postgresFeatures
	}
	return d
}

// Backend reports which backend the dialect speaks to.
func (d *Dialect) Backend() Backend { return d.backend }

// Has reports whether the backend has every feature in f.
func (d *Dialect) Has(f Feature) bool { return d.features&f == f }

// BatchSize is how many rows one INSERT statement may carry on this backend:
// the DSN's batch=N on LogStore (default 1, one row per statement as LogStore
// is documented to accept), 0 (no limit of ours) on PostgreSQL.
func (d *Dialect) BatchSize() int {
	if d.backend == LogStore {
		return d.batch
	}
	return 0
}

const pluginName = "wflog:dialect"

// Name is the GORM plugin name.
func (d *Dialect) Name() string { return pluginName }

// Initialize installs the backend's rules on db. On PostgreSQL there is
// nothing to install; on LogStore it registers the callbacks that keep every
// statement within LogStore's rules.
func (d *Dialect) Initialize(db *gorm.DB) error {
	if d.backend == LogStore {
		return d.installLogStore(db)
	}
	return nil
}

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
