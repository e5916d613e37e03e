package wflogtest_test

import (
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/DATA-DOG/go-sqlmock"
	"github.com/google/uuid"

	"github.com/wflog/wflog/internal/dialect"
	"github.com/wflog/wflog/models"
	"github.com/wflog/wflog/wflogtest"
)

// TestSQLMock: a Create sends, on each backend, the SQL that backend
// receives — on LogStore with its literals rendered, no arguments.
func TestSQLMock(t *testing.T) {
	id := uuid.MustParse("0193a1b2-0000-7000-8000-000000000001")
	tenant := uuid.MustParse("11111111-1111-4111-8111-111111111111")
	created := time.Date(2026, 11, 1, 8, 0, 0, 0, time.UTC)
	run := func() models.WorkflowRun {
		return models.WorkflowRun{ID: id, TenantID: tenant, AppID: tenant, WorkflowID: tenant, Type: models.WorkflowTypeWorkflow,
			TriggeredFrom: models.RunFromAppRun, WorkflowVersion: "1", Status: models.RunRunning,
			CreatedByRole: models.CreatedByAccount, CreatedBy: tenant, CreatedAt: created}
	}
	const columns = `("id","version","tenant_id","app_id","workflow_id","type","triggered_from","workflow_version","graph","inputs","outputs","status","error","elapsed_time","total_tokens","total_steps","exceptions_count","created_by_role","created_by","created_at","finished_at")`
	version := wflogtest.Epoch.UnixNano()
	t.Run("LogStore", func(t *testing.T) {
		db, mock := wflogtest.SQLMock(t, dialect.LogStore)
		mock.ExpectExec(`INSERT INTO "workflow_runs" ` + columns + ` VALUES ('0193a1b2-0000-7000-8000-000000000001','1795680000000000000',` +
			`'11111111-1111-4111-8111-111111111111','11111111-1111-4111-8111-111111111111','11111111-1111-4111-8111-111111111111',` +
			`'workflow','app-run','1','','','','running','','0','0','0','0','account','11111111-1111-4111-8111-111111111111','2026-11-01T08:00:00.000000Z','')`).
			WillReturnResult(sqlmock.NewResult(0, 1))
		r := run()
		if err := db.Create(&r).Error; err != nil {
			t.Fatal(err)
		}
		if int64(r.Version) != version {
			t.Errorf("version %d, want the clock's %d", r.Version, version)
		}
	})
	t.Run("SQLite", func(t *testing.T) {
		db, mock := wflogtest.SQLMock(t, dialect.SQLite)
		mock.ExpectExec("INSERT INTO `workflow_runs` "+strings.ReplaceAll(columns, `"`, "`")+" VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)").
			WithArgs(id.String(), version, tenant.String(), tenant.String(), tenant.String(), "workflow", "app-run", "1", nil, nil, nil,
				"running", nil, 0.0, int64(0), 0, 0, "account", tenant.String(), "2026-11-01 08:00:00.000000", nil).
			WillReturnResult(sqlmock.NewResult(0, 1))
		r := run()
		if err := db.Create(&r).Error; err != nil {
			t.Fatal(err)
		}
	})
	t.Run("PostgreSQL", func(t *testing.T) {
		db, mock := wflogtest.SQLMock(t, dialect.PostgreSQL)
		mock.ExpectQuery(`SELECT * FROM "workflow_runs" WHERE id = $1 AND NOT EXISTS (SELECT 1 FROM "workflow_runs" AS "wflog_newer" WHERE "wflog_newer"."id" = "workflow_runs"."id" AND "wflog_newer"."version" > "workflow_runs"."version") ORDER BY "workflow_runs"."id" LIMIT $2`).
			WithArgs(id, 1).WillReturnRows(sqlmock.NewRows([]string{"id", "version", "status"}).AddRow(id.String(), version, "succeeded"))
		var got models.WorkflowRun
		if err := db.First(&got, "id = ?", id).Error; err != nil {
			t.Fatal(err)
		}
		if got.Status != models.RunSucceeded || int64(got.Version) != version {
			t.Errorf("read %s at %d", got.Status, got.Version)
		}
	})
}

func TestClock(t *testing.T) {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	c := wflogtest.NewClock(start)
	if v := c.Next(0); int64(v) != start.UnixNano() {
		t.Errorf("first version %d, want %d", v, start.UnixNano())
	}
	if v := c.Next(0); int64(v) != start.UnixNano()+1 {
		t.Errorf("a stopped clock's next version %d, want one more", v)
	}
	c.Advance(time.Hour)
	if v := c.Next(0); int64(v) != start.Add(time.Hour).UnixNano() {
		t.Errorf("after Advance: %d", v)
	}
	c.Set(start) // backwards: versions still increase
	if v := c.Next(0); int64(v) != start.Add(time.Hour).UnixNano()+1 {
		t.Errorf("after Set backwards: %d", v)
	}
}

// TestREADME: the README's "Testing your code" shows example_test.go whole.
func TestREADME(t *testing.T) {
	src, err := os.ReadFile("example_test.go")
	if err != nil {
		t.Fatal(err)
	}
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(readme), "```go\n"+string(src)+"```") {
		t.Error("README.md does not show wflogtest/example_test.go as it is")
	}
}

// TestAutoMigrateLogStore: AutoMigrate on LogStore is refused before
// anything is sent, pointing to the DDL to apply instead.
func TestAutoMigrateLogStore(t *testing.T) {
	db, _ := wflogtest.SQLMock(t, dialect.LogStore) // no expectations: nothing may be sent
	err := db.AutoMigrate(&models.WorkflowRun{})
	if !errors.Is(err, dialect.ErrUnsupported) || !strings.Contains(err.Error(), "schema_logstore.sql") {
		t.Errorf("AutoMigrate on LogStore = %v, want ErrUnsupported naming schema_logstore.sql", err)
	}
}
