package rollup_test

import (
	"context"
	"flag"
	"slices"
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

var fillRuns = flag.Int("fill.runs", 100000, "BenchmarkFillWhileSaving: runs (3 versions each) in workflow_runs before the statistics tables are installed")

// BenchmarkFillWhileSaving installs the statistics tables on a
// workflow_runs that already holds -fill.runs runs, while a writer saves
// one run at a time, and then rebuilds them (which holds writers back) the
// same way. It reports how long each took and what the writer saw
// meanwhile: saves per second, the median and the slowest save — and the
// same for 10 s of the writer alone (the triggers absent), for comparison.
//
//	go test ./rollup -run '^$' -bench FillWhileSaving -benchtime 1x -fill.runs 300000
func BenchmarkFillWhileSaving(b *testing.B) {
	db, _ := testdb.Open(b)
	uninstall(b, db)
	ctx := context.Background()
	g := workload.New(workload.Config{Seed: 9, Tenants: 1, AppsPerTenant: 20, Users: 50, Days: 30, Versions: 3, PayloadBytes: 500,
		Start: time.Now().UTC().Add(-30 * 24 * time.Hour)})
	runs := repo.NewRuns(db)
	var batch []models.WorkflowRun
	for i := 0; i < *fillRuns; i++ {
		batch = append(batch, g.Run(i).Runs...)
		if len(batch) >= 30000 || i == *fillRuns-1 {
			if err := runs.SaveBatch(ctx, batch); err != nil {
				b.Fatal(err)
			}
			batch = batch[:0]
		}
	}
	if err := db.Exec(`VACUUM ANALYZE workflow_runs`).Error; err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if i > 0 {
			uninstall(b, db)
		}
		// What the writer sees alone, in the same conditions: the machine's
		// own stalls, which the two below also include.
		measure(b, db, "alone", func() error { time.Sleep(10 * time.Second); return nil })
		measure(b, db, "fill", func() error { return rollup.Install(ctx, db) })
		measure(b, db, "rebuild", func() error { return rollup.Rebuild(ctx, db) })
	}
}

// measure runs op while a writer saves runs one at a time, and reports
// op's seconds and the writer's saves/s, median and slowest save.
func measure(b *testing.B, db *gorm.DB, name string, op func() error) {
	b.Helper()
	r := repo.NewRuns(db)
	tenant, app := uuid.New(), uuid.New()
	stop := make(chan struct{})
	var lat []time.Duration
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			run := models.WorkflowRun{ID: uuid.New(), TenantID: tenant, AppID: app, WorkflowID: app, Type: models.WorkflowTypeWorkflow,
				TriggeredFrom: models.RunFromAppRun, WorkflowVersion: "1", Status: models.RunRunning,
				CreatedByRole: models.CreatedByEndUser, CreatedBy: tenant, CreatedAt: time.Now().UTC()}
			start := time.Now()
			if err := r.Save(context.Background(), &run); err != nil {
				b.Error(err)
				return
			}
			lat = append(lat, time.Since(start))
		}
	}()
	time.Sleep(200 * time.Millisecond) // the writer is under way first
	start := time.Now()
	err := op()
	took := time.Since(start)
	close(stop)
	wg.Wait()
	if err != nil {
		b.Fatal(err)
	}
	slices.Sort(lat)
	b.ReportMetric(took.Seconds(), name+"-s")
	if len(lat) == 0 {
		return
	}
	b.ReportMetric(float64(len(lat))/(took+200*time.Millisecond).Seconds(), name+"-saves/s")
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, name+"-save-p50-ms")
	b.ReportMetric(float64(lat[len(lat)-1].Microseconds())/1000, name+"-save-max-ms")
}
