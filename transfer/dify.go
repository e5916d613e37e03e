package transfer

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/wflog/wflog/appendonly"
	"github.com/wflog/wflog/internal/dialect"
	"github.com/wflog/wflog/models"
)

// ImportOptions configure Import.
type ImportOptions struct {
	Filter
	// StateFile, when set, is where Import saves its progress after every
	// page, and resumes from.
	StateFile string
	// PageSize is how many of Dify's rows are read at a time (default 5,000).
	PageSize int
	// Workers: see Options.Workers.
	Workers int
	// Progress, when set, is called after every page.
	Progress func(Progress)
	// MaxRejected bounds how many rejected rows ImportResult lists (default
	// 1,000); all of them are counted.
	MaxRejected int
	// SkipExisting: see Options.SkipExisting. Import looks the page's ids
	// up in the target, 500 at a time.
	SkipExisting bool
}

// Rejected is a row of Dify's that Import did not write, and why.
type Rejected struct {
	Table  string
	ID     string
	Reason string
}

// String is the table, the id and the reason, as wflog import prints them.
func (r Rejected) String() string { return r.Table + " " + r.ID + ": " + r.Reason }

// ImportResult summarises an Import.
type ImportResult struct {
	Runs           TableResult
	NodeExecutions TableResult
	Resumed        bool
	RenewedTime    bool // see Result.RenewedTime
	// Rejected lists rows that were not written (up to MaxRejected of
	// them); RejectedCount counts them all. An import with rejected rows is
	// incomplete: fix the rows in Dify's tables and run it again.
	Rejected      []Rejected
	RejectedCount int64
}

// VersionOf is the version Import gives a row of Dify's: its finished_at in
// Unix nanoseconds, or its created_at while it has not finished. The same
// row always gets the same version, so importing it again is a no-op on
// PostgreSQL (and a duplicate that Verify reports on LogStore), and a run
// imported while running and again once finished gets a second, newer
// version, as if wflog had saved it.
func VersionOf(createdAt time.Time, finishedAt *time.Time) appendonly.Version {
	if finishedAt != nil {
		return appendonly.Version(finishedAt.UnixNano())
	}
	return appendonly.Version(createdAt.UnixNano())
}

// Import copies Dify's own workflow_runs and workflow_node_executions
// (primary key id, "version" the workflow's version string, naive UTC
// timestamps) from the database from into wflog's tables in to, any
// backend, without changing Dify's tables. Each of Dify's rows becomes one
// version (VersionOf). Times are read as UTC. A row whose status, type,
// trigger or creator role is not one wflog knows is not written but
// reported with its id in ImportResult.Rejected. Dify's tables are read by
// keyset on id, a page at a time.
func Import(ctx context.Context, from, to *gorm.DB, opts ImportOptions) (ImportResult, error) {
	if err := opts.Filter.check(); err != nil {
		return ImportResult{}, err
	}
	limit, err := pageSize(to, opts.PageSize)
	if err != nil {
		return ImportResult{}, err
	}
	src := from.WithContext(ctx)
	if err := CheckDify(src); err != nil {
		return ImportResult{}, err
	}
	t, err := newTarget(to.WithContext(ctx), opts.Workers)
	if err != nil {
		return ImportResult{}, err
	}
	cp, resumed, err := loadCheckpoint(opts.StateFile, "import", opts.Filter)
	if err != nil {
		return ImportResult{}, err
	}
	res := ImportResult{Resumed: resumed, RenewedTime: t.d.Has(dialect.ArrivalTime)}
	maxRejected := opts.MaxRejected
	if maxRejected == 0 {
		maxRejected = 1000
	}
	reject := func(r Rejected) {
		res.RejectedCount++
		if len(res.Rejected) < maxRejected {
			res.Rejected = append(res.Rejected, r)
		}
	}
	prog := &progress{fn: opts.Progress}
	if opts.Progress != nil {
		for _, name := range []string{Runs, NodeExecutions} {
			var n int64
			where, args := difyWhere(opts.Filter, uuid.Nil)
			if err := src.Raw("SELECT count(*) FROM "+name+where, args...).Scan(&n).Error; err != nil {
				return res, fmt.Errorf("transfer: counting Dify's %s: %w", name, err)
			}
			prog.total += n
		}
		for _, pos := range cp.Tables {
			prog.rows += pos.Read
		}
		prog.before = prog.rows
	}
	// Saved before the first write: see Copy.
	if err := cp.save(opts.StateFile); err != nil {
		return res, err
	}
	err = importTable(ctx, src, t, runTable, readDifyRuns, opts, limit, resumed, cp, prog, reject)
	if err == nil {
		err = importTable(ctx, src, t, nodeTable, readDifyNodes, opts, limit, resumed, cp, prog, reject)
	}
	res.Runs = cp.table(Runs).result()
	res.NodeExecutions = cp.table(NodeExecutions).result()
	return res, err
}

