// Cutover shows a deployment moving from PostgreSQL to LogStore without a
// console that forgets history or a rollback that loses runs: LogStore takes
// the writes and mirrors them to PostgreSQL, and the repositories read both
// as one. $WFLOG_OLD is the PostgreSQL DSN, $WFLOG_NEW the LogStore one.
package main

import (
	"context"
	"fmt"
	"log"
	"os"
	"time"

	"github.com/google/uuid"

	"github.com/wflog/wflog"
	"github.com/wflog/wflog/mirror"
	"github.com/wflog/wflog/models"
	"github.com/wflog/wflog/repo"
)

func main() {
	ctx := context.Background()
	// The cutover: from here on, new runs are created in LogStore. In a
	// deployment it is a fixed instant in the configuration.
	cutover := time.Now().UTC()

	old, err := wflog.Open(env("WFLOG_OLD", "postgres://… (or sqlite://PATH)")) // PostgreSQL: the history, and the mirror
	check(err)
	check(wflog.Migrate(ctx, old))
	m, err := mirror.New(old, mirror.Config{
		Policy:  mirror.BestEffort, // the engine keeps running if PostgreSQL is down
		OnError: func(e *mirror.Error) { log.Print(e) },
	})
	check(err)
	db, err := wflog.Open(env("WFLOG_NEW", "logstore://…"), wflog.WithMirror(m)) // LogStore: the primary
	check(err)
	check(wflog.Migrate(ctx, db))

	// A run that started before the cutover, in PostgreSQL.
	tenant, app := uuid.New(), uuid.New()
	before := models.WorkflowRun{TenantID: tenant, AppID: app, Status: models.RunRunning,
		CreatedBy: uuid.New(), CreatedAt: cutover.Add(-time.Minute)}
	check(repo.NewRuns(old).Save(ctx, &before))

	// Switch reads: one repository over both tiers.
	runs := repo.NewRuns(db, repo.WithOlderTier(old, cutover))
	after := models.WorkflowRun{TenantID: tenant, AppID: app, Status: models.RunRunning,
		CreatedBy: uuid.New(), CreatedAt: time.Now()}
	check(runs.Save(ctx, &after)) // LogStore, mirrored to PostgreSQL
	for _, r := range []*models.WorkflowRun{&before, &after} {
		r.Status = models.RunSucceeded
		check(runs.Save(ctx, r)) // each in the tier of its created_at
	}
	// The console, a moment later: a list reads what the backends show,
	// and LogStore shows a write up to 3 s after it is made.
	time.Sleep(3 * time.Second)
	page, err := runs.List(ctx, repo.ListRuns{TenantID: tenant, AppID: app})
	check(err)
	for _, r := range page.Runs {
		fmt.Printf("run %s: %s, created %s the cutover\n", r.ID, r.Status, map[bool]string{true: "before", false: "after"}[r.CreatedAt.Before(cutover)])
	}
	s := m.Stats()
	fmt.Printf("mirror: %d versions mirrored, %d failed\n", s.Mirrored, s.Failed)

	// Roll back: PostgreSQL alone has every run, with every version.
	counts, err := repo.NewRuns(old).CountByStatus(ctx, repo.CountRuns{TenantID: tenant, AppID: app})
	check(err)
	fmt.Printf("PostgreSQL alone: %d runs, %d succeeded\n", counts.Total, counts.ByStatus[models.RunSucceeded])
}

// env returns the DSN in the variable name, or stops saying to set it.
func env(name, example string) string {
	dsn := os.Getenv(name)
	if dsn == "" {
		log.Fatalf("set %s to a DSN: %s", name, example)
	}
	return dsn
}

func check(err error) {
	if err != nil {
		log.Fatal(err)
	}
}
