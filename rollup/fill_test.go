package rollup_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/wflog/wflog/internal/testdb"
	"github.com/wflog/wflog/models"
	"github.com/wflog/wflog/repo"
	"github.com/wflog/wflog/rollup"
)

// uninstall drops the statistics tables and their triggers, as on a
// database migrated before they existed.
func uninstall(t testing.TB, db *gorm.DB) {
	t.Helper()
	for _, sql := range []string{
		`DROP TRIGGER wflog_run_stats_insert ON workflow_runs`,
		`DROP TRIGGER wflog_run_stats_delete ON workflow_runs`,
		`DROP TRIGGER wflog_run_stats_update ON workflow_runs`,
		`DROP TRIGGER wflog_run_stats_truncate ON workflow_runs`,
		`DROP TABLE wflog_run_state, wflog_run_buckets, wflog_run_statuses, wflog_run_users,
			wflog_run_bucket_deltas, wflog_run_status_deltas, wflog_run_user_deltas, wflog_run_stats_fill CASCADE`,
	} {
		if err := db.Exec(sql).Error; err != nil {
			t.Fatal(err)
		}
	}
}

// fillWorkload is a database whose workflow_runs already holds runs
// (without the statistics tables), and the versions still to come.
type fillWorkload struct {
	db, other *gorm.DB
	apps      []repo.Stats
	later     [][]models.WorkflowRun // per run: versions saved while the fill runs
	newRuns   [][]models.WorkflowRun // runs that start while the fill runs
}

func newFillWorkload(t *testing.T, seed uint64, runs int) *fillWorkload {
	t.Helper()
	db, schema := testdb.Open(t)
	dsn, err := testdb.SchemaDSN(schema)
	if err != nil {
		t.Fatal(err)
	}
	w := &fillWorkload{db: db, other: testdb.OpenDSN(t, dsn)}
	uninstall(t, db)
	g := generator(seed)
	var before []models.WorkflowRun
	for i := 0; i < runs; i++ {
		h := g.Run(i).Runs
		// Some runs are complete before the triggers, some have versions
		// still to come — among them a run resumed after it finished,
		// whose finished version only the fill sees.
		k := 1 + i%len(h)
		before = append(before, h[:k]...)
		w.later = append(w.later, h[k:])
	}
	for i := runs; i < runs+runs/3; i++ {
		w.newRuns = append(w.newRuns, g.Run(i).Runs)
	}
	if err := repo.NewRuns(db).SaveBatch(context.Background(), before); err != nil {
		t.Fatal(err)
	}
	for a := 0; a < g.Apps(); a++ {
		w.apps = append(w.apps, repo.Stats{TenantID: g.Tenant(0), AppID: g.App(0, a), From: start.Add(-24 * time.Hour), To: start.Add(5 * 24 * time.Hour), Location: time.UTC})
	}
	return w
}

// write runs the workload's remaining writes from several goroutines over
// two pools until they are done or stop closes: new versions of existing
// runs, new runs, older versions arriving late (as a copy of history
// writes them) and deletes. It returns how many writes it made.
func (w *fillWorkload) write(t *testing.T, stop <-chan struct{}) (writes int64) {
	t.Helper()
	ctx := context.Background()
	work := make(chan func(*repo.Runs, *gorm.DB) error)
	go func() {
		defer close(work)
		send := func(f func(*repo.Runs, *gorm.DB) error) bool {
			select {
			case work <- f:
				return true
			case <-stop:
				return false
			}
		}
		for i := range w.later {
			for _, v := range w.later[i] {
				v := v
				if !send(func(r *repo.Runs, _ *gorm.DB) error { return r.Save(ctx, &v) }) {
					return
				}
			}
			if i < len(w.newRuns) {
				batch := w.newRuns[i]
				if !send(func(r *repo.Runs, _ *gorm.DB) error { return r.SaveBatch(ctx, batch) }) {
					return
				}
			}
			id := w.later[i]
			switch {
			case i%7 == 3 && len(id) > 0:
				// An older version than any the run has, arriving late.
				if !send(func(_ *repo.Runs, db *gorm.DB) error {
					return db.Exec(`INSERT INTO workflow_runs SELECT (jsonb_populate_record(r, jsonb_build_object('version', r.version - 1000, 'status', 'running', 'finished_at', null))).*
FROM workflow_runs r WHERE id = ? ORDER BY version LIMIT 1`, id[0].ID).Error
				}) {
					return
				}
			case i%11 == 5 && len(id) > 0:
				if !send(func(r *repo.Runs, _ *gorm.DB) error {
					_, err := r.DeleteByIDs(ctx, []uuid.UUID{id[0].ID})
					return err
				}) {
					return
				}
			}
		}
	}()
	var wg sync.WaitGroup
	var n atomic.Int64
	for k := 0; k < 6; k++ {
		db := w.db
		if k%2 == 1 {
			db = w.other
		}
		r := repo.NewRuns(db)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for f := range work {
				if err := f(r, db); err != nil {
					t.Error(err)
					return
				}
				n.Add(1)
			}
		}()
	}
	wg.Wait()
	return n.Load()
}

