package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/wflog/wflog"
	"github.com/wflog/wflog/internal/testdb"
	"github.com/wflog/wflog/internal/workload"
	"github.com/wflog/wflog/logstoretest"
	"github.com/wflog/wflog/models"
	"github.com/wflog/wflog/repo"
)

// run runs the command line and returns its exit status and output.
func run(t *testing.T, env map[string]string, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	a := &app{stdout: &stdout, stderr: &stderr, getenv: func(k string) string { return env[k] }}
	code := a.main(context.Background(), args)
	return code, stdout.String(), stderr.String()
}

func TestHelp(t *testing.T) {
	code, out, _ := run(t, nil, "--help")
	if code != 0 || !strings.Contains(out, "Start with:   wflog demo") {
		t.Errorf("--help: %d\n%s", code, out)
	}
	for _, c := range commands() {
		if !strings.Contains(out, c.name) {
			t.Errorf("--help does not list %s", c.name)
		}
		code, out, errOut := run(t, nil, c.name, "--help")
		connects := c.name != "logstore-index" // it prints, and takes no database
		if code != 0 || !strings.Contains(out, "Usage: wflog "+c.name) || connects && !strings.Contains(out, "-dsn") && !strings.Contains(out, "-from") || errOut != "" {
			t.Errorf("%s --help: %d\nstdout:\n%s\nstderr:\n%s", c.name, code, out, errOut)
		}
	}
	if code, _, errOut := run(t, nil, "frobnicate"); code != 2 || !strings.Contains(errOut, `unknown command "frobnicate"`) {
		t.Errorf("unknown command: %d %s", code, errOut)
	}
	if code, _, errOut := run(t, nil, "runs", "--tenant", "not-a-uuid"); code != 2 || !strings.Contains(errOut, "not a UUID") {
		t.Errorf("bad flag: %d %s", code, errOut)
	}
	if code, _, errOut := run(t, nil, "runs"); code != 2 || !strings.Contains(errOut, "--tenant and --app are required") {
		t.Errorf("missing flags: %d %s", code, errOut)
	}
}

// TestLongArgumentEchoed: an error about a 100 KB argument repeats a
// recognisable head of it and its length, never the whole of it, whether
// the CLI or the flag package reports it.
func TestLongArgumentEchoed(t *testing.T) {
	big := strings.Repeat("x", 100_000)
	id := uuid.NewString()
	dsn := "sqlite://" + filepath.Join(t.TempDir(), "wflog.db")
	owner := []string{"--tenant", id, "--app", id, "--dsn", dsn}
	for name, args := range map[string][]string{
		"status":          append([]string{"runs", "--status", big}, owner...),
		"status in list":  append([]string{"runs", "--status", "running," + big}, owner...),
		"tenant":          {"runs", "--tenant", big, "--app", id, "--dsn", dsn},
		"tenant=":         {"runs", "--tenant=" + big, "--app", id, "--dsn", dsn},
		"after":           append([]string{"runs", "--after", big}, owner...),
		"tz":              append([]string{"stats", "--tz", big}, owner...),
		"cutover":         append([]string{"runs", "--cutover", big, "--older", dsn}, owner...),
		"bool value":      append([]string{"runs", "--json=" + big}, owner...),
		"int value":       append([]string{"runs", "--limit", big}, owner...),
		"unknown flag":    append([]string{"runs", "--" + big}, owner...),
		"argument":        append([]string{"runs", big}, owner...),
		"command":         {big},
		"help command":    {"help", big},
		"flag first":      {"--" + big, "runs"},
		"flag first only": {"--" + big},
	} {
		t.Run(name, func(t *testing.T) {
			code, out, errOut := run(t, nil, args...)
			if code == 0 {
				t.Fatalf("exit 0\n%s", out)
			}
			if all := out + errOut; len(all) > 4000 || strings.Contains(all, strings.Repeat("x", maxEcho+1)) {
				t.Fatalf("%d bytes of output, with the argument whole:\n%.600s", len(all), all)
			}
			if !strings.Contains(errOut, strings.Repeat("x", 20)) || !strings.Contains(errOut, "bytes)") {
				t.Errorf("the error does not show the argument's head and length:\n%s", errOut)
			}
		})
	}
}

