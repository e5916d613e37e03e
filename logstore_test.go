package wflog_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"gorm.io/gorm"

	"github.com/wflog/wflog/internal/dialect"
	"github.com/wflog/wflog/internal/testdb"
	"github.com/wflog/wflog/logstoretest"
	"github.com/wflog/wflog/models"
	"github.com/wflog/wflog/repo"
	"github.com/wflog/wflog/scopes"
)

// clock is a settable clock for the emulator's __time__ and window.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) set(t time.Time)     { c.mu.Lock(); defer c.mu.Unlock(); c.t = t }
func (c *clock) add(d time.Duration) { c.set(c.now().Add(d)) }

// emulator starts an emulator with rules relaxed and the clock given, and
// opens wflog on it.
func emulator(t *testing.T, relax logstoretest.Rule, c *clock) (*logstoretest.Server, *gorm.DB) {
	t.Helper()
	testdb.Admin(t)
	srv := logstoretest.New(t, func(cfg *logstoretest.Config) {
		cfg.Relax = relax
		if c != nil {
			cfg.Now = c.now
		}
	})
	return srv, testdb.OpenDSN(t, srv.DSN())
}

// naive is a hand-written client: simple protocol, SQL as written.
func naive(t *testing.T, srv *logstoretest.Server) *pgconn.PgConn {
	t.Helper()
	conn, err := pgconn.Connect(context.Background(), srv.PostgresDSN())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close(context.Background()) })
	return conn
}

func rowCount(t *testing.T, conn *pgconn.PgConn, sql string) (int, error) {
	t.Helper()
	res, err := conn.Exec(context.Background(), sql).ReadAll()
	if err != nil {
		return 0, err
	}
	return len(res[len(res)-1].Rows), nil
}

func saveRuns(t *testing.T, db *gorm.DB, n int, app uuid.UUID) {
	t.Helper()
	runs := repo.NewRuns(db)
	batch := make([]models.WorkflowRun, n)
	for i := range batch {
		batch[i] = fullRun("r")
		batch[i].AppID = app
		batch[i].CreatedAt = time.Date(2026, 11, 1, 0, 0, i, 0, time.UTC)
	}
	if err := runs.SaveBatch(context.Background(), batch); err != nil {
		t.Fatal(err)
	}
}

