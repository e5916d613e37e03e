// Command savewriter saves runs one at a time, each a new running run, and
// prints every second how many saves finished, their median and the
// slowest; at the end, the same over the whole run. It is the writer
// docs/PERFORMANCE.md ran beside `wflog migrate` (the online fill) and
// `wflog stats --rebuild`:
//
//	go run ./scripts/savewriter DSN 100s
package main

import (
	"context"
	"fmt"
	"os"
	"sort"
	"time"

	"github.com/google/uuid"
	"github.com/wflog/wflog"
	"github.com/wflog/wflog/models"
	"github.com/wflog/wflog/repo"
)

func main() {
	ctx := context.Background()
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: savewriter DSN DURATION")
		os.Exit(2)
	}
	d, err := time.ParseDuration(os.Args[2])
	if err != nil {
		fmt.Fprintln(os.Stderr, "savewriter:", err)
		os.Exit(2)
	}
	db, err := wflog.OpenContext(ctx, os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, "savewriter:", err)
		os.Exit(1)
	}
	r := repo.NewRuns(db)
	tenant, app, user := uuid.New(), uuid.New(), uuid.New()
	end := time.Now().Add(d)
	var all []time.Duration
	sec := time.Now()
	var lat []time.Duration
	for time.Now().Before(end) {
		run := models.WorkflowRun{ID: uuid.New(), TenantID: tenant, AppID: app, WorkflowID: uuid.New(), Type: models.WorkflowTypeWorkflow,
			TriggeredFrom: models.RunFromAppRun, WorkflowVersion: "w", Status: models.RunRunning, CreatedByRole: models.CreatedByEndUser,
			CreatedBy: user, CreatedAt: time.Now().UTC()}
		t0 := time.Now()
		if err := r.Save(ctx, &run); err != nil {
			fmt.Fprintln(os.Stderr, "savewriter:", err)
			os.Exit(1)
		}
		lat = append(lat, time.Since(t0))
		if time.Since(sec) >= time.Second {
			sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
			fmt.Printf("%s saves=%d p50=%s max=%s\n", time.Now().Format("15:04:05"), len(lat), lat[len(lat)/2].Round(time.Microsecond), lat[len(lat)-1].Round(time.Millisecond))
			all = append(all, lat...)
			lat, sec = nil, time.Now()
		}
	}
	if len(all) == 0 {
		return
	}
	sort.Slice(all, func(i, j int) bool { return all[i] < all[j] })
	fmt.Printf("total saves=%d p50=%s p99=%s max=%s\n", len(all), all[len(all)/2], all[len(all)*99/100], all[len(all)-1])
}
