package wflog_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/wflog/wflog"
	"github.com/wflog/wflog/internal/testdb"
	"github.com/wflog/wflog/logstoretest"
	"github.com/wflog/wflog/models"
	"github.com/wflog/wflog/repo"
)

// TestLogStoreIndexesMatchEmulator: the index wflog asks for is the
// emulator's default, field by field.
func TestLogStoreIndexesMatchEmulator(t *testing.T) {
	want, got := wflog.LogStoreIndexes(), logstoretest.DefaultIndexes()
	if len(want) != len(got) {
		t.Fatalf("wflog has %d logstores, the emulator %d", len(want), len(got))
	}
	for name, ix := range want {
		e, ok := got[name]
		if !ok || e.MaxTextLen != ix.MaxTextLen || len(e.Keys) != len(ix.Keys) {
			t.Errorf("%s: emulator index %+v, want max_text_len %d and %d keys", name, e, ix.MaxTextLen, len(ix.Keys))
			continue
		}
		for f, k := range ix.Keys {
			if ek := e.Keys[f]; ek.Type != k.Type || ek.DocValue != k.DocValue {
				t.Errorf("%s.%s: emulator %+v, wflog %+v", name, f, ek, k)
			}
		}
	}
	if k := want["workflow_runs"].Keys["version"]; k.Type != "long" || !k.DocValue {
		t.Errorf("version indexed %+v, want long with analytics", k)
	}
	if k := want["workflow_runs"].Keys["elapsed_time"]; k.Type != "double" {
		t.Errorf("elapsed_time indexed %+v, want double", k)
	}
}

// TestCheckLogStore: Migrate (and CheckLogStore) succeed on the index wflog
// needs and fail, naming the field and the fix, on each misconfiguration.
func TestCheckLogStore(t *testing.T) {
	ctx := context.Background()
	testdb.Admin(t)
	misconfigured := func(change func(map[string]logstoretest.Index)) func(*logstoretest.Config) {
		return func(c *logstoretest.Config) {
			ix := logstoretest.DefaultIndexes()
			change(ix)
			c.Indexes = ix
		}
	}
	t.Run("Right", func(t *testing.T) {
		db, _ := testdb.OpenLogStore(t, nil) // migrates
		checks, err := wflog.CheckLogStore(ctx, db)
		if err != nil || len(checks) != 2 {
			t.Fatalf("CheckLogStore = %v, %v", checks, err)
		}
		if len(checks[1].Notes) == 0 || !strings.Contains(strings.Join(checks[1].Notes, " "), "max_text_len") {
			t.Errorf("notes %q do not say max_text_len is unverified", checks[1].Notes)
		}
	})
	t.Run("VersionAsText", func(t *testing.T) {
		srv := logstoretest.New(t, misconfigured(func(m map[string]logstoretest.Index) {
			m["workflow_runs"].Keys["version"] = logstoretest.IndexKey{Type: "text", DocValue: true}
		}))
		db, err := wflog.Open(srv.DSN())
		if err != nil {
			t.Fatal(err)
		}
		defer testdb.Close(t, db)
		err = wflog.Migrate(ctx, db)
		if !errors.Is(err, wflog.ErrLogStoreIndex) || !strings.Contains(err.Error(), "field version reads as varchar, want bigint") {
			t.Errorf("Migrate = %v, want ErrLogStoreIndex naming version", err)
		}
	})
	t.Run("NotIndexed", func(t *testing.T) {
		srv := logstoretest.New(t, misconfigured(func(m map[string]logstoretest.Index) {
			delete(m["workflow_node_executions"].Keys, "index")
		}))
		db, err := wflog.Open(srv.DSN())
		if err != nil {
			t.Fatal(err)
		}
		defer testdb.Close(t, db)
		if err := wflog.Migrate(ctx, db); !errors.Is(err, wflog.ErrLogStoreIndex) || !strings.Contains(err.Error(), "workflow_node_executions: the probe failed") {
			t.Errorf("Migrate = %v, want ErrLogStoreIndex saying the probe failed", err)
		}
	})
	t.Run("AnalyticsOff", func(t *testing.T) {
		srv := logstoretest.New(t, misconfigured(func(m map[string]logstoretest.Index) {
			m["workflow_runs"].Keys["total_tokens"] = logstoretest.IndexKey{Type: "long", DocValue: false}
		}))
		db, err := wflog.Open(srv.DSN())
		if err != nil {
			t.Fatal(err)
		}
		defer testdb.Close(t, db)
		// Empty: the types are right, and analytics cannot be told yet.
		if err := wflog.Migrate(ctx, db); !errors.Is(err, wflog.ErrLogStoreIndexUnverified) {
			t.Fatalf("Migrate on an empty logstore: %v, want ErrLogStoreIndexUnverified", err)
		}
		run := models.WorkflowRun{ID: uuid.New(), TenantID: uuid.New(), AppID: uuid.New(), Status: models.RunRunning, TotalTokens: 5}
		if err := repo.NewRuns(db).Save(ctx, &run); err != nil {
			t.Fatal(err)
		}
		_, err = wflog.CheckLogStore(ctx, db)
		if !errors.Is(err, wflog.ErrLogStoreIndex) || !strings.Contains(err.Error(), "field total_tokens reads NULL in all 1 rows") {
			t.Errorf("CheckLogStore = %v, want total_tokens reported", err)
		}
	})
}

