package rollup_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/wflog/wflog/models"
	"github.com/wflog/wflog/repo"
	"github.com/wflog/wflog/wflogtest"
)

// BenchmarkSQLiteSave measures what the statistics triggers cost Save on
// SQLite (one writer; each op a run's first version, then its finished
// one, in one app of 50 users), with the triggers and without them:
//
//	go test ./rollup -run '^$' -bench SQLiteSave -benchtime 2000x -count 3
func BenchmarkSQLiteSave(b *testing.B) {
	for _, c := range []struct{ triggers, prepared bool }{{true, false}, {false, false}, {true, true}, {false, true}} {
		triggers := c.triggers
		name := "triggers"
		if !triggers {
			name = "no-triggers"
		}
		if c.prepared {
			name += "-prepared"
		}
		b.Run(name, func(b *testing.B) {
			db := wflogtest.SQLite(b)
			if !triggers {
				for _, t := range []string{"insert", "delete"} {
					if err := db.Exec(`DROP TRIGGER wflog_run_stats_` + t).Error; err != nil {
						b.Fatal(err)
					}
				}
			}
			if c.prepared {
				db = db.Session(&gorm.Session{PrepareStmt: true})
			}
			runs := repo.NewRuns(db)
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
				r := models.WorkflowRun{TenantID: tenant, AppID: app, WorkflowID: app, Type: models.WorkflowTypeWorkflow,
					TriggeredFrom: models.RunFromAppRun, WorkflowVersion: "1", Status: models.RunRunning,
					CreatedByRole: models.CreatedByEndUser, CreatedBy: users[i%len(users)], CreatedAt: now}
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