// mustAgree fails unless every statistic of every app is the same from the
// tables and from the scan.
func (w *fillWorkload) mustAgree(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	for _, s := range w.apps {
		got, err := everyStatistic(ctx, repo.NewRuns(w.db, repo.WithStatsSource(repo.StatsPreaggregated)), s)
		if err != nil {
			t.Fatal(err)
		}
		want, err := everyStatistic(ctx, repo.NewRuns(w.db, repo.WithStatsSource(repo.StatsScan)), s)
		if err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Fatalf("app %s: the tables say\n%s\nand the scan\n%s", s.AppID, got, want)
		}
	}
}

// TestOnlineFill installs the statistics tables on a workflow_runs that
// already holds runs while writers keep writing — new versions of those
// runs, new runs, late older versions, deletes — and checks that writes
// commit between the fill's chunks (the fill never holds writers back for
// its whole length) and that the tables come out exact.
func TestOnlineFill(t *testing.T) {
	w := newFillWorkload(t, 21, 240)
	ctx := context.Background()
	probe := repo.NewRuns(w.other)
	var chunks, probes atomic.Int64
	defer rollup.SetFillChunk(1, func(p rollup.FillProgress) {
		// Between two chunks, a write by another connection commits at
		// once, and the tables are not read yet.
		if chunks.Add(1)%5 != 2 || p.Done {
			return
		}
		c, cancel := context.WithTimeout(ctx, 20*time.Second)
		defer cancel()
		v := w.newRuns[0][0]
		v.ID = uuid.New()
		if err := probe.Save(c, &v); err != nil {
			t.Errorf("a write between two chunks of the fill: %v", err)
		}
		if ok, err := rollup.Installed(c, w.db); ok || err != nil {
			t.Errorf("Installed = %v, %v during the fill", ok, err)
		}
		probes.Add(1)
	})()

	stop := make(chan struct{})
	done := make(chan int64)
	go func() { done <- w.write(t, stop) }()
	err := rollup.Install(ctx, w.db)
	close(stop)
	writes := <-done
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d chunks, %d writes by the writers, %d probes", chunks.Load(), writes, probes.Load())
	if probes.Load() == 0 {
		t.Fatal("the fill ran in fewer chunks than the test needs")
	}
	// The writers may not have finished: finish their work, then check.
	w.write(t, nil)
	if ok, err := rollup.Installed(ctx, w.db); !ok || err != nil {
		t.Fatalf("Installed = %v, %v after Install", ok, err)
	}
	mustMatch(t, w.db)
	w.mustAgree(t)
}

