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

func benchRun(tenant, app, user uuid.UUID, now time.Time) models.WorkflowRun {
	return models.WorkflowRun{TenantID: tenant, AppID: app, WorkflowID: app, Type: models.WorkflowTypeWorkflow,
		TriggeredFrom: models.RunFromAppRun, WorkflowVersion: "1", Status: models.RunRunning,
		CreatedByRole: models.CreatedByEndUser, CreatedBy: user, CreatedAt: now}
}

// BenchmarkSQLiteSave measures what the statistics triggers cost Save on
// SQLite (one writer; each op a run's first version, then its finished
// one, in one app of 50 users), with the triggers and without them, and
// what keeping statements prepared saves (docs/PERFORMANCE.md, "SQLite"):
//
//	go test ./rollup -run '^$' -bench 'SQLiteSave' -benchtime 2000x -count 6 > save.txt && benchstat save.txt
func BenchmarkSQLiteSave(b *testing.B) {
	for _, c := range sqliteWriteCases {
		b.Run(c.triggers+"/"+c.cache, func(b *testing.B) {
			runs := repo.NewRuns(openSQLiteWriter(b, c.triggers, c.cache))
			tenant, app := uuid.New(), uuid.New()
			users := make([]uuid.UUID, 50)
			for i := range users {
				users[i] = uuid.New()
			}
			ctx := context.Background()
			i := 0
			for b.Loop() {
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
			}
		})
	}
}

// BenchmarkSQLiteSaveBatch is BenchmarkSQLiteSave for SaveBatch: each op
// 100 runs' first versions in one call, then their finished versions in
// another (one INSERT of 100 rows each).
func BenchmarkSQLiteSaveBatch(b *testing.B) {
	const size = 100
	for _, c := range sqliteWriteCases {
		b.Run(c.triggers+"/"+c.cache, func(b *testing.B) {
			runs := repo.NewRuns(openSQLiteWriter(b, c.triggers, c.cache))
			tenant, app := uuid.New(), uuid.New()
			users := make([]uuid.UUID, 50)
			for i := range users {
				users[i] = uuid.New()
			}
			ctx := context.Background()
			batch := make([]models.WorkflowRun, size)
			for b.Loop() {
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
			}
		})
	}
}
