package wflog_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/wflog/wflog"
	"github.com/wflog/wflog/internal/testdb"
	"github.com/wflog/wflog/internal/workload"
	"github.com/wflog/wflog/logstoretest"
	"github.com/wflog/wflog/mirror"
	"github.com/wflog/wflog/repo"
)

// guideCommands returns the "$ wflog …" lines of the README section whose
// heading is heading (up to the next heading of its level or above), as
// argument lists with $VARIABLES taken from env and double quotes removed.
func guideCommands(t *testing.T, heading string, env map[string]string) [][]string {
	t.Helper()
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(readme), "\n")
	level := strings.Index(heading, " ")
	var cmds [][]string
	in := false
	for _, line := range lines {
		if strings.HasPrefix(line, "#") {
			if line == heading {
				in = true
				continue
			}
			if in && strings.Index(line, " ") <= level {
				break
			}
		}
		if in && strings.HasPrefix(line, "$ wflog ") {
			cmds = append(cmds, shellWords(t, strings.TrimPrefix(line, "$ wflog "), env))
		}
	}
	if !in {
		t.Fatalf("README.md has no section %q", heading)
	}
	return cmds
}

// shellWords splits a command line as sh would for the README's commands:
// words split at spaces, "…" quoting, $NAME expanded, # comments dropped.
func shellWords(t *testing.T, line string, env map[string]string) []string {
	t.Helper()
	var words []string
	var w strings.Builder
	inWord, quoted := false, false
	for i := 0; i < len(line); i++ {
		c := line[i]
		switch {
		case c == '"':
			quoted, inWord = !quoted, true
		case c == '#' && !quoted && !inWord:
			i = len(line)
		case c == ' ' && !quoted:
			if inWord {
				words = append(words, w.String())
				w.Reset()
				inWord = false
			}
		case c == '$':
			j := i + 1
			for j < len(line) && (line[j] == '_' || line[j] >= 'A' && line[j] <= 'Z') {
				j++
			}
			v, ok := env[line[i+1:j]]
			if !ok {
				t.Fatalf("the README's command %q uses $%s, which the guide test does not set", line, line[i+1:j])
			}
			w.WriteString(v)
			inWord, i = true, j-1
		default:
			w.WriteByte(c)
			inWord = true
		}
	}
	if quoted {
		t.Fatalf("unbalanced quotes in the README's command %q", line)
	}
	if inWord {
		words = append(words, w.String())
	}
	return words
}

// TestGuide runs the README's migration guide — "Moving to LogStore" and
// "Cutting over" — as written: each section's wflog commands, taken from
// the README verbatim, against PostgreSQL and the LogStore emulator, with
// the outcome the guide describes checked after each. A command the guide
// changes is the command that runs; a step it drops fails here.
func TestGuide(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "wflog")
	if out, err := exec.Command("go", "build", "-o", bin, "./cmd/wflog").CombinedOutput(); err != nil {
		t.Fatalf("building wflog: %v\n%s", err, out)
	}
	w := &wflogCmd{bin: bin, dir: t.TempDir()} // state files land in dir
	t.Run("MovingToLogStore", func(t *testing.T) { movingToLogStore(t, w) })
	t.Run("CuttingOver", func(t *testing.T) { cuttingOver(t, w) })
}

// wflogCmd runs the built wflog command.
type wflogCmd struct{ bin, dir string }

// run runs wflog with args and returns its exit status and its output.
func (w *wflogCmd) run(t *testing.T, args []string) (int, string) {
	t.Helper()
	var out bytes.Buffer
	cmd := exec.Command(w.bin, args...)
	cmd.Dir, cmd.Stdout, cmd.Stderr = w.dir, &out, &out
	err := cmd.Run()
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		return exit.ExitCode(), out.String()
	case err != nil:
		t.Fatal(err)
	}
	return 0, out.String()
}

// must runs wflog with args and fails the test unless it exits 0.
func (w *wflogCmd) must(t *testing.T, args []string) string {
	t.Helper()
	code, out := w.run(t, args)
	if code != 0 {
		t.Fatalf("wflog %s: exit %d\n%s", strings.Join(args, " "), code, out)
	}
	return out
}

