package rollup_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"
	moderncsqlite "modernc.org/sqlite"

	"github.com/wflog/wflog"
	"github.com/wflog/wflog/internal/dialect"
	"github.com/wflog/wflog/models"
	"github.com/wflog/wflog/repo"
)

// sqliteWriteCases are the SQLite write benchmarks' variants: with all of
// wflog's triggers on workflow_runs ("triggers": the statistics and the
// time-text guards, as Migrate installs them), with the guards alone
// ("guards-only"), or with none ("no-triggers", the bare INSERT); and each
// statement prepared anew ("plain", as wflog.Open did before it kept
// statements), through the connection's statement cache
// (dialect.CacheSQLiteStatements, as wflog.Open opens SQLite now), or
// through GORM's PrepareStmt.
var sqliteWriteCases = func() (cases []struct{ triggers, cache string }) {
	for _, triggers := range []string{"triggers", "guards-only", "no-triggers"} {
		for _, cache := range []string{"plain", "stmt-cache", "gorm-prepare"} {
			cases = append(cases, struct{ triggers, cache string }{triggers, cache})
		}
	}
	return cases
}()

// dropped is what each variant drops of what Migrate installs.
var dropped = map[string][]string{
	"guards-only": {"wflog_run_stats_insert", "wflog_run_stats_delete"},
	"no-triggers": {"wflog_run_stats_insert", "wflog_run_stats_delete", "wflog_runs_time_text_insert", "wflog_runs_time_text_update"},
}

// openSQLiteWriter opens a migrated SQLite file for one variant. Every
// variant's pool is built the same way, one connection as wflog.Open's,
// so that only the cache differs.
func openSQLiteWriter(b *testing.B, triggers, cache string) *gorm.DB {
	b.Helper()
	cfg, err := dialect.Parse("sqlite://" + filepath.Join(b.TempDir(), "wflog.db"))
	if err != nil {
		b.Fatal(err)
	}
	connector, err := moderncsqlite.NewConnector(cfg.ConnString)
	if err != nil {
		b.Fatal(err)
	}
	var pool *sql.DB
	if cache == "stmt-cache" {
		pool = sql.OpenDB(dialect.CacheSQLiteStatements(connector, dialect.SQLiteStatementCache))
	} else {
		pool = sql.OpenDB(connector)
	}
	pool.SetMaxOpenConns(1)
	b.Cleanup(func() { _ = pool.Close() })
	db, err := wflog.OpenDB(dialect.New(cfg), pool)
	if err != nil {
		b.Fatal(err)
	}
	if err := wflog.Migrate(context.Background(), db); err != nil {
		b.Fatal(err)
	}
	for _, t := range dropped[triggers] {
		if err := db.Exec(`DROP TRIGGER ` + t).Error; err != nil {
			b.Fatal(err)
		}
	}
	if cache == "gorm-prepare" {
		db = db.Session(&gorm.Session{PrepareStmt: true})
	}
	return db
}

// benchSQLiteWrites runs op on every variant of sqliteWriteCases in
// each iteration, starting with a different variant each time, and
// reports each variant's time per op ("triggers/plain-µs/op") and, for
// each way of preparing statements, what the triggers multiply it by
// ("plain-triggers÷none"). The variants take turns op by op so that all
// see the same machine: this one is shared, and noisy enough that
// variants timed one after the other are not comparable.
func benchSQLiteWrites(b *testing.B, op func(b *testing.B, runs *repo.Runs, tenant, app uuid.UUID, users []uuid.UUID)) {
	type writer struct {
		name  string
		runs  *repo.Runs
		spent time.Duration
	}
	ws := make([]*writer, len(sqliteWriteCases))
	byName := map[string]*writer{}
	for i, c := range sqliteWriteCases {
		ws[i] = &writer{name: c.triggers + "/" + c.cache, runs: repo.NewRuns(openSQLiteWriter(b, c.triggers, c.cache))}
		byName[ws[i].name] = ws[i]
	}
	tenant, app := uuid.New(), uuid.New()
	users := make([]uuid.UUID, 50)
	for i := range users {
		users[i] = uuid.New()
	}
	n := 0
	for b.Loop() {
		for k := range ws {
			w := ws[(n+k)%len(ws)]
			start := time.Now()
			op(b, w.runs, tenant, app, users)
			w.spent += time.Since(start)
		}
		n++
	}
	b.ReportMetric(0, "ns/op")
	for _, w := range ws {
		b.ReportMetric(float64(w.spent.Microseconds())/float64(n), w.name+"-µs/op")
	}
	for _, cache := range []string{"plain", "stmt-cache", "gorm-prepare"} {
		b.ReportMetric(float64(byName["triggers/"+cache].spent)/float64(byName["no-triggers/"+cache].spent), cache+"-triggers÷none")
	}
}

func benchRun(tenant, app, user uuid.UUID, now time.Time) models.WorkflowRun {
	return models.WorkflowRun{TenantID: tenant, AppID: app, WorkflowID: app, Type: models.WorkflowTypeWorkflow,
		TriggeredFrom: models.RunFromAppRun, WorkflowVersion: "1", Status: models.RunRunning,
		CreatedByRole: models.CreatedByEndUser, CreatedBy: user, CreatedAt: now}
}

// BenchmarkSQLiteSave measures what the triggers cost Save on SQLite (one
// writer; each op a run's first version, then its finished one, in one
// app of 50 users), and what keeping statements prepared saves
// (docs/PERFORMANCE.md, "SQLite"):
//
//	go test ./rollup -run '^$' -bench 'SQLiteSave$' -benchtime 2000x -count 6 > save.txt && benchstat save.txt
func BenchmarkSQLiteSave(b *testing.B) {
	ctx := context.Background()
	i := 0
	benchSQLiteWrites(b, func(b *testing.B, runs *repo.Runs, tenant, app uuid.UUID, users []uuid.UUID) {
		i++
		now := time.Now().UTC()
		r := benchRun(tenant, app, users[i%len(users)], now)
		if err := runs.Save(ctx, &r); err != nil {
			b.Fatal(err)
		}
		r.Status, r.TotalTokens, r.FinishedAt = models.RunSucceeded, 100, &now
		if err := runs.Save(ctx, &r); err != nil {
			b.Fatal(err)
		}
	})
}

// BenchmarkSQLiteSaveBatch is BenchmarkSQLiteSave for SaveBatch: each op
// 100 runs' first versions in one call, then their finished versions in
// another (one INSERT of 100 rows each).
//
//	go test ./rollup -run '^$' -bench 'SQLiteSaveBatch$' -benchtime 100x -count 6 > batch.txt && benchstat batch.txt
func BenchmarkSQLiteSaveBatch(b *testing.B) {
	const size = 100
	ctx := context.Background()
	batch := make([]models.WorkflowRun, size)
	benchSQLiteWrites(b, func(b *testing.B, runs *repo.Runs, tenant, app uuid.UUID, users []uuid.UUID) {
		now := time.Now().UTC()
		for i := range batch {
			batch[i] = benchRun(tenant, app, users[i%len(users)], now)
		}
		if err := runs.SaveBatch(ctx, batch); err != nil {
			b.Fatal(err)
		}
		for i := range batch {
			batch[i].Status, batch[i].TotalTokens, batch[i].FinishedAt = models.RunSucceeded, 100, &now
		}
		if err := runs.SaveBatch(ctx, batch); err != nil {
			b.Fatal(err)
		}
	})
}
