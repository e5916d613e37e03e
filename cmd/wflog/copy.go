package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"gorm.io/gorm"

	"github.com/wflog/wflog/internal/dialect"
	"github.com/wflog/wflog/transfer"
)

// timeFlag is a --since/--until bound: RFC 3339, or a day (UTC).
type timeFlag struct{ v time.Time }

func (f *timeFlag) String() string {
	if f.v.IsZero() {
		return ""
	}
	return f.v.Format(time.RFC3339Nano)
}

func (f *timeFlag) Set(s string) error {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			f.v = t.UTC()
			return nil
		}
	}
	return fmt.Errorf("not a time: %q (want 2026-11-30 or 2026-11-30T08:00:00Z)", s)
}

// moveFlags are what copy, import and verify share: two databases and the
// filters.
type moveFlags struct {
	from, to    *string
	tenant, app uuidFlag
	since       timeFlag
	until       timeFlag
}

func (a *app) moveFlags(name, synopsis, fromHelp string) (*flag.FlagSet, *moveFlags) {
	fs := flag.NewFlagSet("wflog "+name, flag.ContinueOnError)
	fs.SetOutput(&usageOutput{stdout: a.stdout, stderr: a.stderr})
	m := &moveFlags{}
	m.from = fs.String("from", "", fromHelp)
	m.to = fs.String("to", "", "the wflog database to write to or compare with: postgres://… or logstore://… (required)")
	fs.Var(&m.tenant, "tenant", "only this tenant's rows")
	fs.Var(&m.app, "app", "only this app's rows")
	fs.Var(&m.since, "since", "only rows created at or after this time (2026-11-30 or RFC 3339; UTC)")
	fs.Var(&m.until, "until", "only rows created before this time")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: wflog %s %s\n\nFlags:\n", name, synopsis)
		fs.PrintDefaults()
	}
	return fs, m
}

// start parses args, checks that --from and --to are given, and opens both
// databases, --to migrated first when it is written to. done closes both.
func (m *moveFlags) start(ctx context.Context, a *app, fs *flag.FlagSet, args []string, writeTo bool) (from, to *gorm.DB, done func(), err error) {
	if err := parse(fs, args); err != nil {
		return nil, nil, nil, err
	}
	if *m.from == "" || *m.to == "" {
		fmt.Fprintln(a.stderr, "--from and --to are required")
		fs.Usage()
		return nil, nil, nil, errUsage
	}
	if from, err = open(ctx, *m.from); err != nil {
		return nil, nil, nil, err
	}
	openTo := open
	if writeTo {
		openTo = migrated
	}
	if to, err = openTo(ctx, *m.to); err != nil {
		closeDB(from)
		return nil, nil, nil, err
	}
	return from, to, func() { closeDB(to); closeDB(from) }, nil
}

// writeFlags are the flags copy and import add to moveFlags.
type writeFlags struct {
	state        *string
	page         *int
	verify, skip *bool
}

// addWriteFlags declares writeFlags in fs; what names the command in their
// help ("copy"), aWhat with its article ("a copy").
func addWriteFlags(fs *flag.FlagSet, what, aWhat, pageHelp, skipCost string) writeFlags {
	return writeFlags{
		state:  fs.String("state", "", "checkpoint file: the "+what+" saves its progress there and resumes from it when run again"),
		page:   fs.Int("page", 0, pageHelp),
		verify: fs.Bool("verify", false, "run verify on the same rows when the "+what+" is done"),
		skip:   fs.Bool("skip-existing", false, "into LogStore: leave out the versions it already holds ("+skipCost+"), so that "+aWhat+" can run again"),
	}
}

// stopped passes a copy's or an import's error on, first saying on stdout
// how to resume when there is a state file: a signal's exit replaces the
// error's text.
func (w writeFlags) stopped(a *app, err error) error {
	if err != nil && *w.state != "" {
		fmt.Fprintf(a.stdout, "stopped: run the same command again to resume from %s\n", *w.state)
	}
	return err
}

// ttlNotice prints ttlNote when to stamps rows with their arrival.
func ttlNotice(a *app, to *gorm.DB) {
	if dialect.Of(to).Has(dialect.ArrivalTime) {
		fmt.Fprintln(a.stdout, ttlNote)
	}
}

func (m *moveFlags) filter() transfer.Filter {
	return transfer.Filter{TenantID: m.tenant.v, AppID: m.app.v, Since: m.since.v, Until: m.until.v}
}

// transferBar draws a Copy's or an Import's progress with progress.go's
// bar: rows/s and ETA of this run, past a resumed run's rows.
type transferBar struct {
	w     io.Writer
	bar   *progress
	shown int64
}

func (b *transferBar) update(p transfer.Progress) {
	if b.bar == nil {
		b.bar = newProgress(b.w, p.Total-p.Before, "rows")
	}
	done := p.Rows - p.Before
	b.bar.add(done - b.shown)
	b.shown = done
}

func (b *transferBar) finish() {
	if b.bar != nil {
		b.bar.finish()
	}
}

