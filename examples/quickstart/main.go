// Quickstart opens the DSN in $WFLOG_DSN (a local PostgreSQL by default),
// saves one workflow run three times and reads it back.
package main

import (
	"context"
	"fmt"
	"log"
	"os"
	"time"

	"github.com/google/uuid"

	"github.com/wflog/wflog"
	"github.com/wflog/wflog/models"
)

func main() {
	dsn := os.Getenv("WFLOG_DSN") // or logstore://AK_ID:AK_SECRET@endpoint/project
	if dsn == "" {
		dsn = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
	}
	ctx := context.Background()
	db, err := wflog.Open(dsn)
	if err != nil {
		log.Fatal(err)
	}
	if err := wflog.Migrate(ctx, db); err != nil {
		log.Fatal(err)
	}
	db = db.WithContext(ctx)

	run := models.WorkflowRun{
		TenantID: uuid.New(), AppID: uuid.New(), WorkflowID: uuid.New(),
		Type: models.WorkflowTypeWorkflow, TriggeredFrom: models.RunFromAppRun,
		WorkflowVersion: "draft", Status: models.RunRunning,
		CreatedByRole: models.CreatedByAccount, CreatedBy: uuid.New(),
		CreatedAt: time.Now(),
	}
	must(db.Create(&run).Error) // version 1: running

	run.TotalSteps = 2
	must(db.Save(&run).Error) // version 2: still running, two steps done

	finished := time.Now()
	run.Status, run.FinishedAt, run.TotalSteps, run.TotalTokens = models.RunSucceeded, &finished, 3, 1234
	must(db.Save(&run).Error) // version 3: succeeded

	var current models.WorkflowRun // reads see the latest version
	must(db.First(&current, "id = ?", run.ID).Error)
	fmt.Printf("run %s: %s, %d steps, %d tokens\n", current.ID, current.Status, current.TotalSteps, current.TotalTokens)

	var history []models.WorkflowRun // Unscoped reads every version
	must(db.Unscoped().Where("id = ?", run.ID).Order("version").Find(&history).Error)
	for i, v := range history {
		fmt.Printf("  version %d (%d): %s\n", i+1, v.Version, v.Status)
	}
}

func must(err error) {
	if err != nil {
		log.Fatal(err)
	}
}
