package main

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/wflog/wflog"
	"github.com/wflog/wflog/appendonly"
	"github.com/wflog/wflog/internal/dialect"
	"github.com/wflog/wflog/models"
	"github.com/wflog/wflog/repo"
)

// The seed's approach in SQLite's SQL: the latest version of each run by
// ROW_NUMBER() (SQLite has window functions since 3.25), owner filters
// inside the window. SQLite has no time zones: Asia/Shanghai, the measured
// zone, is UTC+8 without daylight saving since 1991, so the seed's day is
// date(created_at, '+8 hours'), SQLite's own date function over the stored
// UTC text (dialect.SQLiteTimeLayout).
const (
	seedLiteLatest      = `WITH latest AS (SELECT *, ROW_NUMBER() OVER (PARTITION BY id ORDER BY version DESC) AS rn FROM seed_workflow_runs WHERE tenant_id = ? AND app_id = ? AND created_at >= ? AND created_at < ?)`
	seedLiteDay         = `date(created_at, '+8 hours')`
	seedLiteStatusCount = seedLiteLatest + ` SELECT status, count(*) FROM latest WHERE rn = 1 GROUP BY status`
	seedLiteDailyRuns   = seedLiteLatest + ` SELECT ` + seedLiteDay + `, count(*) FROM latest WHERE rn = 1 GROUP BY 1 ORDER BY 1`
	seedLiteDailyUsers  = seedLiteLatest + ` SELECT ` + seedLiteDay + `, count(DISTINCT created_by) FROM latest WHERE rn = 1 GROUP BY 1 ORDER BY 1`
	seedLiteDailyTokens = seedLiteLatest + ` SELECT ` + seedLiteDay + `, sum(total_tokens) FROM latest WHERE rn = 1 GROUP BY 1 ORDER BY 1`
	seedLiteAverage     = seedLiteLatest + ` SELECT day, round(avg(n), 2) FROM (SELECT ` + seedLiteDay + ` AS day, created_by, count(DISTINCT id) AS n FROM latest WHERE rn = 1 GROUP BY 1, 2) u GROUP BY 1 ORDER BY 1`
	seedLiteList        = `WITH latest AS (SELECT *, ROW_NUMBER() OVER (PARTITION BY id ORDER BY version DESC) AS rn FROM seed_workflow_runs WHERE tenant_id = ? AND app_id = ?) SELECT id FROM latest WHERE rn = 1 ORDER BY created_at DESC, id DESC LIMIT 20`
	handLiteInsert      = `INSERT INTO workflow_runs (id, version, tenant_id, app_id, workflow_id, type, triggered_from, workflow_version, graph, inputs, outputs, status, error, elapsed_time, total_tokens, total_steps, exceptions_count, created_by_role, created_by, created_at, finished_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
	handLiteGet         = `SELECT id, version, tenant_id, app_id, workflow_id, type, triggered_from, workflow_version, graph, inputs, outputs, status, error, elapsed_time, total_tokens, total_steps, exceptions_count, created_by_role, created_by, created_at, finished_at FROM workflow_runs WHERE id = ? AND tenant_id = ? AND app_id = ? ORDER BY version DESC LIMIT 1`
)

// benchSQLiteMarker is the table that marks a SQLite file as bench's own:
// bench rebuilds only a file that is empty or has it.
const benchSQLiteMarker = "wflog_bench_set"

// sqliteRefused are bench's flags that have no meaning on SQLite, with why.
var sqliteRefused = []struct{ flag, why string }{
	{"schema", "SQLite has no schemas: the data set is the file --dsn names"},
	{"grow", "the growth comparison measures PostgreSQL's plans as other apps grow; on SQLite, run bench again with a bigger --runs"},
	{"ingest-rows", "the ingest comparison measures PostgreSQL's COPY and server-side ceilings; SQLite has neither"},
}

// sqliteBench measures wflog on SQLite against the seed's window query on
// a copy of the data with only the seed's indexes.
type sqliteBench struct {
	set         benchSet
	db          *gorm.DB
	raw         *sql.DB
	runs        *repo.Runs
	tenant, app uuid.UUID
	ids         []string
	stats       repo.Stats
}

// runBenchSQLite is bench on a sqlite:// DSN: the statistics and List
// against the window baseline, Get and Save against hand-written SQL. Flags were validated by the caller.
func runBenchSQLite(ctx context.Context, a *app, s benchSet, dsn string, reuse bool, warmup, rounds int, markdown string) error {
	db, err := open(ctx, dsn)
	if err != nil {
		return err
	}
	defer closeDB(db)
	raw, err := db.DB()
	if err != nil {
		return err
	}
	if err := s.prepareSQLite(ctx, db, raw, dsn, reuse, a.stderr); err != nil {
		return err
	}
	b, err := newSQLiteBench(ctx, s, db, raw)
	if err != nil {
		return err
	}
	if err := b.checkAgreement(ctx); err != nil {
		return err
	}
	fmt.Fprintln(a.stderr, "wflog and the baseline agree on every answer; measuring")
	rep := report{title: fmt.Sprintf("wflog bench on SQLite: %d runs × %d versions, %d apps (%d runs per app), %d days, %d-byte outputs", s.runs, s.versions, s.apps, (s.runs+s.apps-1)/s.apps, s.days, s.payload)}
	if rep.queries, err = measureAll(ctx, b.pairs(), warmup, rounds, a.stderr); err != nil {
		return err
	}
	rep.notes = append(rep.notes, b.machine(ctx, dsn))
	rep.write(a.stdout)
	return rep.writeMarkdown(markdown)
}

// sqliteTables lists the file's tables.
func sqliteTables(ctx context.Context, raw *sql.DB) ([]string, error) {
	rows, err := raw.QueryContext(ctx, `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var names []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, err
		}
		names = append(names, n)
	}
	return names, rows.Err()
}

