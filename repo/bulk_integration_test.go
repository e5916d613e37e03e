package repo_test

import (
	"context"
	"fmt"
	"math"
	"reflect"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/wflog/wflog/internal/dialect"
	"github.com/wflog/wflog/internal/testdb"
	"github.com/wflog/wflog/models"
	"github.com/wflog/wflog/repo"
)

func s(v string) *string { return &v }

// TestSaveBatchRoundTrip: every column written in bulk (COPY on PostgreSQL)
// reads back as written, each column with a value no other column has.
func TestSaveBatchRoundTrip(t *testing.T) {
	testdb.Each(t, func(t *testing.T, b testdb.Backend) {
		db, _ := b.Open(t)
		ctx := context.Background()
		runs, nodes := repo.NewRuns(db), repo.NewNodeExecutions(db)
		tenant, app := uuid.New(), uuid.New()
		var batch []models.WorkflowRun
		for i := 0; i < 250; i++ {
			created := time.Date(2026, 11, 1, 0, 0, 0, i*1000, time.UTC)
			finished := created.Add(time.Duration(i+1) * time.Second)
			batch = append(batch, models.WorkflowRun{
				TenantID: tenant, AppID: app, WorkflowID: uuid.New(), Type: models.WorkflowTypeChat,
				TriggeredFrom: models.RunFromSchedule, WorkflowVersion: fmt.Sprintf("v%d", i),
				Graph: s(fmt.Sprintf(`{"g":%d}`, i)), Inputs: s(fmt.Sprintf(`{"i":%d}`, i)), Outputs: s(fmt.Sprintf(`{"o":"it's %d"}`, i)),
				Status: models.RunFailed, Error: s(fmt.Sprintf("e%d", i)), ElapsedTime: float64(i) + 0.25,
				TotalTokens: int64(i) * 1_000_003, TotalSteps: i + 7, ExceptionsCount: i + 11,
				CreatedByRole: models.CreatedByEndUser, CreatedBy: uuid.New(), CreatedAt: created, FinishedAt: &finished,
			})
		}
		if err := runs.SaveBatch(ctx, batch); err != nil {
			t.Fatal(err)
		}
		for _, want := range batch {
			if want.ID == uuid.Nil || want.Version == 0 {
				t.Fatalf("SaveBatch left id %v version %d", want.ID, want.Version)
			}
			got, err := runs.Get(ctx, tenant, app, want.ID)
			if err != nil || !reflect.DeepEqual(norm(*got), norm(want)) {
				t.Fatalf("round trip:\n got %+v (%v)\nwant %+v", got, err, want)
			}
		}
		runID := batch[0].ID
		var es []models.WorkflowNodeExecution
		for i := 0; i < 30; i++ {
			created := time.Date(2026, 11, 2, 0, 0, i, 0, time.UTC)
			es = append(es, models.WorkflowNodeExecution{
				TenantID: tenant, AppID: app, WorkflowID: batch[0].WorkflowID, TriggeredFrom: models.NodeFromWorkflowRun,
				WorkflowRunID: &runID, Index: i + 1, PredecessorNodeID: s(fmt.Sprintf("p%d", i)), NodeExecutionID: s(fmt.Sprintf("x%d", i)),
				NodeID: fmt.Sprintf("n%d", i), NodeType: "tool", Title: fmt.Sprintf("t%d", i), Inputs: s("{}"), ProcessData: s(`{"p":1}`),
				Outputs: s(`{"o":2}`), ExecutionMetadata: s(`{"m":3}`), Status: models.NodeException, Error: s("boom"), ElapsedTime: 1.5,
				CreatedByRole: models.CreatedByEndUser, CreatedBy: batch[0].CreatedBy, CreatedAt: created,
			})
		}
		if err := nodes.SaveBatch(ctx, es); err != nil {
			t.Fatal(err)
		}
		for _, want := range es {
			got, err := nodes.Get(ctx, tenant, want.ID)
			if err != nil || !reflect.DeepEqual(normNode(*got), normNode(want)) {
				t.Fatalf("node round trip:\n got %+v (%v)\nwant %+v", got, err, want)
			}
		}
		// Saving the batch again is a new version of each run, nothing more.
		if err := runs.SaveBatch(ctx, batch[:10]); err != nil {
			t.Fatal(err)
		}
		c, err := runs.CountByStatus(ctx, repo.CountRuns{TenantID: tenant, AppID: app})
		if err != nil || c.Total != 250 {
			t.Errorf("after saving 10 again: %d runs, %v", c.Total, err)
		}

		if b.Kind == dialect.PostgreSQL {
			// All or nothing: one value its column cannot hold stops the batch.
			bad := []models.WorkflowRun{batch[1], batch[2]}
			bad[0].ID, bad[1].ID = uuid.Nil, uuid.Nil
			bad[1].TotalSteps = math.MaxInt32 + 1
			if err := runs.SaveBatch(ctx, bad); err == nil {
				t.Fatal("a step count beyond int4 was stored")
			}
			if _, err := runs.Get(ctx, tenant, app, bad[0].ID); err == nil {
				t.Error("the good row of a failed batch was stored")
			}
		}
	})
}
