package wflog_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/wflog/wflog/internal/testdb"
	"github.com/wflog/wflog/logstoretest"
)

// TestRepositoryExample runs the README's repository example on both
// backends; the README must show it as it is.
func TestRepositoryExample(t *testing.T) {
	src, err := os.ReadFile("examples/repository/main.go")
	if err != nil {
		t.Fatal(err)
	}
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(readme), "```go\n"+string(src)+"```") {
		t.Error("README.md does not show examples/repository/main.go as it is")
	}
	_, dsn := testdb.Schema(t)
	bin := filepath.Join(t.TempDir(), "repository")
	if out, err := exec.Command("go", "build", "-o", bin, "./examples/repository").CombinedOutput(); err != nil {
		t.Fatalf("building the example: %v\n%s", err, out)
	}
	srv := logstoretest.New(t)
	want := regexp.MustCompile(`^run [0-9a-f-]{36} succeeded, 420 tokens
  node 1 start: succeeded
  node 2 llm: succeeded
1 run\(s\), 1 succeeded
tokens on \d{4}-\d{2}-\d{2} \(Shanghai\): 420
$`)
	for name, dsn := range map[string]string{"postgres": dsn, "logstore": srv.DSN()} {
		cmd := exec.Command(bin)
		cmd.Env = append(os.Environ(), "WFLOG_DSN="+dsn)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("%s: %v\n%s", name, err, out)
		}
		if !want.Match(out) {
			t.Errorf("%s: the example printed:\n%s", name, out)
		}
	}
}

// TestQuickstart runs the README's program against a fresh schema and
// checks what it prints; the README must show the program as it is.
func TestQuickstart(t *testing.T) {
	src, err := os.ReadFile("examples/quickstart/main.go")
	if err != nil {
		t.Fatal(err)
	}
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(readme), "```go\n"+string(src)+"```") {
		t.Error("README.md does not show examples/quickstart/main.go as it is")
	}

	_, dsn := testdb.Schema(t)
	bin := filepath.Join(t.TempDir(), "quickstart")
	if out, err := exec.Command("go", "build", "-o", bin, "./examples/quickstart").CombinedOutput(); err != nil {
		t.Fatalf("building the quick start: %v\n%s", err, out)
	}
	srv := logstoretest.New(t)
	want := regexp.MustCompile(`^run [0-9a-f-]{36}: succeeded, 3 steps, 1234 tokens
  version 1 \(\d{19}\): running
  version 2 \(\d{19}\): running
  version 3 \(\d{19}\): succeeded
$`)
	for name, dsn := range map[string]string{"postgres": dsn, "logstore": srv.DSN()} {
		cmd := exec.Command(bin)
		cmd.Env = append(os.Environ(), "WFLOG_DSN="+dsn)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("%s: quickstart: %v\n%s", name, err, out)
		}
		if !want.Match(out) {
			t.Errorf("%s: quickstart printed:\n%s", name, out)
		}
	}
}
