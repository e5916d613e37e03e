package mirror_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"reflect"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/wflog/wflog"
	"github.com/wflog/wflog/internal/testdb"
	"github.com/wflog/wflog/internal/workload"
	"github.com/wflog/wflog/logstoretest"
	"github.com/wflog/wflog/mirror"
	"github.com/wflog/wflog/models"
	"github.com/wflog/wflog/repo"
	"github.com/wflog/wflog/transfer"
)

// history is every version of both tables, in (id, version) order, with
// times in UTC: what a mirror must equal.
func history(t *testing.T, db *gorm.DB) (runs []models.WorkflowRun, nodes []models.WorkflowNodeExecution) {
	t.Helper()
	if err := db.Unscoped().Order("id, version").Find(&runs).Error; err != nil {
		t.Fatal(err)
	}
	if err := db.Unscoped().Order("id, version").Find(&nodes).Error; err != nil {
		t.Fatal(err)
	}
	for i := range runs {
		runs[i].CreatedAt = runs[i].CreatedAt.UTC()
		if f := runs[i].FinishedAt; f != nil {
			u := f.UTC()
			runs[i].FinishedAt = &u
		}
	}
	for i := range nodes {
		nodes[i].CreatedAt = nodes[i].CreatedAt.UTC()
		if f := nodes[i].FinishedAt; f != nil {
			u := f.UTC()
			nodes[i].FinishedAt = &u
		}
	}
	// LogStore reads cannot sort uuids as PostgreSQL does; sort here.
	sort.Slice(runs, func(i, j int) bool { return key(runs[i].ID, runs[i].Version) < key(runs[j].ID, runs[j].Version) })
	sort.Slice(nodes, func(i, j int) bool { return key(nodes[i].ID, nodes[i].Version) < key(nodes[j].ID, nodes[j].Version) })
	return runs, nodes
}

func key(id uuid.UUID, v any) string { return fmt.Sprintf("%s@%020d", id, v) }

// TestEveryWritePath: whatever way a version is written, the mirror gets
// it with the same id and version — on a PostgreSQL primary (where
// SaveBatch is COPY) and on a LogStore primary.
func TestEveryWritePath(t *testing.T) {
	primaries := map[string]func(t *testing.T, opts ...wflog.Option) *gorm.DB{
		"postgres": func(t *testing.T, opts ...wflog.Option) *gorm.DB { db, _ := testdb.Open(t, opts...); return db },
		"logstore": func(t *testing.T, opts ...wflog.Option) *gorm.DB {
			db, _ := testdb.OpenLogStore(t, nil, opts...)
			return db
		},
	}
	for name, open := range primaries {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			to, _ := testdb.Open(t)
			m, err := mirror.New(to, mirror.Config{Policy: mirror.Required})
			if err != nil {
				t.Fatal(err)
			}
			db := open(t, wflog.WithMirror(m))
			tenant, app := uuid.New(), uuid.New()
			mk := func() models.WorkflowRun {
				return models.WorkflowRun{TenantID: tenant, AppID: app, Status: models.RunRunning, CreatedBy: uuid.New(), CreatedAt: time.Now().UTC().Truncate(time.Microsecond)}
			}
			run := mk()
			must := func(what string, err error) {
				t.Helper()
				if err != nil {
					t.Fatalf("%s: %v", what, err)
				}
			}
			must("Create", db.Create(&run).Error)
			run.Status = models.RunPaused
			must("Save", db.Save(&run).Error)
			must("Updates", db.Model(&run).Updates(map[string]any{"status": models.RunRunning, "total_steps": 2}).Error)
			must("Update", db.Model(&run).Update("total_tokens", 10).Error)
			fresh := mk()
			must("Save of a new row", db.Save(&fresh).Error)
			batch := []models.WorkflowRun{mk(), mk(), mk()}
			must("CreateInBatches", db.CreateInBatches(&batch, 2).Error)
			runs, nodes := repo.NewRuns(db), repo.NewNodeExecutions(db)
			viaRepo := mk()
			must("Runs.Save", runs.Save(ctx, &viaRepo))
			bulk := []models.WorkflowRun{mk(), mk()}
			must("Runs.SaveBatch", runs.SaveBatch(ctx, bulk))
			bulk[0].Status = models.RunSucceeded
			must("Runs.SaveBatch again", runs.SaveBatch(ctx, bulk))
			es := []models.WorkflowNodeExecution{
				{TenantID: tenant, AppID: app, WorkflowRunID: &run.ID, Index: 1, Status: models.NodeRunning, CreatedAt: run.CreatedAt},
				{TenantID: tenant, AppID: app, WorkflowRunID: &run.ID, Index: 2, Status: models.NodeRunning, CreatedAt: run.CreatedAt},
			}
			must("NodeExecutions.SaveBatch", nodes.SaveBatch(ctx, es))
			es[0].Status = models.NodeSucceeded
			must("NodeExecutions.Save", nodes.Save(ctx, &es[0]))
			// Nothing changes: no new version, nothing mirrored.
			must("empty Updates", db.Model(&run).Updates(map[string]any{}).Error)

			wantRuns, wantNodes := history(t, db)
			gotRuns, gotNodes := history(t, to)
			if len(wantRuns) != 13 || len(wantNodes) != 3 {
				t.Fatalf("the primary holds %d run and %d node versions; want 13 and 3", len(wantRuns), len(wantNodes))
			}
			if !reflect.DeepEqual(gotRuns, wantRuns) || !reflect.DeepEqual(gotNodes, wantNodes) {
				t.Fatalf("the mirror differs from the primary:\n got %d runs %d nodes\nwant %d runs %d nodes", len(gotRuns), len(gotNodes), len(wantRuns), len(wantNodes))
			}
			if s := m.Stats(); s.Mirrored != 16 || s.Failed != 0 {
				t.Fatalf("Stats = %+v; want 16 mirrored, none failed", s)
			}
		})
	}
}

