package rollup

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"gorm.io/gorm"

	"github.com/wflog/wflog/internal/dialect"
)

//go:embed schema_sqlite.sql
var sqliteScript string

// sqliteSchema is schema_sqlite.sql with its time macros expanded into
// plain SQLite expressions, so that the triggers need no function of
// wflog's and fire for any writer.
var sqliteSchema = expandSQLite(sqliteScript + updateTrigger(sqliteScript))

// updateTrigger is wflog_run_stats_update: the delete trigger's body for
// OLD, then for NEW. Each recomputes from the rows as they now are, so the
// two together move the counts from the old values to the new.
func updateTrigger(script string) string {
	const head = "CREATE TRIGGER IF NOT EXISTS wflog_run_stats_delete AFTER DELETE ON workflow_runs FOR EACH ROW BEGIN\n"
	i := strings.Index(script, head)
	if i < 0 {
		panic("rollup: schema_sqlite.sql has no delete trigger")
	}
	body := script[i+len(head):]
	body = body[:strings.Index(body, "\nEND;")+1]
	return "\nCREATE TRIGGER IF NOT EXISTS wflog_run_stats_update AFTER UPDATE ON workflow_runs FOR EACH ROW BEGIN\n" +
		body + strings.ReplaceAll(body, "OLD.", "NEW.") + "END;\n"
}

var sqliteMacro = regexp.MustCompile(`@(bucket|day|date|am|pm|next|canonical)\(([\w.]+)\)`)

// expandSQLite replaces the macros schema_sqlite.sql documents. Times are
// dialect.SQLiteTimeLayout text: 'YYYY-MM-DD HH:MM:SS.ffffff', in UTC.
func expandSQLite(sql string) string {
	return sqliteMacro.ReplaceAllStringFunc(sql, func(m string) string {
		p := sqliteMacro.FindStringSubmatch(m)
		return sqliteTimeExpr(p[1], p[2])
	})
}

// canonicalGlob matches dialect.SQLiteTimeLayout's text, character by
// character.
const canonicalGlob = `[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9] [0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9][0-9][0-9][0-9]`

func sqliteTimeExpr(macro, t string) string {
	bit := `(CAST(substr(` + t + `, 12, 2) AS INTEGER) * 4 + CAST(substr(` + t + `, 15, 2) AS INTEGER) / 15)`
	bucket := `(substr(` + t + `, 1, 14) || printf('%02d', CAST(substr(` + t + `, 15, 2) AS INTEGER) / 15 * 15) || ':00.000000')`
	switch macro {
	case "bucket":
		return bucket
	case "day":
		return `(substr(` + t + `, 1, 10) || ' 00:00:00.000000')`
	case "date":
		return `substr(` + t + `, 1, 10)`
	case "am":
		return `(CASE WHEN ` + bit + ` < 48 THEN 1 << ` + bit + ` ELSE 0 END)`
	case "pm":
		return `(CASE WHEN ` + bit + ` >= 48 THEN 1 << (` + bit + ` - 48) ELSE 0 END)`
	case "next":
		return `strftime('%Y-%m-%d %H:%M:00.000000', ` + bucket + `, '+15 minutes')`
	case "canonical":
		// The digits and separators in place, and a real date and time:
		// datetime() reads the text and writes it back the same only if so
		// (2026-02-30 comes back as 2026-03-02, 24:00:00 not at all).
		return `(typeof(` + t + `) = 'text' AND ` + t + ` GLOB '` + canonicalGlob + `' AND datetime(` + t + `) = substr(` + t + `, 1, 19))`
	}
	panic("rollup: unknown macro @" + macro)
}

// SQLiteForm reports whether db keeps the tables in SQLite's form: users'
// buckets as two 48-bit integers (am, pm) rather than bit(96), times as
// text, booleans as 0 and 1. The statistics read path asks it to choose
// its SQL.
func SQLiteForm(db *gorm.DB) bool {
	d := dialect.Of(db)
	return d.Has(dialect.Triggers) && !d.Has(dialect.StatementTriggers)
}

// BucketsPerHalf is how many buckets each of a users row's two integers
// holds on SQLite: am has buckets 0-47 of the UTC day, pm 48-95.
const BucketsPerHalf = BucketsPerDay / 2

func installedSQLite(db *gorm.DB) (bool, error) {
	var n int64
	if err := db.Raw(`SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name = ? AND tbl_name = 'workflow_runs'`, insertTrigger).
		Scan(&n).Error; err != nil || n == 0 {
		return false, err
	}
	var tables int64
	err := db.Raw(`SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN ?`, Tables).Scan(&tables).Error
	return tables == int64(len(Tables)), err
}

// installSQLite applies the schema and fills the tables, in a transaction
// that holds SQLite's one write lock, so that no version is missed.
func installSQLite(ctx context.Context, db *gorm.DB) error {
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		had, err := installedSQLite(tx)
		if err != nil {
			return err
		}
		if err := tx.Exec(sqliteSchema).Error; err != nil {
			return err
		}
		if had {
			return nil
		}
		return fillSQLite(tx)
	})
	if err != nil {
		return fmt.Errorf("wflog/rollup: installing the statistics tables on SQLite: %w", err)
	}
	return nil
}

