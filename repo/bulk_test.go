package repo

import (
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/wflog/wflog/models"
)

// TestCopyLayout: COPY writes every column of the model, in the schema's
// order, with integers as int64 and named strings as string.
func TestCopyLayout(t *testing.T) {
	db, err := gorm.Open(nil, &gorm.Config{DryRun: true})
	if err != nil {
		t.Fatal(err)
	}
	table, columns, row, err := copyLayout[models.WorkflowRun](db)
	if err != nil {
		t.Fatal(err)
	}
	if table != "workflow_runs" || len(columns) != 21 || columns[0] != "id" || columns[1] != "version" || !slices.Contains(columns, "finished_at") {
		t.Errorf("table %s, columns %v", table, columns)
	}
	at := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	run := models.WorkflowRun{ID: uuid.New(), Version: 7, Status: models.RunSucceeded, TotalSteps: 3, CreatedAt: at}
	values := row(&run)
	if len(values) != len(columns) {
		t.Fatalf("%d values for %d columns", len(values), len(columns))
	}
	byName := map[string]any{}
	for i, c := range columns {
		byName[c] = values[i]
	}
	if byName["id"] != run.ID || byName["version"] != int64(7) || byName["status"] != "succeeded" ||
		byName["total_steps"] != int64(3) || byName["created_at"] != at || byName["finished_at"] != (*time.Time)(nil) {
		t.Errorf("values %v", byName)
	}
	if _, nodeColumns, _, err := copyLayout[models.WorkflowNodeExecution](db); err != nil || !slices.Contains(nodeColumns, "index") || len(nodeColumns) != 24 {
		t.Errorf("node execution columns %v, %v", nodeColumns, err)
	}
}
