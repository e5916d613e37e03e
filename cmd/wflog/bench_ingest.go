package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"gorm.io/gorm"

	"github.com/wflog/wflog"
	"github.com/wflog/wflog/appendonly"
	"github.com/wflog/wflog/models"
	"github.com/wflog/wflog/repo"
)

// copyColumns is the hand-written COPY of the raw pgx baseline.
var copyColumns = []string{"id", "version", "tenant_id", "app_id", "workflow_id", "type", "triggered_from", "workflow_version",
	"graph", "inputs", "outputs", "status", "error", "elapsed_time", "total_tokens", "total_steps", "exceptions_count",
	"created_by_role", "created_by", "created_at", "finished_at"}

func copyRow(r *models.WorkflowRun) []any {
	return []any{r.ID, int64(r.Version), r.TenantID, r.AppID, r.WorkflowID, string(r.Type), string(r.TriggeredFrom), r.WorkflowVersion,
		r.Graph, r.Inputs, r.Outputs, string(r.Status), r.Error, r.ElapsedTime, r.TotalTokens, int64(r.TotalSteps), int64(r.ExceptionsCount),
		string(r.CreatedByRole), r.CreatedBy, r.CreatedAt, r.FinishedAt}
}

// ingestTarget is one table to load: through wflog or raw COPY, with some
// of schema.sql's indexes.
type ingestTarget struct {
	name    string
	schema  string
	keep    []string // indexes of schema.sql to keep; nil: all
	plain   bool     // without the statistics triggers
	library bool
	server  bool // INSERT … SELECT inside PostgreSQL: the ceiling no client can beat
	db      *gorm.DB
	raw     *pgx.Conn
	tp      throughput
}

var runIndexes = []string{"workflow_runs_app_idx", "workflow_runs_app_finished_idx", "workflow_runs_created_idx"}

