// Package transfer moves workflow logs between databases: it copies every
// version of wflog's tables from one backend to another, imports Dify's own
// tables into wflog's, and verifies that two sides hold the same history.
//
//	from, _ := wflog.Open("postgres://…/workflow_logs") // wflog on PostgreSQL
//	to, _ := wflog.Open("logstore://AK_ID:AK_SECRET@cn-hangzhou.log.aliyuncs.com/dify-workflow-logs")
//	res, err := transfer.Copy(ctx, from, to, transfer.Options{StateFile: "copy.state"})
//	if err != nil { … }             // run it again with the same StateFile to resume
//	rep, err := transfer.Verify(ctx, from, to, transfer.VerifyOptions{})
//	if !rep.OK() { … }              // rep.Differences, day by day
//
// Import reads Dify's own tables (transfer.Import, wflog import); Copy keeps
// each row's id and version exactly. Reads page by keyset on
// (created_at, id, version), never by OFFSET; writes use the target's
// fastest path: COPY on PostgreSQL, multi-row INSERTs of the DSN's batch=N
// over parallel connections on LogStore. Rows written to LogStore get a new
// __time__ (LogStore's receive time), so their TTL starts again at the copy.
package transfer

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/stdlib"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"
	"gorm.io/gorm/schema"

	"github.com/wflog/wflog/internal/dialect"
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
	columns []string // the model's, in COPY order (modelColumns)
	key     func(*T) key
	// row gives a row's values in columns' order, typed as pgx's COPY
	// encodes them fastest; TestColumns checks the order.
	row func(*T) []any
	// scan reads a row of the columns, in their order, into a model.
	scan   func(pgx.Rows, *T) error
	status func(*T) string
	tokens func(*T) int64
}

var runTable = table[models.WorkflowRun]{
	name:    Runs,
	columns: modelColumns(&models.WorkflowRun{}),
	key:     func(r *models.WorkflowRun) key { return key{r.CreatedAt, r.ID, int64(r.Version)} },
	row: func(r *models.WorkflowRun) []any {
		return []any{[16]byte(r.ID), int64(r.Version), [16]byte(r.TenantID), [16]byte(r.AppID), [16]byte(r.WorkflowID), string(r.Type), string(r.TriggeredFrom), r.WorkflowVersion,
			r.Graph, r.Inputs, r.Outputs, string(r.Status), r.Error, r.ElapsedTime, r.TotalTokens, int64(r.TotalSteps), int64(r.ExceptionsCount),
			string(r.CreatedByRole), [16]byte(r.CreatedBy), r.CreatedAt, r.FinishedAt}
	},
	scan: func(rows pgx.Rows, r *models.WorkflowRun) error {
		return rows.Scan((*[16]byte)(&r.ID), (*int64)(&r.Version), (*[16]byte)(&r.TenantID), (*[16]byte)(&r.AppID), (*[16]byte)(&r.WorkflowID),
			(*string)(&r.Type), (*string)(&r.TriggeredFrom), &r.WorkflowVersion, &r.Graph, &r.Inputs, &r.Outputs, (*string)(&r.Status), &r.Error,
			&r.ElapsedTime, &r.TotalTokens, &r.TotalSteps, &r.ExceptionsCount, (*string)(&r.CreatedByRole), (*[16]byte)(&r.CreatedBy),
			&r.CreatedAt, &r.FinishedAt)
	},
	status: func(r *models.WorkflowRun) string { return string(r.Status) },
	tokens: func(r *models.WorkflowRun) int64 { return r.TotalTokens },
}

var nodeTable = table[models.WorkflowNodeExecution]{
	name:    NodeExecutions,
	columns: modelColumns(&models.WorkflowNodeExecution{}),
	key:     func(n *models.WorkflowNodeExecution) key { return key{n.CreatedAt, n.ID, int64(n.Version)} },
	row: func(n *models.WorkflowNodeExecution) []any {
		return []any{[16]byte(n.ID), int64(n.Version), [16]byte(n.TenantID), [16]byte(n.AppID), [16]byte(n.WorkflowID), string(n.TriggeredFrom), optionalUUID(n.WorkflowRunID), int64(n.Index),
			n.PredecessorNodeID, n.NodeExecutionID, n.NodeID, n.NodeType, n.Title, n.Inputs, n.ProcessData, n.Outputs,
			n.ExecutionMetadata, string(n.Status), n.Error, n.ElapsedTime, string(n.CreatedByRole), [16]byte(n.CreatedBy), n.CreatedAt, n.FinishedAt}
	},
	scan: func(rows pgx.Rows, n *models.WorkflowNodeExecution) error {
		var runID pgtype.UUID
		err := rows.Scan((*[16]byte)(&n.ID), (*int64)(&n.Version), (*[16]byte)(&n.TenantID), (*[16]byte)(&n.AppID), (*[16]byte)(&n.WorkflowID),
			(*string)(&n.TriggeredFrom), &runID, &n.Index, &n.PredecessorNodeID, &n.NodeExecutionID, &n.NodeID, &n.NodeType, &n.Title,
			&n.Inputs, &n.ProcessData, &n.Outputs, &n.ExecutionMetadata, (*string)(&n.Status), &n.Error, &n.ElapsedTime,
			(*string)(&n.CreatedByRole), (*[16]byte)(&n.CreatedBy), &n.CreatedAt, &n.FinishedAt)
		if runID.Valid {
			id := uuid.UUID(runID.Bytes)
			n.WorkflowRunID = &id
		}
		return err
	},
	status: func(n *models.WorkflowNodeExecution) string { return string(n.Status) },
	tokens: func(*models.WorkflowNodeExecution) int64 { return 0 },
}