// TestZoneFlag: --tz Local and an unknown zone are answered with the flag
// to give, not with Go's API.
func TestZoneFlag(t *testing.T) {
	id := uuid.NewString()
	dsn := "sqlite://" + filepath.Join(t.TempDir(), "wflog.db")
	for zone, want := range map[string]string{
		"Local":     "--tz Local: name the zone, such as --tz Asia/Shanghai",
		"Nowhere/X": `--tz "Nowhere/X": not a time zone this machine knows`,
	} {
		code, _, errOut := run(t, nil, "stats", "--tenant", id, "--app", id, "--dsn", dsn, "--tz", zone)
		if code != 1 || !strings.Contains(errOut, want) || strings.Contains(errOut, "LoadLocation") {
			t.Errorf("--tz %s: exit %d, want 1 and %q:\n%s", zone, code, want, errOut)
		}
	}
}

// TestNoServer: with nothing listening, the error says so and how to start
// one, without the password and without pointing to this repository's
// scripts, which a go install user does not have.
func TestNoServer(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	env := map[string]string{"WFLOG_DSN": "postgres://postgres:hunter2@" + addr + "/postgres?sslmode=disable&connect_timeout=2"}
	code, _, errOut := run(t, env, "migrate")
	if code != 1 || !strings.Contains(errOut, "at "+addr) || !strings.Contains(errOut, "--dsn") && !strings.Contains(errOut, "did you mean port 5432") {
		t.Errorf("migrate with no server: %d\n%s", code, errOut)
	}
	if strings.Contains(errOut, "hunter2") || strings.Contains(errOut, "scripts/") {
		t.Errorf("the error shows the password or a script of the repository:\n%s", errOut)
	}
}

// demoRunsOfApp0 counts the demo's runs of its first app, as its loop writes them.
func demoRunsOfApp0(seed uint64) int {
	g := workload.New(workload.Config{Seed: seed, Tenants: 1, AppsPerTenant: 3, Users: 6, Days: 3, Runs: demoRuns, NodesPerRun: 3, PayloadBytes: 120})
	n, paused := 0, false
	for i := 0; i < demoRuns || !paused; i++ {
		h := g.Run(i)
		if i >= demoRuns && h.Shape != workload.PausedResumed {
			continue
		}
		paused = paused || h.Shape == workload.PausedResumed
		if i%3 == 0 {
			n++
		}
	}
	return n
}

func TestDemo(t *testing.T) {
	_, dsn := testdb.Schema(t)
	code, out, errOut := run(t, map[string]string{"WFLOG_DSN": dsn}, "demo", "--seed", "42", "--tz", "Asia/Shanghai")
	if code != 0 {
		t.Fatalf("demo: %d\n%s\n%s", code, out, errOut)
	}
	for _, want := range []string{
		"PostgreSQL: wrote ",
		"was paused and resumed; its versions: running → paused → running → succeeded",
		"newest runs of app ",
		"node executions of run ",
		"days in Asia/Shanghai",
		fmt.Sprintf("runs by current status: %d in all", demoRunsOfApp0(42)),
	} {
		if !strings.Contains(out, want) {
			t.Errorf("demo output lacks %q:\n%s", want, out)
		}
	}
}

