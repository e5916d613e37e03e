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
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"gorm.io/gorm"

	"github.com/wflog/wflog"
	"github.com/wflog/wflog/dialect"
)

// defaultDSN is the local PostgreSQL of the test setup (DEVELOPERS.md).
const defaultDSN = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"

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
	}
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	a := &app{stdout: os.Stdout, stderr: os.Stderr, getenv: os.Getenv}
	os.Exit(a.main(ctx, os.Args[1:]))
}

// main runs one command and returns the exit status: 0 success, 1 failure,
// 2 bad usage.
func (a *app) main(ctx context.Context, args []string) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		a.usage(a.stdout)
		return 0
	}
	for _, c := range commands() {
		if c.name != args[0] {
			continue
		}
		err := c.run(ctx, a, args[1:])
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
	fmt.Fprintf(a.stderr, "wflog: unknown command %q\n\n", args[0])
	a.usage(a.stderr)
	return 2
}

func (a *app) usage(w io.Writer) {
	fmt.Fprint(w, `wflog stores workflow runs and node executions as append-only, versioned
rows on PostgreSQL or on Alibaba Cloud SLS LogStore, chosen by one DSN.

Usage: wflog <command> [flags]

Commands:
`)
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-9s %s\n", c.name, c.summary)
	}
	fmt.Fprintf(w, `
Every command takes --dsn (default $WFLOG_DSN, else %s):
  postgres://user:pass@host:5432/db?sslmode=disable
  logstore://AK_ID:AK_SECRET@cn-hangzhou.log.aliyuncs.com/PROJECT

Start with:   wflog demo
Then:         wflog <command> --help
`, defaultDSN)
}

var errUsage = errors.New("usage")

// flags returns a flag set for a command with --dsn, printing its usage
// on -h and on mistakes.
func (a *app) flags(name, synopsis string) (*flag.FlagSet, *string) {
	fs := flag.NewFlagSet("wflog "+name, flag.ContinueOnError)
	fs.SetOutput(a.stderr)
	dsn := a.getenv("WFLOG_DSN")
	if dsn == "" {
		dsn = defaultDSN
	}
	d := fs.String("dsn", dsn, "database to use: postgres://… or logstore://… (default $WFLOG_DSN)")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: wflog %s %s\n\nFlags:\n", name, synopsis)
		fs.PrintDefaults()
	}
	return fs, d
}

// parse parses args, turning a flag mistake into errUsage (the flag
// package has printed what was wrong).
func parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return errUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(fs.Output(), "unexpected argument %q\n", fs.Arg(0))
		fs.Usage()
		return errUsage
	}
	return nil
}

// open opens dsn and explains the usual reasons it fails.
func open(dsn string) (*gorm.DB, error) {
	db, err := wflog.Open(dsn)
	if err == nil {
		return db, nil
	}
	var op *net.OpError
	if errors.As(err, &op) || strings.Contains(err.Error(), "connection refused") || strings.Contains(err.Error(), "dial error") {
		return nil, fmt.Errorf("%w\n\nNo server answered at %s. Start the local PostgreSQL with\n  pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start\n(scripts/start-postgres installs one if there is none), or pass --dsn / set WFLOG_DSN to a server that runs", err, dialect.Redact(dsn))
	}
	return nil, err
}

// migrated opens dsn and creates wflog's tables if they are missing.
func migrated(ctx context.Context, dsn string) (*gorm.DB, error) {
	db, err := open(dsn)
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
