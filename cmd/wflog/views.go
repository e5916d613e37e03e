package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/wflog/wflog/models"
	"github.com/wflog/wflog/repo"
	"github.com/wflog/wflog/rollup"
)

// uuidFlag is a flag that holds a required UUID.
type uuidFlag struct {
	v   uuid.UUID
	set bool
}

func (f *uuidFlag) String() string {
	if !f.set {
		return ""
	}
	return f.v.String()
}

func (f *uuidFlag) Set(s string) error {
	v, err := uuid.Parse(s)
	if err != nil {
		return fmt.Errorf("not a UUID: %q", echo(s))
	}
	f.v, f.set = v, true
	return nil
}

// ownerFlags adds the required --tenant and --app flags.
func ownerFlags(fs *flag.FlagSet) (tenant, appID *uuidFlag) {
	tenant, appID = &uuidFlag{}, &uuidFlag{}
	fs.Var(tenant, "tenant", "tenant id (required)")
	fs.Var(appID, "app", "app id (required)")
	return tenant, appID
}

// requireOwner says what is missing when --tenant or --app is.
func (a *app) requireOwner(fs *flag.FlagSet, tenant, appID *uuidFlag) error {
	if tenant.set && appID.set {
		return nil
	}
	fmt.Fprintln(a.stderr, "--tenant and --app are required (wflog demo and wflog simulate print them)")
	fs.Usage()
	return errUsage
}

func runRuns(ctx context.Context, a *app, args []string) error {
	fs, dsn := a.flags("runs", "--tenant ID --app ID [flags]")
	tenant, appID := ownerFlags(fs)
	var after uuidFlag
	fs.Var(&after, "after", "show the page after this run id (the last id of the previous page)")
	limit := fs.Int("limit", 20, "runs per page (1–1000)")
	status := fs.String("status", "", "only runs whose current status is one of these, comma-separated (running,succeeded,…)")
	asJSON := fs.Bool("json", false, "print JSON instead of a table")
	tiers := addTierFlags(fs)
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := a.requireOwner(fs, tenant, appID); err != nil {
		return err
	}
	if err := a.atLeast(fs, bound{"limit", *limit, 1, ""}); err != nil {
		return err
	}
	if *limit > repo.MaxPageSize {
		fmt.Fprintf(a.stderr, "--limit %d: want at most %d; page on with --after\n", *limit, repo.MaxPageSize)
		fs.Usage()
		return errUsage
	}
	q := repo.ListRuns{TenantID: tenant.v, AppID: appID.v, Limit: *limit, LastID: after.v}
	for _, s := range splitList(*status) {
		if !models.RunStatus(s).Valid() {
			fmt.Fprintf(a.stderr, "--status %s: %q is not a run status; want some of %s\n", echo(*status), echo(s), joinStatuses())
			fs.Usage()
			return errUsage
		}
		q.Status = append(q.Status, models.RunStatus(s))
	}
	db, err := open(ctx, *dsn)
	if err != nil {
		return err
	}
	defer closeDB(db)
	opts, done, err := tiers.open(ctx)
	if err != nil {
		return err
	}
	defer done()
	page, err := repo.NewRuns(db, opts...).List(ctx, q)
	if err != nil {
		return err
	}
	if *asJSON {
		return writeJSON(a.stdout, runPageView(page))
	}
	printRuns(a.stdout, page.Runs)
	if page.HasMore {
		more := []string{"--tenant", tenant.v.String(), "--app", appID.v.String()}
		if isSet(fs, "status") {
			more = append(more, "--status", *status)
		}
		if isSet(fs, "limit") {
			more = append(more, "--limit", fmt.Sprint(*limit))
		}
		if isSet(fs, "cutover") {
			more = append(more, "--cutover", *tiers.cutover)
		}
		more = append(more, "--after", page.Runs[len(page.Runs)-1].ID.String())
		dsns := []dsnFlag{{"dsn", "WFLOG_DSN", *dsn}, {"older", "WFLOG_OLDER", *tiers.older}}
		printNext(a.stdout, []string{"more:"}, []nextCommand{nextWith(fs, dsns, "runs", more...)})
	}
	return nil
}

func printRuns(w io.Writer, runs []models.WorkflowRun) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "RUN\tSTATUS\tCREATED (UTC)\tELAPSED\tSTEPS\tTOKENS\tTRIGGER")
	for _, r := range runs {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%.1fs\t%d\t%d\t%s\n", r.ID, r.Status, r.CreatedAt.UTC().Format("2006-01-02 15:04:05"), r.ElapsedTime, r.TotalSteps, r.TotalTokens, r.TriggeredFrom)
	}
	tw.Flush()
}

// statsView is what stats prints.
type statsView struct {
	Statuses statusView `json:"statuses"`
	Days     []statsDay `json:"days"`
	Mode     string     `json:"mode"`
	Zone     string     `json:"zone"`
}

