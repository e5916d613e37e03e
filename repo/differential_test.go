package repo_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"reflect"
	"sort"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/wflog/wflog/internal/dialect"
	"github.com/wflog/wflog/internal/testdb"
	"github.com/wflog/wflog/internal/workload"
	"github.com/wflog/wflog/models"
	"github.com/wflog/wflog/repo"
)

// reference holds every version written, and answers every question the
// repositories answer, in plain Go.
type reference struct {
	runs  map[uuid.UUID][]models.WorkflowRun // by id, in write (= version) order
	nodes map[uuid.UUID][]models.WorkflowNodeExecution
}

func (ref *reference) latestRuns() []models.WorkflowRun {
	var out []models.WorkflowRun
	for _, vs := range ref.runs {
		out = append(out, vs[len(vs)-1])
	}
	return out
}

// finishedRuns: each run's latest version with finished_at set.
func (ref *reference) finishedRuns() []models.WorkflowRun {
	var out []models.WorkflowRun
	for _, vs := range ref.runs {
		for i := len(vs) - 1; i >= 0; i-- {
			if vs[i].FinishedAt != nil {
				out = append(out, vs[i])
				break
			}
		}
	}
	return out
}

func (ref *reference) latestNodes() []models.WorkflowNodeExecution {
	var out []models.WorkflowNodeExecution
	for _, vs := range ref.nodes {
		out = append(out, vs[len(vs)-1])
	}
	return out
}

func norm(r models.WorkflowRun) models.WorkflowRun {
	r.CreatedAt = r.CreatedAt.UTC()
	if r.FinishedAt != nil {
		t := r.FinishedAt.UTC()
		r.FinishedAt = &t
	}
	return r
}

func normNode(n models.WorkflowNodeExecution) models.WorkflowNodeExecution {
	n.CreatedAt = n.CreatedAt.UTC()
	if n.FinishedAt != nil {
		t := n.FinishedAt.UTC()
		n.FinishedAt = &t
	}
	return n
}

// writeWorkload writes the histories of n runs through the repositories,
// interleaving runs at random (each run's versions stay in order), some by
// Save and some by SaveBatch, and records every version in the reference.
func writeWorkload(t *testing.T, ctx context.Context, runs *repo.Runs, nodes *repo.NodeExecutions, g *workload.Generator, n int, seed uint64) *reference {
	t.Helper()
	ref := &reference{runs: map[uuid.UUID][]models.WorkflowRun{}, nodes: map[uuid.UUID][]models.WorkflowNodeExecution{}}
	r := rand.New(rand.NewPCG(seed, 99))
	type pending struct {
		runs  []models.WorkflowRun
		nodes []models.WorkflowNodeExecution
	}
	var queue []*pending
	for i := 0; i < n; i++ {
		h := g.Run(i)
		queue = append(queue, &pending{runs: h.Runs, nodes: h.Nodes})
	}
	// First versions of the first third in one SaveBatch.
	var first []models.WorkflowRun
	for _, p := range queue[:n/3] {
		first = append(first, p.runs[0])
		p.runs = p.runs[1:]
	}
	if err := runs.SaveBatch(ctx, first); err != nil {
		t.Fatal(err)
	}
	for _, v := range first {
		ref.runs[v.ID] = append(ref.runs[v.ID], v)
	}
	for len(queue) > 0 {
		i := r.IntN(len(queue))
		p := queue[i]
		switch {
		case len(p.runs) > 0 && (len(p.nodes) == 0 || r.IntN(2) == 0):
			v := p.runs[0]
			p.runs = p.runs[1:]
			if err := runs.Save(ctx, &v); err != nil {
				t.Fatal(err)
			}
			ref.runs[v.ID] = append(ref.runs[v.ID], v)
		case len(p.nodes) > 0:
			k := 1 + r.IntN(3)
			if k > len(p.nodes) {
				k = len(p.nodes)
			}
			batch := append([]models.WorkflowNodeExecution(nil), p.nodes[:k]...)
			p.nodes = p.nodes[k:]
			if k == 1 {
				if err := nodes.Save(ctx, &batch[0]); err != nil {
					t.Fatal(err)
				}
			} else if err := nodes.SaveBatch(ctx, batch); err != nil {
				t.Fatal(err)
			}
			for _, e := range batch {
				ref.nodes[e.ID] = append(ref.nodes[e.ID], e)
			}
		}
		if len(p.runs) == 0 && len(p.nodes) == 0 {
			queue = append(queue[:i], queue[i+1:]...)
		}
	}
	return ref
}

