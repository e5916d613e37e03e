package repo_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"sort"
	"testing"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/wflog/wflog/internal/dialect"
	"github.com/wflog/wflog/internal/testdb"
	"github.com/wflog/wflog/internal/workload"
	"github.com/wflog/wflog/logstoretest"
	"github.com/wflog/wflog/models"
	"github.com/wflog/wflog/repo"
)

// tieredWorkload is the differential workload with a cutover chosen so that
// the interesting cases happen: a run created just before it whose node
// executions come after it (so ListByRun merges tiers), and whose user runs
// again after it on the same day in every zone tested (so the cutover day's
// users must be counted once).
func tieredWorkload(t *testing.T, n int) (*workload.Generator, time.Time) {
	t.Helper()
	g := workload.New(workload.Config{Seed: 11, Tenants: 2, AppsPerTenant: 2, Users: 3, Days: 4, NodesPerRun: 3, TiesEvery: 5,
		Start: time.Date(2026, 10, 30, 20, 0, 0, 0, time.UTC)})
	var runs []models.WorkflowRun
	for i := 0; i < n; i++ {
		if h := g.Run(i); h.Runs[0].TenantID == g.Tenant(1) && h.Runs[0].AppID == g.App(1, 0) {
			runs = append(runs, h.Runs[0])
		}
	}
	sort.Slice(runs, func(i, j int) bool { return runs[i].CreatedAt.Before(runs[j].CreatedAt) })
	sameDay := func(a, b time.Time) bool {
		for _, loc := range zones(t) {
			if a.In(loc).Format(time.DateOnly) != b.In(loc).Format(time.DateOnly) {
				return false
			}
		}
		return true
	}
	for i, a := range runs {
		for _, b := range runs[i+1:] {
			if b.CreatedBy == a.CreatedBy && b.CreatedAt.After(a.CreatedAt) && sameDay(a.CreatedAt, b.CreatedAt) {
				return g, a.CreatedAt.Add(time.Microsecond)
			}
		}
	}
	t.Fatal("the workload has no user who runs twice on one day; change its seed")
	return nil, time.Time{}
}

func zones(t *testing.T) []*time.Location {
	t.Helper()
	var out []*time.Location
	for _, name := range []string{"UTC", "Asia/Shanghai", "America/New_York"} {
		loc, err := time.LoadLocation(name)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, loc)
	}
	return out
}

// TestTieredDifferential writes a random workload through a tiered
// repository — PostgreSQL before the cutover, the LogStore emulator after —
// and checks every method twice: against the reference, and against one
// PostgreSQL database holding the same rows (same ids, same versions).
func TestTieredDifferential(t *testing.T) {
	const n = 80
	ctx := context.Background()
	g, cutover := tieredWorkload(t, n)
	older, _ := testdb.Open(t)
	newer, _ := testdb.OpenLogStore(t, nil)
	runs := repo.NewRuns(newer, repo.WithOlderTier(older, cutover))
	nodes := repo.NewNodeExecutions(newer, repo.WithOlderTier(older, cutover))
	ref := writeWorkload(t, ctx, runs, nodes, g, n, 11)

	t.Run("Routing", func(t *testing.T) {
		// Every version sits in the tier of its row's created_at, and both
		// tiers hold some: runs on both sides, and a run whose node
		// executions are split by the cutover.
		for _, c := range []struct {
			db     *gorm.DB
			before bool
		}{{older, true}, {newer, false}} {
			var got []models.WorkflowRun
			if err := c.db.Unscoped().Find(&got).Error; err != nil {
				t.Fatal(err)
			}
			if len(got) == 0 {
				t.Fatalf("the tier before=%v holds no runs", c.before)
			}
			for _, v := range got {
				if v.CreatedAt.Before(cutover) != c.before {
					t.Fatalf("run %s created %s is in the wrong tier (before=%v)", v.ID, v.CreatedAt, c.before)
				}
			}
		}
		split := 0
		for _, vs := range ref.nodes {
			if run := ref.runs[*vs[0].WorkflowRunID]; run[0].CreatedAt.Before(cutover) && !vs[0].CreatedAt.Before(cutover) {
				split++
			}
		}
		if split == 0 {
			t.Fatal("no run has node executions on both sides of the cutover")
		}
	})

	// One PostgreSQL database with every version the tiers hold.
	single, _ := testdb.Open(t)
	var allRuns []models.WorkflowRun
	var allNodes []models.WorkflowNodeExecution
	for _, vs := range ref.runs {
		allRuns = append(allRuns, vs...)
	}
	for _, vs := range ref.nodes {
		allNodes = append(allNodes, vs...)
	}
	if err := single.CreateInBatches(allRuns, 200).Error; err != nil {
		t.Fatal(err)
	}
	if err := single.CreateInBatches(allNodes, 200).Error; err != nil {
		t.Fatal(err)
	}
	oneRuns, oneNodes := repo.NewRuns(single), repo.NewNodeExecutions(single)

	t.Run("Reference", func(t *testing.T) { checkRepositories(t, ctx, runs, nodes, g, ref) })
	t.Run("OneDatabase", func(t *testing.T) { compareRepositories(t, ctx, g, cutover, runs, oneRuns, nodes, oneNodes, ref) })
	t.Run("CutoverDay", func(t *testing.T) {
		// Windows that start, end or sit inside the cutover's day, checked
		// against the reference.
		for _, loc := range zones(t) {
			for _, finishedOnly := range []bool{false, true} {
				rows := ref.latestRuns()
				if finishedOnly {
					rows = ref.finishedRuns()
				}
				for _, w := range cutoverWindows(cutover, loc) {
					for ti := 0; ti < g.Tenants(); ti++ {
						s := repo.Stats{TenantID: g.Tenant(ti), AppID: g.App(ti, 1), Location: loc, FinishedOnly: finishedOnly, From: w[0], To: w[1]}
						checkDaily(t, ctx, runs, s, rows)
					}
				}
			}
		}
	})
}

