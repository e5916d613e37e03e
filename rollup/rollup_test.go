package rollup_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/wflog/wflog/internal/testdb"
	"github.com/wflog/wflog/internal/workload"
	"github.com/wflog/wflog/models"
	"github.com/wflog/wflog/repo"
	"github.com/wflog/wflog/rollup"
)

var start = time.Date(2026, 10, 30, 20, 0, 0, 0, time.UTC)

func generator(seed uint64) *workload.Generator {
	return workload.New(workload.Config{Seed: seed, Tenants: 1, AppsPerTenant: 2, Users: 5, Days: 3, TiesEvery: 4, Start: start})
}

// mustMatch fails the test unless the derived tables match workflow_runs.
func mustMatch(t *testing.T, db *gorm.DB) {
	t.Helper()
	d, err := rollup.Verify(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	if !d.None() {
		t.Fatalf("%v:\n%s", d, strings.Join(d.Examples, "\n"))
	}
}

func count(t *testing.T, db *gorm.DB, sql string, args ...any) int64 {
	t.Helper()
	var n int64
	if err := db.Raw(sql, args...).Scan(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}

// TestConcurrentWriters saves the versions of the same runs from many
// goroutines over two pools at once (to PostgreSQL, two processes), in no
// particular order — so older versions often arrive after newer ones —
// some one at a time and some in batches, and checks that the derived
// tables come out exact.
func TestConcurrentWriters(t *testing.T) {
	db, schema := testdb.Open(t)
	dsn, err := testdb.SchemaDSN(schema)
	if err != nil {
		t.Fatal(err)
	}
	other := testdb.OpenDSN(t, dsn)
	ctx := context.Background()
	g := generator(3)
	const runs, writers = 120, 8
	var versions []models.WorkflowRun
	for i := 0; i < runs; i++ {
		versions = append(versions, g.Run(i).Runs...)
	}
	// Each write takes its version just before its INSERT, so writers
	// racing each other often commit an older version after a newer one.
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

// TestSameRunRace saves many versions of one run at once from every
// writer: the row lock on the run's state serializes them.
func TestSameRunRace(t *testing.T) {
	db, _ := testdb.Open(t)
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
	for _, trigger := range []string{string(base.TriggeredFrom), rollup.AllTriggers} {
		if n := count(t, db, `SELECT sum(runs) FROM wflog_run_buckets_now WHERE NOT finished AND triggered_from = ?`, trigger); n != 1 {
			t.Fatalf("the run counts %d times under %q, want once", n, trigger)
		}
	}
	mustMatch(t, db)
}

// TestOtherWriters writes as something other than wflog would: plain
// INSERTs with versions out of order, an in-place UPDATE, deletes of some
// versions, retention, and TRUNCATE. The triggers see them all.
func TestOtherWriters(t *testing.T) {
	db, schema := testdb.Open(t)
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
		// A version older than the run's latest, and a terminal one older
		// than its latest terminal one: neither changes the statistics.
		err := db.Exec(`INSERT INTO workflow_runs SELECT id, version - 1, tenant_id, app_id, workflow_id, type, triggered_from, workflow_version, graph, inputs, outputs,
			'stopped', error, elapsed_time, total_tokens + 7, total_steps, exceptions_count, created_by_role, created_by, created_at, coalesce(finished_at, created_at)
			FROM workflow_runs r WHERE NOT EXISTS (SELECT 1 FROM workflow_runs n WHERE n.id = r.id AND n.version = r.version - 1)`).Error
		if err != nil {
			t.Fatal(err)
		}
		mustMatch(t, db)
	})
	t.Run("AnotherSearchPath", func(t *testing.T) {
		// A session whose search_path is not the schema's.
		admin := testdb.Admin(t)
		if err := admin.Exec(ctx, `INSERT INTO `+schema+`.workflow_runs SELECT gen_random_uuid(), version, tenant_id, app_id, workflow_id, type, triggered_from, workflow_version,
			graph, inputs, outputs, status, error, elapsed_time, total_tokens, total_steps, exceptions_count, created_by_role, created_by, created_at, finished_at
			FROM `+schema+`.workflow_runs LIMIT 20`).Close(); err != nil {
			t.Fatal(err)
		}
		mustMatch(t, db)
	})
	t.Run("UpdateInPlace", func(t *testing.T) {
		if err := db.Exec(`UPDATE workflow_runs SET status = 'failed', total_tokens = 1 WHERE id IN (SELECT id FROM workflow_runs LIMIT 5)`).Error; err != nil {
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
		if n := count(t, db, `SELECT (SELECT count(*) FROM wflog_run_buckets WHERE app_id = ?) + (SELECT count(*) FROM wflog_run_statuses WHERE app_id = ?)`, g.App(0, 1), g.App(0, 1)); n != 0 {
			t.Errorf("a deleted app keeps %d count rows", n)
		}
	})
	t.Run("Truncate", func(t *testing.T) {
		if err := db.Exec(`TRUNCATE workflow_runs`).Error; err != nil {
			t.Fatal(err)
		}
		mustMatch(t, db)
		if n := count(t, db, `SELECT (SELECT count(*) FROM wflog_run_state) + (SELECT count(*) FROM wflog_run_buckets) + (SELECT count(*) FROM wflog_run_statuses) + (SELECT count(*) FROM wflog_run_users)`); n != 0 {
			t.Errorf("%d derived rows after TRUNCATE", n)
		}
	})
}

// TestVerifyRebuild: a derived table that drifts is reported, with
// examples, and Rebuild puts it right.
func TestVerifyRebuild(t *testing.T) {
	db, _ := testdb.Open(t)
	ctx := context.Background()
	g := generator(11)
	var all []models.WorkflowRun
	for i := 0; i < 30; i++ {
		all = append(all, g.Run(i).Runs...)
	}
	if err := repo.NewRuns(db).SaveBatch(ctx, all); err != nil {
		t.Fatal(err)
	}
	mustMatch(t, db) // counts and pending deltas together
	// Fold the deltas, so that the counters below have rows to tamper with.
	if done, err := rollup.Compact(ctx, db); err != nil || !done {
		t.Fatalf("Compact = %v, %v", done, err)
	}
	if n := count(t, db, `SELECT (SELECT count(*) FROM wflog_run_bucket_deltas) + (SELECT count(*) FROM wflog_run_status_deltas) + (SELECT count(*) FROM wflog_run_user_deltas)`); n != 0 {
		t.Fatalf("%d deltas left after Compact", n)
	}
	mustMatch(t, db)
	for _, tamper := range []string{
		`UPDATE wflog_run_buckets SET runs = runs + 1 WHERE ctid = (SELECT min(ctid) FROM wflog_run_buckets)`,
		`UPDATE wflog_run_statuses SET status = 'paused' WHERE ctid = (SELECT min(ctid) FROM wflog_run_statuses)`,
		`DELETE FROM wflog_run_users WHERE ctid = (SELECT min(ctid) FROM wflog_run_users)`,
		`UPDATE wflog_run_state SET status = 'paused' WHERE ctid = (SELECT min(ctid) FROM wflog_run_state)`,
	} {
		if err := db.Exec(tamper).Error; err != nil {
			t.Fatal(err)
		}
	}
	d, err := rollup.Verify(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	// A changed row is an extra row and a missing one.
	if d.State != 2 || d.Buckets != 2 || d.Statuses != 2 || d.Users != 1 || len(d.Examples) != 7 {
		t.Fatalf("Verify = %+v; want 2 state rows, 2 bucket rows, 2 status rows, 1 user row", d)
	}
	if err := rollup.Rebuild(ctx, db); err != nil {
		t.Fatal(err)
	}
	mustMatch(t, db)
}

// TestInstallFillsAndFallback: Install on a table that already has runs
// fills the tables; without them, repositories scan (StatsAuto) or refuse
// (StatsPreaggregated).
func TestInstallFillsAndFallback(t *testing.T) {
	db, _ := testdb.Open(t)
	ctx := context.Background()
	uninstall(t, db)
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
	if err := rollup.Install(ctx, db); err != nil { // again: nothing changes
		t.Fatal(err)
	}
	got, err := repo.NewRuns(db, repo.WithStatsSource(repo.StatsPreaggregated)).CountByStatus(ctx, q)
	if err != nil || fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("pre-aggregated = %+v, %v; want %+v", got, err, want)
	}
}