// difyPage is a page of Dify's rows as wflog's models, with the reason each
// invalid one is refused ("" when valid).
type difyPage[T any] struct {
	rows    []T
	invalid []string
	last    uuid.UUID
}

// add appends a row read, with id its id and invalid why it is refused.
func (p *difyPage[T]) add(row T, id uuid.UUID, invalid string) {
	p.rows = append(p.rows, row)
	p.invalid = append(p.invalid, invalid)
	p.last = id
}

// finishedUTC is Dify's naive finished_at read as UTC; nil while running.
func finishedUTC(t sql.NullTime) *time.Time {
	if !t.Valid {
		return nil
	}
	u := t.Time.UTC()
	return &u
}

type difyReader[T any] func(tx *gorm.DB, f Filter, after uuid.UUID, limit int) (difyPage[T], error)

func importTable[T any](ctx context.Context, src *gorm.DB, t *target, tb table[T], read difyReader[T], opts ImportOptions, limit int,
	resumed bool, cp *checkpoint, prog *progress, reject func(Rejected)) error {
	pos := cp.table(tb.name)
	writeCtx := context.WithoutCancel(ctx) // a page being written is finished: the checkpoint stays exact
	checkFirst := resumed && !t.d.Has(dialect.Keys)
	for !pos.Done {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("transfer: %s stopped after %d rows (the state file has them): %w", tb.name, pos.Read, err)
		}
		var after uuid.UUID
		if pos.After != nil {
			after = pos.After.ID
		}
		page, err := read(src, opts.Filter, after, limit)
		if err != nil {
			return fmt.Errorf("transfer: reading Dify's %s: %w", tb.name, err)
		}
		valid := page.rows[:0:0]
		for i := range page.rows {
			if page.invalid[i] != "" {
				reject(Rejected{Table: tb.name, ID: tb.key(&page.rows[i]).ID.String(), Reason: page.invalid[i]})
				continue
			}
			valid = append(valid, page.rows[i])
		}
		if (opts.SkipExisting && !t.d.Has(dialect.Keys) || checkFirst) && len(valid) > 0 {
			if valid, err = missingByID(writeCtx, t.db, tb, valid); err != nil {
				return err
			}
			checkFirst = false
		}
		n, err := write(writeCtx, t, tb, valid)
		if err != nil {
			return err
		}
		pos.Read += int64(len(page.rows))
		pos.Written += n
		pos.Rejected += int64(len(page.rows) - len(valid))
		if len(page.rows) > 0 {
			pos.After = &key{ID: page.last}
		}
		pos.Done = len(page.rows) < limit
		if err := cp.save(opts.StateFile); err != nil {
			return err
		}
		prog.add(tb.name, int64(len(page.rows)))
	}
	return nil
}

// CheckDify returns an error unless db's current schema holds Dify's own
// workflow_runs and workflow_node_executions: the columns Import reads,
// with "version" a string.
func CheckDify(db *gorm.DB) error {
	// Dify's columns, not the models': its "version" is the workflow's
	// version string (wflog's workflow_version), it has no wflog version,
	// and readDifyRuns and readDifyNodes read these by hand (coalescing
	// Dify's nullable counters) rather than through GORM's schema.
	want := map[string][]string{
		Runs: {"id", "tenant_id", "app_id", "workflow_id", "type", "triggered_from", "version", "graph", "inputs", "outputs", "status",
			"error", "elapsed_time", "total_tokens", "total_steps", "exceptions_count", "created_by_role", "created_by", "created_at", "finished_at"},
		NodeExecutions: {"id", "tenant_id", "app_id", "workflow_id", "triggered_from", "workflow_run_id", "index", "predecessor_node_id",
			"node_execution_id", "node_id", "node_type", "title", "inputs", "process_data", "outputs", "status", "error", "elapsed_time",
			"execution_metadata", "created_at", "created_by_role", "created_by", "finished_at"},
	}
	for _, name := range []string{Runs, NodeExecutions} {
		var cols []struct {
			Name string
			Type string
		}
		if err := db.Raw(`SELECT column_name AS name, data_type AS type FROM information_schema.columns
			WHERE table_schema = current_schema() AND table_name = ?`, name).Scan(&cols).Error; err != nil {
			return fmt.Errorf("transfer: inspecting %s: %w", name, err)
		}
		if len(cols) == 0 {
			return fmt.Errorf("transfer: the source has no table %s in its current schema: is it Dify's database (set search_path in the DSN if its tables are elsewhere)?", name)
		}
		have := map[string]string{}
		for _, c := range cols {
			have[c.Name] = c.Type
		}
		var missing []string
		for _, c := range want[name] {
			if _, ok := have[c]; !ok {
				missing = append(missing, c)
			}
		}
		if len(missing) > 0 {
			return fmt.Errorf("transfer: the source's %s is not Dify's: it lacks %s", name, strings.Join(missing, ", "))
		}
		if name == Runs && have["version"] == "bigint" {
			return fmt.Errorf("transfer: the source's %s has an integer version: it is wflog's table, not Dify's: use copy, not import", name)
		}
	}
	return nil
}

