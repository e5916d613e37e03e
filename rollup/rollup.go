// Package rollup keeps wflog's run statistics pre-aggregated on PostgreSQL
// and SQLite (schema.sql, schema_sqlite.sql),
// so that a console's daily charts and status counts cost O(days), not
// O(runs × versions):
//
//	err := rollup.Install(ctx, db) // wflog.Migrate does this on PostgreSQL
//	ok, err := rollup.Installed(ctx, db)
//	diff, err := rollup.Verify(ctx, db) // derived tables against workflow_runs
//	err = rollup.Rebuild(ctx, db)
//
// Triggers on workflow_runs keep four derived tables exact as versions
// arrive — by Save, SaveBatch's COPY, or any other writer's INSERT — and as
// rows are deleted: each run's current and last finished state; runs and
// tokens per 15-minute UTC bucket; runs by status per UTC day and per
// bucket; and per UTC day the buckets in which each user started runs.
// Every IANA zone's calendar day is a union of 15-minute UTC buckets, so
// per-day answers in any zone stay exact.
//
// Writers do not update the three counts tables in place, which would make
// the writers of one app queue on its counter rows: they append their
// changes to delta tables, and a compaction folds those in — a writer's
// statement now and then, or Compact — under an advisory lock, moving each
// delta in one transaction. Reads (the *_now views) add the pending deltas
// to the counts, in one snapshot, so answers are exact at every moment.
// workflow_runs itself stays append-only and is the truth; the derived
// tables can be rebuilt from it at any time. repo.Runs reads them when they
// exist and scans workflow_runs otherwise.
package rollup

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/wflog/wflog/internal/dialect"
)

//go:embed schema.sql
var schema string

// The derived tables, and the time they are cut in.
const (
	StateTable    = "wflog_run_state"
	BucketsTable  = "wflog_run_buckets"
	StatusesTable = "wflog_run_statuses"
	UsersTable    = "wflog_run_users"

	// The counts' pending changes, appended by writers and folded into
	// the tables above by Compact.
	BucketDeltasTable = "wflog_run_bucket_deltas"
	StatusDeltasTable = "wflog_run_status_deltas"
	UserDeltasTable   = "wflog_run_user_deltas"

	// Views of a counts table plus its pending deltas: what reads use (sum
	// the rows of a key; OR the users' buckets).
	BucketsView  = "wflog_run_buckets_now"
	StatusesView = "wflog_run_statuses_now"
	UsersView    = "wflog_run_users_now"

	// Bucket is the width of a bucket, aligned on the Unix epoch.
	Bucket = 15 * time.Minute
	// BucketsPerDay is how many buckets a UTC day has: the bits of a users row.
	BucketsPerDay = 96
)

// Tables lists the derived tables.
var Tables = []string{StateTable, BucketsTable, StatusesTable, UsersTable}

// DeltaTables lists the tables of pending changes beside them, on
// PostgreSQL.
var DeltaTables = []string{BucketDeltasTable, StatusDeltasTable, UserDeltasTable}

// pgTables is every table of schema.sql.
func pgTables() []string { return append(append([]string{}, Tables...), DeltaTables...) }

// insertTrigger is the trigger whose presence means the tables are kept.
const insertTrigger = "wflog_run_stats_insert"

// ErrUnsupported reports a backend the tables are not built for.
var ErrUnsupported = errors.New("wflog/rollup: pre-aggregated statistics need triggers on workflow_runs (PostgreSQL or SQLite); LogStore scans")

// supported reports whether db's backend can keep the tables: one with
// triggers, PostgreSQL (statement triggers, schema.sql) and SQLite (row
// triggers, schema_sqlite.sql). LogStore has none and scans.
func supported(db *gorm.DB) bool { return dialect.Of(db).Has(dialect.Triggers | dialect.Transactions) }

// ReadFrom names what a statistics query on db reads for one of the counts
// tables (BucketsTable, StatusesTable, UsersTable): on PostgreSQL, the view
// that adds the pending deltas to it — a query must sum the runs and tokens
// of a key, and OR (or deduplicate) the users, over the rows it reads;
// elsewhere, the table itself.
func ReadFrom(db *gorm.DB, table string) string {
	if !dialect.Of(db).Has(dialect.Copy) {
		return table
	}
	switch table {
	case BucketsTable:
		return BucketsView
	case StatusesTable:
		return StatusesView
	case UsersTable:
		return UsersView
	}
	return table
}

