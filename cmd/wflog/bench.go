package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"gorm.io/gorm"

	"github.com/wflog/wflog/appendonly"
	"github.com/wflog/wflog/internal/dialect"
	"github.com/wflog/wflog/models"
	"github.com/wflog/wflog/repo"
	"github.com/wflog/wflog/rollup"
)

func runBench(ctx context.Context, a *app, args []string) error {
	fs, dsn := a.flags("bench", "[flags]")
	s := benchSet{versions: 3, start: benchStart}
	fs.IntVar(&s.runs, "runs", 1_000_000, fmt.Sprintf("runs in the data set (each with %d versions)", s.versions))
	fs.IntVar(&s.apps, "apps", 20, "apps the runs are spread over; the first is measured")
	fs.IntVar(&s.days, "days", 30, "days the runs are spread over")
	fs.IntVar(&s.payload, "payload-bytes", 500, "size of each finished run's outputs JSON")
	fs.StringVar(&s.schema, "schema", "wflog_bench", "PostgreSQL: schema the data set lives in (dropped and rebuilt unless --reuse finds it); SQLite: the file --dsn names, which must be new, empty or bench's own")
	seed := fs.Uint64("seed", 1, "random seed of the data set")
	rounds := fs.Int("rounds", 9, "measured rounds per comparison")
	warmup := fs.Int("warmup", 2, "unmeasured rounds first")
	reuse := fs.Bool("reuse", false, "reuse the data set in --schema if it was built with the same flags")
	grow := fs.Int("grow", 0, "PostgreSQL only: after measuring, grow the other apps until the data set has this many runs, and measure again (0: no)")
	ingestRows := fs.Int("ingest-rows", maxIngestRows, "PostgreSQL only: rows per ingest batch; by default 30000, or fewer when the data set is too small for --warmup + --rounds batches of that size")
	markdown := fs.String("markdown", "", "also write the results as markdown to this file")
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := a.atLeast(fs, bound{"apps", s.apps, 1, ""}, bound{"runs", s.runs, s.apps, "one run per app at least"}, bound{"days", s.days, 1, ""},
		bound{"payload-bytes", s.payload, 0, ""}, bound{"rounds", *rounds, 1, ""}, bound{"warmup", *warmup, 0, ""}, bound{"ingest-rows", *ingestRows, 1, ""}); err != nil {
		return err
	}
	cfg, err := dialect.Parse(*dsn)
	if err != nil {
		return err
	}
	switch cfg.Backend {
	case dialect.LogStore:
		return errors.New("bench measures PostgreSQL and SQLite: LogStore's timings are SLS's, and the bundled emulator is a test double, not a stand-in for its speed")
	case dialect.SQLite:
		if def, _ := defaultDSN(); *dsn == def {
			fmt.Fprintf(a.stderr, "bench builds a data set of its own, not in the default database %s: give it a file, --dsn sqlite://PATH (or a postgres:// DSN)\n", def)
			fs.Usage()
			return errUsage
		}
		for _, r := range sqliteRefused {
			if isSet(fs, r.flag) {
				fmt.Fprintf(a.stderr, "--%s: not on SQLite: %s\n", r.flag, r.why)
				fs.Usage()
				return errUsage
			}
		}
		if *markdown != "" {
			if err := writable(*markdown); err != nil {
				return fmt.Errorf("--markdown: %w", err)
			}
		}
		s.seed = *seed
		return runBenchSQLite(ctx, a, s, *dsn, *reuse, *warmup, *rounds, *markdown)
	}
	if *grow != 0 && *grow <= s.runs {
		fmt.Fprintf(a.stderr, "--grow %d: want 0 (no growth) or more runs than --runs %d\n", *grow, s.runs)
		fs.Usage()
		return errUsage
	}
	// The ingest comparison's server-side baseline copies its batches out
	// of the data set: every round needs a batch of rows it has not used.
	batches := *warmup + *rounds
	most := s.runs * s.versions / batches
	if !isSet(fs, "ingest-rows") {
		*ingestRows = min(*ingestRows, most)
	}
	if *ingestRows > most {
		fmt.Fprintf(a.stderr, "--ingest-rows %d: the data set's %d rows make at most %d batches of %d rows; want --ingest-rows %d or less, or a bigger --runs\n",
			*ingestRows, s.runs*s.versions, batches, most, most)
		fs.Usage()
		return errUsage
	}
	if *ingestRows < 1 {
		fmt.Fprintf(a.stderr, "--runs %d: the data set's %d rows are too few for %d ingest batches (--warmup + --rounds)\n", s.runs, s.runs*s.versions, batches)
		fs.Usage()
		return errUsage
	}
	if *markdown != "" {
		if err := writable(*markdown); err != nil {
			return fmt.Errorf("--markdown: %w", err)
		}
	}
	s.seed = *seed
	admin, err := pgx.Connect(ctx, cfg.ConnString)
	if err != nil {
		_, oerr := open(ctx, *dsn) // the same advice as every other command
		if oerr != nil {
			return oerr
		}
		return err
	}
	defer admin.Close(ctx)

	db, err := s.prepare(ctx, admin, *dsn, *reuse, a.stderr)
	if err != nil {
		return err
	}
	defer closeDB(db)
	schemaDSN, _ := withSchema(*dsn, s.schema)
	raw, err := pgx.Connect(ctx, strings.Replace(schemaDSN, "postgres://", "postgresql://", 1))
	if err != nil {
		return err
	}
	defer raw.Close(ctx)

	b, err := newBench(ctx, s, db, raw)
	if err != nil {
		return err
	}
	if err := b.checkAgreement(ctx); err != nil {
		return err
	}
	fmt.Fprintln(a.stderr, "wflog and the baseline agree on every answer; measuring")
	rep := report{title: fmt.Sprintf("wflog bench: %d runs × %d versions, %d apps (%d runs per app), %d days, %d-byte outputs", s.runs, s.versions, s.apps, (s.runs+s.apps-1)/s.apps, s.days, s.payload)}
	if rep.queries, err = measureAll(ctx, b.pairs(), *warmup, *rounds, a.stderr); err != nil {
		return err
	}
	if rep.ingest, rep.indexes, err = b.ingest(ctx, admin, *dsn, *ingestRows, *warmup, *rounds, a.stderr); err != nil {
		return err
	}
	if *grow > s.runs {
		if err := s.grow(ctx, admin, db, *grow, a.stderr); err != nil {
			return err
		}
		for i, p := range b.pairs()[:b.growthPairs] {
			after, err := measure(ctx, p, *warmup, *rounds)
			if err != nil {
				return err
			}
			rep.growth = append(rep.growth, growthRow{name: p.name, before: rep.queries[i].libTimes, after: after.libTimes})
		}
		rep.notes = append(rep.notes, fmt.Sprintf("Growth: the other %d apps grew from %d to %d runs in all; the measured app kept its %d.", s.apps-1, s.runs, *grow, s.runs/s.apps))
	}
	rep.notes = append(rep.notes, b.storage(ctx), b.machine(ctx))
	rep.write(a.stdout)
	return rep.writeMarkdown(*markdown)
}