// naive renders t as the text of a timestamp without time zone in UTC, so
// that comparing it with Dify's naive columns does not depend on the
// session's TimeZone.
func naive(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05.999999") }

func difyWhere(f Filter, after uuid.UUID) (string, []any) {
	var conds []string
	var args []any
	if after != uuid.Nil {
		conds, args = append(conds, "id > ?"), append(args, after)
	}
	if f.TenantID != uuid.Nil {
		conds, args = append(conds, "tenant_id = ?"), append(args, f.TenantID)
	}
	if f.AppID != uuid.Nil {
		conds, args = append(conds, "app_id = ?"), append(args, f.AppID)
	}
	if !f.Since.IsZero() {
		conds, args = append(conds, "created_at >= ?::timestamp"), append(args, naive(f.Since))
	}
	if !f.Until.IsZero() {
		conds, args = append(conds, "created_at < ?::timestamp"), append(args, naive(f.Until))
	}
	if len(conds) == 0 {
		return "", nil
	}
	return " WHERE " + strings.Join(conds, " AND "), args
}

func readDifyRuns(tx *gorm.DB, f Filter, after uuid.UUID, limit int) (difyPage[models.WorkflowRun], error) {
	where, args := difyWhere(f, after)
	rows, err := tx.Raw(`SELECT id, tenant_id, app_id, workflow_id, type, triggered_from, version, graph, inputs, outputs, status, error,
		elapsed_time, total_tokens, coalesce(total_steps, 0), coalesce(exceptions_count, 0), created_by_role, created_by, created_at, finished_at
		FROM workflow_runs`+where+` ORDER BY id LIMIT ?`, append(args, limit)...).Rows()
	if err != nil {
		return difyPage[models.WorkflowRun]{}, err
	}
	defer rows.Close()
	var p difyPage[models.WorkflowRun]
	for rows.Next() {
		var r models.WorkflowRun
		var finished sql.NullTime
		var totalSteps, exceptions int64
		if err := rows.Scan(&r.ID, &r.TenantID, &r.AppID, &r.WorkflowID, &r.Type, &r.TriggeredFrom, &r.WorkflowVersion, &r.Graph, &r.Inputs,
			&r.Outputs, &r.Status, &r.Error, &r.ElapsedTime, &r.TotalTokens, &totalSteps, &exceptions, &r.CreatedByRole, &r.CreatedBy,
			&r.CreatedAt, &finished); err != nil {
			return p, err
		}
		r.TotalSteps, r.ExceptionsCount = int(totalSteps), int(exceptions)
		r.CreatedAt, r.FinishedAt = r.CreatedAt.UTC(), finishedUTC(finished)
		r.Version = VersionOf(r.CreatedAt, r.FinishedAt)
		p.add(r, r.ID, invalidRun(&r))
	}
	return p, rows.Err()
}

func readDifyNodes(tx *gorm.DB, f Filter, after uuid.UUID, limit int) (difyPage[models.WorkflowNodeExecution], error) {
	where, args := difyWhere(f, after)
	rows, err := tx.Raw(`SELECT id, tenant_id, app_id, workflow_id, triggered_from, workflow_run_id, index, predecessor_node_id,
		node_execution_id, node_id, node_type, title, inputs, process_data, outputs, execution_metadata, status, error, elapsed_time,
		created_by_role, created_by, created_at, finished_at
		FROM workflow_node_executions`+where+` ORDER BY id LIMIT ?`, append(args, limit)...).Rows()
	if err != nil {
		return difyPage[models.WorkflowNodeExecution]{}, err
	}
	defer rows.Close()
	var p difyPage[models.WorkflowNodeExecution]
	for rows.Next() {
		var n models.WorkflowNodeExecution
		var runID uuid.NullUUID
		var finished sql.NullTime
		var index int64
		if err := rows.Scan(&n.ID, &n.TenantID, &n.AppID, &n.WorkflowID, &n.TriggeredFrom, &runID, &index, &n.PredecessorNodeID,
			&n.NodeExecutionID, &n.NodeID, &n.NodeType, &n.Title, &n.Inputs, &n.ProcessData, &n.Outputs, &n.ExecutionMetadata, &n.Status,
			&n.Error, &n.ElapsedTime, &n.CreatedByRole, &n.CreatedBy, &n.CreatedAt, &finished); err != nil {
			return p, err
		}
		n.Index = int(index)
		if runID.Valid {
			n.WorkflowRunID = &runID.UUID
		}
		n.CreatedAt, n.FinishedAt = n.CreatedAt.UTC(), finishedUTC(finished)
		n.Version = VersionOf(n.CreatedAt, n.FinishedAt)
		p.add(n, n.ID, invalidNode(&n))
	}
	return p, rows.Err()
}

// The values wflog accepts besides models' status lists. Dify 1.12.1's
// WorkflowType also has "snippet", which wflog stores as it is.
var (
	workflowTypes = []models.WorkflowType{models.WorkflowTypeWorkflow, models.WorkflowTypeChat, models.WorkflowTypeRAGPipeline, "snippet"}
	runTriggers   = []models.RunTriggeredFrom{models.RunFromDebugging, models.RunFromAppRun, models.RunFromRAGPipelineRun, models.RunFromRAGPipelineDebugging, models.RunFromWebhook, models.RunFromSchedule, models.RunFromPlugin}
	nodeTriggers  = []models.NodeTriggeredFrom{models.NodeFromSingleStep, models.NodeFromWorkflowRun, models.NodeFromRAGPipelineRun}
	creatorRoles  = []models.CreatorRole{models.CreatedByAccount, models.CreatedByEndUser}
)

func invalidRun(r *models.WorkflowRun) string {
	return cmp.Or(
		notOneOf("status", r.Status, models.RunStatuses),
		notOneOf("type", r.Type, workflowTypes),
		notOneOf("triggered_from", r.TriggeredFrom, runTriggers),
		notOneOf("created_by_role", r.CreatedByRole, creatorRoles),
	)
}

func invalidNode(n *models.WorkflowNodeExecution) string {
	return cmp.Or(
		notOneOf("status", n.Status, models.NodeStatuses),
		notOneOf("triggered_from", n.TriggeredFrom, nodeTriggers),
		notOneOf("created_by_role", n.CreatedByRole, creatorRoles),
	)
}

// notOneOf is why a row is refused when its column holds v, a value wflog
// does not know; "" when v is one of allowed.
func notOneOf[T ~string](column string, v T, allowed []T) string {
	if slices.Contains(allowed, v) {
		return ""
	}
	return fmt.Sprintf("%s %q is not one of %v", column, v, allowed)
}

// idLookup is how many ids one query of missingByID asks for.
const idLookup = 500

// missingByID returns the rows whose (id, version) the target does not
// hold, looking their ids up idLookup at a time.
func missingByID[T any](ctx context.Context, db *gorm.DB, tb table[T], rows []T) ([]T, error) {
	type idVersion struct {
		id      uuid.UUID
		version int64
	}
	have := map[idVersion]bool{}
	for start := 0; start < len(rows); start += idLookup {
		part := rows[start:min(start+idLookup, len(rows))]
		ids := make([]uuid.UUID, len(part))
		for i := range part {
			ids[i] = tb.key(&part[i]).ID
		}
		var got []T
		// Each id has a handful of versions: the limit is there for LogStore,
		// which returns 100 rows from a query without one; reaching it means
		// more versions than a comparison should hold, on any backend.
		err := db.WithContext(ctx).Unscoped().Model(new(T)).Select("created_at", "id", "version").
			Where("id IN ?", ids).Limit(dialect.MaxPage).Find(&got).Error
		if err != nil {
			return nil, fmt.Errorf("transfer: reading what the target's %s holds: %w", tb.name, err)
		}
		if len(got) == dialect.MaxPage {
			return nil, fmt.Errorf("transfer: the target's %s holds %d or more versions of %d ids: too many to compare", tb.name, len(got), len(ids))
		}
		for i := range got {
			k := tb.key(&got[i])
			have[idVersion{k.ID, k.Version}] = true
		}
	}
	out := rows[:0:0]
	for i := range rows {
		k := tb.key(&rows[i])
		if !have[idVersion{k.ID, k.Version}] {
			out = append(out, rows[i])
		}
	}
	return out, nil
}