// prepareSQLite makes sure the data set exists in the file: reused when
// --reuse finds one with the same signature, built through SaveBatch
// otherwise. It never rebuilds a file bench did not build: the CLI's
// default database is a SQLite file too, and may hold a user's runs.
func (s benchSet) prepareSQLite(ctx context.Context, db *gorm.DB, raw *sql.DB, dsn string, reuse bool, out io.Writer) error {
	tables, err := sqliteTables(ctx, raw)
	if err != nil {
		return err
	}
	ours := false
	for _, t := range tables {
		ours = ours || t == benchSQLiteMarker
	}
	if len(tables) > 0 && !ours {
		return fmt.Errorf("%s holds tables bench did not build (%s): bench on SQLite builds its data set in a file of its own; give --dsn sqlite://a new or empty file", dialect.Redact(dsn), strings.Join(tables, ", "))
	}
	if ours && reuse {
		var sig string
		err := raw.QueryRowContext(ctx, `SELECT signature FROM `+benchSQLiteMarker).Scan(&sig)
		if err == nil && sig == s.signature() {
			fmt.Fprintf(out, "reusing the data set in %s (%s)\n", dialect.Redact(dsn), sig)
			return nil
		}
		fmt.Fprintf(out, "no reusable data set in %s; building one\n", dialect.Redact(dsn))
	}
	for _, t := range tables {
		if _, err := raw.ExecContext(ctx, `DROP TABLE IF EXISTS "`+t+`"`); err != nil {
			return fmt.Errorf("dropping the old data set's %s: %w", t, err)
		}
	}
	if err := wflog.Migrate(ctx, db); err != nil {
		return err
	}
	fmt.Fprintf(out, "building the data set: %d runs × %d versions, %d apps, %d days, %d-byte outputs (%s)\n",
		s.runs, s.versions, s.apps, s.days, s.payload, dialect.Redact(dsn))
	w, err := s.load(0, s.runs, s.runs, -1).write(ctx, db, out)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "  wrote %d rows in %s through SaveBatch (generation included): %.0f rows/s\n", w.runRows, w.elapsed.Round(time.Second), w.rowsPerSecond())
	start := time.Now()
	// The seed's table: workflow_runs' own DDL (its columns, types and the
	// primary key (id, version)) under another name, and Dify's
	// workflow_run_triggerd_from_idx; none of wflog's indexes.
	var ddl string
	if err := raw.QueryRowContext(ctx, `SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'workflow_runs'`).Scan(&ddl); err != nil {
		return fmt.Errorf("reading workflow_runs' DDL: %w", err)
	}
	create := strings.Replace(ddl, "workflow_runs", "seed_workflow_runs", 1)
	if create == ddl {
		return fmt.Errorf("workflow_runs' DDL does not name it: %q", ddl)
	}
	for _, stmt := range []string{create,
		`INSERT INTO seed_workflow_runs SELECT * FROM workflow_runs`,
		`CREATE INDEX seed_workflow_run_triggerd_from_idx ON seed_workflow_runs (tenant_id, app_id, triggered_from)`,
		`ANALYZE`,
		`CREATE TABLE ` + benchSQLiteMarker + ` (signature TEXT)`,
	} {
		if _, err := raw.ExecContext(ctx, stmt); err != nil {
			return fmt.Errorf("building the baseline table: %w", err)
		}
	}
	if _, err := raw.ExecContext(ctx, `INSERT INTO `+benchSQLiteMarker+` VALUES (?)`, s.signature()); err != nil {
		return err
	}
	fmt.Fprintf(out, "  copied it to seed_workflow_runs with the seed's indexes, and analyzed both, in %s\n", time.Since(start).Round(time.Second))
	return nil
}

