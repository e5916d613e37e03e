// Package transfer moves workflow logs between databases: it copies every
// version of wflog's tables from one backend to another, imports Dify's own
// tables into wflog's, and verifies that two sides hold the same history.
//
//	from, _ := wflog.Open("postgres://…/dify")
//	to, _ := wflog.Open("logstore://AK_ID:AK_SECRET@cn-hangzhou.log.aliyuncs.com/dify-workflow-logs")
//	res, err := transfer.Copy(ctx, from, to, transfer.Options{StateFile: "copy.state"})
//	if err != nil { … }             // run it again with the same StateFile to resume
//	rep, err := transfer.Verify(ctx, from, to, transfer.VerifyOptions{})
//	if !rep.OK() { … }              // rep.Differences, day by day
//
// Copy keeps each row's id and version exactly. Reads page by keyset on
// (created_at, id, version), never by OFFSET; writes use the target's
// fastest path: COPY on PostgreSQL, multi-row INSERTs of the DSN's batch=N
// over parallel connections on LogStore. Rows written to LogStore get a new
// __time__ (LogStore's receive time), so their TTL starts again at the copy.
package transfer

import (
	"fmt"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/wflog/wflog/dialect"
	"github.com/wflog/wflog/models"
)

// Filter narrows what Copy, Import and Verify read. Each table is filtered
// on its own columns: a node execution is chosen by its own created_at.
type Filter struct {
	TenantID uuid.UUID `json:"tenant_id,omitzero"` // zero: every tenant
	AppID    uuid.UUID `json:"app_id,omitzero"`    // zero: every app
	Since    time.Time `json:"since,omitzero"`     // created_at ≥ Since; zero: no lower bound
	Until    time.Time `json:"until,omitzero"`     // created_at < Until; zero: no upper bound
}

func (f Filter) check() error {
	if !f.Since.IsZero() && !f.Until.IsZero() && !f.Until.After(f.Since) {
		return fmt.Errorf("transfer: the range [%s, %s) is empty", f.Since.Format(time.RFC3339), f.Until.Format(time.RFC3339))
	}
	return nil
}

func (f Filter) apply(tx *gorm.DB) *gorm.DB {
	if f.TenantID != uuid.Nil {
		tx = tx.Where(clause.Eq{Column: clause.Column{Name: "tenant_id"}, Value: f.TenantID})
	}
	if f.AppID != uuid.Nil {
		tx = tx.Where(clause.Eq{Column: clause.Column{Name: "app_id"}, Value: f.AppID})
	}
	if !f.Since.IsZero() {
		tx = tx.Where(clause.Gte{Column: clause.Column{Name: "created_at"}, Value: f.Since.UTC()})
	}
	if !f.Until.IsZero() {
		tx = tx.Where(clause.Lt{Column: clause.Column{Name: "created_at"}, Value: f.Until.UTC()})
	}
	return tx
}

// Tables are the two tables transfer moves, in the order it moves them.
const (
	Runs           = "workflow_runs"
	NodeExecutions = "workflow_node_executions"
)

// key is a row's place in the order transfer reads wflog's tables:
// (created_at, id, version), which is unique and never changes.
type key struct {
	CreatedAt time.Time `json:"created_at"`
	ID        uuid.UUID `json:"id"`
	Version   int64     `json:"version"`
}

var keyColumns = []clause.Column{{Name: "created_at"}, {Name: "id"}, {Name: "version"}}

func keyOrder() clause.OrderBy {
	var o clause.OrderBy
	for _, c := range keyColumns {
		o.Columns = append(o.Columns, clause.OrderByColumn{Column: c})
	}
	return o
}

type (
	runModel  = models.WorkflowRun
	nodeModel = models.WorkflowNodeExecution
)

// table describes one of wflog's tables to the generic code.
type table[T any] struct {
	name    string
	columns []string // COPY order; TestColumns checks it against the model
	key     func(*T) key
	row     func(*T) []any
	status  func(*T) string
	tokens  func(*T) int64
}

