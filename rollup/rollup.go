// Package rollup keeps wflog's run statistics pre-aggregated on PostgreSQL
// and SQLite (schema.sql, schema_sqlite.sql),
// so that a console's daily charts and status counts cost O(days), not
// O(runs × versions):
//
//	err := rollup.Install(ctx, db) // wflog.Migrate does this; online on a table with rows
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
	"text/template"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"gorm.io/gorm"

	"github.com/wflog/wflog/internal/dialect"
)

//go:embed schema.sql
var schemaText string

// schemaTemplate is schema.sql, whose insert trigger's statement is a
// template ("apply") that the online fill applies to chunks of
// workflow_runs as well.
var schemaTemplate = template.Must(template.New("schema.sql").Parse(schemaText))

// schema is schema.sql rendered: what Install executes.
var schema = render("schema.sql", nil)

func render(name string, data any) string {
	var b strings.Builder
	if err := schemaTemplate.ExecuteTemplate(&b, name, data); err != nil {
		panic(err) // the template is embedded: a test renders it
	}
	return b.String()
}

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

	// AllTriggers is the triggered_from of the rows of the buckets and
	// users tables that count every trigger together (PostgreSQL only).
	AllTriggers = "*"

	// Bucket is the width of a bucket, aligned on the Unix epoch.
	Bucket = 15 * time.Minute
	// BucketsPerDay is how many buckets a UTC day has: the bits of a users row.
	BucketsPerDay = 96
)

// FillTable holds the progress of an online fill (see Install); it has
// no row once the derived tables are complete.
const FillTable = "wflog_run_stats_fill"

// Tables lists the derived tables.
var Tables = []string{StateTable, BucketsTable, StatusesTable, UsersTable}

// DeltaTables lists the tables of pending changes beside them, on
// PostgreSQL.
var DeltaTables = []string{BucketDeltasTable, StatusDeltasTable, UserDeltasTable}

// pgTables is every table of schema.sql.
func pgTables() []string {
	return append(append(append([]string{}, Tables...), DeltaTables...), FillTable)
}

// insertTrigger is the trigger whose presence means the tables are kept.
const insertTrigger = "wflog_run_stats_insert"

// ErrFilling is what Verify returns while an online fill is under way
// (see Install): the tables are not complete yet.
var ErrFilling = errors.New("the statistics tables are still being filled from the rows workflow_runs held when they were installed (repositories scan until then); wflog migrate or rollup.Fill finishes the fill")

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
// exist, and fills them from the rows workflow_runs already holds. It is
// safe to repeat, and to run from several processes at once.
//
// Writers are held back only while the tables and triggers are created
// (a SHARE ROW EXCLUSIVE lock on workflow_runs, for as long as DDL takes;
// reads go on). On an empty workflow_runs that is all. On one that already
// has rows, Install then fills the tables online, as Fill does: a range
// of the table's pages at a time, each its own short transaction, while
// writers go on — each
// new version is counted by the trigger, each older one by the fill, and
// a run that has both is merged as the trigger merges versions. Until the
// fill completes, Installed is false and repositories scan workflow_runs.
// If ctx ends first, Install returns its error and the fill stays where it
// got to: the next Install or Fill resumes it. SQLite fills in one
// transaction (its writers are serialized anyway).
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
		had, err := present(tx)
		if err != nil {
			return err
		}
		current := true
		if had {
			if current, err = currentContents(tx); err != nil {
				return err
			}
		}
		if err := tx.Exec(schema).Error; err != nil {
			return err
		}
		if had && current {
			return nil // complete, or a fill to resume below
		}
		var empty bool
		if err := tx.Raw(`SELECT NOT EXISTS (SELECT 1 FROM workflow_runs)`).Scan(&empty).Error; err != nil {
			return err
		}
		if empty {
			return fill(tx)
		}
		// Rows that arrived before the triggers: the fill's. Start it empty.
		if err := tx.Exec(`TRUNCATE ` + strings.Join(pgTables(), ", ")).Error; err != nil {
			return err
		}
		// Rows written from now on are the triggers'; those before are in
		// the table's pages as they are now.
		return tx.Exec(`INSERT INTO ` + FillTable + ` (pages)
SELECT pg_relation_size('workflow_runs') / current_setting('block_size')::bigint`).Error
	})
	if err != nil {
		return fmt.Errorf("wflog/rollup: installing the statistics tables: %w", err)
	}
	return Fill(ctx, db, nil)
}

// contentsVersion is what wflog_run_stats_schema() returns: the version of
// what the tables hold. Version 1 (no such function) had no AllTriggers
// rows.
const contentsVersion = 2

// currentContents reports whether tables that are present hold what this
// version of schema.sql keeps in them; if not, Install fills them again.
func currentContents(tx *gorm.DB) (bool, error) {
	var exists bool
	if err := tx.Raw(`SELECT to_regprocedure('wflog_run_stats_schema()') IS NOT NULL`).Scan(&exists).Error; err != nil || !exists {
		return false, err
	}
	var v int
	err := tx.Raw(`SELECT wflog_run_stats_schema()`).Scan(&v).Error
	return v >= contentsVersion, err
}

