package repo

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/wflog/wflog/models"
	"github.com/wflog/wflog/rollup"
)

// StatsSource says where Runs computes its statistics (CountByStatus and
// the daily statistics) from.
type StatsSource uint8

// Sources of statistics.
const (
	// StatsAuto reads the pre-aggregated tables of package rollup when the
	// database has them and are complete (checked on the first statistic, and
	// again every 30 seconds while they are not), and scans
	// workflow_runs otherwise. The default.
	StatsAuto StatsSource = iota
	// StatsScan always scans workflow_runs: the reference the
	// pre-aggregated tables are checked against, and the LogStore path.
	StatsScan
	// StatsPreaggregated reads the pre-aggregated tables and fails if the
	// database has none.
	StatsPreaggregated
)

// WithStatsSource chooses where statistics come from (default StatsAuto).
// Both sources give the same answers.
func WithStatsSource(s StatsSource) Option {
	return func(o *options) { o.stats = s }
}

// statsPath remembers whether the pre-aggregated tables are there.
type statsPath struct {
	source StatsSource

	mu        sync.Mutex
	checkedAt time.Time // zero: never
	present   bool
}

// recheckAfter is how long statsPath trusts an answer that the tables are
// not there: an online fill (rollup.Install on a table with rows) may
// complete, or Migrate run, while the repository lives.
const recheckAfter = 30 * time.Second

