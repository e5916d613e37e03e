// Command logstore-emulator serves an emulation of Alibaba Cloud SLS
// LogStore's PostgreSQL-protocol endpoint in front of a local PostgreSQL, so
// that psql, pgx or any PostgreSQL client can be tried against LogStore's
// documented rules: simple queries only, INSERT-only writes, LIMIT offset,
// count paging, a silent 100-row cap, a silent 15-minute time window and
// more. See docs/emulator.md.
//
// Usage:
//
//	go run ./cmd/logstore-emulator --backend postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable
//	psql "postgresql://test-access-key-id:test-access-key-secret@127.0.0.1:5433/wflog?sslmode=disable"
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/wflog/wflog/logstoretest"
)

func main() {
	// SIGPIPE too: with its output piped into a reader that has gone
	// (logstore-emulator | head), the next write would otherwise kill the
	// process before it drops its schema. SIGHUP: the terminal went away.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM, syscall.SIGPIPE, syscall.SIGHUP)
	defer stop()
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
	case errors.Is(err, errUsage):
		os.Exit(2)
	default:
		fmt.Fprintln(os.Stderr, "logstore-emulator:", err)
		os.Exit(1)
	}
}

// errUsage marks a command-line error the flag package has already reported.
var errUsage = errors.New("usage error")

// startPostgres tells a newcomer how to start the local PostgreSQL.
const startPostgres = "pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start"

// parseFlags turns the command line into a Config. Usage and flag errors go
// to stderr; it returns flag.ErrHelp for --help and errUsage for a bad flag.
func parseFlags(args []string, getenv func(string) string, stderr io.Writer) (logstoretest.Config, error) {
	backend := getenv(logstoretest.BackendEnv)
	if backend == "" {
		backend = logstoretest.DefaultBackend
	}
	cfg := logstoretest.Config{}
	fs := flag.NewFlagSet("logstore-emulator", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&cfg.Listen, "listen", "127.0.0.1:5433", "`address` to listen on")
	fs.StringVar(&cfg.Backend, "backend", backend, "PostgreSQL `DSN` that stores the data; $"+logstoretest.BackendEnv+", if set, is the default")
	fs.StringVar(&cfg.AccessKeyID, "access-key-id", logstoretest.DefaultAccessKeyID, "AccessKeyID clients must give as the user `name`")
	fs.StringVar(&cfg.AccessKeySecret, "access-key-secret", logstoretest.DefaultAccessKeySecret, "AccessKeySecret clients must give as the `password`")
	fs.StringVar(&cfg.Project, "project", logstoretest.DefaultProject, "SLS project `name` clients must give as the database")
	fs.DurationVar(&cfg.Window, "window", logstoretest.DefaultWindow, "how far back a query that never mentions __time__ can see (rule time-window)")
	fs.IntVar(&cfg.RowCap, "row-cap", logstoretest.DefaultRowCap, "`rows` a top-level SELECT without LIMIT returns at most (rule row-cap)")
	fs.DurationVar(&cfg.VisibilityDelay, "visibility-delay", 0, "hide rows younger than this `duration` from every query, like LogStore's indexing delay (0: off)")
	fs.Func("relax", "comma-separated `rules` to switch off, e.g. row-cap,time-window (rules: "+strings.Join(logstoretest.RuleNames()[1:], ", ")+")", func(s string) error {
		r, err := logstoretest.ParseRule(s)
		cfg.Relax |= r
		return err
	})
	fs.Func("index-config", "JSON `file` of each logstore's SLS field index, {logstore: {\"keys\": …, \"max_text_len\": …}} as `wflog logstore-index --json` prints it; typed columns follow it (rule text-storage). Default: wflog's", func(path string) error {
		ix, err := logstoretest.ReadIndexes(path)
		if err != nil {
			return err
		}
		cfg.Indexes = ix
		return nil
	})
	selfSigned := fs.Bool("tls-self-signed", false, "offer TLS with a fresh self-signed certificate (clients connect with sslmode=require)")
	fs.BoolVar(&cfg.RequireTLS, "require-tls", false, "refuse plaintext connections (needs --tls-self-signed)")
	verbose := fs.Bool("verbose", false, "log to stderr refused statements, connection errors, and the rows the time window hid from each read that does not mention __time__")
	fs.Usage = func() {
		fmt.Fprintf(stderr, `logstore-emulator serves Alibaba Cloud SLS LogStore's PostgreSQL protocol in
front of a local PostgreSQL and enforces LogStore's documented rules, so a
client's mistakes (prepared statements, LIMIT … OFFSET, queries that forget
__time__, a missing LIMIT) fail loudly or show up as missing rows, as they
would on LogStore. It is a test double, not a claim that SLS behaves exactly so.

It creates a schema of its own in the backend and drops it on exit.

Usage:
  logstore-emulator [flags]

Example:
  logstore-emulator --backend %s
  psql "postgresql://%s:%s@127.0.0.1:5433/%s?sslmode=disable"

If PostgreSQL is not running, start it with
  %s

Flags (write them with - or --):
`, logstoretest.DefaultBackend, logstoretest.DefaultAccessKeyID, logstoretest.DefaultAccessKeySecret, logstoretest.DefaultProject, startPostgres)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return cfg, err
		}
		return cfg, errUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "logstore-emulator: unexpected argument %q; every setting is a flag (see --help)\n", fs.Arg(0))
		return cfg, errUsage
	}
	if cfg.RequireTLS && !*selfSigned {
		fmt.Fprintln(stderr, "logstore-emulator: --require-tls needs --tls-self-signed")
		return cfg, errUsage
	}
	if *selfSigned {
		tlsConfig, err := logstoretest.SelfSignedTLS()
		if err != nil {
			return cfg, err
		}
		cfg.TLS = tlsConfig
	}
	if *verbose {
		logger := log.New(stderr, "", log.LstdFlags)
		cfg.Logf = logger.Printf
	}
	return cfg, nil
}

// run serves until ctx ends, then closes the server, which drops its schema.
// Its messages are best effort: a stdout nobody reads does not stop it from
// cleaning up.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg, err := parseFlags(args, getenv, stderr)
	if err != nil {
		return err
	}
	startCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	srv, err := logstoretest.Start(startCtx, cfg)
	if err != nil {
		var unavailable *logstoretest.BackendUnavailableError
		if errors.As(err, &unavailable) {
			return fmt.Errorf("%w\nStart the local PostgreSQL with\n  %s\nor point --backend (or $%s) at a running one, e.g. --backend %s",
				err, startPostgres, logstoretest.BackendEnv, logstoretest.DefaultBackend)
		}
		if errors.Is(err, syscall.EADDRINUSE) {
			return fmt.Errorf("%w\nAnother process listens on %s; pass --listen with another port, or 127.0.0.1:0 for any free one", err, cfg.Listen)
		}
		return err
	}
	fmt.Fprintf(stdout, `LogStore emulator listening on %s
  backend:  %s (schema %s)
  relaxed:  %s
  psql:     psql "%s"
  DSN:      %s
Press Ctrl-C to stop; the schema is dropped on exit.
`, srv.Addr(), logstoretest.RedactDSN(cfg.Backend), srv.Schema(), cfg.Relax, srv.PostgresDSN(), srv.DSN())
	<-ctx.Done()
	fmt.Fprintf(stdout, "Stopping: closing connections and dropping schema %s.\n", srv.Schema())
	if err := srv.Close(); err != nil {
		return err
	}
	fmt.Fprintln(stdout, "Stopped.")
	return nil
}
