package repo_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/wflog/wflog/internal/testdb"
	"github.com/wflog/wflog/models"
	"github.com/wflog/wflog/repo"
)

// TestBadInput: input that used to give quietly wrong answers is an error
// that names the problem, before any query.
func TestBadInput(t *testing.T) {
	db, _ := testdb.Open(t)
	ctx := context.Background()
	runs, nodes := repo.NewRuns(db), repo.NewNodeExecutions(db)
	tenant, app := uuid.New(), uuid.New()
	shanghai, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	farPast := now.AddDate(0, 0, -1_000_000_000) // --days 1000000000: year -2,735,881
	stats := func(s repo.Stats) error {
		s.TenantID, s.AppID = tenant, app
		_, err1 := runs.DailyRuns(ctx, s)
		_, err2 := runs.DailyTerminals(ctx, s)
		_, err3 := runs.DailyTokenCosts(ctx, s)
		_, err4 := runs.AverageInteractions(ctx, s)
		for _, e := range []error{err2, err3, err4} {
			if (e == nil) != (err1 == nil) {
				t.Errorf("the daily statistics disagree on %+v: %v / %v", s, err1, e)
			}
		}
		return err1
	}
	for name, tt := range map[string]struct {
		err  error
		want string
	}{
		// A zone named UTC that is eight hours ahead: one source of truth.
		"ZoneNameOffsetMismatch": {stats(repo.Stats{Location: time.FixedZone("UTC", 8*3600)}), "name and offsets must agree"},
		"ZoneNotIANA":            {stats(repo.Stats{Location: time.FixedZone("CST", 8*3600)}), "not an IANA zone name"},
		"FarPast":                {stats(repo.Stats{From: farPast, To: now, Location: shanghai}), "times must be in the years 1 to 9999"},
		"FarFuture":              {stats(repo.Stats{To: now.AddDate(100000, 0, 0)}), "times must be in the years 1 to 9999"},
		"Reversed":               {stats(repo.Stats{From: now, To: now.AddDate(0, 0, -5)}), "is before Stats.From"},
		"CountSince": {func() error {
			_, err := runs.CountByStatus(ctx, repo.CountRuns{TenantID: tenant, AppID: app, Since: farPast})
			return err
		}(), "times must be in the years"},
		"ExpiredBefore": {func() error { _, err := runs.ExpiredBatch(ctx, farPast, 10); return err }(), "times must be in the years"},
		"NodesExpired":  {func() error { _, err := nodes.DeleteExpired(ctx, farPast, 10); return err }(), "times must be in the years"},
	} {
		if tt.err == nil || !strings.Contains(tt.err.Error(), tt.want) {
			t.Errorf("%s: %v, want an error saying %q", name, tt.err, tt.want)
		}
	}
	if err := stats(repo.Stats{From: now.AddDate(0, 0, -7), To: now, Location: shanghai}); err != nil {
		t.Errorf("a valid Stats: %v", err)
	}
	if err := stats(repo.Stats{Location: time.UTC}); err != nil {
		t.Errorf("UTC: %v", err)
	}

	// Errors echo at most a bounded piece of the input.
	huge := strings.Repeat("x", 1<<20)
	r := newRun(tenant, app, now)
	r.Status = models.RunStatus(huge)
	errs := map[string]error{"Save": runs.Save(ctx, &r)}
	_, errs["Last"] = nodes.Last(ctx, tenant, app, uuid.New(), huge)
	_, errs["List"] = runs.List(ctx, repo.ListRuns{TenantID: tenant, AppID: app, Status: []models.RunStatus{models.RunStatus(huge)}})
	for name, err := range errs {
		if err == nil || len(err.Error()) > 1024 {
			t.Errorf("%s: an error of %d bytes echoes the input", name, len(errOr(err)))
		}
	}
}