// preaggregated reports whether statistics read the rollup tables. An
// error while checking is returned and not remembered, so the next call
// asks again; tables found stay found.
func (p *statsPath) preaggregated(ctx context.Context, db *gorm.DB) (bool, error) {
	if p.source == StatsScan {
		return false, nil
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.checkedAt.IsZero() || (!p.present && time.Since(p.checkedAt) >= recheckAfter) {
		ok, err := rollup.Installed(ctx, db)
		if err != nil {
			return false, err
		}
		p.checkedAt, p.present = time.Now(), ok
	}
	if p.source == StatsPreaggregated && !p.present {
		return false, errors.New("wflog/repo: the pre-aggregated statistics tables are missing or still being filled (run wflog migrate on PostgreSQL or SQLite, or use StatsAuto)")
	}
	return p.present, nil
}

func ceilBucket(t time.Time) time.Time {
	b := t.Truncate(rollup.Bucket) // buckets since year 1, which are aligned on the Unix epoch too
	if b.Before(t) {
		b = b.Add(rollup.Bucket)
	}
	return b
}

func aligned(t time.Time) bool { return t.Equal(t.Truncate(rollup.Bucket)) }

// rollupOwner is the condition on a rollup table (alias "" for none) that
// selects an app's rows of the given triggers, and, where finished is not
// nil, of that kind.
func rollupOwner(alias string, tenantID, appID uuid.UUID, finished *bool, from []models.RunTriggeredFrom) (string, []any) {
	if alias != "" {
		alias += "."
	}
	where := alias + "tenant_id = ? AND " + alias + "app_id = ?"
	args := []any{tenantID, appID}
	if finished != nil {
		where += " AND " + alias + "finished = ?"
		args = append(args, *finished)
	}
	if len(from) > 0 {
		where += " AND " + alias + "triggered_from IN ?"
		args = append(args, triggers(from))
	}
	return where, args
}

// triggersIn is the triggers a read of the buckets or users table selects:
// on PostgreSQL, where those tables keep rows for all triggers together,
// those rows when the statistic names no trigger.
func (r *Runs) triggersIn(from []models.RunTriggeredFrom) []models.RunTriggeredFrom {
	if len(from) == 0 && !rollup.SQLiteForm(r.db) {
		return []models.RunTriggeredFrom{rollup.AllTriggers}
	}
	return from
}

func triggers(from []models.RunTriggeredFrom) []string {
	vs := make([]string, len(from))
	for i, f := range from {
		vs[i] = string(f)
	}
	return vs
}

// countByStatusRollup is CountByStatus from the statuses table: whole UTC
// days from Since on, the buckets before them in Since's day, and a scan of
// the part of a bucket before those when Since is not on a bucket's edge.
func (r *Runs) countByStatusRollup(ctx context.Context, q CountRuns) (StatusCounts, error) {
	where, args := rollupOwner("", q.TenantID, q.AppID, nil, q.TriggeredFrom)
	var from time.Time
	var rows []struct {
		Status models.RunStatus
		N      int64
	}
	tx := r.db.WithContext(ctx)
	if q.Since.IsZero() {
		tx = tx.Table(rollup.ReadFrom(r.db, rollup.StatusesTable)).Where(where+" AND whole_day", args...)
	} else {
		from = ceilBucket(q.Since)
		day := from.Truncate(24 * time.Hour) // UTC midnight: days since year 1
		if day.Before(from) {
			day = day.Add(24 * time.Hour)
		}
		statuses := rollup.ReadFrom(r.db, rollup.StatusesTable)
		tx = tx.Table(`(SELECT status, runs FROM `+statuses+` WHERE `+where+` AND whole_day AND start >= ?
UNION ALL SELECT status, runs FROM `+statuses+` WHERE `+where+` AND NOT whole_day AND start >= ? AND start < ?) AS statuses`,
			append(append(append(append([]any{}, args...), day), args...), from, day)...)
	}
	err := tx.Select("status, sum(runs) AS n").Group("status").Scan(&rows).Error
	if err != nil {
		return StatusCounts{}, fmt.Errorf("wflog/repo: counting runs of app %s: %w", q.AppID, err)
	}
	byStatus := map[models.RunStatus]int64{}
	for _, row := range rows {
		byStatus[row.Status] += row.N
	}
	if !q.Since.IsZero() && q.Since.Before(from) {
		edge, err := r.countByStatusScan(ctx, q, from)
		if err != nil {
			return StatusCounts{}, err
		}
		for s, n := range edge.ByStatus {
			byStatus[s] += n
		}
	}
	c := StatusCounts{ByStatus: make(map[models.RunStatus]int64, len(byStatus))}
	for s, n := range byStatus {
		if n != 0 {
			c.ByStatus[s] = n
			c.Total += n
		}
	}
	return c, nil
}

// localDay is one calendar day of a zone, clipped to a range.
type localDay struct {
	name   string
	lo, hi time.Time
}

// localDays cuts [from, to) into the calendar days of loc, as
// dialect.EachDay does. ok is false when a day's edge inside the range is
// not on a bucket's edge (zones' historical local mean times) or there are
// too many days; the scan path answers then.
func localDays(loc *time.Location, from, to time.Time) (days []localDay, ok bool) {
	if to.Sub(from) > maxRollupDays*24*time.Hour {
		return nil, false
	}
	y, m, d := from.In(loc).Date()
	for k := 0; ; k++ {
		start := time.Date(y, m, d+k, 0, 0, 0, 0, loc)
		if !start.Before(to) {
			return days, true
		}
		end := time.Date(y, m, d+k+1, 0, 0, 0, 0, loc)
		lo, hi := start, end
		if lo.Before(from) {
			lo = from
		} else if !aligned(lo) {
			return nil, false
		}
		if hi.After(to) {
			hi = to
		} else if !aligned(hi) {
			return nil, false
		}
		if lo.Before(hi) {
			days = append(days, localDay{name: start.Format(time.DateOnly), lo: lo, hi: hi})
		}
	}
}

// maxRollupDays bounds the days of one query, as dialect.EachDay does.
const maxRollupDays = 3700

// dailyRollup computes the daily statistics of s from the rollup tables:
// runs and tokens when counts is set, distinct users when users is set.
// ok is false when the tables cannot answer s (see localDays); the caller
// scans then.
func (r *Runs) dailyRollup(ctx context.Context, s Stats, loc *time.Location, counts, users bool) (rows []dailyRow, ok bool, err error) {
	from, to := s.From, s.To
	if from.IsZero() || to.IsZero() {
		// An open end is where the app's buckets end. Rows, not sums: a
		// bucket whose counter and deltas cancel out may widen the span,
		// which only adds days without runs, and those are dropped below.
		where, args := rollupOwner("", s.TenantID, s.AppID, &s.FinishedOnly, r.triggersIn(s.TriggeredFrom))
		span, err := r.bucketSpan(ctx, where, args)
		if err != nil {
			return nil, false, err
		}
		if span.First == nil {
			return nil, true, nil
		}
		if from.IsZero() {
			from = *span.First
		}
		if to.IsZero() {
			to = span.Last.Add(rollup.Bucket)
		}
	}
	if !to.After(from) {
		return nil, true, nil
	}
	a, b := ceilBucket(from), to.Truncate(rollup.Bucket)
	if !a.Before(b) {
		return nil, false, nil // less than a bucket: scanning is as cheap
	}
	days, ok := localDays(loc, a, b)
	if !ok {
		return nil, false, nil
	}
	edges := [][2]time.Time{{from, a}, {b, to}}
	for _, e := range edges {
		// An edge holds no bucket's edge, so no midnight of a zone whose
		// midnights are on them; others are left to the scan.
		if e[0].Before(e[1]) && e[0].In(loc).Format(time.DateOnly) != e[1].Add(-time.Nanosecond).In(loc).Format(time.DateOnly) {
			return nil, false, nil
		}
	}
	byDay := map[string]*dailyRow{}
	order := []string{}
	day := func(name string) *dailyRow {
		if byDay[name] == nil {
			byDay[name] = &dailyRow{Day: name}
			order = append(order, name)
		}
		return byDay[name]
	}
	for _, d := range days {
		day(d.name)
	}
	got, err := r.rollupDays(ctx, s, days, counts, users)
	if err != nil {
		return nil, false, err
	}
	for _, g := range got {
		d := day(g.Day)
		d.Runs, d.N, d.Users = g.Runs, g.N, g.Users
	}
	// The parts of a bucket at either end: scanned, and added to their day.
	for _, e := range edges {
		if !e[0].Before(e[1]) {
			continue
		}
		edge := s
		edge.From, edge.To = e[0], e[1]
		name := e[0].In(loc).Format(time.DateOnly)
		d := day(name)
		if counts {
			got, err := r.daily(ctx, edge, runsAndTokens, "total_tokens")
			if err != nil {
				return nil, false, err
			}
			for _, g := range got {
				d.Runs += g.Runs
				d.N += g.N
			}
		}
		if users {
			n, err := r.unionUsers(ctx, s, days, name, e)
			if err != nil {
				return nil, false, err
			}
			d.Users = n
		}
	}
	sort.Strings(order)
	for _, name := range order {
		d := byDay[name]
		if counts && users && d.Runs > 0 && d.Users == 0 {
			return nil, false, fmt.Errorf("wflog/repo: the statistics tables have runs but no users on %s for app %s; check them with wflog stats --verify", name, s.AppID)
		}
		if (counts && d.Runs > 0) || (!counts && d.Users > 0) {
			rows = append(rows, *d)
		}
	}
	return rows, true, nil
}

// rollupDays reads the days' statistics in one statement: runs and tokens
// (counts) by summing each day's buckets — one index range, each bucket
// placed in its day by width_bucket over the days' starts — and distinct
// users (users) from the bitmaps of the UTC days each day touches.
func (r *Runs) rollupDays(ctx context.Context, s Stats, days []localDay, counts, users bool) ([]dailyRow, error) {
	if rollup.SQLiteForm(r.db) {
		return r.rollupDaysSQLite(ctx, s, days, counts, users)
	}
	var parts []string
	var args []any
	if counts {
		starts := make([]string, len(days))
		for i, d := range days {
			starts[i] = pgTime(d.lo)
		}
		where, owner := rollupOwner("", s.TenantID, s.AppID, &s.FinishedOnly, r.triggersIn(s.TriggeredFrom))
		parts = append(parts, `c AS (SELECT width_bucket(bucket, ?::timestamptz[]) AS k, sum(runs) AS runs, sum(tokens) AS n
FROM `+rollup.ReadFrom(r.db, rollup.BucketsTable)+` WHERE `+where+` AND bucket >= ? AND bucket < ? GROUP BY 1)`)
		args = append(append(append(args, pgArray(starts)), owner...), days[0].lo, days[len(days)-1].hi)
	}
	if users {
		k, utc, masks := segments(days)
		where, owner := rollupOwner("u", s.TenantID, s.AppID, &s.FinishedOnly, r.triggersIn(s.TriggeredFrom))
		// Users per day and user first (hashed), then counted: cheaper than
		// count(DISTINCT), which sorts.
		parts = append(parts, `u AS (SELECT k, count(*) AS users FROM (SELECT s.k, u.created_by
FROM unnest(?::int[], ?::date[], ?::bit(96)[]) AS s (k, utc, mask)
JOIN `+rollup.ReadFrom(r.db, rollup.UsersTable)+` u ON u.day = s.utc AND u.buckets & s.mask <> 0::bit(96) AND `+where+` AND u.day >= ? AND u.day <= ?
GROUP BY 1, 2) AS per_user GROUP BY 1)`)
		args = append(append(append(args, pgArray(k), pgArray(utc), pgArray(masks)), owner...), utc[0], utc[len(utc)-1])
	}
	sql := "WITH " + strings.Join(parts, ", ")
	switch {
	case counts && users:
		sql += " SELECT k, coalesce(c.runs, 0) AS runs, coalesce(c.n, 0) AS n, coalesce(u.users, 0) AS users FROM c FULL JOIN u USING (k)"
	case counts:
		sql += " SELECT k, runs, n FROM c"
	default:
		sql += " SELECT k, users FROM u"
	}
	var rows []struct {
		K              int
		Runs, N, Users int64
	}
	if err := r.db.WithContext(ctx).Raw(sql, args...).Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("wflog/repo: daily statistics of app %s: %w", s.AppID, err)
	}
	out := make([]dailyRow, 0, len(rows))
	for _, row := range rows {
		if row.K < 1 || row.K > len(days) {
			return nil, fmt.Errorf("wflog/repo: internal error: day %d of %d", row.K, len(days))
		}
		out = append(out, dailyRow{Day: days[row.K-1].name, Runs: row.Runs, N: row.N, Users: row.Users})
	}
	return out, nil
}

