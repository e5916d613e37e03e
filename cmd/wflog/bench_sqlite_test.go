package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wflog/wflog"
)

// TestBenchSQLite runs the benchmark on SQLite at a tiny size so that the
// command cannot rot; its numbers are not looked at.
func TestBenchSQLite(t *testing.T) {
	dir := t.TempDir()
	dsn := "sqlite://" + filepath.Join(dir, "bench.db")
	md := filepath.Join(dir, "bench.md")
	args := []string{"bench", "--dsn", dsn, "--runs", "400", "--apps", "4", "--rounds", "1", "--warmup", "0", "--markdown", md}
	code, out, errOut := run(t, nil, args...)
	if code != 0 {
		t.Fatalf("bench: %d\n%s\n%s", code, out, errOut)
	}
	for _, want := range []string{"wflog bench on SQLite: 400 runs × 3 versions", "wflog and the baseline agree on every answer", "CountByStatus (exact)",
		"AverageInteractions (FinishedOnly)", "List, newest 20", "Get by id", "Save one run", "SQLite 3."} {
		if !strings.Contains(out+errOut, want) {
			t.Errorf("bench output lacks %q:\n%s\n%s", want, out, errOut)
		}
	}
	if b, err := os.ReadFile(md); err != nil || !strings.Contains(string(b), "| DailyRuns (exact) |") {
		t.Errorf("markdown: %v\n%s", err, b)
	}
	// The same flags again reuse the file's data set; other flags rebuild it.
	if code, out, errOut := run(t, nil, append(args, "--reuse")...); code != 0 || !strings.Contains(errOut, "reusing the data set") {
		t.Errorf("bench --reuse: %d\n%s\n%s", code, out, errOut)
	}
	if code, out, errOut := run(t, nil, "bench", "--dsn", dsn, "--runs", "200", "--apps", "4", "--rounds", "1", "--warmup", "0", "--reuse"); code != 0 ||
		!strings.Contains(errOut, "no reusable data set") || !strings.Contains(out, "200 runs") {
		t.Errorf("bench --reuse with other flags: %d\n%s\n%s", code, out, errOut)
	}

	// Without --dsn or $WFLOG_DSN, bench would write into the CLI's default
	// database: it refuses instead, and asks for a file.
	if code, _, errOut := run(t, map[string]string{"WFLOG_DSN": ""}, "bench", "--runs", "400"); code != 2 || !strings.Contains(errOut, "not in the default database") {
		t.Errorf("bench on the default database: %d\n%s", code, errOut)
	}

	// Flags that mean nothing on SQLite are refused before any work.
	for _, flag := range [][]string{{"--schema", "x"}, {"--grow", "1000"}, {"--ingest-rows", "10"}} {
		code, _, errOut := run(t, nil, append([]string{"bench", "--dsn", dsn, "--runs", "400"}, flag...)...)
		if code != 2 || !strings.Contains(errOut, flag[0]+": not on SQLite") {
			t.Errorf("bench %s on SQLite: %d\n%s", flag, code, errOut)
		}
	}

	// A file bench did not build is left alone: the CLI's default database
	// is a SQLite file that may hold a user's runs.
	user := "sqlite://" + filepath.Join(dir, "user.db")
	db, err := wflog.Open(user)
	if err != nil {
		t.Fatal(err)
	}
	if err := wflog.Migrate(context.Background(), db); err != nil {
		t.Fatal(err)
	}
	closeDB(db)
	code, _, errOut = run(t, nil, "bench", "--dsn", user, "--runs", "400", "--rounds", "1", "--warmup", "0")
	if code != 1 || !strings.Contains(errOut, "holds tables bench did not build") || !strings.Contains(errOut, "workflow_runs") {
		t.Errorf("bench on a user's file: %d\n%s", code, errOut)
	}
	db, err = wflog.Open(user)
	if err != nil {
		t.Fatal(err)
	}
	defer closeDB(db)
	if !db.Migrator().HasTable("workflow_runs") || db.Migrator().HasTable(benchSQLiteMarker) {
		t.Errorf("bench changed a file it did not build")
	}
}