func newSQLiteBench(ctx context.Context, s benchSet, db *gorm.DB, raw *sql.DB) (*sqliteBench, error) {
	g := s.load(0, s.runs, s.runs, -1).generator()
	shanghai, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		return nil, err
	}
	b := &sqliteBench{set: s, db: db, raw: raw, tenant: g.Tenant(0), app: g.App(0, 0), runs: repo.NewRuns(db)}
	b.stats = repo.Stats{TenantID: b.tenant, AppID: b.app, From: s.start, To: s.start.AddDate(0, 0, s.days), Location: shanghai}
	rows, err := raw.QueryContext(ctx, `SELECT DISTINCT id FROM workflow_runs WHERE tenant_id = ? AND app_id = ? LIMIT ?`, b.tenant.String(), b.app.String(), getReps)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		b.ids = append(b.ids, id)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(b.ids) == 0 {
		return nil, fmt.Errorf("the measured app %s has no runs", b.app)
	}
	var inWindow, all int
	from, to := b.seedArgs()[2], b.seedArgs()[3]
	if err := raw.QueryRowContext(ctx, `SELECT count(DISTINCT CASE WHEN created_at >= ? AND created_at < ? THEN id END), count(DISTINCT id) FROM workflow_runs WHERE tenant_id = ? AND app_id = ?`,
		from, to, b.tenant.String(), b.app.String()).Scan(&inWindow, &all); err != nil {
		return nil, err
	}
	if want := (s.runs + s.apps - 1) / s.apps; inWindow != want || all != want {
		return nil, fmt.Errorf("the data set is not as built: the measured app has %d runs, %d of them in %s–%s; want %d (rebuild it without --reuse)",
			all, inWindow, b.stats.From.Format(time.DateOnly), b.stats.To.Format(time.DateOnly), want)
	}
	return b, nil
}

// seedArgs binds as SQLite stores: uuids and times as text.
func (b *sqliteBench) seedArgs() []any {
	return []any{b.tenant.String(), b.app.String(), dialect.SQLiteTime(b.stats.From), dialect.SQLiteTime(b.stats.To)}
}

func (b *sqliteBench) seedDaily(ctx context.Context, q string) (map[string]float64, error) {
	rows, err := b.raw.QueryContext(ctx, q, b.seedArgs()...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]float64{}
	for rows.Next() {
		var day string
		var v float64
		if err := rows.Scan(&day, &v); err != nil {
			return nil, err
		}
		out[day] = v
	}
	return out, rows.Err()
}

