package wflog_test

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"
	moderncsqlite "modernc.org/sqlite"

	"github.com/wflog/wflog"
	"github.com/wflog/wflog/internal/dialect"
	"github.com/wflog/wflog/models"
	"github.com/wflog/wflog/repo"
	"github.com/wflog/wflog/wflogtest"
)

// TestSQLiteConcurrency: 48 goroutines on one SQLite file, each saving its
// runs, reading them back, computing a statistic and deleting some in
// transactions, all at once. None may fail — "database is locked" least of
// all — and what is stored afterwards must be exactly what was not deleted.
func TestSQLiteConcurrency(t *testing.T) {
	const workers, runsEach = 48, 12
	for _, maxConns := range []string{"", "?max_conns=4"} {
		t.Run("pool"+maxConns, func(t *testing.T) {
			db, err := wflog.Open("sqlite://" + filepath.Join(t.TempDir(), "wflog.db") + maxConns)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() {
				if s, err := db.DB(); err == nil {
					_ = s.Close()
				}
			})
			ctx := context.Background()
			if err := wflog.Migrate(ctx, db); err != nil {
				t.Fatal(err)
			}
			runs := repo.NewRuns(db)
			tenant, app := uuid.New(), uuid.New()
			start := time.Now().UTC().Add(-time.Hour)
			var wg sync.WaitGroup
			errs := make(chan error, workers)
			for w := range workers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					var mine []uuid.UUID
					for i := range runsEach {
						run := models.WorkflowRun{TenantID: tenant, AppID: app, WorkflowID: uuid.New(), Type: models.WorkflowTypeWorkflow,
							TriggeredFrom: models.RunFromAppRun, WorkflowVersion: "1", Status: models.RunRunning,
							CreatedByRole: models.CreatedByAccount, CreatedBy: uuid.New(), CreatedAt: start.Add(time.Duration(w*runsEach+i) * time.Second)}
						if err := runs.Save(ctx, &run); err != nil {
							errs <- err
							return
						}
						run.Status = models.RunSucceeded
						if err := runs.Save(ctx, &run); err != nil {
							errs <- err
							return
						}
						got, err := runs.Get(ctx, tenant, app, run.ID)
						if err != nil || got.Status != models.RunSucceeded {
							errs <- errors.Join(err, errors.New("a run read back not as saved"))
							return
						}
						mine = append(mine, run.ID)
					}
					if _, err := runs.DailyRuns(ctx, repo.Stats{TenantID: tenant, AppID: app, From: start, To: start.Add(2 * time.Hour)}); err != nil {
						errs <- err
						return
					}
					if n, err := runs.DeleteByIDs(ctx, mine[:runsEach/2]); err != nil || n != runsEach/2 {
						errs <- errors.Join(err, errors.New("DeleteByIDs did not delete its runs"))
					}
				}()
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				if strings.Contains(err.Error(), "locked") {
					t.Fatalf("SQLite refused a writer: %v", err)
				}
				t.Fatal(err)
			}
			c, err := runs.CountByStatus(ctx, repo.CountRuns{TenantID: tenant, AppID: app})
			if err != nil {
				t.Fatal(err)
			}
			if want := int64(workers * runsEach / 2); c.Total != want || c.ByStatus[models.RunSucceeded] != want {
				t.Errorf("after the goroutines: %+v, want %d succeeded runs", c, want)
			}
		})
	}
}