func TestDifferential(t *testing.T) {
	const runsPerBackend = 90
	testdb.Each(t, func(t *testing.T, b testdb.Backend) {
		db, _ := b.Open(t)
		ctx := context.Background()
		runs, nodes := repo.NewRuns(db), repo.NewNodeExecutions(db)
		g := workload.New(workload.Config{Seed: 7, Tenants: 2, AppsPerTenant: 2, Users: 4, Days: 5, NodesPerRun: 3, TiesEvery: 5,
			Start: time.Date(2026, 10, 30, 20, 0, 0, 0, time.UTC)})
		ref := writeWorkload(t, ctx, runs, nodes, g, runsPerBackend, 7)

		checkRepositories(t, ctx, runs, nodes, g, ref)
		// The statistics from each source the backend has, the default
		// above: on PostgreSQL and SQLite the pre-aggregated tables, and the scan.
		t.Run("Scan", func(t *testing.T) { checkStats(t, ctx, repo.NewRuns(db, repo.WithStatsSource(repo.StatsScan)), g, ref) })
		if b.Kind != dialect.LogStore {
			t.Run("Preaggregated", func(t *testing.T) {
				checkStats(t, ctx, repo.NewRuns(db, repo.WithStatsSource(repo.StatsPreaggregated)), g, ref)
			})
		}
	})
}

// checkRepositories asks runs and nodes every question the repositories
// answer about the rows in ref, which g generated, and compares the answers
// with the reference's.
func checkRepositories(t *testing.T, ctx context.Context, runs *repo.Runs, nodes *repo.NodeExecutions, g *workload.Generator, ref *reference) {
	t.Helper()
	latest := ref.latestRuns()
	t.Run("Get", func(t *testing.T) {
		for _, want := range latest {
			got, err := runs.Get(ctx, want.TenantID, want.AppID, want.ID)
			if err != nil || !reflect.DeepEqual(norm(*got), norm(want)) {
				t.Fatalf("Get(%s) = %+v, %v\nwant %+v", want.ID, got, err, want)
			}
			got, err = runs.GetByID(ctx, want.ID)
			if err != nil || got.Version != want.Version {
				t.Fatalf("GetByID(%s) = %v, %v", want.ID, got, err)
			}
			if _, err := runs.Get(ctx, want.TenantID, uuid.New(), want.ID); !errors.Is(err, repo.ErrNotFound) {
				t.Fatalf("Get with another app = %v, want ErrNotFound", err)
			}
		}
		if _, err := runs.GetByID(ctx, uuid.New()); !errors.Is(err, repo.ErrNotFound) {
			t.Fatalf("GetByID(unknown) = %v", err)
		}
	})

	t.Run("List", func(t *testing.T) {
		for ti := 0; ti < g.Tenants(); ti++ {
			for ai := 0; ai < g.Apps(); ai++ {
				tenant, app := g.Tenant(ti), g.App(ti, ai)
				for _, q := range []repo.ListRuns{
					{Limit: 7},
					{Limit: 20},
					{Limit: 4, Status: []models.RunStatus{models.RunRunning}},
					{Limit: 5, Status: []models.RunStatus{models.RunSucceeded, models.RunFailed}, TriggeredFrom: []models.RunTriggeredFrom{models.RunFromAppRun}},
				} {
					q.TenantID, q.AppID = tenant, app
					var want []uuid.UUID
					for _, r := range sortedNewestFirst(latest) {
						if r.TenantID == tenant && r.AppID == app && (len(q.Status) == 0 || contains(q.Status, r.Status)) &&
							(len(q.TriggeredFrom) == 0 || contains(q.TriggeredFrom, r.TriggeredFrom)) {
							want = append(want, r.ID)
						}
					}
					var got []uuid.UUID
					for page := 0; ; page++ {
						p, err := runs.List(ctx, q)
						if err != nil {
							t.Fatal(err)
						}
						for _, r := range p.Runs {
							got = append(got, r.ID)
						}
						if wantMore := len(got) < len(want); p.HasMore != wantMore {
							t.Fatalf("page %d of %+v: HasMore = %v after %d of %d", page, q, p.HasMore, len(got), len(want))
						}
						if !p.HasMore {
							break
						}
						q.LastID = p.Runs[len(p.Runs)-1].ID
					}
					if fmt.Sprint(got) != fmt.Sprint(want) {
						t.Fatalf("List %+v:\n got %v\nwant %v", q, got, want)
					}
				}
			}
		}
		if _, err := runs.List(ctx, repo.ListRuns{TenantID: g.Tenant(0), AppID: g.App(0, 0), LastID: uuid.New()}); !errors.Is(err, repo.ErrNotFound) {
			t.Errorf("List after an unknown run = %v, want ErrNotFound", err)
		}
	})

	checkStats(t, ctx, runs, g, ref)
	checkNodes(t, ctx, nodes, ref)
}