// checkAgreement refuses to measure if wflog and the baseline answer any
// question differently.
func (b *sqliteBench) checkAgreement(ctx context.Context) error {
	c, err := b.runs.CountByStatus(ctx, repo.CountRuns{TenantID: b.tenant, AppID: b.app, Since: b.stats.From})
	if err != nil {
		return err
	}
	rows, err := b.raw.QueryContext(ctx, seedLiteStatusCount, b.seedArgs()...)
	if err != nil {
		return err
	}
	seedCounts := map[models.RunStatus]int64{}
	var total int64
	for rows.Next() {
		var s string
		var n int64
		if err := rows.Scan(&s, &n); err != nil {
			rows.Close()
			return err
		}
		seedCounts[models.RunStatus(s)] = n
		total += n
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	if err := agree("CountByStatus", c, repo.StatusCounts{Total: total, ByStatus: seedCounts}); err != nil {
		return err
	}
	// FinishedOnly counts the runs whose latest version is terminal: the
	// baseline's answer over those days is the same query (every run of the
	// data set ends terminal), which the agreement on both modes confirms.
	for _, finished := range []bool{false, true} {
		s := b.stats
		s.FinishedOnly = finished
		for _, q := range []struct {
			name string
			lib  func(context.Context, repo.Stats) ([]repo.DailyCount, error)
			seed string
		}{{"DailyRuns", b.runs.DailyRuns, seedLiteDailyRuns}, {"DailyTerminals", b.runs.DailyTerminals, seedLiteDailyUsers}, {"DailyTokenCosts", b.runs.DailyTokenCosts, seedLiteDailyTokens}} {
			lib, err := q.lib(ctx, s)
			if err != nil {
				return err
			}
			seed, err := b.seedDaily(ctx, q.seed)
			if err != nil {
				return err
			}
			if err := agree(fmt.Sprintf("%s (finished only %v)", q.name, finished), counts(lib), seed); err != nil {
				return err
			}
		}
		avg, err := b.runs.AverageInteractions(ctx, s)
		if err != nil {
			return err
		}
		seed, err := b.seedDaily(ctx, seedLiteAverage)
		if err != nil {
			return err
		}
		libAvg := map[string]float64{}
		for _, d := range avg {
			libAvg[d.Day] = d.Average
		}
		if err := agree(fmt.Sprintf("AverageInteractions (finished only %v)", finished), libAvg, seed); err != nil {
			return err
		}
	}
	page, err := b.runs.List(ctx, repo.ListRuns{TenantID: b.tenant, AppID: b.app, Limit: 20})
	if err != nil {
		return err
	}
	listRows, err := b.raw.QueryContext(ctx, seedLiteList, b.tenant.String(), b.app.String())
	if err != nil {
		return err
	}
	defer listRows.Close()
	var seedIDs, libIDs []string
	for listRows.Next() {
		var id string
		if err := listRows.Scan(&id); err != nil {
			return err
		}
		seedIDs = append(seedIDs, id)
	}
	if err := listRows.Err(); err != nil {
		return err
	}
	for _, r := range page.Runs {
		libIDs = append(libIDs, r.ID.String())
	}
	return agree("List", libIDs, seedIDs)
}

// pairs lists the comparisons. The query goals of docs/PERFORMANCE.md are
// PostgreSQL's at scale; on SQLite the ratios are reported, not held to
// them. Get keeps its goal: wflog's overhead over a hand-written query.
func (b *sqliteBench) pairs() []pair {
	seedQuery := func(q string, args func() []any) func(context.Context, int) error {
		return func(ctx context.Context, _ int) error {
			rows, err := b.raw.QueryContext(ctx, q, args()...)
			if err != nil {
				return err
			}
			for rows.Next() { // SQLite computes as it steps: read every row
			}
			rows.Close()
			return rows.Err()
		}
	}
	ps := statsPairs(b.runs, b.stats, windowBaseline{
		statusCount: seedLiteStatusCount, dailyRuns: seedLiteDailyRuns, dailyUsers: seedLiteDailyUsers, dailyTokens: seedLiteDailyTokens,
		average: seedLiteAverage, list: seedLiteList, args: b.seedArgs, listArgs: func() []any { return []any{b.tenant.String(), b.app.String()} }, query: seedQuery,
	}, goal{}, goal{})
	return append(ps,
		pair{name: "Get by id", baseline: "hand-written database/sql query", goal: goal{within: 1.5}, reps: getReps, lib: func(ctx context.Context, i int) error {
			_, err := b.runs.Get(ctx, b.tenant, b.app, uuid.MustParse(b.ids[i%len(b.ids)]))
			return err
		}, base: func(ctx context.Context, i int) error {
			var (
				id, tenant, app, workflow, typ, from, wversion, status, role, by string
				graph, inputs, outputs, errText                                  sql.NullString
				version, tokens, steps, exceptions                               int64
				elapsed                                                          float64
				created                                                          time.Time
				finished                                                         sql.NullTime
			)
			return b.raw.QueryRowContext(ctx, handLiteGet, b.ids[i%len(b.ids)], b.tenant.String(), b.app.String()).Scan(&id, &version, &tenant, &app, &workflow,
				&typ, &from, &wversion, &graph, &inputs, &outputs, &status, &errText, &elapsed, &tokens, &steps, &exceptions, &role, &by, &created, &finished)
		}},
		b.savePair(),
	)
}

// savePair compares saving one new run with a hand-written database/sql
// INSERT of the same values, in SQLite's storage forms (uuids and times as
// text), through the same pool.
func (b *sqliteBench) savePair() pair {
	clock := appendonly.NewClock(nil)
	mk := func() models.WorkflowRun { return saveRun(b.tenant, b.set.payload) }
	return pair{name: "Save one run", baseline: "hand-written database/sql INSERT", goal: goal{within: 1.3}, reps: 200,
		lib: func(ctx context.Context, _ int) error {
			r := mk()
			return b.runs.Save(ctx, &r)
		},
		base: func(ctx context.Context, _ int) error {
			r := mk()
			_, err := b.raw.ExecContext(ctx, handLiteInsert, r.ID.String(), int64(clock.Next(0)), r.TenantID.String(), r.AppID.String(), r.WorkflowID.String(),
				string(r.Type), string(r.TriggeredFrom), r.WorkflowVersion, r.Graph, r.Inputs, r.Outputs, string(r.Status), r.Error, r.ElapsedTime,
				r.TotalTokens, r.TotalSteps, r.ExceptionsCount, string(r.CreatedByRole), r.CreatedBy.String(), dialect.SQLiteTime(r.CreatedAt),
				dialect.SQLiteTime(*r.FinishedAt))
			return err
		}}
}

// machine describes where the numbers come from.
func (b *sqliteBench) machine(ctx context.Context, dsn string) string {
	var version string
	_ = b.raw.QueryRowContext(ctx, `SELECT sqlite_version()`).Scan(&version)
	var pages, pageSize int64
	_ = b.raw.QueryRowContext(ctx, `PRAGMA page_count`).Scan(&pages)
	_ = b.raw.QueryRowContext(ctx, `PRAGMA page_size`).Scan(&pageSize)
	host, _ := os.Hostname()
	return fmt.Sprintf("%sMachine: %s, %d CPUs, %s/%s, Go %s; SQLite %s (modernc.org/sqlite, pure Go), file %s of %.0f MB. Baselines run on seed_workflow_runs, a copy of the data with only the seed's indexes (primary key (id, version) and (tenant_id, app_id, triggered_from)), days by SQLite's date(created_at, '+8 hours'); the hand-written query runs on workflow_runs itself, through the same pool.",
		buildCommit(), host, runtime.NumCPU(), runtime.GOOS, runtime.GOARCH, runtime.Version(), version, dialect.Redact(dsn), float64(pages*pageSize)/(1<<20))
}