// cutoverWindows are [From, To) ranges around the cutover: open, ending at
// or starting at it, the cutover's calendar day, and an hour around it.
func cutoverWindows(cutover time.Time, loc *time.Location) [][2]time.Time {
	c := cutover.In(loc)
	dayStart := time.Date(c.Year(), c.Month(), c.Day(), 0, 0, 0, 0, loc)
	dayEnd := time.Date(c.Year(), c.Month(), c.Day()+1, 0, 0, 0, 0, loc)
	return [][2]time.Time{
		{}, {time.Time{}, cutover}, {cutover, time.Time{}}, {dayStart, dayEnd},
		{cutover.Add(-time.Hour), cutover.Add(time.Hour)}, {dayStart.AddDate(0, 0, -1), dayEnd.AddDate(0, 0, 1)},
	}
}

// compareRepositories asks the tiered and the one-database repositories the
// same questions and wants the same answers.
func compareRepositories(t *testing.T, ctx context.Context, g *workload.Generator, cutover time.Time,
	tiered, one *repo.Runs, tieredNodes, oneNodes *repo.NodeExecutions, ref *reference) {
	t.Helper()
	same := func(what string, a, b any, errA, errB error) {
		t.Helper()
		if errA != nil || errB != nil {
			t.Fatalf("%s: tiered error %v, one database error %v", what, errA, errB)
		}
		if !reflect.DeepEqual(a, b) {
			t.Fatalf("%s:\n    tiered %v\none database %v", what, a, b)
		}
	}
	for ti := 0; ti < g.Tenants(); ti++ {
		for ai := 0; ai < g.Apps(); ai++ {
			tenant, app := g.Tenant(ti), g.App(ti, ai)
			for _, limit := range []int{2, 7} {
				q := repo.ListRuns{TenantID: tenant, AppID: app, Limit: limit}
				for page := 0; ; page++ {
					a, errA := tiered.List(ctx, q)
					b, errB := one.List(ctx, q)
					same(fmt.Sprintf("List %+v page %d", q, page), pageIDs(a), pageIDs(b), errA, errB)
					if !a.HasMore {
						break
					}
					q.LastID = a.Runs[len(a.Runs)-1].ID
				}
			}
			for _, since := range []time.Time{{}, cutover.Add(-24 * time.Hour), cutover, cutover.Add(time.Hour)} {
				q := repo.CountRuns{TenantID: tenant, AppID: app, Since: since}
				a, errA := tiered.CountByStatus(ctx, q)
				b, errB := one.CountByStatus(ctx, q)
				same(fmt.Sprintf("CountByStatus %+v", q), a, b, errA, errB)
			}
			if ai != 0 {
				continue // the statistics of one app per tenant; CutoverDay checks the others
			}
			for _, loc := range zones(t) {
				for _, finishedOnly := range []bool{false, true} {
					for _, w := range cutoverWindows(cutover, loc)[2:5] { // from the cutover, its day, the hours around it
						s := repo.Stats{TenantID: tenant, AppID: app, Location: loc, FinishedOnly: finishedOnly, From: w[0], To: w[1]}
						what := fmt.Sprintf("(zone %s, finished only %v, %v–%v)", loc, finishedOnly, w[0], w[1])
						a, errA := tiered.DailyRuns(ctx, s)
						b, errB := one.DailyRuns(ctx, s)
						same("DailyRuns "+what, a, b, errA, errB)
						a, errA = tiered.DailyTerminals(ctx, s)
						b, errB = one.DailyTerminals(ctx, s)
						same("DailyTerminals "+what, a, b, errA, errB)
						a, errA = tiered.DailyTokenCosts(ctx, s)
						b, errB = one.DailyTokenCosts(ctx, s)
						same("DailyTokenCosts "+what, a, b, errA, errB)
						avgA, errA := tiered.AverageInteractions(ctx, s)
						avgB, errB := one.AverageInteractions(ctx, s)
						same("AverageInteractions "+what, avgA, avgB, errA, errB)
					}
				}
			}
		}
	}
	var runIDs []uuid.UUID
	for id, vs := range ref.runs {
		runIDs = append(runIDs, id)
		if len(runIDs)%2 == 0 && !splitByCutover(ref, id, cutover) {
			continue // half the runs, and every run whose executions the cutover splits
		}
		run := vs[0]
		a, errA := tiered.Get(ctx, run.TenantID, run.AppID, id)
		b, errB := one.Get(ctx, run.TenantID, run.AppID, id)
		same("Get "+id.String(), norm(*a), norm(*b), errA, errB)
		for _, order := range []repo.NodeOrder{{}, {By: repo.ByCreatedAt, Descending: true}} {
			na, errA := tieredNodes.ListByRun(ctx, run.TenantID, run.AppID, id, order)
			nb, errB := oneNodes.ListByRun(ctx, run.TenantID, run.AppID, id, order)
			same(fmt.Sprintf("ListByRun %s %+v", id, order), nodeVersions(na), nodeVersions(nb), errA, errB)
		}
	}
	for tenant := range map[uuid.UUID]bool{g.Tenant(0): true, g.Tenant(1): true} {
		a, errA := tieredNodes.CountByRuns(ctx, tenant, runIDs)
		b, errB := oneNodes.CountByRuns(ctx, tenant, runIDs)
		same("CountByRuns", a, b, errA, errB)
	}
	i := 0
	for _, vs := range ref.nodes {
		if i++; i%4 != 0 {
			continue // a quarter of the executions
		}
		e := vs[0]
		a, errA := tieredNodes.Last(ctx, e.TenantID, e.AppID, e.WorkflowID, e.NodeID)
		b, errB := oneNodes.Last(ctx, e.TenantID, e.AppID, e.WorkflowID, e.NodeID)
		if errors.Is(errA, repo.ErrNotFound) && errors.Is(errB, repo.ErrNotFound) {
			continue
		}
		same("Last "+e.NodeID, a.ID.String()+fmt.Sprint(a.Version), b.ID.String()+fmt.Sprint(b.Version), errA, errB)
		ga, errA := tieredNodes.Get(ctx, e.TenantID, e.ID)
		gb, errB := oneNodes.Get(ctx, e.TenantID, e.ID)
		same("node Get "+e.ID.String(), normNode(*ga), normNode(*gb), errA, errB)
	}
}