// Install creates the derived tables and their triggers if they do not
// exist, and fills them from the rows workflow_runs already holds. It locks
// workflow_runs against writes (SHARE ROW EXCLUSIVE; reads go on) while it
// runs, so that no version is missed between the fill and the triggers: on
// an empty table that is instant, on a large one it takes as long as
// Rebuild. workflow_runs must exist (schema.sql first). Safe to repeat.
func Install(ctx context.Context, db *gorm.DB) error {
	if !supported(db) {
		return ErrUnsupported
	}
	if SQLiteForm(db) {
		return installSQLite(ctx, db)
	}
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Exec(`LOCK TABLE workflow_runs IN SHARE ROW EXCLUSIVE MODE`).Error; err != nil {
			return err
		}
		had, err := installed(tx)
		if err != nil {
			return err
		}
		if err := tx.Exec(schema).Error; err != nil {
			return err
		}
		if had {
			return nil
		}
		return fill(tx)
	})
	if err != nil {
		return fmt.Errorf("wflog/rollup: installing the statistics tables: %w", err)
	}
	return nil
}

// Installed reports whether the derived tables exist and are kept by their
// triggers on workflow_runs in db's schema. It is false on LogStore.
func Installed(ctx context.Context, db *gorm.DB) (bool, error) {
	if !supported(db) {
		return false, nil
	}
	ok, err := installed(db.WithContext(ctx))
	if err != nil {
		return false, fmt.Errorf("wflog/rollup: looking for the statistics tables: %w", err)
	}
	return ok, nil
}

func installed(db *gorm.DB) (bool, error) {
	if SQLiteForm(db) {
		return installedSQLite(db)
	}
	var n int64
	err := db.Raw(`SELECT count(*) FROM pg_trigger WHERE tgrelid = to_regclass('workflow_runs') AND tgname = ? AND NOT tgisinternal AND tgenabled <> 'D'`, insertTrigger).
		Scan(&n).Error
	if err != nil {
		return false, err
	}
	if n == 0 {
		return false, nil
	}
	var tables int64
	err = db.Raw(`SELECT count(to_regclass(t)) FROM unnest(?::text[]) AS t`, "{"+strings.Join(pgTables(), ",")+"}").Scan(&tables).Error
	return tables == int64(len(pgTables())), err
}

// Rebuild recomputes the derived tables from workflow_runs, in one
// transaction that holds writes to workflow_runs back meanwhile (reads,
// including statistics from the old tables, go on). Use it after Verify
// finds a difference, or after rows were changed with the triggers off.
func Rebuild(ctx context.Context, db *gorm.DB) error {
	if !supported(db) {
		return ErrUnsupported
	}
	if SQLiteForm(db) {
		return rebuildSQLite(ctx, db)
	}
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Exec(`LOCK TABLE workflow_runs IN SHARE ROW EXCLUSIVE MODE`).Error; err != nil {
			return err
		}
		ok, err := installed(tx)
		if err != nil {
			return err
		}
		if !ok {
			return errors.New("the tables or their triggers are missing; run wflog migrate (rollup.Install) first")
		}
		return fill(tx)
	})
	if err != nil {
		return fmt.Errorf("wflog/rollup: rebuilding the statistics tables: %w", err)
	}
	return nil
}

// Compact folds the pending deltas into the counts tables, unless another
// compaction is running (then it returns false at once, having done
// nothing). Writers fold the deltas themselves now and then, so calling
// it is never needed for correct answers: it only keeps the delta tables
// short, say from a job after a large import. Answers stay exact while it
// runs: it moves each delta in one transaction.
func Compact(ctx context.Context, db *gorm.DB) (bool, error) {
	if !supported(db) {
		return false, ErrUnsupported
	}
	if SQLiteForm(db) {
		return true, nil // SQLite's triggers update the counts in place: no deltas to fold
	}
	var done bool
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		// A fold needs each statement's own snapshot.
		if err := tx.Exec(`SET TRANSACTION ISOLATION LEVEL READ COMMITTED`).Error; err != nil {
			return err
		}
		return tx.Raw(`SELECT wflog_run_stats_compact()`).Scan(&done).Error
	})
	if err != nil {
		return false, fmt.Errorf("wflog/rollup: compacting the statistics tables: %w", err)
	}
	return done, nil
}