// TestEmulatorRulesBite: each rule of the emulator breaks a naive client,
// the same client works with the rule switched off, and wflog works with it
// on — so the test shows which rule each piece of the LogStore dialect exists for.
func TestEmulatorRulesBite(t *testing.T) {
	ctx := context.Background()

	t.Run("RowCap", func(t *testing.T) {
		for _, relax := range []logstoretest.Rule{0, logstoretest.RuleRowCap} {
			srv, db := emulator(t, relax, nil)
			app := uuid.New()
			saveRuns(t, db, 150, app)
			n, err := rowCount(t, naive(t, srv), `SELECT id FROM workflow_runs WHERE __time__ > 0`)
			if want := map[logstoretest.Rule]int{0: 100, logstoretest.RuleRowCap: 150}[relax]; err != nil || n != want {
				t.Errorf("relax %v: a SELECT without LIMIT returned %d rows (%v), want %d", relax, n, err, want)
			}
			var runs []models.WorkflowRun
			if err := db.Where("app_id = ?", app).Find(&runs).Error; err != nil || len(runs) != 150 {
				t.Errorf("relax %v: wflog read %d of 150 runs (%v)", relax, len(runs), err)
			}
		}
	})

	t.Run("TimeWindow", func(t *testing.T) {
		for _, relax := range []logstoretest.Rule{0, logstoretest.RuleTimeWindow} {
			c := &clock{t: time.Now().Add(-2 * time.Hour)}
			srv, db := emulator(t, relax, c)
			app := uuid.New()
			saveRuns(t, db, 120, app) // received two hours "ago"
			c.set(time.Now())
			n, err := rowCount(t, naive(t, srv), `SELECT id FROM workflow_runs LIMIT 1000`)
			if want := map[logstoretest.Rule]int{0: 0, logstoretest.RuleTimeWindow: 120}[relax]; err != nil || n != want {
				t.Errorf("relax %v: a query without __time__ saw %d rows (%v), want %d", relax, n, err, want)
			}
			var count int64
			if err := db.Model(&models.WorkflowRun{}).Where("app_id = ?", app).Count(&count).Error; err != nil || count != 120 {
				t.Errorf("relax %v: wflog counted %d of 120 old runs (%v)", relax, count, err)
			}
			var old []models.WorkflowRun
			if err := db.Scopes(scopes.Finished()).Where("app_id = ?", app).Find(&old).Error; err != nil || len(old) != 120 {
				t.Errorf("relax %v: wflog read %d of 120 old finished runs (%v)", relax, len(old), err)
			}
		}
	})

	t.Run("LimitSyntax", func(t *testing.T) {
		for _, relax := range []logstoretest.Rule{0, logstoretest.RuleLimitSyntax} {
			srv, db := emulator(t, relax, nil)
			app := uuid.New()
			saveRuns(t, db, 30, app)
			_, err := rowCount(t, naive(t, srv), `SELECT id FROM workflow_runs WHERE __time__ > 0 ORDER BY created_at LIMIT 10 OFFSET 5`)
			if (err == nil) != (relax != 0) {
				t.Errorf("relax %v: LIMIT 10 OFFSET 5 gave %v", relax, err)
			}
			var page []models.WorkflowRun
			if err := db.Where("app_id = ?", app).Order("created_at").Limit(10).Offset(5).Find(&page).Error; err != nil ||
				len(page) != 10 || page[0].CreatedAt.Second() != 5 || page[9].CreatedAt.Second() != 14 {
				t.Errorf("relax %v: wflog's page = %d runs (%v)", relax, len(page), err)
			}
		}
	})

	t.Run("SimpleQuery", func(t *testing.T) {
		srv, _ := emulator(t, 0, nil)
		conn, err := pgx.Connect(ctx, srv.PostgresDSN()) // pgx's default: the extended protocol
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close(ctx)
		var n int
		err = conn.QueryRow(ctx, `SELECT count(*) FROM workflow_runs WHERE __time__ > $1 LIMIT 1`, 0).Scan(&n)
		var pgErr *pgconn.PgError
		if !errors.As(err, &pgErr) || pgErr.Code != "0A000" {
			t.Errorf("pgx's default connection: %v, want SQLSTATE 0A000", err)
		}
	})

	t.Run("IgnoreTransactions", func(t *testing.T) {
		for _, relax := range []logstoretest.Rule{0, logstoretest.RuleIgnoreTransactions} {
			srv, db := emulator(t, relax, nil)
			conn := naive(t, srv)
			for _, sql := range []string{"BEGIN", `INSERT INTO workflow_runs (id, version, status) VALUES ('x', 1, 'running')`, "ROLLBACK"} {
				if err := conn.Exec(ctx, sql).Close(); err != nil {
					t.Fatal(err)
				}
			}
			n, err := rowCount(t, conn, `SELECT id FROM workflow_runs WHERE __time__ > 0 LIMIT 10`)
			if want := map[logstoretest.Rule]int{0: 1, logstoretest.RuleIgnoreTransactions: 0}[relax]; err != nil || n != want {
				t.Errorf("relax %v: after BEGIN; INSERT; ROLLBACK, %d rows (%v), want %d", relax, n, err, want)
			}
			// wflog never sends BEGIN: there is nothing to roll back.
			if err := db.Transaction(func(*gorm.DB) error { return nil }); !errors.Is(err, dialect.ErrUnsupported) {
				t.Errorf("relax %v: wflog transaction = %v, want ErrUnsupported", relax, err)
			}
		}
	})

	t.Run("InsertOnly", func(t *testing.T) {
		srv, db := emulator(t, 0, nil)
		if err := naive(t, srv).Exec(ctx, `UPDATE workflow_runs SET status = 'x'`).Close(); err == nil {
			t.Error("the emulator accepted UPDATE")
		}
		run := fullRun("r")
		if err := db.Create(&run).Error; err != nil {
			t.Fatal(err)
		}
		run.Status = models.RunFailed
		if err := db.Save(&run).Error; err != nil {
			t.Errorf("wflog's Save on LogStore: %v", err)
		}
		if err := db.Delete(&run).Error; !errors.Is(err, dialect.ErrUnsupported) {
			t.Errorf("wflog's Delete on LogStore = %v, want ErrUnsupported", err)
		}
	})

	t.Run("FromRequired", func(t *testing.T) {
		for _, relax := range []logstoretest.Rule{0, logstoretest.RuleFromRequired} {
			srv, _ := emulator(t, relax, nil)
			_, err := rowCount(t, naive(t, srv), `SELECT 1`)
			if (err == nil) != (relax != 0) {
				t.Errorf("relax %v: SELECT 1 gave %v", relax, err)
			}
			// wflog.Open pings without a query, so it opens either way (emulator above).
		}
	})
}