var runTable = table[models.WorkflowRun]{
	name: Runs,
	columns: []string{"id", "version", "tenant_id", "app_id", "workflow_id", "type", "triggered_from", "workflow_version",
		"graph", "inputs", "outputs", "status", "error", "elapsed_time", "total_tokens", "total_steps", "exceptions_count",
		"created_by_role", "created_by", "created_at", "finished_at"},
	key: func(r *models.WorkflowRun) key { return key{r.CreatedAt, r.ID, int64(r.Version)} },
	row: func(r *models.WorkflowRun) []any {
		return []any{r.ID, int64(r.Version), r.TenantID, r.AppID, r.WorkflowID, string(r.Type), string(r.TriggeredFrom), r.WorkflowVersion,
			r.Graph, r.Inputs, r.Outputs, string(r.Status), r.Error, r.ElapsedTime, r.TotalTokens, int64(r.TotalSteps), int64(r.ExceptionsCount),
			string(r.CreatedByRole), r.CreatedBy, r.CreatedAt, r.FinishedAt}
	},
	status: func(r *models.WorkflowRun) string { return string(r.Status) },
	tokens: func(r *models.WorkflowRun) int64 { return r.TotalTokens },
}

var nodeTable = table[models.WorkflowNodeExecution]{
	name: NodeExecutions,
	columns: []string{"id", "version", "tenant_id", "app_id", "workflow_id", "triggered_from", "workflow_run_id", "index",
		"predecessor_node_id", "node_execution_id", "node_id", "node_type", "title", "inputs", "process_data", "outputs",
		"execution_metadata", "status", "error", "elapsed_time", "created_by_role", "created_by", "created_at", "finished_at"},
	key: func(n *models.WorkflowNodeExecution) key { return key{n.CreatedAt, n.ID, int64(n.Version)} },
	row: func(n *models.WorkflowNodeExecution) []any {
		return []any{n.ID, int64(n.Version), n.TenantID, n.AppID, n.WorkflowID, string(n.TriggeredFrom), n.WorkflowRunID, int64(n.Index),
			n.PredecessorNodeID, n.NodeExecutionID, n.NodeID, n.NodeType, n.Title, n.Inputs, n.ProcessData, n.Outputs,
			n.ExecutionMetadata, string(n.Status), n.Error, n.ElapsedTime, string(n.CreatedByRole), n.CreatedBy, n.CreatedAt, n.FinishedAt}
	},
	status: func(n *models.WorkflowNodeExecution) string { return string(n.Status) },
	tokens: func(*models.WorkflowNodeExecution) int64 { return 0 },
}

// maxLogStorePage is LogStore's largest LIMIT count per query.
const maxLogStorePage = 10000

// defaultPageSize is how many rows a page reads unless Options say otherwise.
const defaultPageSize = 5000

func pageSize(db *gorm.DB, n int) (int, error) {
	if n == 0 {
		n = defaultPageSize
	}
	if n < 1 {
		return 0, fmt.Errorf("transfer: page size %d: want at least 1", n)
	}
	if dialect.Of(db).Backend() == dialect.LogStore && n > maxLogStorePage {
		return 0, fmt.Errorf("transfer: page size %d: LogStore returns at most %d rows per query", n, maxLogStorePage)
	}
	return n, nil
}

// readPage reads the rows after `after` (every version), in key order:
// all columns, or only cols.
func readPage[T any](tx *gorm.DB, f Filter, after *key, limit int, cols []string) ([]T, error) {
	d := dialect.Of(tx)
	tx = f.apply(tx.Unscoped().Model(new(T)))
	if cols != nil {
		tx = tx.Select(cols)
	}
	if after != nil {
		tx = tx.Where(d.Beyond(keyColumns, []any{after.CreatedAt.UTC(), after.ID, after.Version}, false))
	}
	var page []T
	err := tx.Order(keyOrder()).Limit(limit).Find(&page).Error
	return page, err
}

// count returns how many rows (every version) f selects in T's table.
func count[T any](tx *gorm.DB, f Filter) (int64, error) {
	var n int64
	err := f.apply(tx.Unscoped().Model(new(T))).Count(&n).Error
	return n, err
}
