package repo

import (
	"context"
	"errors"
	"fmt"

	"github.com/google/uuid"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/wflog/wflog/appendonly"
	"github.com/wflog/wflog/internal/dialect"
	"github.com/wflog/wflog/models"
	"github.com/wflog/wflog/scopes"
)

// Runs is Dify's workflow-run repository over wflog. It is safe for
// concurrent use.
type Runs struct {
	db     *gorm.DB
	d      *dialect.Dialect
	recent *recent[models.WorkflowRun]
	span   span    // the created_at this store answers for; open for one database
	tiers  []*Runs // a tiered repository's tiers, newest first (WithOlderTier)
	stats  *statsPath
}

// NewRuns returns the run repository on db (from wflog.Open).
func NewRuns(db *gorm.DB, opts ...Option) *Runs {
	o := buildOptions(db, opts)
	if o.olderTier == nil {
		return newRuns(db, o, span{})
	}
	return &Runs{db: db, d: dialect.Of(db), tiers: []*Runs{
		newRuns(db, o, span{from: o.cutover}),
		newRuns(o.olderTier, buildOptions(o.olderTier, opts), span{to: o.cutover}),
	}}
}

func newRuns(db *gorm.DB, o options, sp span) *Runs {
	return &Runs{
		db:   db,
		d:    dialect.Of(db),
		span: sp,
		recent: newRecent(o.recentTTL, o.recentSize,
			func(r *models.WorkflowRun) appendonly.Version { return r.Version }, nil),
		stats: &statsPath{source: o.stats},
	}
}

// Save writes run as a new version: an INSERT, never an UPDATE. A zero ID
// gets a UUIDv7 and run.Version is set to the new version.
func (r *Runs) Save(ctx context.Context, run *models.WorkflowRun) error {
	if err := validRun(run); err != nil {
		return err
	}
	s := r.storeFor(&run.CreatedAt)
	if err := s.db.WithContext(ctx).Save(run).Error; err != nil {
		return fmt.Errorf("wflog/repo: saving run %s: %w", run.ID, err)
	}
	s.recent.put(run.ID, *run)
	return nil
}

func validRun(run *models.WorkflowRun) error {
	switch {
	case run == nil:
		return errors.New("wflog/repo: nil run")
	case run.TenantID == uuid.Nil || run.AppID == uuid.Nil:
		return fmt.Errorf("wflog/repo: run %s has no tenant or app id", run.ID)
	case !run.Status.Valid():
		return fmt.Errorf("wflog/repo: run %s has status %q; want one of %v", run.ID, truncate(string(run.Status), 64), models.RunStatuses)
	}
	return validTimes("run", run.ID, run.CreatedAt, run.FinishedAt)
}

// Get returns the latest version of a run of an app, or ErrNotFound when no
// such run exists or it belongs to another tenant or app.
func (r *Runs) Get(ctx context.Context, tenantID, appID, runID uuid.UUID) (*models.WorkflowRun, error) {
	run, err := r.latest(ctx, runID, owned("tenant_id", tenantID), owned("app_id", appID))
	if err != nil {
		return nil, err
	}
	if run.TenantID != tenantID || run.AppID != appID {
		return nil, fmt.Errorf("wflog/repo: run %s of app %s: %w", runID, appID, ErrNotFound)
	}
	return run, nil
}

// GetByID returns the latest version of a run whoever owns it (Dify's
// get_workflow_run_by_id_without_tenant, for internal callers).
func (r *Runs) GetByID(ctx context.Context, runID uuid.UUID) (*models.WorkflowRun, error) {
	return r.latest(ctx, runID)
}

func (r *Runs) latest(ctx context.Context, id uuid.UUID, owner ...clause.Expression) (*models.WorkflowRun, error) {
	// A tier answers only for its own span: another tier may hold a copy.
	for _, s := range r.stores() {
		var run models.WorkflowRun
		err := newestVersion(s.db.WithContext(ctx), id, owner...).Take(&run).Error
		found := err == nil
		if err != nil && !errors.Is(err, gorm.ErrRecordNotFound) {
			return nil, fmt.Errorf("wflog/repo: reading run %s: %w", id, err)
		}
		run, found = s.recent.fresher(id, run, found)
		if found && s.span.contains(run.CreatedAt) {
			return &run, nil
		}
	}
	return nil, fmt.Errorf("wflog/repo: run %s: %w", id, ErrNotFound)
}

// newestVersion reads one row's latest version the cheapest way there is:
// its versions newest first, the first of them — one index descent on the
// primary key, one row; and on LogStore no ranking at all. It is on the
// hot path of every engine, so it builds its conditions directly.
func newestVersion(db *gorm.DB, id uuid.UUID, owner ...clause.Expression) *gorm.DB {
	conds := append(owner, owned("id", id))
	return db.Unscoped().Where(clause.And(conds...)).
		Order(clause.OrderByColumn{Column: clause.Column{Table: clause.CurrentTable, Name: "version"}, Desc: true})
}