func TestDemoBothBackends(t *testing.T) {
	_, dsn := testdb.Schema(t)
	code, out, errOut := run(t, nil, "demo", "--dsn", dsn, "--backend", "logstore", "--seed", "7")
	if code != 0 {
		t.Fatalf("demo --backend logstore: %d\n%s\n%s", code, out, errOut)
	}
	if !strings.Contains(out, "===== PostgreSQL =====") || !strings.Contains(out, "===== LogStore (emulator) =====") ||
		!strings.Contains(out, "Both backends give the same answers.") ||
		!strings.Contains(out, "LogStore (emulator): waiting ") || !strings.Contains(out, "LogStore shows a write up to 3s later") {
		t.Errorf("demo --backend logstore:\n%s", out)
	}
	// The suggested commands read what the demo wrote.
	args := suggested(t, out, "", nil)
	if code, listed, errOut := run(t, nil, args...); code != 0 || !strings.Contains(listed, "RUN") || strings.Count(listed, "\n") < 2 {
		t.Errorf("%q: exit %d\n%s%s", args, code, listed, errOut)
	}
}

var wrote = regexp.MustCompile(`wrote (\d+) runs: (\d+) run rows and (\d+) node-execution rows`)

// TestSimulateAndViews: simulate writes what it says, on both backends, and
// runs/stats show what the repositories answer.
func TestSimulateAndViews(t *testing.T) {
	testdb.Admin(t)
	_, pg := testdb.Schema(t)
	srv := logstoretest.New(t)
	for name, dsn := range map[string]string{"postgres": pg, "logstore": srv.DSN()} {
		t.Run(name, func(t *testing.T) {
			code, out, errOut := run(t, nil, "simulate", "--dsn", dsn, "--runs", "60", "--apps", "2", "--nodes-per-run", "2", "--seed", "9", "--batch", "50")
			if code != 0 {
				t.Fatalf("simulate: %d\n%s\n%s", code, out, errOut)
			}
			m := wrote.FindStringSubmatch(out)
			if m == nil || m[1] != "60" {
				t.Fatalf("simulate printed:\n%s", out)
			}
			db, err := wflog.Open(dsn)
			if err != nil {
				t.Fatal(err)
			}
			defer closeDB(db)
			var rows int64
			if err := db.Unscoped().Model(&models.WorkflowRun{}).Count(&rows).Error; err != nil || fmt.Sprint(rows) != m[2] {
				t.Errorf("%s run rows stored, simulate said %s (%v)", fmt.Sprint(rows), m[2], err)
			}
			ids := regexp.MustCompile(`wflog runs --tenant (\S+) --app (\S+)`).FindStringSubmatch(out)
			tenant, app := uuid.MustParse(ids[1]), uuid.MustParse(ids[2])

			code, out, errOut = run(t, nil, "runs", "--dsn", dsn, "--tenant", tenant.String(), "--app", app.String(), "--limit", "5", "--json")
			if code != 0 {
				t.Fatalf("runs: %d %s", code, errOut)
			}
			var page runPageJSON
			if err := json.Unmarshal([]byte(out), &page); err != nil {
				t.Fatal(err)
			}
			want, err := repo.NewRuns(db).List(context.Background(), repo.ListRuns{TenantID: tenant, AppID: app, Limit: 5})
			if err != nil || len(page.Runs) != 5 || page.Runs[0].ID != want.Runs[0].ID || page.HasMore != want.HasMore {
				t.Errorf("runs --json = %d runs, more %v; the repository says %d, %v (%v)", len(page.Runs), page.HasMore, len(want.Runs), want.HasMore, err)
			}
			if code, out, _ := run(t, nil, "runs", "--dsn", dsn, "--tenant", tenant.String(), "--app", app.String(), "--limit", "5"); code != 0 || !strings.Contains(out, "more: wflog runs") {
				t.Errorf("runs table:\n%s", out)
			}

			code, out, errOut = run(t, nil, "stats", "--dsn", dsn, "--tenant", tenant.String(), "--app", app.String(), "--days", "30", "--json")
			if code != 0 {
				t.Fatalf("stats: %d %s", code, errOut)
			}
			var v statsView
			if err := json.Unmarshal([]byte(out), &v); err != nil {
				t.Fatal(err)
			}
			counts, err := repo.NewRuns(db).CountByStatus(context.Background(), repo.CountRuns{TenantID: tenant, AppID: app})
			var sum int64
			for _, d := range v.Days {
				sum += d.Runs
			}
			if err != nil || v.Statuses.Total != counts.Total || sum != counts.Total {
				t.Errorf("stats: %d runs by status, %d by day; the repository counts %d (%v)", v.Statuses.Total, sum, counts.Total, err)
			}
			if code, out, _ := run(t, nil, "stats", "--dsn", dsn, "--tenant", tenant.String(), "--app", app.String(), "--finished-only"); code != 0 || !strings.Contains(out, "finished runs only") {
				t.Errorf("stats table:\n%s", out)
			}

			verify := []string{"stats", "--dsn", dsn, "--verify", "--tenant", tenant.String(), "--app", app.String(), "--tz", "Asia/Kathmandu"}
			code, out, errOut = run(t, nil, verify...)
			if name == "logstore" {
				if code != 1 || !strings.Contains(errOut, "need triggers") {
					t.Errorf("stats --verify on LogStore: %d\n%s\n%s", code, out, errOut)
				}
				return
			}
			if code != 0 || strings.Count(out, "match the scan") != 2 || !strings.Contains(out, "tables match workflow_runs") {
				t.Fatalf("stats --verify: %d\n%s\n%s", code, out, errOut)
			}
			if code, out, errOut := run(t, nil, "stats", "--dsn", dsn, "--compact"); code != 0 || !strings.Contains(out, "folded") || !strings.Contains(out, "tables match") {
				t.Errorf("stats --compact: %d\n%s\n%s", code, out, errOut)
			}
			if err := db.Exec(`UPDATE wflog_run_buckets SET runs = runs + 1 WHERE app_id = ? AND NOT finished AND bucket > now() - interval '1 day'`, app).Error; err != nil {
				t.Fatal(err)
			}
			if code, out, _ := run(t, nil, verify...); code != 1 || !strings.Contains(out, "bucket rows") || !strings.Contains(out, "differ from the scan") {
				t.Errorf("stats --verify after tampering: %d\n%s", code, out)
			}
			if code, out, errOut := run(t, nil, "stats", "--dsn", dsn, "--rebuild"); code != 0 || !strings.Contains(out, "rebuilt") || !strings.Contains(out, "tables match") {
				t.Errorf("stats --rebuild: %d\n%s\n%s", code, out, errOut)
			}
		})
	}
}

