package wflog_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/wflog/wflog/internal/dialect"
	"github.com/wflog/wflog/internal/testdb"
	"github.com/wflog/wflog/models"
	"github.com/wflog/wflog/repo"
)

// TestRepositoryFlows pins, through sqlmock, every statement the two
// end-to-end flows send on each backend: a workflow engine running a run,
// and a console reading it (testdata/; go test -run TestRepositoryFlows
// -update rewrites). Reads answer with no rows; the integration tests
// check answers.
func TestRepositoryFlows(t *testing.T) {
	var (
		tenant   = uuid.MustParse("11111111-1111-4111-8111-111111111111")
		app      = uuid.MustParse("22222222-2222-4222-8222-222222222222")
		runID    = uuid.MustParse("0193a1b2-0000-7000-8000-000000000001")
		nodeID   = uuid.MustParse("0193a1b2-0000-7000-8000-0000000000aa")
		started  = time.Date(2026, 11, 26, 8, 0, 0, 0, time.UTC)
		finished = started.Add(42 * time.Second)
		ctx      = context.Background()
	)
	flows := map[string]func(db *gorm.DB) error{
		// The engine: start a run, execute a node (running, succeeded), finish.
		"Engine": func(db *gorm.DB) error {
			runs, nodes := repo.NewRuns(db), repo.NewNodeExecutions(db)
			run := models.WorkflowRun{ID: runID, TenantID: tenant, AppID: app, WorkflowID: uuid.MustParse("33333333-3333-4333-8333-333333333333"),
				Type: models.WorkflowTypeWorkflow, TriggeredFrom: models.RunFromAppRun, WorkflowVersion: "v1", Status: models.RunRunning,
				CreatedByRole: models.CreatedByEndUser, CreatedBy: uuid.MustParse("44444444-4444-4444-8444-444444444444"), CreatedAt: started}
			if err := runs.Save(ctx, &run); err != nil {
				return err
			}
			node := models.WorkflowNodeExecution{ID: nodeID, TenantID: tenant, AppID: app, WorkflowID: run.WorkflowID,
				TriggeredFrom: models.NodeFromWorkflowRun, WorkflowRunID: &run.ID, Index: 1, NodeID: "llm", NodeType: "llm", Title: "LLM",
				Status: models.NodeRunning, CreatedByRole: run.CreatedByRole, CreatedBy: run.CreatedBy, CreatedAt: started}
			if err := nodes.Save(ctx, &node); err != nil {
				return err
			}
			node.Status, node.FinishedAt, node.ElapsedTime = models.NodeSucceeded, &finished, 42
			if err := nodes.Save(ctx, &node); err != nil {
				return err
			}
			run.Status, run.FinishedAt, run.TotalTokens, run.TotalSteps = models.RunSucceeded, &finished, 420, 1
			return runs.Save(ctx, &run)
		},
		// The console: the newest runs, one run and its nodes, counts, a chart.
		"Console": func(db *gorm.DB) error {
			runs, nodes := repo.NewRuns(db), repo.NewNodeExecutions(db)
			if _, err := runs.List(ctx, repo.ListRuns{TenantID: tenant, AppID: app, Limit: 20}); err != nil {
				return err
			}
			if _, err := runs.Get(ctx, tenant, app, runID); !errors.Is(err, repo.ErrNotFound) {
				return err // the stand-in has no rows
			}
			if _, err := nodes.ListByRun(ctx, tenant, app, runID, repo.NodeOrder{}); err != nil {
				return err
			}
			if _, err := runs.CountByStatus(ctx, repo.CountRuns{TenantID: tenant, AppID: app}); err != nil {
				return err
			}
			_, err := runs.DailyTokenCosts(ctx, repo.Stats{TenantID: tenant, AppID: app, From: started.AddDate(0, 0, -7), To: started, FinishedOnly: true})
			return err
		},
	}
	for _, name := range []string{"Engine", "Console"} {
		t.Run(name, func(t *testing.T) {
			for _, b := range []dialect.Backend{dialect.PostgreSQL, dialect.LogStore, dialect.SQLite} {
				t.Run(b.String(), func(t *testing.T) {
					stmts, err := testdb.Golden(t, b, flows[name])
					if err != nil {
						t.Fatal(err)
					}
					if len(stmts) == 0 {
						t.Fatal("the flow sent nothing")
					}
				})
			}
		})
	}
}