// splitByCutover reports whether run id has versions or node executions
// on both sides of the cutover.
func splitByCutover(ref *reference, id uuid.UUID, cutover time.Time) bool {
	before := ref.runs[id][0].CreatedAt.Before(cutover)
	for _, vs := range ref.nodes {
		if e := vs[0]; e.WorkflowRunID != nil && *e.WorkflowRunID == id && e.CreatedAt.Before(cutover) != before {
			return true
		}
	}
	return false
}

func pageIDs(p repo.RunPage) string {
	var b []string
	for _, r := range p.Runs {
		b = append(b, r.ID.String()[:8])
	}
	return fmt.Sprint(b, p.HasMore)
}

func nodeVersions(ns []models.WorkflowNodeExecution) []string {
	var out []string
	for _, n := range ns {
		out = append(out, fmt.Sprintf("%s@%d", n.ID.String()[:8], n.Version))
	}
	return out
}

// TestTieredOverlap: a tier answers only for its own span, so an older tier
// that also holds newer rows — a PostgreSQL mirror of the newer tier — does
// not count them twice, and a newer tier holding copied history is ignored
// below the cutover.
func TestTieredOverlap(t *testing.T) {
	ctx := context.Background()
	older, _ := testdb.Open(t)
	newer, _ := testdb.Open(t)
	cutover := time.Date(2026, 11, 2, 12, 0, 0, 0, time.UTC)
	tenant, app, user := uuid.New(), uuid.New(), uuid.New()
	mk := func(at time.Time, status models.RunStatus) models.WorkflowRun {
		return models.WorkflowRun{TenantID: tenant, AppID: app, Status: status, CreatedBy: user, CreatedAt: at, TriggeredFrom: models.RunFromAppRun}
	}
	runs := repo.NewRuns(newer, repo.WithOlderTier(older, cutover))
	before, after := mk(cutover.Add(-time.Hour), models.RunSucceeded), mk(cutover.Add(time.Hour), models.RunRunning)
	for _, r := range []*models.WorkflowRun{&before, &after} {
		if err := runs.Save(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	// Both tiers get a copy of the other's row, with the same version; the
	// copy of "before" in the newer tier is stale (an older status).
	stale := before
	stale.Status, stale.Version = models.RunRunning, before.Version-1
	if err := older.Create(&[]models.WorkflowRun{after}).Error; err != nil {
		t.Fatal(err)
	}
	if err := newer.Create(&stale).Error; err != nil {
		t.Fatal(err)
	}
	got, err := runs.Get(ctx, tenant, app, before.ID)
	if err != nil || got.Status != models.RunSucceeded {
		t.Fatalf("Get(before) = %v, %v; want the older tier's succeeded version", got, err)
	}
	counts, err := runs.CountByStatus(ctx, repo.CountRuns{TenantID: tenant, AppID: app})
	want := repo.StatusCounts{Total: 2, ByStatus: map[models.RunStatus]int64{models.RunSucceeded: 1, models.RunRunning: 1}}
	if err != nil || !reflect.DeepEqual(counts, want) {
		t.Fatalf("CountByStatus = %+v, %v; want %+v", counts, err, want)
	}
	page, err := runs.List(ctx, repo.ListRuns{TenantID: tenant, AppID: app})
	if err != nil || len(page.Runs) != 2 || page.Runs[0].ID != after.ID || page.Runs[1].Status != models.RunSucceeded {
		t.Fatalf("List = %+v, %v", page, err)
	}
	users, err := runs.DailyTerminals(ctx, repo.Stats{TenantID: tenant, AppID: app})
	if err != nil || fmt.Sprint(users) != "[{2026-11-02 1}]" {
		t.Fatalf("DailyTerminals = %v, %v", users, err)
	}
	avg, err := runs.AverageInteractions(ctx, repo.Stats{TenantID: tenant, AppID: app})
	if err != nil || fmt.Sprint(avg) != "[{2026-11-02 2}]" {
		t.Fatalf("AverageInteractions = %v, %v", avg, err)
	}
}

// TestTieredRetention: retention deletes in the tier that can and names the
// LogStore tier it leaves to the logstore's TTL.
func TestTieredRetention(t *testing.T) {
	ctx := context.Background()
	older, _ := testdb.Open(t)
	newer, _ := testdb.OpenLogStore(t, nil)
	cutover := time.Date(2026, 11, 2, 12, 0, 0, 0, time.UTC)
	runs := repo.NewRuns(newer, repo.WithOlderTier(older, cutover))
	nodes := repo.NewNodeExecutions(newer, repo.WithOlderTier(older, cutover))
	tenant, app := uuid.New(), uuid.New()
	var saved []models.WorkflowRun
	for _, at := range []time.Time{cutover.AddDate(0, 0, -3), cutover.AddDate(0, 0, -2), cutover.Add(time.Hour)} {
		r := models.WorkflowRun{TenantID: tenant, AppID: app, Status: models.RunSucceeded, CreatedBy: uuid.New(), CreatedAt: at}
		if err := runs.Save(ctx, &r); err != nil {
			t.Fatal(err)
		}
		e := models.WorkflowNodeExecution{TenantID: tenant, AppID: app, WorkflowRunID: &r.ID, Status: models.NodeSucceeded, CreatedAt: at.Add(time.Second)}
		if err := nodes.Save(ctx, &e); err != nil {
			t.Fatal(err)
		}
		saved = append(saved, r)
	}
	// A single-step execution before the cutover, which no run's deletion takes.
	step := models.WorkflowNodeExecution{TenantID: tenant, AppID: app, TriggeredFrom: models.NodeFromSingleStep, Status: models.NodeSucceeded, CreatedAt: cutover.AddDate(0, 0, -1)}
	if err := nodes.Save(ctx, &step); err != nil {
		t.Fatal(err)
	}

	t.Run("BeforeTheCutover", func(t *testing.T) {
		batch, err := runs.ExpiredBatch(ctx, cutover.AddDate(0, 0, -1), 10)
		if err != nil || len(batch) != 2 || batch[0].ID != saved[0].ID || batch[1].ID != saved[1].ID {
			t.Fatalf("ExpiredBatch = %d runs, %v; want the two older ones", len(batch), err)
		}
		if n, err := runs.DeleteByIDs(ctx, []uuid.UUID{batch[0].ID}); err != nil || n != 1 {
			t.Fatalf("DeleteByIDs = %d, %v", n, err)
		}
		if _, err := runs.Get(ctx, tenant, app, saved[0].ID); !errors.Is(err, repo.ErrNotFound) {
			t.Fatalf("the deleted run: %v", err)
		}
	})
	t.Run("ReachingTheLogStoreTier", func(t *testing.T) {
		// The job deletes what PostgreSQL holds, then hears that the rest is
		// the logstore's TTL's to expire.
		later := cutover.AddDate(0, 0, 1)
		batch, err := runs.ExpiredBatch(ctx, later, 10)
		if err != nil || len(batch) != 1 || batch[0].ID != saved[1].ID {
			t.Fatalf("ExpiredBatch = %d runs, %v; want the older tier's remaining run", len(batch), err)
		}
		if _, err := runs.DeleteByIDs(ctx, []uuid.UUID{batch[0].ID}); err != nil {
			t.Fatal(err)
		}
		batch, err = runs.ExpiredBatch(ctx, later, 10)
		var unsupported *dialect.UnsupportedError
		if len(batch) != 0 || !errors.As(err, &unsupported) || unsupported.Backend != dialect.LogStore {
			t.Fatalf("ExpiredBatch after the older tier is done = %d runs, %v; want the LogStore tier reported", len(batch), err)
		}
		n, err := nodes.DeleteExpired(ctx, later, 10)
		if n != 1 || !errors.Is(err, dialect.ErrUnsupported) {
			t.Fatalf("nodes.DeleteExpired = %d, %v; want the single step deleted and the LogStore tier reported", n, err)
		}
		if _, err := runs.Get(ctx, tenant, app, saved[2].ID); err != nil {
			t.Fatalf("the LogStore tier's run: %v", err)
		}
	})
}

// TestTieredCutoverDayManyUsers: the cutover day's users are read whole
// from a LogStore tier too, past its silent 100-row default.
func TestTieredCutoverDayManyUsers(t *testing.T) {
	ctx := context.Background()
	older, _ := testdb.Open(t)
	newer, _ := testdb.OpenLogStore(t, nil)
	cutover := time.Date(2026, 11, 2, 12, 0, 0, 0, time.UTC)
	runs := repo.NewRuns(newer, repo.WithOlderTier(older, cutover))
	tenant, app := uuid.New(), uuid.New()
	const users = 150
	var batch []models.WorkflowRun
	for i := 0; i < users; i++ {
		user := uuid.New()
		for _, at := range []time.Time{cutover.Add(-time.Duration(i+1) * time.Second), cutover.Add(time.Duration(i) * time.Second)} {
			batch = append(batch, models.WorkflowRun{TenantID: tenant, AppID: app, Status: models.RunSucceeded, CreatedBy: user, CreatedAt: at})
		}
	}
	// Every tenth user runs after the cutover only: 15 more users, 15 more runs.
	for i := 0; i < users/10; i++ {
		batch = append(batch, models.WorkflowRun{TenantID: tenant, AppID: app, Status: models.RunSucceeded, CreatedBy: uuid.New(), CreatedAt: cutover.Add(time.Hour)})
	}
	if err := runs.SaveBatch(ctx, batch); err != nil {
		t.Fatal(err)
	}
	s := repo.Stats{TenantID: tenant, AppID: app}
	terminals, err := runs.DailyTerminals(ctx, s)
	if err != nil || fmt.Sprint(terminals) != "[{2026-11-02 165}]" {
		t.Fatalf("DailyTerminals = %v, %v; want 165 users on 2026-11-02", terminals, err)
	}
	// 315 runs by 165 users: 1.909… → 1.91.
	avg, err := runs.AverageInteractions(ctx, s)
	if err != nil || fmt.Sprint(avg) != "[{2026-11-02 1.91}]" {
		t.Fatalf("AverageInteractions = %v, %v; want 1.91", avg, err)
	}
	daily, err := runs.DailyRuns(ctx, s)
	if err != nil || fmt.Sprint(daily) != "[{2026-11-02 315}]" {
		t.Fatalf("DailyRuns = %v, %v", daily, err)
	}
}

// TestTieredReadsItsWrites: the LogStore tier keeps its read-your-writes
// cache, so a run written a moment ago is found, listed with its node
// executions, while LogStore does not show it yet; the PostgreSQL tier
// needs none.
func TestTieredReadsItsWrites(t *testing.T) {
	ctx := context.Background()
	older, _ := testdb.Open(t)
	newer, _ := testdb.OpenLogStore(t, func(c *logstoretest.Config) { c.VisibilityDelay = time.Minute })
	cutover := time.Now().Add(-time.Hour)
	runs := repo.NewRuns(newer, repo.WithOlderTier(older, cutover))
	nodes := repo.NewNodeExecutions(newer, repo.WithOlderTier(older, cutover))
	tenant, app := uuid.New(), uuid.New()
	run := models.WorkflowRun{TenantID: tenant, AppID: app, Status: models.RunRunning, CreatedBy: uuid.New()} // created now: LogStore
	if err := runs.Save(ctx, &run); err != nil {
		t.Fatal(err)
	}
	if run.CreatedAt.Before(cutover) {
		t.Fatalf("a zero CreatedAt became %s, before the cutover", run.CreatedAt)
	}
	old := models.WorkflowRun{TenantID: tenant, AppID: app, Status: models.RunRunning, CreatedAt: cutover.Add(-time.Hour)}
	if err := runs.Save(ctx, &old); err != nil {
		t.Fatal(err)
	}
	// The old run's node execution comes after the cutover: LogStore.
	e := models.WorkflowNodeExecution{TenantID: tenant, AppID: app, WorkflowRunID: &old.ID, Index: 1, Status: models.NodeRunning, CreatedAt: time.Now()}
	if err := nodes.Save(ctx, &e); err != nil {
		t.Fatal(err)
	}
	for _, id := range []uuid.UUID{run.ID, old.ID} {
		if got, err := runs.Get(ctx, tenant, app, id); err != nil || got.ID != id {
			t.Fatalf("Get(%s) = %v, %v", id, got, err)
		}
	}
	if got, err := nodes.ListByRun(ctx, tenant, app, old.ID, repo.NodeOrder{}); err != nil || len(got) != 1 || got[0].ID != e.ID {
		t.Fatalf("ListByRun of the old run = %v, %v; want the execution LogStore does not show yet", got, err)
	}
	// Lists read the backends, which do not show the LogStore write yet.
	page, err := runs.List(ctx, repo.ListRuns{TenantID: tenant, AppID: app})
	if err != nil || len(page.Runs) != 1 || page.Runs[0].ID != old.ID {
		t.Fatalf("List = %+v, %v; want only the PostgreSQL tier's run while LogStore hides the other", page.Runs, err)
	}
}