// ingest measures SaveBatch against raw pgx CopyFrom into the full schema,
// and what each index costs, in fresh schemas it drops afterwards.
func (b *bench) ingest(ctx context.Context, admin *pgx.Conn, dsn string, rows, warmup, rounds int, out io.Writer) ([]throughput, []throughput, error) {
	targets := []*ingestTarget{
		{name: "wflog SaveBatch (all indexes, statistics triggers)", library: true},
		{name: "raw pgx CopyFrom (all indexes, statistics triggers)"},
		{name: "raw pgx CopyFrom (all indexes, no statistics triggers)", plain: true},
		{name: "the server alone: INSERT … SELECT from the data set (all indexes, statistics triggers, no client)", server: true},
		{name: "primary key only", keep: []string{}, plain: true},
	}
	for _, ix := range runIndexes {
		targets = append(targets, &ingestTarget{name: "primary key + " + ix, keep: []string{ix}, plain: true})
	}
	for i, t := range targets {
		t.schema = fmt.Sprintf("%s_ingest_%d", b.set.schema, i)
		ident := pgx.Identifier{t.schema}.Sanitize()
		if _, err := admin.Exec(ctx, `DROP SCHEMA IF EXISTS `+ident+` CASCADE; CREATE SCHEMA `+ident); err != nil {
			return nil, nil, err
		}
		defer admin.Exec(context.Background(), `DROP SCHEMA IF EXISTS `+ident+` CASCADE`) //nolint:errcheck // best effort
		tdsn, err := withSchema(dsn, t.schema)
		if err != nil {
			return nil, nil, err
		}
		if t.db, err = open(ctx, tdsn); err != nil {
			return nil, nil, err
		}
		defer closeDB(t.db)
		if err := wflog.Migrate(ctx, t.db); err != nil {
			return nil, nil, err
		}
		if t.plain {
			for _, trigger := range []string{"insert", "delete", "update", "truncate"} {
				if _, err := admin.Exec(ctx, `DROP TRIGGER wflog_run_stats_`+trigger+` ON `+ident+`.workflow_runs`); err != nil {
					return nil, nil, err
				}
			}
		}
		if t.keep != nil {
			for _, ix := range runIndexes {
				if !contains(t.keep, ix) {
					if _, err := admin.Exec(ctx, `DROP INDEX `+ident+`.`+ix); err != nil {
						return nil, nil, err
					}
				}
			}
		}
		if t.server {
			// The rows it copies, staged once and numbered, so that each
			// round reads a fresh range at the same cost.
			if _, err := admin.Exec(ctx, `CREATE TABLE `+ident+`.src AS SELECT row_number() OVER () AS n, w.* FROM (SELECT * FROM `+
				pgx.Identifier{b.set.schema, "workflow_runs"}.Sanitize()+` LIMIT `+fmt.Sprint((warmup+rounds)*rows)+`) w`); err != nil {
				return nil, nil, err
			}
			for _, sql := range []string{`CREATE INDEX ON ` + ident + `.src (n)`, `VACUUM ANALYZE ` + ident + `.src`} {
				if _, err := admin.Exec(ctx, sql); err != nil {
					return nil, nil, err
				}
			}
		}
		if !t.library && !t.server {
			if t.raw, err = pgx.Connect(ctx, strings.Replace(tdsn, "postgres://", "postgresql://", 1)); err != nil {
				return nil, nil, err
			}
			defer t.raw.Close(context.Background())
		}
	}
	fmt.Fprintf(out, "measuring ingest: %d rounds of %d-row batches into %d fresh tables\n", warmup+rounds, rows, len(targets))
	clock := appendonly.NewClock(nil)
	for round := 0; round < warmup+rounds; round++ {
		for k := range targets {
			t := targets[(k+round)%len(targets)]
			batch := b.ingestBatch(rows)
			if !t.library {
				for i := range batch {
					batch[i].Version = clock.Next(0)
				}
			}
			start := time.Now()
			var err error
			done := rows
			if t.server {
				var tag pgconn.CommandTag
				tag, err = admin.Exec(ctx, `INSERT INTO `+pgx.Identifier{t.schema, "workflow_runs"}.Sanitize()+` (`+strings.Join(copyColumns, ", ")+`) SELECT `+
					strings.Join(copyColumns, ", ")+` FROM `+pgx.Identifier{t.schema, "src"}.Sanitize()+` WHERE n > $1 AND n <= $2`, round*rows, (round+1)*rows)
				if done = int(tag.RowsAffected()); err == nil && done == 0 {
					err = fmt.Errorf("the data set has too few rows for %d rounds of --ingest-rows %d", warmup+rounds, rows)
				}
			} else if t.library {
				err = repo.NewRuns(t.db, repo.WithRecentWrites(0, 0)).SaveBatch(ctx, batch)
			} else {
				_, err = t.raw.CopyFrom(ctx, pgx.Identifier{"workflow_runs"}, copyColumns,
					pgx.CopyFromSlice(len(batch), func(i int) ([]any, error) { return copyRow(&batch[i]), nil }))
			}
			if err != nil {
				return nil, nil, fmt.Errorf("ingest into %s: %w", t.name, err)
			}
			if round >= warmup {
				t.tp.rates = append(t.tp.rates, float64(done)/time.Since(start).Seconds())
			}
		}
	}
	named := func(t *ingestTarget) throughput { return throughput{name: t.name, rates: t.tp.rates} }
	ingest := []throughput{named(targets[0]), named(targets[1]), named(targets[2]), named(targets[3])}
	indexes := []throughput{named(targets[4])}
	for _, t := range targets[5:] {
		indexes = append(indexes, named(t))
	}
	all := named(targets[2])
	all.name = "all of schema.sql's indexes"
	indexes = append(indexes, all)
	return ingest, indexes, nil
}

// ingestBatch makes rows new runs, three versions each, like the data set.
func (b *bench) ingestBatch(rows int) []models.WorkflowRun {
	out := make([]models.WorkflowRun, 0, rows)
	payload := `{"answer":"` + strings.Repeat("x", b.set.payload) + `"}`
	now := time.Now().UTC()
	for len(out) < rows {
		r := models.WorkflowRun{ID: uuid.New(), TenantID: b.tenant, AppID: b.app, WorkflowID: uuid.New(), Type: models.WorkflowTypeWorkflow,
			TriggeredFrom: models.RunFromAppRun, WorkflowVersion: "bench", Status: models.RunRunning,
			CreatedByRole: models.CreatedByEndUser, CreatedBy: uuid.New(), CreatedAt: now}
		for v := 0; v < 3 && len(out) < rows; v++ {
			if v == 2 {
				r.Status, r.Outputs, r.FinishedAt, r.TotalTokens = models.RunSucceeded, &payload, &now, 123
			}
			r.TotalSteps = v
			out = append(out, r)
		}
	}
	return out
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if x == y {
			return true
		}
	}
	return false
}