// FillProgress is how far an online fill has got, in pages of
// workflow_runs (8 kB each, by default).
type FillProgress struct {
	Pages int64 // pages filled so far
	Total int64 // the table's pages when the fill started
	Done  bool  // the tables are complete (Pages and Total are 0 when another Fill completed them)
}

// fillPages is how many pages of workflow_runs one transaction of an
// online fill reads (16 MB by default, some 20,000 versions of 500-byte
// outputs): a fraction of a second to a few seconds of work, so that
// writers of the same runs wait no longer than that.
var fillPages int64 = 2048

// afterChunk, when set (by tests), is called after each chunk commits.
var afterChunk func(FillProgress)

// Fill completes an online fill that Install started (Install itself
// calls it; call it to resume one that was interrupted, or to watch it:
// progress, when not nil, is called after each chunk). It returns at once
// when there is none. Several Fills may run at once: they take turns, one
// chunk at a time.
func Fill(ctx context.Context, db *gorm.DB, progress func(FillProgress)) error {
	if !supported(db) {
		return ErrUnsupported
	}
	if SQLiteForm(db) {
		return nil // installSQLite fills in its own transaction
	}
	for {
		p, err := fillOnce(ctx, db)
		if err != nil {
			return fmt.Errorf("wflog/rollup: filling the statistics tables (%d of %d pages so far; Install or Fill resumes): %w", p.Pages, p.Total, err)
		}
		if progress != nil {
			progress(p)
		}
		if afterChunk != nil {
			afterChunk(p)
		}
		if p.Done {
			return nil
		}
	}
}

// fillOnce fills the next range of pages in one transaction. It reads the
// table in physical order (a TID range scan), sequentially, which is what
// makes a fill as fast as a rebuild; the versions of a run found in
// different chunks merge as the trigger merges them.
func fillOnce(ctx context.Context, db *gorm.DB) (p FillProgress, err error) {
	err = db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		// The chunk's statement must see the rows committed before it
		// (those the triggers did not count), and the upsert must wait
		// for writers of the same runs rather than fail them.
		if err := tx.Exec(`SET TRANSACTION ISOLATION LEVEL READ COMMITTED`).Error; err != nil {
			return err
		}
		if err := mustBePresent(tx); err != nil {
			return err
		}
		var st []struct{ NextPage, Pages int64 }
		if err := tx.Raw(`SELECT next_page, pages FROM ` + FillTable + ` FOR UPDATE`).Scan(&st).Error; err != nil {
			return err
		}
		if len(st) == 0 {
			p.Done = true
			return nil
		}
		p.Pages, p.Total = st[0].NextPage, st[0].Pages
		if p.Pages < p.Total {
			hi := min(p.Pages+fillPages, p.Total)
			chunk := fmt.Sprintf(`(SELECT id, tenant_id, app_id, triggered_from, created_by, created_at, version, status, total_tokens, finished_at
FROM workflow_runs WHERE ctid >= '(%d,0)'::tid AND ctid < '(%d,0)'::tid) AS chunk`, p.Pages, hi)
			if err := tx.Exec(render("apply", chunk)).Error; err != nil {
				return err
			}
			p.Pages = hi
		}
		if p.Pages >= p.Total {
			p.Done = true
			if err := tx.Exec(`DELETE FROM ` + FillTable).Error; err != nil {
				return err
			}
		} else if err := tx.Exec(`UPDATE `+FillTable+` SET next_page = ?`, p.Pages).Error; err != nil {
			return err
		}
		// A chunk leaves many deltas: fold them, as a large batch does.
		return tx.Exec(`SELECT wflog_run_stats_compact()`).Error
	})
	if err == nil && p.Done && p.Total > 0 {
		err = settle(ctx, db)
	}
	return p, err
}

// Installed reports whether the derived tables exist, are kept by their
// triggers on workflow_runs in db's schema, and are complete (no online
// fill under way). It is false on LogStore.
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
	ok, err := present(db)
	if err != nil || !ok || SQLiteForm(db) {
		return ok, err
	}
	f, err := filling(db)
	return !f, err
}

// present reports whether the tables and their triggers exist, complete
// or not.
func present(db *gorm.DB) (bool, error) {
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
	// Not the fill table: tables installed before it existed are complete.
	kept := append(append([]string{}, Tables...), DeltaTables...)
	var tables int64
	err = db.Raw(`SELECT count(to_regclass(t)) FROM unnest(?::text[]) AS t`, "{"+strings.Join(kept, ",")+"}").Scan(&tables).Error
	return tables == int64(len(kept)), err
}

// errMissing is what a call that needs the tables says without them.
var errMissing = errors.New("the tables or their triggers are missing; run wflog migrate (rollup.Install) first")

// mustBePresent returns errMissing unless the tables and their triggers
// exist, complete or not.
func mustBePresent(tx *gorm.DB) error {
	ok, err := present(tx)
	if err == nil && !ok {
		err = errMissing
	}
	return err
}