type statsDay struct {
	Day          string  `json:"day"`
	Runs         int64   `json:"runs"`
	Users        int64   `json:"users"`
	Tokens       int64   `json:"tokens"`
	Interactions float64 `json:"interactions"`
}

// maxDays bounds --days: a century of statistics, well inside the years
// the backends store.
const maxDays = 36500

func runStats(ctx context.Context, a *app, args []string) error {
	fs, dsn := a.flags("stats", "--tenant ID --app ID [flags] | --verify [--tenant ID --app ID] | --rebuild | --compact")
	tenant, appID := ownerFlags(fs)
	days := fs.Int("days", 30, "the last N days, ending now: today so far and the N-1 days before it, cut in --tz")
	zone := fs.String("tz", "UTC", "IANA time zone the days are cut in, e.g. Asia/Shanghai")
	finished := fs.Bool("finished-only", false, "count finished runs only, as they last finished (the fast path)")
	source := fs.String("source", "auto", "where statistics come from: auto (the pre-aggregated tables if present), scan, or preaggregated")
	verify := fs.Bool("verify", false, "check the pre-aggregated tables against workflow_runs (and, with --tenant/--app, the app's statistics against the scan); exit 1 on any difference")
	rebuild := fs.Bool("rebuild", false, "recompute the pre-aggregated tables from workflow_runs, then verify them")
	compact := fs.Bool("compact", false, "fold the pending count changes into the pre-aggregated tables (writers do it now and then), then verify them")
	asJSON := fs.Bool("json", false, "print JSON instead of tables")
	tiers := addTierFlags(fs)
	if err := parse(fs, args); err != nil {
		return err
	}
	sources := map[string]repo.StatsSource{"auto": repo.StatsAuto, "scan": repo.StatsScan, "preaggregated": repo.StatsPreaggregated}
	src, ok := sources[*source]
	if !ok {
		fmt.Fprintf(a.stderr, "--source %q: want auto, scan or preaggregated\n", *source)
		fs.Usage()
		return errUsage
	}
	owner := tenant.set || appID.set
	if !*verify && !*rebuild && !*compact || owner {
		if err := a.requireOwner(fs, tenant, appID); err != nil {
			return err
		}
	}
	if err := a.atLeast(fs, bound{"days", *days, 1, "today alone is --days 1"}); err != nil {
		return err
	}
	if *days > maxDays {
		fmt.Fprintf(a.stderr, "--days %d: want at most %d\n", *days, maxDays)
		fs.Usage()
		return errUsage
	}
	loc, err := zoneFlag(*zone)
	if err != nil {
		return err
	}
	db, err := open(ctx, *dsn)
	if err != nil {
		return err
	}
	defer closeDB(db)
	from, to := lastDays(time.Now(), *days, loc)
	s := repo.Stats{TenantID: tenant.v, AppID: appID.v, From: from, To: to, Location: loc, FinishedOnly: *finished}
	if *verify || *rebuild || *compact {
		return a.verifyStats(ctx, db, *rebuild, *compact, owner, s)
	}
	opts, done, err := tiers.open(ctx)
	if err != nil {
		return err
	}
	defer done()
	v, err := collectStats(ctx, repo.NewRuns(db, append(opts, repo.WithStatsSource(src))...), s)
	if err != nil {
		return err
	}
	if *asJSON {
		return writeJSON(a.stdout, v)
	}
	printStats(a.stdout, v)
	return nil
}

// zoneFlag loads the --tz zone. Days are cut in a named IANA zone, so
// "Local", whose name says nothing of its offsets, is refused too.
func zoneFlag(name string) (*time.Location, error) {
	if name == "Local" {
		return nil, errors.New("--tz Local: name the zone, such as --tz Asia/Shanghai (the days are cut in an IANA zone, by name)")
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		// The cause repeats the name whole: it is not wrapped.
		return nil, fmt.Errorf("--tz %q: not a time zone this machine knows; want an IANA name such as Asia/Shanghai or UTC", echo(name))
	}
	return loc, nil
}

// errDiffer is what verify returns when it found a difference (already printed).
var errDiffer = errors.New("the pre-aggregated statistics differ from the scan")