// checkStats compares every statistic of runs over the rows in ref with
// the reference's: in zones with :30 and :45 offsets and across a
// daylight-saving change, over ranges that start and end on a bucket's
// edge and off it, and open ones.
func checkStats(t *testing.T, ctx context.Context, runs *repo.Runs, g *workload.Generator, ref *reference) {
	t.Helper()
	latest := ref.latestRuns()
	mid := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	t.Run("CountByStatus", func(t *testing.T) {
		for ti := 0; ti < g.Tenants(); ti++ {
			for ai := 0; ai < g.Apps(); ai++ {
				for _, q := range []repo.CountRuns{{}, {Since: mid}, {Since: mid.Add(-7*time.Minute - 3*time.Second)},
					{TriggeredFrom: []models.RunTriggeredFrom{models.RunFromDebugging, models.RunFromWebhook}, Since: mid.Add(time.Minute)}} {
					q.TenantID, q.AppID = g.Tenant(ti), g.App(ti, ai)
					want := repo.StatusCounts{ByStatus: map[models.RunStatus]int64{}}
					for _, r := range latest {
						if r.TenantID == q.TenantID && r.AppID == q.AppID && !r.CreatedAt.Before(q.Since) &&
							(len(q.TriggeredFrom) == 0 || contains(q.TriggeredFrom, r.TriggeredFrom)) {
							want.ByStatus[r.Status]++
							want.Total++
						}
					}
					got, err := runs.CountByStatus(ctx, q)
					if err != nil || !reflect.DeepEqual(got, want) {
						t.Fatalf("CountByStatus %+v = %+v, %v; want %+v", q, got, err, want)
					}
				}
			}
		}
	})

	t.Run("Daily", func(t *testing.T) {
		var zones []*time.Location
		// Offsets of :30 and :45, and daylight saving ending on
		// 2026-11-01 in New York (a 25-hour day).
		for _, name := range []string{"UTC", "Asia/Shanghai", "America/New_York", "Asia/Kolkata", "Asia/Kathmandu", "Australia/Eucla"} {
			loc, err := time.LoadLocation(name)
			if err != nil {
				t.Fatal(err)
			}
			zones = append(zones, loc)
		}
		for _, loc := range zones {
			for _, finishedOnly := range []bool{false, true} {
				for _, window := range [][2]time.Time{{}, {mid, mid.Add(48 * time.Hour)},
					{mid.Add(-13*time.Minute - 7*time.Second), mid.Add(50*time.Hour + 4*time.Minute)}, {mid, time.Time{}}, {time.Time{}, mid.Add(time.Minute)}} {
					s := repo.Stats{TenantID: g.Tenant(1), AppID: g.App(1, 0), Location: loc, FinishedOnly: finishedOnly, From: window[0], To: window[1]}
					if loc.String() == "Asia/Kathmandu" {
						s.TriggeredFrom = []models.RunTriggeredFrom{models.RunFromAppRun, models.RunFromWebhook}
					}
					rows := latest
					if finishedOnly {
						rows = ref.finishedRuns()
					}
					checkDaily(t, ctx, runs, s, rows)
				}
			}
		}
	})
}