// TestFillResumes interrupts an online fill, checks that repositories scan
// meanwhile and Verify says why it cannot check, and lets two Fills finish
// it at once.
func TestFillResumes(t *testing.T) {
	w := newFillWorkload(t, 22, 150)
	ctx, cancel := context.WithCancel(context.Background())
	var chunks atomic.Int64
	restore := rollup.SetFillChunk(1, func(p rollup.FillProgress) {
		if chunks.Add(1) == 3 {
			cancel()
		}
	})
	defer restore()
	err := rollup.Install(ctx, w.db)
	if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "resumes") {
		t.Fatalf("Install cancelled after 3 chunks = %v; want context.Canceled saying the fill resumes", err)
	}
	bg := context.Background()
	if ok, err := rollup.Installed(bg, w.db); ok || err != nil {
		t.Fatalf("Installed = %v, %v with the fill interrupted", ok, err)
	}
	if _, err := rollup.Verify(bg, w.db); !errors.Is(err, rollup.ErrFilling) {
		t.Fatalf("Verify during the fill = %v; want ErrFilling", err)
	}
	s := w.apps[0]
	if _, err := repo.NewRuns(w.db, repo.WithStatsSource(repo.StatsPreaggregated)).DailyRuns(bg, s); err == nil {
		t.Fatal("StatsPreaggregated read tables that are still being filled")
	}
	got, err := everyStatistic(bg, repo.NewRuns(w.db), s)
	if err != nil {
		t.Fatal(err)
	}
	want, err := everyStatistic(bg, repo.NewRuns(w.db, repo.WithStatsSource(repo.StatsScan)), s)
	if err != nil || got != want {
		t.Fatalf("StatsAuto during the fill:\n%s\nthe scan:\n%s%v", got, want, err)
	}

	w.write(t, nil) // writes while no fill runs at all
	var wg sync.WaitGroup
	var progress [2][]rollup.FillProgress
	for k, db := range []*gorm.DB{w.db, w.other} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := rollup.Fill(bg, db, func(p rollup.FillProgress) { progress[k] = append(progress[k], p) }); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	for k, ps := range progress {
		if len(ps) == 0 || !ps[len(ps)-1].Done {
			t.Fatalf("Fill %d reported %v; want progress ending in Done", k, ps)
		}
		for i := 1; i < len(ps)-1; i++ { // the last may be another Fill's end
			if ps[i].Pages < ps[i-1].Pages {
				t.Fatalf("Fill %d went backwards: %v", k, ps)
			}
		}
	}
	if ok, err := rollup.Installed(bg, w.db); !ok || err != nil {
		t.Fatalf("Installed = %v, %v after Fill", ok, err)
	}
	mustMatch(t, w.db)
	w.mustAgree(t)
	if err := rollup.Fill(bg, w.db, nil); err != nil { // nothing left: returns at once
		t.Fatal(err)
	}
}

// TestInstallRefillsOlderContents: tables filled by an older wflog, without
// the rows that count all triggers together, are filled again by Install.
func TestInstallRefillsOlderContents(t *testing.T) {
	w := newFillWorkload(t, 23, 60)
	ctx := context.Background()
	if err := rollup.Install(ctx, w.db); err != nil {
		t.Fatal(err)
	}
	if v := count(t, w.db, `SELECT wflog_run_stats_schema()`); v != rollup.ContentsVersion {
		t.Fatalf("schema.sql says its contents are version %d, rollup.go %d", v, rollup.ContentsVersion)
	}
	w.write(t, nil)
	mustMatch(t, w.db)
	for _, sql := range []string{
		`DROP FUNCTION wflog_run_stats_schema()`,
		`DELETE FROM wflog_run_buckets WHERE triggered_from = '*'`,
		`DELETE FROM wflog_run_bucket_deltas WHERE triggered_from = '*'`,
		`DELETE FROM wflog_run_users WHERE triggered_from = '*'`,
		`DELETE FROM wflog_run_user_deltas WHERE triggered_from = '*'`,
	} {
		if err := w.db.Exec(sql).Error; err != nil {
			t.Fatal(err)
		}
	}
	if d, err := rollup.Verify(ctx, w.db); err != nil || d.None() {
		t.Fatalf("Verify of the older contents = %v, %v; want a difference", d, err)
	}
	if err := rollup.Install(ctx, w.db); err != nil {
		t.Fatal(err)
	}
	if ok, err := rollup.Installed(ctx, w.db); !ok || err != nil {
		t.Fatalf("Installed = %v, %v after Install", ok, err)
	}
	mustMatch(t, w.db)
	w.mustAgree(t)
}