// expected computes, from workflow_runs alone, what each derived table
// should hold. The same queries fill the tables and check them.
const (
	expectedState = `SELECT l.id, l.tenant_id, l.app_id, l.triggered_from, l.created_by, l.created_at,
    l.version, l.status, l.total_tokens, f.version AS fin_version, f.status AS fin_status, f.total_tokens AS fin_tokens
FROM (SELECT DISTINCT ON (id) id, tenant_id, app_id, triggered_from, created_by, created_at, version, status, total_tokens
      FROM workflow_runs ORDER BY id, version DESC) l
LEFT JOIN (SELECT DISTINCT ON (id) id, version, status, total_tokens
      FROM workflow_runs WHERE finished_at IS NOT NULL ORDER BY id, version DESC) f USING (id)`

	expectedBuckets = `SELECT tenant_id, app_id, false AS finished, wflog_bucket(created_at) AS bucket, triggered_from, count(*) AS runs, sum(total_tokens)::bigint AS tokens
FROM (` + expectedState + `) s GROUP BY 1, 2, 3, 4, 5
UNION ALL
SELECT tenant_id, app_id, true, wflog_bucket(created_at), triggered_from, count(*), sum(fin_tokens)::bigint
FROM (` + expectedState + `) s WHERE fin_version IS NOT NULL GROUP BY 1, 2, 3, 4, 5`

	expectedStatuses = `SELECT tenant_id, app_id, whole_day, start, triggered_from, status, count(*) AS runs
FROM (` + expectedState + `) s CROSS JOIN LATERAL (VALUES (true, wflog_day(created_at)), (false, wflog_bucket(created_at))) AS p (whole_day, start)
GROUP BY 1, 2, 3, 4, 5, 6`

	expectedUsers = `SELECT tenant_id, app_id, false AS finished, (created_at AT TIME ZONE 'UTC')::date AS day, triggered_from, created_by, bit_or(wflog_bucket_bit(created_at)) AS buckets
FROM workflow_runs GROUP BY 1, 2, 3, 4, 5, 6
UNION ALL
SELECT tenant_id, app_id, true, (created_at AT TIME ZONE 'UTC')::date, triggered_from, created_by, bit_or(wflog_bucket_bit(created_at))
FROM workflow_runs WHERE finished_at IS NOT NULL GROUP BY 1, 2, 3, 4, 5, 6`
)

// fill empties the derived tables and computes them from workflow_runs.
func fill(tx *gorm.DB) error {
	for _, stmt := range []string{
		`TRUNCATE ` + strings.Join(pgTables(), ", "),
		`INSERT INTO ` + StateTable + ` (id, tenant_id, app_id, triggered_from, created_by, created_at, version, status, total_tokens, fin_version, fin_status, fin_tokens) ` + expectedState,
		`INSERT INTO ` + BucketsTable + ` (tenant_id, app_id, finished, bucket, triggered_from, runs, tokens)
SELECT tenant_id, app_id, false, wflog_bucket(created_at), triggered_from, count(*), sum(total_tokens) FROM ` + StateTable + ` GROUP BY 1, 2, 3, 4, 5
UNION ALL
SELECT tenant_id, app_id, true, wflog_bucket(created_at), triggered_from, count(*), sum(fin_tokens) FROM ` + StateTable + ` WHERE fin_version IS NOT NULL GROUP BY 1, 2, 3, 4, 5`,
		`INSERT INTO ` + StatusesTable + ` (tenant_id, app_id, whole_day, start, triggered_from, status, runs)
SELECT tenant_id, app_id, whole_day, start, triggered_from, status, count(*) FROM ` + StateTable + `
CROSS JOIN LATERAL (VALUES (true, wflog_day(created_at)), (false, wflog_bucket(created_at))) AS p (whole_day, start) GROUP BY 1, 2, 3, 4, 5, 6`,
		`INSERT INTO ` + UsersTable + ` (tenant_id, app_id, finished, day, triggered_from, created_by, buckets) ` + expectedUsers,
		`ANALYZE ` + strings.Join(pgTables(), ", "),
	} {
		if err := tx.Exec(stmt).Error; err != nil {
			return err
		}
	}
	return nil
}

