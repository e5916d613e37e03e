package wflog_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/wflog/wflog/internal/testdb"
	"github.com/wflog/wflog/logstoretest"
)

// TestRepositoryExample runs the README's repository example on both
// backends; the README must show it as it is.
func TestRepositoryExample(t *testing.T) {
	runExample(t, "examples/repository", regexp.MustCompile(`^run [0-9a-f-]{36} succeeded, 420 tokens
  node 1 start: succeeded
  node 2 llm: succeeded
1 run\(s\), 1 succeeded
tokens on \d{4}-\d{2}-\d{2} \(Shanghai\): 420
$`))
}

// TestQuickstart runs the README's first program on both backends; the
// README must show it as it is.
func TestQuickstart(t *testing.T) {
	runExample(t, "examples/quickstart", regexp.MustCompile(`^run [0-9a-f-]{36}: succeeded, 3 steps, 1234 tokens
  version 1 \(\d{19}\): running
  version 2 \(\d{19}\): running
  version 3 \(\d{19}\): succeeded
$`))
}

// runExample checks that README.md quotes dir/main.go whole, then builds it
// and runs it against a fresh PostgreSQL schema and against the LogStore
// emulator (through $WFLOG_DSN) with LogStore's documented 3 s visibility
// delay, matching what it prints against want.
func runExample(t *testing.T, dir string, want *regexp.Regexp) {
	t.Helper()
	bin := buildQuoted(t, dir)
	_, pg := testdb.Schema(t)
	srv := logstoretest.New(t, func(cfg *logstoretest.Config) { cfg.VisibilityDelay = 3 * time.Second })
	sqlite := "sqlite://" + filepath.Join(t.TempDir(), "wflog.db")
	for name, dsn := range map[string]string{"postgres": pg, "logstore": srv.DSN(), "sqlite": sqlite} {
		cmd := exec.Command(bin)
		cmd.Env = append(os.Environ(), "WFLOG_DSN="+dsn)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("%s on %s: %v\n%s", dir, name, err, out)
		}
		if !want.Match(out) {
			t.Errorf("%s on %s printed:\n%s", dir, name, out)
		}
	}
}

// buildQuoted checks that README.md quotes dir/main.go whole and builds it.
func buildQuoted(t *testing.T, dir string) string {
	t.Helper()
	src, err := os.ReadFile(filepath.Join(dir, "main.go"))
	if err != nil {
		t.Fatal(err)
	}
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(readme), "```go\n"+string(src)+"```") {
		t.Errorf("README.md does not show %s/main.go as it is", dir)
	}
	bin := filepath.Join(t.TempDir(), filepath.Base(dir))
	if out, err := exec.Command("go", "build", "-o", bin, "./"+dir).CombinedOutput(); err != nil {
		t.Fatalf("building %s: %v\n%s", dir, err, out)
	}
	return bin
}
