package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/wflog/wflog/internal/testdb"
	"github.com/wflog/wflog/internal/workload"
	"github.com/wflog/wflog/logstoretest"
	"github.com/wflog/wflog/models"
	"github.com/wflog/wflog/repo"
)

// TestTieredViews: runs and stats over PostgreSQL and LogStore split at a
// cutover print what they print over one database holding every version.
func TestTieredViews(t *testing.T) {
	ctx := context.Background()
	_, olderDSN := testdb.Schema(t)
	_, singleDSN := testdb.Schema(t)
	srv := logstoretest.New(t)
	older, single, newer := testdb.OpenDSN(t, olderDSN), testdb.OpenDSN(t, singleDSN), testdb.OpenDSN(t, srv.DSN())

	start := time.Now().UTC().AddDate(0, 0, -4).Truncate(time.Hour)
	cutover := start.Add(50 * time.Hour)
	g := workload.New(workload.Config{Seed: 5, Tenants: 1, AppsPerTenant: 1, Users: 3, Days: 3, Start: start})
	runs := repo.NewRuns(newer, repo.WithOlderTier(older, cutover))
	var all []models.WorkflowRun
	for i := 0; i < 40; i++ {
		for _, v := range g.Run(i).Runs {
			if err := runs.Save(ctx, &v); err != nil {
				t.Fatal(err)
			}
			all = append(all, v)
		}
	}
	if err := single.CreateInBatches(all, 100).Error; err != nil {
		t.Fatal(err)
	}
	owner := []string{"--tenant", g.Tenant(0).String(), "--app", g.App(0, 0).String()}
	tiers := []string{"--older", olderDSN, "--cutover", cutover.Format(time.RFC3339)}
	for _, view := range [][]string{
		{"stats", "--days", "30", "--tz", "Asia/Shanghai"},
		{"stats", "--days", "30", "--tz", "America/New_York", "--finished-only"},
		{"runs", "--limit", "100"},
	} {
		args := append(append([]string{}, view...), owner...)
		code, want, errOut := run(t, nil, append(args, "--dsn", singleDSN)...)
		if code != 0 {
			t.Fatalf("%v on one database: %d %s", view, code, errOut)
		}
		code, got, errOut := run(t, nil, append(append(args, "--dsn", srv.DSN()), tiers...)...)
		if code != 0 {
			t.Fatalf("%v tiered: %d %s", view, code, errOut)
		}
		if got != want {
			t.Errorf("%v tiered printed\n%s\none database printed\n%s", view, got, want)
		}
		if strings.Count(want, "\n") < 4 {
			t.Errorf("%v printed too little to compare:\n%s", view, want)
		}
	}
	code, _, errOut := run(t, nil, append([]string{"runs", "--dsn", srv.DSN(), "--older", olderDSN}, owner...)...)
	if code == 0 || !strings.Contains(errOut, "--older and --cutover go together") {
		t.Errorf("--older without --cutover: %d %s", code, errOut)
	}
}