// segments are the days' parts within UTC days: for each, the day's number
// (from 1, as width_bucket counts), the UTC day, and the mask of its
// buckets that the zone's day covers.
func segments(days []localDay) (k, utc, masks []string) {
	for i, d := range days {
		for start := d.lo.UTC().Truncate(24 * time.Hour); start.Before(d.hi); start = start.Add(24 * time.Hour) {
			lo, hi := d.lo, d.hi
			if lo.Before(start) {
				lo = start
			}
			if end := start.Add(24 * time.Hour); hi.After(end) {
				hi = end
			}
			var mask [rollup.BucketsPerDay]byte
			for i := range mask {
				mask[i] = '0'
			}
			for i := int(lo.Sub(start) / rollup.Bucket); i < int(hi.Sub(start)/rollup.Bucket); i++ {
				mask[i] = '1'
			}
			k, utc, masks = append(k, fmt.Sprint(i+1)), append(utc, start.Format(time.DateOnly)), append(masks, string(mask[:]))
		}
	}
	return k, utc, masks
}

// unionUsers counts the distinct users of day name: those of its whole
// buckets and those of the bucket edge e, which it scans.
func (r *Runs) unionUsers(ctx context.Context, s Stats, days []localDay, name string, e [2]time.Time) (int64, error) {
	var mine []localDay
	for _, d := range days {
		if d.name == name {
			mine = append(mine, d)
		}
	}
	edgeWhere := "tenant_id = ? AND app_id = ? AND created_at >= ? AND created_at < ?"
	all := []any{s.TenantID, s.AppID, e[0], e[1]}
	if len(s.TriggeredFrom) > 0 {
		edgeWhere += " AND triggered_from IN ?"
		all = append(all, triggers(s.TriggeredFrom))
	}
	if s.FinishedOnly {
		edgeWhere += " AND finished_at IS NOT NULL"
	}
	sql := `SELECT count(DISTINCT created_by) FROM (SELECT created_by FROM workflow_runs WHERE ` + edgeWhere
	if len(mine) > 0 && rollup.SQLiteForm(r.db) {
		cte, cteArgs, users, usersArgs := sqliteSegments(s, mine)
		sql = `WITH ` + cte + ` SELECT count(DISTINCT created_by) FROM (SELECT created_by FROM workflow_runs WHERE ` + edgeWhere +
			` UNION ALL SELECT created_by FROM (` + users + `)`
		all = append(append(cteArgs, all...), usersArgs...)
	} else if len(mine) > 0 {
		where, args := rollupOwner("u", s.TenantID, s.AppID, &s.FinishedOnly, r.triggersIn(s.TriggeredFrom))
		k, utc, masks := segments(mine)
		sql += ` UNION ALL SELECT u.created_by FROM unnest(?::int[], ?::date[], ?::bit(96)[]) AS s (k, utc, mask)
JOIN ` + rollup.ReadFrom(r.db, rollup.UsersTable) + ` u ON u.day = s.utc AND u.buckets & s.mask <> 0::bit(96) AND ` + where
		all = append(append(all, pgArray(k), pgArray(utc), pgArray(masks)), args...)
	}
	var n int64
	if err := r.db.WithContext(ctx).Raw(sql+`) AS users`, all...).Scan(&n).Error; err != nil {
		return 0, fmt.Errorf("wflog/repo: daily users of app %s: %w", s.AppID, err)
	}
	return n, nil
}

// pgTime is t as an element of a PostgreSQL array literal, to the
// microsecond PostgreSQL keeps.
func pgTime(t time.Time) string {
	return `"` + t.UTC().Format("2006-01-02T15:04:05.999999Z07:00") + `"`
}

func pgArray(elems []string) string { return "{" + strings.Join(elems, ",") + "}" }
