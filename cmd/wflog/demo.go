package main

import (
	"context"
	"fmt"
	"io"
	"reflect"
	"strings"
	"text/tabwriter"
	"time"

	"gorm.io/gorm"

	"github.com/wflog/wflog"
	"github.com/wflog/wflog/internal/dialect"
	"github.com/wflog/wflog/internal/workload"
	"github.com/wflog/wflog/logstoretest"
	"github.com/wflog/wflog/models"
	"github.com/wflog/wflog/repo"
)

// demoRuns is how many runs the demo writes.
const demoRuns = 36

func runDemo(ctx context.Context, a *app, args []string) error {
	fs, dsn := a.flags("demo", "[--dsn DSN] [--backend postgres|logstore] [--tz ZONE]")
	backend := fs.String("backend", "postgres", "postgres: write to --dsn; logstore: also write the same through a LogStore emulator over --dsn (PostgreSQL) and compare")
	zone := fs.String("tz", "UTC", "IANA time zone the daily statistics are cut in")
	seed := fs.Uint64("seed", uint64(time.Now().UnixNano()), "random seed of the workload")
	delay := fs.Duration("visibility-delay", logStoreVisibilityDelay, "with --backend logstore: how long the emulator hides new rows, like LogStore's indexing delay (documented: up to 3s; 0: off)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *delay < 0 {
		fmt.Fprintf(a.stderr, "--visibility-delay %v: want 0 or more\n", *delay)
		fs.Usage()
		return errUsage
	}
	loc, err := time.LoadLocation(*zone)
	if err != nil {
		return fmt.Errorf("--tz %q: %w", *zone, err)
	}
	if *backend != "postgres" && *backend != "logstore" {
		fmt.Fprintf(a.stderr, "--backend %q: want postgres or logstore\n", *backend)
		fs.Usage()
		return errUsage
	}
	start := time.Now().UTC().Add(-72 * time.Hour).Truncate(time.Second)
	g := workload.New(workload.Config{Seed: *seed, Tenants: 1, AppsPerTenant: 3, Users: 6, Start: start, Days: 3, Runs: demoRuns, NodesPerRun: 3, PayloadBytes: 120})

	var sides []demoSide
	db, err := migrated(ctx, *dsn)
	if err != nil {
		return err
	}
	defer closeDB(db)
	sides = append(sides, demoSide{name: dialect.Of(db).Backend().String(), db: db})
	if *backend == "logstore" {
		cfg, err := dialect.Parse(*dsn)
		if err != nil {
			return err
		}
		if cfg.Backend != dialect.PostgreSQL {
			return fmt.Errorf("--backend logstore runs the LogStore emulator, which keeps its rows in PostgreSQL: give --dsn a postgres:// DSN (this one is %s)", cfg.Backend)
		}
		srv, err := logstoretest.Start(ctx, logstoretest.Config{Backend: cfg.ConnString, VisibilityDelay: *delay})
		if err != nil {
			return fmt.Errorf("starting the LogStore emulator: %w", err)
		}
		defer srv.Close()
		fmt.Fprintf(a.stdout, "LogStore emulator at %s, in schema %s of %s (dropped when the demo ends)\n", srv.Addr(), srv.Schema(), dialect.Redact(*dsn))
		ls, err := wflog.OpenContext(ctx, srv.DSN())
		if err != nil {
			return err
		}
		defer closeDB(ls)
		if _, err := migrate(ctx, ls); err != nil {
			return err
		}
		sides = append(sides, demoSide{name: "LogStore (emulator)", db: ls, delay: *delay})
	}
	for i := range sides {
		if err := sides[i].write(ctx, g); err != nil {
			return fmt.Errorf("%s: %w", sides[i].name, err)
		}
		if err := sides[i].settle(ctx, a.stdout); err != nil {
			return err
		}
		if err := sides[i].read(ctx, g, start, loc); err != nil {
			return fmt.Errorf("%s: %w", sides[i].name, err)
		}
	}
	printDemo(a.stdout, g, sides)
	if len(sides) == 2 {
		if diff := sides[0].view.differs(sides[1].view); diff != "" {
			return fmt.Errorf("the backends disagree on %s", diff)
		}
		fmt.Fprintln(a.stdout, "\nBoth backends give the same answers.")
	}
	owner := []string{"--tenant", g.Tenant(0).String(), "--app", g.App(0, 0).String()}
	statsArgs := append(owner, "--days", "4")
	if isSet(fs, "tz") {
		statsArgs = append(statsArgs, "--tz", *zone)
	}
	fmt.Fprintf(a.stdout, "\nExplore the first app (on %s):\n", sides[0].name)
	printNext(a.stdout, []string{" ", " "}, []nextCommand{next(fs, *dsn, "runs", owner...), next(fs, *dsn, "stats", statsArgs...)})
	return nil
}

// logStoreVisibilityDelay is how long LogStore documents a write may take to
// become readable.
const logStoreVisibilityDelay = 3 * time.Second

// settle waits, on a backend that shows writes late, until the demo's last
// write is visible, so that lists and statistics (which no read-your-writes
// cache can answer) see every write, as a console would a moment later.
func (s *demoSide) settle(ctx context.Context, out io.Writer) error {
	wait := time.Until(s.lastWrite.Add(s.delay))
	if s.delay <= 0 || wait <= 0 {
		return nil
	}
	fmt.Fprintf(out, "%s: waiting %s for the writes to become readable (LogStore shows a write up to %s later; --visibility-delay)\n",
		s.name, wait.Round(100*time.Millisecond), s.delay)
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return context.Cause(ctx)
	}
}

