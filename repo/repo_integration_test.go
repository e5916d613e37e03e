package repo_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/wflog/wflog/internal/dialect"
	"github.com/wflog/wflog/internal/testdb"
	"github.com/wflog/wflog/models"
	"github.com/wflog/wflog/repo"
)

func newRun(tenant, app uuid.UUID, created time.Time) models.WorkflowRun {
	return models.WorkflowRun{TenantID: tenant, AppID: app, WorkflowID: uuid.New(), Type: models.WorkflowTypeWorkflow,
		TriggeredFrom: models.RunFromAppRun, WorkflowVersion: "1", Status: models.RunRunning,
		CreatedByRole: models.CreatedByAccount, CreatedBy: uuid.New(), CreatedAt: created}
}

// TestTimeZones: runs around midnight and across daylight-saving changes land
// on the calendar day Go's own time arithmetic gives them.
func TestTimeZones(t *testing.T) {
	testdb.Each(t, func(t *testing.T, b testdb.Backend) {
		db, _ := b.Open(t)
		ctx := context.Background()
		runs := repo.NewRuns(db)
		tenant, app := uuid.New(), uuid.New()
		instants := []time.Time{
			// America/New_York falls back on 2026-11-01 at 02:00 EDT: 01:30 happens twice.
			time.Date(2026, 11, 1, 5, 30, 0, 0, time.UTC), // 01:30 EDT, Nov 1
			time.Date(2026, 11, 1, 6, 30, 0, 0, time.UTC), // 01:30 EST, Nov 1
			time.Date(2026, 11, 2, 4, 59, 59, 999999000, time.UTC),
			time.Date(2026, 11, 2, 5, 0, 0, 0, time.UTC), // midnight EST: Nov 2
			// It springs forward on 2026-03-08 at 02:00 EST.
			time.Date(2026, 3, 8, 6, 59, 0, 0, time.UTC), // 01:59 EST
			time.Date(2026, 3, 8, 7, 0, 0, 0, time.UTC),  // 03:00 EDT
			time.Date(2026, 3, 9, 3, 59, 0, 0, time.UTC), // 23:59 EDT, Mar 8
			time.Date(2026, 3, 9, 4, 0, 0, 0, time.UTC),  // midnight EDT: Mar 9
			// Asia/Shanghai (UTC+8, no DST): midnight is 16:00 UTC.
			time.Date(2026, 11, 10, 15, 59, 59, 999999000, time.UTC),
			time.Date(2026, 11, 10, 16, 0, 0, 0, time.UTC),
			// And the year's last second in UTC.
			time.Date(2026, 12, 31, 23, 59, 59, 999999000, time.UTC),
		}
		var batch []models.WorkflowRun
		for _, at := range instants {
			batch = append(batch, newRun(tenant, app, at))
		}
		if err := runs.SaveBatch(ctx, batch); err != nil {
			t.Fatal(err)
		}
		for _, name := range []string{"UTC", "Asia/Shanghai", "America/New_York", "Asia/Kolkata", "Pacific/Chatham"} {
			loc, err := time.LoadLocation(name)
			if err != nil {
				t.Fatal(err)
			}
			// Open-ended, and bounded (on PostgreSQL, days cut by local
			// midnights computed in Go), across both daylight-saving changes.
			for _, window := range [][2]time.Time{{}, {time.Date(2026, 1, 1, 0, 0, 0, 0, loc), time.Date(2027, 1, 1, 0, 0, 0, 0, loc)},
				{time.Date(2026, 3, 8, 6, 59, 30, 0, time.UTC), time.Date(2026, 11, 2, 5, 0, 0, 0, time.UTC)}} {
				wantIn := map[string]int64{}
				for _, at := range instants {
					if window[0].IsZero() || (!at.Before(window[0]) && at.Before(window[1])) {
						wantIn[at.In(loc).Format("2006-01-02")]++
					}
				}
				got, err := runs.DailyRuns(ctx, repo.Stats{TenantID: tenant, AppID: app, Location: loc, From: window[0], To: window[1]})
				if err != nil {
					t.Fatal(err)
				}
				gotMap := map[string]int64{}
				for _, d := range got {
					gotMap[d.Day] = d.Count
				}
				if fmt.Sprint(gotMap) != fmt.Sprint(wantIn) {
					t.Errorf("%s %v:\n got %v\nwant %v", name, window, gotMap, wantIn)
				}
			}
		}
		for _, loc := range []*time.Location{time.Local, time.FixedZone("'; DROP TABLE workflow_runs; --", 3600)} {
			if _, err := runs.DailyRuns(ctx, repo.Stats{TenantID: tenant, AppID: app, Location: loc}); err == nil {
				t.Errorf("zone %q was accepted", loc)
			}
		}
	})
}

