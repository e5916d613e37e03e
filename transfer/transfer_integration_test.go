package transfer_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/wflog/wflog/appendonly"
	"github.com/wflog/wflog/internal/testdb"
	"github.com/wflog/wflog/models"
	"github.com/wflog/wflog/transfer"
)

// history is a small workflow log with what a copy can get wrong: several
// versions per id, runs on three days, NULLs and empty strings, JSON with
// quotes, backslashes and non-ASCII text, microsecond times, a node
// execution without a run.
type history struct {
	runs  []models.WorkflowRun
	nodes []models.WorkflowNodeExecution
}

var (
	tenantA = uuid.MustParse("0192f0e0-0000-7000-8000-00000000000a")
	tenantB = uuid.MustParse("0192f0e0-0000-7000-8000-00000000000b")
	appA    = uuid.MustParse("0192f0e0-0000-7000-8000-0000000000a1")
	appB    = uuid.MustParse("0192f0e0-0000-7000-8000-0000000000b1")
)

func strp(s string) *string { return &s }

func makeHistory(runs int) history {
	rng := rand.New(rand.NewPCG(1, 2))
	day0 := time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC)
	var h history
	for i := range runs {
		tenant, app := tenantA, appA
		if i%3 == 2 {
			tenant, app = tenantB, appB
		}
		created := day0.Add(time.Duration(i%3)*24*time.Hour + time.Duration(rng.IntN(86_000_000))*time.Millisecond + time.Duration(rng.IntN(1000))*time.Microsecond)
		id := uuid.Must(uuid.NewV7())
		base := models.WorkflowRun{
			ID: id, TenantID: tenant, AppID: app, WorkflowID: uuid.Must(uuid.NewV7()), Type: models.WorkflowTypeWorkflow,
			TriggeredFrom: models.RunFromAppRun, WorkflowVersion: "2026-11-01 08:00:00.123456", Graph: strp(`{"nodes":[{"title":"开始 \"start\" \\ end"}]}`),
			Inputs: strp(`{}`), Status: models.RunRunning, CreatedByRole: models.CreatedByEndUser, CreatedBy: uuid.Must(uuid.NewV7()), CreatedAt: created,
		}
		if i%5 == 0 {
			base.Inputs = strp("")
		}
		versions := 1 + i%3
		for v := range versions {
			r := base
			r.Version = appendonly.Version(created.UnixNano() + int64(v)*1_000_003)
			if v == versions-1 && i%4 != 0 {
				r.Status = []models.RunStatus{models.RunSucceeded, models.RunFailed, models.RunStopped}[i%3]
				fin := created.Add(time.Duration(1+rng.IntN(5000)) * time.Millisecond)
				r.FinishedAt = &fin
				r.Outputs = strp(`{"answer":"ok"}`)
				r.TotalTokens = int64(100 + rng.IntN(10000))
				r.ElapsedTime = rng.Float64() * 10
				r.TotalSteps = 3
				if r.Status == models.RunFailed {
					r.Error = strp("boom: it's \"broken\"")
				}
			}
			h.runs = append(h.runs, r)
		}
		for n := range 2 {
			runID := id
			node := models.WorkflowNodeExecution{
				ID: uuid.Must(uuid.NewV7()), TenantID: tenant, AppID: app, WorkflowID: base.WorkflowID, TriggeredFrom: models.NodeFromWorkflowRun,
				WorkflowRunID: &runID, Index: n + 1, NodeID: fmt.Sprintf("node-%d", n), NodeType: "llm", Title: "LLM",
				Inputs: strp(`{"q":"你好"}`), Status: models.NodeRunning, CreatedByRole: base.CreatedByRole, CreatedBy: base.CreatedBy,
				CreatedAt: created.Add(time.Duration(n) * time.Millisecond),
			}
			if n == 1 {
				node.PredecessorNodeID = strp("node-0")
			}
			node.Version = appendonly.Version(node.CreatedAt.UnixNano())
			h.nodes = append(h.nodes, node)
			done := node
			done.Version++
			done.Status = models.NodeSucceeded
			fin := node.CreatedAt.Add(time.Second)
			done.FinishedAt, done.ElapsedTime, done.Outputs = &fin, 1.5, strp(`{"text":"\\n"}`)
			h.nodes = append(h.nodes, done)
		}
	}
	single := models.WorkflowNodeExecution{
		ID: uuid.Must(uuid.NewV7()), TenantID: tenantA, AppID: appA, WorkflowID: uuid.Must(uuid.NewV7()), TriggeredFrom: models.NodeFromSingleStep,
		NodeID: "debug", NodeType: "code", Title: "Code", Status: models.NodeFailed, Error: strp("x"), CreatedByRole: models.CreatedByAccount,
		CreatedBy: uuid.Must(uuid.NewV7()), CreatedAt: day0.Add(time.Hour),
	}
	single.Version = appendonly.Version(single.CreatedAt.UnixNano())
	h.nodes = append(h.nodes, single)
	return h
}