// demoSide is one backend's run of the demo.
type demoSide struct {
	name      string
	db        *gorm.DB
	delay     time.Duration // how long the backend hides a write
	lastWrite time.Time
	wrote     written
	paused    *models.WorkflowRun // a run that was paused and resumed
	history   []models.WorkflowRun
	view      demoView
}

// demoView is what a console shows for the first app.
type demoView struct {
	Newest []models.WorkflowRun
	Stats  statsView
	Nodes  []models.WorkflowNodeExecution // the newest run's node executions
}

// differs names the first thing two views disagree on.
func (v demoView) differs(w demoView) string {
	if len(v.Newest) != len(w.Newest) {
		return "the newest runs"
	}
	for i := range v.Newest {
		a, b := v.Newest[i], w.Newest[i]
		if a.ID != b.ID || a.Status != b.Status || a.TotalTokens != b.TotalTokens || !a.CreatedAt.Equal(b.CreatedAt) {
			return fmt.Sprintf("newest run %d (%s %s vs %s %s)", i+1, a.ID, a.Status, b.ID, b.Status)
		}
	}
	if !reflect.DeepEqual(v.Stats, w.Stats) {
		return "the statistics"
	}
	if len(v.Nodes) != len(w.Nodes) {
		return "the node executions"
	}
	for i := range v.Nodes {
		if v.Nodes[i].ID != w.Nodes[i].ID || v.Nodes[i].Status != w.Nodes[i].Status {
			return fmt.Sprintf("node execution %d", i+1)
		}
	}
	return ""
}

// write saves every version of every run as an engine would, one Save per
// state change, node executions as they run.
func (s *demoSide) write(ctx context.Context, g *workload.Generator) error {
	runs, nodes := repo.NewRuns(s.db), repo.NewNodeExecutions(s.db)
	start := time.Now()
	hasPaused := false
	for i := 0; i < demoRuns || !hasPaused; i++ {
		h := g.Run(i)
		if i >= demoRuns && h.Shape != workload.PausedResumed {
			continue // only to make sure the demo has a paused-and-resumed run
		}
		for _, v := range h.Runs {
			if err := runs.Save(ctx, &v); err != nil {
				return err
			}
			s.wrote.runRows++
			if h.Shape == workload.PausedResumed && !hasPaused {
				s.history = append(s.history, v)
			}
		}
		for _, e := range h.Nodes {
			if err := nodes.Save(ctx, &e); err != nil {
				return err
			}
			s.wrote.nodeRows++
		}
		if h.Shape == workload.PausedResumed && !hasPaused {
			hasPaused = true
			last := h.Runs[len(h.Runs)-1]
			s.paused = &last
		}
		s.wrote.runs++
	}
	s.wrote.elapsed = time.Since(start)
	s.lastWrite = time.Now()
	return nil
}

func (s *demoSide) read(ctx context.Context, g *workload.Generator, start time.Time, loc *time.Location) error {
	runs, nodes := repo.NewRuns(s.db), repo.NewNodeExecutions(s.db)
	tenant, app := g.Tenant(0), g.App(0, 0)
	page, err := runs.List(ctx, repo.ListRuns{TenantID: tenant, AppID: app, Limit: 8})
	if err != nil {
		return err
	}
	s.view.Newest = page.Runs
	if s.view.Stats, err = collectStats(ctx, runs, repo.Stats{TenantID: tenant, AppID: app, From: start, To: time.Now().Add(time.Hour), Location: loc}); err != nil {
		return err
	}
	if len(page.Runs) > 0 {
		newest := page.Runs[0]
		if s.view.Nodes, err = nodes.ListByRun(ctx, tenant, app, newest.ID, repo.NodeOrder{}); err != nil {
			return err
		}
	}
	if s.paused != nil {
		var history []models.WorkflowRun
		if err := s.db.WithContext(ctx).Unscoped().Where("id = ?", s.paused.ID).Order("version").Find(&history).Error; err != nil {
			return err
		}
		s.history = history
	}
	return nil
}

func printDemo(w io.Writer, g *workload.Generator, sides []demoSide) {
	for _, s := range sides {
		fmt.Fprintf(w, "%s: wrote %d runs (%d run versions, %d node-execution versions) in %s\n",
			s.name, s.wrote.runs, s.wrote.runRows, s.wrote.nodeRows, s.wrote.elapsed.Round(time.Millisecond))
	}
	fmt.Fprintf(w, "tenant %s, apps %s %s %s\n", g.Tenant(0), g.App(0, 0), g.App(0, 1), g.App(0, 2))
	first := sides[0]
	if first.paused != nil {
		var states []string
		for _, v := range first.history {
			states = append(states, string(v.Status))
		}
		fmt.Fprintf(w, "\nrun %s was paused and resumed; its versions: %s\n", first.paused.ID, strings.Join(states, " → "))
	}
	for _, s := range sides {
		if len(sides) > 1 {
			fmt.Fprintf(w, "\n===== %s =====\n", s.name)
		}
		fmt.Fprintf(w, "\nnewest runs of app %s:\n", g.App(0, 0))
		printRuns(w, s.view.Newest)
		if len(s.view.Newest) > 0 {
			fmt.Fprintf(w, "\nnode executions of run %s:\n", s.view.Newest[0].ID)
			tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "INDEX\tNODE\tTYPE\tSTATUS\tELAPSED")
			for _, e := range s.view.Nodes {
				fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%.2fs\n", e.Index, e.NodeID, e.NodeType, e.Status, e.ElapsedTime)
			}
			tw.Flush()
		}
		fmt.Fprintln(w)
		printStats(w, s.view.Stats)
	}
}
