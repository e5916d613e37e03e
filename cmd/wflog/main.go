// Command wflog stores and inspects AI-workflow execution logs with the
// wflog library: it migrates a database, writes a demo or a synthetic load,
// shows an app's runs and statistics, and benchmarks the library against
// the window-function baseline.
//
//	wflog demo                          # the first command to run
//	wflog migrate --dsn logstore://…
//	wflog simulate --runs 100000 --versions 3 --apps 20
//	wflog runs  --tenant T --app A
//	wflog stats --tenant T --app A --tz Asia/Shanghai
//	wflog stats --verify   # the pre-aggregated statistics against workflow_runs
//	wflog bench --runs 1000000 --markdown docs/bench.md
//	wflog import --from postgres://…/dify --to logstore://…
//	wflog copy   --from postgres://… --to logstore://… --state copy.state --verify
//	wflog verify --from postgres://… --to logstore://…
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"unicode/utf8"

	"gorm.io/gorm"

	"github.com/wflog/wflog"
	"github.com/wflog/wflog/internal/dialect"
)

// defaultDSN is where every command works without --dsn or $WFLOG_DSN:
// one SQLite file, wflog/wflog.db in the user's configuration directory
// (os.UserConfigDir: $XDG_CONFIG_HOME or ~/.config on Linux, ~/Library/
// Application Support on macOS, %AppData% on Windows — the directory that
// persists, unlike the cache directory), so that wflog demo runs on a
// machine with nothing but Go. path is "" when the user has no such
// directory; the DSN then says so when opened.
func defaultDSN() (dsn, path string) {
	dir, err := os.UserConfigDir()
	if err != nil {
		return "sqlite://(no user configuration directory: pass --dsn)", ""
	}
	path = filepath.Join(dir, "wflog", "wflog.db")
	return "sqlite://" + path, path
}

type command struct {
	name    string
	summary string
	run     func(ctx context.Context, a *app, args []string) error
}

// app is what every command shares: where it writes, and the DSN default.
type app struct {
	stdout, stderr io.Writer
	getenv         func(string) string
}

func commands() []command {
	return []command{
		{"demo", "write a small realistic workload and show what a console shows", runDemo},
		{"migrate", "create wflog's tables on the DSN's backend", runMigrate},
		{"simulate", "write synthetic load at scale, with a progress bar", runSimulate},
		{"runs", "list an app's runs, newest first", runRuns},
		{"stats", "show an app's daily statistics and status counts", runStats},
		{"bench", "measure the library against the window-function baseline", runBench},
		{"import", "import Dify's own workflow tables into wflog's, on any backend", runImport},
		{"copy", "copy every version between two wflog databases (resumable)", runCopy},
		{"verify", "compare two databases' workflow logs day by day", runVerify},
		{"logstore-index", "print the SLS field indexes wflog's logstores need", runLogStoreIndex},
		{"check", "probe a LogStore's field indexes (typeof, count) and say what to fix", runCheck},
	}
}

func main() {
	ctx, stop := notifyContext(os.Stderr)
	defer stop()
	a := &app{stdout: os.Stdout, stderr: os.Stderr, getenv: os.Getenv}
	code := a.main(ctx, os.Args[1:])
	stop()
	os.Exit(code)
}

// interrupted is the cause of a context cancelled by a signal.
type interrupted struct{ sig os.Signal }

func (i interrupted) Error() string { return "interrupted by " + signalName(i.sig) }

// exitCode is the shell's convention for a process ended by a signal.
func (i interrupted) exitCode() int {
	if s, ok := i.sig.(syscall.Signal); ok {
		return 128 + int(s)
	}
	return 1
}

func signalName(sig os.Signal) string {
	switch sig {
	case os.Interrupt:
		return "SIGINT"
	case syscall.SIGTERM:
		return "SIGTERM"
	case syscall.SIGHUP:
		return "SIGHUP"
	case syscall.SIGPIPE:
		return "SIGPIPE"
	}
	return sig.String()
}