func (h history) load(t *testing.T, db *gorm.DB) {
	t.Helper()
	if err := db.CreateInBatches(h.runs, 500).Error; err != nil {
		t.Fatal(err)
	}
	if err := db.CreateInBatches(h.nodes, 500).Error; err != nil {
		t.Fatal(err)
	}
}

// everything reads a database's whole history in a fixed order, times in UTC.
func everything(t *testing.T, db *gorm.DB) history {
	t.Helper()
	var h history
	for _, dest := range []any{&h.runs, &h.nodes} {
		var all []any
		_ = all
		if err := db.Unscoped().Where("created_at > ?", time.Time{}).Order("id, version").Limit(1_000_000).Find(dest).Error; err != nil {
			t.Fatal(err)
		}
	}
	for i := range h.runs {
		utc(&h.runs[i].CreatedAt, h.runs[i].FinishedAt)
	}
	for i := range h.nodes {
		utc(&h.nodes[i].CreatedAt, h.nodes[i].FinishedAt)
	}
	return h
}

func utc(created *time.Time, finished *time.Time) {
	*created = created.UTC()
	if finished != nil {
		*finished = finished.UTC()
	}
}

// sameHistory fails the test unless a and b hold the same rows, field by field.
func sameHistory(t *testing.T, what string, a, b history) {
	t.Helper()
	if len(a.runs) != len(b.runs) || len(a.nodes) != len(b.nodes) {
		t.Fatalf("%s: %d runs and %d node executions, want %d and %d", what, len(b.runs), len(b.nodes), len(a.runs), len(a.nodes))
	}
	for i := range a.runs {
		if !reflect.DeepEqual(a.runs[i], b.runs[i]) {
			t.Fatalf("%s: run %d differs:\n got  %+v\n want %+v", what, i, b.runs[i], a.runs[i])
		}
	}
	for i := range a.nodes {
		if !reflect.DeepEqual(a.nodes[i], b.nodes[i]) {
			t.Fatalf("%s: node execution %d differs:\n got  %+v\n want %+v", what, i, b.nodes[i], a.nodes[i])
		}
	}
}

// throughLogStore is h as LogStore gives it back: LogStore stores strings
// only, and an empty string and NULL are the same there (wflog writes NULL
// as ” and reads ” as NULL), so a nullable string that was "" comes back nil.
func throughLogStore(h history) history {
	blank := func(ps ...**string) {
		for _, p := range ps {
			if *p != nil && **p == "" {
				*p = nil
			}
		}
	}
	out := history{runs: slices.Clone(h.runs), nodes: slices.Clone(h.nodes)}
	for i := range out.runs {
		r := &out.runs[i]
		blank(&r.Graph, &r.Inputs, &r.Outputs, &r.Error)
	}
	for i := range out.nodes {
		n := &out.nodes[i]
		blank(&n.PredecessorNodeID, &n.NodeExecutionID, &n.Inputs, &n.ProcessData, &n.Outputs, &n.ExecutionMetadata, &n.Error)
	}
	return out
}

func verifyOK(t *testing.T, from, to *gorm.DB, opts transfer.VerifyOptions) transfer.Report {
	t.Helper()
	rep, err := transfer.Verify(context.Background(), from, to, opts)
	if err != nil {
		t.Fatal(err)
	}
	if !rep.OK() {
		t.Fatalf("Verify found differences: %+v", rep.Differences)
	}
	return rep
}

