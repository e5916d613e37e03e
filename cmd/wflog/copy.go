package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/jackc/pgx/v5"
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
	m.to = fs.String("to", "", "the wflog database to write to or compare with: postgres://…, logstore://… or sqlite://PATH (required)")
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

// start parses args, checks that --from and --to are given, runs check
// (when not nil) on the flags, and opens both databases, --to migrated
// first when it is written to. done closes both. A SQLite file that is only
// read must exist: opening it would create an empty one.
func (m *moveFlags) start(ctx context.Context, a *app, fs *flag.FlagSet, args []string, writeTo bool, check func() error) (from, to *gorm.DB, done func(), err error) {
	if err := parse(fs, args); err != nil {
		return nil, nil, nil, err
	}
	if *m.from == "" || *m.to == "" {
		fmt.Fprintln(a.stderr, "--from and --to are required")
		fs.Usage()
		return nil, nil, nil, errUsage
	}
	if check != nil {
		if err := check(); err != nil {
			return nil, nil, nil, err
		}
	}
	read := []struct{ flag, dsn string }{{"--from", *m.from}}
	if !writeTo {
		read = append(read, struct{ flag, dsn string }{"--to", *m.to})
	}
	for _, r := range read {
		if err := sqliteExists(r.flag, r.dsn); err != nil {
			return nil, nil, nil, err
		}
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

// sqliteExists returns an error when dsn names a SQLite file that does not
// exist: flag names the flag that gave it.
func sqliteExists(flag, dsn string) error {
	cfg, err := dialect.Parse(dsn)
	if err != nil || cfg.Backend != dialect.SQLite || cfg.Path == dialect.SQLiteMemory {
		return nil // open reports a bad DSN
	}
	if _, err := os.Stat(cfg.Path); errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("%s %s: there is no such file (it is only read, so it is not created): check the path", flag, dialect.Redact(dsn))
	}
	return nil
}

// checkPage returns an error when page is more rows than one of dsns'
// backends reads per query (LogStore's 10,000), before anything is opened.
func (a *app) checkPage(page int, dsns ...string) error {
	if page < 0 {
		fmt.Fprintf(a.stderr, "--page %d: want at least 1 (0: the default)\n", page)
		return errUsage
	}
	for _, dsn := range dsns {
		cfg, err := dialect.Parse(dsn)
		if err != nil {
			continue // open reports it
		}
		d := dialect.New(cfg)
		if limit := d.MaxPageRows(); limit > 0 && page > limit {
			fmt.Fprintf(a.stderr, "--page %d: %s pages at most %d rows per query\n", page, d.Backend(), limit)
			return errUsage
		}
	}
	return nil
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
// how to finish it: a signal's exit replaces the error's text. With a
// state file the same command resumes; without one, a target with keys
// skips what it holds, and one without (LogStore) needs --skip-existing,
// or it would take the rows already written a second time. A state file
// that was refused cannot be resumed from: then the error alone says why.
func (w writeFlags) stopped(a *app, to *gorm.DB, err error) error {
	switch d := dialect.Of(to); {
	case err == nil || errors.Is(err, transfer.ErrStateMismatch):
	case *w.state != "":
		fmt.Fprintf(a.stdout, "stopped: run the same command again to resume from %s\n", *w.state)
	case d.Has(dialect.Keys) || *w.skip:
		fmt.Fprintln(a.stdout, "stopped: run the same command again to finish: the rows already there are skipped (with --state FILE, a run resumes without reading them again)")
	default:
		fmt.Fprintf(a.stdout, "stopped: run the same command again with --skip-existing to finish: %s has no keys, so without it the rows already written would be written a second time\n", d.Backend())
	}
	return err
}

// ttlNotice prints ttlNote when to stamps rows with their arrival.
func ttlNotice(a *app, to *gorm.DB) {
	if dialect.Of(to).Has(dialect.ArrivalTime) {
		fmt.Fprintln(a.stdout, ttlNote)
	}
}

// sides names --from and --to as the state file records them (see
// stateName).
func (m *moveFlags) sides() (from, to string) { return stateName(*m.from), stateName(*m.to) }

// stateName is what a state file records of a DSN, to refuse resuming
// against another database: the backend's scheme, user, host, port,
// database and search_path, or SQLite's file as an absolute path — never a
// password, and not the parameters (batch=, max_conns=, sslmode=) a resumed
// run may change.
func stateName(dsn string) string {
	cfg, err := dialect.Parse(dsn)
	if err != nil {
		return dialect.Redact(dsn)
	}
	if cfg.Backend == dialect.SQLite {
		path := cfg.Path
		if abs, err := filepath.Abs(path); err == nil && path != dialect.SQLiteMemory {
			path = abs
		}
		return dialect.Redact("sqlite://" + path)
	}
	pc, err := pgx.ParseConfig(cfg.ConnString)
	if err != nil {
		return dialect.Redact(dsn)
	}
	scheme := "postgres"
	if cfg.Backend == dialect.LogStore {
		scheme = "logstore"
	}
	name := fmt.Sprintf("%s://%s@%s/%s", scheme, pc.User, net.JoinHostPort(pc.Host, strconv.Itoa(int(pc.Port))), pc.Database)
	if sp := pc.RuntimeParams["search_path"]; sp != "" {
		name += "?search_path=" + sp
	}
	return name
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
		"the wflog database to read: postgres://…, logstore://… or sqlite://PATH (required)")
	w := addWriteFlags(fs, "copy", "a copy", "rows per page (default 5000; at most 10000 with LogStore)", "one extra read per page")
	from, to, done, err := m.start(ctx, a, fs, args, true, func() error { return a.checkPage(*w.page, *m.from, *m.to) })
	if err != nil {
		return err
	}
	defer done()
	fmt.Fprintf(a.stdout, "copying every version from %s (%s) to %s (%s)\n", dialect.Redact(*m.from), dialect.Of(from).Backend(), dialect.Redact(*m.to), dialect.Of(to).Backend())
	ttlNotice(a, to)
	bar := &transferBar{w: a.stdout}
	start := time.Now()
	source, target := m.sides()
	res, err := transfer.Copy(ctx, from, to, transfer.Options{Filter: m.filter(), StateFile: *w.state, Source: source, Target: target,
		PageSize: *w.page, SkipExisting: *w.skip, Progress: bar.update})
	bar.finish()
	if res.Resumed {
		fmt.Fprintf(a.stdout, "resumed from %s: the table counts the rows of every run since the first; \"this run read\" counts this one's\n", *w.state)
	}
	if !errors.Is(err, transfer.ErrStateMismatch) { // else nothing was read: no table of zeros
		printCopied(a.stdout, res.Runs, res.NodeExecutions, bar.shown, time.Since(start))
	}
	if err != nil {
		return w.stopped(a, to, err)
	}
	if *w.state != "" {
		fmt.Fprintf(a.stdout, "the copy is complete: %s says so, and running it again does nothing; delete it to copy again\n", *w.state)
	}
	if !*w.verify {
		return nil
	}
	return a.verifyWritten(ctx, from, to, transfer.VerifyOptions{Filter: m.filter()}, time.Now())
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
		"the database the rows came from: a wflog database (postgres://…, logstore://…, sqlite://PATH), or Dify's own tables on PostgreSQL (required)")
	from, to, done, err := m.start(ctx, a, fs, args, false, nil)
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
	return a.printVerified(rep, opts)
}

