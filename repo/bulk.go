package repo

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"gorm.io/gorm"

	"github.com/wflog/wflog/appendonly"
	"github.com/wflog/wflog/dialect"
	"github.com/wflog/wflog/mirror"
	"github.com/wflog/wflog/models"
)

// SaveBatch writes every run as a new version, as Save would (IDs and
// versions are set in runs), in bulk: COPY on PostgreSQL, multi-row INSERTs
// of the DSN's batch size on LogStore. GORM hooks do not run. On PostgreSQL
// the batch is all or nothing; LogStore has no transactions, so a failure
// there can leave the batches before it written.
func (r *Runs) SaveBatch(ctx context.Context, runs []models.WorkflowRun) error {
	for i := range runs {
		if err := validRun(&runs[i]); err != nil {
			return err
		}
	}
	if r.tiers != nil {
		return r.saveTiered(ctx, runs)
	}
	if err := saveBatch(ctx, r.db, r.d, runs, "workflow_runs", runColumns, runRow); err != nil {
		return fmt.Errorf("wflog/repo: saving %d runs: %w", len(runs), err)
	}
	for _, run := range runs {
		r.recent.put(run.ID, run)
	}
	return nil
}

// saveBatch versions rows and writes them: COPY where the backend has it and
// the pool is pgx's, INSERTs otherwise.
func saveBatch[T any](ctx context.Context, db *gorm.DB, d *dialect.Dialect, rows []T, table string, columns []string, row func(*T) []any) error {
	if len(rows) == 0 {
		return nil
	}
	db = db.WithContext(ctx)
	if err := appendonly.NewVersions(db, rows); err != nil {
		return err
	}
	pool, isPool := db.Statement.ConnPool.(*sql.DB)
	if !d.Has(dialect.Copy) || !isPool || !isPgx(pool) {
		// LogStore, a transaction, or a pool that is not pgx's: INSERTs,
		// batch-sized on LogStore.
		return db.Create(&rows).Error
	}
	const attempts = 3
	for attempt := 1; ; attempt++ {
		err := copyFrom(ctx, pool, table, columns, rows, row)
		if err == nil {
			// COPY bypasses GORM's callbacks, where a mirror listens.
			if m := mirror.Of(db); m != nil {
				return m.Write(ctx, db, &rows)
			}
			return nil
		}
		if attempt == attempts || !dialect.IsPrimaryKeyViolation(err) {
			return err
		}
		// Another process wrote one of these (id, version) pairs: newer versions.
		if err := appendonly.NewVersions(db, rows); err != nil {
			return err
		}
	}
}

var errNotPgx = errors.New("the connection is not pgx's")

func isPgx(pool *sql.DB) bool {
	_, ok := pool.Driver().(*stdlib.Driver)
	return ok
}

// copyFrom loads rows with PostgreSQL's COPY through pgx, in one statement.
func copyFrom[T any](ctx context.Context, pool *sql.DB, table string, columns []string, rows []T, row func(*T) []any) error {
	conn, err := pool.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	return conn.Raw(func(driverConn any) error {
		c, ok := driverConn.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("COPY: %w (%T)", errNotPgx, driverConn)
		}
		n, err := c.Conn().CopyFrom(ctx, pgx.Identifier{table}, columns,
			pgx.CopyFromSlice(len(rows), func(i int) ([]any, error) { return row(&rows[i]), nil }))
		if err == nil && n != int64(len(rows)) {
			err = fmt.Errorf("COPY wrote %d of %d rows", n, len(rows))
		}
		return err
	})
}

// The COPY column lists. TestCopyColumns checks them against the models.
// Integers go as int64 so that pgx refuses a value its column cannot hold
// instead of wrapping it.
var (
	runColumns = []string{"id", "version", "tenant_id", "app_id", "workflow_id", "type", "triggered_from", "workflow_version",
		"graph", "inputs", "outputs", "status", "error", "elapsed_time", "total_tokens", "total_steps", "exceptions_count",
		"created_by_role", "created_by", "created_at", "finished_at"}
	nodeColumns = []string{"id", "version", "tenant_id", "app_id", "workflow_id", "triggered_from", "workflow_run_id", "index",
		"predecessor_node_id", "node_execution_id", "node_id", "node_type", "title", "inputs", "process_data", "outputs",
		"execution_metadata", "status", "error", "elapsed_time", "created_by_role", "created_by", "created_at", "finished_at"}
)

func runRow(r *models.WorkflowRun) []any {
	return []any{r.ID, int64(r.Version), r.TenantID, r.AppID, r.WorkflowID, string(r.Type), string(r.TriggeredFrom), r.WorkflowVersion,
		r.Graph, r.Inputs, r.Outputs, string(r.Status), r.Error, r.ElapsedTime, r.TotalTokens, int64(r.TotalSteps), int64(r.ExceptionsCount),
		string(r.CreatedByRole), r.CreatedBy, r.CreatedAt, r.FinishedAt}
}

func nodeRow(n *models.WorkflowNodeExecution) []any {
	return []any{n.ID, int64(n.Version), n.TenantID, n.AppID, n.WorkflowID, string(n.TriggeredFrom), n.WorkflowRunID, int64(n.Index),
		n.PredecessorNodeID, n.NodeExecutionID, n.NodeID, n.NodeType, n.Title, n.Inputs, n.ProcessData, n.Outputs,
		n.ExecutionMetadata, string(n.Status), n.Error, n.ElapsedTime, string(n.CreatedByRole), n.CreatedBy, n.CreatedAt, n.FinishedAt}
}
