package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/wflog/wflog/logstoretest"
)

func env(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

func TestParseFlagsDefaults(t *testing.T) {
	var stderr bytes.Buffer
	cfg, err := parseFlags(nil, env(nil), &stderr)
	if err != nil {
		t.Fatalf("parseFlags: %v\n%s", err, stderr.String())
	}
	if cfg.Listen != "127.0.0.1:5433" || cfg.Backend != logstoretest.DefaultBackend ||
		cfg.AccessKeyID != logstoretest.DefaultAccessKeyID || cfg.AccessKeySecret != logstoretest.DefaultAccessKeySecret ||
		cfg.Project != "wflog" || cfg.Window != 15*time.Minute || cfg.RowCap != 100 ||
		cfg.VisibilityDelay != 0 || cfg.Relax != 0 || cfg.TLS != nil || cfg.RequireTLS || cfg.Logf != nil {
		t.Errorf("defaults = %+v", cfg)
	}
	cfg, _ = parseFlags(nil, env(map[string]string{logstoretest.BackendEnv: "postgres://x@db:5432/y"}), &stderr)
	if cfg.Backend != "postgres://x@db:5432/y" {
		t.Errorf("backend from $%s = %q", logstoretest.BackendEnv, cfg.Backend)
	}
}

func TestParseFlags(t *testing.T) {
	var stderr bytes.Buffer
	cfg, err := parseFlags([]string{
		"--listen", "0.0.0.0:6000", "--backend", "postgres://b@h/db", "--access-key-id", "ak", "--access-key-secret", "sk",
		"--project", "p", "--window", "1h", "--row-cap", "5", "--visibility-delay", "2s",
		"--relax", "row-cap, time-window", "--relax", "limit-syntax", "--tls-self-signed", "--require-tls", "--verbose",
	}, env(nil), &stderr)
	if err != nil {
		t.Fatalf("parseFlags: %v\n%s", err, stderr.String())
	}
	if cfg.Listen != "0.0.0.0:6000" || cfg.Backend != "postgres://b@h/db" || cfg.AccessKeyID != "ak" || cfg.AccessKeySecret != "sk" ||
		cfg.Project != "p" || cfg.Window != time.Hour || cfg.RowCap != 5 || cfg.VisibilityDelay != 2*time.Second ||
		cfg.Relax != logstoretest.RuleRowCap|logstoretest.RuleTimeWindow|logstoretest.RuleLimitSyntax ||
		cfg.TLS == nil || !cfg.RequireTLS || cfg.Logf == nil {
		t.Errorf("parsed %+v", cfg)
	}
}

func TestParseFlagsErrors(t *testing.T) {
	tests := []struct {
		args []string
		want error
		msg  string
	}{
		{[]string{"--relax", "row-caps"}, errUsage, `unknown rule "row-caps" (known rules: simple-query, ignore-transactions`},
		{[]string{"--row-cap", "many"}, errUsage, `invalid value "many" for flag -row-cap`},
		{[]string{"--require-tls"}, errUsage, "--require-tls needs --tls-self-signed"},
		{[]string{"stray"}, errUsage, `unexpected argument "stray"`},
		{[]string{"--help"}, flag.ErrHelp, "psql \"postgresql://test-access-key-id:test-access-key-secret@127.0.0.1:5433/wflog?sslmode=disable\""},
	}
	for _, tt := range tests {
		var stderr bytes.Buffer
		_, err := parseFlags(tt.args, env(nil), &stderr)
		if !errors.Is(err, tt.want) || !strings.Contains(stderr.String(), tt.msg) {
			t.Errorf("parseFlags(%q) = %v with output\n%s\nwant %v and output containing %q", tt.args, err, stderr.String(), tt.want, tt.msg)
		}
	}
}

func TestRunUnreachableBackend(t *testing.T) {
	var stdout bytes.Buffer
	err := run(context.Background(), []string{"--backend", "postgres://u:pw@127.0.0.1:1/db?sslmode=disable&connect_timeout=5", "--listen", "127.0.0.1:0"},
		env(nil), &stdout, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "pg_ctlcluster --skip-systemctl-redirect") || !strings.Contains(err.Error(), "--backend") {
		t.Errorf("run with an unreachable backend: %v, want advice on starting PostgreSQL", err)
	}
}

func TestRunPortInUse(t *testing.T) {
	backend := backendOrSkip(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	err = run(context.Background(), []string{"--backend", backend, "--listen", ln.Addr().String()}, env(nil), io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "Another process listens on "+ln.Addr().String()) {
		t.Errorf("run on a busy port: %v, want advice on --listen", err)
	}
}

// backendOrSkip returns the backend DSN, skipping the test (failing it
// under CI=true) when PostgreSQL does not answer there.
func backendOrSkip(t *testing.T) string {
	t.Helper()
	backend := os.Getenv(logstoretest.BackendEnv)
	if backend == "" {
		backend = logstoretest.DefaultBackend
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := pgconn.Connect(ctx, backend)
	if err != nil {
		msg := fmt.Sprintf("PostgreSQL is not reachable at %s (set %s, or start it with `%s`): %v", logstoretest.RedactDSN(backend), logstoretest.BackendEnv, startPostgres, err)
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	c.Close(ctx)
	return backend
}

// TestBinary builds the command, runs it, talks to it with pgconn and stops
// it with SIGINT.
func TestBinary(t *testing.T) {
	backend := backendOrSkip(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	admin, err := pgconn.Connect(ctx, backend)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close(ctx)
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("the go command is not on PATH, so the binary cannot be built")
	}

	bin := filepath.Join(t.TempDir(), "logstore-emulator")
	build := exec.CommandContext(ctx, goTool, "build", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	cmd := exec.CommandContext(ctx, bin, "--listen", "127.0.0.1:0", "--backend", backend, "--relax", "row-cap")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill() // only if the test fails before the SIGINT

	lines := make(chan string)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			lines <- sc.Text()
		}
	}()
	var banner []string
	var psqlDSN, schema string
	psqlLine := regexp.MustCompile(`^  psql:\s+psql "(.*)"$`)
	schemaLine := regexp.MustCompile(`\(schema (logstore_[0-9a-f]+)\)$`)
	// The banner ends with the line that says how to stop.
	for len(banner) == 0 || !strings.HasPrefix(banner[len(banner)-1], "Press Ctrl-C") {
		line, ok := <-lines
		if !ok {
			t.Fatalf("the emulator exited before printing its DSN: %s\nstdout:\n%s\nstderr:\n%s", cmd.Wait(), strings.Join(banner, "\n"), stderr.String())
		}
		banner = append(banner, line)
		if m := psqlLine.FindStringSubmatch(line); m != nil {
			psqlDSN = m[1]
		}
		if m := schemaLine.FindStringSubmatch(line); m != nil {
			schema = m[1]
		}
	}
	text := strings.Join(banner, "\n")
	if psqlDSN == "" || schema == "" || !strings.HasPrefix(text, "LogStore emulator listening on 127.0.0.1:") || !strings.Contains(text, "relaxed:  row-cap") || !strings.Contains(text, "DSN:      logstore://test-access-key-id:test-access-key-secret@127.0.0.1:") {
		t.Errorf("banner:\n%s", text)
	}

	c, err := pgconn.Connect(ctx, psqlDSN)
	if err != nil {
		t.Fatalf("connect to %s: %v", psqlDSN, err)
	}
	for _, sql := range []string{"CREATE TABLE t (id text)", "INSERT INTO t (id) VALUES ('a'), ('b')"} {
		if _, err := c.Exec(ctx, sql).ReadAll(); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
	rs, err := c.Exec(ctx, "SELECT id FROM t WHERE __time__ > 0 ORDER BY id LIMIT 10").ReadAll()
	if err != nil || len(rs) != 1 || len(rs[0].Rows) != 2 || string(rs[0].Rows[0][0]) != "a" || string(rs[0].Rows[1][0]) != "b" {
		t.Fatalf("SELECT: %v, %v", rs, err)
	}
	_, err = c.Exec(ctx, "DELETE FROM t").ReadAll()
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || pgErr.Code != "0A000" {
		t.Errorf("DELETE: %v, want SQLSTATE 0A000", err)
	}
	c.Close(ctx)

	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	var rest []string
	for line := range lines {
		rest = append(rest, line)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("the emulator exited with %v\nstderr:\n%s", err, stderr.String())
	}
	if got := strings.Join(rest, "\n"); !strings.Contains(got, "dropping schema "+schema) || !strings.HasSuffix(got, "Stopped.") {
		t.Errorf("output after SIGINT:\n%s", got)
	}
	rs, err = admin.Exec(ctx, "SELECT count(*) FROM pg_namespace WHERE nspname = '"+schema+"'").ReadAll()
	if err != nil || string(rs[0].Rows[0][0]) != "0" {
		t.Errorf("schema %s after exit: %v, %v; want it dropped", schema, rs, err)
	}
}

func TestParseIndexConfig(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ix.json")
	if err := os.WriteFile(path, []byte(`{"runs": {"max_text_len": 4096, "keys": {"version": {"type": "long", "doc_value": true}}}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cfg, err := parseFlags([]string{"--index-config", path}, env(nil), &stderr)
	if err != nil {
		t.Fatalf("parseFlags: %v\n%s", err, stderr.String())
	}
	if ix := cfg.Indexes["runs"]; ix.MaxTextLen != 4096 || ix.Keys["version"].Type != "long" || !ix.Keys["version"].DocValue {
		t.Errorf("indexes = %+v", cfg.Indexes)
	}
	if err := os.WriteFile(path, []byte(`{"runs": {"keys": {"v": {"type": "json"}}}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	stderr.Reset()
	if _, err := parseFlags([]string{"--index-config", path}, env(nil), &stderr); err == nil || !strings.Contains(stderr.String(), `field v has type "json"`) {
		t.Errorf("a bad index config: %v, %s", err, stderr.String())
	}
}

// TestBinaryDropsSchemaWhenOutputGoes: with its stdout piped into a reader
// that has gone (logstore-emulator | head), the emulator still drops its
// schema when stopped, and when SIGPIPE itself arrives.
func TestBinaryDropsSchemaWhenOutputGoes(t *testing.T) {
	backend := backendOrSkip(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	admin, err := pgconn.Connect(ctx, backend)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close(ctx)
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("the go command is not on PATH, so the binary cannot be built")
	}
	bin := filepath.Join(t.TempDir(), "logstore-emulator")
	if out, err := exec.CommandContext(ctx, goTool, "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGPIPE} {
		t.Run(sig.String(), func(t *testing.T) {
			cmd := exec.CommandContext(ctx, bin, "--listen", "127.0.0.1:0", "--backend", backend)
			stdout, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			defer cmd.Process.Kill() // only if the test fails before the signal
			schemaLine := regexp.MustCompile(`\(schema (logstore_[0-9a-f]+)\)$`)
			var schema string
			sc := bufio.NewScanner(stdout)
			for schema == "" && sc.Scan() {
				if m := schemaLine.FindStringSubmatch(sc.Text()); m != nil {
					schema = m[1]
				}
			}
			if schema == "" {
				t.Fatalf("no schema in the banner; stderr:\n%s", stderr.String())
			}
			stdout.Close() // the reader goes, like head after its lines
			if err := cmd.Process.Signal(sig); err != nil {
				t.Fatal(err)
			}
			done := make(chan error, 1)
			go func() { done <- cmd.Wait() }()
			select {
			case err = <-done:
			case <-time.After(15 * time.Second):
				_ = cmd.Process.Kill()
				err = <-done
				t.Errorf("still running 15s after %v", sig)
			}
			var exit *exec.ExitError
			if errors.As(err, &exit) && !exit.Exited() {
				t.Errorf("killed by a signal (%v): the schema was not dropped by the emulator\nstderr:\n%s", err, stderr.String())
			}
			rs, err := admin.Exec(ctx, "SELECT count(*) FROM pg_namespace WHERE nspname = '"+schema+"'").ReadAll()
			if err != nil || string(rs[0].Rows[0][0]) != "0" {
				t.Errorf("schema %s after exit: %v; want it dropped", schema, err)
				_, _ = admin.Exec(ctx, "DROP SCHEMA IF EXISTS "+schema+" CASCADE").ReadAll()
			}
		})
	}
}