// verifyTries bounds how many times verifyWritten reads both sides.
const verifyTries = 3

// verifyWritten is verify right after a copy or an import whose last write
// returned at wrote. A side without read-your-writes (LogStore shows a
// write up to logStoreVisibilityDelay later) would look short of the last
// pages: verifyWritten first waits out that delay, saying so on stderr, and
// when the sides still differ reads them again after another delay, until
// two reads agree or verifyTries reads were made.
func (a *app) verifyWritten(ctx context.Context, from, to *gorm.DB, opts transfer.VerifyOptions, wrote time.Time) error {
	late := lateSide(from, to)
	if late == "" {
		return a.verify(ctx, from, to, opts)
	}
	var prev []transfer.Difference
	for try := 1; ; try++ {
		if wait := time.Until(wrote.Add(logStoreVisibilityDelay)); wait > 0 {
			fmt.Fprintf(a.stderr, "waiting %s before verifying: %s shows a write up to %s after it returns\n",
				wait.Round(100*time.Millisecond), late, logStoreVisibilityDelay)
			if err := sleep(ctx, wait); err != nil {
				return err
			}
		}
		rep, err := transfer.Verify(ctx, from, to, opts)
		if err != nil {
			return err
		}
		if rep.OK() || try == verifyTries || (try > 1 && slices.Equal(prev, rep.Differences)) {
			return a.printVerified(rep, opts)
		}
		fmt.Fprintf(a.stderr, "the two sides differ on %d measures: reading them again, in case %s has not shown every write yet\n", len(rep.Differences), late)
		prev, wrote = rep.Differences, time.Now()
	}
}

// lateSide names the backend of from or to that shows writes late (no
// dialect.ReadsOwnWrites), or "" when both show them at once.
func lateSide(from, to *gorm.DB) string {
	for _, db := range []*gorm.DB{to, from} {
		if d := dialect.Of(db); !d.Has(dialect.ReadsOwnWrites) {
			return d.Backend().String()
		}
	}
	return ""
}

// sleep waits for d, or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return context.Cause(ctx)
	}
}

// errNothingMatched is verify's error when neither side holds a row the
// filters select: a mistyped --app must not read as "safe to switch".
var errNothingMatched = errors.New("nothing to verify")

// printVerified prints what Verify found: one line when the sides agree,
// else a table of the differences.
func (a *app) printVerified(rep transfer.Report, opts transfer.VerifyOptions) error {
	if len(rep.Days) == 0 {
		if f := opts.Filter.String(); f != "no filters" {
			return fmt.Errorf("%w: nothing matched the filters %s on either side: check them (an --app or --tenant that does not exist selects nothing)", errNothingMatched, f)
		}
		return fmt.Errorf("%w: neither side holds a workflow run or a node execution", errNothingMatched)
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
		fmt.Fprintf(a.stdout, "verified %s: both sides hold the same %d runs and %d node executions (current statuses, tokens, max versions agree)\n",
			days(len(rep.Days)), runIDs, nodeIDs)
		return nil
	case rep.OK():
		fmt.Fprintf(a.stdout, "verified %s: both sides hold the same %d run versions and %d node-execution versions (ids, statuses, tokens, max versions agree)\n",
			days(len(rep.Days)), runs, nodes)
		return nil
	}
	tw := tabwriter.NewWriter(a.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "day\ttable\tmeasure\tfrom\tto")
	for _, d := range rep.Differences {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%d\n", d.Day, d.Table, d.Measure, d.From, d.To)
	}
	_ = tw.Flush()
	return fmt.Errorf("%w on %d measures over %s (table above)", errDifferences, len(rep.Differences), days(len(rep.Days)))
}

// days is "1 day" or "n days".
func days(n int) string {
	if n == 1 {
		return "1 day"
	}
	return strconv.Itoa(n) + " days"
}
