package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/wflog/wflog"
	"github.com/wflog/wflog/internal/dialect"
	"github.com/wflog/wflog/internal/testdb"
	"github.com/wflog/wflog/internal/workload"
	"github.com/wflog/wflog/logstoretest"
	"github.com/wflog/wflog/models"
	"github.com/wflog/wflog/repo"
)

// TestRoute: what comes before the command — help, global flags, typos.
func TestRoute(t *testing.T) {
	tests := []struct {
		name     string
		args     []string
		code     int
		stdout   string // wanted in stdout ("" : stdout must be empty)
		stderr   string // wanted in stderr ("" : stderr must be empty)
		notInErr string
	}{
		{name: "bare", args: nil, code: 2, stderr: "Usage: wflog [--dsn DSN] <command>"},
		{name: "--help", args: []string{"--help"}, stdout: "Start with:   wflog demo"},
		{name: "-h", args: []string{"-h"}, stdout: "Commands:"},
		{name: "help", args: []string{"help"}, stdout: "Commands:"},
		{name: "help command", args: []string{"help", "stats"}, stdout: "Usage: wflog stats"},
		{name: "help unknown", args: []string{"help", "stast"}, code: 2, stderr: `unknown command "stast"; did you mean stats?`},
		{name: "typo", args: []string{"simluate"}, code: 2, stderr: "did you mean simulate?"},
		{name: "case", args: []string{"Demo"}, code: 2, stderr: "did you mean demo?"},
		{name: "prefix", args: []string{"run"}, code: 2, stderr: "did you mean runs?"},
		{name: "nothing near", args: []string{"frobnicate"}, code: 2, stderr: `unknown command "frobnicate"`, notInErr: "did you mean"},
		{name: "command flag first", args: []string{"--runs", "5", "simulate"}, code: 2, stderr: "--runs goes after the command (only --dsn may come before it), as in\n  wflog simulate --runs …"},
		{name: "unknown flag first", args: []string{"--verbose"}, code: 2, stderr: "the only flag before the command is --dsn"},
		{name: "misspelled dsn first", args: []string{"--dns=postgres://u:hunter2@h/db", "migrate"}, code: 2, stderr: "unknown flag --dns=…; did you mean --dsn?", notInErr: "hunter2"},
		{name: "dsn without command", args: []string{"--dsn", "postgres://h/db"}, code: 2, stderr: "--dsn given, but no command"},
		{name: "dsn without value", args: []string{"--dsn"}, code: 2, stderr: "flag needs an argument: --dsn"},
		{name: "flag mistake", args: []string{"runs", "--limt", "3"}, code: 2, stderr: "flag provided but not defined: -limt"},
		{name: "global dsn, command without", args: []string{"--dsn", "postgres://h/db", "copy"}, code: 2, stderr: "wflog copy takes no --dsn, before or after its name"},
		{name: "flag mistake shows usage", args: []string{"stats", "--dayz", "3"}, code: 2, stderr: "Usage: wflog stats"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := run(t, nil, tt.args...)
			if code != tt.code {
				t.Errorf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tt.code, out, errOut)
			}
			if tt.stdout == "" && out != "" || !strings.Contains(out, tt.stdout) {
				t.Errorf("stdout, want %q:\n%s", tt.stdout, out)
			}
			if tt.stderr == "" && errOut != "" || !strings.Contains(errOut, tt.stderr) {
				t.Errorf("stderr, want %q:\n%s", tt.stderr, errOut)
			}
			if tt.notInErr != "" && strings.Contains(errOut, tt.notInErr) {
				t.Errorf("stderr has %q:\n%s", tt.notInErr, errOut)
			}
		})
	}
}