// TestLogStoreReadsYourWrites: with the emulator hiding writes for a while
// (LogStore shows a write within 3 s), the repositories still return this
// process's own writes; without the cache they would not.
func TestLogStoreReadsYourWrites(t *testing.T) {
	ctx := context.Background()
	db, _ := testdb.OpenLogStore(t, func(cfg *logstoretest.Config) { cfg.VisibilityDelay = time.Hour })
	runs, nodes := repo.NewRuns(db), repo.NewNodeExecutions(db)
	uncached := repo.NewRuns(db, repo.WithRecentWrites(0, 0))

	run := fullRun("mine")
	if err := runs.Save(ctx, &run); err != nil {
		t.Fatal(err)
	}
	if _, err := uncached.Get(ctx, run.TenantID, run.AppID, run.ID); !errors.Is(err, repo.ErrNotFound) {
		t.Fatalf("the emulator showed a fresh write (%v): the delay is not in force", err)
	}
	got, err := runs.Get(ctx, run.TenantID, run.AppID, run.ID)
	if err != nil || got.Version != run.Version {
		t.Fatalf("Get after Save = %v, %v", got, err)
	}
	if got, err := runs.GetByID(ctx, run.ID); err != nil || got.Version != run.Version {
		t.Fatalf("GetByID after Save = %v, %v", got, err)
	}
	if _, err := runs.Get(ctx, run.TenantID, uuid.New(), run.ID); !errors.Is(err, repo.ErrNotFound) {
		t.Errorf("the cache ignored the owner check: %v", err)
	}
	run.Status = models.RunSucceeded
	if err := runs.Save(ctx, &run); err != nil {
		t.Fatal(err)
	}
	if got, _ := runs.Get(ctx, run.TenantID, run.AppID, run.ID); got == nil || got.Status != models.RunSucceeded {
		t.Errorf("Get after the second Save = %v", got)
	}

	runID := run.ID
	var batch []models.WorkflowNodeExecution
	for i := 3; i >= 1; i-- {
		e := fullNodeExecution("n", &runID)
		e.TenantID, e.AppID, e.Index = run.TenantID, run.AppID, i
		batch = append(batch, e)
	}
	if err := nodes.SaveBatch(ctx, batch); err != nil {
		t.Fatal(err)
	}
	list, err := nodes.ListByRun(ctx, run.TenantID, run.AppID, run.ID, repo.NodeOrder{})
	if err != nil || len(list) != 3 || list[0].Index != 1 || list[2].Index != 3 {
		t.Fatalf("ListByRun after SaveBatch = %d executions, %v", len(list), err)
	}
	if got, err := nodes.Get(ctx, run.TenantID, batch[0].ID); err != nil || got.ID != batch[0].ID {
		t.Errorf("node Get after SaveBatch = %v, %v", got, err)
	}
	if got, err := nodes.ListByRun(ctx, run.TenantID, uuid.New(), run.ID, repo.NodeOrder{}); err != nil || len(got) != 0 {
		t.Errorf("ListByRun with another app saw %d cached executions", len(got))
	}
}