// TestCopyRoundTrip copies PostgreSQL → LogStore (the emulator) → PostgreSQL
// and finds the same history, byte for byte, at the end — but for the empty
// strings LogStore cannot tell from NULL.
func TestCopyRoundTrip(t *testing.T) {
	ctx := context.Background()
	h := makeHistory(40)
	src, _ := testdb.Open(t)
	h.load(t, src)
	want := everything(t, src)

	ls, lsSchema := testdb.OpenLogStore(t, nil)
	res, err := transfer.Copy(ctx, src, ls, transfer.Options{PageSize: 17})
	if err != nil {
		t.Fatal(err)
	}
	if res.Runs.Read != int64(len(h.runs)) || res.NodeExecutions.Written != int64(len(h.nodes)) || !res.RenewedTime {
		t.Errorf("PostgreSQL → LogStore: %+v, want %d runs and %d node executions written, RenewedTime", res, len(h.runs), len(h.nodes))
	}
	rep := verifyOK(t, src, ls, transfer.VerifyOptions{})
	if len(rep.Days) != 3 || rep.From[transfer.Runs][rep.Days[0]].IDs == 0 {
		t.Errorf("Verify measured days %v: %+v", rep.Days, rep.From[transfer.Runs])
	}
	sameHistory(t, "LogStore", throughLogStore(want), everything(t, ls))

	// A month later: a read that did not bound __time__ would see none of
	// these rows (the emulator shows the last 15 minutes to such reads).
	admin := testdb.Admin(t)
	for _, table := range []string{transfer.Runs, transfer.NodeExecutions} {
		if err := admin.Exec(ctx, fmt.Sprintf(`UPDATE %q.%q SET __time__ = __time__ - 30*86400`, lsSchema, table+"__rows")).Close(); err != nil {
			t.Fatal(err)
		}
	}
	back, _ := testdb.Open(t)
	res, err = transfer.Copy(ctx, ls, back, transfer.Options{PageSize: 23})
	if err != nil {
		t.Fatal(err)
	}
	if res.RenewedTime || res.Runs.Written != int64(len(h.runs)) {
		t.Errorf("LogStore → PostgreSQL: %+v", res)
	}
	verifyOK(t, ls, back, transfer.VerifyOptions{})
	sameHistory(t, "PostgreSQL after the round trip", throughLogStore(want), everything(t, back))

	t.Run("Filtered", func(t *testing.T) {
		dst, _ := testdb.Open(t)
		f := transfer.Filter{TenantID: tenantA, AppID: appA, Since: time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC)}
		res, err := transfer.Copy(ctx, src, dst, transfer.Options{Filter: f})
		if err != nil {
			t.Fatal(err)
		}
		var wantRuns int64
		for _, r := range h.runs {
			if r.TenantID == tenantA && !r.CreatedAt.Before(f.Since) {
				wantRuns++
			}
		}
		if res.Runs.Written != wantRuns || wantRuns == 0 {
			t.Errorf("filtered copy wrote %d run versions, want %d", res.Runs.Written, wantRuns)
		}
		verifyOK(t, src, dst, transfer.VerifyOptions{Filter: f})
		if rep, err := transfer.Verify(ctx, src, dst, transfer.VerifyOptions{}); err != nil || rep.OK() {
			t.Errorf("unfiltered Verify of a filtered copy: OK=%v, %v", rep.OK(), err)
		}
	})
}

// TestCopyResumes interrupts a PostgreSQL → PostgreSQL copy at random pages
// (its context cancelled mid-write or between pages) and resumes it from
// the state file until it finishes: nothing lost, nothing twice.
func TestCopyResumes(t *testing.T) {
	ctx := context.Background()
	h := makeHistory(60)
	src, _ := testdb.Open(t)
	h.load(t, src)
	want := everything(t, src)
	dst, _ := testdb.Open(t)
	state := filepath.Join(t.TempDir(), "copy.state")
	rng := rand.New(rand.NewPCG(3, 4))
	var attempts int
	for ; attempts < 50; attempts++ {
		cctx, cancel := context.WithCancel(ctx)
		stopAfter := 1 + rng.IntN(4)
		pages := 0
		_, err := transfer.Copy(cctx, src, dst, transfer.Options{PageSize: 11, StateFile: state, Progress: func(transfer.Progress) {
			if pages++; pages == stopAfter {
				cancel()
			}
		}})
		cancel()
		if err == nil {
			break
		}
		if cctx.Err() == nil {
			t.Fatal(err)
		}
	}
	if attempts < 3 {
		t.Errorf("the copy finished after %d interruptions; the test wants several", attempts)
	}
	sameHistory(t, "after an interrupted copy", want, everything(t, dst))
	verifyOK(t, src, dst, transfer.VerifyOptions{})

	// A finished state file resumes to nothing; copying again without one
	// skips every row the target has.
	res, err := transfer.Copy(ctx, src, dst, transfer.Options{StateFile: state})
	if err != nil || res.Runs.Read != int64(len(h.runs)) || !res.Resumed {
		t.Errorf("resuming a finished copy: %+v, %v", res, err)
	}
	res, err = transfer.Copy(ctx, src, dst, transfer.Options{})
	if err != nil || res.Runs.Written != 0 || res.Runs.Skipped() != int64(len(h.runs)) || res.NodeExecutions.Skipped() != int64(len(h.nodes)) {
		t.Errorf("copying again: %+v, %v; want every row skipped", res, err)
	}
	verifyOK(t, src, dst, transfer.VerifyOptions{})

	if _, err := transfer.Copy(ctx, src, dst, transfer.Options{StateFile: state, Filter: transfer.Filter{TenantID: tenantB}}); err == nil {
		t.Error("resuming with other filters succeeded")
	}
}