// TestAlreadyMirrored: a version the mirror has already (a repair copy ran
// first) counts as mirrored, and the rest of its batch still goes in.
func TestAlreadyMirrored(t *testing.T) {
	to, _ := testdb.Open(t)
	m, err := mirror.New(to, mirror.Config{Policy: mirror.Required})
	if err != nil {
		t.Fatal(err)
	}
	db, _ := testdb.Open(t, wflog.WithMirror(m))
	rows := []models.WorkflowRun{
		{ID: uuid.New(), Version: 5, TenantID: uuid.New(), AppID: uuid.New(), Status: models.RunRunning, CreatedAt: time.Now()},
		{ID: uuid.New(), Version: 5, TenantID: uuid.New(), AppID: uuid.New(), Status: models.RunRunning, CreatedAt: time.Now()},
	}
	if err := to.Create(&[]models.WorkflowRun{rows[0]}).Error; err != nil {
		t.Fatal(err)
	}
	if err := db.Create(&rows).Error; err != nil {
		t.Fatalf("Create with one version already mirrored: %v", err)
	}
	got, _ := history(t, to)
	if len(got) != 2 {
		t.Fatalf("the mirror holds %d versions, want 2", len(got))
	}
}

func TestNew(t *testing.T) {
	to, _ := testdb.Open(t)
	if _, err := mirror.New(to, mirror.Config{}); err == nil || !strings.Contains(err.Error(), "mirror.Required or mirror.BestEffort") {
		t.Errorf("New without a policy = %v", err)
	}
	if _, err := mirror.New(nil, mirror.Config{Policy: mirror.Required}); err == nil {
		t.Error("New without a database succeeded")
	}
}

// proxy forwards TCP connections to a server until it is killed, which
// closes its listener and every connection through it: the mirror dies
// mid-workload as a network partition would have it.
type proxy struct {
	ln     net.Listener
	target string
	mu     sync.Mutex
	conns  []net.Conn
	dead   bool
}

func newProxy(t *testing.T, target string) *proxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &proxy{ln: ln, target: target}
	go p.serve()
	t.Cleanup(p.kill)
	return p
}