func rebuildSQLite(ctx context.Context, db *gorm.DB) error {
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		ok, err := installedSQLite(tx)
		if err != nil {
			return err
		}
		if !ok {
			return errors.New("the tables or their triggers are missing; run wflog migrate (rollup.Install) first")
		}
		if err := checkTimeText(tx); err != nil {
			return err
		}
		return fillSQLite(tx)
	})
	if err != nil {
		return fmt.Errorf("wflog/rollup: rebuilding the statistics tables on SQLite: %w", err)
	}
	return nil
}

// checkTimeText refuses a workflow_runs whose times are not all wflog's
// text: another writer's, stored before the guards of schema_sqlite.sql
// existed (or with them dropped). The triggers and the recomputation cut
// buckets out of the text by the same positions, so they would agree on
// wrong answers, and no comparison of the two could notice.
func checkTimeText(tx *gorm.DB) error {
	bad := expandSQLite(`NOT @canonical(created_at) OR (finished_at IS NOT NULL AND NOT @canonical(finished_at))`)
	var n int64
	if err := tx.Raw(`SELECT count(*) FROM workflow_runs WHERE ` + bad).Scan(&n).Error; err != nil {
		return fmt.Errorf("looking for times not in wflog's text: %w", err)
	}
	if n == 0 {
		return nil
	}
	var e struct {
		ID                    string
		Version               int64
		CreatedAt, FinishedAt *string
	}
	if err := tx.Raw(`SELECT id, version, CAST(created_at AS TEXT) AS created_at, CAST(finished_at AS TEXT) AS finished_at FROM workflow_runs WHERE ` + bad + ` LIMIT 1`).
		Scan(&e).Error; err != nil {
		return fmt.Errorf("looking for times not in wflog's text: %w", err)
	}
	show := func(s *string) string {
		if s == nil {
			return "NULL"
		}
		return fmt.Sprintf("%q", *s)
	}
	return fmt.Errorf("%w: %d versions of workflow_runs, such as run %s version %d (created_at %s, finished_at %s); "+
		"another writer stored them, and the statistics tables and time ranges misplace them. Rewrite them as UTC text "+
		"(UPDATE workflow_runs SET created_at = strftime('%%Y-%%m-%%d %%H:%%M:%%f000', created_at) WHERE …, and the same for finished_at), "+
		"then rebuild the tables (wflog stats --rebuild)", ErrTimeText, n, e.ID, e.Version, show(e.CreatedAt), show(e.FinishedAt))
}

// ErrTimeText is wrapped by Verify's and Rebuild's errors on SQLite when
// workflow_runs holds a time that is not wflog's text
// ('2006-01-02 15:04:05.000000', UTC): one that the guards of
// schema_sqlite.sql would now refuse, stored before they existed.
var ErrTimeText = errors.New("times not in wflog's text")

// What each derived table should hold, computed from workflow_runs alone
// (SQLite's form of the expected* queries: max() picks the row its bare
// columns come from).
var (
	sqliteExpectedState = `SELECT l.id, l.tenant_id, l.app_id, l.triggered_from, l.created_by, l.created_at,
    l.version, l.status, l.total_tokens, f.version AS fin_version, f.status AS fin_status, f.total_tokens AS fin_tokens
FROM (SELECT id, tenant_id, app_id, triggered_from, created_by, created_at, max(version) AS version, status, total_tokens
      FROM workflow_runs GROUP BY id) l
LEFT JOIN (SELECT id, max(version) AS version, status, total_tokens
      FROM workflow_runs WHERE finished_at IS NOT NULL GROUP BY id) f ON f.id = l.id`

	sqliteExpectedBuckets = expandSQLite(`SELECT tenant_id, app_id, 0 AS finished, @bucket(created_at) AS bucket, triggered_from, count(*) AS runs, sum(total_tokens) AS tokens
FROM (` + sqliteExpectedState + `) s GROUP BY 1, 2, 3, 4, 5
UNION ALL
SELECT tenant_id, app_id, 1, @bucket(created_at), triggered_from, count(*), sum(fin_tokens)
FROM (` + sqliteExpectedState + `) s WHERE fin_version IS NOT NULL GROUP BY 1, 2, 3, 4, 5`)

	sqliteExpectedStatuses = expandSQLite(`SELECT tenant_id, app_id, p.column1 AS whole_day,
    CASE p.column1 WHEN 1 THEN @day(created_at) ELSE @bucket(created_at) END AS start, triggered_from, status, count(*) AS runs
FROM (` + sqliteExpectedState + `) s, (VALUES (1), (0)) p GROUP BY 1, 2, 3, 4, 5, 6`)

	// The bits of distinct buckets are distinct powers of two: their
	// distinct sum is their union.
	sqliteExpectedUsers = expandSQLite(`SELECT tenant_id, app_id, 0 AS finished, @date(created_at) AS day, triggered_from, created_by,
    sum(DISTINCT @am(created_at)) AS am, sum(DISTINCT @pm(created_at)) AS pm
FROM workflow_runs GROUP BY 1, 2, 3, 4, 5, 6
UNION ALL
SELECT tenant_id, app_id, 1, @date(created_at), triggered_from, created_by, sum(DISTINCT @am(created_at)), sum(DISTINCT @pm(created_at))
FROM workflow_runs WHERE finished_at IS NOT NULL GROUP BY 1, 2, 3, 4, 5, 6`)
)