// difyRows are a few rows of Dify's own tables, as Dify writes them (naive
// UTC timestamps, Dify's version string), every one valid for the import.
const difyRows = `
INSERT INTO workflow_runs (id, tenant_id, app_id, workflow_id, type, triggered_from, version, graph, inputs, status, outputs, error,
	elapsed_time, total_tokens, total_steps, created_by_role, created_by, created_at, finished_at, exceptions_count) VALUES
('11111111-1111-4111-8111-111111111111', 'aaaaaaaa-0000-4000-8000-000000000001', 'bbbbbbbb-0000-4000-8000-000000000001', 'cccccccc-0000-4000-8000-000000000001',
 'workflow', 'app-run', '2026-11-01 08:00:00.123456', '{"nodes":[]}', '{"q":"hi"}', 'succeeded', '{"a":1}', NULL,
 1.25, 321, 3, 'end_user', 'dddddddd-0000-4000-8000-000000000001', '2026-11-20 23:30:00.123456', '2026-11-21 00:00:01.5', 0),
('22222222-2222-4222-8222-222222222222', 'aaaaaaaa-0000-4000-8000-000000000001', 'bbbbbbbb-0000-4000-8000-000000000001', 'cccccccc-0000-4000-8000-000000000001',
 'chat', 'debugging', 'draft', NULL, NULL, 'running', NULL, NULL,
 0, 0, NULL, 'account', 'dddddddd-0000-4000-8000-000000000002', '2026-11-21 10:00:00', NULL, NULL);
INSERT INTO workflow_node_executions (id, tenant_id, app_id, workflow_id, triggered_from, workflow_run_id, index, predecessor_node_id,
	node_execution_id, node_id, node_type, title, inputs, process_data, outputs, status, error, elapsed_time, execution_metadata,
	created_at, created_by_role, created_by, finished_at) VALUES
('44444444-4444-4444-8444-444444444444', 'aaaaaaaa-0000-4000-8000-000000000001', 'bbbbbbbb-0000-4000-8000-000000000001', 'cccccccc-0000-4000-8000-000000000001',
 'workflow-run', '11111111-1111-4111-8111-111111111111', 1, NULL, 'e1', 'start', 'start', 'Start', '{}', NULL, '{}', 'succeeded', NULL, 0.5,
 '{"total_tokens":0}', '2026-11-20 23:30:00.2', 'end_user', 'dddddddd-0000-4000-8000-000000000001', '2026-11-20 23:30:00.7');
`

