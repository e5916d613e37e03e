package wflog_test

import (
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"

	"github.com/wflog/wflog/internal/testdb"
)

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
	cmd := exec.Command("go", "run", "./examples/quickstart")
	cmd.Env = append(os.Environ(), "WFLOG_DSN="+dsn)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("quickstart: %v\n%s", err, out)
	}
	want := regexp.MustCompile(`^run [0-9a-f-]{36}: succeeded, 3 steps, 1234 tokens
  version 1 \(\d{19}\): running
  version 2 \(\d{19}\): running
  version 3 \(\d{19}\): succeeded
$`)
	if !want.Match(out) {
		t.Errorf("quickstart printed:\n%s", out)
	}
}