// TestHostileInput: text parameters carry SQL-looking data; it stays data.
func TestHostileInput(t *testing.T) {
	hostile := []string{"' OR '1'='1", "x'; DELETE FROM workflow_runs; --", `\' OR 1=1 --`, "/* */", "$1", "node\x27s"}
	testdb.Each(t, func(t *testing.T, b testdb.Backend) {
		db, _ := b.Open(t)
		ctx := context.Background()
		runs, nodes := repo.NewRuns(db), repo.NewNodeExecutions(db)
		tenant, app := uuid.New(), uuid.New()
		run := newRun(tenant, app, time.Now().UTC())
		if err := runs.Save(ctx, &run); err != nil {
			t.Fatal(err)
		}
		runID := run.ID
		for _, h := range hostile {
			e := models.WorkflowNodeExecution{TenantID: tenant, AppID: app, WorkflowID: run.WorkflowID, TriggeredFrom: models.NodeFromWorkflowRun,
				WorkflowRunID: &runID, NodeID: h, NodeType: "code", Title: h, Status: models.NodeSucceeded,
				CreatedByRole: models.CreatedByAccount, CreatedBy: run.CreatedBy, CreatedAt: time.Now().UTC()}
			if err := nodes.Save(ctx, &e); err != nil {
				t.Fatal(err)
			}
		}
		for _, h := range hostile {
			last, err := nodes.Last(ctx, tenant, app, run.WorkflowID, h)
			if err != nil || last.NodeID != h {
				t.Errorf("Last(%q) = %v, %v", h, last, err)
			}
			if _, err := nodes.Last(ctx, tenant, app, run.WorkflowID, h+" "); !errors.Is(err, repo.ErrNotFound) {
				t.Errorf("Last(%q) found something", h+" ")
			}
			c, err := runs.CountByStatus(ctx, repo.CountRuns{TenantID: tenant, AppID: app, TriggeredFrom: []models.RunTriggeredFrom{models.RunTriggeredFrom(h)}})
			if err != nil || c.Total != 0 {
				t.Errorf("CountByStatus(triggered from %q) = %+v, %v; want 0", h, c, err)
			}
			page, err := runs.List(ctx, repo.ListRuns{TenantID: tenant, AppID: app, TriggeredFrom: []models.RunTriggeredFrom{models.RunTriggeredFrom(h)}})
			if err != nil || len(page.Runs) != 0 {
				t.Errorf("List(triggered from %q) = %d runs, %v", h, len(page.Runs), err)
			}
			if _, err := runs.List(ctx, repo.ListRuns{TenantID: tenant, AppID: app, Status: []models.RunStatus{models.RunStatus(h)}}); err == nil {
				t.Errorf("List(status %q) was accepted", h)
			}
		}
		all, err := nodes.ListByRun(ctx, tenant, app, run.ID, repo.NodeOrder{})
		if err != nil || len(all) != len(hostile) {
			t.Fatalf("ListByRun = %d, %v", len(all), err)
		}
		if c, err := runs.CountByStatus(ctx, repo.CountRuns{TenantID: tenant, AppID: app}); err != nil || c.Total != 1 {
			t.Errorf("the run is gone or doubled: %+v, %v", c, err)
		}
	})
}