// modelColumns are the columns GORM maps model to, in the order of its
// fields: what Copy reads and COPY writes. row and scan list the values in
// that order by hand, for speed: TestColumns checks row's order, and the
// integration tests' copies, compared field by field, check scan's.
func modelColumns(model any) []string {
	s, err := schema.Parse(model, &sync.Map{}, schema.NamingStrategy{})
	if err != nil {
		panic(fmt.Sprintf("transfer: parsing %T: %v", model, err))
	}
	return s.DBNames
}

// optionalUUID gives COPY a uuid as pgx encodes it directly ([16]byte):
// uuid.UUID is a driver.Valuer, which pgx first tries, and fails, to encode
// another way — half of a COPY's time went there.
func optionalUUID(id *uuid.UUID) any {
	if id == nil {
		return nil
	}
	return [16]byte(*id)
}

// defaultPageSize is how many rows a page reads unless Options say otherwise.
const defaultPageSize = 5000

func pageSize(db *gorm.DB, n int) (int, error) {
	if n == 0 {
		n = defaultPageSize
	}
	if n < 1 {
		return 0, fmt.Errorf("transfer: page size %d: want at least 1", n)
	}
	if d := dialect.Of(db); d.MaxPageRows() > 0 && n > d.MaxPageRows() {
		return 0, fmt.Errorf("transfer: page size %d: %s pages at most %d rows per query", n, d.Backend(), d.MaxPageRows())
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

// pgxPool returns db's pool when it is PostgreSQL through pgx, whose
// connections transfer uses directly for COPY and for reading pages.
func pgxPool(db *gorm.DB) *sql.DB {
	if !dialect.Of(db).Has(dialect.Copy) {
		return nil
	}
	pool, err := db.DB()
	if err != nil {
		return nil
	}
	if _, ok := pool.Driver().(*stdlib.Driver); !ok {
		return nil
	}
	return pool
}

// readPagePgx is readPage on a PostgreSQL source: GORM builds the query (a
// dry run) and pgx runs it and scans straight into the models, without
// database/sql's conversions — through GORM, reading was the slower half of
// a copy.
func readPagePgx[T any](ctx context.Context, tx *gorm.DB, pool *sql.DB, tb table[T], f Filter, after *key, limit int) ([]T, error) {
	d := dialect.Of(tx)
	q := f.apply(tx.Session(&gorm.Session{DryRun: true}).Unscoped().Model(new(T)).Select(tb.columns))
	if after != nil {
		q = q.Where(d.Beyond(keyColumns, []any{after.CreatedAt.UTC(), after.ID, after.Version}, false))
	}
	var none []T
	stmt := q.Order(keyOrder()).Limit(limit).Find(&none).Statement
	if stmt.Error != nil {
		return nil, stmt.Error
	}
	query := stmt.SQL.String()
	conn, err := pool.Conn(ctx)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	page := make([]T, 0, limit)
	err = conn.Raw(func(driverConn any) error {
		rows, err := driverConn.(*stdlib.Conn).Conn().Query(ctx, query, stmt.Vars...)
		if err != nil {
			return err
		}
		defer rows.Close()
		if got := rows.FieldDescriptions(); len(got) != len(tb.columns) {
			return fmt.Errorf("%s has %d columns, want %d: %s", tb.name, len(got), len(tb.columns), strings.Join(tb.columns, ", "))
		}
		for rows.Next() {
			page = append(page, *new(T))
			if err := tb.scan(rows, &page[len(page)-1]); err != nil {
				return err
			}
		}
		return rows.Err()
	})
	return page, err
}
