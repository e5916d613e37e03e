package wflogtest_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/wflog/wflog/models"
	"github.com/wflog/wflog/repo"
	"github.com/wflog/wflog/wflogtest"
)

// finish is the application code under test: it marks a run succeeded.
func finish(ctx context.Context, runs *repo.Runs, run *models.WorkflowRun, at time.Time) error {
	run.Status, run.FinishedAt = models.RunSucceeded, &at
	return runs.Save(ctx, run)
}

func TestFinish(t *testing.T) {
	ctx := context.Background()
	clock := wflogtest.NewClock(time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC))
	db := wflogtest.SQLite(t, clock.Option()) // a migrated database of this test's own
	runs := repo.NewRuns(db)

	run := models.WorkflowRun{TenantID: uuid.New(), AppID: uuid.New(), WorkflowID: uuid.New(),
		Type: models.WorkflowTypeWorkflow, TriggeredFrom: models.RunFromAppRun, WorkflowVersion: "1",
		Status: models.RunRunning, CreatedByRole: models.CreatedByAccount, CreatedBy: uuid.New(),
		CreatedAt: clock.Now()}
	if err := runs.Save(ctx, &run); err != nil {
		t.Fatal(err)
	}
	clock.Advance(time.Minute) // versions follow the clock
	if err := finish(ctx, runs, &run, clock.Now()); err != nil {
		t.Fatal(err)
	}

	got, err := runs.Get(ctx, run.TenantID, run.AppID, run.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != models.RunSucceeded || int64(got.Version) != clock.Now().UnixNano() {
		t.Errorf("got %s at version %d, want succeeded at %d", got.Status, got.Version, clock.Now().UnixNano())
	}
}