// TestMigrateEmptyLogStoreUnverified: on empty logstores Migrate cannot
// see whether analytics (doc_value) is on, so it never reports plain
// success: it wraps ErrLogStoreIndexUnverified (and not ErrLogStoreIndex),
// naming the empty logstores and `wflog check`; once the logstores hold
// rows, the same Migrate finds version without analytics, and on a right
// index with rows it succeeds.
func TestMigrateEmptyLogStoreUnverified(t *testing.T) {
	ctx := context.Background()
	testdb.Admin(t)
	noVersionAnalytics := func(c *logstoretest.Config) {
		ix := logstoretest.DefaultIndexes()
		ix["workflow_runs"].Keys["version"] = logstoretest.IndexKey{Type: "long", DocValue: false}
		c.Indexes = ix
	}
	t.Run("VersionAnalyticsOff", func(t *testing.T) {
		srv := logstoretest.New(t, noVersionAnalytics)
		db, err := wflog.Open(srv.DSN())
		if err != nil {
			t.Fatal(err)
		}
		defer testdb.Close(t, db)
		err = wflog.Migrate(ctx, db)
		if !errors.Is(err, wflog.ErrLogStoreIndexUnverified) || errors.Is(err, wflog.ErrLogStoreIndex) {
			t.Fatalf("Migrate on empty logstores = %v, want ErrLogStoreIndexUnverified alone", err)
		}
		for _, want := range []string{"workflow_node_executions and workflow_runs are empty", "doc_value", "wflog check"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("Migrate's error does not say %q: %v", want, err)
			}
		}
		run := models.WorkflowRun{ID: uuid.New(), TenantID: uuid.New(), AppID: uuid.New(), Status: models.RunRunning}
		if err := repo.NewRuns(db).Save(ctx, &run); err != nil {
			t.Fatal(err)
		}
		err = wflog.Migrate(ctx, db)
		if !errors.Is(err, wflog.ErrLogStoreIndex) || !strings.Contains(err.Error(), "field version reads NULL in all 1 rows") {
			t.Errorf("Migrate once workflow_runs has a row = %v, want ErrLogStoreIndex naming version", err)
		}
	})
	t.Run("RightWithRows", func(t *testing.T) {
		db, _ := testdb.OpenLogStore(t, nil)
		err := wflog.Migrate(ctx, db)
		if !errors.Is(err, wflog.ErrLogStoreIndexUnverified) {
			t.Fatalf("Migrate on empty logstores = %v, want ErrLogStoreIndexUnverified", err)
		}
		tenant, app, runID := uuid.New(), uuid.New(), uuid.New()
		run := models.WorkflowRun{ID: runID, TenantID: tenant, AppID: app, Status: models.RunRunning}
		if err := repo.NewRuns(db).Save(ctx, &run); err != nil {
			t.Fatal(err)
		}
		err = wflog.Migrate(ctx, db)
		if !errors.Is(err, wflog.ErrLogStoreIndexUnverified) || !strings.Contains(err.Error(), "workflow_node_executions is empty") {
			t.Fatalf("Migrate with only runs = %v, want workflow_node_executions unverified", err)
		}
		node := models.WorkflowNodeExecution{ID: uuid.New(), TenantID: tenant, AppID: app, WorkflowRunID: &runID, Status: models.NodeRunning}
		if err := repo.NewNodeExecutions(db).Save(ctx, &node); err != nil {
			t.Fatal(err)
		}
		if err := wflog.Migrate(ctx, db); err != nil {
			t.Errorf("Migrate on a right index with rows: %v", err)
		}
	})
}