func fillSQLite(tx *gorm.DB) error {
	stmts := []string{}
	for _, t := range Tables {
		stmts = append(stmts, `DELETE FROM `+t)
	}
	stmts = append(stmts,
		`INSERT INTO `+StateTable+` (id, tenant_id, app_id, triggered_from, created_by, created_at, version, status, total_tokens, fin_version, fin_status, fin_tokens) `+sqliteExpectedState,
		`INSERT INTO `+BucketsTable+` (tenant_id, app_id, finished, bucket, triggered_from, runs, tokens) `+sqliteExpectedBuckets,
		`INSERT INTO `+StatusesTable+` (tenant_id, app_id, whole_day, start, triggered_from, status, runs) `+sqliteExpectedStatuses,
		`INSERT INTO `+UsersTable+` (tenant_id, app_id, finished, day, triggered_from, created_by, am, pm) `+sqliteExpectedUsers,
	)
	for _, t := range Tables {
		stmts = append(stmts, `ANALYZE `+t)
	}
	for _, stmt := range stmts {
		if err := tx.Exec(stmt).Error; err != nil {
			return err
		}
	}
	return nil
}

// verifySQLite compares each table with its recomputation. Every table has
// a primary key, and the recomputation groups by it, so EXCEPT (SQLite has
// no EXCEPT ALL) loses no duplicate.
func verifySQLite(ctx context.Context, db *gorm.DB) (Difference, error) {
	var d Difference
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		ok, err := installedSQLite(tx)
		if err != nil {
			return err
		}
		if !ok {
			return errors.New("the tables or their triggers are missing; run wflog migrate (rollup.Install) first")
		}
		if err := checkTimeText(tx); err != nil {
			return err
		}
		checks := []struct {
			into       *int64
			table      string
			have, want string
		}{
			{&d.State, StateTable,
				`SELECT id, tenant_id, app_id, triggered_from, created_by, created_at, version, status, total_tokens, fin_version, fin_status, fin_tokens FROM ` + StateTable,
				sqliteExpectedState},
			{&d.Buckets, BucketsTable,
				`SELECT tenant_id, app_id, finished, bucket, triggered_from, runs, tokens FROM ` + BucketsTable + ` WHERE runs <> 0 OR tokens <> 0`,
				sqliteExpectedBuckets},
			{&d.Statuses, StatusesTable,
				`SELECT tenant_id, app_id, whole_day, start, triggered_from, status, runs FROM ` + StatusesTable + ` WHERE runs <> 0`,
				sqliteExpectedStatuses},
			{&d.Users, UsersTable,
				`SELECT tenant_id, app_id, finished, day, triggered_from, created_by, am, pm FROM ` + UsersTable,
				sqliteExpectedUsers},
		}
		for _, c := range checks {
			for _, side := range []struct{ name, a, b string }{{"extra", c.have, c.want}, {"missing", c.want, c.have}} {
				diff := `SELECT * FROM (` + side.a + `) EXCEPT SELECT * FROM (` + side.b + `)`
				var n int64
				if err := tx.Raw(`SELECT count(*) FROM (` + diff + `)`).Scan(&n).Error; err != nil {
					return fmt.Errorf("comparing %s: %w", c.table, err)
				}
				*c.into += n
				if n == 0 || len(d.Examples) >= maxExamples {
					continue
				}
				rows, err := tx.Raw(diff+` LIMIT ?`, maxExamples-len(d.Examples)).Rows()
				if err != nil {
					return fmt.Errorf("comparing %s: %w", c.table, err)
				}
				cols, _ := rows.Columns()
				for rows.Next() {
					vals := make([]any, len(cols))
					ptrs := make([]any, len(cols))
					for i := range vals {
						ptrs[i] = &vals[i]
					}
					if err := rows.Scan(ptrs...); err != nil {
						rows.Close()
						return err
					}
					parts := make([]string, len(vals))
					for i, v := range vals {
						parts[i] = fmt.Sprint(v)
					}
					d.Examples = append(d.Examples, fmt.Sprintf("%s: %s (%s)", c.table, side.name, strings.Join(parts, ",")))
				}
				if err := rows.Close(); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return Difference{}, fmt.Errorf("wflog/rollup: verifying the statistics tables on SQLite: %w", err)
	}
	return d, nil
}
