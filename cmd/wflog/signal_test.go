package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/wflog/wflog/internal/faults"
	"github.com/wflog/wflog/internal/testdb"
)

// TestMain lets a test run this program's main in a child process, so that
// real signals reach it.
func TestMain(m *testing.M) {
	if os.Getenv("WFLOG_TEST_RUN_MAIN") == "1" {
		os.Args = append([]string{"wflog"}, strings.Fields(os.Getenv("WFLOG_TEST_ARGS"))...)
		main()
		return
	}
	os.Exit(m.Run())
}

// commandArgs are the flags a command needs before it reaches the
// database, dsn being the database. Every command must be listed: each
// must stop on a signal.
func commandArgs(name, dsn string) []string {
	owner := []string{"--tenant", "00000000-0000-0000-0000-000000000001", "--app", "00000000-0000-0000-0000-000000000002"}
	switch name {
	case "runs", "stats":
		return owner
	case "copy", "verify", "import":
		return []string{"--from", dsn, "--to", dsn}
	}
	return nil
}

// TestCommandsStopWhenInterrupted: every command, blocked on a server that
// never answers, returns promptly once its context is cancelled by a
// signal, with the signal's exit status.
func TestCommandsStopWhenInterrupted(t *testing.T) {
	addr := faults.Silent(t)
	env := map[string]string{"WFLOG_DSN": "postgres://postgres:hunter2@" + addr + "/postgres?sslmode=disable"}
	for _, c := range commands() {
		if c.name == "logstore-index" {
			continue // prints what it knows; it opens no connection to wait on
		}
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithCancelCause(context.Background())
			defer cancel(nil)
			time.AfterFunc(200*time.Millisecond, func() { cancel(interrupted{os.Interrupt}) })
			var stdout, stderr bytes.Buffer
			a := &app{stdout: &stdout, stderr: &stderr, getenv: func(k string) string { return env[k] }}
			start := time.Now()
			args := append([]string{c.name}, commandArgs(c.name, env["WFLOG_DSN"])...)
			if c.name == "check" { // LogStore only
				args = append(args, "--dsn", "logstore://ak:hunter2@"+addr+"/p?sslmode=disable")
			}
			code := a.main(ctx, args)
			elapsed := time.Since(start)
			if code == 2 {
				t.Fatalf("usage error; list the flags %s needs in commandArgs:\n%s", c.name, stderr.String())
			}
			if code != 130 || elapsed > 3*time.Second {
				t.Errorf("exit %d after %v, want 130 within 3s\n%s", code, elapsed, stderr.String())
			}
			if !strings.Contains(stderr.String(), "interrupted by SIGINT") || strings.Contains(stderr.String(), "hunter2") {
				t.Errorf("stderr:\n%s", stderr.String())
			}
		})
	}
}

// TestSignals: the program itself, sent SIGINT or SIGTERM while connecting
// to a server that never answers or while writing, exits promptly with
// 128+signal.
func TestSignals(t *testing.T) {
	silent := faults.NewSilent(t)
	silentDSN := "postgres://postgres@" + silent.Addr() + "/postgres?sslmode=disable"
	_, schemaDSN := testdb.Schema(t)
	// The signal is sent once the child is at work — connected to the
	// silent server, or writing — not while the (race-instrumented) binary
	// is still starting, before it handles signals.
	connected := func(before int) func(string) bool {
		return func(string) bool { return silent.Accepted() > before }
	}
	writing := func(stdout string) bool { return strings.Contains(stdout, "writing") }
	tests := []struct {
		name  string
		sig   syscall.Signal
		args  string
		ready func(before int) func(stdout string) bool
	}{
		{"MigrateSilentSIGINT", syscall.SIGINT, "migrate --dsn " + silentDSN, connected},
		{"MigrateSilentSIGTERM", syscall.SIGTERM, "migrate --dsn " + silentDSN, connected},
		{"SimulateWritingSIGTERM", syscall.SIGTERM, "simulate --runs 2000000 --batch 2000 --dsn " + schemaDSN, func(int) func(string) bool { return writing }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cmd := exec.Command(os.Args[0])
			cmd.Env = append(os.Environ(), "WFLOG_TEST_RUN_MAIN=1", "WFLOG_TEST_ARGS="+tt.args)
			var stderr bytes.Buffer
			stdout := &lockedBuffer{}
			cmd.Stderr = &stderr
			cmd.Stdout = stdout
			ready := tt.ready(silent.Accepted())
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			for i := 0; !ready(stdout.String()); i++ {
				if i == 400 {
					_ = cmd.Process.Kill()
					_ = cmd.Wait()
					t.Fatalf("the child did not get to work in 20s\n%s", stderr.String())
				}
				time.Sleep(50 * time.Millisecond)
			}
			time.Sleep(200 * time.Millisecond) // well inside its work
			sent := time.Now()
			if err := cmd.Process.Signal(tt.sig); err != nil {
				t.Fatal(err)
			}
			done := make(chan error, 1)
			go func() { done <- cmd.Wait() }()
			select {
			case err := <-done:
				var exit *exec.ExitError
				if !errors.As(err, &exit) || exit.ExitCode() != 128+int(tt.sig) {
					t.Errorf("exit: %v, want status %d\n%s", err, 128+int(tt.sig), stderr.String())
				}
				if elapsed := time.Since(sent); elapsed > 3*time.Second {
					t.Errorf("stopped %v after the signal", elapsed)
				}
			case <-time.After(10 * time.Second):
				_ = cmd.Process.Kill()
				<-done
				t.Fatalf("still running 10s after %v\n%s", tt.sig, stderr.String())
			}
		})
	}
}

// TestHelpHidesSecret: --help shows $WFLOG_DSN as the default, redacted.
func TestHelpHidesSecret(t *testing.T) {
	env := map[string]string{"WFLOG_DSN": "logstore://AKID:Sup3rS3cret@host/project"}
	for _, c := range commands() {
		code, out, errOut := run(t, env, c.name, "--help")
		takesDSN := strings.Contains(out, "-dsn")
		if code != 0 || strings.Contains(out+errOut, "Sup3rS3cret") || takesDSN && !strings.Contains(out, "AKID:xxxxx@host") {
			t.Errorf("%s --help: exit %d\n%s%s", c.name, code, out, errOut)
		}
	}
	if _, out, errOut := run(t, env, "--help"); strings.Contains(out+errOut, "Sup3rS3cret") {
		t.Errorf("--help shows the secret:\n%s", out)
	}
}

// lockedBuffer is a bytes.Buffer a child process writes while the test reads.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