// filling reports whether an online fill is under way. Tables installed
// before the fill table existed are complete.
func filling(db *gorm.DB) (bool, error) {
	var exists bool
	if err := db.Raw(`SELECT to_regclass(?) IS NOT NULL`, FillTable).Scan(&exists).Error; err != nil || !exists {
		return false, err
	}
	var n int64
	err := db.Raw(`SELECT count(*) FROM ` + FillTable).Scan(&n).Error
	return n > 0, err
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
		if err := mustBePresent(tx); err != nil {
			return err
		}
		// Tables installed by an older wflog lack the fill table, which
		// fill empties: bring the schema up to date first.
		if err := tx.Exec(schema).Error; err != nil {
			return err
		}
		return fill(tx) // completes an online fill under way, too
	})
	if err == nil {
		err = settle(ctx, db)
	}
	if err != nil {
		return fmt.Errorf("wflog/rollup: rebuilding the statistics tables: %w", err)
	}
	return nil
}

// settle vacuums the tables a fill or rebuild has just written, so that a
// day's users and buckets are index-only reads from the first statistic
// on (unvacuumed, every index entry visits the heap: 3,225 buffers for a
// day's users instead of 86), and analyzes them. Inside a transaction,
// where VACUUM cannot run, it only analyzes; autovacuum does the rest.
func settle(ctx context.Context, db *gorm.DB) error {
	err := db.WithContext(ctx).Exec(`VACUUM (ANALYZE) ` + strings.Join(pgTables(), ", ")).Error
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "25001" { // active_sql_transaction
		err = db.WithContext(ctx).Exec(`ANALYZE ` + strings.Join(pgTables(), ", ")).Error
	}
	return err
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

	expectedBuckets = `SELECT tenant_id, app_id, false AS finished, wflog_bucket(created_at) AS bucket, per.trigger_key, count(*) AS runs, sum(total_tokens)::bigint AS tokens
FROM (` + expectedState + `) s ` + everyTrigger + ` GROUP BY 1, 2, 3, 4, 5
UNION ALL
SELECT tenant_id, app_id, true, wflog_bucket(created_at), per.trigger_key, count(*), sum(fin_tokens)::bigint
FROM (` + expectedState + `) s ` + everyTrigger + ` WHERE fin_version IS NOT NULL GROUP BY 1, 2, 3, 4, 5`

	expectedStatuses = `SELECT tenant_id, app_id, whole_day, start, triggered_from, status, count(*) AS runs
FROM (` + expectedState + `) s CROSS JOIN LATERAL (VALUES (true, wflog_day(created_at)), (false, wflog_bucket(created_at))) AS p (whole_day, start)
GROUP BY 1, 2, 3, 4, 5, 6`

	expectedUsers = `SELECT tenant_id, app_id, false AS finished, (created_at AT TIME ZONE 'UTC')::date AS day, per.trigger_key, created_by, bit_or(wflog_bucket_bit(created_at)) AS buckets
FROM workflow_runs s ` + everyTrigger + ` GROUP BY 1, 2, 3, 4, 5, 6
UNION ALL
SELECT tenant_id, app_id, true, (created_at AT TIME ZONE 'UTC')::date, per.trigger_key, created_by, bit_or(wflog_bucket_bit(created_at))
FROM workflow_runs s ` + everyTrigger + ` WHERE finished_at IS NOT NULL GROUP BY 1, 2, 3, 4, 5, 6`

	// everyTrigger repeats each row s of a run under AllTriggers: the
	// buckets and users tables count each trigger and all of them.
	everyTrigger = `CROSS JOIN LATERAL (VALUES (s.triggered_from), ('` + AllTriggers + `')) AS per (trigger_key)`
)

// fill empties the derived tables and computes them from workflow_runs.
func fill(tx *gorm.DB) error {
	for _, stmt := range []string{
		`TRUNCATE ` + strings.Join(pgTables(), ", "),
		`INSERT INTO ` + StateTable + ` (id, tenant_id, app_id, triggered_from, created_by, created_at, version, status, total_tokens, fin_version, fin_status, fin_tokens) ` + expectedState,
		`INSERT INTO ` + BucketsTable + ` (tenant_id, app_id, finished, bucket, triggered_from, runs, tokens)
SELECT tenant_id, app_id, false, wflog_bucket(created_at), per.trigger_key, count(*), sum(total_tokens) FROM ` + StateTable + ` s ` + everyTrigger + ` GROUP BY 1, 2, 3, 4, 5
UNION ALL
SELECT tenant_id, app_id, true, wflog_bucket(created_at), per.trigger_key, count(*), sum(fin_tokens) FROM ` + StateTable + ` s ` + everyTrigger + ` WHERE fin_version IS NOT NULL GROUP BY 1, 2, 3, 4, 5`,
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
		if err := mustBePresent(tx); err != nil {
			return err
		}
		if f, err := filling(tx); err != nil || f {
			if err != nil {
				return err
			}
			return ErrFilling
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
