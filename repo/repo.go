// Package repo is the repository API a workflow engine and its console need
// — Dify's workflow-run and node-execution repositories — on top of wflog's
// append-only models, correct on PostgreSQL and on LogStore:
//
//	runs := repo.NewRuns(db)             // db from wflog.Open
//	err := runs.Save(ctx, &run)          // a new version of the run
//	run, err := runs.Get(ctx, tenant, app, id)
//	page, err := runs.List(ctx, repo.ListRuns{TenantID: tenant, AppID: app, Limit: 20})
//	counts, err := runs.CountByStatus(ctx, repo.CountRuns{TenantID: tenant, AppID: app})
//	days, err := runs.DailyRuns(ctx, repo.Stats{TenantID: tenant, AppID: app, From: from, To: to, Location: shanghai})
//
// Every read checks the owner (tenant, and app where Dify's API has one) and
// returns ErrNotFound for another owner's rows. Errors wrap their cause:
// errors.Is works with ErrNotFound, dialect.ErrUnsupported and
// appendonly.ErrNotLoaded, and errors.As reaches *pgconn.PgError.
package repo

import (
	"errors"
	"time"

	"gorm.io/gorm"

	"github.com/wflog/wflog/internal/dialect"
)

// ErrNotFound reports a row that does not exist or belongs to another owner.
var ErrNotFound = errors.New("not found")

// Option configures a repository.
type Option func(*options)

type options struct {
	recentTTL  time.Duration
	recentSize int
	recentSet  bool
	stats      StatsSource

	olderTier *gorm.DB  // WithOlderTier: rows created before cutover live here
	cutover   time.Time // where the tiers meet
}

// Defaults of the read-your-writes cache.
const (
	DefaultRecentTTL  = 10 * time.Second // LogStore shows a write within 3 s at most
	DefaultRecentSize = 10_000
)

// WithRecentWrites sets the read-your-writes cache: how long this process
// remembers its own writes, and how many it remembers at most. Get, GetByID
// and ListByRun answer from it when the backend does not show a write yet.
// It is on by default for LogStore, whose writes become readable up to 3 s
// later, and off for PostgreSQL; a ttl or size of 0 turns it off.
func WithRecentWrites(ttl time.Duration, size int) Option {
	return func(o *options) { o.recentTTL, o.recentSize, o.recentSet = ttl, size, true }
}

func buildOptions(db *gorm.DB, opts []Option) options {
	o := options{}
	for _, opt := range opts {
		opt(&o)
	}
	if !o.recentSet && !dialect.Of(db).Has(dialect.ReadsOwnWrites) {
		o.recentTTL, o.recentSize = DefaultRecentTTL, DefaultRecentSize
	}
	return o
}

// unsupportedRetention is what the retention methods say on LogStore.
func unsupportedRetention(d *dialect.Dialect, what string) error {
	return &dialect.UnsupportedError{Backend: d.Backend(), What: what,
		Instead: "LogStore has no DELETE; rows expire by the logstore's TTL: set the TTL in the SLS console to your retention period"}
}
