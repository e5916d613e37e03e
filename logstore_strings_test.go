package wflog_test

import (
	"context"
	"database/sql"
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/wflog/wflog"
	"github.com/wflog/wflog/dialect/logstoresql"
	"github.com/wflog/wflog/internal/dialect"
	"github.com/wflog/wflog/internal/testdb"
	"github.com/wflog/wflog/logstoretest"
	"github.com/wflog/wflog/models"
	"github.com/wflog/wflog/repo"
)

// TestLogStoreStoresStrings: on the emulator's text storage (LogStore keeps a
// string per field, no NULL), a running run's empty fields are written as
// the empty string, read back as nil, and finished-only statistics do not count it —
// and the same holds when the store keeps NULL (typed storage, and the
// driver told to send NULL).
func TestLogStoreStoresStrings(t *testing.T) {
	for _, name := range []string{"strings", "nulls"} {
		t.Run(name, func(t *testing.T) {
			relax := map[string]logstoretest.Rule{"strings": 0, "nulls": logstoretest.RuleTextStorage}[name]
			srv, db := emulator(t, relax, nil)
			if name == "nulls" {
				inner, err := logstoresql.SimpleProtocol(srv.PostgresDSN())
				if err != nil {
					t.Fatal(err)
				}
				pool := sql.OpenDB(logstoresql.WrapWith(inner, logstoresql.Options{KeepNULL: true}))
				t.Cleanup(func() { _ = pool.Close() })
				if db, err = wflog.OpenDB(dialect.New(dialect.Config{Backend: dialect.LogStore}), pool); err != nil {
					t.Fatal(err)
				}
			}
			ctx := context.Background()
			tenant, app := uuid.New(), uuid.New()
			day := time.Date(2026, 11, 26, 8, 0, 0, 0, time.UTC)
			runs, nodes := repo.NewRuns(db), repo.NewNodeExecutions(db)
			mk := func(status models.RunStatus, finished *time.Time) *models.WorkflowRun {
				return &models.WorkflowRun{ID: uuid.New(), TenantID: tenant, AppID: app, WorkflowID: uuid.New(),
					Type: models.WorkflowTypeWorkflow, TriggeredFrom: models.RunFromAppRun, Status: status,
					CreatedByRole: models.CreatedByAccount, CreatedBy: uuid.New(), CreatedAt: day, FinishedAt: finished}
			}
			running := mk(models.RunRunning, nil)
			done := mk(models.RunSucceeded, ptr(day.Add(time.Minute)))
			for _, r := range []*models.WorkflowRun{running, done} {
				if err := runs.Save(ctx, r); err != nil {
					t.Fatal(err)
				}
			}
			node := &models.WorkflowNodeExecution{ID: uuid.New(), TenantID: tenant, AppID: app, WorkflowID: running.WorkflowID,
				TriggeredFrom: models.NodeFromSingleStep, NodeID: "n", NodeType: "llm", Status: models.NodeRunning,
				CreatedByRole: models.CreatedByAccount, CreatedBy: uuid.New(), CreatedAt: day}
			if err := nodes.Save(ctx, node); err != nil {
				t.Fatal(err)
			}

			raw := backendRows(t, fmt.Sprintf(`SELECT coalesce(finished_at::text, 'NULL'), coalesce(error, 'NULL') FROM %q."workflow_runs__rows" WHERE id = '%s'`, srv.Schema(), running.ID))
			if want := map[string]string{"strings": "[[ ]]", "nulls": "[[NULL NULL]]"}[name]; fmt.Sprint(raw) != want {
				t.Errorf("stored %q for nil fields, want %s", raw, want)
			}
			got, err := runs.Get(ctx, tenant, app, running.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.FinishedAt != nil || got.Error != nil || got.Graph != nil {
				t.Errorf("running run read back with FinishedAt %v, Error %v, Graph %v; want nil", got.FinishedAt, got.Error, got.Graph)
			}
			gotNode, err := nodes.Get(ctx, tenant, node.ID)
			if err != nil {
				t.Fatal(err)
			}
			if gotNode.WorkflowRunID != nil || gotNode.FinishedAt != nil || gotNode.PredecessorNodeID != nil {
				t.Errorf("node read back with WorkflowRunID %v, FinishedAt %v, PredecessorNodeID %v; want nil", gotNode.WorkflowRunID, gotNode.FinishedAt, gotNode.PredecessorNodeID)
			}
			for _, finishedOnly := range []bool{false, true} {
				counts, err := runs.DailyRuns(ctx, repo.Stats{TenantID: tenant, AppID: app, FinishedOnly: finishedOnly})
				if err != nil {
					t.Fatal(err)
				}
				want := "[{2026-11-26 2}]"
				if finishedOnly {
					want = "[{2026-11-26 1}]"
				}
				if fmt.Sprint(counts) != want {
					t.Errorf("DailyRuns(FinishedOnly %v) = %v, want %v", finishedOnly, counts, want)
				}
			}
		})
	}
}

// backendRows runs sql on the emulator's backing PostgreSQL, as text.
func backendRows(t *testing.T, sql string) [][]string {
	t.Helper()
	res, err := testdb.Admin(t).Exec(context.Background(), sql).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var out [][]string
	for _, row := range res[len(res)-1].Rows {
		var r []string
		for _, v := range row {
			r = append(r, string(v))
		}
		out = append(out, r)
	}
	return out
}