// checkNodes compares the node-execution answers of nodes with ref's.
func checkNodes(t *testing.T, ctx context.Context, nodes *repo.NodeExecutions, ref *reference) {
	t.Helper()
	latest := ref.latestRuns()
	latestNodes := ref.latestNodes()
	t.Run("Nodes", func(t *testing.T) {
		for _, run := range latest[:20] {
			for _, order := range []repo.NodeOrder{{}, {By: repo.ByIndex, Descending: true}, {By: repo.ByCreatedAt}, {By: repo.ByCreatedAt, Descending: true}} {
				var want []models.WorkflowNodeExecution
				for _, e := range latestNodes {
					if e.WorkflowRunID != nil && *e.WorkflowRunID == run.ID {
						want = append(want, normNode(e))
					}
				}
				sortNodes(want, order)
				got, err := nodes.ListByRun(ctx, run.TenantID, run.AppID, run.ID, order)
				if err != nil {
					t.Fatal(err)
				}
				for i := range got {
					got[i] = normNode(got[i])
				}
				if len(got) != len(want) || (len(want) > 0 && !reflect.DeepEqual(got, want)) {
					t.Fatalf("ListByRun(%s, %+v): got %d, want %d executions\n got %v\nwant %v", run.ID, order, len(got), len(want), nodeIDs(got), nodeIDs(want))
				}
			}
			if other, err := nodes.ListByRun(ctx, run.TenantID, uuid.New(), run.ID, repo.NodeOrder{}); err != nil || len(other) != 0 {
				t.Fatalf("ListByRun with another app = %d executions, %v", len(other), err)
			}
		}
		for _, e := range latestNodes[:30] {
			got, err := nodes.Get(ctx, e.TenantID, e.ID)
			if err != nil || !reflect.DeepEqual(normNode(*got), normNode(e)) {
				t.Fatalf("Get node %s = %+v, %v", e.ID, got, err)
			}
			if _, err := nodes.Get(ctx, uuid.New(), e.ID); !errors.Is(err, repo.ErrNotFound) {
				t.Fatalf("Get node with another tenant = %v", err)
			}
			// Last: the newest execution of this node that is not paused.
			var want *models.WorkflowNodeExecution
			for i := range latestNodes {
				c := &latestNodes[i]
				if c.TenantID == e.TenantID && c.AppID == e.AppID && c.WorkflowID == e.WorkflowID && c.NodeID == e.NodeID && c.Status != models.NodePaused &&
					(want == nil || c.CreatedAt.After(want.CreatedAt) || c.CreatedAt.Equal(want.CreatedAt) && c.ID.String() > want.ID.String()) {
					want = c
				}
			}
			last, err := nodes.Last(ctx, e.TenantID, e.AppID, e.WorkflowID, e.NodeID)
			switch {
			case want == nil && !errors.Is(err, repo.ErrNotFound):
				t.Fatalf("Last(%s) = %v, %v; want ErrNotFound", e.NodeID, last, err)
			case want != nil && (err != nil || last.ID != want.ID || last.Version != want.Version):
				t.Fatalf("Last(%s) = %v, %v; want %s", e.NodeID, last, err, want.ID)
			}
		}
		var ids []uuid.UUID
		want := map[uuid.UUID]int64{}
		tenant := latest[0].TenantID
		for _, run := range latest {
			ids = append(ids, run.ID)
		}
		for _, e := range latestNodes {
			if e.TenantID == tenant && e.WorkflowRunID != nil {
				want[*e.WorkflowRunID]++
			}
		}
		got, err := nodes.CountByRuns(ctx, tenant, ids)
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Fatalf("CountByRuns = %v, %v; want %v", got, err, want)
		}
	})
}

