package transfer_test

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/wflog/wflog"
	"github.com/wflog/wflog/internal/testdb"
	"github.com/wflog/wflog/models"
	"github.com/wflog/wflog/transfer"
)

// Rows of Dify's own tables, as Dify writes them: naive UTC timestamps,
// Dify's version string, NULLs where Dify leaves them.
const difyRows = `
INSERT INTO workflow_runs (id, tenant_id, app_id, workflow_id, type, triggered_from, version, graph, inputs, status, outputs, error,
	elapsed_time, total_tokens, total_steps, created_by_role, created_by, created_at, finished_at, exceptions_count) VALUES
('11111111-1111-4111-8111-111111111111', 'aaaaaaaa-0000-4000-8000-000000000001', 'bbbbbbbb-0000-4000-8000-000000000001', 'cccccccc-0000-4000-8000-000000000001',
 'workflow', 'app-run', '2026-11-01 08:00:00.123456', '{"nodes":[]}', '{"q":"你好"}', 'succeeded', '{"a":"\\n"}', NULL,
 1.25, 321, 3, 'end_user', 'dddddddd-0000-4000-8000-000000000001', '2026-11-20 23:30:00.123456', '2026-11-21 00:00:01.5', 0),
('22222222-2222-4222-8222-222222222222', 'aaaaaaaa-0000-4000-8000-000000000001', 'bbbbbbbb-0000-4000-8000-000000000001', 'cccccccc-0000-4000-8000-000000000001',
 'chat', 'debugging', 'draft', NULL, NULL, 'running', NULL, NULL,
 0, 0, NULL, 'account', 'dddddddd-0000-4000-8000-000000000002', '2026-11-21 10:00:00', NULL, NULL),
('33333333-3333-4333-8333-333333333333', 'aaaaaaaa-0000-4000-8000-000000000001', 'bbbbbbbb-0000-4000-8000-000000000001', 'cccccccc-0000-4000-8000-000000000001',
 'workflow', 'app-run', 'draft', NULL, NULL, 'exploded', NULL, NULL,
 0, 0, 0, 'account', 'dddddddd-0000-4000-8000-000000000002', '2026-11-21 11:00:00', '2026-11-21 11:00:05', 0);

INSERT INTO workflow_node_executions (id, tenant_id, app_id, workflow_id, triggered_from, workflow_run_id, index, predecessor_node_id,
	node_execution_id, node_id, node_type, title, inputs, process_data, outputs, status, error, elapsed_time, execution_metadata,
	created_at, created_by_role, created_by, finished_at) VALUES
('44444444-4444-4444-8444-444444444444', 'aaaaaaaa-0000-4000-8000-000000000001', 'bbbbbbbb-0000-4000-8000-000000000001', 'cccccccc-0000-4000-8000-000000000001',
 'workflow-run', '11111111-1111-4111-8111-111111111111', 1, NULL, 'e1', 'start', 'start', 'Start', '{}', NULL, '{}', 'succeeded', NULL, 0.5,
 '{"total_tokens":0}', '2026-11-20 23:30:00.2', 'end_user', 'dddddddd-0000-4000-8000-000000000001', '2026-11-20 23:30:00.7'),
('55555555-5555-4555-8555-555555555555', 'aaaaaaaa-0000-4000-8000-000000000001', 'bbbbbbbb-0000-4000-8000-000000000001', 'cccccccc-0000-4000-8000-000000000001',
 'single-step', NULL, 1, NULL, NULL, 'code', 'code', 'Code', NULL, NULL, NULL, 'running', NULL, 0, NULL,
 '2026-11-22 09:00:00', 'account', 'dddddddd-0000-4000-8000-000000000002', NULL),
('66666666-6666-4666-8666-666666666666', 'aaaaaaaa-0000-4000-8000-000000000001', 'bbbbbbbb-0000-4000-8000-000000000001', 'cccccccc-0000-4000-8000-000000000001',
 'somewhere', NULL, 1, NULL, NULL, 'code', 'code', 'Code', NULL, NULL, NULL, 'running', NULL, 0, NULL,
 '2026-11-22 09:00:01', 'account', 'dddddddd-0000-4000-8000-000000000002', NULL);
`

// openDify returns a schema holding Dify's tables (from the fixture) and
// rows, opened with a session time zone far from UTC: Dify's naive
// timestamps must still be read as UTC.
func openDify(t *testing.T) *gorm.DB {
	t.Helper()
	_, dsn := testdb.Schema(t)
	db, err := wflog.Open(dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { testdb.Close(t, db) })
	// One connection, so that its session's time zone is every query's.
	pool, err := db.DB()
	if err != nil {
		t.Fatal(err)
	}
	pool.SetMaxOpenConns(1)
	if err := db.Exec("SET TIME ZONE 'Asia/Shanghai'").Error; err != nil {
		t.Fatal(err)
	}
	ddl, err := os.ReadFile("testdata/dify_schema.sql")
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Exec(string(ddl)).Error; err != nil {
		t.Fatalf("Dify's DDL: %v", err)
	}
	if err := db.Exec(difyRows).Error; err != nil {
		t.Fatalf("Dify's rows: %v", err)
	}
	return db
}

