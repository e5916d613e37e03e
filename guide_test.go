package wflog_test

import (
	"bytes"
	"context"
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

// TestCuttingOverGuide runs the README's "Cutting over" steps as written,
// with PostgreSQL and the LogStore emulator: history in PostgreSQL, new
// runs in LogStore mirrored (best effort) to PostgreSQL through a mirror
// that dies halfway, then each section's commands in order — switch reads,
// roll back, retire the old tier — checking that after each, the view the
// guide promises equals the tiered view: nothing lost either way.
func TestCuttingOverGuide(t *testing.T) {
	ctx := context.Background()
	bin := filepath.Join(t.TempDir(), "wflog")
	if out, err := exec.Command("go", "build", "-o", bin, "./cmd/wflog").CombinedOutput(); err != nil {
		t.Fatalf("building wflog: %v\n%s", err, out)
	}
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
	wflogRun := func(args []string) (int, string) {
		t.Helper()
		var out bytes.Buffer
		cmd := exec.Command(bin, args...)
		cmd.Stdout, cmd.Stderr = &out, &out
		err := cmd.Run()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		return code, out.String()
	}
	must := func(args []string) string {
		t.Helper()
		code, out := wflogRun(args)
		if code != 0 {
			t.Fatalf("wflog %s: exit %d\n%s", strings.Join(args, " "), code, out)
		}
		return out
	}
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
