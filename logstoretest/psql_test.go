package logstoretest_test

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// psqlScript is fed to psql, which sends each statement as its own Query
// message, as an interactive user would.
const psqlScript = `CREATE TABLE t (id text, n bigint);
INSERT INTO t (id, n) VALUES ('a', 1);
SELECT id, n FROM t WHERE __time__ > 0;
UPDATE t SET n = 2;
BEGIN; INSERT INTO t (id, n) VALUES ('b', 2); ROLLBACK;
SELECT string_agg(id || ':' || n, ',' ORDER BY id) FROM t WHERE __time__ > 0;
`

// TestPsql runs the real psql client, which nobody here wrote, against the
// emulator.
func TestPsql(t *testing.T) {
	psql, err := exec.LookPath("psql")
	if err != nil {
		msg := "psql is not on PATH; install the PostgreSQL client (apt-get install postgresql-client) to run this test"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	script := filepath.Join(t.TempDir(), "script.sql")
	if err := os.WriteFile(script, []byte(psqlScript), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, mode := range []string{"file", "stdin"} {
		t.Run(mode, func(t *testing.T) {
			s := newServer(t)
			args := []string{"-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=0", s.PostgresDSN()}
			if mode == "file" {
				args = append(args, "-f", script)
			}
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			cmd := exec.CommandContext(ctx, psql, args...)
			if mode == "stdin" {
				cmd.Stdin = strings.NewReader(psqlScript)
			}
			cmd.Env = psqlEnv()
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			if err := cmd.Run(); err != nil {
				t.Fatalf("psql: %v\nstderr:\n%s", err, stderr.String())
			}
			// The row, then after the refused UPDATE and the ignored
			// ROLLBACK, both rows.
			if got, want := stdout.String(), "a|1\na:1,b:2\n"; got != want {
				t.Errorf("psql printed %q, want %q\nstderr:\n%s", got, want, stderr.String())
			}
			errs := stderr.String()
			if !strings.Contains(errs, "ERROR:  logstore: UPDATE is not supported") || strings.Count(errs, "ERROR:") != 1 {
				t.Errorf("psql's errors:\n%s\nwant exactly the refused UPDATE", errs)
			}
		})
	}
}

// psqlEnv is the environment without PG* variables, which could point psql
// elsewhere.
func psqlEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "PG") {
			env = append(env, kv)
		}
	}
	return append(env, "PGCONNECT_TIMEOUT=10")
}