// Difference is what Verify found: rows of each derived table that differ
// from a recomputation from workflow_runs (a changed row counts as one
// missing and one extra).
type Difference struct {
	State, Buckets, Statuses, Users int64
	Examples                        []string // a few of the differing rows, as text
}

// None reports whether the tables match.
func (d Difference) None() bool {
	return d.State == 0 && d.Buckets == 0 && d.Statuses == 0 && d.Users == 0
}

func (d Difference) String() string {
	if d.None() {
		return "the statistics tables match workflow_runs"
	}
	return fmt.Sprintf("the statistics tables differ from workflow_runs: %d run state rows, %d bucket rows, %d status rows, %d user rows", d.State, d.Buckets, d.Statuses, d.Users)
}

// maxExamples bounds Difference.Examples.
const maxExamples = 10

// Verify recomputes every derived table from workflow_runs, in one
// snapshot, and compares; rows counting zero are the same as absent ones.
// It reads the whole of workflow_runs: run it from a job, not a request.
func Verify(ctx context.Context, db *gorm.DB) (Difference, error) {
	if !supported(db) {
		return Difference{}, ErrUnsupported
	}
	if SQLiteForm(db) {
		return verifySQLite(ctx, db)
	}
	var d Difference
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Exec(`SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY`).Error; err != nil {
			return err
		}
		ok, err := installed(tx)
		if err != nil {
			return err
		}
		if !ok {
			return errors.New("the tables or their triggers are missing; run wflog migrate (rollup.Install) first")
		}
		checks := []struct {
			into       *int64
			table      string
			have, want string
		}{
			{&d.State, StateTable,
				`SELECT id, tenant_id, app_id, triggered_from, created_by, created_at, version, status, total_tokens, fin_version, fin_status, fin_tokens FROM ` + StateTable,
				expectedState},
			{&d.Buckets, BucketsTable,
				`SELECT tenant_id, app_id, finished, bucket, triggered_from, sum(runs)::bigint AS runs, sum(tokens)::bigint AS tokens FROM ` + BucketsView + ` GROUP BY 1, 2, 3, 4, 5 HAVING sum(runs) <> 0 OR sum(tokens) <> 0`,
				expectedBuckets},
			{&d.Statuses, StatusesTable,
				`SELECT tenant_id, app_id, whole_day, start, triggered_from, status, sum(runs)::bigint AS runs FROM ` + StatusesView + ` GROUP BY 1, 2, 3, 4, 5, 6 HAVING sum(runs) <> 0`,
				expectedStatuses},
			{&d.Users, UsersTable,
				`SELECT tenant_id, app_id, finished, day, triggered_from, created_by, bit_or(buckets) FROM ` + UsersView + ` GROUP BY 1, 2, 3, 4, 5, 6`,
				expectedUsers},
		}
		for _, c := range checks {
			diff := `(SELECT 'extra' AS side, h::text AS row FROM ((` + c.have + `) EXCEPT ALL (` + c.want + `)) h)
UNION ALL (SELECT 'missing', w::text FROM ((` + c.want + `) EXCEPT ALL (` + c.have + `)) w)`
			var rows []struct {
				Side, Row string
				N         int64
			}
			if err := tx.Raw(`SELECT side, row, count(*) OVER () AS n FROM (`+diff+`) d LIMIT ?`, maxExamples).Scan(&rows).Error; err != nil {
				return fmt.Errorf("comparing %s: %w", c.table, err)
			}
			for _, r := range rows {
				*c.into = r.N
				if len(d.Examples) < maxExamples {
					d.Examples = append(d.Examples, fmt.Sprintf("%s: %s %s", c.table, r.Side, r.Row))
				}
			}
		}
		return nil
	})
	if err != nil {
		return Difference{}, fmt.Errorf("wflog/rollup: verifying the statistics tables: %w", err)
	}
	return d, nil
}
