package repo

import (
	"context"
	"errors"
	"fmt"
	"sort"

	"github.com/google/uuid"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/wflog/wflog/appendonly"
	"github.com/wflog/wflog/internal/dialect"
	"github.com/wflog/wflog/models"
	"github.com/wflog/wflog/scopes"
)

// NodeExecutions is Dify's node-execution repository over wflog. It is
// safe for concurrent use.
type NodeExecutions struct {
	db     *gorm.DB
	d      *dialect.Dialect
	recent *recent[models.WorkflowNodeExecution]
	span   span              // the created_at this store answers for; open for one database
	tiers  []*NodeExecutions // a tiered repository's tiers, newest first (WithOlderTier)
}

// NewNodeExecutions returns the node-execution repository on db.
func NewNodeExecutions(db *gorm.DB, opts ...Option) *NodeExecutions {
	o := buildOptions(db, opts)
	if o.olderTier == nil {
		return newNodeExecutions(db, o, span{})
	}
	return &NodeExecutions{db: db, d: dialect.Of(db), tiers: []*NodeExecutions{
		newNodeExecutions(db, o, span{from: o.cutover}),
		newNodeExecutions(o.olderTier, buildOptions(o.olderTier, opts), span{to: o.cutover}),
	}}
}

func newNodeExecutions(db *gorm.DB, o options, sp span) *NodeExecutions {
	return &NodeExecutions{
		db:   db,
		d:    dialect.Of(db),
		span: sp,
		recent: newRecent(o.recentTTL, o.recentSize,
			func(n *models.WorkflowNodeExecution) appendonly.Version { return n.Version },
			func(n *models.WorkflowNodeExecution) (uuid.UUID, bool) {
				if n.WorkflowRunID == nil {
					return uuid.Nil, false
				}
				return *n.WorkflowRunID, true
			}),
	}
}

func validNode(n *models.WorkflowNodeExecution) error {
	switch {
	case n == nil:
		return errors.New("wflog/repo: nil node execution")
	case n.TenantID == uuid.Nil || n.AppID == uuid.Nil:
		return fmt.Errorf("wflog/repo: node execution %s has no tenant or app id", n.ID)
	case !n.Status.Valid():
		return fmt.Errorf("wflog/repo: node execution %s has status %q; want one of %v", n.ID, truncate(string(n.Status), 64), models.NodeStatuses)
	}
	return validTimes("node execution", n.ID, n.CreatedAt, n.FinishedAt)
}

// Save writes a node execution as a new version.
func (n *NodeExecutions) Save(ctx context.Context, e *models.WorkflowNodeExecution) error {
	if err := validNode(e); err != nil {
		return err
	}
	s := n.storeFor(&e.CreatedAt)
	if err := s.db.WithContext(ctx).Save(e).Error; err != nil {
		return fmt.Errorf("wflog/repo: saving node execution %s: %w", e.ID, err)
	}
	s.recent.put(e.ID, *e)
	return nil
}

// SaveBatch writes node executions as new versions in bulk, like
// Runs.SaveBatch.
func (n *NodeExecutions) SaveBatch(ctx context.Context, es []models.WorkflowNodeExecution) error {
	for i := range es {
		if err := validNode(&es[i]); err != nil {
			return err
		}
	}
	if n.tiers != nil {
		return n.saveTiered(ctx, es)
	}
	if err := saveBatch(ctx, n.db, n.d, es); err != nil {
		return fmt.Errorf("wflog/repo: saving %d node executions: %w", len(es), err)
	}
	for _, e := range es {
		n.recent.put(e.ID, e)
	}
	return nil
}

// Get returns the latest version of a tenant's node execution, or
// ErrNotFound.
func (n *NodeExecutions) Get(ctx context.Context, tenantID, id uuid.UUID) (*models.WorkflowNodeExecution, error) {
	for _, s := range n.stores() {
		var e models.WorkflowNodeExecution
		err := newestVersion(s.db.WithContext(ctx), id, owned("tenant_id", tenantID)).Take(&e).Error
		found := err == nil
		if err != nil && !errors.Is(err, gorm.ErrRecordNotFound) {
			return nil, fmt.Errorf("wflog/repo: reading node execution %s: %w", id, err)
		}
		e, found = s.recent.fresher(id, e, found)
		if found && e.TenantID == tenantID && s.span.contains(e.CreatedAt) {
			return &e, nil
		}
	}
	return nil, fmt.Errorf("wflog/repo: node execution %s: %w", id, ErrNotFound)
}

func forTenant(tenantID uuid.UUID) scopes.Scope {
	return func(db *gorm.DB) *gorm.DB {
		return db.Where(clause.Eq{Column: clause.Column{Table: clause.CurrentTable, Name: "tenant_id"}, Value: tenantID})
	}
}

