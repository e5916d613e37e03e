package repo

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"reflect"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"gorm.io/gorm"
	"gorm.io/gorm/schema"

	"github.com/wflog/wflog/appendonly"
	"github.com/wflog/wflog/internal/dialect"
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
	if err := saveBatch(ctx, r.db, r.d, runs); err != nil {
		return fmt.Errorf("wflog/repo: saving %d runs: %w", len(runs), err)
	}
	for _, run := range runs {
		r.recent.put(run.ID, run)
	}
	return nil
}

// saveBatch versions rows and writes them: COPY where the backend has it and
// the pool is pgx's, INSERTs otherwise.
func saveBatch[T any](ctx context.Context, db *gorm.DB, d *dialect.Dialect, rows []T) error {
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
	table, columns, row, err := copyLayout[T](db)
	if err != nil {
		return err
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

// copyLayout is COPY's table, columns and row values for T, from GORM's
// parsed schema: every column an INSERT writes, in the schema's order.
// Integers go as int64 and named string types as string, so that pgx
// encodes the model's own types and refuses a value its column cannot hold
// instead of wrapping it.
func copyLayout[T any](db *gorm.DB) (table string, columns []string, row func(*T) []any, err error) {
	stmt := &gorm.Statement{DB: db}
	if err := stmt.Parse(new(T)); err != nil {
		return "", nil, nil, err
	}
	var fields []*schema.Field
	for _, name := range stmt.Schema.DBNames {
		if f := stmt.Schema.FieldsByDBName[name]; f.Creatable {
			fields = append(fields, f)
			columns = append(columns, name)
		}
	}
	ctx := context.Background()
	row = func(r *T) []any {
		rv := reflect.ValueOf(r).Elem()
		values := make([]any, len(fields))
		for i, f := range fields {
			v, _ := f.ValueOf(ctx, rv)
			values[i] = copyArg(v)
		}
		return values
	}
	return stmt.Schema.Table, columns, row, nil
}

func copyArg(v any) any {
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return rv.Int()
	case reflect.String:
		return rv.String()
	}
	return v
}