func TestImportDify(t *testing.T) {
	ctx := context.Background()
	dify := openDify(t)
	var tz string
	if err := dify.Raw("SHOW timezone").Scan(&tz).Error; err != nil || tz != "Asia/Shanghai" {
		t.Fatalf("the Dify session's time zone is %q (%v), want Asia/Shanghai", tz, err)
	}

	t.Run("PostgreSQL", func(t *testing.T) {
		dst, _ := testdb.Open(t)
		res, err := transfer.Import(ctx, dify, dst, transfer.ImportOptions{PageSize: 2})
		if err != nil {
			t.Fatal(err)
		}
		if res.Runs.Read != 3 || res.Runs.Written != 2 || res.NodeExecutions.Written != 2 || res.RejectedCount != 2 {
			t.Fatalf("Import: %+v", res)
		}
		rejected := map[string]string{}
		for _, r := range res.Rejected {
			rejected[r.ID] = r.Reason
		}
		if !strings.Contains(rejected["33333333-3333-4333-8333-333333333333"], `status "exploded"`) ||
			!strings.Contains(rejected["66666666-6666-4666-8666-666666666666"], `triggered_from "somewhere"`) {
			t.Errorf("rejected rows: %v", res.Rejected)
		}

		var run models.WorkflowRun
		if err := dst.First(&run, "id = ?", "11111111-1111-4111-8111-111111111111").Error; err != nil {
			t.Fatal(err)
		}
		created := time.Date(2026, 11, 20, 23, 30, 0, 123456000, time.UTC)
		finished := time.Date(2026, 11, 21, 0, 0, 1, 500000000, time.UTC)
		if !run.CreatedAt.Equal(created) || run.FinishedAt == nil || !run.FinishedAt.Equal(finished) ||
			int64(run.Version) != finished.UnixNano() || run.WorkflowVersion != "2026-11-01 08:00:00.123456" ||
			run.TotalTokens != 321 || *run.Inputs != `{"q":"你好"}` || *run.Outputs != `{"a":"\\n"}` || run.Error != nil {
			t.Errorf("imported run: %+v", run)
		}
		var running models.WorkflowRun
		if err := dst.First(&running, "id = ?", "22222222-2222-4222-8222-222222222222").Error; err != nil {
			t.Fatal(err)
		}
		if int64(running.Version) != time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC).UnixNano() || running.Graph != nil || running.TotalSteps != 0 {
			t.Errorf("imported running run: %+v", running)
		}
		var single models.WorkflowNodeExecution
		if err := dst.First(&single, "id = ?", "55555555-5555-4555-8555-555555555555").Error; err != nil {
			t.Fatal(err)
		}
		if single.WorkflowRunID != nil || single.TriggeredFrom != models.NodeFromSingleStep {
			t.Errorf("imported single-step execution: %+v", single)
		}

		// Verify sees exactly the rejected rows missing.
		rep, err := transfer.Verify(ctx, dify, dst, transfer.VerifyOptions{FromDify: true})
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range rep.Differences {
			if d.Day != "2026-11-21" && d.Day != "2026-11-22" || d.From != d.To+1 && d.Measure != "max_version" {
				t.Errorf("unexpected difference %+v", d)
			}
		}
		if len(rep.Differences) == 0 {
			t.Error("Verify does not see the rejected rows")
		}

		// Fixed in Dify's tables, the rows come in on the next import;
		// everything else is already there.
		if err := dify.Exec("UPDATE workflow_runs SET status = 'failed' WHERE id = '33333333-3333-4333-8333-333333333333'").Error; err != nil {
			t.Fatal(err)
		}
		if err := dify.Exec("UPDATE workflow_node_executions SET triggered_from = 'single-step' WHERE id = '66666666-6666-4666-8666-666666666666'").Error; err != nil {
			t.Fatal(err)
		}
		res, err = transfer.Import(ctx, dify, dst, transfer.ImportOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if res.Runs.Written != 1 || res.Runs.Skipped() != 2 || res.NodeExecutions.Written != 1 || res.RejectedCount != 0 {
			t.Errorf("second import: %+v", res)
		}
		verifyOK(t, dify, dst, transfer.VerifyOptions{FromDify: true})
		t.Cleanup(func() {
			_ = dify.Exec("UPDATE workflow_runs SET status = 'exploded' WHERE id = '33333333-3333-4333-8333-333333333333'").Error
			_ = dify.Exec("UPDATE workflow_node_executions SET triggered_from = 'somewhere' WHERE id = '66666666-6666-4666-8666-666666666666'").Error
		})
	})

	t.Run("LogStore", func(t *testing.T) {
		dify := openDify(t)
		if err := dify.Exec("DELETE FROM workflow_runs WHERE status = 'exploded'; DELETE FROM workflow_node_executions WHERE triggered_from = 'somewhere'").Error; err != nil {
			t.Fatal(err)
		}
		ls, _ := testdb.OpenLogStore(t, nil)
		res, err := transfer.Import(ctx, dify, ls, transfer.ImportOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if res.Runs.Written != 2 || res.NodeExecutions.Written != 2 || !res.RenewedTime {
			t.Errorf("Import into LogStore: %+v", res)
		}
		verifyOK(t, dify, ls, transfer.VerifyOptions{FromDify: true})
		// LogStore has no keys: a second import duplicates, and Verify says so.
		if _, err := transfer.Import(ctx, dify, ls, transfer.ImportOptions{}); err != nil {
			t.Fatal(err)
		}
		rep, err := transfer.Verify(ctx, dify, ls, transfer.VerifyOptions{FromDify: true})
		if err != nil {
			t.Fatal(err)
		}
		var dups int64
		for _, d := range rep.Differences {
			if d.Measure == "duplicates" {
				dups += d.To
			}
		}
		if dups != 4 {
			t.Errorf("after importing twice into LogStore Verify counts %d duplicates, want 4: %+v", dups, rep.Differences)
		}

		// With SkipExisting only what Dify gained is written: the running
		// run's finished version and a new node execution.
		ls2, _ := testdb.OpenLogStore(t, nil)
		if _, err := transfer.Import(ctx, dify, ls2, transfer.ImportOptions{}); err != nil {
			t.Fatal(err)
		}
		if err := dify.Exec(`UPDATE workflow_runs SET status = 'succeeded', finished_at = '2026-11-21 10:00:09' WHERE id = '22222222-2222-4222-8222-222222222222';
			UPDATE workflow_node_executions SET status = 'succeeded', finished_at = '2026-11-22 09:00:03' WHERE id = '55555555-5555-4555-8555-555555555555'`).Error; err != nil {
			t.Fatal(err)
		}
		res, err = transfer.Import(ctx, dify, ls2, transfer.ImportOptions{SkipExisting: true})
		if err != nil {
			t.Fatal(err)
		}
		if res.Runs.Written != 1 || res.NodeExecutions.Written != 1 || res.Runs.Rejected != 0 || res.Runs.Skipped() != res.Runs.Read-1 {
			t.Errorf("import again with SkipExisting: %+v, want one new version of each, the rest already there", res)
		}
		var current models.WorkflowRun
		if err := ls2.First(&current, "id = ?", "22222222-2222-4222-8222-222222222222").Error; err != nil || current.Status != models.RunSucceeded {
			t.Errorf("the run finished in Dify after the first import reads %+v, %v", current.Status, err)
		}
		verifyOK(t, dify, ls2, transfer.VerifyOptions{FromDify: true})
	})

	t.Run("SQLite", func(t *testing.T) {
		dify := openDify(t)
		lite := testdb.OpenSQLite(t)
		res, err := transfer.Import(ctx, dify, lite, transfer.ImportOptions{PageSize: 2})
		if err != nil {
			t.Fatal(err)
		}
		if res.Runs.Written != 2 || res.NodeExecutions.Written != 2 || res.RejectedCount != 2 {
			t.Fatalf("Import into SQLite: %+v", res)
		}
		// The rows fixed in Dify's tables come in on the next import, as
		// the rejection advises; what is there is skipped.
		if err := dify.Exec(`UPDATE workflow_runs SET status = 'failed' WHERE id = '33333333-3333-4333-8333-333333333333';
			UPDATE workflow_node_executions SET triggered_from = 'single-step' WHERE id = '66666666-6666-4666-8666-666666666666'`).Error; err != nil {
			t.Fatal(err)
		}
		res, err = transfer.Import(ctx, dify, lite, transfer.ImportOptions{PageSize: 2})
		if err != nil {
			t.Fatal(err)
		}
		if res.Runs.Written != 1 || res.Runs.Skipped() != 2 || res.NodeExecutions.Written != 1 || res.NodeExecutions.Skipped() != 2 || res.RejectedCount != 0 {
			t.Errorf("second import into SQLite: %+v", res)
		}
		verifyOK(t, dify, lite, transfer.VerifyOptions{FromDify: true})
	})

	t.Run("NotDify", func(t *testing.T) {
		db, _ := testdb.Open(t)
		dst, _ := testdb.Open(t)
		_, err := transfer.Import(ctx, db, dst, transfer.ImportOptions{})
		if err == nil || !strings.Contains(err.Error(), "not Dify's") {
			t.Errorf("importing from wflog's own tables: %v", err)
		}
	})
}
