package wflog_test

import (
	"os"
	"os/exec"
	"regexp"
	"testing"
	"time"

	"github.com/wflog/wflog/internal/testdb"
	"github.com/wflog/wflog/logstoretest"
)

// TestCutoverExample runs the README's cutover program with PostgreSQL as
// the old tier and mirror and the emulator as LogStore, with its documented
// 3 s visibility delay; the README must
// show it as it is, and it must print what the README says.
func TestCutoverExample(t *testing.T) {
	bin := buildQuoted(t, "examples/cutover")
	_, pg := testdb.Schema(t)
	srv := logstoretest.New(t, func(cfg *logstoretest.Config) { cfg.VisibilityDelay = 3 * time.Second })
	cmd := exec.Command(bin)
	cmd.Env = append(os.Environ(), "WFLOG_OLD="+pg, "WFLOG_NEW="+srv.DSN())
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("examples/cutover: %v\n%s", err, out)
	}
	want := regexp.MustCompile(`^run [0-9a-f-]{36}: succeeded, created after the cutover
run [0-9a-f-]{36}: succeeded, created before the cutover
mirror: 2 versions mirrored, 0 failed
PostgreSQL alone: 2 runs, 2 succeeded
$`)
	if !want.Match(out) {
		t.Errorf("examples/cutover printed:\n%s", out)
	}
}