// TestVerifyFindsDifferences: a missing row, a changed status and a
// duplicated version each show up, on the right day and measure.
func TestVerifyFindsDifferences(t *testing.T) {
	ctx := context.Background()
	h := makeHistory(12)
	src, _ := testdb.Open(t)
	h.load(t, src)

	find := func(rep transfer.Report, table, measure string) *transfer.Difference {
		for i, d := range rep.Differences {
			if d.Table == table && d.Measure == measure {
				return &rep.Differences[i]
			}
		}
		return nil
	}

	t.Run("MissingRow", func(t *testing.T) {
		dst, _ := testdb.Open(t)
		if _, err := transfer.Copy(ctx, src, dst, transfer.Options{}); err != nil {
			t.Fatal(err)
		}
		gone := h.nodes[len(h.nodes)-1]
		if err := dst.Exec("DELETE FROM workflow_node_executions WHERE id = ?", gone.ID).Error; err != nil {
			t.Fatal(err)
		}
		rep, err := transfer.Verify(ctx, src, dst, transfer.VerifyOptions{})
		if err != nil {
			t.Fatal(err)
		}
		d := find(rep, transfer.NodeExecutions, "versions")
		if d == nil || d.Day != gone.CreatedAt.UTC().Format("2006-01-02") || d.From != d.To+1 {
			t.Errorf("missing row: differences %+v", rep.Differences)
		}
	})
	t.Run("ChangedStatus", func(t *testing.T) {
		dst, _ := testdb.Open(t)
		if _, err := transfer.Copy(ctx, src, dst, transfer.Options{}); err != nil {
			t.Fatal(err)
		}
		last := h.runs[len(h.runs)-1]
		if err := dst.Exec("UPDATE workflow_runs SET status = 'paused' WHERE id = ? AND version = ?", last.ID, last.Version).Error; err != nil {
			t.Fatal(err)
		}
		rep, err := transfer.Verify(ctx, src, dst, transfer.VerifyOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if d := find(rep, transfer.Runs, "status=paused"); d == nil || d.From != 0 || d.To != 1 {
			t.Errorf("changed status: differences %+v", rep.Differences)
		}
		if d := find(rep, transfer.Runs, "status="+string(last.Status)); d == nil || d.From != d.To+1 {
			t.Errorf("changed status: differences %+v", rep.Differences)
		}
	})
	t.Run("DuplicatedVersion", func(t *testing.T) {
		ls, _ := testdb.OpenLogStore(t, nil)
		if _, err := transfer.Copy(ctx, src, ls, transfer.Options{}); err != nil {
			t.Fatal(err)
		}
		again := h.runs[:1]
		if _, err := transfer.Copy(ctx, src, ls, transfer.Options{Filter: transfer.Filter{Since: again[0].CreatedAt, Until: again[0].CreatedAt.Add(time.Microsecond)}}); err != nil {
			t.Fatal(err)
		}
		rep, err := transfer.Verify(ctx, src, ls, transfer.VerifyOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if d := find(rep, transfer.Runs, "duplicates"); d == nil || d.From != 0 || d.To < 1 {
			t.Errorf("duplicated version: differences %+v", rep.Differences)
		}
		if d := find(rep, transfer.Runs, "ids"); d != nil {
			t.Errorf("a duplicated version counted as another run: %+v", d)
		}
	})
}

// TestCopySkipExisting: after the source gets new versions, copying again
// into LogStore with SkipExisting writes only those, and Verify agrees.
func TestCopySkipExisting(t *testing.T) {
	ctx := context.Background()
	h := makeHistory(20)
	src, _ := testdb.Open(t)
	h.load(t, src)
	ls, _ := testdb.OpenLogStore(t, nil)
	if _, err := transfer.Copy(ctx, src, ls, transfer.Options{PageSize: 9}); err != nil {
		t.Fatal(err)
	}
	// A running run of an earlier day finishes after the first copy.
	var later []models.WorkflowRun
	for _, r := range h.runs {
		if r.Status == models.RunRunning && r.FinishedAt == nil {
			r.Version += 7_000_000_000
			r.Status = models.RunSucceeded
			fin := r.CreatedAt.Add(time.Minute)
			r.FinishedAt = &fin
			later = append(later, r)
		}
	}
	if len(later) == 0 {
		t.Fatal("the history has no running run to finish")
	}
	if err := src.Create(&later).Error; err != nil {
		t.Fatal(err)
	}
	res, err := transfer.Copy(ctx, src, ls, transfer.Options{PageSize: 9, SkipExisting: true})
	if err != nil {
		t.Fatal(err)
	}
	if res.Runs.Written != int64(len(later)) || res.NodeExecutions.Written != 0 {
		t.Errorf("copy again with SkipExisting: %+v, want %d run versions written", res, len(later))
	}
	verifyOK(t, src, ls, transfer.VerifyOptions{})
}

// TestCopySQLite copies PostgreSQL → SQLite → PostgreSQL and finds the same
// history at the end; a copy run again into SQLite, or resumed over rows it
// already holds, skips them as PostgreSQL does, and counts them as already
// there.
func TestCopySQLite(t *testing.T) {
	ctx := context.Background()
	h := makeHistory(40)
	src, _ := testdb.Open(t)
	h.load(t, src)
	want := everything(t, src)

	lite := testdb.OpenSQLite(t)
	res, err := transfer.Copy(ctx, src, lite, transfer.Options{PageSize: 17})
	if err != nil {
		t.Fatal(err)
	}
	if res.Runs.Written != int64(len(h.runs)) || res.NodeExecutions.Written != int64(len(h.nodes)) || res.RenewedTime {
		t.Errorf("PostgreSQL → SQLite: %+v, want %d runs and %d node executions written", res, len(h.runs), len(h.nodes))
	}
	verifyOK(t, src, lite, transfer.VerifyOptions{})
	sameHistory(t, "SQLite", want, everything(t, lite))

	t.Run("AgainSkips", func(t *testing.T) {
		res, err := transfer.Copy(ctx, src, lite, transfer.Options{PageSize: 17})
		if err != nil {
			t.Fatal(err)
		}
		if res.Runs.Written != 0 || res.Runs.Skipped() != int64(len(h.runs)) || res.NodeExecutions.Skipped() != int64(len(h.nodes)) {
			t.Errorf("copying again into SQLite: %+v; want every row already there", res)
		}
		verifyOK(t, src, lite, transfer.VerifyOptions{})
	})

	t.Run("Back", func(t *testing.T) {
		back, _ := testdb.Open(t)
		res, err := transfer.Copy(ctx, lite, back, transfer.Options{PageSize: 23})
		if err != nil {
			t.Fatal(err)
		}
		if res.Runs.Written != int64(len(h.runs)) || res.NodeExecutions.Written != int64(len(h.nodes)) {
			t.Errorf("SQLite → PostgreSQL: %+v", res)
		}
		verifyOK(t, lite, back, transfer.VerifyOptions{})
		sameHistory(t, "PostgreSQL after the round trip through SQLite", want, everything(t, back))
	})

	t.Run("Resumes", func(t *testing.T) {
		dst := testdb.OpenSQLite(t)
		state := filepath.Join(t.TempDir(), "copy.state")
		// A page the target has but the state file does not: the first
		// page, written by hand, as a run killed after its write and before
		// its checkpoint leaves it.
		if _, err := transfer.Copy(ctx, src, dst, transfer.Options{PageSize: 11, Filter: transfer.Filter{Until: h.runs[0].CreatedAt.Add(time.Hour)}}); err != nil {
			t.Fatal(err)
		}
		var attempts int
		for ; attempts < 50; attempts++ {
			cctx, cancel := context.WithCancel(ctx)
			pages := 0
			_, err := transfer.Copy(cctx, src, dst, transfer.Options{PageSize: 11, StateFile: state, Progress: func(transfer.Progress) {
				if pages++; pages == 2 {
					cancel()
				}
			}})
			cancel()
			if err == nil {
				break
			}
			if cctx.Err() == nil {
				t.Fatal(err)
			}
		}
		if attempts < 3 {
			t.Errorf("the copy finished after %d interruptions; the test wants several", attempts)
		}
		sameHistory(t, "SQLite after an interrupted copy", want, everything(t, dst))
		verifyOK(t, src, dst, transfer.VerifyOptions{})
	})
}