func checkDaily(t *testing.T, ctx context.Context, runs *repo.Runs, s repo.Stats, rows []models.WorkflowRun) {
	t.Helper()
	type day struct {
		runs, tokens int64
		users        map[uuid.UUID]bool
	}
	days := map[string]*day{}
	for _, r := range rows {
		if r.TenantID != s.TenantID || r.AppID != s.AppID || (!s.From.IsZero() && r.CreatedAt.Before(s.From)) || (!s.To.IsZero() && !r.CreatedAt.Before(s.To)) ||
			(len(s.TriggeredFrom) > 0 && !contains(s.TriggeredFrom, r.TriggeredFrom)) {
			continue
		}
		key := r.CreatedAt.In(s.Location).Format("2006-01-02")
		if days[key] == nil {
			days[key] = &day{users: map[uuid.UUID]bool{}}
		}
		days[key].runs++
		days[key].tokens += r.TotalTokens
		days[key].users[r.CreatedBy] = true
	}
	var keys []string
	for k := range days {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var wantRuns, wantUsers, wantTokens []repo.DailyCount
	var wantAvg []repo.DailyAverage
	for _, k := range keys {
		d := days[k]
		wantRuns = append(wantRuns, repo.DailyCount{Day: k, Count: d.runs})
		wantUsers = append(wantUsers, repo.DailyCount{Day: k, Count: int64(len(d.users))})
		wantTokens = append(wantTokens, repo.DailyCount{Day: k, Count: d.tokens})
		// Dify's definition: the average over users of each user's runs that day.
		perUser := map[uuid.UUID]int64{}
		for _, r := range rows {
			if r.TenantID == s.TenantID && r.AppID == s.AppID && r.CreatedAt.In(s.Location).Format("2006-01-02") == k &&
				(len(s.TriggeredFrom) == 0 || contains(s.TriggeredFrom, r.TriggeredFrom)) &&
				(s.From.IsZero() || !r.CreatedAt.Before(s.From)) && (s.To.IsZero() || r.CreatedAt.Before(s.To)) {
				perUser[r.CreatedBy]++
			}
		}
		var sum int64
		for _, n := range perUser {
			sum += n
		}
		avg := float64(sum) / float64(len(perUser))
		wantAvg = append(wantAvg, repo.DailyAverage{Day: k, Average: roundHalfUp2(sum, int64(len(perUser)), avg)})
	}
	check := func(name string, got, want any, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s %+v: %v", name, s, err)
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("%s (zone %s, finished only %v, %v–%v):\n got %v\nwant %v", name, s.Location, s.FinishedOnly, s.From, s.To, got, want)
		}
	}
	got, err := runs.DailyRuns(ctx, s)
	check("DailyRuns", got, wantRuns, err)
	got, err = runs.DailyTerminals(ctx, s)
	check("DailyTerminals", got, wantUsers, err)
	got, err = runs.DailyTokenCosts(ctx, s)
	check("DailyTokenCosts", got, wantTokens, err)
	avg, err := runs.AverageInteractions(ctx, s)
	check("AverageInteractions", avg, wantAvg, err)
}

// roundHalfUp2 rounds num/den to two decimals, half up, checked against
// the float average so that the reference is not merely the code again.
func roundHalfUp2(num, den int64, avg float64) float64 {
	cents := (num*200 + den) / (2 * den)
	if d := float64(cents)/100 - avg; d > 0.005+1e-9 || d < -0.005-1e-9 {
		panic(fmt.Sprintf("rounding %d/%d gave %v, average %v", num, den, float64(cents)/100, avg))
	}
	return float64(cents) / 100
}

func sortedNewestFirst(rs []models.WorkflowRun) []models.WorkflowRun {
	out := append([]models.WorkflowRun(nil), rs...)
	sort.Slice(out, func(i, j int) bool {
		if !out[i].CreatedAt.Equal(out[j].CreatedAt) {
			return out[i].CreatedAt.After(out[j].CreatedAt)
		}
		return out[i].ID.String() > out[j].ID.String()
	})
	return out
}

func sortNodes(ns []models.WorkflowNodeExecution, o repo.NodeOrder) {
	sort.Slice(ns, func(i, j int) bool {
		a, b := &ns[i], &ns[j]
		if o.Descending {
			a, b = b, a
		}
		if o.By == repo.ByIndex && a.Index != b.Index {
			return a.Index < b.Index
		}
		if !a.CreatedAt.Equal(b.CreatedAt) {
			return a.CreatedAt.Before(b.CreatedAt)
		}
		return a.ID.String() < b.ID.String()
	})
}

func nodeIDs(ns []models.WorkflowNodeExecution) []string {
	var out []string
	for _, n := range ns {
		out = append(out, fmt.Sprintf("%d/%s", n.Index, n.ID.String()[:8]))
	}
	return out
}

func contains[T comparable](xs []T, x T) bool {
	for _, y := range xs {
		if x == y {
			return true
		}
	}
	return false
}