// notifyContext returns a context cancelled, with an interrupted cause, by
// the first SIGINT, SIGTERM, SIGHUP or SIGPIPE; every command's I/O runs on
// it, so the command stops promptly and cleans up (demo drops its
// emulator's schema). SIGPIPE is the output's reader gone (wflog … | head):
// without it a write would kill the process before any cleanup. A second
// SIGINT or SIGTERM ends the process at once; more SIGPIPEs, which every
// further write to the closed pipe sends, do not.
func notifyContext(stderr io.Writer) (context.Context, func()) {
	ctx, cancel := context.WithCancelCause(context.Background())
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGPIPE)
	done := make(chan struct{})
	go func() {
		var first os.Signal
		select {
		case first = <-sigs:
		case <-done:
			return
		}
		cancel(interrupted{first})
		for {
			select {
			case sig := <-sigs:
				if sig == syscall.SIGPIPE || sig == syscall.SIGHUP {
					continue
				}
				fmt.Fprintf(stderr, "wflog: %s again: exiting now\n", signalName(sig))
				os.Exit(interrupted{first}.exitCode())
			case <-done:
				return
			}
		}
	}()
	var once sync.Once
	return ctx, func() {
		once.Do(func() {
			signal.Stop(sigs)
			close(done)
			cancel(nil)
		})
	}
}

// main runs one command and returns the exit status: 0 success, 1 failure,
// 2 bad usage, 128+n when signal n stopped it (130 for Ctrl-C, 143 for
// SIGTERM).
func (a *app) main(ctx context.Context, args []string) int {
	args, code, done := a.route(args)
	if done {
		return code
	}
	for _, c := range commands() {
		if c.name != args[0] {
			continue
		}
		err := c.run(ctx, a, args[1:])
		// A command stopped by a signal failed, whatever it returned:
		// its work is not done.
		var sig interrupted
		if errors.As(context.Cause(ctx), &sig) {
			fmt.Fprintf(a.stderr, "wflog %s: %v: stopped before finishing\n", c.name, sig)
			return sig.exitCode()
		}
		switch {
		case err == nil:
			return 0
		case errors.Is(err, flag.ErrHelp):
			return 0
		case errors.Is(err, errUsage):
			return 2
		}
		fmt.Fprintf(a.stderr, "wflog %s: %v\n", c.name, err)
		return 1
	}
	fmt.Fprintf(a.stderr, "wflog: unknown command %q\n\n", echo(args[0]))
	a.usage(a.stderr)
	return 2
}

func (a *app) usage(w io.Writer) {
	fmt.Fprint(w, `wflog stores workflow runs and node executions as append-only, versioned
rows on PostgreSQL, on Alibaba Cloud SLS LogStore or in embedded SQLite,
chosen by one DSN.

Usage: wflog [--dsn DSN] <command> [flags]

Commands:
`)
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-14s %s\n", c.name, c.summary)
	}
	def, _ := defaultDSN()
	fmt.Fprintf(w, `
Every command takes --dsn, before or after its name (default $WFLOG_DSN,
else the embedded %s), except import, copy and verify, which take --from
and --to:
  postgres://user:pass@host:5432/db?sslmode=disable
  'host=db user=u password=pass dbname=app sslmode=disable'
  logstore://AK_ID:AK_SECRET@cn-hangzhou.log.aliyuncs.com/PROJECT
  sqlite:///path/to/wflog.db

Start with:   wflog demo
Then:         wflog help <command>   (or wflog <command> --help)
`, def)
}

var errUsage = errors.New("usage")

// flags returns a flag set for a command with --dsn, printing its usage
// on -h and on mistakes.
func (a *app) flags(name, synopsis string) (*flag.FlagSet, *string) {
	fs := flag.NewFlagSet("wflog "+name, flag.ContinueOnError)
	fs.SetOutput(&usageOutput{stdout: a.stdout, stderr: a.stderr})
	dsn := a.getenv("WFLOG_DSN")
	def, _ := defaultDSN()
	if dsn == "" {
		dsn = def
	}
	// The flag package prints a default with its String method: this one
	// shows $WFLOG_DSN with the secret redacted.
	d := &dsn
	fs.Var(dsnValue{d}, "dsn", "database to use: postgres://…, logstore://… or sqlite://… (default $WFLOG_DSN, else "+def+")")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: wflog %s %s\n\nFlags:\n", name, synopsis)
		fs.PrintDefaults()
	}
	return fs, d
}

// dsnValue is the --dsn flag: a string whose printed form is redacted.
type dsnValue struct{ p *string }

