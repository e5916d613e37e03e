// Package workload generates realistic workflow histories: runs that stay
// running, pause and resume, finish once or finish twice, with node
// executions that retry. It is deterministic for a seed and generates run by
// run, so a million runs stream without being held in memory. The tests'
// differential reference, the demo and the simulator all use it.
package workload

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/wflog/wflog/models"
)

// Config shapes a workload.
type Config struct {
	Seed          uint64
	Tenants       int       // default 1
	AppsPerTenant int       // default 2
	Users         int       // distinct created_by per app; default 5
	Start         time.Time // runs are created in [Start, Start+Days)
	Days          int       // default 7
	// Span, when set, replaces Days: runs are created in [Start, Start+Span).
	Span time.Duration
	// Runs, when set, is how many runs will be generated: creation times
	// then rise with the run number, as runs arrive in production (which
	// is how rows lie on disk); later runs wrap around. Zero spreads them
	// at random.
	Runs         int
	NodesPerRun  int // node executions per run, before retries; 0: none
	PayloadBytes int // size of each run's outputs JSON; default 64
	// Versions, when set, gives every run exactly this many versions: running
	// ones, then a terminal one (succeeded, failed or stopped) — the shape of
	// the benchmark's data set. Zero mixes the realistic shapes below.
	Versions int
	// TiesEvery makes every TiesEvery-th run share its created_at with the
	// previous run of its app (keyset paging must not skip or repeat them);
	// 0: never.
	TiesEvery int
}

// Shape is how a run's history goes.
type Shape int

// The shapes Run chooses from, with equal chances.
const (
	StaysRunning    Shape    = iota // running, running
	Succeeds                        // running → succeeded
	Fails                           // running → failed
	Stopped                         // running → stopped
	PausedResumed                   // running → paused → running → succeeded
	FinishesTwice                   // running → failed → succeeded (a retried run: two terminal versions)
	PartialSucceeds                 // running → partial-succeeded
	ResumedAfterEnd                 // running → succeeded → running (resumed after it finished; running now)
	shapes                          // how many shapes Run chooses from
	Fixed           = shapes        // Config.Versions versions: running …, then terminal
)

func (s Shape) String() string {
	return [...]string{"stays-running", "succeeds", "fails", "stopped", "paused-resumed", "finishes-twice", "partial-succeeds", "resumed-after-end", "fixed"}[s]
}

// Generator makes runs. It is not safe for concurrent use.
type Generator struct {
	cfg     Config
	tenants []uuid.UUID
	apps    [][]uuid.UUID // per tenant
	users   [][]uuid.UUID // per app index
	wfs     []uuid.UUID   // a workflow per app index
}

// New returns a generator for cfg.
func New(cfg Config) *Generator {
	if cfg.Tenants <= 0 {
		cfg.Tenants = 1
	}
	if cfg.AppsPerTenant <= 0 {
		cfg.AppsPerTenant = 2
	}
	if cfg.Users <= 0 {
		cfg.Users = 5
	}
	if cfg.Days <= 0 {
		cfg.Days = 7
	}
	if cfg.PayloadBytes <= 0 {
		cfg.PayloadBytes = 64
	}
	if cfg.Start.IsZero() {
		cfg.Start = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	}
	r := rand.New(rand.NewPCG(cfg.Seed, 1))
	g := &Generator{cfg: cfg}
	for t := 0; t < cfg.Tenants; t++ {
		g.tenants = append(g.tenants, newUUID(r))
		var apps []uuid.UUID
		for a := 0; a < cfg.AppsPerTenant; a++ {
			apps = append(apps, newUUID(r))
			var users []uuid.UUID
			for u := 0; u < cfg.Users; u++ {
				users = append(users, newUUID(r))
			}
			g.users = append(g.users, users)
			g.wfs = append(g.wfs, newUUID(r))
		}
		g.apps = append(g.apps, apps)
	}
	return g
}

// Tenant returns tenant t's id; App returns app a of tenant t.
func (g *Generator) Tenant(t int) uuid.UUID { return g.tenants[t] }

// App returns app a of tenant t.
func (g *Generator) App(t, a int) uuid.UUID { return g.apps[t][a] }

// Apps is how many apps each tenant has.
func (g *Generator) Apps() int { return g.cfg.AppsPerTenant }

// Tenants is how many tenants there are.
func (g *Generator) Tenants() int { return g.cfg.Tenants }