// TestBench runs the benchmark at a tiny size so that the command cannot
// rot; its numbers are not looked at.
func TestBench(t *testing.T) {
	admin := testdb.Admin(t)
	schema := "wflog_bench_test_" + strings.ReplaceAll(uuid.NewString()[:8], "-", "")
	t.Cleanup(func() {
		for _, s := range []string{schema} {
			_ = admin.Exec(context.Background(), "DROP SCHEMA IF EXISTS "+s+" CASCADE").Close()
		}
	})
	code, out, errOut := run(t, map[string]string{"WFLOG_DSN": testdb.URL()}, "bench", "--runs", "400", "--apps", "4", "--rounds", "1", "--warmup", "0", "--schema", schema, "--grow", "600")
	if code != 0 {
		t.Fatalf("bench: %d\n%s\n%s", code, out, errOut)
	}
	for _, want := range []string{"wflog and the baseline agree on every answer", "CountByStatus (exact)", "Save one run", "raw pgx CopyFrom", "primary key only", "Growth",
		"1 rounds of 1200-row batches", // --ingest-rows scaled to the data set's 1200 rows
	} {
		if !strings.Contains(out+errOut, want) {
			t.Errorf("bench output lacks %q:\n%s\n%s", want, out, errOut)
		}
	}
	if code, _, errOut := run(t, nil, "bench", "--dsn", "logstore://a:b@127.0.0.1:1/p?sslmode=disable"); code != 1 || !strings.Contains(errOut, "bench measures PostgreSQL") {
		t.Errorf("bench on LogStore: %d %s", code, errOut)
	}
}