// NodeOrderBy is what ListByRun sorts by.
type NodeOrderBy int

// Sort keys for ListByRun. Ties are broken by created_at and then id, so
// the order is total.
const (
	ByIndex     NodeOrderBy = iota // the execution's index in the run
	ByCreatedAt                    // when the execution started
)

// NodeOrder is ListByRun's order; the zero value is by index, ascending.
type NodeOrder struct {
	By         NodeOrderBy
	Descending bool
}

func (o NodeOrder) columns() ([]clause.Column, error) {
	idx := clause.Column{Table: clause.CurrentTable, Name: "index"}
	created := clause.Column{Table: clause.CurrentTable, Name: "created_at"}
	id := clause.Column{Table: clause.CurrentTable, Name: "id"}
	switch o.By {
	case ByIndex:
		return []clause.Column{idx, created, id}, nil
	case ByCreatedAt:
		return []clause.Column{created, id}, nil
	}
	return nil, fmt.Errorf("wflog/repo: unknown node order %d", o.By)
}

// listPage is how many node executions a backend that bounds results
// (LogStore) is asked for at a time.
const listPage = 1000

// ListByRun returns every node execution of a run, in their latest versions,
// in the given order, however many there are: on LogStore it reads them a
// page of 1,000 at a time, by keyset, so a run of any size comes back whole.
func (n *NodeExecutions) ListByRun(ctx context.Context, tenantID, appID, runID uuid.UUID, order NodeOrder) ([]models.WorkflowNodeExecution, error) {
	cols, err := order.columns()
	if err != nil {
		return nil, err
	}
	var all []models.WorkflowNodeExecution
	for _, s := range n.stores() {
		es, err := s.listByRun(ctx, tenantID, appID, runID, order, cols)
		if err != nil {
			return nil, err
		}
		all = append(all, es...)
	}
	if n.tiers != nil {
		sort.SliceStable(all, func(i, j int) bool { return nodeLess(&all[i], &all[j], order) })
	}
	return all, nil
}

// listByRun is ListByRun on one store.
func (n *NodeExecutions) listByRun(ctx context.Context, tenantID, appID, runID uuid.UUID, order NodeOrder, cols []clause.Column) ([]models.WorkflowNodeExecution, error) {
	orderBy := clause.OrderBy{}
	for _, c := range cols {
		orderBy.Columns = append(orderBy.Columns, clause.OrderByColumn{Column: c, Desc: order.Descending})
	}
	owner := []scopes.Scope{scopes.ForApp(tenantID, appID), inRun(runID), n.span.scope()}
	var all []models.WorkflowNodeExecution
	for {
		tx := n.db.WithContext(ctx)
		pageOwner := owner
		if len(all) > 0 {
			last := &all[len(all)-1]
			keys := []any{last.Index, last.CreatedAt, last.ID}
			if order.By == ByCreatedAt {
				keys = []any{last.CreatedAt, last.ID}
			}
			pageOwner = append(append([]scopes.Scope(nil), owner...), func(db *gorm.DB) *gorm.DB {
				return db.Where(n.d.Beyond(cols, keys, order.Descending))
			})
		}
		tx = tx.Scopes(scopes.Latest(pageOwner...)).Order(orderBy)
		bounded := n.d.MaxRows() > 0
		if bounded {
			tx = tx.Limit(listPage)
		}
		var page []models.WorkflowNodeExecution
		if err := tx.Find(&page).Error; err != nil {
			return nil, fmt.Errorf("wflog/repo: node executions of run %s: %w", runID, err)
		}
		all = append(all, page...)
		if !bounded || len(page) < listPage {
			break
		}
	}
	return n.withRecent(all, tenantID, appID, runID, order), nil
}

// withRecent adds this process's writes that the backend does not show yet.
func (n *NodeExecutions) withRecent(stored []models.WorkflowNodeExecution, tenantID, appID, runID uuid.UUID, order NodeOrder) []models.WorkflowNodeExecution {
	mine := n.recent.inGroup(runID)
	if len(mine) == 0 {
		return stored
	}
	at := make(map[uuid.UUID]int, len(stored))
	for i, e := range stored {
		at[e.ID] = i
	}
	changed := false
	for _, e := range mine {
		if e.TenantID != tenantID || e.AppID != appID {
			continue
		}
		if i, ok := at[e.ID]; ok {
			if e.Version > stored[i].Version {
				stored[i], changed = e, true
			}
			continue
		}
		stored, changed = append(stored, e), true
	}
	if changed {
		sort.SliceStable(stored, func(i, j int) bool { return nodeLess(&stored[i], &stored[j], order) })
	}
	return stored
}