// movingToLogStore runs "Moving to LogStore": provision, bring the history
// (an import from Dify's tables into one LogStore, a copy of wflog's into
// another, as the guide shows them side by side), verify, switch.
func movingToLogStore(t *testing.T, w *wflogCmd) {
	ctx := context.Background()
	_, difyDSN := testdb.Schema(t)
	dify, err := wflog.Open(difyDSN) // Dify's tables, not wflog's: no Migrate
	if err != nil {
		t.Fatal(err)
	}
	defer testdb.Close(t, dify)
	ddl, err := os.ReadFile("transfer/testdata/dify_schema.sql")
	if err != nil {
		t.Fatal(err)
	}
	for _, sql := range []string{string(ddl), difyRows} {
		if err := dify.Exec(sql).Error; err != nil {
			t.Fatal(err)
		}
	}
	_, wflogDSN := testdb.Schema(t)
	source := testdb.OpenDSN(t, wflogDSN)
	g := workload.New(workload.Config{Seed: 31, Tenants: 1, AppsPerTenant: 2, Users: 3, Days: 3, NodesPerRun: 2,
		Start: time.Now().UTC().AddDate(0, 0, -4)})
	runs, nodes := repo.NewRuns(source), repo.NewNodeExecutions(source)
	write := func(from, to int) {
		t.Helper()
		for i := from; i < to; i++ {
			h := g.Run(i)
			if err := runs.SaveBatch(ctx, h.Runs); err != nil {
				t.Fatal(err)
			}
			if err := nodes.SaveBatch(ctx, h.Nodes); err != nil {
				t.Fatal(err)
			}
		}
	}
	write(0, 40)
	fromDify, fromWflog := logstoretest.New(t), logstoretest.New(t)
	envDify := map[string]string{"DIFY": difyDSN, "WFLOG": wflogDSN, "LOGSTORE": fromDify.DSN()}
	envWflog := map[string]string{"DIFY": difyDSN, "WFLOG": wflogDSN, "LOGSTORE": fromWflog.DSN()}

	t.Run("Provision", func(t *testing.T) {
		cmds := guideCommands(t, "### 1. Provision", envDify)
		if len(cmds) != 3 || cmds[0][0] != "migrate" || cmds[1][0] != "check" || cmds[2][0] != "migrate" {
			t.Fatalf("the section's commands are %q; the test expects migrate LogStore, check it, then migrate Dify's database", cmds)
		}
		w.must(t, cmds[0])
		if out := w.must(t, cmds[1]); !strings.Contains(out, "workflow_runs: 0 rows, ok") {
			t.Fatalf("check after migrate:\n%s", out)
		}
		w.must(t, guideCommands(t, "### 1. Provision", envWflog)[0])
		if code, out := w.run(t, cmds[2]); code == 0 || !strings.Contains(out, "not wflog's") {
			t.Fatalf("migrate on Dify's database: exit %d\n%s", code, out)
		}
	})
	t.Run("BringTheHistory", func(t *testing.T) {
		cmds := guideCommands(t, "### 2. Bring the history", envDify)
		if len(cmds) != 3 || cmds[0][0] != "import" || cmds[1][0] != "copy" || cmds[2][0] != "copy" {
			t.Fatalf("the section's commands are %q; the test expects import, then copy twice", cmds)
		}
		w.must(t, cmds[0])
		for _, c := range guideCommands(t, "### 2. Bring the history", envWflog)[1:] {
			w.must(t, c)
		}
	})
	t.Run("Verify", func(t *testing.T) {
		cmds := guideCommands(t, "### 3. Verify", envDify)
		if len(cmds) != 2 || cmds[0][0] != "verify" || cmds[1][0] != "verify" {
			t.Fatalf("the section's commands are %q; the test expects verify twice", cmds)
		}
		w.must(t, cmds[0])
		write(40, 50) // the source keeps taking writes
		if code, out := w.run(t, guideCommands(t, "### 3. Verify", envWflog)[1]); code == 0 || !strings.Contains(out, "versions") {
			t.Fatalf("verify of a source that took writes after the copy: exit %d\n%s", code, out)
		}
	})
	t.Run("Switch", func(t *testing.T) {
		cmds := guideCommands(t, "### 4. Switch", envWflog)
		if len(cmds) != 1 || cmds[0][0] != "copy" {
			t.Fatalf("the section's commands are %q; the test expects one copy", cmds)
		}
		w.must(t, cmds[0])
		for ai := 0; ai < g.Apps(); ai++ {
			owner := []string{"--tenant", g.Tenant(0).String(), "--app", g.App(0, ai).String()}
			want := w.must(t, append([]string{"stats", "--dsn", wflogDSN}, owner...))
			if got := w.must(t, append([]string{"stats", "--dsn", fromWflog.DSN()}, owner...)); got != want {
				t.Fatalf("after the switch LogStore prints\n%s\nPostgreSQL printed\n%s", got, want)
			}
		}
	})
}

