package repo

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/wflog/wflog/internal/dialect"
	"github.com/wflog/wflog/models"
	"github.com/wflog/wflog/scopes"
)

// CountRuns selects the runs CountByStatus counts.
type CountRuns struct {
	TenantID, AppID uuid.UUID
	TriggeredFrom   []models.RunTriggeredFrom // any of these; none: all
	Since           time.Time                 // runs created at or after; zero: all
}

// StatusCounts is how many runs are in each status now.
type StatusCounts struct {
	Total    int64
	ByStatus map[models.RunStatus]int64 // statuses with no runs are absent
}

// CountByStatus counts an app's runs by their current status: the latest
// version of each run, exactly.
func (r *Runs) CountByStatus(ctx context.Context, q CountRuns) (StatusCounts, error) {
	if err := validTime("CountRuns.Since", q.Since); err != nil {
		return StatusCounts{}, err
	}
	if r.tiers != nil {
		return r.countTiered(ctx, q)
	}
	if ok, err := r.stats.preaggregated(ctx, r.db); err != nil || ok {
		if err != nil {
			return StatusCounts{}, err
		}
		return r.countByStatusRollup(ctx, q)
	}
	return r.countByStatusScan(ctx, q, time.Time{})
}

// countByStatusScan counts the latest versions of the runs created in
// [q.Since, to) (a zero end is open).
func (r *Runs) countByStatusScan(ctx context.Context, q CountRuns, to time.Time) (StatusCounts, error) {
	var rows []struct {
		Status models.RunStatus
		N      int64
	}
	err := r.db.WithContext(ctx).Model(&models.WorkflowRun{}).
		Scopes(scopes.Latest(scopes.ForApp(q.TenantID, q.AppID), scopes.TriggeredFrom(q.TriggeredFrom...), scopes.CreatedBetween(q.Since, to)),
			scopes.Aggregating("status")).
		Select("status, count(*) AS n").Group("status").Scan(&rows).Error
	if err != nil {
		return StatusCounts{}, fmt.Errorf("wflog/repo: counting runs of app %s: %w", q.AppID, err)
	}
	c := StatusCounts{ByStatus: make(map[models.RunStatus]int64, len(rows))}
	for _, row := range rows {
		c.ByStatus[row.Status] = row.N
		c.Total += row.N
	}
	return c, nil
}

// Stats selects the runs a daily statistic covers and how days are cut.
type Stats struct {
	TenantID, AppID uuid.UUID
	TriggeredFrom   []models.RunTriggeredFrom // any of these; none: all
	From, To        time.Time                 // runs created in [From, To); a zero end is open
	Location        *time.Location            // days are calendar days here (IANA zone); nil: UTC

	// FinishedOnly counts finished runs only, each as it last finished (the
	// latest terminal version, through scopes.Finished). It skips running
	// runs and reads only terminal versions, which makes it the fast path;
	// leave it false to count every run in its current state.
	FinishedOnly bool
}

// DailyCount is one day's count, on a calendar day "2006-01-02".
type DailyCount struct {
	Day   string
	Count int64
}

// DailyAverage is one day's average, rounded to two decimals.
type DailyAverage struct {
	Day     string
	Average float64
}

// DailyRuns counts the runs created each day. Days without runs are absent.
func (r *Runs) DailyRuns(ctx context.Context, s Stats) ([]DailyCount, error) {
	if err := validStats(s); err != nil {
		return nil, err
	}
	if r.tiers != nil {
		return r.dailyRunsTiered(ctx, s)
	}
	if rows, ok, err := r.rollupDaily(ctx, s, true, false); ok || err != nil {
		return dayCounts(rows, func(d dailyRow) int64 { return d.Runs }), err
	}
	return r.dailyCounts(ctx, s, "count(*)")
}

