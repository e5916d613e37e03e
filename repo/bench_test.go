package repo_test

import (
	"context"
	"database/sql"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/wflog/wflog/internal/testdb"
	"github.com/wflog/wflog/models"
	"github.com/wflog/wflog/repo"
)

// Get and Save against PostgreSQL, each beside a hand-written pgx version
// of the same work, so benchstat can put them side by side:
//
//	go test ./repo -run '^$' -bench 'Get|Save' -count 10 > new.txt && benchstat new.txt

func benchDB(b testing.TB) (*repo.Runs, *pgx.Conn, models.WorkflowRun) {
	runs, conn, run, _ := benchDBWithPool(b)
	return runs, conn, run
}

func benchDBWithPool(b testing.TB) (*repo.Runs, *pgx.Conn, models.WorkflowRun, *sql.DB) {
	db, schema := testdb.Open(b)
	runs := repo.NewRuns(db)
	run := newRun(uuid.New(), uuid.New(), time.Now().UTC())
	for i := 0; i < 3; i++ {
		run.Version = 0
		if err := runs.Save(context.Background(), &run); err != nil {
			b.Fatal(err)
		}
	}
	dsn, err := testdb.SchemaDSN(schema)
	if err != nil {
		b.Fatal(err)
	}
	conn, err := pgx.Connect(context.Background(), dsn)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { conn.Close(context.Background()) })
	pool, err := db.DB()
	if err != nil {
		b.Fatal(err)
	}
	return runs, conn, run, pool
}

func BenchmarkGet(b *testing.B) {
	runs, _, run := benchDB(b)
	ctx := context.Background()
	for b.Loop() {
		if _, err := runs.Get(ctx, run.TenantID, run.AppID, run.ID); err != nil {
			b.Fatal(err)
		}
	}
}

// handGet is the hand-written query for a run's latest version, and
// handGetInto where its columns go.
const handGet = `SELECT id, version, tenant_id, app_id, workflow_id, type, triggered_from, workflow_version, graph, inputs, outputs, status, error, elapsed_time, total_tokens, total_steps, exceptions_count, created_by_role, created_by, created_at, finished_at FROM workflow_runs WHERE id = $1 AND tenant_id = $2 AND app_id = $3 ORDER BY version DESC LIMIT 1`

func handGetInto(r *models.WorkflowRun, version *int64) []any {
	return []any{&r.ID, version, &r.TenantID, &r.AppID, &r.WorkflowID, &r.Type, &r.TriggeredFrom, &r.WorkflowVersion,
		&r.Graph, &r.Inputs, &r.Outputs, &r.Status, &r.Error, &r.ElapsedTime, &r.TotalTokens, &r.TotalSteps, &r.ExceptionsCount,
		&r.CreatedByRole, &r.CreatedBy, &r.CreatedAt, &r.FinishedAt}
}

func BenchmarkGetRawPgx(b *testing.B) {
	_, conn, run := benchDB(b)
	ctx := context.Background()
	for b.Loop() {
		var r models.WorkflowRun
		var v int64
		err := conn.QueryRow(ctx, handGet, run.ID, run.TenantID, run.AppID).Scan(handGetInto(&r, &v)...)
		if err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSave(b *testing.B) {
	runs, _, run := benchDB(b)
	ctx := context.Background()
	for b.Loop() {
		if err := runs.Save(ctx, &run); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSaveRawPgx(b *testing.B) {
	_, conn, run := benchDB(b)
	ctx := context.Background()
	version := time.Now().UnixNano()
	for b.Loop() {
		version++
		_, err := conn.Exec(ctx, `INSERT INTO workflow_runs (id, version, tenant_id, app_id, workflow_id, type, triggered_from, workflow_version, graph, inputs, outputs, status, error, elapsed_time, total_tokens, total_steps, exceptions_count, created_by_role, created_by, created_at, finished_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21)`,
			run.ID, version, run.TenantID, run.AppID, run.WorkflowID, string(run.Type), string(run.TriggeredFrom), run.WorkflowVersion,
			run.Graph, run.Inputs, run.Outputs, string(run.Status), run.Error, run.ElapsedTime, run.TotalTokens, run.TotalSteps,
			run.ExceptionsCount, string(run.CreatedByRole), run.CreatedBy, run.CreatedAt, run.FinishedAt)
		if err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkGetDatabaseSQL is the hand-written query through database/sql
// over pgx's stdlib driver, the layer wflog's pool uses: it separates what
// database/sql costs from what GORM costs.
func BenchmarkGetDatabaseSQL(b *testing.B) {
	_, _, run, sqlDB := benchDBWithPool(b)
	ctx := context.Background()
	for b.Loop() {
		var r models.WorkflowRun
		var v int64
		err := sqlDB.QueryRowContext(ctx, handGet, run.ID, run.TenantID, run.AppID).Scan(handGetInto(&r, &v)...)
		if err != nil {
			b.Fatal(err)
		}
	}
}