// maxIngestRows is the default ingest batch.
const maxIngestRows = 30000

// writable checks, before any work, that path can be written at the end:
// its directory exists, and the file, if it exists, is writable. It leaves
// an existing file as it is.
func writable(path string) error {
	if st, err := os.Stat(filepath.Dir(path)); err != nil {
		return err
	} else if !st.IsDir() {
		return fmt.Errorf("%s is not a directory", filepath.Dir(path))
	}
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if errors.Is(err, os.ErrNotExist) {
		f, err = os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o666)
		if err == nil {
			f.Close()
			return os.Remove(path)
		}
	}
	if err != nil {
		return err
	}
	return f.Close()
}

// getReps is how many Gets make one timed sample, and how many runs they read.
const getReps = 200

// bench holds what the measurements share.
type bench struct {
	set         benchSet
	db          *gorm.DB
	raw         *pgx.Conn
	runs        *repo.Runs // statistics from the pre-aggregated tables
	scan        *repo.Runs // statistics by scanning workflow_runs
	tenant, app uuid.UUID
	ids         []uuid.UUID // the measured app's runs, for Get
	stats       repo.Stats
	growthPairs int
}

func newBench(ctx context.Context, s benchSet, db *gorm.DB, raw *pgx.Conn) (*bench, error) {
	g := s.load(0, s.runs, s.runs, -1).generator()
	shanghai, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		return nil, err
	}
	b := &bench{set: s, db: db, raw: raw, tenant: g.Tenant(0), app: g.App(0, 0),
		runs: repo.NewRuns(db, repo.WithStatsSource(repo.StatsPreaggregated)), scan: repo.NewRuns(db, repo.WithStatsSource(repo.StatsScan))}
	// The same table without the statistics triggers, for what they cost a write.
	if _, err := raw.Exec(ctx, `CREATE TABLE IF NOT EXISTS plain_workflow_runs (LIKE workflow_runs INCLUDING ALL)`); err != nil {
		return nil, err
	}
	b.stats = repo.Stats{TenantID: b.tenant, AppID: b.app, From: s.start, To: s.start.AddDate(0, 0, s.days), Location: shanghai}
	// A fixed set of runs, cycled every round: the warm-up rounds read them
	// all, so neither side of the comparison pays for the other's cold reads.
	rows, err := raw.Query(ctx, `SELECT DISTINCT id FROM workflow_runs WHERE tenant_id = $1 AND app_id = $2 LIMIT $3`, b.tenant, b.app, getReps)
	if err != nil {
		return nil, err
	}
	b.ids, err = pgx.CollectRows(rows, pgx.RowTo[uuid.UUID])
	if err != nil || len(b.ids) == 0 {
		return nil, fmt.Errorf("the measured app %s has no runs (%v)", b.app, err)
	}
	// The data set must be what the report says it is: every run of the
	// measured app inside the measured window.
	var inWindow, all int
	if err := raw.QueryRow(ctx, `SELECT count(DISTINCT id) FILTER (WHERE created_at >= $3 AND created_at < $4), count(DISTINCT id) FROM workflow_runs WHERE tenant_id = $1 AND app_id = $2`,
		b.tenant, b.app, b.stats.From, b.stats.To).Scan(&inWindow, &all); err != nil {
		return nil, err
	}
	if want := (s.runs + s.apps - 1) / s.apps; inWindow != want || all != want { // app 0 gets runs 0, apps, 2·apps, …
		return nil, fmt.Errorf("the data set is not as built: the measured app has %d runs, %d of them in %s–%s; want %d (rebuild it without --reuse)",
			all, inWindow, b.stats.From.Format(time.DateOnly), b.stats.To.Format(time.DateOnly), want)
	}
	return b, nil
}