func nodeLess(a, b *models.WorkflowNodeExecution, o NodeOrder) bool {
	if o.Descending {
		a, b = b, a
	}
	if o.By == ByIndex && a.Index != b.Index {
		return a.Index < b.Index
	}
	if !a.CreatedAt.Equal(b.CreatedAt) {
		return a.CreatedAt.Before(b.CreatedAt)
	}
	return a.ID.String() < b.ID.String()
}

func inRun(runID uuid.UUID) scopes.Scope {
	return func(db *gorm.DB) *gorm.DB {
		return db.Where(clause.Eq{Column: clause.Column{Table: clause.CurrentTable, Name: "workflow_run_id"}, Value: runID})
	}
}

// Last returns the latest execution of a node of a workflow that is not
// paused (the one a console shows as the node's last run), or ErrNotFound.
func (n *NodeExecutions) Last(ctx context.Context, tenantID, appID, workflowID uuid.UUID, nodeID string) (*models.WorkflowNodeExecution, error) {
	var last *models.WorkflowNodeExecution
	for _, s := range n.stores() {
		e, err := s.last(ctx, tenantID, appID, workflowID, nodeID)
		if err != nil {
			return nil, fmt.Errorf("wflog/repo: last execution of node %q: %w", truncate(nodeID, 128), err)
		}
		if e != nil && (last == nil || nodeLess(last, e, NodeOrder{By: ByCreatedAt})) {
			last = e
		}
	}
	if last == nil {
		return nil, fmt.Errorf("wflog/repo: last execution of node %q: %w", truncate(nodeID, 128), ErrNotFound)
	}
	return last, nil
}

// last is Last on one store; nil when it has none.
func (n *NodeExecutions) last(ctx context.Context, tenantID, appID, workflowID uuid.UUID, nodeID string) (*models.WorkflowNodeExecution, error) {
	var e models.WorkflowNodeExecution
	err := n.db.WithContext(ctx).
		Scopes(scopes.Latest(scopes.ForApp(tenantID, appID), n.span.scope(), func(db *gorm.DB) *gorm.DB {
			return db.Where(clause.And(
				clause.Eq{Column: clause.Column{Table: clause.CurrentTable, Name: "workflow_id"}, Value: workflowID},
				clause.Eq{Column: clause.Column{Table: clause.CurrentTable, Name: "node_id"}, Value: nodeID},
			))
		})).
		Where(clause.Neq{Column: clause.Column{Table: clause.CurrentTable, Name: "status"}, Value: string(models.NodePaused)}).
		Order(clause.OrderBy{Columns: []clause.OrderByColumn{
			{Column: clause.Column{Table: clause.CurrentTable, Name: "created_at"}, Desc: true},
			{Column: clause.Column{Table: clause.CurrentTable, Name: "id"}, Desc: true},
		}}).Take(&e).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &e, nil
}

// CountByRuns counts the node executions of each of a tenant's runs. Runs
// without executions are absent.
func (n *NodeExecutions) CountByRuns(ctx context.Context, tenantID uuid.UUID, runIDs []uuid.UUID) (map[uuid.UUID]int64, error) {
	counts := make(map[uuid.UUID]int64, len(runIDs))
	// Each id once, and one query per idsPerQuery of them: PostgreSQL binds
	// at most 65,535 parameters, and LogStore's statements are better kept
	// small too.
	seen := make(map[uuid.UUID]bool, len(runIDs))
	var unique []uuid.UUID
	for _, id := range runIDs {
		if !seen[id] {
			seen[id] = true
			unique = append(unique, id)
		}
	}
	for start := 0; start < len(unique); start += idsPerQuery {
		part := unique[start:min(start+idsPerQuery, len(unique))]
		ids := make([]any, len(part))
		for i, id := range part {
			ids[i] = id
		}
		for _, s := range n.stores() {
			var rows []struct {
				WorkflowRunID uuid.UUID
				N             int64
			}
			err := s.db.WithContext(ctx).Model(&models.WorkflowNodeExecution{}).
				Scopes(scopes.Latest(forTenant(tenantID), s.span.scope(), func(db *gorm.DB) *gorm.DB {
					return db.Where(clause.IN{Column: clause.Column{Table: clause.CurrentTable, Name: "workflow_run_id"}, Values: ids})
				})).
				Select("workflow_run_id, count(*) AS n").Group("workflow_run_id").Scan(&rows).Error
			if err != nil {
				return nil, fmt.Errorf("wflog/repo: counting node executions of %d runs: %w", len(runIDs), err)
			}
			for _, r := range rows {
				counts[r.WorkflowRunID] += r.N
			}
		}
	}
	return counts, nil
}

// idsPerQuery is how many ids one query lists.
const idsPerQuery = 10000