func (p *proxy) serve() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		s, err := net.Dial("tcp", p.target)
		if err != nil {
			_ = c.Close()
			continue
		}
		p.mu.Lock()
		if p.dead {
			p.mu.Unlock()
			_ = c.Close()
			_ = s.Close()
			return
		}
		p.conns = append(p.conns, c, s)
		p.mu.Unlock()
		go func() { _, _ = io.Copy(s, c); _ = s.Close() }()
		go func() { _, _ = io.Copy(c, s); _ = c.Close() }()
	}
}

func (p *proxy) kill() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.dead {
		return
	}
	p.dead = true
	_ = p.ln.Close()
	for _, c := range p.conns {
		_ = c.Close()
	}
}

// proxied opens a migrated database (a fresh PostgreSQL schema, or an
// emulator) twice: directly, and through a proxy that the test can kill.
func proxied(t *testing.T, logStore bool) (direct, through *gorm.DB, p *proxy) {
	t.Helper()
	var dsn string
	if logStore {
		srv := logstoretest.New(t)
		dsn = srv.DSN()
	} else {
		_, dsn = testdb.Schema(t)
	}
	direct = testdb.OpenDSN(t, dsn)
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	p = newProxy(t, u.Host)
	u.Host = p.ln.Addr().String()
	q := u.Query()
	q.Set("connect_timeout", "2")
	u.RawQuery = q.Encode()
	through, err = wflog.Open(u.String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if s, err := through.DB(); err == nil {
			_ = s.Close()
		}
	})
	return direct, through, p
}

// write is one call of the workload: a version of a run, or a batch of node
// executions, through the repositories; it returns the versions it wrote.
type write struct {
	runs  []models.WorkflowRun
	nodes []models.WorkflowNodeExecution
}

func workloadCalls(n int) []write {
	g := workload.New(workload.Config{Seed: 3, Tenants: 1, AppsPerTenant: 2, Users: 3, Days: 2, NodesPerRun: 2,
		Start: time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)})
	var calls []write
	for i := 0; i < n; i++ {
		h := g.Run(i)
		for _, r := range h.Runs {
			calls = append(calls, write{runs: []models.WorkflowRun{r}})
		}
		for k := 0; k < len(h.Nodes); k += 2 {
			calls = append(calls, write{nodes: h.Nodes[k:min(k+2, len(h.Nodes))]})
		}
	}
	return calls
}

// TestMirrorKilled kills a mirror a third of the way through a workload —
// a PostgreSQL mirror of a LogStore primary (the rollback copy), and a
// LogStore mirror of a PostgreSQL primary (dual writes before a switch,
// where SaveBatch is COPY) — under each policy, and checks the promises:
// under Required every acknowledged call is in both databases and every
// failed call names rows the primary has; under BestEffort every call
// succeeds, the primary has everything, and the counter and the callback
// account for every row the mirror lacks. Then verify finds the gaps and
// copy fills them.
func TestMirrorKilled(t *testing.T) {
	for _, setup := range []struct {
		name           string
		mirrorLogStore bool
	}{{"logstore-to-postgres", false}, {"postgres-to-logstore", true}} {
		for _, policy := range []mirror.Policy{mirror.Required, mirror.BestEffort} {
			t.Run(setup.name+"/"+strings.ReplaceAll(policy.String(), " ", "-"), func(t *testing.T) {
				testMirrorKilled(t, policy, setup.mirrorLogStore)
			})
		}
	}
}

