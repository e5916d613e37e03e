package repo_test

import (
	"context"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/wflog/wflog/internal/testdb"
	"github.com/wflog/wflog/internal/workload"
	"github.com/wflog/wflog/models"
	"github.com/wflog/wflog/repo"
	"github.com/wflog/wflog/scopes"
)

// psql runs query with the real psql client in schema and returns its rows.
func psql(t *testing.T, schema, query string) [][]string {
	t.Helper()
	bin, err := exec.LookPath("psql")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("psql is not installed")
		}
		t.Skip("psql is not installed; the seed's queries are run with it")
	}
	cmd := exec.Command(bin, testdb.URL(), "-X", "-q", "-At", "-F", "|", "-v", "ON_ERROR_STOP=1", "-c", "SET search_path TO "+schema, "-c", query)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("psql: %v\n%s", err, out)
	}
	var rows [][]string
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		if line != "" {
			rows = append(rows, strings.Split(line, "|"))
		}
	}
	return rows
}

// The seed's verification queries, verbatim.
const (
	seedLatest = `WITH latest AS (
    SELECT *, ROW_NUMBER() OVER (PARTITION BY id ORDER BY version DESC) AS rn
    FROM workflow_runs
)
SELECT id, status, version, created_at, finished_at
FROM latest WHERE rn = 1
ORDER BY created_at DESC LIMIT 10;`
	seedStatusCount = `SELECT status, COUNT(DISTINCT id) as count
FROM workflow_runs
WHERE finished_at IS NOT NULL
GROUP BY status;`
)

// TestSeedQueries runs the seed's own verification queries with psql on the
// tables wflog wrote, and compares them with the repository's answers.
func TestSeedQueries(t *testing.T) {
	db, schema := testdb.Open(t)
	ctx := context.Background()
	runs := repo.NewRuns(db)
	g := workload.New(workload.Config{Seed: 3, Tenants: 1, AppsPerTenant: 1, Days: 3})

	// Runs that finish at most once and stay finished: there the seed's
	// status count is well defined.
	var n int
	for i := 0; n < 60; i++ {
		h := g.Run(i)
		if h.Shape == workload.FinishesTwice || h.Shape == workload.ResumedAfterEnd {
			continue
		}
		n++
		for _, v := range h.Runs {
			if err := runs.Save(ctx, &v); err != nil {
				t.Fatal(err)
			}
		}
	}
	tenant, app := g.Tenant(0), g.App(0, 0)

	page, err := runs.List(ctx, repo.ListRuns{TenantID: tenant, AppID: app, Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	rows := psql(t, schema, seedLatest)
	if len(rows) != len(page.Runs) {
		t.Fatalf("seed query: %d rows, List: %d", len(rows), len(page.Runs))
	}
	for i, row := range rows {
		r := page.Runs[i]
		if row[0] != r.ID.String() || row[1] != string(r.Status) || row[2] != strconv.FormatInt(int64(r.Version), 10) {
			t.Errorf("row %d: seed %v, List %s %s %d", i, row, r.ID, r.Status, r.Version)
		}
	}

	counts, err := runs.CountByStatus(ctx, repo.CountRuns{TenantID: tenant, AppID: app})
	if err != nil {
		t.Fatal(err)
	}
	seed := statusCounts(psql(t, schema, seedStatusCount))
	for status, count := range counts.ByStatus {
		if status.Terminal() && seed[status] != count {
			t.Errorf("%s: seed counts %d, CountByStatus %d", status, seed[status], count)
		}
	}
	for status, count := range seed {
		if counts.ByStatus[status] != count {
			t.Errorf("%s: seed counts %d, CountByStatus %d", status, count, counts.ByStatus[status])
		}
	}

	// Where a run finished twice — failed, then succeeded on a retry — the
	// seed's count puts it under both statuses; scopes.Finished counts it
	// once, as it last finished.
	twice := func() workload.History {
		for i := 0; ; i++ {
			if h := g.Run(1000 + i); h.Shape == workload.FinishesTwice {
				return h
			}
		}
	}()
	for _, v := range twice.Runs {
		if err := runs.Save(ctx, &v); err != nil {
			t.Fatal(err)
		}
	}
	seed = statusCounts(psql(t, schema, seedStatusCount))
	finished := finishedByStatus(t, db, tenant, app)
	if seed[models.RunFailed] != finished[models.RunFailed]+1 || seed[models.RunSucceeded] != finished[models.RunSucceeded] {
		t.Errorf("after a run that failed and then succeeded: seed %v, Finished %v", seed, finished)
	}
}

func statusCounts(rows [][]string) map[models.RunStatus]int64 {
	out := map[models.RunStatus]int64{}
	for _, r := range rows {
		n, _ := strconv.ParseInt(r[1], 10, 64)
		out[models.RunStatus(r[0])] = n
	}
	return out
}

func finishedByStatus(t *testing.T, db *gorm.DB, tenant, app uuid.UUID) map[models.RunStatus]int64 {
	t.Helper()
	var rows []struct {
		Status models.RunStatus
		N      int64
	}
	if err := db.Model(&models.WorkflowRun{}).Scopes(scopes.Finished(scopes.ForApp(tenant, app))).
		Select("status, count(*) AS n").Group("status").Scan(&rows).Error; err != nil {
		t.Fatal(err)
	}
	out := map[models.RunStatus]int64{}
	for _, r := range rows {
		out[r.Status] = r.N
	}
	return out
}
