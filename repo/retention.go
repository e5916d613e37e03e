package repo

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/wflog/wflog/internal/dialect"
	"github.com/wflog/wflog/models"
	"github.com/wflog/wflog/scopes"
)

// ExpiredBatch returns up to limit runs created before before, oldest first,
// in their current state: the next batch for a retention job to delete with
// DeleteByIDs. PostgreSQL and SQLite; LogStore expires rows by its TTL.
//
// On a tiered repository (WithOlderTier) every retention method works on
// the tiers that can delete. ExpiredBatch returns their runs; once they have
// none left, if before reaches a LogStore tier, it returns an error matching
// dialect.ErrUnsupported that names that tier, so a retention job ends by
// hearing what the logstore's TTL must do. DeleteExpired and DeleteByApp
// report such a tier the same way, beside what they deleted.
func (r *Runs) ExpiredBatch(ctx context.Context, before time.Time, limit int) ([]models.WorkflowRun, error) {
	if err := validTime("before", before); err != nil {
		return nil, err
	}
	if r.tiers != nil {
		return r.expiredBatchTiered(ctx, before, limit)
	}
	if !r.d.Has(dialect.Delete) {
		return nil, unsupportedRetention(r.d, "ExpiredBatch")
	}
	if limit < 1 {
		return nil, fmt.Errorf("wflog/repo: ExpiredBatch limit %d: want at least 1", limit)
	}
	var runs []models.WorkflowRun
	err := r.db.WithContext(ctx).Scopes(scopes.Latest(scopes.CreatedBetween(time.Time{}, before))).
		Order("created_at, id").Limit(limit).Find(&runs).Error
	if err != nil {
		return nil, fmt.Errorf("wflog/repo: expired runs before %s: %w", before.Format(time.RFC3339), err)
	}
	return runs, nil
}

// DeleteByIDs deletes every version of the given runs and of their node
// executions, in one transaction, and returns how many runs it deleted.
// PostgreSQL and SQLite.
func (r *Runs) DeleteByIDs(ctx context.Context, ids []uuid.UUID) (int64, error) {
	if r.tiers != nil {
		return r.deleteTiered("DeleteByIDs", never, func(t *Runs) (int64, error) { return t.DeleteByIDs(ctx, ids) })
	}
	if !r.d.Has(dialect.Delete) {
		return 0, unsupportedRetention(r.d, "DeleteByIDs")
	}
	if len(ids) == 0 {
		return 0, nil
	}
	var deleted int64
	err := r.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Exec(`DELETE FROM workflow_node_executions WHERE workflow_run_id IN ?`, ids).Error; err != nil {
			return err
		}
		n, err := r.d.DeleteDistinct(tx, "workflow_runs", "id", "id IN ?", ids)
		deleted = n
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("wflog/repo: deleting %d runs: %w", len(ids), err)
	}
	return deleted, nil
}

// DeleteByApp deletes every run of an app, with its node executions, batch
// runs per transaction, and returns how many runs it deleted. PostgreSQL and SQLite.
func (r *Runs) DeleteByApp(ctx context.Context, tenantID, appID uuid.UUID, batch int) (int64, error) {
	if r.tiers != nil {
		return r.deleteTiered("DeleteByApp", always, func(t *Runs) (int64, error) { return t.DeleteByApp(ctx, tenantID, appID, batch) })
	}
	if !r.d.Has(dialect.Delete) {
		return 0, unsupportedRetention(r.d, "DeleteByApp")
	}
	if batch < 1 {
		return 0, fmt.Errorf("wflog/repo: DeleteByApp batch %d: want at least 1", batch)
	}
	var total int64
	for {
		var ids []uuid.UUID
		err := r.db.WithContext(ctx).Model(&models.WorkflowRun{}).Unscoped().Scopes(scopes.ForApp(tenantID, appID)).
			Distinct("id").Limit(batch).Pluck("id", &ids).Error
		if err != nil {
			return total, fmt.Errorf("wflog/repo: runs of app %s: %w", appID, err)
		}
		if len(ids) == 0 {
			return total, nil
		}
		n, err := r.DeleteByIDs(ctx, ids)
		total += n
		if err != nil {
			return total, err
		}
	}
}

// DeleteExpired deletes every version of the node executions created before
// before, batch at a time, and returns how many it deleted. PostgreSQL and SQLite.
func (n *NodeExecutions) DeleteExpired(ctx context.Context, before time.Time, batch int) (int64, error) {
	if err := validTime("before", before); err != nil {
		return 0, err
	}
	if n.tiers != nil {
		return n.deleteTiered("DeleteExpired", func(s span) bool { return s.reaches(before) }, func(t *NodeExecutions) (int64, error) { return t.DeleteExpired(ctx, before, batch) })
	}
	return n.deleteInBatches(ctx, "DeleteExpired", batch, scopes.CreatedBetween(time.Time{}, before))
}

// DeleteByApp deletes every version of an app's node executions (single-step
// runs included), batch at a time. PostgreSQL and SQLite.
func (n *NodeExecutions) DeleteByApp(ctx context.Context, tenantID, appID uuid.UUID, batch int) (int64, error) {
	if n.tiers != nil {
		return n.deleteTiered("DeleteByApp", always, func(t *NodeExecutions) (int64, error) { return t.DeleteByApp(ctx, tenantID, appID, batch) })
	}
	return n.deleteInBatches(ctx, "DeleteByApp", batch, scopes.ForApp(tenantID, appID))
}

// DeleteByRuns deletes every version of the node executions of the given
// runs and returns how many it deleted. PostgreSQL and SQLite.
func (n *NodeExecutions) DeleteByRuns(ctx context.Context, runIDs []uuid.UUID) (int64, error) {
	if n.tiers != nil {
		return n.deleteTiered("DeleteByRuns", never, func(t *NodeExecutions) (int64, error) { return t.DeleteByRuns(ctx, runIDs) })
	}
	if !n.d.Has(dialect.Delete) {
		return 0, unsupportedRetention(n.d, "DeleteByRuns")
	}
	if len(runIDs) == 0 {
		return 0, nil
	}
	deleted, err := n.d.DeleteDistinct(n.db.WithContext(ctx), "workflow_node_executions", "id", "workflow_run_id IN ?", runIDs)
	if err != nil {
		return 0, fmt.Errorf("wflog/repo: deleting node executions of %d runs: %w", len(runIDs), err)
	}
	return deleted, nil
}

func (n *NodeExecutions) deleteInBatches(ctx context.Context, what string, batch int, match scopes.Scope) (int64, error) {
	if !n.d.Has(dialect.Delete) {
		return 0, unsupportedRetention(n.d, what)
	}
	if batch < 1 {
		return 0, fmt.Errorf("wflog/repo: %s batch %d: want at least 1", what, batch)
	}
	var total int64
	for {
		var ids []uuid.UUID
		if err := n.db.WithContext(ctx).Model(&models.WorkflowNodeExecution{}).Unscoped().Scopes(match).
			Distinct("id").Limit(batch).Pluck("id", &ids).Error; err != nil {
			return total, fmt.Errorf("wflog/repo: %s: %w", what, err)
		}
		if len(ids) == 0 {
			return total, nil
		}
		deleted, err := n.d.DeleteDistinct(n.db.WithContext(ctx), "workflow_node_executions", "id", "id IN ?", ids)
		if err != nil {
			return total, fmt.Errorf("wflog/repo: %s: %w", what, err)
		}
		total += deleted
	}
}