// History is one run's versions in order, and its node executions' versions
// in order. Versions are zero: the store assigns them as they are saved.
type History struct {
	Shape Shape
	Runs  []models.WorkflowRun
	Nodes []models.WorkflowNodeExecution
}

func newUUID(r *rand.Rand) uuid.UUID {
	var u uuid.UUID
	for i := range u {
		u[i] = byte(r.Uint32())
	}
	u[6] = (u[6] & 0x0f) | 0x40 // version 4
	u[8] = (u[8] & 0x3f) | 0x80 // RFC 4122 variant
	return u
}

// Run returns the history of run i (0, 1, 2, …); the same config and i give
// the same history. Runs are spread over the tenants and apps round-robin.
func (g *Generator) Run(i int) History {
	r := rand.New(rand.NewPCG(g.cfg.Seed, uint64(i)+2))
	cfg := g.cfg
	appIndex := i % (cfg.Tenants * cfg.AppsPerTenant)
	tenant := g.tenants[appIndex/cfg.AppsPerTenant]
	app := g.apps[appIndex/cfg.AppsPerTenant][appIndex%cfg.AppsPerTenant]
	created := g.createdAt(i, r)
	shape := Shape(r.IntN(int(shapes)))
	if cfg.Versions > 0 {
		shape = Fixed
	}
	triggers := []models.RunTriggeredFrom{models.RunFromAppRun, models.RunFromAppRun, models.RunFromDebugging, models.RunFromWebhook, models.RunFromSchedule}
	base := models.WorkflowRun{
		ID:              newUUID(r),
		TenantID:        tenant,
		AppID:           app,
		WorkflowID:      g.wfs[appIndex],
		Type:            models.WorkflowTypeWorkflow,
		TriggeredFrom:   triggers[r.IntN(len(triggers))],
		WorkflowVersion: "2026-10-30 12:00:00",
		Graph:           ptr(`{"nodes":[{"id":"start"},{"id":"llm"},{"id":"end"}],"edges":[]}`),
		Inputs:          ptr(fmt.Sprintf(`{"query":"question %d"}`, i)),
		Status:          models.RunRunning,
		CreatedByRole:   models.CreatedByEndUser,
		CreatedBy:       g.users[appIndex][r.IntN(cfg.Users)],
		CreatedAt:       created,
	}
	at := created
	step := func() time.Time {
		at = at.Add(time.Duration(1+r.IntN(30000)) * time.Millisecond).Truncate(time.Microsecond)
		return at
	}
	version := func(status models.RunStatus, steps int, tokens int64) models.WorkflowRun {
		v := base
		v.Status, v.TotalSteps, v.TotalTokens = status, steps, tokens
		v.ElapsedTime = step().Sub(created).Seconds()
		if status.Terminal() {
			end := at
			v.FinishedAt = &end
			v.Outputs = ptr(payload(r, cfg.PayloadBytes))
			if status == models.RunFailed {
				v.Error = ptr("node llm failed: rate limited")
			}
		}
		return v
	}
	tokens := func() int64 { return int64(100 + r.IntN(5000)) }
	var runs []models.WorkflowRun
	switch shape {
	case StaysRunning:
		runs = []models.WorkflowRun{version(models.RunRunning, 0, 0), version(models.RunRunning, 1, tokens())}
	case Succeeds:
		runs = []models.WorkflowRun{version(models.RunRunning, 0, 0), version(models.RunRunning, 1, 0), version(models.RunSucceeded, 3, tokens())}
	case Fails:
		runs = []models.WorkflowRun{version(models.RunRunning, 0, 0), version(models.RunFailed, 2, tokens())}
	case Stopped:
		runs = []models.WorkflowRun{version(models.RunRunning, 0, 0), version(models.RunStopped, 1, tokens())}
	case PausedResumed:
		t := tokens()
		runs = []models.WorkflowRun{version(models.RunRunning, 0, 0), version(models.RunPaused, 1, t), version(models.RunRunning, 2, t), version(models.RunSucceeded, 3, t+tokens())}
	case FinishesTwice:
		t := tokens()
		runs = []models.WorkflowRun{version(models.RunRunning, 0, 0), version(models.RunFailed, 1, t), version(models.RunSucceeded, 3, t+tokens())}
	case PartialSucceeds:
		runs = []models.WorkflowRun{version(models.RunRunning, 0, 0), version(models.RunPartialSucceeded, 3, tokens())}
	case ResumedAfterEnd:
		t := tokens()
		runs = []models.WorkflowRun{version(models.RunRunning, 0, 0), version(models.RunSucceeded, 2, t), version(models.RunRunning, 3, t)}
	case Fixed:
		for v := 0; v < cfg.Versions-1; v++ {
			runs = append(runs, version(models.RunRunning, v, 0))
		}
		end := []models.RunStatus{models.RunSucceeded, models.RunSucceeded, models.RunSucceeded, models.RunFailed, models.RunStopped}
		runs = append(runs, version(end[r.IntN(len(end))], cfg.Versions, tokens()))
	}
	return History{Shape: shape, Runs: runs, Nodes: g.nodes(r, &base, created)}
}