const ttlNote = "note: LogStore gives every row it receives a new __time__, so the rows copied there count their TTL from now, not from their created_at"

func runCopy(ctx context.Context, a *app, args []string) error {
	fs, m := a.moveFlags("copy", "--from DSN --to DSN [--tenant T] [--app A] [--since t] [--until t] [--state FILE] [--skip-existing] [--verify]",
		"the wflog database to read: postgres://… or logstore://… (required)")
	w := addWriteFlags(fs, "copy", "a copy", "rows per page (default 5000; at most 10000 with LogStore)", "one extra read per page")
	from, to, done, err := m.start(ctx, a, fs, args, true)
	if err != nil {
		return err
	}
	defer done()
	fmt.Fprintf(a.stdout, "copying every version from %s (%s) to %s (%s)\n", dialect.Redact(*m.from), dialect.Of(from).Backend(), dialect.Redact(*m.to), dialect.Of(to).Backend())
	ttlNotice(a, to)
	bar := &transferBar{w: a.stdout}
	start := time.Now()
	res, err := transfer.Copy(ctx, from, to, transfer.Options{Filter: m.filter(), StateFile: *w.state, PageSize: *w.page, SkipExisting: *w.skip, Progress: bar.update})
	bar.finish()
	if res.Resumed {
		fmt.Fprintf(a.stdout, "resumed from %s\n", *w.state)
	}
	printCopied(a.stdout, res.Runs, res.NodeExecutions, bar.shown, time.Since(start))
	if err != nil {
		return w.stopped(a, err)
	}
	if *w.state != "" {
		fmt.Fprintf(a.stdout, "the copy is complete: %s says so, and running it again does nothing; delete it to copy again\n", *w.state)
	}
	if !*w.verify {
		return nil
	}
	return a.verify(ctx, from, to, transfer.VerifyOptions{Filter: m.filter()})
}

// printCopied prints what each table's rows became (over every run of a
// resumed copy) and this run's rate.
func printCopied(w io.Writer, runs, nodes transfer.TableResult, readNow int64, elapsed time.Duration) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "table\tread\twritten\talready there\trejected")
	for _, r := range []struct {
		name string
		res  transfer.TableResult
	}{{transfer.Runs, runs}, {transfer.NodeExecutions, nodes}} {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\n", r.name, r.res.Read, r.res.Written, r.res.Skipped(), r.res.Rejected)
	}
	_ = tw.Flush()
	fmt.Fprintf(w, "this run read %d rows in %s", readNow, elapsed.Round(time.Millisecond))
	if s := elapsed.Seconds(); s > 0 {
		fmt.Fprintf(w, " (%.0f rows/s)", float64(readNow)/s)
	}
	fmt.Fprintln(w)
}

var errDifferences = errors.New("the two sides differ")

func runVerify(ctx context.Context, a *app, args []string) error {
	fs, m := a.moveFlags("verify", "--from DSN --to DSN [--tenant T] [--app A] [--since t] [--until t]",
		"the database the rows came from: a wflog database, or Dify's own tables (postgres://…, logstore://…) (required)")
	from, to, done, err := m.start(ctx, a, fs, args, false)
	if err != nil {
		return err
	}
	defer done()
	opts := transfer.VerifyOptions{Filter: m.filter()}
	if dialect.Of(from).Has(dialect.InformationSchema) && transfer.CheckDify(from.WithContext(ctx)) == nil {
		opts.FromDify = true
		fmt.Fprintln(a.stdout, "the source holds Dify's own tables: each row counts as the version wflog import gives it")
	}
	return a.verify(ctx, from, to, opts)
}

// verify runs transfer.Verify and prints its table of differences.
func (a *app) verify(ctx context.Context, from, to *gorm.DB, opts transfer.VerifyOptions) error {
	rep, err := transfer.Verify(ctx, from, to, opts)
	if err != nil {
		return err
	}
	var runs, nodes, runIDs, nodeIDs int64
	for _, d := range rep.From[transfer.Runs] {
		runs, runIDs = runs+d.Versions, runIDs+d.IDs
	}
	for _, d := range rep.From[transfer.NodeExecutions] {
		nodes, nodeIDs = nodes+d.Versions, nodeIDs+d.IDs
	}
	switch {
	case rep.OK() && opts.FromDify:
		fmt.Fprintf(a.stdout, "verified %d days: both sides hold the same %d runs and %d node executions (current statuses, tokens, max versions agree)\n",
			len(rep.Days), runIDs, nodeIDs)
		return nil
	case rep.OK():
		fmt.Fprintf(a.stdout, "verified %d days: both sides hold the same %d run versions and %d node-execution versions (ids, statuses, tokens, max versions agree)\n",
			len(rep.Days), runs, nodes)
		return nil
	}
	tw := tabwriter.NewWriter(a.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "day\ttable\tmeasure\tfrom\tto")
	for _, d := range rep.Differences {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%d\n", d.Day, d.Table, d.Measure, d.From, d.To)
	}
	_ = tw.Flush()
	return fmt.Errorf("%w on %d measures over %d days (table above)", errDifferences, len(rep.Differences), len(rep.Days))
}
