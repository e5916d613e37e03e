package main

import (
	"context"
	"fmt"
	"io"
	"net/url"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"gorm.io/gorm"

	"github.com/wflog/wflog"
	"github.com/wflog/wflog/dialect"
	"github.com/wflog/wflog/rollup"
)

// benchSet is the benchmark's data set: runs × versions over apps and days,
// in a schema of its own.
type benchSet struct {
	schema                              string
	runs, versions, apps, days, payload int
	seed                                uint64
	start                               time.Time
}

// benchStart is the data set's first day, fixed so that a reused data set
// answers the same questions.
var benchStart = time.Date(2026, 10, 27, 0, 0, 0, 0, time.UTC)

func (s benchSet) load(first, runs, total, skipApp int) load {
	return load{runs: runs, versions: s.versions, apps: s.apps, days: s.days, payloadBytes: s.payload, batch: 30000,
		seed: s.seed, start: s.start, skipApp: skipApp, first: first, total: total}
}

// signature is what a reusable data set must match.
func (s benchSet) signature() string {
	return fmt.Sprintf("runs=%d versions=%d apps=%d days=%d payload=%d seed=%d start=%s", s.runs, s.versions, s.apps, s.days, s.payload, s.seed, s.start.Format(time.RFC3339))
}

// withSchema returns dsn with its search_path set to schema: a URL's
// parameter, or a key/value DSN's key.
func withSchema(dsn, schema string) (string, error) {
	if !strings.Contains(dsn, "://") {
		if _, err := dialect.Parse(dsn); err != nil {
			return "", err
		}
		return strings.TrimSpace(dsn) + " search_path='" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(schema) + "'", nil
	}
	u, err := url.Parse(dsn)
	if err != nil {
		return "", fmt.Errorf("--dsn is not a URL (the secret is not shown)")
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String(), nil
}

// seedIndexes are the seed's indexes on its append-only workflow_runs: the
// primary key (id, version) and Dify's workflow_run_triggerd_from_idx.
const seedTable = `
CREATE TABLE seed_workflow_runs (LIKE workflow_runs);
INSERT INTO seed_workflow_runs SELECT * FROM workflow_runs;
ALTER TABLE seed_workflow_runs ADD PRIMARY KEY (id, version);
CREATE INDEX seed_workflow_run_triggerd_from_idx ON seed_workflow_runs (tenant_id, app_id, triggered_from);`

// prepare makes sure the data set exists: reused when --reuse finds one with
// the same signature, built through SaveBatch otherwise. It returns the
// database, opened through wflog on the data set's schema.
func (s benchSet) prepare(ctx context.Context, admin *pgx.Conn, dsn string, reuse bool, out io.Writer) (*gorm.DB, error) {
	schemaDSN, err := withSchema(dsn, s.schema)
	if err != nil {
		return nil, err
	}
	ident := pgx.Identifier{s.schema}.Sanitize()
	if reuse {
		var sig string
		err := admin.QueryRow(ctx, `SELECT signature FROM `+ident+`.wflog_bench_set`).Scan(&sig)
		if err == nil && sig == s.signature() {
			fmt.Fprintf(out, "reusing the data set in schema %s (%s)\n", s.schema, sig)
			return open(ctx, schemaDSN)
		}
		fmt.Fprintf(out, "no reusable data set in schema %s; building one\n", s.schema)
	}
	if _, err := admin.Exec(ctx, `DROP SCHEMA IF EXISTS `+ident+` CASCADE; CREATE SCHEMA `+ident); err != nil {
		return nil, fmt.Errorf("creating schema %s: %w", s.schema, err)
	}
	db, err := open(ctx, schemaDSN)
	if err != nil {
		return nil, err
	}
	if err := wflog.Migrate(ctx, db); err != nil {
		return nil, err
	}
	fmt.Fprintf(out, "building the data set: %d runs × %d versions, %d apps, %d days, %d-byte outputs (schema %s of %s)\n",
		s.runs, s.versions, s.apps, s.days, s.payload, s.schema, dialect.Redact(dsn))
	w, err := s.load(0, s.runs, s.runs, -1).write(ctx, db, out)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(out, "  wrote %d rows in %s through SaveBatch (generation included): %.0f rows/s\n", w.runRows, w.elapsed.Round(time.Second), w.rowsPerSecond())
	start := time.Now()
	if _, err := admin.Exec(ctx, `SET search_path TO `+ident+`;`+seedTable); err != nil {
		return nil, fmt.Errorf("building the baseline table: %w", err)
	}
	fmt.Fprintf(out, "  copied it to seed_workflow_runs with the seed's indexes in %s\n", time.Since(start).Round(time.Second))
	if err := vacuum(ctx, admin, s.schema); err != nil {
		return nil, err
	}
	if _, err := admin.Exec(ctx, `CREATE TABLE `+ident+`.wflog_bench_set (signature text)`); err != nil {
		return nil, err
	}
	if _, err := admin.Exec(ctx, `INSERT INTO `+ident+`.wflog_bench_set VALUES ($1)`, s.signature()); err != nil {
		return nil, err
	}
	return db, nil
}

// vacuum sets the visibility map (index-only scans need it) and statistics.
func vacuum(ctx context.Context, admin *pgx.Conn, schema string) error {
	ident := pgx.Identifier{schema}.Sanitize()
	// The statistics tables too: their rows were updated many times over
	// while the data set was loaded, which autovacuum would clean up in time.
	for _, table := range append(append([]string{"workflow_runs", "seed_workflow_runs"}, rollup.Tables...), rollup.DeltaTables...) {
		if _, err := admin.Exec(ctx, `VACUUM (ANALYZE) `+ident+`.`+table); err != nil {
			return fmt.Errorf("vacuuming %s: %w", table, err)
		}
	}
	return nil
}

// grow adds runs of every app but the measured one until the data set has
// total runs, then vacuums.
func (s benchSet) grow(ctx context.Context, admin *pgx.Conn, db *gorm.DB, total int, out io.Writer) error {
	extra := total - s.runs
	if extra <= 0 {
		return nil
	}
	fmt.Fprintf(out, "growing the other apps by %d runs to %d in all\n", extra, total)
	w, err := s.load(s.runs, extra, total, 0).write(ctx, db, out)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "  wrote %d rows in %s\n", w.runRows, w.elapsed.Round(time.Second))
	return vacuum(ctx, admin, s.schema)
}