// The seed's approach: the latest version of each run by ROW_NUMBER(), owner
// filters inside the window (the correct place), then filter and aggregate.
const (
	seedLatest      = `WITH latest AS (SELECT *, ROW_NUMBER() OVER (PARTITION BY id ORDER BY version DESC) AS rn FROM seed_workflow_runs WHERE tenant_id = $1 AND app_id = $2 AND created_at >= $3 AND created_at < $4)`
	seedDay         = `to_char(created_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD')`
	seedStatusCount = seedLatest + ` SELECT status, count(*) FROM latest WHERE rn = 1 GROUP BY status`
	seedDailyRuns   = seedLatest + ` SELECT ` + seedDay + `, count(*) FROM latest WHERE rn = 1 GROUP BY 1 ORDER BY 1`
	seedDailyUsers  = seedLatest + ` SELECT ` + seedDay + `, count(DISTINCT created_by) FROM latest WHERE rn = 1 GROUP BY 1 ORDER BY 1`
	seedDailyTokens = seedLatest + ` SELECT ` + seedDay + `, sum(total_tokens)::bigint FROM latest WHERE rn = 1 GROUP BY 1 ORDER BY 1`
	seedAverage     = seedLatest + ` SELECT day, round(avg(n), 2)::float8 FROM (SELECT ` + seedDay + ` AS day, created_by, count(DISTINCT id) AS n FROM latest WHERE rn = 1 GROUP BY 1, 2) u GROUP BY 1 ORDER BY 1`
	seedList        = `WITH latest AS (SELECT *, ROW_NUMBER() OVER (PARTITION BY id ORDER BY version DESC) AS rn FROM seed_workflow_runs WHERE tenant_id = $1 AND app_id = $2) SELECT id FROM latest WHERE rn = 1 ORDER BY created_at DESC, id DESC LIMIT 20`
	handGet         = `SELECT id, version, tenant_id, app_id, workflow_id, type, triggered_from, workflow_version, graph, inputs, outputs, status, error, elapsed_time, total_tokens, total_steps, exceptions_count, created_by_role, created_by, created_at, finished_at FROM workflow_runs WHERE id = $1 AND tenant_id = $2 AND app_id = $3 ORDER BY version DESC LIMIT 1`
	handInsert      = `INSERT INTO workflow_runs (id, version, tenant_id, app_id, workflow_id, type, triggered_from, workflow_version, graph, inputs, outputs, status, error, elapsed_time, total_tokens, total_steps, exceptions_count, created_by_role, created_by, created_at, finished_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21)`
)