func (v dsnValue) String() string {
	if v.p == nil {
		return ""
	}
	return dialect.Redact(*v.p)
}

func (v dsnValue) Set(s string) error {
	*v.p = s
	return nil
}

// parse parses args, turning a flag mistake into errUsage (the flag
// package has printed what was wrong, and the usage follows on stderr);
// --help prints the usage on stdout and returns flag.ErrHelp.
func parse(fs *flag.FlagSet, args []string) error {
	usage, out := fs.Usage, fs.Output()
	help := false
	fs.Usage = func() { help = true }
	// The flag package prints its error with the value and flag name
	// whole: it is printed here instead, shortened.
	fs.SetOutput(io.Discard)
	err := fs.Parse(args)
	fs.Usage = usage
	fs.SetOutput(out)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			printHelp(fs)
			return err
		}
		fmt.Fprintln(out, shorten(err.Error()))
		if strings.HasSuffix(err.Error(), "flag provided but not defined: -dsn") {
			fmt.Fprintf(fs.Output(), "%s takes no --dsn, before or after its name: its databases are flags of their own, below\n", fs.Name())
		}
		if help {
			fs.Usage()
		}
		return errUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(fs.Output(), "unexpected argument %q\n", echo(fs.Arg(0)))
		fs.Usage()
		return errUsage
	}
	return nil
}

// maxEcho is how many bytes of one value the user gave an error repeats:
// enough to recognise it, and a 100 KB argument is not printed back whole.
const maxEcho = 100

// echo shortens s, user input repeated in an error, to maxEcho bytes.
func echo(s string) string { return cut(s, maxEcho) }

// cut shortens s to n bytes (on a UTF-8 boundary), saying how long it was.
func cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return fmt.Sprintf("%s…(%d bytes)", s[:n], len(s))
}

// quotedOrWord is a Go-quoted string (as %q prints one) or a run of other
// non-space bytes.
var quotedOrWord = regexp.MustCompile(`"(?:[^"\\]|\\.)*"|[^\s"]+`)

// shorten bounds an error message that repeats user input without our
// echo, such as the flag package's: every quoted value and every word
// longer than an echo is shortened to one, and what remains is cut at eight
// times that.
func shorten(msg string) string {
	msg = quotedOrWord.ReplaceAllStringFunc(msg, func(w string) string {
		if len(w) <= 2*maxEcho { // as long as an echo, or shorter
			return w
		}
		if s, err := strconv.Unquote(w); err == nil && w[0] == '"' {
			return strconv.Quote(echo(s))
		}
		return echo(w)
	})
	return cut(msg, 8*maxEcho)
}

// open opens dsn, bounded by ctx, and explains the usual reasons it fails.
// The default SQLite file's directory is created, and its path printed on
// stderr, so that where the rows went is never a guess.
func open(ctx context.Context, dsn string) (*gorm.DB, error) {
	if def, path := defaultDSN(); dsn == def && path != "" {
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return nil, fmt.Errorf("creating the directory of the default database: %w", err)
		}
		fmt.Fprintf(os.Stderr, "using %s (the default without --dsn or $WFLOG_DSN)\n", path)
	}
	db, err := wflog.OpenContext(ctx, dsn)
	if err == nil {
		return db, nil
	}
	return nil, explainOpen(dsn, err)
}

// migrated opens dsn and creates wflog's tables if they are missing.
func migrated(ctx context.Context, dsn string) (*gorm.DB, error) {
	db, err := open(ctx, dsn)
	if err != nil {
		return nil, err
	}
	if err := wflog.Migrate(ctx, db); err != nil {
		closeDB(db)
		return nil, err
	}
	return db, nil
}

func closeDB(db *gorm.DB) {
	if s, err := db.DB(); err == nil {
		_ = s.Close()
	}
}

func runMigrate(ctx context.Context, a *app, args []string) error {
	fs, dsn := a.flags("migrate", "[--dsn DSN]")
	if err := parse(fs, args); err != nil {
		return err
	}
	db, err := migrated(ctx, *dsn)
	if err != nil {
		return err
	}
	defer closeDB(db)
	fmt.Fprintf(a.stdout, "migrated %s (%s)\n", dialect.Redact(*dsn), dialect.Of(db).Backend())
	return nil
}
