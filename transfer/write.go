package transfer

import (
	"context"
	"database/sql"
	"fmt"
	"reflect"
	"strings"
	"sync"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"gorm.io/gorm"

	"github.com/wflog/wflog/internal/dialect"
)

// target writes pages of rows as they are, ids and versions kept.
type target struct {
	db      *gorm.DB
	d       *dialect.Dialect
	pool    *sql.DB // PostgreSQL through pgx: COPY; nil otherwise
	workers int     // LogStore: parallel INSERT connections
}

func newTarget(db *gorm.DB, workers int) (*target, error) {
	t := &target{db: db, d: dialect.Of(db), workers: workers}
	pool, err := db.DB()
	if err != nil {
		return nil, fmt.Errorf("transfer: the target's pool: %w", err)
	}
	if t.d.Has(dialect.Copy) {
		if _, ok := pool.Driver().(*stdlib.Driver); !ok {
			return nil, fmt.Errorf("transfer: a PostgreSQL target must be a pool of pgx's (wflog.Open gives one), for COPY; this one's driver is %T", pool.Driver())
		}
		t.pool = pool
	}
	if t.workers <= 0 {
		t.workers = pool.Stats().MaxOpenConnections
		if t.workers <= 0 {
			t.workers = dialect.DefaultLogStoreMaxConns
		}
	}
	return t, nil
}

// write stores rows and returns how many were new: on a target with keys
// (PostgreSQL, SQLite) a row whose (id, version) the target already holds
// is skipped, never updated.
func write[T any](ctx context.Context, t *target, tb table[T], rows []T) (int64, error) {
	switch {
	case len(rows) == 0:
		return 0, nil
	case t.pool != nil:
		return copyRows(ctx, t.pool, tb, rows)
	case t.d.Has(dialect.Keys):
		return insertNew(ctx, t, tb, rows)
	}
	return insertParallel(ctx, t, rows)
}

// insertNew writes rows to a target with keys but no COPY (SQLite) with
// INSERT … ON CONFLICT (id, version) DO NOTHING, as many rows per statement
// as the backend's parameter limit allows, in one transaction, and returns
// how many rows were new. The statement is built here rather than through
// Create: the appendonly plugin reads DO NOTHING as "skip the rows that
// carry a version", which every copied row does.
func insertNew[T any](ctx context.Context, t *target, tb table[T], rows []T) (int64, error) {
	fields := tb.fields()
	per := len(rows)
	if limit := t.d.MaxParameters() / len(fields); limit > 0 {
		per = min(per, limit)
	}
	cols := make([]string, len(fields))
	for i, f := range fields {
		cols[i] = `"` + f.DBName + `"`
	}
	row := "(" + strings.TrimSuffix(strings.Repeat("?,", len(fields)), ",") + ")"
	var written int64
	err := t.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		for start := 0; start < len(rows); start += per {
			part := rows[start:min(start+per, len(rows))]
			vars := make([]any, 0, len(part)*len(fields))
			for i := range part {
				rv := reflect.ValueOf(&part[i]).Elem()
				for _, f := range fields {
					v, _ := f.ValueOf(ctx, rv)
					vars = append(vars, v)
				}
			}
			q := "INSERT INTO " + tb.name + " (" + strings.Join(cols, ", ") + ") VALUES " +
				strings.TrimSuffix(strings.Repeat(row+",", len(part)), ",") + " ON CONFLICT (id, version) DO NOTHING"
			res := tx.Exec(q, vars...)
			if res.Error != nil {
				return res.Error
			}
			written += res.RowsAffected
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("transfer: writing %d rows to %s: %w", len(rows), tb.name, err)
	}
	return written, nil
}

// copyRows loads rows with one COPY. A COPY is all or nothing, so when the
// target already holds one of the rows (a resumed copy, an earlier import)
// it loads the page again through a temporary table and
// INSERT … ON CONFLICT (id, version) DO NOTHING.
func copyRows[T any](ctx context.Context, pool *sql.DB, tb table[T], rows []T) (int64, error) {
	conn, err := pool.Conn(ctx)
	if err != nil {
		return 0, err
	}
	defer conn.Close()
	var written int64
	err = conn.Raw(func(driverConn any) error {
		c := driverConn.(*stdlib.Conn).Conn()
		src := func() pgx.CopyFromSource {
			return pgx.CopyFromSlice(len(rows), func(i int) ([]any, error) { return tb.row(&rows[i]), nil })
		}
		n, err := c.CopyFrom(ctx, pgx.Identifier{tb.name}, tb.columns, src())
		if err == nil {
			written = n
			return nil
		}
		if !dialect.IsPrimaryKeyViolation(err) {
			return err
		}
		written, err = copyStaged(ctx, c, tb.name, tb.columns, src())
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("transfer: writing %d rows to %s: %w", len(rows), tb.name, err)
	}
	return written, nil
}

// copyStaged COPYs into a temporary table shaped like the target and moves
// the rows the target does not have yet, in one transaction.
func copyStaged(ctx context.Context, c *pgx.Conn, name string, columns []string, src pgx.CopyFromSource) (int64, error) {
	tx, err := c.Begin(ctx)
	if err != nil {
		return 0, err
	}
	defer func() { _ = tx.Rollback(ctx) }()
	stage := "wflog_stage_" + name
	target := pgx.Identifier{name}.Sanitize()
	if _, err := tx.Exec(ctx, "CREATE TEMPORARY TABLE IF NOT EXISTS "+stage+" (LIKE "+target+") ON COMMIT DELETE ROWS"); err != nil {
		return 0, err
	}
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{stage}, columns, src); err != nil {
		return 0, err
	}
	cols := pgx.Identifier(columns)
	list := ""
	for i, col := range cols {
		if i > 0 {
			list += ", "
		}
		list += pgx.Identifier{col}.Sanitize()
	}
	tag, err := tx.Exec(ctx, "INSERT INTO "+target+" ("+list+") SELECT "+list+" FROM "+stage+" ON CONFLICT (id, version) DO NOTHING")
	if err != nil {
		return 0, err
	}
	return tag.RowsAffected(), tx.Commit(ctx)
}

// insertParallel splits rows among the target's connections; each part is
// sent as multi-row INSERTs of the DSN's batch size. LogStore has no keys,
// so every row is written: rows already there become duplicates, which
// Verify reports.
func insertParallel[T any](ctx context.Context, t *target, rows []T) (int64, error) {
	batch := max(t.d.BatchSize(), 1)
	parts := min(t.workers, (len(rows)+batch-1)/batch)
	per := (len(rows) + parts - 1) / parts
	per = (per + batch - 1) / batch * batch // whole batches per part
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		firstErr error
	)
	for start := 0; start < len(rows); start += per {
		part := rows[start:min(start+per, len(rows))]
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := t.db.WithContext(ctx).Create(&part).Error; err != nil {
				mu.Lock()
				if firstErr == nil {
					firstErr = err
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if firstErr != nil {
		return 0, fmt.Errorf("transfer: writing %d rows: %w", len(rows), firstErr)
	}
	return int64(len(rows)), nil
}