// TestSQLiteTimes: times are stored as fixed-width UTC text, so a keyset
// page across microseconds, zones and a whole second is in time order.
func TestSQLiteTimes(t *testing.T) {
	if got := dialect.SQLiteTime(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)); got != "2026-01-02 03:04:05.000000" {
		t.Errorf("SQLiteTime = %q", got)
	}
	shanghai, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	if got := dialect.SQLiteTime(time.Date(2026, 1, 2, 8, 0, 0, 1500, shanghai)); got != "2026-01-02 00:00:00.000002" {
		t.Errorf("SQLiteTime rounds in UTC: %q", got)
	}
	db := wflogtest.SQLite(t)
	runs := repo.NewRuns(db)
	ctx := context.Background()
	tenant, app := uuid.New(), uuid.New()
	base := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	// Out of order, in two zones; one on a whole second (no fraction to trim).
	at := []time.Time{base.Add(time.Second), base.Add(999999 * time.Microsecond), base.Add(time.Microsecond).In(shanghai), base, base.Add(10 * time.Second).In(shanghai)}
	for _, c := range at {
		run := models.WorkflowRun{TenantID: tenant, AppID: app, WorkflowID: uuid.New(), Type: models.WorkflowTypeWorkflow,
			TriggeredFrom: models.RunFromAppRun, WorkflowVersion: "1", Status: models.RunRunning,
			CreatedByRole: models.CreatedByAccount, CreatedBy: uuid.New(), CreatedAt: c}
		if err := runs.Save(ctx, &run); err != nil {
			t.Fatal(err)
		}
	}
	var seen []time.Time
	var last uuid.UUID
	for range len(at) + 1 {
		page, err := runs.List(ctx, repo.ListRuns{TenantID: tenant, AppID: app, Limit: 2, LastID: last})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range page.Runs {
			seen = append(seen, r.CreatedAt)
			last = r.ID
		}
		if !page.HasMore {
			break
		}
	}
	want := []time.Time{base.Add(10 * time.Second), base.Add(time.Second), base.Add(999999 * time.Microsecond), base.Add(time.Microsecond), base}
	if len(seen) != len(want) {
		t.Fatalf("listed %d runs, want %d: %v", len(seen), len(want), seen)
	}
	for i := range want {
		if !seen[i].Equal(want[i]) || seen[i].Location() != time.UTC {
			t.Errorf("run %d created %v, want %v in UTC", i, seen[i], want[i])
		}
	}
}

// TestSQLiteDSN: what sqlite:// DSNs mean, and the mistakes they refuse.
func TestSQLiteDSN(t *testing.T) {
	for _, c := range []struct{ dsn, path, conn string }{
		{"sqlite:///var/lib/wflog.db", "/var/lib/wflog.db", "file:/var/lib/wflog.db?"},
		{"sqlite://rel/wflog.db", "rel/wflog.db", "file:rel/wflog.db?"},
		{"SQLite3://:memory:", ":memory:", "file::memory:?"},
	} {
		cfg, err := dialect.Parse(c.dsn)
		if err != nil {
			t.Errorf("%s: %v", c.dsn, err)
			continue
		}
		if cfg.Backend != dialect.SQLite || cfg.Path != c.path || !strings.HasPrefix(cfg.ConnString, c.conn) || cfg.String() != c.dsn {
			t.Errorf("%s: %#v, conn %s", c.dsn, cfg, cfg.ConnString)
		}
	}
	if cfg, _ := dialect.Parse("sqlite://:memory:"); cfg.MaxConns != 1 {
		t.Errorf(":memory: pool of %d connections, want 1: each connection has its own memory", cfg.MaxConns)
	}
	if cfg, _ := dialect.Parse("sqlite:///x.db?max_conns=3"); cfg.MaxConns != 3 || strings.Contains(cfg.ConnString, "max_conns") {
		t.Errorf("max_conns=3: %d connections, conn %s", cfg.MaxConns, cfg.ConnString)
	}
	for dsn, want := range map[string]string{
		"sqlite://":                     "missing path",
		"sqlite:///x.db?cache=shared":   "unknown parameter cache",
		"sqlite://:memory:?max_conns=2": "max_conns must be 1",
		"sqlite:///x.db?max_conns=-1":   "non-negative",
	} {
		if _, err := dialect.Parse(dsn); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want an error saying %q", dsn, err, want)
		}
	}
	// :memory: keeps its rows while the pool lives.
	db, err := wflog.Open("sqlite://:memory:")
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if s, err := db.DB(); err == nil {
			_ = s.Close()
		}
	}()
	if err := wflog.Migrate(context.Background(), db); err != nil {
		t.Fatal(err)
	}
	var n int64
	if err := db.Model(&models.WorkflowRun{}).Count(&n).Error; err != nil || n != 0 {
		t.Errorf("count on a fresh :memory: database: %d, %v", n, err)
	}
}

