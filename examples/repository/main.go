// Repository shows the repositories at work: an engine saves a run and its
// node executions as they progress, then a console reads what it shows.
// It uses the DSN in $WFLOG_DSN (by default the wflog command's SQLite file).
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
	"github.com/wflog/wflog/dialect"
	"github.com/wflog/wflog/models"
	"github.com/wflog/wflog/repo"
)

func main() {
	dsn := os.Getenv("WFLOG_DSN")
	if dsn == "" { // the wflog command's default: SQLite, nothing to install
		dir, err := os.UserConfigDir()
		check(err)
		check(os.MkdirAll(filepath.Join(dir, "wflog"), 0o700))
		dsn = "sqlite://" + filepath.Join(dir, "wflog", "wflog.db")
	}
	ctx := context.Background()
	db, err := wflog.Open(dsn)
	check(err)
	// An empty logstore is ready but unverified: `wflog check` it once it
	// holds rows.
	if err := wflog.Migrate(ctx, db); !errors.Is(err, wflog.ErrLogStoreIndexUnverified) {
		check(err)
	}
	runs, nodes := repo.NewRuns(db), repo.NewNodeExecutions(db)
	tenant, app, user := uuid.New(), uuid.New(), uuid.New()

	// The engine: a run starts, two nodes execute, the run succeeds.
	run := models.WorkflowRun{
		TenantID: tenant, AppID: app, WorkflowID: uuid.New(), Type: models.WorkflowTypeWorkflow,
		TriggeredFrom: models.RunFromAppRun, WorkflowVersion: "v3", Status: models.RunRunning,
		CreatedByRole: models.CreatedByEndUser, CreatedBy: user, CreatedAt: time.Now(),
	}
	check(runs.Save(ctx, &run))
	for i, nodeID := range []string{"start", "llm"} {
		node := models.WorkflowNodeExecution{
			TenantID: tenant, AppID: app, WorkflowID: run.WorkflowID, TriggeredFrom: models.NodeFromWorkflowRun,
			WorkflowRunID: &run.ID, Index: i + 1, NodeID: nodeID, NodeType: nodeID, Title: nodeID,
			Status: models.NodeRunning, CreatedByRole: run.CreatedByRole, CreatedBy: user, CreatedAt: time.Now(),
		}
		check(nodes.Save(ctx, &node)) // running …
		done := time.Now()
		node.Status, node.FinishedAt = models.NodeSucceeded, &done
		check(nodes.Save(ctx, &node)) // … succeeded: a second version
	}
	finished := time.Now()
	run.Status, run.FinishedAt, run.TotalSteps, run.TotalTokens = models.RunSucceeded, &finished, 2, 420
	check(runs.Save(ctx, &run))

	// The console, a moment later: the newest runs, one run's node
	// executions, the counts. Lists and statistics read what the backend
	// shows, and LogStore shows a write up to 3 s after it is made.
	if !dialect.Of(db).Has(dialect.ReadsOwnWrites) {
		time.Sleep(3 * time.Second)
	}
	page, err := runs.List(ctx, repo.ListRuns{TenantID: tenant, AppID: app, Limit: 20})
	check(err)
	for _, r := range page.Runs {
		fmt.Printf("run %s %s, %d tokens\n", r.ID, r.Status, r.TotalTokens)
	}
	executions, err := nodes.ListByRun(ctx, tenant, app, run.ID, repo.NodeOrder{By: repo.ByIndex})
	check(err)
	for _, e := range executions {
		fmt.Printf("  node %d %s: %s\n", e.Index, e.NodeID, e.Status)
	}
	counts, err := runs.CountByStatus(ctx, repo.CountRuns{TenantID: tenant, AppID: app})
	check(err)
	fmt.Printf("%d run(s), %d succeeded\n", counts.Total, counts.ByStatus[models.RunSucceeded])
	shanghai, err := time.LoadLocation("Asia/Shanghai")
	check(err)
	tokens, err := runs.DailyTokenCosts(ctx, repo.Stats{TenantID: tenant, AppID: app, Location: shanghai, FinishedOnly: true})
	check(err)
	for _, d := range tokens {
		fmt.Printf("tokens on %s (Shanghai): %d\n", d.Day, d.Count)
	}
}

func check(err error) {
	if err != nil {
		log.Fatal(err)
	}
}