// TestRetention: PostgreSQL deletes every version of runs and their node
// executions; LogStore refuses with the TTL advice and sends nothing.
func TestRetention(t *testing.T) {
	testdb.Each(t, func(t *testing.T, b testdb.Backend) {
		db, _ := b.Open(t)
		ctx := context.Background()
		runs, nodes := repo.NewRuns(db), repo.NewNodeExecutions(db)
		tenant, app, otherApp := uuid.New(), uuid.New(), uuid.New()
		old, recent := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
		mk := func(app uuid.UUID, created time.Time) models.WorkflowRun {
			r := newRun(tenant, app, created)
			if err := runs.Save(ctx, &r); err != nil {
				t.Fatal(err)
			}
			r.Status = models.RunSucceeded
			if err := runs.Save(ctx, &r); err != nil {
				t.Fatal(err)
			}
			id := r.ID
			for i := 0; i < 2; i++ {
				e := models.WorkflowNodeExecution{TenantID: tenant, AppID: app, WorkflowID: r.WorkflowID, TriggeredFrom: models.NodeFromWorkflowRun,
					WorkflowRunID: &id, Index: i, NodeID: "n", NodeType: "llm", Title: "n", Status: models.NodeRunning,
					CreatedByRole: models.CreatedByAccount, CreatedBy: r.CreatedBy, CreatedAt: created}
				if err := nodes.Save(ctx, &e); err != nil {
					t.Fatal(err)
				}
				e.Status = models.NodeSucceeded
				if err := nodes.Save(ctx, &e); err != nil {
					t.Fatal(err)
				}
			}
			return r
		}
		old1, old2, keep, other := mk(app, old), mk(app, old.Add(time.Hour)), mk(app, recent), mk(otherApp, old)
		single := models.WorkflowNodeExecution{TenantID: tenant, AppID: app, WorkflowID: uuid.New(), TriggeredFrom: models.NodeFromSingleStep,
			NodeID: "debug", NodeType: "code", Title: "debug", Status: models.NodeSucceeded, CreatedByRole: models.CreatedByAccount, CreatedBy: uuid.New(), CreatedAt: old}
		if err := nodes.Save(ctx, &single); err != nil {
			t.Fatal(err)
		}

		expired, err := runs.ExpiredBatch(ctx, recent, 2)
		if b.Kind == dialect.LogStore {
			for name, err := range map[string]error{
				"ExpiredBatch":  err,
				"DeleteByIDs":   second(runs.DeleteByIDs(ctx, []uuid.UUID{old1.ID})),
				"DeleteByApp":   second(runs.DeleteByApp(ctx, tenant, app, 10)),
				"DeleteExpired": second(nodes.DeleteExpired(ctx, recent, 10)),
				"NodesByApp":    second(nodes.DeleteByApp(ctx, tenant, app, 10)),
				"DeleteByRuns":  second(nodes.DeleteByRuns(ctx, []uuid.UUID{old1.ID})),
			} {
				if !errors.Is(err, dialect.ErrUnsupported) || !strings.Contains(err.Error(), "TTL") {
					t.Errorf("%s on LogStore = %v, want ErrUnsupported with the TTL advice", name, err)
				}
			}
			return
		}
		if err != nil || len(expired) != 2 || expired[0].ID != old1.ID && expired[0].ID != other.ID {
			t.Fatalf("ExpiredBatch = %v, %v", ids(expired), err)
		}
		n, err := runs.DeleteByIDs(ctx, []uuid.UUID{old1.ID, old2.ID})
		if err != nil || n != 2 {
			t.Fatalf("DeleteByIDs = %d, %v; want 2", n, err)
		}
		for _, gone := range []uuid.UUID{old1.ID, old2.ID} {
			if _, err := runs.GetByID(ctx, gone); !errors.Is(err, repo.ErrNotFound) {
				t.Errorf("run %s survived", gone)
			}
			if es, _ := nodes.ListByRun(ctx, tenant, app, gone, repo.NodeOrder{}); len(es) != 0 {
				t.Errorf("run %s kept %d node executions", gone, len(es))
			}
		}
		if _, err := runs.GetByID(ctx, keep.ID); err != nil {
			t.Errorf("the recent run went too: %v", err)
		}
		if n, err := nodes.DeleteExpired(ctx, recent, 1); err != nil || n != 3 {
			t.Errorf("DeleteExpired = %d, %v; want 3 (the other app's two and the single step)", n, err)
		}
		if n, err := runs.DeleteByApp(ctx, tenant, app, 1); err != nil || n != 1 {
			t.Errorf("DeleteByApp = %d, %v; want 1", n, err)
		}
		if _, err := runs.GetByID(ctx, other.ID); err != nil {
			t.Errorf("another app's run went: %v", err)
		}
		if n, err := nodes.DeleteByRuns(ctx, []uuid.UUID{other.ID}); err != nil || n != 0 {
			t.Errorf("DeleteByRuns = %d, %v; want 0 (DeleteExpired took them)", n, err)
		}
		for _, bad := range []error{second(runs.DeleteByApp(ctx, tenant, app, 0)), second(nodes.DeleteExpired(ctx, recent, 0))} {
			if bad == nil {
				t.Error("a batch of 0 was accepted")
			}
		}
		if _, err := runs.ExpiredBatch(ctx, recent, 0); err == nil {
			t.Error("ExpiredBatch limit 0 was accepted")
		}
	})
}

func second[T any](_ T, err error) error { return err }

func ids(rs []models.WorkflowRun) []uuid.UUID {
	var out []uuid.UUID
	for _, r := range rs {
		out = append(out, r.ID)
	}
	return out
}