// TestSQLiteStatementCache: as wflog.Open opens SQLite (a file, :memory:,
// and so wflogtest.SQLite), a connection keeps what Save ran prepared
// once Save has returned, so the next Save does not compile the
// statistics triggers again; and the kept statements do not change what
// is stored.
func TestSQLiteStatementCache(t *testing.T) {
	ctx := context.Background()
	openMigrated := func(t *testing.T, dsn string) *gorm.DB {
		db, err := wflog.Open(dsn)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			if s, err := db.DB(); err == nil {
				_ = s.Close()
			}
		})
		if err := wflog.Migrate(ctx, db); err != nil {
			t.Fatal(err)
		}
		return db
	}
	for name, open := range map[string]func(t *testing.T) *gorm.DB{
		"File": func(t *testing.T) *gorm.DB {
			return openMigrated(t, "sqlite://"+filepath.Join(t.TempDir(), "wflog.db"))
		},
		"Memory":    func(t *testing.T) *gorm.DB { return openMigrated(t, "sqlite://:memory:") },
		"wflogtest": func(t *testing.T) *gorm.DB { return wflogtest.SQLite(t) },
	} {
		t.Run(name, func(t *testing.T) {
			db := open(t)
			runs := repo.NewRuns(db)
			run := models.WorkflowRun{TenantID: uuid.New(), AppID: uuid.New(), WorkflowID: uuid.New(), Type: models.WorkflowTypeWorkflow,
				TriggeredFrom: models.RunFromAppRun, WorkflowVersion: "1", Status: models.RunRunning,
				CreatedByRole: models.CreatedByAccount, CreatedBy: uuid.New(), CreatedAt: time.Now()}
			for _, status := range []models.RunStatus{models.RunRunning, models.RunSucceeded} {
				run.Status = status
				if err := runs.Save(ctx, &run); err != nil {
					t.Fatal(err)
				}
			}
			if n := statementMemory(t, db); n == 0 {
				t.Error("no statement is kept prepared after Save")
			}
			got, err := runs.Get(ctx, run.TenantID, run.AppID, run.ID)
			if err != nil || got.Status != models.RunSucceeded || got.Version != run.Version {
				t.Fatalf("Get = %+v, %v; want version %d, succeeded", got, err, run.Version)
			}
			c, err := runs.CountByStatus(ctx, repo.CountRuns{TenantID: run.TenantID, AppID: run.AppID})
			if err != nil || c.Total != 1 || c.ByStatus[models.RunSucceeded] != 1 {
				t.Errorf("CountByStatus = %+v, %v; want one succeeded run", c, err)
			}
		})
	}
}

// statementMemory is the memory the prepared statements of db's (one)
// connection hold while none is running (SQLITE_DBSTATUS_STMT_USED).
func statementMemory(t *testing.T, db *gorm.DB) int {
	t.Helper()
	sqlDB, err := db.DB()
	if err != nil {
		t.Fatal(err)
	}
	conn, err := sqlDB.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	var used int
	err = conn.Raw(func(dc any) error {
		if w, ok := dc.(interface{ Unwrap() driver.Conn }); ok {
			dc = w.Unwrap()
		}
		s, ok := dc.(moderncsqlite.DBStatus)
		if !ok {
			return fmt.Errorf("%T has no DBStatus", dc)
		}
		used, _, err = s.Status(moderncsqlite.DBStatusStmtUsed, false)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return used
}