// TestLogStoreIndexAndCheck: logstore-index prints what the emulator reads,
// and check passes on it and fails, naming the field, on a misconfigured one.
func TestLogStoreIndexAndCheck(t *testing.T) {
	code, out, errOut := run(t, nil, "logstore-index", "--json")
	if code != 0 {
		t.Fatalf("logstore-index --json: exit %d: %s", code, errOut)
	}
	ix, err := logstoretest.ParseIndexes([]byte(out))
	if err != nil {
		t.Fatal(err)
	}
	if k := ix["workflow_runs"].Keys["version"]; k.Type != "long" || !k.DocValue {
		t.Errorf("version: %+v", k)
	}
	if code, out, _ := run(t, nil, "logstore-index"); code != 0 || !strings.Contains(out, "CreateIndex") || !strings.Contains(out, "wflog check") {
		t.Errorf("logstore-index: exit %d, output lacks the steps:\n%s", code, out)
	}

	srv := logstoretest.New(t)
	if code, _, errOut := run(t, nil, "migrate", "--dsn", srv.DSN()); code != 0 {
		t.Fatalf("migrate: %s", errOut)
	}
	code, out, errOut = run(t, nil, "check", "--dsn", srv.DSN())
	if code != 0 || !strings.Contains(out, "workflow_runs: 0 rows, ok") {
		t.Errorf("check on the right index: exit %d\n%s%s", code, out, errOut)
	}

	ix["workflow_runs"].Keys["total_steps"] = logstoretest.IndexKey{Type: "double", DocValue: true}
	bad := logstoretest.New(t, func(c *logstoretest.Config) { c.Indexes = ix })
	if code, _, _ := run(t, nil, "migrate", "--dsn", bad.DSN()); code != 1 {
		t.Errorf("migrate on a misconfigured index: exit %d, want 1", code)
	}
	code, out, errOut = run(t, nil, "check", "--dsn", bad.DSN())
	if code != 1 || !strings.Contains(out, "problem: field total_steps reads as double, want bigint") {
		t.Errorf("check on a misconfigured index: exit %d\n%s%s", code, out, errOut)
	}
	if code, _, errOut := run(t, nil, "check", "--dsn", "postgres://u@127.0.0.1/db"); code != 1 || !strings.Contains(errOut, "probes LogStore") {
		t.Errorf("check on PostgreSQL: exit %d, %s", code, errOut)
	}
	code, _, errOut = run(t, nil, "check", "--dsn", "sqlite://"+filepath.Join(t.TempDir(), "w.db"))
	if code != 1 || !strings.Contains(errOut, "a SQLite DSN, which has no field indexes to check") || strings.Contains(errOut, "PostgreSQL") {
		t.Errorf("check on SQLite: exit %d, %s", code, errOut)
	}
}

// TestLogStoreIndexOut: --out creates its directory, and --help lists no
// --dsn, which logstore-index does not use (it is still accepted, as
// before any command).
func TestLogStoreIndexOut(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "indexes", "sls")
	if code, _, errOut := run(t, nil, "--dsn", "postgres://h/db", "logstore-index", "--out", dir); code != 0 {
		t.Fatalf("logstore-index --out %s: exit %d: %s", dir, code, errOut)
	}
	for _, name := range []string{"workflow_runs", "workflow_node_executions"} {
		body, err := os.ReadFile(filepath.Join(dir, name+".index.json"))
		if err != nil || !strings.Contains(string(body), `"keys"`) {
			t.Errorf("%s: %v\n%s", name, err, body)
		}
	}
	code, out, _ := run(t, nil, "logstore-index", "--help")
	if code != 0 || strings.Contains(out, "  -dsn") || !strings.Contains(out, "-out DIR") {
		t.Errorf("logstore-index --help: exit %d\n%s", code, out)
	}
}