func (b *bench) seedArgs() []any {
	return []any{b.tenant, b.app, b.stats.From, b.stats.To}
}

// daily scans a seed-form daily query into day → value.
func (b *bench) seedDaily(ctx context.Context, sql string) (map[string]float64, error) {
	rows, err := b.raw.Query(ctx, sql, b.seedArgs()...)
	if err != nil {
		return nil, err
	}
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

func counts(cs []repo.DailyCount) map[string]float64 {
	out := map[string]float64{}
	for _, c := range cs {
		out[c.Day] = float64(c.Count)
	}
	return out
}

// checkAgreement asks wflog and the baseline the same questions once and
// refuses to measure if any answer differs: a faster wrong answer is no result.
func (b *bench) checkAgreement(ctx context.Context) error {
	// The pre-aggregated tables and the scan, on every statistic, both modes.
	for _, finished := range []bool{false, true} {
		s := b.stats
		s.FinishedOnly = finished
		tables, err := collectStats(ctx, b.runs, s)
		if err != nil {
			return err
		}
		scan, err := collectStats(ctx, b.scan, s)
		if err != nil {
			return err
		}
		if err := agree("statistics (tables vs scan, finished only "+fmt.Sprint(finished)+")", tables, scan); err != nil {
			return err
		}
	}
	c, err := b.runs.CountByStatus(ctx, repo.CountRuns{TenantID: b.tenant, AppID: b.app, Since: b.stats.From})
	if err != nil {
		return err
	}
	rows, err := b.raw.Query(ctx, seedStatusCount, b.seedArgs()...)
	if err != nil {
		return err
	}
	seedCounts := map[models.RunStatus]int64{}
	var total int64
	for rows.Next() {
		var s string
		var n int64
		if err := rows.Scan(&s, &n); err != nil {
			return err
		}
		seedCounts[models.RunStatus(s)] = n
		total += n
	}
	if err := agree("CountByStatus", c, repo.StatusCounts{Total: total, ByStatus: seedCounts}); err != nil {
		return err
	}
	for _, q := range []struct {
		name string
		lib  func(context.Context, repo.Stats) ([]repo.DailyCount, error)
		seed string
	}{{"DailyRuns", b.runs.DailyRuns, seedDailyRuns}, {"DailyTerminals", b.runs.DailyTerminals, seedDailyUsers}, {"DailyTokenCosts", b.runs.DailyTokenCosts, seedDailyTokens}} {
		lib, err := q.lib(ctx, b.stats)
		if err != nil {
			return err
		}
		seed, err := b.seedDaily(ctx, q.seed)
		if err != nil {
			return err
		}
		if err := agree(q.name, counts(lib), seed); err != nil {
			return err
		}
	}
	avg, err := b.runs.AverageInteractions(ctx, b.stats)
	if err != nil {
		return err
	}
	seed, err := b.seedDaily(ctx, seedAverage)
	if err != nil {
		return err
	}
	libAvg := map[string]float64{}
	for _, d := range avg {
		libAvg[d.Day] = d.Average
	}
	if err := agree("AverageInteractions", libAvg, seed); err != nil {
		return err
	}
	page, err := b.runs.List(ctx, repo.ListRuns{TenantID: b.tenant, AppID: b.app, Limit: 20})
	if err != nil {
		return err
	}
	listRows, err := b.raw.Query(ctx, seedList, b.tenant, b.app)
	if err != nil {
		return err
	}
	seedIDs, err := pgx.CollectRows(listRows, pgx.RowTo[uuid.UUID])
	if err != nil {
		return err
	}
	var libIDs []uuid.UUID
	for _, r := range page.Runs {
		libIDs = append(libIDs, r.ID)
	}
	return agree("List", libIDs, seedIDs)
}

// pairs lists the comparisons; the first growthPairs are re-measured after
// the data set grows.
func (b *bench) pairs() []pair {
	finished := b.stats
	finished.FinishedOnly = true
	seedQuery := func(sql string, args func() []any) func(context.Context, int) error {
		return func(ctx context.Context, _ int) error {
			rows, err := b.raw.Query(ctx, sql, args()...)
			if err != nil {
				return err
			}
			rows.Close()
			return rows.Err()
		}
	}
	// The statistics read the pre-aggregated tables; docs/PERFORMANCE.md's
	// scale section has the goal.
	ps := statsPairs(b.runs, b.stats, windowBaseline{
		statusCount: seedStatusCount, dailyRuns: seedDailyRuns, dailyUsers: seedDailyUsers, dailyTokens: seedDailyTokens,
		average: seedAverage, list: seedList, args: b.seedArgs, listArgs: func() []any { return []any{b.tenant, b.app} }, query: seedQuery,
	}, goal{faster: 50, under: 20 * time.Millisecond}, goal{faster: 100, under: 2 * time.Millisecond})
	b.growthPairs = len(ps)
	ps = append(ps,
		pair{name: "Get by id", baseline: "hand-written pgx query", goal: goal{within: 1.5}, reps: getReps, lib: func(ctx context.Context, i int) error {
			_, err := b.runs.Get(ctx, b.tenant, b.app, b.ids[i%len(b.ids)])
			return err
		}, base: func(ctx context.Context, i int) error {
			var r models.WorkflowRun
			var version int64
			return b.raw.QueryRow(ctx, handGet, b.ids[i%len(b.ids)], b.tenant, b.app).Scan(&r.ID, &version, &r.TenantID, &r.AppID, &r.WorkflowID,
				&r.Type, &r.TriggeredFrom, &r.WorkflowVersion, &r.Graph, &r.Inputs, &r.Outputs, &r.Status, &r.Error, &r.ElapsedTime,
				&r.TotalTokens, &r.TotalSteps, &r.ExceptionsCount, &r.CreatedByRole, &r.CreatedBy, &r.CreatedAt, &r.FinishedAt)
		}},
		b.savePair(),
		b.triggerPair(),
	)
	// The same statistics by scanning workflow_runs (the reference path,
	// and what PostgreSQL answered before the tables existed).
	scanPair := func(name string, lib, scan func(context.Context, int) error) pair {
		return pair{name: name + ", tables vs scan", baseline: "wflog's scan path", lib: lib, base: scan}
	}
	ps = append(ps,
		scanPair("CountByStatus (exact)", ps[0].lib, func(ctx context.Context, _ int) error {
			_, err := b.scan.CountByStatus(ctx, repo.CountRuns{TenantID: b.tenant, AppID: b.app, Since: b.stats.From})
			return err
		}),
		scanPair("DailyRuns (exact)", ps[1].lib, dailyCall(b.scan.DailyRuns, b.stats)),
		scanPair("DailyTerminals (exact)", ps[2].lib, dailyCall(b.scan.DailyTerminals, b.stats)),
		scanPair("DailyTokenCosts (exact)", ps[3].lib, dailyCall(b.scan.DailyTokenCosts, b.stats)),
		scanPair("AverageInteractions (exact)", ps[4].lib, averageCall(b.scan, b.stats)),
		scanPair("DailyRuns (FinishedOnly)", ps[5].lib, dailyCall(b.scan.DailyRuns, finished)),
		scanPair("DailyTerminals (FinishedOnly)", ps[6].lib, dailyCall(b.scan.DailyTerminals, finished)),
		scanPair("DailyTokenCosts (FinishedOnly)", ps[7].lib, dailyCall(b.scan.DailyTokenCosts, finished)),
		scanPair("AverageInteractions (FinishedOnly)", ps[8].lib, averageCall(b.scan, finished)),
	)
	return ps
}

// saveApp is the app the Save comparison writes its runs to, away from the
// measured app.
var saveApp = uuid.MustParse("5a7e0000-0000-4000-8000-000000000000")

// saveRun is a new finished run of tenant's in saveApp, with payload bytes
// of outputs: what the Save comparisons write.
func saveRun(tenant uuid.UUID, payload int) models.WorkflowRun {
	out := `{"answer":"` + strings.Repeat("x", payload) + `"}`
	at := time.Now()
	return models.WorkflowRun{ID: uuid.New(), TenantID: tenant, AppID: saveApp, WorkflowID: uuid.New(), Type: models.WorkflowTypeWorkflow,
		TriggeredFrom: models.RunFromAppRun, WorkflowVersion: "bench", Outputs: &out, Status: models.RunSucceeded,
		CreatedByRole: models.CreatedByEndUser, CreatedBy: uuid.New(), CreatedAt: at, FinishedAt: &at, TotalTokens: 100}
}

// savePair compares saving one new run with a hand-written pgx INSERT of the
// same values.
func (b *bench) savePair() pair {
	clock := appendonly.NewClock(nil)
	mk := func() models.WorkflowRun { return saveRun(b.tenant, b.set.payload) }
	return pair{name: "Save one run", baseline: "hand-written pgx INSERT", goal: goal{within: 1.3}, reps: 200,
		lib: func(ctx context.Context, _ int) error {
			r := mk()
			return b.runs.Save(ctx, &r)
		},
		base: func(ctx context.Context, _ int) error {
			r := mk()
			_, err := b.raw.Exec(ctx, handInsert, r.ID, int64(clock.Next(0)), r.TenantID, r.AppID, r.WorkflowID, string(r.Type), string(r.TriggeredFrom),
				r.WorkflowVersion, r.Graph, r.Inputs, r.Outputs, string(r.Status), r.Error, r.ElapsedTime, r.TotalTokens, r.TotalSteps,
				r.ExceptionsCount, string(r.CreatedByRole), r.CreatedBy, r.CreatedAt, r.FinishedAt)
			return err
		}}
}

// triggerPair is what the statistics triggers cost one INSERT: the same
// hand-written INSERT into workflow_runs and into a copy of it (same
// columns and indexes) without the triggers.
func (b *bench) triggerPair() pair {
	clock := appendonly.NewClock(nil)
	insert := func(table string) func(context.Context, int) error {
		sql := strings.Replace(handInsert, "INSERT INTO workflow_runs", "INSERT INTO "+table, 1)
		return func(ctx context.Context, _ int) error {
			out := `{"answer":"` + strings.Repeat("x", b.set.payload) + `"}`
			at := time.Now()
			_, err := b.raw.Exec(ctx, sql, uuid.New(), int64(clock.Next(0)), b.tenant, saveApp, uuid.New(), string(models.WorkflowTypeWorkflow), string(models.RunFromAppRun),
				"bench", nil, nil, &out, string(models.RunSucceeded), nil, 1.0, int64(100), int64(3), int64(0), string(models.CreatedByEndUser), uuid.New(), at, &at)
			return err
		}
	}
	return pair{name: "raw INSERT, with the statistics triggers", baseline: "raw INSERT, table without them", reps: 200,
		lib: insert("workflow_runs"), base: insert("plain_workflow_runs")}
}

// storage reports what the statistics tables take beside workflow_runs.
func (b *bench) storage(ctx context.Context) string {
	var parts []string
	for _, t := range append(append([]string{"workflow_runs"}, rollup.Tables...), rollup.DeltaTables...) {
		var size int64
		var rows float64
		if err := b.raw.QueryRow(ctx, `SELECT pg_total_relation_size($1::regclass), reltuples FROM pg_class WHERE oid = $1::regclass`, t).Scan(&size, &rows); err != nil {
			return "Storage: " + err.Error()
		}
		parts = append(parts, fmt.Sprintf("%s %.0f MB (~%.0f rows)", t, float64(size)/(1<<20), rows))
	}
	return "Storage, tables with their indexes: " + strings.Join(parts, "; ") + "."
}

// machine describes where the numbers come from.
func (b *bench) machine(ctx context.Context) string {
	var version, sharedBuffers string
	_ = b.raw.QueryRow(ctx, `SELECT version()`).Scan(&version)
	_ = b.raw.QueryRow(ctx, `SHOW shared_buffers`).Scan(&sharedBuffers)
	host, _ := os.Hostname()
	return fmt.Sprintf("%sMachine: %s, %d CPUs, %s/%s, Go %s; %s; shared_buffers %s. Baselines run on seed_workflow_runs, a copy of the data with only the seed's indexes (primary key (id, version) and (tenant_id, app_id, triggered_from)); the hand-written pgx queries run on workflow_runs itself.",
		buildCommit(), host, runtime.NumCPU(), runtime.GOOS, runtime.GOARCH, runtime.Version(), version, sharedBuffers)
}

// buildCommit names the commit the binary was built from, as a sentence,
// when the build recorded it (go build in a git checkout does, unless
// -buildvcs=false); "" otherwise.
func buildCommit() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return ""
	}
	var rev, modified string
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			if s.Value == "true" {
				modified = ", with uncommitted changes"
			}
		}
	}
	switch {
	case rev != "":
		return "wflog at commit " + rev + modified + ". "
	case info.Main.Version != "" && info.Main.Version != "(devel)":
		return "wflog " + info.Main.Version + ". "
	}
	return ""
}