// cuttingOver runs the README's "Cutting over" steps as written,
// with PostgreSQL and the LogStore emulator: history in PostgreSQL, new
// runs in LogStore mirrored (best effort) to PostgreSQL through a mirror
// that dies halfway, then each section's commands in order — switch reads,
// roll back, retire the old tier — checking that after each, the view the
// guide promises equals the tiered view: nothing lost either way.
func cuttingOver(t *testing.T, w *wflogCmd) {
	ctx := context.Background()
	_, pgDSN := testdb.Schema(t)
	srv := logstoretest.New(t)
	pg := testdb.OpenDSN(t, pgDSN)
	testdb.OpenDSN(t, srv.DSN()) // LogStore, migrated

	// The deployment: history in PostgreSQL; from T on, LogStore takes the
	// writes and mirrors them to PostgreSQL until the mirror dies.
	now := time.Now().UTC()
	cutover := now.Add(-36 * time.Hour).Truncate(time.Second)
	g := workload.New(workload.Config{Seed: 21, Tenants: 1, AppsPerTenant: 1, Users: 4, Days: 3, NodesPerRun: 2,
		Start: now.Add(-72 * time.Hour)})
	mirrorDB, err := wflog.Open(pgDSN)
	if err != nil {
		t.Fatal(err)
	}
	m, err := mirror.New(mirrorDB, mirror.Config{Policy: mirror.BestEffort})
	if err != nil {
		t.Fatal(err)
	}
	primary, err := wflog.Open(srv.DSN(), wflog.WithMirror(m))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		for _, db := range []*gorm.DB{primary, mirrorDB} {
			if s, err := db.DB(); err == nil {
				_ = s.Close()
			}
		}
	})
	runs := repo.NewRuns(primary, repo.WithOlderTier(pg, cutover))
	nodes := repo.NewNodeExecutions(primary, repo.WithOlderTier(pg, cutover))
	const n = 60
	for i := 0; i < n; i++ {
		if i == n/2 {
			s, _ := mirrorDB.DB()
			_ = s.Close() // the mirror dies
		}
		h := g.Run(i)
		for _, v := range h.Runs {
			if err := runs.Save(ctx, &v); err != nil {
				t.Fatal(err)
			}
		}
		if err := nodes.SaveBatch(ctx, h.Nodes); err != nil {
			t.Fatal(err)
		}
	}
	if s := m.Stats(); s.Failed == 0 || s.Mirrored == 0 {
		t.Fatalf("mirror stats %+v: want rows both mirrored and lost", s)
	}

	env := map[string]string{"WFLOG": pgDSN, "LOGSTORE": srv.DSN(), "T": cutover.Format(time.RFC3339Nano),
		"TENANT": g.Tenant(0).String(), "APP": g.App(0, 0).String()}
	wflogRun := func(args []string) (int, string) { t.Helper(); return w.run(t, args) }
	must := func(args []string) string { t.Helper(); return w.must(t, args) }
	owner := []string{"--tenant", env["TENANT"], "--app", env["APP"]}
	statsOf := func(dsn string) string {
		return must(append([]string{"stats", "--dsn", dsn}, owner...))
	}

	var tiered string
	t.Run("SwitchReads", func(t *testing.T) {
		cmds := guideCommands(t, "### Switch reads", env)
		if len(cmds) != 1 || cmds[0][0] != "stats" {
			t.Fatalf("the section's commands are %q; the test expects one wflog stats", cmds)
		}
		tiered = must(cmds[0])
		if !strings.Contains(tiered, fmt.Sprintf("%d in all", n)) {
			t.Fatalf("the tiered stats do not count the %d runs:\n%s", n, tiered)
		}
	})
	t.Run("RollBack", func(t *testing.T) {
		cmds := guideCommands(t, "### Roll back", env)
		if len(cmds) != 2 || cmds[0][0] != "verify" || cmds[1][0] != "copy" {
			t.Fatalf("the section's commands are %q; the test expects verify, then copy", cmds)
		}
		if code, out := wflogRun(cmds[0]); code == 0 || !strings.Contains(out, "day  ") || !strings.Contains(out, "versions") {
			t.Fatalf("verify found no gap in a mirror that died halfway (exit %d):\n%s", code, out)
		}
		must(cmds[1])
		must(cmds[0]) // the gaps are filled
		if got := statsOf(pgDSN); got != tiered {
			t.Fatalf("PostgreSQL alone after the rollback copy:\n%s\nthe tiers:\n%s", got, tiered)
		}
	})
	t.Run("RetireTheOldTier", func(t *testing.T) {
		cmds := guideCommands(t, "### Retire the old tier", env)
		if len(cmds) != 2 || cmds[0][0] != "copy" || cmds[1][0] != "verify" {
			t.Fatalf("the section's commands are %q; the test expects copy, then verify", cmds)
		}
		must(cmds[0])
		must(cmds[1])
		if got := statsOf(srv.DSN()); got != tiered {
			t.Fatalf("LogStore alone after the history copy:\n%s\nthe tiers:\n%s", got, tiered)
		}
	})
}
