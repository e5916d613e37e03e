package rollup_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/wflog/wflog/internal/testdb"
	"github.com/wflog/wflog/models"
	"github.com/wflog/wflog/repo"
)

// BenchmarkConcurrentSaves measures what the statistics triggers cost
// writers that share one app, and so the same buckets: 16 goroutines save
// runs — each op a first version, then a finished one — with the triggers
// and without them; and, for comparison, one goroutine alone (serial):
//
//	go test ./rollup -run '^$' -bench ConcurrentSaves -benchtime 1000x -count 2
func BenchmarkConcurrentSaves(b *testing.B) {
	for _, c := range []struct {
		triggers bool
		parallel int
	}{{true, 8}, {false, 8}, {true, 0}, {false, 0}} {
		name, triggers := "triggers", c.triggers
		if !triggers {
			name = "no-triggers"
		}
		if c.parallel == 0 {
			name = "serial/" + name
		}
		b.Run(name, func(b *testing.B) {
			db, _ := testdb.Open(b)
			if !triggers {
				for _, t := range []string{"insert", "delete", "update", "truncate"} {
					if err := db.Exec(`DROP TRIGGER wflog_run_stats_` + t + ` ON workflow_runs`).Error; err != nil {
						b.Fatal(err)
					}
				}
			}
			runs := repo.NewRuns(db)
			tenant, app := uuid.New(), uuid.New()
			users := make([]uuid.UUID, 50)
			for i := range users {
				users[i] = uuid.New()
			}
			ctx := context.Background()
			var n atomic.Int64
			save := func() bool {
				i := n.Add(1)
				now := time.Now().UTC()
				r := models.WorkflowRun{TenantID: tenant, AppID: app, WorkflowID: app, Type: models.WorkflowTypeWorkflow,
					TriggeredFrom: models.RunFromAppRun, WorkflowVersion: "1", Status: models.RunRunning,
					CreatedByRole: models.CreatedByEndUser, CreatedBy: users[i%int64(len(users))], CreatedAt: now}
				if err := runs.Save(ctx, &r); err != nil {
					b.Error(err)
					return false
				}
				r.Status, r.TotalTokens, r.FinishedAt = models.RunSucceeded, 100, &now
				if err := runs.Save(ctx, &r); err != nil {
					b.Error(err)
					return false
				}
				return true
			}
			b.ResetTimer()
			if c.parallel == 0 {
				for i := 0; i < b.N && save(); i++ {
				}
				return
			}
			b.SetParallelism(c.parallel) // 16 goroutines on 2 CPUs
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() && save() {
				}
			})
		})
	}
}
