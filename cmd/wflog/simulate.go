package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"gorm.io/gorm"

	"github.com/wflog/wflog/internal/dialect"
	"github.com/wflog/wflog/internal/workload"
	"github.com/wflog/wflog/models"
	"github.com/wflog/wflog/repo"
)

// load describes synthetic load: which runs of the generator to write.
type load struct {
	runs, versions, apps, days, nodesPerRun, payloadBytes, batch int
	seed                                                         uint64
	start                                                        time.Time
	span                                                         time.Duration // when set, replaces days
	// skipApp, when ≥ 0, leaves that app out (the benchmark grows the other
	// apps only); first is the generator index to start from; total, when
	// set, makes creation times rise with the run number over that many runs.
	skipApp, first, total int
}

func (l load) generator() *workload.Generator {
	return workload.New(workload.Config{Seed: l.seed, Tenants: 1, AppsPerTenant: l.apps, Users: 50, Start: l.start, Days: l.days, Span: l.span,
		Runs: l.total, NodesPerRun: l.nodesPerRun, PayloadBytes: l.payloadBytes, Versions: l.versions})
}

// written counts what a load wrote.
type written struct {
	runs, runRows, nodeRows int64
	elapsed                 time.Duration
}

func (w written) rowsPerSecond() float64 {
	return float64(w.runRows+w.nodeRows) / w.elapsed.Seconds()
}

// write writes l through the repositories' SaveBatch, reporting progress.
func (l load) write(ctx context.Context, db *gorm.DB, out io.Writer) (written, error) {
	g := l.generator()
	runs := repo.NewRuns(db, repo.WithRecentWrites(0, 0))
	nodes := repo.NewNodeExecutions(db, repo.WithRecentWrites(0, 0))
	var (
		w         written
		runBatch  []models.WorkflowRun
		nodeBatch []models.WorkflowNodeExecution
	)
	flush := func() error {
		if len(runBatch) > 0 {
			if err := runs.SaveBatch(ctx, runBatch); err != nil {
				return err
			}
			w.runRows += int64(len(runBatch))
			runBatch = runBatch[:0]
		}
		if len(nodeBatch) > 0 {
			if err := nodes.SaveBatch(ctx, nodeBatch); err != nil {
				return err
			}
			w.nodeRows += int64(len(nodeBatch))
			nodeBatch = nodeBatch[:0]
		}
		return nil
	}
	p := newProgress(out, int64(l.runs), "runs")
	start := time.Now()
	for i, n := l.first, 0; n < l.runs; i++ {
		if l.skipApp >= 0 && i%l.apps == l.skipApp {
			continue
		}
		if err := ctx.Err(); err != nil {
			return w, err
		}
		h := g.Run(i)
		runBatch = append(runBatch, h.Runs...)
		nodeBatch = append(nodeBatch, h.Nodes...)
		n++
		w.runs++
		if len(runBatch)+len(nodeBatch) >= l.batch {
			if err := flush(); err != nil {
				return w, err
			}
			p.add(int64(n) - p.done)
		}
	}
	if err := flush(); err != nil {
		return w, err
	}
	p.add(int64(l.runs) - p.done)
	p.finish()
	w.elapsed = time.Since(start)
	return w, nil
}

func runSimulate(ctx context.Context, a *app, args []string) error {
	fs, dsn := a.flags("simulate", "[flags]")
	l := load{skipApp: -1}
	fs.IntVar(&l.runs, "runs", 10000, "runs to write")
	fs.IntVar(&l.versions, "versions", 3, "versions per run: running ones, then a terminal one (0: mixed realistic histories)")
	fs.IntVar(&l.apps, "apps", 4, "apps the runs are spread over")
	fs.IntVar(&l.days, "days", 7, "the runs are created over the last N days, ending now: today so far and the N-1 days before it (UTC), the days stats --days N shows (at most 36500)")
	fs.IntVar(&l.nodesPerRun, "nodes-per-run", 0, "node executions per run (each with running and finished versions)")
	fs.IntVar(&l.payloadBytes, "payload-bytes", 500, "size of each finished run's outputs JSON")
	fs.IntVar(&l.batch, "batch", 10000, "rows per SaveBatch call")
	seed := fs.Uint64("seed", uint64(time.Now().UnixNano()), "random seed (the same seed writes the same runs)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := a.atLeast(fs, bound{"runs", l.runs, 1, ""}, bound{"apps", l.apps, 1, ""}, bound{"days", l.days, 1, "today alone is --days 1"},
		bound{"batch", l.batch, 1, ""}, bound{"versions", l.versions, 0, "0 mixes realistic histories"}, bound{"nodes-per-run", l.nodesPerRun, 0, ""},
		bound{"payload-bytes", l.payloadBytes, 0, ""}); err != nil {
		return err
	}
	if l.days > maxDays {
		// The same bound as stats --days: the days a run is created over
		// are the days stats can show, and both stay inside the years the
		// backends store.
		fmt.Fprintf(a.stderr, "--days %d: want at most %d\n", l.days, maxDays)
		fs.Usage()
		return errUsage
	}
	l.seed = *seed
	l.total = l.runs
	now := time.Now()
	l.start, _ = lastDays(now, l.days, time.UTC)
	l.span = now.Sub(l.start)
	db, err := migrated(ctx, *dsn)
	if err != nil {
		return err
	}
	defer closeDB(db)
	fmt.Fprintf(a.stdout, "writing %d runs to %s (%s)\n", l.runs, dialect.Redact(*dsn), dialect.Of(db).Backend())
	w, err := l.write(ctx, db, a.stderr)
	if err != nil {
		return err
	}
	g := l.generator()
	fmt.Fprintf(a.stdout, "wrote %d runs: %d run rows and %d node-execution rows in %s, %.0f rows/s\n",
		w.runs, w.runRows, w.nodeRows, w.elapsed.Round(time.Millisecond), w.rowsPerSecond())
	fmt.Fprintf(a.stdout, "tenant %s, apps:", g.Tenant(0))
	for i := 0; i < l.apps && i < 4; i++ {
		fmt.Fprintf(a.stdout, " %s", g.App(0, i))
	}
	if l.apps > 4 {
		fmt.Fprintf(a.stdout, " …")
	}
	owner := []string{"--tenant", g.Tenant(0).String(), "--app", g.App(0, 0).String()}
	fmt.Fprintln(a.stdout)
	printNext(a.stdout, []string{"see them with:", "statistics:"},
		[]nextCommand{next(fs, *dsn, "runs", owner...), next(fs, *dsn, "stats", append(owner, "--days", fmt.Sprint(l.days))...)})
	return nil
}