// TestGlobalDSN: --dsn before the command is the command's --dsn, in both
// spellings, and a --dsn after the command wins.
func TestGlobalDSN(t *testing.T) {
	_, dsn := testdb.Schema(t)
	for _, args := range [][]string{
		{"--dsn", dsn, "migrate"},
		{"-dsn=" + dsn, "migrate"},
		{"--dsn", "postgres://nobody@127.0.0.1:1/none?sslmode=disable", "migrate", "--dsn", dsn},
	} {
		code, out, errOut := run(t, nil, args...)
		if code != 0 || !strings.Contains(out, "migrated "+dialect.Redact(dsn)) {
			t.Errorf("%q: exit %d\n%s%s", args, code, out, errOut)
		}
	}
}

// shellWords splits a suggested command line as a POSIX shell would, for
// the subset the CLI prints: words, '…' quotes, and "$VAR" from env.
func shellWords(t *testing.T, line string, env map[string]string) []string {
	t.Helper()
	var words []string
	var w strings.Builder
	in := false
	for i := 0; i < len(line); i++ {
		switch c := line[i]; {
		case c == ' ':
			if in {
				words = append(words, w.String())
				w.Reset()
				in = false
			}
		case c == '\'':
			end := strings.IndexByte(line[i+1:], '\'')
			if end < 0 {
				t.Fatalf("unbalanced quote in %q", line)
			}
			w.WriteString(line[i+1 : i+1+end])
			i += end + 1
			in = true
		case c == '"':
			end := strings.IndexByte(line[i+1:], '"')
			if end < 0 {
				t.Fatalf("unbalanced quote in %q", line)
			}
			word := line[i+1 : i+1+end]
			if strings.HasPrefix(word, "$") {
				word = env[word[1:]]
			}
			w.WriteString(word)
			i += end + 1
			in = true
		case c == '\\':
			i++
			w.WriteByte(line[i])
			in = true
		default:
			w.WriteByte(c)
			in = true
		}
	}
	if in {
		words = append(words, w.String())
	}
	return words
}

// suggested finds the command line after prefix in out and splits it; its
// first word must be wflog.
func suggested(t *testing.T, out, prefix string, env map[string]string) []string {
	t.Helper()
	m := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(prefix) + `\s*(wflog .*)$`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no %q line in:\n%s", prefix, out)
	}
	words := shellWords(t, m[1], env)
	if words[0] != "wflog" {
		t.Fatalf("%q does not start with wflog", m[1])
	}
	return words[1:]
}

