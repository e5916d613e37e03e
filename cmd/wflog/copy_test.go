package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/wflog/wflog"
	"github.com/wflog/wflog/internal/testdb"
	"github.com/wflog/wflog/logstoretest"
)

// TestCopyVerifyImport runs the migration guide's commands end to end:
// simulate on PostgreSQL, copy to the emulator with --verify, verify after
// a row is lost, import Dify's tables.
func TestCopyVerifyImport(t *testing.T) {
	_, src := testdb.Schema(t)
	if code, out, errOut := run(t, nil, "simulate", "--dsn", src, "--runs", "40", "--nodes-per-run", "2", "--seed", "7"); code != 0 {
		t.Fatalf("simulate: %d\n%s%s", code, out, errOut)
	}
	srv := logstoretest.New(t)
	state := filepath.Join(t.TempDir(), "copy.state")
	code, out, errOut := run(t, nil, "copy", "--from", src, "--to", srv.DSN(), "--state", state, "--page", "50", "--verify")
	if code != 0 {
		t.Fatalf("copy: %d\n%s%s", code, out, errOut)
	}
	for _, want := range []string{"(PostgreSQL) to", "(LogStore)", "new __time__", "workflow_runs", "days: both sides hold the same 120 run versions", "the copy is complete"} {
		if !strings.Contains(out, want) {
			t.Errorf("copy's output does not say %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "test-access-key-secret") {
		t.Errorf("copy's output shows the secret:\n%s", out)
	}

	// The target loses a run version: verify exits 1 with a table.
	_, dst := testdb.Schema(t)
	if code, out, errOut := run(t, nil, "copy", "--from", src, "--to", dst); code != 0 {
		t.Fatalf("copy to PostgreSQL: %d\n%s%s", code, out, errOut)
	}
	db := testdb.OpenDSN(t, dst)
	if err := db.Exec("DELETE FROM workflow_runs WHERE (id, version) IN (SELECT id, version FROM workflow_runs LIMIT 1)").Error; err != nil {
		t.Fatal(err)
	}
	code, out, errOut = run(t, nil, "verify", "--from", src, "--to", dst)
	if code != 1 || !strings.Contains(out, "workflow_runs  versions") || !strings.Contains(errOut, "the two sides differ on 1 measures") {
		t.Errorf("verify after a lost row: %d\n%s%s", code, out, errOut)
	}

	// Dify's own tables: rejected rows make import exit 1, naming them.
	dify, raw := difyWithBadRow(t)
	_, imported := testdb.Schema(t)
	code, out, errOut = run(t, nil, "import", "--from", dify, "--to", imported)
	if code != 1 || !strings.Contains(out, `rejected workflow_runs 22222222-2222-4222-8222-222222222222: status "bogus"`) || !strings.Contains(errOut, "1 rows were not imported") {
		t.Errorf("import with a bad row: %d\n%s%s", code, out, errOut)
	}
	if err := raw.Exec(`UPDATE workflow_runs SET status = 'failed', finished_at = '2026-11-20 11:00:01' WHERE status = 'bogus'`).Error; err != nil {
		t.Fatal(err)
	}
	if code, out, errOut = run(t, nil, "import", "--from", dify, "--to", imported, "--verify"); code != 0 || !strings.Contains(out, "verified 1 day: both sides hold the same 2 runs") {
		t.Errorf("import after the fix: %d\n%s%s", code, out, errOut)
	}
	// And Migrate on Dify's schema refuses, pointing to import.
	if code, _, errOut = run(t, nil, "migrate", "--dsn", dify); code != 1 || !strings.Contains(errOut, "wflog import") {
		t.Errorf("migrate on Dify's tables: %d\n%s", code, errOut)
	}
}

// difyWithBadRow creates Dify's tables in a schema of their own with two
// runs, one of them of status "bogus", which import rejects. It returns the
// schema's DSN and the database opened on it.
func difyWithBadRow(t *testing.T) (string, *gorm.DB) {
	t.Helper()
	_, dify := testdb.Schema(t)
	ddl, err := os.ReadFile("../../transfer/testdata/dify_schema.sql")
	if err != nil {
		t.Fatal(err)
	}
	raw := openRaw(t, dify)
	if err := raw.Exec(string(ddl)).Error; err != nil {
		t.Fatal(err)
	}
	if err := raw.Exec(`INSERT INTO workflow_runs (id, tenant_id, app_id, workflow_id, type, triggered_from, version, status, created_by_role, created_by, created_at)
		VALUES ('11111111-1111-4111-8111-111111111111', gen_random_uuid(), gen_random_uuid(), gen_random_uuid(), 'workflow', 'app-run', 'draft', 'running', 'account', gen_random_uuid(), '2026-11-20 10:00:00'),
		       ('22222222-2222-4222-8222-222222222222', gen_random_uuid(), gen_random_uuid(), gen_random_uuid(), 'workflow', 'app-run', 'draft', 'bogus', 'account', gen_random_uuid(), '2026-11-20 11:00:00')`).Error; err != nil {
		t.Fatal(err)
	}
	return dify, raw
}

// TestImportAgainLogStore: after rejected rows, import's advice on a target
// without keys (LogStore) is --skip-existing, and following it imports the
// corrected row without duplicating the others.
func TestImportAgainLogStore(t *testing.T) {
	dify, raw := difyWithBadRow(t)
	srv := logstoretest.New(t)
	state := filepath.Join(t.TempDir(), "import.state")
	code, out, errOut := run(t, nil, "import", "--from", dify, "--to", srv.DSN(), "--state", state)
	if code != 1 || !strings.Contains(errOut, "run the import again with --skip-existing (after deleting "+state) || !strings.Contains(errOut, "LogStore has no keys") {
		t.Fatalf("import into LogStore with a bad row: %d\n%s%s", code, out, errOut)
	}
	if err := raw.Exec(`UPDATE workflow_runs SET status = 'failed', finished_at = '2026-11-20 11:00:01' WHERE status = 'bogus'`).Error; err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(state); err != nil {
		t.Fatal(err)
	}
	code, out, errOut = run(t, nil, "import", "--from", dify, "--to", srv.DSN(), "--skip-existing", "--verify")
	if code != 0 || !regexp.MustCompile(`workflow_runs\s+2\s+1\s+1\s+0`).MatchString(out) || !strings.Contains(out, "both sides hold the same 2 runs") {
		t.Errorf("import again as advised: %d\n%s%s", code, out, errOut)
	}

	// On PostgreSQL the advice is to run it again: the key skips the rest.
	_, imported := testdb.Schema(t)
	dify2, _ := difyWithBadRow(t)
	if code, _, errOut := run(t, nil, "import", "--from", dify2, "--to", imported); code != 1 || !strings.Contains(errOut, "run the import again; the rows already imported are skipped") {
		t.Errorf("import into PostgreSQL with a bad row: %d\n%s", code, errOut)
	}
}

// openRaw opens dsn without migrating it.
func openRaw(t *testing.T, dsn string) *gorm.DB {
	t.Helper()
	db, err := wflog.Open(dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { closeDB(db) })
	return db
}

// TestCopySQLiteAgain: a copy into SQLite runs again, skipping what the
// target holds, as the help and the migration guide promise; the help names
// sqlite:// among the DSNs.
func TestCopySQLiteAgain(t *testing.T) {
	_, src := testdb.Schema(t)
	if code, out, errOut := run(t, nil, "simulate", "--dsn", src, "--runs", "20", "--nodes-per-run", "1", "--seed", "3"); code != 0 {
		t.Fatalf("simulate: %d\n%s%s", code, out, errOut)
	}
	to := "sqlite://" + filepath.Join(t.TempDir(), "copy.db")
	for i := range 2 {
		code, out, errOut := run(t, nil, "copy", "--from", src, "--to", to, "--verify")
		if code != 0 || !strings.Contains(out, "both sides hold the same 60 run versions") {
			t.Fatalf("copy #%d into SQLite: %d\n%s%s", i+1, code, out, errOut)
		}
		if i == 1 && !regexp.MustCompile(`workflow_runs\s+60\s+0\s+60\s+0`).MatchString(out) {
			t.Errorf("copy again into SQLite does not count 60 runs already there:\n%s", out)
		}
	}
	for _, cmd := range []string{"copy", "verify", "import"} {
		_, out, _ := run(t, nil, cmd, "--help")
		if !strings.Contains(out, "sqlite://") {
			t.Errorf("%s --help does not name sqlite://:\n%s", cmd, out)
		}
	}
}

// TestCopyStateSides: a state file is the progress of one source and one
// target; reused with another --to or --from it is refused, and nothing
// says to run the same command again.
func TestCopyStateSides(t *testing.T) {
	dir := t.TempDir()
	a, b := "sqlite://"+filepath.Join(dir, "a.db"), "sqlite://"+filepath.Join(dir, "b.db")
	for i, dsn := range []string{a, b} {
		if code, out, errOut := run(t, nil, "simulate", "--dsn", dsn, "--runs", "5", "--nodes-per-run", "1", "--seed", strconv.Itoa(i+1)); code != 0 {
			t.Fatalf("simulate: %d\n%s%s", code, out, errOut)
		}
	}
	state := filepath.Join(dir, "g.state")
	g1, g2 := "sqlite://"+filepath.Join(dir, "g1.db"), "sqlite://"+filepath.Join(dir, "g2.db")
	if code, out, errOut := run(t, nil, "copy", "--from", a, "--to", g1, "--state", state); code != 0 {
		t.Fatalf("copy: %d\n%s%s", code, out, errOut)
	}
	// The same pair resumes; the table's totals are said to span every run.
	if code, out, errOut := run(t, nil, "copy", "--from", a, "--to", g1, "--state", state); code != 0 ||
		!strings.Contains(out, "resumed from "+state+": the table counts the rows of every run since the first") {
		t.Errorf("copy resumed with its own state file: %d\n%s%s", code, out, errOut)
	}
	for _, c := range []struct{ name, from, to, want string }{
		{"OtherTarget", a, g2, "another target"},
		{"OtherSource", b, g1, "another source"},
	} {
		t.Run(c.name, func(t *testing.T) {
			code, out, errOut := run(t, nil, "copy", "--from", c.from, "--to", c.to, "--state", state)
			if code != 1 || !strings.Contains(errOut, c.want) || !strings.Contains(errOut, "resume with the same --from and --to") {
				t.Errorf("copy with the state file of another pair: %d\n%s%s", code, out, errOut)
			}
			if strings.Contains(out, "run the same command again") || strings.Contains(out, "the copy is complete") || strings.Contains(out, "already there") {
				t.Errorf("copy with a refused state file says it can resume, or is complete:\n%s", out)
			}
		})
	}
	// Filters are shown as flags, not as a Go value.
	code, out, errOut := run(t, nil, "copy", "--from", a, "--to", g1, "--state", state, "--app", "71340000-0000-4000-8000-000000000000")
	if code != 1 || !strings.Contains(errOut, "other filters (no filters), not --app 71340000-0000-4000-8000-000000000000") || strings.Contains(out, "run the same command again") {
		t.Errorf("copy with other filters: %d\n%s%s", code, out, errOut)
	}

	for dsn, want := range map[string]string{
		"postgres://u:SECRET@db.example:5433/logs?sslmode=disable&search_path=wf&max_conns=3":   "postgres://u@db.example:5433/logs?search_path=wf",
		"host=db.example user=u password=SECRET dbname=logs search_path=wf":                     "postgres://u@db.example:5432/logs?search_path=wf",
		"logstore://AKID:SECRET@cn-hangzhou.log.aliyuncs.com/project?batch=500&sslmode=disable": "logstore://AKID@cn-hangzhou.log.aliyuncs.com:5432/project",
		"sqlite://relative.db": "sqlite://" + filepath.Join(must(os.Getwd()), "relative.db"),
	} {
		if got := stateName(dsn); got != want {
			t.Errorf("stateName(%q) = %q, want %q", dsn, got, want)
		}
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// TestCopyVerifyLogStoreDelay: LogStore shows a write up to 3 s after it
// returns (the emulator's --visibility-delay): copy --verify waits that out
// before verifying, and says so, instead of failing a good copy.
func TestCopyVerifyLogStoreDelay(t *testing.T) {
	_, src := testdb.Schema(t)
	if code, out, errOut := run(t, nil, "simulate", "--dsn", src, "--runs", "20", "--nodes-per-run", "1", "--seed", "5"); code != 0 {
		t.Fatalf("simulate: %d\n%s%s", code, out, errOut)
	}
	srv := logstoretest.New(t, func(c *logstoretest.Config) { c.VisibilityDelay = 3 * time.Second })
	code, out, errOut := run(t, nil, "copy", "--from", src, "--to", srv.DSN(), "--verify")
	if code != 0 || !strings.Contains(out, "days: both sides hold the same 60 run versions") {
		t.Errorf("copy --verify into a LogStore that shows writes 3 s late: %d\n%s%s", code, out, errOut)
	}
	if !strings.Contains(errOut, "before verifying: LogStore shows a write up to 3s after it returns") {
		t.Errorf("copy --verify does not say why it waits:\n%s", errOut)
	}
}

// TestVerifyNothingMatched: a filter that selects nothing on either side
// (a mistyped --app) is an error, not "verified 0 days".
func TestVerifyNothingMatched(t *testing.T) {
	dir := t.TempDir()
	a, b := "sqlite://"+filepath.Join(dir, "a.db"), "sqlite://"+filepath.Join(dir, "b.db")
	if code, out, errOut := run(t, nil, "simulate", "--dsn", a, "--runs", "5", "--nodes-per-run", "1", "--days", "1"); code != 0 {
		t.Fatalf("simulate: %d\n%s%s", code, out, errOut)
	}
	if code, out, errOut := run(t, nil, "copy", "--from", a, "--to", b); code != 0 {
		t.Fatalf("copy: %d\n%s%s", code, out, errOut)
	}
	code, out, errOut := run(t, nil, "verify", "--from", a, "--to", b, "--app", "99999999-9999-4999-8999-999999999999")
	if code != 1 || !strings.Contains(errOut, "nothing matched the filters --app 99999999-9999-4999-8999-999999999999") || strings.Contains(out, "verified") {
		t.Errorf("verify of an app that does not exist: %d\n%s%s", code, out, errOut)
	}
	code, out, errOut = run(t, nil, "verify", "--from", a, "--to", b)
	if code != 0 || !strings.Contains(out, "verified 1 day:") {
		t.Errorf("verify of one day: %d\n%s%s", code, out, errOut)
	}
}

// TestCopyChecksFirst: a --page LogStore cannot read, and a SQLite file
// that is only read but does not exist, are refused before anything is
// opened or printed — and the missing file is not created.
func TestCopyChecksFirst(t *testing.T) {
	dir := t.TempDir()
	srv := logstoretest.New(t)
	to := "sqlite://" + filepath.Join(dir, "x2.db")
	code, out, errOut := run(t, nil, "copy", "--from", srv.DSN(), "--to", to, "--page", "20000")
	if code != 2 || out != "" || !strings.Contains(errOut, "--page 20000: LogStore pages at most 10000 rows per query") {
		t.Errorf("copy --page 20000 from LogStore: %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	if _, err := os.Stat(filepath.Join(dir, "x2.db")); err == nil {
		t.Error("copy with a refused --page created its target")
	}

	a := "sqlite://" + filepath.Join(dir, "a.db")
	if code, out, errOut := run(t, nil, "simulate", "--dsn", a, "--runs", "2", "--nodes-per-run", "1"); code != 0 {
		t.Fatalf("simulate: %d\n%s%s", code, out, errOut)
	}
	for _, c := range []struct {
		name string
		args []string
		file string
	}{
		{"VerifyTarget", []string{"verify", "--from", a, "--to", "sqlite://" + filepath.Join(dir, "empty.db")}, "empty.db"},
		{"CopySource", []string{"copy", "--from", "sqlite://" + filepath.Join(dir, "nonexistent.db"), "--to", "sqlite://" + filepath.Join(dir, "b.db")}, "nonexistent.db"},
	} {
		t.Run(c.name, func(t *testing.T) {
			code, out, errOut := run(t, nil, c.args...)
			if code != 1 || !strings.Contains(errOut, "there is no such file") || !strings.Contains(errOut, c.file) {
				t.Errorf("%v: %d\n%s%s", c.args, code, out, errOut)
			}
			if _, err := os.Stat(filepath.Join(dir, c.file)); err == nil {
				t.Errorf("%v created %s", c.args, c.file)
			}
		})
	}
}

// TestCopyStoppedAdvice: a copy that stops without a state file says how to
// finish it for its target: the same command where keys skip what is
// there, --skip-existing on LogStore, which would take every row again.
func TestCopyStoppedAdvice(t *testing.T) {
	dir := t.TempDir()
	// A source that fails at its first read: a file without wflog's tables.
	empty := filepath.Join(dir, "empty.db")
	if err := os.WriteFile(empty, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	srv := logstoretest.New(t)
	for _, c := range []struct{ to, want string }{
		{srv.DSN(), "stopped: run the same command again with --skip-existing to finish: LogStore has no keys"},
		{"sqlite://" + filepath.Join(dir, "to.db"), "stopped: run the same command again to finish: the rows already there are skipped"},
	} {
		code, out, errOut := run(t, nil, "copy", "--from", "sqlite://"+empty, "--to", c.to)
		if code != 1 || !strings.Contains(out, c.want) {
			t.Errorf("copy that fails into %s: %d\n%s%s", c.to, code, out, errOut)
		}
	}
}