// verifyStats rebuilds or compacts (when asked) and verifies the pre-aggregated tables;
// with an app, it also compares every statistic the console shows, exact
// and finished-only, between the tables and the scan.
func (a *app) verifyStats(ctx context.Context, db *gorm.DB, rebuild, compact, app bool, s repo.Stats) error {
	if compact && !rebuild { // a rebuild leaves no deltas
		start := time.Now()
		done, err := rollup.Compact(ctx, db)
		if err != nil {
			return err
		}
		if done {
			fmt.Fprintf(a.stdout, "folded the pending changes into the statistics tables in %s\n", time.Since(start).Round(time.Millisecond))
		} else {
			fmt.Fprintln(a.stdout, "another compaction is running; it folds the pending changes")
		}
	}
	if rebuild {
		start := time.Now()
		if err := rollup.Rebuild(ctx, db); err != nil {
			return err
		}
		fmt.Fprintf(a.stdout, "rebuilt the statistics tables from workflow_runs in %s\n", time.Since(start).Round(time.Millisecond))
	}
	d, err := rollup.Verify(ctx, db)
	if err != nil {
		return err
	}
	fmt.Fprintln(a.stdout, d)
	for _, e := range d.Examples {
		fmt.Fprintf(a.stdout, "  %s\n", e)
	}
	differ := !d.None()
	if app {
		agg := repo.NewRuns(db, repo.WithStatsSource(repo.StatsPreaggregated))
		scan := repo.NewRuns(db, repo.WithStatsSource(repo.StatsScan))
		for _, finished := range []bool{false, true} {
			s.FinishedOnly = finished
			got, err := collectStats(ctx, agg, s)
			if err != nil {
				return err
			}
			want, err := collectStats(ctx, scan, s)
			if err != nil {
				return err
			}
			gotJSON, _ := json.Marshal(got)
			wantJSON, _ := json.Marshal(want)
			if string(gotJSON) != string(wantJSON) {
				differ = true
				fmt.Fprintf(a.stdout, "app %s, %s: the pre-aggregated statistics differ from the scan\n  pre-aggregated %s\n  scan           %s\n", s.AppID, got.Mode, gotJSON, wantJSON)
			} else {
				fmt.Fprintf(a.stdout, "app %s, %s, %d days in %s: the pre-aggregated statistics match the scan\n", s.AppID, got.Mode, len(got.Days), got.Zone)
			}
		}
	}
	if differ {
		return errDiffer
	}
	return nil
}

// lastDays is what --days n means to every command: today so far and the
// n-1 days before it, cut in loc — from the start of the first day to now.
func lastDays(now time.Time, n int, loc *time.Location) (from, to time.Time) {
	t := now.In(loc)
	return time.Date(t.Year(), t.Month(), t.Day()-(n-1), 0, 0, 0, 0, loc), now
}

// collectStats asks every statistic of s and joins them by day.
func collectStats(ctx context.Context, runs *repo.Runs, s repo.Stats) (statsView, error) {
	v := statsView{Mode: "exact", Zone: s.Location.String()}
	if s.FinishedOnly {
		v.Mode = "finished runs only"
	}
	byStatus, err := runs.CountByStatus(ctx, repo.CountRuns{TenantID: s.TenantID, AppID: s.AppID, TriggeredFrom: s.TriggeredFrom, Since: s.From})
	if err != nil {
		return v, err
	}
	v.Statuses = statusView{Total: byStatus.Total, ByStatus: byStatus.ByStatus}
	byDay := map[string]*statsDay{}
	var order []string
	day := func(d string) *statsDay {
		if byDay[d] == nil {
			byDay[d] = &statsDay{Day: d}
			order = append(order, d)
		}
		return byDay[d]
	}
	counts := []struct {
		f    func(context.Context, repo.Stats) ([]repo.DailyCount, error)
		into func(*statsDay, int64)
	}{
		{runs.DailyRuns, func(d *statsDay, n int64) { d.Runs = n }},
		{runs.DailyTerminals, func(d *statsDay, n int64) { d.Users = n }},
		{runs.DailyTokenCosts, func(d *statsDay, n int64) { d.Tokens = n }},
	}
	for _, c := range counts {
		rows, err := c.f(ctx, s)
		if err != nil {
			return v, err
		}
		for _, r := range rows {
			c.into(day(r.Day), r.Count)
		}
	}
	avgs, err := runs.AverageInteractions(ctx, s)
	if err != nil {
		return v, err
	}
	for _, r := range avgs {
		day(r.Day).Interactions = r.Average
	}
	sort.Strings(order)
	for _, d := range order {
		v.Days = append(v.Days, *byDay[d])
	}
	return v, nil
}

func printStats(w io.Writer, v statsView) {
	fmt.Fprintf(w, "runs by current status: %d in all\n", v.Statuses.Total)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, s := range models.RunStatuses {
		if n, ok := v.Statuses.ByStatus[s]; ok {
			fmt.Fprintf(tw, "  %s\t%d\n", s, n)
		}
	}
	tw.Flush()
	fmt.Fprintf(w, "\ndaily, %s, days in %s:\n", v.Mode, v.Zone)
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "DAY\tRUNS\tUSERS\tTOKENS\tRUNS/USER\t")
	for _, d := range v.Days {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%.2f\t\n", d.Day, d.Runs, d.Users, d.Tokens, d.Interactions)
	}
	tw.Flush()
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func joinStatuses() string {
	var names []string
	for _, s := range models.RunStatuses {
		names = append(names, string(s))
	}
	return strings.Join(names, ",")
}

func splitList(s string) []string {
	var out []string
	for _, part := range strings.Split(s, ",") {
		if part = strings.TrimSpace(part); part != "" {
			out = append(out, part)
		}
	}
	return out
}
