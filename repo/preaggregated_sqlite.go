package repo

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/wflog/wflog/internal/dialect"
	"github.com/wflog/wflog/rollup"
)

// The SQL of the pre-aggregated read path in the rollup tables' SQLite
// form (rollup.SQLiteForm): the days and their masks travel as VALUES
// rows rather than arrays, and a user's buckets are two 48-bit integers.
// Which days and masks to ask for is the same Go as on PostgreSQL
// (localDays, segments).

// bucketSpan is the first and last bucket holding runs among the rows
// where selects; First is nil when there are none.
func (r *Runs) bucketSpan(ctx context.Context, where string, args []any) (span struct{ First, Last *time.Time }, err error) {
	var first, last any
	row := r.db.WithContext(ctx).Table(rollup.ReadFrom(r.db, rollup.BucketsTable)).Select("min(bucket) AS first, max(bucket) AS last").
		Where(where+" AND runs <> 0", args...).Row()
	if err := row.Scan(&first, &last); err != nil {
		return span, err
	}
	if span.First, err = bucketTime(first); err != nil {
		return span, err
	}
	span.Last, err = bucketTime(last)
	return span, err
}

// bucketTime reads a bucket as the drivers return an aggregate of one: a
// time (PostgreSQL), or SQLite's text of a time (the aggregate loses the
// column's declared type).
func bucketTime(v any) (*time.Time, error) {
	switch t := v.(type) {
	case nil:
		return nil, nil
	case time.Time:
		return &t, nil
	case []byte:
		return bucketTime(string(t))
	case string:
		p, err := time.Parse(dialect.SQLiteTimeLayout, t)
		if err != nil {
			return nil, fmt.Errorf("wflog/repo: a bucket of the statistics tables is not a time: %q", t)
		}
		return &p, nil
	}
	return nil, fmt.Errorf("wflog/repo: a bucket of the statistics tables is not a time: %T", v)
}

// halves is a segment's mask as the users table's two integers.
func halves(mask string) (am, pm int64) {
	for i, c := range mask {
		if c != '1' {
			continue
		}
		if i < rollup.BucketsPerHalf {
			am |= 1 << i
		} else {
			pm |= 1 << (i - rollup.BucketsPerHalf)
		}
	}
	return am, pm
}

// sqliteSegments is the days' segments as a CTE s (k, utc, am, pm), and
// the select of the users of each segment (columns k, created_by).
func sqliteSegments(s Stats, days []localDay) (cte string, cteArgs []any, users string, usersArgs []any) {
	k, utc, masks := segments(days)
	rows := make([]string, len(k))
	for i := range k {
		n, err := strconv.Atoi(k[i])
		if err != nil {
			panic(err) // segments writes numbers
		}
		am, pm := halves(masks[i])
		rows[i] = "(?, ?, ?, ?)"
		cteArgs = append(cteArgs, n, utc[i], am, pm)
	}
	where, owner := rollupOwner("u", s.TenantID, s.AppID, &s.FinishedOnly, s.TriggeredFrom)
	users = `SELECT s.k, u.created_by FROM s JOIN ` + rollup.UsersTable + ` u ON u.day = s.utc AND ((u.am & s.am) <> 0 OR (u.pm & s.pm) <> 0) AND ` + where
	return `s (k, utc, am, pm) AS (VALUES ` + strings.Join(rows, ", ") + `)`, cteArgs, users, owner
}

// rollupDaysSQLite is rollupDays on SQLite: each day's buckets are an
// index range of the buckets table, and its users those of its segments.
func (r *Runs) rollupDaysSQLite(ctx context.Context, s Stats, days []localDay, counts, users bool) ([]dailyRow, error) {
	vals := make([]string, len(days))
	var args []any
	for i, d := range days {
		vals[i] = "(?, ?, ?)"
		args = append(args, i+1, d.lo, d.hi)
	}
	ctes := []string{`d (k, lo, hi) AS (VALUES ` + strings.Join(vals, ", ") + `)`}
	sel := `SELECT d.k`
	from := ` FROM d`
	if counts {
		where, owner := rollupOwner("b", s.TenantID, s.AppID, &s.FinishedOnly, s.TriggeredFrom)
		ctes = append(ctes, `c AS (SELECT d.k, sum(b.runs) AS runs, sum(b.tokens) AS n FROM d JOIN `+rollup.BucketsTable+
			` b ON `+where+` AND b.bucket >= d.lo AND b.bucket < d.hi GROUP BY d.k)`)
		args = append(args, owner...)
		sel += `, coalesce(c.runs, 0) AS runs, coalesce(c.n, 0) AS n`
		from += ` LEFT JOIN c ON c.k = d.k`
	}
	if users {
		cte, cteArgs, perUser, perUserArgs := sqliteSegments(s, days)
		// Users per day and user first, then counted.
		ctes = append(ctes, cte, `u AS (SELECT k, count(*) AS users FROM (`+perUser+` GROUP BY 1, 2) GROUP BY k)`)
		args = append(append(args, cteArgs...), perUserArgs...)
		sel += `, coalesce(u.users, 0) AS users`
		from += ` LEFT JOIN u ON u.k = d.k`
	}
	var rows []struct {
		K              int
		Runs, N, Users int64
	}
	if err := r.db.WithContext(ctx).Raw(`WITH `+strings.Join(ctes, ", ")+` `+sel+from, args...).Scan(&rows).Error; err != nil {
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