func errOr(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// TestParameterLimit: PostgreSQL binds at most 65,535 parameters per
// statement; CountByRuns with 70,000 ids and SaveBatch inside a transaction
// (where it cannot COPY) stay under it.
func TestParameterLimit(t *testing.T) {
	db, _ := testdb.Open(t)
	ctx := context.Background()
	tenant, app := uuid.New(), uuid.New()
	nodes := repo.NewNodeExecutions(db)
	runID := uuid.New()
	e := models.WorkflowNodeExecution{TenantID: tenant, AppID: app, WorkflowID: uuid.New(), TriggeredFrom: models.NodeFromWorkflowRun,
		WorkflowRunID: &runID, Index: 1, NodeID: "n", NodeType: "llm", Title: "n", Status: models.NodeSucceeded,
		CreatedByRole: models.CreatedByAccount, CreatedBy: uuid.New(), CreatedAt: time.Now()}
	if err := nodes.Save(ctx, &e); err != nil {
		t.Fatal(err)
	}
	ids := make([]uuid.UUID, 70000)
	for i := range ids {
		ids[i] = uuid.New()
	}
	ids[len(ids)-1] = runID // in the last chunk
	counts, err := nodes.CountByRuns(ctx, tenant, ids)
	if err != nil {
		t.Fatalf("CountByRuns with %d ids: %v", len(ids), err)
	}
	if len(counts) != 1 || counts[runID] != 1 {
		t.Errorf("counts = %v", counts)
	}

	const n = 4000 // × 21 columns = 84,000 parameters in one INSERT
	batch := make([]models.WorkflowRun, n)
	for i := range batch {
		batch[i] = newRun(tenant, app, time.Now())
	}
	if err := db.Transaction(func(tx *gorm.DB) error {
		return repo.NewRuns(tx).SaveBatch(ctx, batch)
	}); err != nil {
		t.Fatalf("SaveBatch of %d runs in a transaction: %v", n, err)
	}
	var stored int64
	if err := db.Model(&models.WorkflowRun{}).Where("app_id = ?", app).Count(&stored).Error; err != nil || stored != n {
		t.Errorf("%d runs stored (%v), want %d", stored, err, n)
	}
}

// TestWriteTimesInRange: Save and SaveBatch refuse a time the backends
// cannot hold faithfully (PostgreSQL's driver wraps year −2,735,881 into
// year 186914; SQLite stores text no read can scan), naming the field and
// the row, before anything is written: a batch with one bad row writes
// none.
func TestWriteTimesInRange(t *testing.T) {
	testdb.Each(t, func(t *testing.T, b testdb.Backend) {
		db, _ := b.Open(t)
		ctx := context.Background()
		runs, nodes := repo.NewRuns(db), repo.NewNodeExecutions(db)
		tenant, app := uuid.New(), uuid.New()
		now := time.Now()
		farPast := now.AddDate(0, 0, -1_000_000_000) // simulate --days 1000000000
		farFuture := time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)
		node := func(created time.Time) models.WorkflowNodeExecution {
			runID := uuid.New()
			return models.WorkflowNodeExecution{ID: uuid.New(), TenantID: tenant, AppID: app, WorkflowID: uuid.New(),
				TriggeredFrom: models.NodeFromWorkflowRun, WorkflowRunID: &runID, Index: 1, NodeID: "n", NodeType: "llm",
				Title: "n", Status: models.NodeSucceeded, CreatedByRole: models.CreatedByAccount, CreatedBy: uuid.New(), CreatedAt: created}
		}
		run := func(created time.Time) models.WorkflowRun {
			r := newRun(tenant, app, created)
			r.ID = uuid.New()
			return r
		}
		type write struct {
			name  string
			id    uuid.UUID
			field string
			save  func() error
		}
		var writes []write
		{
			r := run(farPast)
			writes = append(writes, write{"RunSave/created_at", r.ID, "created_at", func() error { return runs.Save(ctx, &r) }})
		}
		{
			r := run(now)
			r.FinishedAt = &farFuture
			writes = append(writes, write{"RunSave/finished_at", r.ID, "finished_at", func() error { return runs.Save(ctx, &r) }})
		}
		{
			batch := []models.WorkflowRun{run(now), run(now), run(farPast)}
			writes = append(writes, write{"RunSaveBatch/created_at", batch[2].ID, "created_at", func() error { return runs.SaveBatch(ctx, batch) }})
		}
		{
			batch := []models.WorkflowRun{run(now), run(now)}
			batch[1].FinishedAt = &farPast
			writes = append(writes, write{"RunSaveBatch/finished_at", batch[1].ID, "finished_at", func() error { return runs.SaveBatch(ctx, batch) }})
		}
		{
			e := node(farFuture)
			writes = append(writes, write{"NodeSave/created_at", e.ID, "created_at", func() error { return nodes.Save(ctx, &e) }})
		}
		{
			e := node(now)
			e.FinishedAt = &farPast
			writes = append(writes, write{"NodeSave/finished_at", e.ID, "finished_at", func() error { return nodes.Save(ctx, &e) }})
		}
		{
			batch := []models.WorkflowNodeExecution{node(now), node(farPast)}
			writes = append(writes, write{"NodeSaveBatch/created_at", batch[1].ID, "created_at", func() error { return nodes.SaveBatch(ctx, batch) }})
		}
		{
			batch := []models.WorkflowNodeExecution{node(now), node(now)}
			batch[1].FinishedAt = &farFuture
			writes = append(writes, write{"NodeSaveBatch/finished_at", batch[1].ID, "finished_at", func() error { return nodes.SaveBatch(ctx, batch) }})
		}
		for _, w := range writes {
			err := w.save()
			if err == nil || !strings.Contains(err.Error(), w.id.String()+" "+w.field) || !strings.Contains(err.Error(), "times must be in the years 1 to 9999") {
				t.Errorf("%s: %v, want an error naming %s %s and the years allowed", w.name, err, w.id, w.field)
			}
		}
		for _, m := range []any{&models.WorkflowRun{}, &models.WorkflowNodeExecution{}} {
			var n int64
			if err := db.Model(m).Where("app_id = ?", app).Count(&n).Error; err != nil || n != 0 {
				t.Errorf("%T: %d rows written (%v), want none", m, n, err)
			}
		}

		// The ends of the range are stored and read back as they were.
		edges := []models.WorkflowRun{run(time.Date(1, 1, 1, 0, 0, 1, 0, time.UTC)), run(time.Date(9999, 12, 31, 23, 59, 59, 999999000, time.UTC))}
		if err := runs.SaveBatch(ctx, edges); err != nil {
			t.Fatalf("runs at the ends of the range: %v", err)
		}
		fromDB := repo.NewRuns(db, repo.WithRecentWrites(0, 0))
		for _, e := range edges {
			got, err := fromDB.GetByID(ctx, e.ID)
			if err != nil || !got.CreatedAt.Equal(e.CreatedAt) {
				t.Errorf("run created %s: read back %v (%v)", e.CreatedAt, got, err)
			}
		}
	})
}