// owned is "column = id" on the statement's table.
func owned(column string, id uuid.UUID) clause.Expression {
	return clause.Eq{Column: clause.Column{Table: clause.CurrentTable, Name: column}, Value: id}
}

// byID selects one row by id, which every version shares.
func byID(id uuid.UUID) scopes.Scope {
	return func(db *gorm.DB) *gorm.DB {
		return db.Where(clause.Eq{Column: clause.Column{Table: clause.CurrentTable, Name: "id"}, Value: id})
	}
}

// ListRuns selects a page of an app's runs, newest first.
type ListRuns struct {
	TenantID, AppID uuid.UUID
	TriggeredFrom   []models.RunTriggeredFrom // any of these; none: all
	Status          []models.RunStatus        // current status is one of these; none: all
	Limit           int                       // runs per page: 1–1000, default 20
	LastID          uuid.UUID                 // the last run of the previous page; uuid.Nil for the first
}

// RunPage is a page of runs, newest first.
type RunPage struct {
	Runs    []models.WorkflowRun
	HasMore bool
}

// MaxPageSize bounds ListRuns.Limit.
const MaxPageSize = 1000

// List returns runs newest first, paged by keyset on (created_at, id): no run
// is skipped or repeated across pages, even when many share a created_at,
// and pages stay correct while new runs arrive. An unknown LastID (or one of
// another app) is ErrNotFound.
func (r *Runs) List(ctx context.Context, q ListRuns) (RunPage, error) {
	limit := q.Limit
	if limit == 0 {
		limit = 20
	}
	if limit < 1 || limit > MaxPageSize {
		return RunPage{}, fmt.Errorf("wflog/repo: page size %d: want 1–%d", q.Limit, MaxPageSize)
	}
	for _, s := range q.Status {
		if !s.Valid() {
			return RunPage{}, fmt.Errorf("wflog/repo: status %q: want one of %v", truncate(string(s), 64), models.RunStatuses)
		}
	}
	var after *models.WorkflowRun
	if q.LastID != uuid.Nil {
		last, err := r.Get(ctx, q.TenantID, q.AppID, q.LastID)
		if err != nil {
			return RunPage{}, fmt.Errorf("wflog/repo: the page after run %s: %w", q.LastID, err)
		}
		after = last
	}
	// Tiers are newest first and their spans do not overlap, so the page
	// is the newer tier's runs, then the older's, up to limit+1.
	var runs []models.WorkflowRun
	for _, s := range r.stores() {
		if after != nil && !s.span.from.IsZero() && after.CreatedAt.Before(s.span.from) {
			continue // the cursor is past this tier
		}
		page, err := s.page(ctx, q, after, limit+1-len(runs))
		if err != nil {
			return RunPage{}, fmt.Errorf("wflog/repo: listing runs of app %s: %w", q.AppID, err)
		}
		if runs = append(runs, page...); len(runs) > limit {
			break
		}
	}
	page := RunPage{Runs: runs, HasMore: len(runs) > limit}
	if page.HasMore {
		page.Runs = runs[:limit]
	}
	return page, nil
}

// page reads up to n of this store's runs that q selects, newest first,
// after the run after (nil: from the newest).
func (r *Runs) page(ctx context.Context, q ListRuns, after *models.WorkflowRun, n int) ([]models.WorkflowRun, error) {
	owner := []scopes.Scope{scopes.ForApp(q.TenantID, q.AppID), scopes.TriggeredFrom(q.TriggeredFrom...), r.span.scope()}
	if after != nil {
		owner = append(owner, r.beyond(after.CreatedAt, after.ID))
	}
	tx := r.db.WithContext(ctx).Scopes(scopes.Latest(owner...))
	if len(q.Status) > 0 {
		tx = tx.Scopes(statusIn(q.Status))
	}
	var runs []models.WorkflowRun
	err := tx.Order(clause.OrderBy{Columns: []clause.OrderByColumn{
		{Column: clause.Column{Table: clause.CurrentTable, Name: "created_at"}, Desc: true},
		{Column: clause.Column{Table: clause.CurrentTable, Name: "id"}, Desc: true},
	}}).Limit(n).Find(&runs).Error
	return runs, err
}

// beyond selects the runs after (createdAt, id) in newest-first order. Both
// columns are the same in every version, so it may be an owner scope.
func (r *Runs) beyond(createdAt any, id uuid.UUID) scopes.Scope {
	return func(db *gorm.DB) *gorm.DB {
		return db.Where(r.d.Beyond([]clause.Column{
			{Table: clause.CurrentTable, Name: "created_at"},
			{Table: clause.CurrentTable, Name: "id"},
		}, []any{createdAt, id}, true))
	}
}

func statusIn[S ~string](statuses []S) scopes.Scope {
	return func(db *gorm.DB) *gorm.DB {
		vs := make([]any, len(statuses))
		for i, s := range statuses {
			vs[i] = string(s)
		}
		return db.Where(clause.IN{Column: clause.Column{Table: clause.CurrentTable, Name: "status"}, Values: vs})
	}
}
