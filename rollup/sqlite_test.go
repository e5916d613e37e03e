package rollup_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/wflog/wflog"
	"github.com/wflog/wflog/internal/testdb"
	"github.com/wflog/wflog/models"
	"github.com/wflog/wflog/repo"
	"github.com/wflog/wflog/rollup"
)

// The SQLite form of the tables (schema_sqlite.sql) under the same
// questions as PostgreSQL's: concurrent writers, late older versions,
// other writers, retention, drift, Install on a filled table.

// TestSQLiteConcurrentWriters saves the versions of the same runs from many
// goroutines over two pools on one file (two processes' worth), in no
// particular order, singly and in batches.
func TestSQLiteConcurrentWriters(t *testing.T) {
	path := "sqlite://" + filepath.Join(t.TempDir(), "wflog.db")
	db := testdb.OpenDSN(t, path)
	other := testdb.OpenDSN(t, path)
	ctx := context.Background()
	g := generator(3)
	const runs, writers = 120, 8
	var versions []models.WorkflowRun
	for i := 0; i < runs; i++ {
		versions = append(versions, g.Run(i).Runs...)
	}
	work := make(chan []models.WorkflowRun)
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for w := 0; w < writers; w++ {
		pool := db
		if w%2 == 1 {
			pool = other
		}
		r := repo.NewRuns(pool)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for batch := range work {
				var err error
				if len(batch) == 1 {
					err = r.Save(ctx, &batch[0])
				} else {
					err = r.SaveBatch(ctx, batch)
				}
				if err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	rng := rand.New(rand.NewPCG(1, 2))
	rng.Shuffle(len(versions), func(i, j int) { versions[i], versions[j] = versions[j], versions[i] })
	for i := 0; i < len(versions); {
		n := 1
		if rng.IntN(3) == 0 {
			n = 1 + rng.IntN(6)
		}
		n = min(n, len(versions)-i)
		work <- append([]models.WorkflowRun(nil), versions[i:i+n]...)
		i += n
	}
	close(work)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if n := count(t, db, `SELECT count(*) FROM wflog_run_state`); n != runs {
		t.Fatalf("%d run states, want %d", n, runs)
	}
	mustMatch(t, db)
}

// TestSQLiteSameRunRace saves many versions of one run at once.
func TestSQLiteSameRunRace(t *testing.T) {
	db := testdb.OpenSQLite(t)
	ctx := context.Background()
	r := repo.NewRuns(db)
	base := generator(5).Run(0).Runs[0]
	if err := r.Save(ctx, &base); err != nil {
		t.Fatal(err)
	}
	statuses := []models.RunStatus{models.RunRunning, models.RunPaused, models.RunSucceeded, models.RunFailed, models.RunStopped, models.RunPartialSucceeded}
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for w := 0; w < 16; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := 0; k < 10; k++ {
				v := base
				v.Status = statuses[(w+k)%len(statuses)]
				v.TotalTokens = int64(w*100 + k)
				if v.Status.Terminal() {
					at := v.CreatedAt.Add(time.Minute)
					v.FinishedAt = &at
				}
				if err := r.Save(ctx, &v); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if n := count(t, db, `SELECT sum(runs) FROM wflog_run_buckets WHERE NOT finished`); n != 1 {
		t.Fatalf("the run counts %d times, want once", n)
	}
	mustMatch(t, db)
}

// TestSQLiteOtherWriters writes as something other than wflog would: plain
// INSERTs of older versions, deletes of some versions, and retention.
func TestSQLiteOtherWriters(t *testing.T) {
	db := testdb.OpenSQLite(t)
	ctx := context.Background()
	r := repo.NewRuns(db)
	g := generator(9)
	var all []models.WorkflowRun
	for i := 0; i < 60; i++ {
		all = append(all, g.Run(i).Runs...)
	}
	if err := r.SaveBatch(ctx, all); err != nil {
		t.Fatal(err)
	}
	mustMatch(t, db)

	t.Run("OlderVersionLate", func(t *testing.T) {
		err := db.Exec(`INSERT INTO workflow_runs SELECT id, version - 1, tenant_id, app_id, workflow_id, type, triggered_from, workflow_version, graph, inputs, outputs,
			'stopped', error, elapsed_time, total_tokens + 7, total_steps, exceptions_count, created_by_role, created_by, created_at, coalesce(finished_at, created_at)
			FROM workflow_runs r WHERE NOT EXISTS (SELECT 1 FROM workflow_runs n WHERE n.id = r.id AND n.version = r.version - 1)`).Error
		if err != nil {
			t.Fatal(err)
		}
		mustMatch(t, db)
	})
	t.Run("NewRunsByHand", func(t *testing.T) {
		// New runs, some in a bucket's last microsecond and a day's.
		err := db.Exec(`INSERT INTO workflow_runs SELECT substr(h, 1, 8) || '-' || substr(h, 9, 4) || '-4' || substr(h, 14, 3) || '-8' || substr(h, 18, 3) || '-' || substr(h, 21, 12), version, tenant_id, app_id, workflow_id, type, triggered_from, workflow_version,
			graph, inputs, outputs, status, error, elapsed_time, total_tokens, total_steps, exceptions_count, created_by_role, created_by,
			substr(created_at, 1, 11) || '23:59:59.999999', finished_at
			FROM (SELECT *, lower(hex(randomblob(16))) AS h FROM workflow_runs LIMIT 20)`).Error
		if err != nil {
			t.Fatal(err)
		}
		mustMatch(t, db)
	})
	t.Run("DeleteSomeVersions", func(t *testing.T) {
		if err := db.Exec(`DELETE FROM workflow_runs WHERE (id, version) IN (SELECT id, max(version) FROM workflow_runs GROUP BY id LIMIT 10)`).Error; err != nil {
			t.Fatal(err)
		}
		mustMatch(t, db)
	})
	t.Run("Retention", func(t *testing.T) {
		expired, err := r.ExpiredBatch(ctx, start.Add(30*time.Hour), 15)
		if err != nil || len(expired) == 0 {
			t.Fatalf("ExpiredBatch = %d runs, %v", len(expired), err)
		}
		var ids []uuid.UUID
		for _, e := range expired {
			ids = append(ids, e.ID)
		}
		if _, err := r.DeleteByIDs(ctx, ids); err != nil {
			t.Fatal(err)
		}
		mustMatch(t, db)
		if _, err := r.DeleteByApp(ctx, g.Tenant(0), g.App(0, 1), 7); err != nil {
			t.Fatal(err)
		}
		mustMatch(t, db)
		if n := count(t, db, `SELECT (SELECT count(*) FROM wflog_run_buckets WHERE app_id = ?) + (SELECT count(*) FROM wflog_run_statuses WHERE app_id = ?) + (SELECT count(*) FROM wflog_run_users WHERE app_id = ?)`,
			g.App(0, 1), g.App(0, 1), g.App(0, 1)); n != 0 {
			t.Errorf("a deleted app keeps %d derived rows", n)
		}
	})
}

// TestSQLiteUpdateInPlace changes versions in place, as wflog never does
// and another writer might: status, tokens, finished_at, created_at (to
// another day) and created_by.
func TestSQLiteUpdateInPlace(t *testing.T) {
	db := testdb.OpenDSN(t, "sqlite://"+filepath.Join(t.TempDir(), "wflog.db")) // without the append-only guard
	ctx := context.Background()
	g := generator(17)
	var all []models.WorkflowRun
	for i := 0; i < 40; i++ {
		all = append(all, g.Run(i).Runs...)
	}
	if err := repo.NewRuns(db).SaveBatch(ctx, all); err != nil {
		t.Fatal(err)
	}
	for _, sql := range []string{
		`UPDATE workflow_runs SET status = 'failed', total_tokens = 1 WHERE id IN (SELECT id FROM workflow_runs LIMIT 5)`,
		`UPDATE workflow_runs SET finished_at = NULL WHERE id IN (SELECT id FROM workflow_runs WHERE finished_at IS NOT NULL LIMIT 5)`,
		`UPDATE workflow_runs SET created_at = substr(created_at, 1, 8) || '28 23:50:00.000000' WHERE id IN (SELECT id FROM workflow_runs LIMIT 3 OFFSET 20)`,
		`UPDATE workflow_runs SET created_by = ? WHERE id IN (SELECT id FROM workflow_runs LIMIT 4 OFFSET 40)`,
	} {
		var args []any
		if strings.Contains(sql, "?") {
			args = append(args, uuid.New())
		}
		if err := db.Exec(sql, args...).Error; err != nil {
			t.Fatal(err)
		}
		mustMatch(t, db)
	}
}

// TestSQLiteVerifyRebuild: drift is reported, with examples, and Rebuild
// puts it right.
func TestSQLiteVerifyRebuild(t *testing.T) {
	db := testdb.OpenSQLite(t)
	ctx := context.Background()
	g := generator(11)
	var all []models.WorkflowRun
	for i := 0; i < 30; i++ {
		all = append(all, g.Run(i).Runs...)
	}
	if err := repo.NewRuns(db).SaveBatch(ctx, all); err != nil {
		t.Fatal(err)
	}
	mustMatch(t, db)
	for _, tamper := range []string{
		`UPDATE wflog_run_buckets SET runs = runs + 1 WHERE (tenant_id, app_id, finished, bucket, triggered_from) = (SELECT tenant_id, app_id, finished, bucket, triggered_from FROM wflog_run_buckets LIMIT 1)`,
		`UPDATE wflog_run_statuses SET status = 'paused' WHERE (tenant_id, app_id, whole_day, start, triggered_from, status) = (SELECT tenant_id, app_id, whole_day, start, triggered_from, status FROM wflog_run_statuses WHERE status <> 'paused' AND runs > 0 LIMIT 1)`,
		`DELETE FROM wflog_run_users WHERE (tenant_id, app_id, finished, day, triggered_from, created_by) = (SELECT tenant_id, app_id, finished, day, triggered_from, created_by FROM wflog_run_users LIMIT 1)`,
		`UPDATE wflog_run_state SET status = 'paused' WHERE id = (SELECT id FROM wflog_run_state WHERE status <> 'paused' LIMIT 1)`,
	} {
		if err := db.Exec(tamper).Error; err != nil {
			t.Fatal(err)
		}
	}
	d, err := rollup.Verify(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	if d.State != 2 || d.Buckets != 2 || d.Statuses != 2 || d.Users != 1 || len(d.Examples) != 7 {
		t.Fatalf("Verify = %+v; want 2 state rows, 2 bucket rows, 2 status rows, 1 user row", d)
	}
	if err := rollup.Rebuild(ctx, db); err != nil {
		t.Fatal(err)
	}
	mustMatch(t, db)
}

// TestSQLiteInstallFillsAndFallback: Install on a file that already has
// runs fills the tables; without them, repositories scan or refuse.
func TestSQLiteInstallFillsAndFallback(t *testing.T) {
	db := testdb.OpenSQLite(t)
	ctx := context.Background()
	for _, sql := range []string{
		`DROP TRIGGER wflog_run_stats_insert`,
		`DROP TRIGGER wflog_run_stats_delete`,
		`DROP TRIGGER wflog_run_stats_update`,
		`DROP TABLE wflog_run_state`, `DROP TABLE wflog_run_buckets`, `DROP TABLE wflog_run_statuses`, `DROP TABLE wflog_run_users`,
	} {
		if err := db.Exec(sql).Error; err != nil {
			t.Fatal(err)
		}
	}
	if ok, err := rollup.Installed(ctx, db); ok || err != nil {
		t.Fatalf("Installed = %v, %v after dropping the tables", ok, err)
	}
	g := generator(13)
	var all []models.WorkflowRun
	for i := 0; i < 40; i++ {
		all = append(all, g.Run(i).Runs...)
	}
	if err := repo.NewRuns(db).SaveBatch(ctx, all); err != nil {
		t.Fatal(err)
	}
	q := repo.CountRuns{TenantID: g.Tenant(0), AppID: g.App(0, 0)}
	want, err := repo.NewRuns(db, repo.WithStatsSource(repo.StatsScan)).CountByStatus(ctx, q)
	if err != nil || want.Total == 0 {
		t.Fatalf("scan: %+v, %v", want, err)
	}
	if got, err := repo.NewRuns(db).CountByStatus(ctx, q); err != nil || fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("StatsAuto without the tables = %+v, %v; want the scan's %+v", got, err, want)
	}
	if _, err := repo.NewRuns(db, repo.WithStatsSource(repo.StatsPreaggregated)).CountByStatus(ctx, q); err == nil || !strings.Contains(err.Error(), "missing") {
		t.Fatalf("StatsPreaggregated without the tables = %v; want an error saying they are missing", err)
	}
	if err := rollup.Rebuild(ctx, db); err == nil {
		t.Fatal("Rebuild without the tables succeeded")
	}
	if err := rollup.Install(ctx, db); err != nil {
		t.Fatal(err)
	}
	if ok, err := rollup.Installed(ctx, db); !ok || err != nil {
		t.Fatalf("Installed = %v, %v after Install", ok, err)
	}
	mustMatch(t, db)
	if err := rollup.Install(ctx, db); err != nil {
		t.Fatal(err)
	}
	got, err := repo.NewRuns(db, repo.WithStatsSource(repo.StatsPreaggregated)).CountByStatus(ctx, q)
	if err != nil || fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("pre-aggregated = %+v, %v; want %+v", got, err, want)
	}
}

// TestSQLiteCompact: SQLite keeps no deltas, so Compact has nothing to do
// and says it is done.
func TestSQLiteCompact(t *testing.T) {
	db := testdb.OpenSQLite(t)
	if done, err := rollup.Compact(context.Background(), db); !done || err != nil {
		t.Fatalf("Compact = %v, %v", done, err)
	}
	mustMatch(t, db)
}

// foreignTimes are valid times in text other than wflog's: what another
// writer (the sqlite3 shell, database/sql with its own formatting) might
// store.
var foreignTimes = []string{
	"2026-01-02T03:04:05Z",
	"2026-01-02T03:04:05.123456Z",
	"2026-01-02 03:04:05+08:00",
	"2026-01-02 03:04:05",
	"2026-01-02 03:04:05.123",
	"2026-01-02 03:04:05.1234567",
	"2026-02-30 03:04:05.000000", // no such day: SQLite reads it as March 2nd
}

// foreignRun is a plain INSERT of a version of run id at created and
// finished (nil for none), as another writer would send it.
func foreignRun(t *testing.T, db *gorm.DB, id uuid.UUID, version int64, created string, finished any) error {
	t.Helper()
	sqlDB, err := db.DB()
	if err != nil {
		t.Fatal(err)
	}
	app := uuid.MustParse("22222222-2222-4222-8222-222222222222")
	_, err = sqlDB.Exec(`INSERT INTO workflow_runs (id, version, tenant_id, app_id, workflow_id, type, triggered_from, workflow_version,
		status, elapsed_time, total_tokens, total_steps, exceptions_count, created_by_role, created_by, created_at, finished_at)
		VALUES (?, ?, ?, ?, ?, 'workflow', 'app-run', '1', 'succeeded', 0, 10, 1, 0, 'end_user', ?, ?, ?)`,
		id.String(), version, app.String(), app.String(), app.String(), app.String(), created, finished)
	return err
}

// TestSQLiteForeignTimeText: a row another writer inserts, or updates,
// with a time in any text but wflog's is refused with an error that says
// which form to use; in wflog's text it is counted where it belongs.
func TestSQLiteForeignTimeText(t *testing.T) {
	db := testdb.OpenDSN(t, "sqlite://"+filepath.Join(t.TempDir(), "wflog.db"))
	const canonical = "2026-01-02 03:04:05.000000"
	for _, text := range foreignTimes {
		for _, c := range []struct {
			column            string
			created, finished any
		}{{"created_at", text, nil}, {"finished_at", canonical, text}} {
			err := foreignRun(t, db, uuid.New(), 1, fmt.Sprint(c.created), c.finished)
			if err == nil || !strings.Contains(err.Error(), "must be UTC text of the form '2006-01-02 15:04:05.000000'") {
				t.Errorf("INSERT with %s %q = %v; want the guard's error", c.column, text, err)
			}
		}
	}
	if err := db.Exec(`INSERT INTO workflow_node_executions (id, version, tenant_id, app_id, workflow_id, triggered_from, "index", node_id, node_type, title,
		status, elapsed_time, created_by_role, created_by, created_at) VALUES ('n', 1, 't', 'a', 'w', 'app-run', 1, 'n', 'llm', 'x', 'succeeded', 0, 'end_user', 'u', ?)`,
		foreignTimes[0]).Error; err == nil || !strings.Contains(err.Error(), "workflow_node_executions.created_at") {
		t.Errorf("INSERT of a node execution with created_at %q = %v; want the guard's error", foreignTimes[0], err)
	}

	id := uuid.New()
	if err := foreignRun(t, db, id, 1, canonical, canonical); err != nil {
		t.Fatalf("INSERT in wflog's text: %v", err)
	}
	if n := count(t, db, `SELECT count(*) FROM wflog_run_buckets WHERE bucket = '2026-01-02 03:00:00.000000' AND runs = 1`); n != 2 {
		t.Errorf("%d bucket rows (all, finished) for the 03:00 bucket, want 2", n)
	}
	if err := db.Exec(`UPDATE workflow_runs SET created_at = ? WHERE id = ?`, foreignTimes[2], id.String()).Error; err == nil ||
		!strings.Contains(err.Error(), "must be UTC text") {
		t.Errorf("UPDATE to created_at %q = %v; want the guard's error", foreignTimes[2], err)
	}
	mustMatch(t, db)
}

// TestSQLiteTimeTextOldFile: a file from before the guards (they are
// dropped here, which leaves the schema as it was) may hold another
// writer's times. Verify and Rebuild say so instead of agreeing with the
// triggers' misplaced counts; Migrate adds the guards; the rewrite that
// Verify's error suggests puts the run in its bucket.
func TestSQLiteTimeTextOldFile(t *testing.T) {
	path := "sqlite://" + filepath.Join(t.TempDir(), "wflog.db")
	db := testdb.OpenDSN(t, path)
	ctx := context.Background()
	for _, g := range []string{"wflog_runs_time_text_insert", "wflog_runs_time_text_update", "wflog_node_executions_time_text_insert", "wflog_node_executions_time_text_update"} {
		if err := db.Exec(`DROP TRIGGER ` + g).Error; err != nil {
			t.Fatal(err)
		}
	}
	id := uuid.New()
	// 03:04:05 at +08:00 is 19:04:05 UTC the day before.
	if err := foreignRun(t, db, id, 1, "2026-01-02 03:04:05+08:00", nil); err != nil {
		t.Fatalf("INSERT without the guards: %v", err)
	}
	if _, err := rollup.Verify(ctx, db); !errors.Is(err, rollup.ErrTimeText) || !strings.Contains(err.Error(), id.String()) {
		t.Fatalf("Verify = %v; want ErrTimeText naming run %s", err, id)
	}
	if err := rollup.Rebuild(ctx, db); !errors.Is(err, rollup.ErrTimeText) {
		t.Fatalf("Rebuild = %v; want ErrTimeText", err)
	}

	if err := wflog.Migrate(ctx, db); err != nil {
		t.Fatalf("Migrate on the old file: %v", err)
	}
	if err := foreignRun(t, db, uuid.New(), 1, "2026-01-02T03:04:05Z", nil); err == nil {
		t.Error("after Migrate, INSERT of another writer's time succeeded")
	}
	if err := db.Exec(`UPDATE workflow_runs SET created_at = strftime('%Y-%m-%d %H:%M:%f000', created_at) WHERE id = ?`, id.String()).Error; err != nil {
		t.Fatal(err)
	}
	if err := rollup.Rebuild(ctx, db); err != nil {
		t.Fatal(err)
	}
	mustMatch(t, db)
	if n := count(t, db, `SELECT count(*) FROM wflog_run_buckets WHERE bucket = '2026-01-01 19:00:00.000000' AND runs = 1 AND finished = 0`); n != 1 {
		t.Errorf("the rewritten run is not in the 19:00 UTC bucket of January 1st (%d rows)", n)
	}
}
