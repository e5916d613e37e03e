// Quickstart opens the DSN in $WFLOG_DSN (by default the wflog command's
// SQLite file), saves one workflow run three times and reads it back.
package main

import (
	"context"
	"errors"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"time"

	"github.com/google/uuid"

	"github.com/wflog/wflog"
	"github.com/wflog/wflog/models"
	"github.com/wflog/wflog/repo"
)

func main() {
	dsn := os.Getenv("WFLOG_DSN") // postgres://…, logstore://AK_ID:AK_SECRET@endpoint/project
	if dsn == "" {                // the wflog command's default: SQLite, nothing to install
		dir, err := os.UserConfigDir()
		must(err)
		must(os.MkdirAll(filepath.Join(dir, "wflog"), 0o700))
		dsn = "sqlite://" + filepath.Join(dir, "wflog", "wflog.db")
	}
	ctx := context.Background()
	db, err := wflog.Open(dsn)
	if err != nil {
		log.Fatal(err)
	}
	// An empty logstore is ready but unverified: `wflog check` it once it
	// holds rows.
	if err := wflog.Migrate(ctx, db); err != nil && !errors.Is(err, wflog.ErrLogStoreIndexUnverified) {
		log.Fatal(err)
	}

	run := models.WorkflowRun{
		TenantID: uuid.New(), AppID: uuid.New(), WorkflowID: uuid.New(),
		Type: models.WorkflowTypeWorkflow, TriggeredFrom: models.RunFromAppRun,
		WorkflowVersion: "draft", Status: models.RunRunning,
		CreatedByRole: models.CreatedByAccount, CreatedBy: uuid.New(),
		CreatedAt: time.Now(),
	}
	// Every save is an INSERT of a new version (db.Create and db.Save do
	// the same through plain GORM).
	runs := repo.NewRuns(db)
	must(runs.Save(ctx, &run)) // version 1: running
	saved := []models.WorkflowRun{run}

	run.TotalSteps = 2
	must(runs.Save(ctx, &run)) // version 2: still running, two steps done
	saved = append(saved, run)

	finished := time.Now()
	run.Status, run.FinishedAt, run.TotalSteps, run.TotalTokens = models.RunSucceeded, &finished, 3, 1234
	must(runs.Save(ctx, &run)) // version 3: succeeded
	saved = append(saved, run)

	// Reads see the latest version. LogStore shows a write up to 3 s after
	// it is made; a repository answers this process's own recent writes at
	// once (db.First(&run, "id = ?", id) reads it once LogStore shows it).
	current, err := runs.Get(ctx, run.TenantID, run.AppID, run.ID)
	must(err)
	fmt.Printf("run %s: %s, %d steps, %d tokens\n", current.ID, current.Status, current.TotalSteps, current.TotalTokens)

	// The versions saved; db.Unscoped() reads them all back.
	for i, v := range saved {
		fmt.Printf("  version %d (%d): %s\n", i+1, v.Version, v.Status)
	}
}

func must(err error) {
	if err != nil {
		log.Fatal(err)
	}
}