// DailyTerminals counts the distinct users (created_by) who started runs
// each day.
func (r *Runs) DailyTerminals(ctx context.Context, s Stats) ([]DailyCount, error) {
	if err := validStats(s); err != nil {
		return nil, err
	}
	if r.tiers != nil {
		return r.dailyTerminalsTiered(ctx, s)
	}
	rows, ok, err := r.rollupDaily(ctx, s, false, true)
	if !ok && err == nil {
		rows, err = r.perUser(ctx, s)
	}
	if err != nil {
		return nil, err
	}
	out := make([]DailyCount, len(rows))
	for i, row := range rows {
		out[i] = DailyCount{Day: row.Day, Count: row.Users}
	}
	return out, nil
}

// DailyTokenCosts sums the tokens of the runs created each day, each run
// counted with its current total (or, FinishedOnly, its last finished one).
func (r *Runs) DailyTokenCosts(ctx context.Context, s Stats) ([]DailyCount, error) {
	if err := validStats(s); err != nil {
		return nil, err
	}
	if r.tiers != nil {
		return r.dailyTokensTiered(ctx, s)
	}
	if rows, ok, err := r.rollupDaily(ctx, s, true, false); ok || err != nil {
		return dayCounts(rows, func(d dailyRow) int64 { return d.N }), err
	}
	return r.dailyCounts(ctx, s, "sum(total_tokens)", "total_tokens")
}

// AverageInteractions is the average number of runs per user each day: the
// day's runs divided by its distinct users, rounded half up to two decimals.
// (It equals Dify's average over users of each user's distinct runs, and is
// computed from exact integers so both backends round alike.)
func (r *Runs) AverageInteractions(ctx context.Context, s Stats) ([]DailyAverage, error) {
	if err := validStats(s); err != nil {
		return nil, err
	}
	if r.tiers != nil {
		return r.averageInteractionsTiered(ctx, s)
	}
	rows, ok, err := r.rollupDaily(ctx, s, true, true)
	if !ok && err == nil {
		rows, err = r.perUser(ctx, s)
	}
	if err != nil {
		return nil, err
	}
	out := make([]DailyAverage, len(rows))
	for i, row := range rows {
		// round(runs/users, 2) half up, in integers: ⌊(200·runs + users) / (2·users)⌋ / 100.
		hundredths := (200*row.Runs + row.Users) / (2 * row.Users)
		out[i] = DailyAverage{Day: row.Day, Average: float64(hundredths) / 100}
	}
	return out, nil
}

// perUser counts each day's runs and users in two steps — runs per user,
// then users and runs — which both backends hash, where PostgreSQL sorts
// every day's rows for count(DISTINCT created_by).
func (r *Runs) perUser(ctx context.Context, s Stats) ([]dailyRow, error) {
	rows, err := r.daily(ctx, s, func(runs *gorm.DB, day clause.Expression) *gorm.DB {
		if day == nil {
			perUser := runs.Select("created_by, count(*) AS runs").Group("created_by")
			return r.db.Table("(?) AS per_user", perUser).Select("sum(runs) AS runs, count(*) AS users")
		}
		perUser := runs.Select("? AS day, created_by, count(*) AS runs", day).Group("day").Group("created_by")
		return r.db.Table("(?) AS per_user", perUser).Select("day, sum(runs) AS runs, count(*) AS users").Group("day").Order("day")
	}, "created_by")
	if err != nil {
		return nil, fmt.Errorf("wflog/repo: daily users of app %s: %w", s.AppID, err)
	}
	return rows, nil
}

func (r *Runs) dailyCounts(ctx context.Context, s Stats, aggregate string, reads ...string) ([]DailyCount, error) {
	rows, err := r.daily(ctx, s, func(runs *gorm.DB, day clause.Expression) *gorm.DB {
		if day == nil {
			return runs.Select("count(*) AS runs, " + aggregate + " AS n")
		}
		return runs.Select("? AS day, "+aggregate+" AS n", day).Group("day").Order("day")
	}, reads...)
	if err != nil {
		return nil, fmt.Errorf("wflog/repo: daily statistics of app %s: %w", s.AppID, err)
	}
	out := make([]DailyCount, len(rows))
	for i, row := range rows {
		out[i] = DailyCount{Day: row.Day, Count: row.N}
	}
	return out, nil
}