// createdAt is run i's creation time: the first draw of its random stream
// r, or, for a tie, the creation time of the previous run of the same app
// (runs go to apps round-robin).
func (g *Generator) createdAt(i int, r *rand.Rand) time.Time {
	span := time.Duration(g.cfg.Days) * 24 * time.Hour
	if g.cfg.Span > 0 {
		span = g.cfg.Span
	}
	offset := time.Duration(r.Int64N(int64(span)))
	if g.cfg.Runs > 0 {
		// slot·i, not span·i/Runs: span·i overflows int64 nanoseconds
		// for a month of a million runs.
		// Runs past Runs wrap around, so every run stays inside the window.
		slot := max(span/time.Duration(g.cfg.Runs), 1)
		offset = slot*time.Duration(i%g.cfg.Runs) + offset%slot
	}
	own := g.cfg.Start.Add(offset).Truncate(time.Microsecond)
	apps := g.cfg.Tenants * g.cfg.AppsPerTenant
	if g.cfg.TiesEvery > 0 && i >= apps && i%g.cfg.TiesEvery == 0 {
		return g.createdAt(i-apps, rand.New(rand.NewPCG(g.cfg.Seed, uint64(i-apps)+2)))
	}
	return own
}

// nodes makes the run's node executions: each node runs and succeeds, some
// retry first (an execution in status retry, then a new one), one may be
// paused for a while.
func (g *Generator) nodes(r *rand.Rand, run *models.WorkflowRun, created time.Time) []models.WorkflowNodeExecution {
	var out []models.WorkflowNodeExecution
	at := created
	index := 0
	runID := run.ID
	for k := 0; k < g.cfg.NodesPerRun; k++ {
		attempts := 1
		if r.IntN(4) == 0 {
			attempts = 2
		}
		for a := 0; a < attempts; a++ {
			index++
			at = at.Add(time.Duration(1+r.IntN(2000)) * time.Millisecond).Truncate(time.Microsecond)
			e := models.WorkflowNodeExecution{
				ID: newUUID(r), TenantID: run.TenantID, AppID: run.AppID, WorkflowID: run.WorkflowID,
				TriggeredFrom: models.NodeFromWorkflowRun, WorkflowRunID: &runID, Index: index,
				NodeID: fmt.Sprintf("node-%d", k), NodeType: []string{"start", "llm", "code", "end"}[k%4], Title: fmt.Sprintf("Node %d", k),
				Inputs: ptr(`{"x":1}`), Status: models.NodeRunning,
				CreatedByRole: run.CreatedByRole, CreatedBy: run.CreatedBy, CreatedAt: at,
			}
			if k > 0 {
				e.PredecessorNodeID = ptr(fmt.Sprintf("node-%d", k-1))
			}
			out = append(out, e)
			if r.IntN(8) == 0 {
				p := e
				p.Status = models.NodePaused
				out = append(out, p)
			}
			done := e
			end := at.Add(time.Duration(1+r.IntN(900)) * time.Millisecond).Truncate(time.Microsecond)
			done.FinishedAt, done.ElapsedTime = &end, end.Sub(at).Seconds()
			done.Status = models.NodeSucceeded
			if a < attempts-1 {
				done.Status, done.Error = models.NodeRetry, ptr("timeout")
			}
			done.Outputs = ptr(`{"y":2}`)
			out = append(out, done)
		}
	}
	return out
}

func payload(r *rand.Rand, n int) string {
	const letters = "abcdefghijklmnopqrstuvwxyz "
	var b strings.Builder
	b.Grow(n)
	b.WriteString(`{"text":"`)
	for b.Len() < n-2 {
		b.WriteByte(letters[r.IntN(len(letters))])
	}
	b.WriteString(`"}`)
	return b.String()
}

func ptr[T any](v T) *T { return &v }
