package repo_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/wflog/wflog/models"
	"github.com/wflog/wflog/repo"
	"github.com/wflog/wflog/wflogtest"
)

// BenchmarkSQLite measures the SQLite forms against the window-function
// baseline and against the forms they were chosen over, on the bench
// command's data-set shape at a size an embedded database holds
// (docs/PERFORMANCE.md, "SQLite"):
//
//	go test ./repo -run '^$' -bench SQLite -count 5 > sqlite.txt && benchstat sqlite.txt
func BenchmarkSQLite(b *testing.B) {
	const runsN, apps, days = 40_000, 4, 30 // 3 versions each: 120,000 rows; the first app is measured
	db := wflogtest.SQLite(b)
	runs := repo.NewRuns(db)
	ctx := context.Background()
	tenant := uuid.New()
	appIDs := make([]uuid.UUID, apps)
	for i := range appIDs {
		appIDs[i] = uuid.New()
	}
	users := make([]uuid.UUID, 50)
	for i := range users {
		users[i] = uuid.New()
	}
	from := time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)
	step := time.Duration(days) * 24 * time.Hour / runsN
	var batch []models.WorkflowRun
	for i := range runsN {
		r := newRun(tenant, appIDs[i%apps], from.Add(time.Duration(i)*step))
		r.ID, r.CreatedBy, r.TotalTokens = uuid.New(), users[i%len(users)], int64(i%997)
		second := r
		second.TotalSteps = 2
		done := r
		finished := r.CreatedAt.Add(30 * time.Second)
		done.Status, done.FinishedAt, done.TotalSteps = models.RunSucceeded, &finished, 3
		if i%5 == 0 {
			done.Status = models.RunFailed
		}
		batch = append(batch, r, second, done) // SaveBatch versions them in this order
		if len(batch) >= 6000 || i == runsN-1 {
			if err := runs.SaveBatch(ctx, batch); err != nil {
				b.Fatal(err)
			}
			batch = batch[:0]
		}
	}
	shanghai, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		b.Fatal(err)
	}
	stats := repo.Stats{TenantID: tenant, AppID: appIDs[0], From: from, To: from.AddDate(0, 0, days), Location: shanghai}
	finishedOnly := stats
	finishedOnly.FinishedOnly = true
	zone := shanghai.String()
	lo, hi := from.UTC().Format("2006-01-02 15:04:05.000000"), from.AddDate(0, 0, days).UTC().Format("2006-01-02 15:04:05.000000")
	want, err := runs.DailyRuns(ctx, stats)
	if err != nil || len(want) != days+1 { // 30 UTC days are 31 Shanghai days
		b.Fatalf("DailyRuns: %d days, %v", len(want), err)
	}
	var wantTotal int64
	for _, d := range want {
		wantTotal += d.Count
	}
	check := func(b *testing.B, rows []struct {
		Day string
		N   int64
	}) {
		var total int64
		for _, r := range rows {
			total += r.N
		}
		if len(rows) != len(want) || total != wantTotal {
			b.Fatalf("%d days, %d runs; want %d days, %d runs", len(rows), total, len(want), wantTotal)
		}
	}
	raw := func(b *testing.B, sql string, args ...any) {
		for b.Loop() {
			var rows []struct {
				Day string
				N   int64
			}
			if err := db.Raw(sql, args...).Scan(&rows).Error; err != nil {
				b.Fatal(err)
			}
			check(b, rows)
		}
	}

	// What wflog sends without the statistics tables: max(version) …
	// GROUP BY created_at, id over the covering index, days named by
	// wflog_day.
	scan := repo.NewRuns(db, repo.WithStatsSource(repo.StatsScan))
	b.Run("DailyRuns", func(b *testing.B) {
		for b.Loop() {
			if _, err := scan.DailyRuns(ctx, stats); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("DailyRunsFinished", func(b *testing.B) {
		for b.Loop() {
			if _, err := scan.DailyRuns(ctx, finishedOnly); err != nil {
				b.Fatal(err)
			}
		}
	})
	// And with them (package rollup, which wflog.Migrate installs): the
	// same answers from the buckets and users tables.
	tables := repo.NewRuns(db, repo.WithStatsSource(repo.StatsPreaggregated))
	for _, c := range []struct {
		name string
		s    repo.Stats
		stat func(*repo.Runs, repo.Stats) ([]repo.DailyCount, error)
	}{
		{"DailyRuns", stats, func(r *repo.Runs, s repo.Stats) ([]repo.DailyCount, error) { return r.DailyRuns(ctx, s) }},
		{"DailyRunsFinished", finishedOnly, func(r *repo.Runs, s repo.Stats) ([]repo.DailyCount, error) { return r.DailyRuns(ctx, s) }},
		{"DailyTerminals", stats, func(r *repo.Runs, s repo.Stats) ([]repo.DailyCount, error) { return r.DailyTerminals(ctx, s) }},
	} {
		want, err := c.stat(scan, c.s)
		if err != nil {
			b.Fatal(err)
		}
		if got, err := c.stat(tables, c.s); err != nil || fmt.Sprint(got) != fmt.Sprint(want) {
			b.Fatalf("%s from the tables = %v, %v; the scan says %v", c.name, got, err, want)
		}
		b.Run(c.name+"Tables", func(b *testing.B) {
			for b.Loop() {
				if _, err := c.stat(tables, c.s); err != nil {
					b.Fatal(err)
				}
			}
		})
		if c.name == "DailyTerminals" {
			b.Run(c.name+"Scan", func(b *testing.B) {
				for b.Loop() {
					if _, err := c.stat(scan, c.s); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
	// The baseline: rank every version with a window function.
	b.Run("WindowBaseline", func(b *testing.B) {
		raw(b, `SELECT wflog_day(created_at, ?) AS day, count(*) AS n FROM (SELECT created_at, ROW_NUMBER() OVER (PARTITION BY id ORDER BY version DESC) AS rn
			FROM workflow_runs WHERE tenant_id = ? AND app_id = ? AND created_at >= ? AND created_at < ?) WHERE rn = 1 GROUP BY 1 ORDER BY 1`,
			zone, tenant.String(), appIDs[0].String(), lo, hi)
	})
	// Chosen against: probing each version for a newer one (NOT EXISTS),
	// PostgreSQL's form for row reads.
	b.Run("NotExistsProbe", func(b *testing.B) {
		raw(b, `SELECT wflog_day(created_at, ?) AS day, count(*) AS n FROM workflow_runs AS r WHERE tenant_id = ? AND app_id = ? AND created_at >= ? AND created_at < ?
			AND NOT EXISTS (SELECT 1 FROM workflow_runs AS n WHERE n.id = r.id AND n.version > r.version) GROUP BY 1 ORDER BY 1`,
			zone, tenant.String(), appIDs[0].String(), lo, hi)
	})
	// The same statement with the day from SQLite's own date functions at a
	// fixed offset (right for Shanghai, wrong across daylight saving): the
	// cost of calling wflog_day on each run.
	b.Run("FixedOffsetDay", func(b *testing.B) {
		raw(b, `SELECT substr(datetime(created_at, '+8 hours'), 1, 10) AS day, count(*) AS n FROM (SELECT created_at, id, max(version) FROM workflow_runs
			WHERE tenant_id = ? AND app_id = ? AND created_at >= ? AND created_at < ? GROUP BY created_at, id) GROUP BY 1 ORDER BY 1`,
			tenant.String(), appIDs[0].String(), lo, hi)
	})
	b.Run("NoDay", func(b *testing.B) {
		for b.Loop() {
			var n int64
			if err := db.Raw(`SELECT count(*) FROM (SELECT created_at, id, max(version) FROM workflow_runs
			WHERE tenant_id = ? AND app_id = ? AND created_at >= ? AND created_at < ? GROUP BY created_at, id)`, tenant.String(), appIDs[0].String(), lo, hi).Scan(&n).Error; err != nil || n != wantTotal {
				b.Fatal(n, err)
			}
		}
	})
	// Chosen against: days as ranges computed in Go, joined as a VALUES
	// list, instead of wflog_day on every row.
	b.Run("DayRangesJoin", func(b *testing.B) {
		var values []string
		var args []any
		for d := time.Date(2026, 10, 1, 0, 0, 0, 0, shanghai); d.Before(from.AddDate(0, 0, days)); d = d.AddDate(0, 0, 1) {
			values = append(values, "(?, ?, ?)")
			args = append(args, d.UTC().Format("2006-01-02 15:04:05.000000"), d.AddDate(0, 0, 1).UTC().Format("2006-01-02 15:04:05.000000"), d.Format("2006-01-02"))
		}
		args = append(args, tenant.String(), appIDs[0].String(), lo, hi)
		raw(b, `WITH days(lo, hi, day) AS (VALUES `+join(values)+`)
			SELECT days.day AS day, count(*) AS n FROM (SELECT created_at, id, max(version) FROM workflow_runs WHERE tenant_id = ? AND app_id = ? AND created_at >= ? AND created_at < ? GROUP BY created_at, id) AS latest
			JOIN days ON latest.created_at >= days.lo AND latest.created_at < days.hi GROUP BY 1 ORDER BY 1`, args...)
	})
}

func join(parts []string) string {
	out := ""
	for i, p := range parts {
		if i > 0 {
			out += ", "
		}
		out += p
	}
	return out
}