// rollupDaily answers a daily statistic from the pre-aggregated tables when
// the database has them and they can answer s; ok is false when the scan
// path must answer instead.
func (r *Runs) rollupDaily(ctx context.Context, s Stats, counts, users bool) (rows []dailyRow, ok bool, err error) {
	if ok, err := r.stats.preaggregated(ctx, r.db); !ok || err != nil {
		return nil, false, err
	}
	loc, err := dialect.Zone(s.Location)
	if err != nil {
		return nil, false, err
	}
	return r.dailyRollup(ctx, s, loc, counts, users)
}

func dayCounts(rows []dailyRow, value func(dailyRow) int64) []DailyCount {
	out := make([]DailyCount, len(rows))
	for i, row := range rows {
		out[i] = DailyCount{Day: row.Day, Count: value(row)}
	}
	return out
}

// runsAndTokens is the statistic the pre-aggregated path scans a bucket's
// edges with: runs and tokens (as n).
func runsAndTokens(runs *gorm.DB, day clause.Expression) *gorm.DB {
	if day == nil {
		return runs.Select("count(*) AS runs, sum(total_tokens) AS n")
	}
	return runs.Select("? AS day, count(*) AS runs, sum(total_tokens) AS n", day).Group("day").Order("day")
}

// dailyRow is one day of the statistics daily computes.
type dailyRow struct {
	Day         string
	N           int64
	Runs, Users int64
}

// aggregate selects a statistic's columns (n, or runs and users) from
// runs: over all of them when day is nil — and then runs, how many there
// were, to tell an empty day — else grouped by day, as "day".
type aggregate func(runs *gorm.DB, day clause.Expression) *gorm.DB

// daily computes a statistic for each calendar day that has runs, over the
// runs s selects: the latest version of each, or the latest terminal one.
// reads are the columns the statistic uses besides created_at.
//
// Where the backend can (dialect.EachDay: PostgreSQL), over a bounded range,
// each day is aggregated on its own: an index range per day and no per-row
// day arithmetic. Otherwise rows are grouped by their day's name
// (dialect.Day).
func (r *Runs) daily(ctx context.Context, s Stats, stat aggregate, reads ...string) ([]dailyRow, error) {
	loc, err := dialect.Zone(s.Location)
	if err != nil {
		return nil, err
	}
	owner := []scopes.Scope{scopes.ForApp(s.TenantID, s.AppID), scopes.TriggeredFrom(s.TriggeredFrom...)}
	createdAt := clause.Column{Table: clause.CurrentTable, Name: "created_at"}
	days, eachDay := r.d.EachDay(loc, s.From, s.To)
	if eachDay {
		// The day's bounds are an owner condition: created_at is the same
		// in every version, so they belong inside the latest-version
		// subquery, where they are an index range.
		owner = append(owner, func(db *gorm.DB) *gorm.DB { return db.Where(days.Within(createdAt)) })
	} else {
		owner = append(owner, scopes.CreatedBetween(s.From, s.To))
	}
	versions := scopes.Latest(owner...)
	if s.FinishedOnly {
		versions = scopes.Finished(owner...)
	}
	runs := r.db.Model(&models.WorkflowRun{}).Scopes(versions, scopes.Aggregating(append([]string{"created_at"}, reads...)...))

	var rows []dailyRow
	var q *gorm.DB
	if eachDay {
		q = days.PerDay(r.db, stat(runs, nil), "per_day.runs > 0")
	} else {
		q = stat(runs, r.d.Day(createdAt, loc))
	}
	if err := q.WithContext(ctx).Scan(&rows).Error; err != nil {
		return nil, err
	}
	return rows, nil
}