func testMirrorKilled(t *testing.T, policy mirror.Policy, mirrorLogStore bool) {
	ctx := context.Background()
	direct, through, p := proxied(t, mirrorLogStore)
	var reported atomic.Int64
	m, err := mirror.New(through, mirror.Config{Policy: policy, OnError: func(e *mirror.Error) { reported.Add(int64(len(e.Rows))) }})
	if err != nil {
		t.Fatal(err)
	}
	var primary *gorm.DB
	if mirrorLogStore {
		primary, _ = testdb.Open(t, wflog.WithMirror(m))
	} else {
		primary, _ = testdb.OpenLogStore(t, nil, wflog.WithMirror(m))
	}
	runs, nodes := repo.NewRuns(primary), repo.NewNodeExecutions(primary)

	calls := workloadCalls(30)
	acked := map[string]bool{}  // versions of calls that succeeded
	failed := map[string]bool{} // versions a failed call says the primary has
	for i, c := range calls {
		if i == len(calls)/3 {
			p.kill()
		}
		var err error
		if len(c.runs) > 0 {
			err = runs.Save(ctx, &c.runs[0])
		} else {
			err = nodes.SaveBatch(ctx, c.nodes)
		}
		var merr *mirror.Error
		switch {
		case err == nil:
			for _, r := range c.runs {
				acked[key(r.ID, r.Version)] = true
			}
			for _, e := range c.nodes {
				acked[key(e.ID, e.Version)] = true
			}
		case errors.As(err, &merr) && policy == mirror.Required:
			for _, r := range merr.Rows {
				failed[key(r.ID.(uuid.UUID), r.Version)] = true
			}
		default:
			t.Fatalf("call %d of %d: %v", i, len(calls), err)
		}
	}
	pRuns, pNodes := history(t, primary)
	mRuns, mNodes := history(t, direct)
	inPrimary, inMirror := map[string]bool{}, map[string]bool{}
	for _, r := range pRuns {
		inPrimary[key(r.ID, r.Version)] = true
	}
	for _, e := range pNodes {
		inPrimary[key(e.ID, e.Version)] = true
	}
	for _, r := range mRuns {
		inMirror[key(r.ID, r.Version)] = true
	}
	for _, e := range mNodes {
		inMirror[key(e.ID, e.Version)] = true
	}
	for k := range inMirror {
		if !inPrimary[k] {
			t.Fatalf("the mirror has %s, which the primary lacks", k)
		}
	}
	for k := range acked {
		if !inPrimary[k] {
			t.Fatalf("acknowledged %s is not in the primary", k)
		}
		if policy == mirror.Required && !inMirror[k] {
			t.Fatalf("acknowledged %s is not in the mirror under Required", k)
		}
	}
	for k := range failed {
		if !inPrimary[k] {
			t.Fatalf("a failed call said the primary has %s; it does not", k)
		}
	}
	missing := int64(len(inPrimary) - len(inMirror))
	s := m.Stats()
	switch policy {
	case mirror.Required:
		if len(failed) == 0 || len(acked)+len(failed) != len(inPrimary) {
			t.Fatalf("%d acknowledged + %d failed versions, the primary holds %d", len(acked), len(failed), len(inPrimary))
		}
	case mirror.BestEffort:
		if len(acked) != len(inPrimary) {
			t.Fatalf("%d calls' versions acknowledged, the primary holds %d", len(acked), len(inPrimary))
		}
	}
	if missing == 0 || s.FailedRows < missing || reported.Load() != s.FailedRows || s.Mirrored != int64(len(inMirror)) {
		t.Fatalf("mirror lacks %d versions; Stats = %+v, OnError saw %d rows", missing, s, reported.Load())
	}
	t.Logf("%s: %d versions in the primary, %d in the mirror; %+v", policy, len(inPrimary), len(inMirror), s)

	// Repair: verify finds the gaps, copy fills them, and then the
	// mirror is the primary's history exactly.
	rep, err := transfer.Verify(ctx, primary, direct, transfer.VerifyOptions{})
	if err != nil || rep.OK() {
		t.Fatalf("verify before the repair: ok=%v, %v; want differences", rep.OK(), err)
	}
	if _, err := transfer.Copy(ctx, primary, direct, transfer.Options{SkipExisting: mirrorLogStore}); err != nil {
		t.Fatal(err)
	}
	if rep, err := transfer.Verify(ctx, primary, direct, transfer.VerifyOptions{}); err != nil || !rep.OK() {
		t.Fatalf("verify after the repair: %+v, %v", rep.Differences, err)
	}
	mRuns, mNodes = history(t, direct)
	if !reflect.DeepEqual(mRuns, pRuns) || !reflect.DeepEqual(mNodes, pNodes) {
		t.Fatalf("after the repair the mirror holds %d run and %d node versions, the primary %d and %d", len(mRuns), len(mNodes), len(pRuns), len(pNodes))
	}
}