// TestSuggestionsRun: every command line the CLI suggests runs as printed
// and reads the database the command wrote: it carries --dsn, --status and
// --limit. A DSN with a secret is not printed: the line reads $WFLOG_DSN.
func TestSuggestionsRun(t *testing.T) {
	_, dsn := testdb.Schema(t)
	code, out, errOut := run(t, nil, "simulate", "--dsn", dsn, "--runs", "40", "--apps", "1", "--seed", "3", "--batch", "30", "--days", "2")
	if code != 0 {
		t.Fatalf("simulate: %d\n%s\n%s", code, out, errOut)
	}
	if !strings.Contains(out, "--dsn "+shellQuote(dsn)) {
		t.Errorf("the suggestion does not carry --dsn:\n%s", out)
	}
	args := suggested(t, out, "see them with:", nil)
	if code, listed, errOut := run(t, nil, append(args, "--limit", "100")...); code != 0 || strings.Count(listed, "\n") != 41 {
		t.Fatalf("%q: exit %d, %d lines\n%s%s", args, code, strings.Count(listed, "\n"), listed, errOut)
	}
	args = suggested(t, out, "statistics:", nil)
	if code, stats, errOut := run(t, nil, args...); code != 0 || !strings.Contains(stats, "runs by current status: 40 in all") {
		t.Fatalf("%q: exit %d\n%s%s", args, code, stats, errOut)
	}

	// Page through the succeeded and failed runs three at a time with the
	// more: lines; the pages must be the repository's.
	db, err := wflog.Open(dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer closeDB(db)
	tenant, app := uuid.MustParse(args[2]), uuid.MustParse(args[4])
	q := repo.ListRuns{TenantID: tenant, AppID: app, Limit: 3, Status: []models.RunStatus{models.RunSucceeded, models.RunFailed}}
	cmd := []string{"runs", "--tenant", tenant.String(), "--app", app.String(), "--status", "succeeded,failed", "--limit", "3", "--dsn", dsn}
	for page := 0; ; page++ {
		if page > 20 {
			t.Fatal("more than 20 pages")
		}
		code, listed, errOut := run(t, nil, cmd...)
		if code != 0 {
			t.Fatalf("%q: %d %s", cmd, code, errOut)
		}
		want, err := repo.NewRuns(db).List(context.Background(), q)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range want.Runs {
			if !strings.Contains(listed, r.ID.String()) {
				t.Fatalf("page %d lacks %s:\n%s", page, r.ID, listed)
			}
		}
		if !want.HasMore {
			if strings.Contains(listed, "more:") {
				t.Errorf("a more: line after the last page:\n%s", listed)
			}
			break
		}
		cmd = suggested(t, listed, "more:", nil)
		q.LastID = want.Runs[len(want.Runs)-1].ID
	}

	// With a password in --dsn, nothing shows it; the lines run with
	// $WFLOG_DSN set as the note says.
	u := strings.Replace(dsn, "postgres://postgres@", "postgres://postgres:hunter2@", 1)
	if u == dsn {
		t.Fatalf("cannot add a password to %s", dsn)
	}
	code, out, errOut = run(t, nil, "simulate", "--dsn", u, "--runs", "5", "--apps", "1", "--seed", "4")
	if code != 0 || strings.Contains(out+errOut, "hunter2") || !strings.Contains(out, `--dsn "$WFLOG_DSN"`) ||
		!strings.Contains(out, "with WFLOG_DSN set to the --dsn given, "+shellQuote(dialect.Redact(u))) {
		t.Fatalf("simulate with a password: %d\n%s%s", code, out, errOut)
	}
	env := map[string]string{"WFLOG_DSN": u}
	args = suggested(t, out, "see them with:", env)
	if code, listed, errOut := run(t, env, args...); code != 0 || strings.Count(listed, "\n") != 6 {
		t.Errorf("%q: exit %d\n%s%s", args, code, listed, errOut)
	}
}

// TestTieredMoreLine: over two tiers, the more: line carries --older and
// --cutover, so that the next page reads both tiers: paging with the lines
// lists every run once, in the tiered repository's order. An --older with
// a password is read from $WFLOG_OLDER, as --dsn is from $WFLOG_DSN.
func TestTieredMoreLine(t *testing.T) {
	ctx := context.Background()
	_, olderDSN := testdb.Schema(t)
	_, newerDSN := testdb.Schema(t)
	older, newer := testdb.OpenDSN(t, olderDSN), testdb.OpenDSN(t, newerDSN)
	start := time.Now().UTC().AddDate(0, 0, -4).Truncate(time.Hour)
	cutover := start.Add(50 * time.Hour)
	g := workload.New(workload.Config{Seed: 7, Tenants: 1, AppsPerTenant: 1, Users: 3, Days: 3, Start: start})
	runs := repo.NewRuns(newer, repo.WithOlderTier(older, cutover))
	for i := 0; i < 30; i++ {
		for _, v := range g.Run(i).Runs {
			if err := runs.Save(ctx, &v); err != nil {
				t.Fatal(err)
			}
		}
	}
	var inOlder, inNewer int64
	older.Model(&models.WorkflowRun{}).Count(&inOlder)
	newer.Model(&models.WorkflowRun{}).Count(&inNewer)
	if inOlder == 0 || inNewer == 0 {
		t.Fatalf("the tiers hold %d and %d versions: both must hold some", inOlder, inNewer)
	}

	withPassword := strings.Replace(olderDSN, "postgres://postgres@", "postgres://postgres:hunter2@", 1)
	if withPassword == olderDSN {
		t.Fatalf("cannot add a password to %s", olderDSN)
	}
	env := map[string]string{"WFLOG_OLDER": withPassword}
	tenant, app := g.Tenant(0), g.App(0, 0)
	cmd := []string{"runs", "--tenant", tenant.String(), "--app", app.String(), "--limit", "4", "--dsn", newerDSN,
		"--older", withPassword, "--cutover", cutover.Format(time.RFC3339)}
	q := repo.ListRuns{TenantID: tenant, AppID: app, Limit: 4}
	seen := map[uuid.UUID]bool{}
	for page := 0; ; page++ {
		if page > 20 {
			t.Fatal("more than 20 pages")
		}
		code, listed, errOut := run(t, nil, cmd...)
		if code != 0 {
			t.Fatalf("%q: %d %s", cmd, code, errOut)
		}
		want, err := runs.List(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range want.Runs {
			if !strings.Contains(listed, r.ID.String()) {
				t.Fatalf("page %d lacks %s:\n%s", page, r.ID, listed)
			}
			if seen[r.ID] {
				t.Fatalf("page %d repeats %s", page, r.ID)
			}
			seen[r.ID] = true
		}
		if !want.HasMore {
			if strings.Contains(listed, "more:") {
				t.Errorf("a more: line after the last page:\n%s", listed)
			}
			break
		}
		if strings.Contains(listed, "hunter2") || !strings.Contains(listed, `--older "$WFLOG_OLDER"`) ||
			!strings.Contains(listed, "(with WFLOG_OLDER set to the --older given, "+shellQuote(dialect.Redact(withPassword))) {
			t.Fatalf("the more: line does not read --older from $WFLOG_OLDER, or shows its secret:\n%s", listed)
		}
		cmd = suggested(t, listed, "more:", env)
		q.LastID = want.Runs[len(want.Runs)-1].ID
	}
	if len(seen) != 30 {
		t.Errorf("the pages listed %d runs, want 30", len(seen))
	}
}

// TestOpenAdvice: the advice for a server that does not answer fits the DSN.
func TestOpenAdvice(t *testing.T) {
	refused := errors.New("failed to connect: dial error: dial tcp: connect: connection refused")
	saved := probe
	defer func() { probe = saved }()
	tests := []struct {
		name, dsn string
		err       error
		answers   bool // whether the default port answers
		want      []string
		not       []string
	}{
		{name: "local postgres", dsn: "postgres://postgres:pw@127.0.0.1:5432/postgres", err: refused,
			want: []string{"No PostgreSQL answers at 127.0.0.1:5432", "pg_ctlcluster", "docker run", "--dsn"}},
		{name: "wrong port", dsn: "postgres://postgres@localhost:5433/postgres", err: refused, answers: true,
			want: []string{"Nothing listens at localhost:5433", "did you mean port 5432?", "LogStore emulator"}},
		{name: "wrong port, nothing at 5432", dsn: "postgres://postgres@localhost:6543/postgres", err: refused,
			want: []string{"No PostgreSQL answers at localhost:6543"}, not: []string{"did you mean"}},
		{name: "remote postgres", dsn: "postgres://u:pw@db.example.com:5432/app", err: refused,
			want: []string{"No PostgreSQL answered at db.example.com:5432", "pg_hba.conf"}, not: []string{"pg_ctlcluster"}},
		{name: "logstore endpoint", dsn: "logstore://ak:secret@cn-hangzhou.log.aliyuncs.com/proj", err: refused,
			want: []string{"No LogStore endpoint answered at cn-hangzhou.log.aliyuncs.com:5432", "region"}, not: []string{"PostgreSQL answers"}},
		{name: "local emulator", dsn: "logstore://ak:secret@127.0.0.1:5433/wflog?sslmode=disable", err: refused,
			want: []string{"No LogStore emulator listens at 127.0.0.1:5433", emulatorCommand}},
		{name: "plaintext emulator", dsn: "logstore://ak:secret@127.0.0.1:5433/wflog", err: errors.New("failed to connect: tls error: server refused TLS connection"),
			want: []string{"does not offer TLS", "sslmode=disable"}},
		{name: "unknown host", dsn: "logstore://ak:secret@cn-nowhere.example/proj", err: &net.DNSError{Err: "no such host", Name: "cn-nowhere.example"},
			want: []string{"The host cn-nowhere.example is not known", "cn-hangzhou.log.aliyuncs.com"}},
		{name: "timeout", dsn: "postgres://u@10.1.2.3/db", err: errors.New("failed to connect: dial error: i/o timeout"),
			want: []string{"Nothing answered at 10.1.2.3:5432 in time", "connect_timeout"}},
		{name: "not a connection problem", dsn: "postgres://u@127.0.0.1/db", err: errors.New(`FATAL: role "u" does not exist`), not: []string{"\n\n"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			probe = func(string) bool { return tt.answers }
			got := explainOpen(tt.dsn, tt.err)
			if !errors.Is(got, tt.err) {
				t.Errorf("the advice does not wrap the error")
			}
			msg := got.Error()
			for _, w := range tt.want {
				if !strings.Contains(msg, w) {
					t.Errorf("lacks %q:\n%s", w, msg)
				}
			}
			for _, n := range append(tt.not, "scripts/", "secret", ":pw@") {
				if strings.Contains(msg, n) {
					t.Errorf("has %q:\n%s", n, msg)
				}
			}
			if len(tt.want) == 0 && msg != tt.err.Error() {
				t.Errorf("advice where none fits:\n%s", msg)
			}
		})
	}
}

// TestPlaintextEmulator: a logstore:// DSN without sslmode=disable against
// the plaintext emulator fails with advice to add it.
func TestPlaintextEmulator(t *testing.T) {
	srv := logstoretest.New(t)
	dsn := strings.Replace(srv.DSN(), "sslmode=disable", "sslmode=require", 1)
	code, _, errOut := run(t, nil, "migrate", "--dsn", dsn)
	if code != 1 || !strings.Contains(errOut, "sslmode=disable") || strings.Contains(errOut, logstoretest.DefaultAccessKeySecret) {
		t.Errorf("migrate against the plaintext emulator: %d\n%s", code, errOut)
	}
}

// TestBenchFlags: bench refuses bad flags at once, before building anything.
func TestBenchFlags(t *testing.T) {
	dsn := "postgres://postgres@127.0.0.1:1/postgres?sslmode=disable" // nothing listens: no work can start
	tests := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"--runs", "20000", "--ingest-rows", "30000"}, 2, "--ingest-rows 30000: the data set's 60000 rows make at most 11 batches of 5454 rows"},
		{[]string{"--runs", "1", "--apps", "1", "--warmup", "3", "--rounds", "3"}, 2, "are too few for 6 ingest batches"},
		{[]string{"--runs", "10", "--apps", "20"}, 2, "--runs 10: want at least 20"},
		{[]string{"--days", "0"}, 2, "--days 0: want at least 1"},
		{[]string{"--rounds", "0"}, 2, "--rounds 0: want at least 1"},
		{[]string{"--runs", "1000", "--grow", "500"}, 2, "--grow 500: want 0 (no growth) or more runs than --runs 1000"},
		{[]string{"--markdown", filepath.Join(t.TempDir(), "missing", "bench.md")}, 1, "--markdown"},
	}
	for _, tt := range tests {
		start := time.Now()
		code, _, errOut := run(t, nil, append([]string{"bench", "--dsn", dsn}, tt.args...)...)
		if code != tt.code || !strings.Contains(errOut, tt.want) {
			t.Errorf("bench %q: exit %d, want %d and %q\n%s", tt.args, code, tt.code, tt.want, errOut)
		}
		if elapsed := time.Since(start); elapsed > 2*time.Second {
			t.Errorf("bench %q took %v to refuse", tt.args, elapsed)
		}
	}
	// A file to write is left alone by the check.
	md := filepath.Join(t.TempDir(), "bench.md")
	if err := os.WriteFile(md, []byte("keep"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := writable(md); err != nil {
		t.Error(err)
	}
	if b, _ := os.ReadFile(md); string(b) != "keep" {
		t.Errorf("writable changed the file: %q", b)
	}
}

// TestDaysFlags: --days below 1 is refused everywhere.
func TestDaysFlags(t *testing.T) {
	owner := []string{"--tenant", uuid.NewString(), "--app", uuid.NewString()}
	for _, args := range [][]string{
		{"simulate", "--days", "0"},
		{"simulate", "--days", "-3"},
		append([]string{"stats", "--days", "0"}, owner...),
		append([]string{"stats", "--days", "-1"}, owner...),
	} {
		code, _, errOut := run(t, nil, args...)
		if code != 2 || !strings.Contains(errOut, ": want at least 1 (today alone is --days 1)") {
			t.Errorf("%q: exit %d\n%s", args, code, errOut)
		}
	}
	for _, args := range [][]string{
		append([]string{"runs", "--limit", "0"}, owner...),
		append([]string{"runs", "--limit", "1001"}, owner...),
		append([]string{"runs", "--status", "runing"}, owner...),
	} {
		if code, _, errOut := run(t, nil, args...); code != 2 || !strings.Contains(errOut, "--") {
			t.Errorf("%q: exit %d\n%s", args, code, errOut)
		}
	}
}

// TestLastDays: --days n is today so far and the n-1 days before it, cut in
// the zone, across a change of daylight saving time too.
func TestLastDays(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 3, 9, 15, 30, 0, 0, ny) // the day after clocks went forward
	from, to := lastDays(now, 3, ny)
	if want := time.Date(2026, 3, 7, 0, 0, 0, 0, ny); !from.Equal(want) || !to.Equal(now) {
		t.Errorf("lastDays(3) = %v, %v; want %v, %v", from, to, want, now)
	}
	if from, _ := lastDays(now, 1, time.UTC); !from.Equal(time.Date(2026, 3, 9, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("lastDays(1) in UTC = %v", from)
	}
}

// TestSimulateAndStatsDays: what simulate --days n writes, stats --days n
// shows, day by day, and no more days.
func TestSimulateAndStatsDays(t *testing.T) {
	_, dsn := testdb.Schema(t)
	code, out, errOut := run(t, nil, "simulate", "--dsn", dsn, "--runs", "50", "--apps", "1", "--seed", "5", "--days", "3")
	if code != 0 {
		t.Fatalf("simulate: %d\n%s%s", code, out, errOut)
	}
	args := suggested(t, out, "statistics:", nil)
	code, out, errOut = run(t, nil, append(args, "--json")...)
	if code != 0 {
		t.Fatalf("%q: %d %s", args, code, errOut)
	}
	var v statsView
	if err := json.Unmarshal([]byte(out), &v); err != nil {
		t.Fatal(err)
	}
	var sum int64
	for _, d := range v.Days {
		sum += d.Runs
	}
	today := time.Now().UTC()
	first := today.AddDate(0, 0, -2).Format(time.DateOnly)
	if sum != 50 || v.Statuses.Total != 50 || len(v.Days) == 0 || len(v.Days) > 3 || v.Days[0].Day < first || v.Days[len(v.Days)-1].Day > today.Format(time.DateOnly) {
		t.Errorf("stats --days 3 after simulate --days 3: %d runs by day, %d by status, days %+v", sum, v.Statuses.Total, v.Days)
	}
}

// TestJSONConvention: --json outputs use snake_case keys, and JSON columns
// are JSON values, not strings.
func TestJSONConvention(t *testing.T) {
	_, dsn := testdb.Schema(t)
	code, out, errOut := run(t, nil, "simulate", "--dsn", dsn, "--runs", "6", "--apps", "1", "--seed", "6", "--versions", "2")
	if code != 0 {
		t.Fatalf("simulate: %d\n%s%s", code, out, errOut)
	}
	owner := suggested(t, out, "see them with:", nil)
	code, out, errOut = run(t, nil, append(owner, "--json", "--limit", "2")...)
	if code != 0 {
		t.Fatalf("runs --json: %d %s", code, errOut)
	}
	var page map[string]any
	if err := json.Unmarshal([]byte(out), &page); err != nil {
		t.Fatal(err)
	}
	if page["has_more"] != true {
		t.Errorf("has_more = %v", page["has_more"])
	}
	runs, _ := page["runs"].([]any)
	if len(runs) != 2 {
		t.Fatalf("runs --json: %s", out)
	}
	run0 := runs[0].(map[string]any)
	if _, ok := run0["outputs"].(map[string]any); !ok {
		t.Errorf("outputs is %T, want a JSON object: %v", run0["outputs"], run0["outputs"])
	}
	snake := regexp.MustCompile(`^[a-z]+(_[a-z]+)*$`)
	check := func(where string, m map[string]any) {
		for k := range m {
			if !snake.MatchString(k) {
				t.Errorf("%s: key %q is not snake_case", where, k)
			}
		}
	}
	check("runs", page)
	check("runs[0]", run0)
	stats := owner
	stats[0] = "stats"
	code, out, errOut = run(t, nil, append(stats, "--json")...)
	if code != 0 {
		t.Fatalf("stats --json: %d %s", code, errOut)
	}
	var v map[string]any
	if err := json.Unmarshal([]byte(out), &v); err != nil {
		t.Fatal(err)
	}
	check("stats", v)
	check("stats.statuses", v["statuses"].(map[string]any))
	for _, d := range v["days"].([]any) {
		check("stats.days", d.(map[string]any))
	}
}

// TestProgressWidth: the progress line fits 80 columns, whatever the numbers.
func TestProgressWidth(t *testing.T) {
	for _, total := range []int64{1, 999, 123_456, 9_999_999, 12_345_678_901} {
		for _, tty := range []bool{true, false} {
			var buf bytes.Buffer
			clock := time.Unix(0, 0)
			p := &progress{w: &buf, tty: tty, total: total, unit: "runs", now: func() time.Time { return clock }}
			p.start = clock
			for _, step := range []struct {
				after time.Duration
				n     int64
			}{{time.Millisecond, 1}, {time.Second, total / 3}, {time.Hour, total / 3}, {500 * time.Hour, total - 2*(total/3) - 1}} {
				clock = clock.Add(step.after)
				p.add(step.n)
			}
			p.finish()
			for _, line := range strings.FieldsFunc(buf.String(), func(r rune) bool { return r == '\r' || r == '\n' }) {
				if n := utf8.RuneCountInString(line); n > 79 {
					t.Errorf("total %d, tty %v: %d columns: %q", total, tty, n, line)
				}
			}
			if !strings.Contains(buf.String(), "100%") {
				t.Errorf("total %d, tty %v: never reached 100%%:\n%s", total, tty, buf.String())
			}
		}
	}
	for n, want := range map[int64]string{0: "0", 99_999: "99999", 100_000: "100k", 1_234_567: "1.23M", 12_345_678: "12.3M", 123_456_789: "123M", 2_500_000_000: "2.5G"} {
		if got := count(n); got != want {
			t.Errorf("count(%d) = %q, want %q", n, got, want)
		}
	}
	_ = fmt.Sprint
}

// keyValueDSN rewrites a test database URL as a key/value DSN.
func keyValueDSN(t *testing.T, dsn string) string {
	t.Helper()
	pc, err := pgconn.ParseConfig(dsn)
	if err != nil {
		t.Fatal(err)
	}
	kv := fmt.Sprintf("host=%s port=%d user=%s dbname=%s sslmode=disable", pc.Host, pc.Port, pc.User, pc.Database)
	if pc.Password != "" {
		kv += " password='" + pc.Password + "'"
	}
	if sp := pc.RuntimeParams["search_path"]; sp != "" {
		kv += " search_path=" + sp
	}
	return kv
}

// TestKeyValueDSN: a key/value DSN, as GORM's documentation writes them,
// works as --dsn, and the commands the CLI suggests carry it quoted.
func TestKeyValueDSN(t *testing.T) {
	schema, dsn := testdb.Schema(t)
	kv := keyValueDSN(t, dsn)
	code, out, errOut := run(t, nil, "simulate", "--dsn", kv, "--runs", "7", "--apps", "1", "--seed", "8")
	if code != 0 || !strings.Contains(out, "--dsn "+shellQuote(kv)) {
		t.Fatalf("simulate --dsn %q: %d\n%s%s", kv, code, out, errOut)
	}
	args := suggested(t, out, "see them with:", nil)
	if code, listed, errOut := run(t, nil, args...); code != 0 || strings.Count(listed, "\n") != 8 {
		t.Errorf("%q: exit %d\n%s%s", args, code, listed, errOut)
	}
	admin := testdb.Admin(t)
	rs, err := admin.Exec(context.Background(), "SELECT count(DISTINCT id) FROM "+schema+".workflow_runs").ReadAll()
	if err != nil || string(rs[0].Rows[0][0]) != "7" {
		t.Errorf("runs in schema %s: %v (%v), want 7", schema, rs, err)
	}
	// With a password, the suggestion reads $WFLOG_DSN and shows it redacted.
	code, out, _ = run(t, nil, "simulate", "--dsn", kv+" password=hunter2", "--runs", "2", "--apps", "1", "--seed", "9")
	if code != 0 || strings.Contains(out, "hunter2") || !strings.Contains(out, "password=xxxxx") || !strings.Contains(out, `--dsn "$WFLOG_DSN"`) {
		t.Errorf("simulate with a key/value password: %d\n%s", code, out)
	}
}

// TestWithSchema: bench points both DSN forms at its schema.
func TestWithSchema(t *testing.T) {
	for _, dsn := range []string{"postgres://u@db/app?sslmode=disable", "host=db user=u dbname=app sslmode=disable"} {
		got, err := withSchema(dsn, "wflog_bench")
		if err != nil {
			t.Fatal(err)
		}
		cfg, err := dialect.Parse(got)
		if err != nil {
			t.Fatal(err)
		}
		pc, err := pgconn.ParseConfig(cfg.ConnString)
		if err != nil || pc.RuntimeParams["search_path"] != "wflog_bench" || pc.Database != "app" {
			t.Errorf("withSchema(%q) = %q: search_path %q (%v)", dsn, got, pc.RuntimeParams["search_path"], err)
		}
	}
}

// TestDemoDropsEmulatorSchemaWhenOutputGoes: wflog demo --backend logstore
// | head — the reader goes, the next write raises SIGPIPE, and the demo
// still drops its emulator's schema, exiting with 128+SIGPIPE.
func TestDemoDropsEmulatorSchemaWhenOutputGoes(t *testing.T) {
	_, dsn := testdb.Schema(t)
	admin := testdb.Admin(t)
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "WFLOG_TEST_RUN_MAIN=1", "WFLOG_TEST_ARGS=demo --backend logstore --visibility-delay 2s --dsn "+dsn)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill() // only if the test fails first
	schemaLine := regexp.MustCompile(`in schema (logstore_[0-9a-f]+) of `)
	var schema string
	sc := bufio.NewScanner(stdout)
	for schema == "" && sc.Scan() {
		if m := schemaLine.FindStringSubmatch(sc.Text()); m != nil {
			schema = m[1]
		}
	}
	if schema == "" {
		t.Fatalf("the demo did not name its emulator's schema; stderr:\n%s", stderr.String())
	}
	stdout.Close() // the reader goes; the demo's next line meets a closed pipe
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err = <-done:
	case <-time.After(30 * time.Second):
		_ = cmd.Process.Kill()
		err = <-done
		t.Errorf("still running 30s after its reader went")
	}
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 128+int(syscall.SIGPIPE) {
		t.Errorf("exit: %v, want status %d\nstderr:\n%s", err, 128+int(syscall.SIGPIPE), stderr.String())
	}
	rs, err := admin.Exec(context.Background(), "SELECT count(*) FROM pg_namespace WHERE nspname = '"+schema+"'").ReadAll()
	if err != nil || string(rs[0].Rows[0][0]) != "0" {
		t.Errorf("schema %s after the demo: %v; want it dropped", schema, err)
		_, _ = admin.Exec(context.Background(), "DROP SCHEMA IF EXISTS "+schema+" CASCADE").ReadAll()
	}
}
