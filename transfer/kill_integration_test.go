package transfer_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/wflog/wflog"
	"github.com/wflog/wflog/internal/testdb"
	"github.com/wflog/wflog/transfer"
)

// childCopyEnv, when set to "FROM TO STATE", makes the test binary a copy
// process: TestCopyKilledAndResumed kills it with SIGKILL and starts it again.
const childCopyEnv = "WFLOG_TEST_COPY_CHILD"

func TestMain(m *testing.M) {
	if args := os.Getenv(childCopyEnv); args != "" {
		os.Exit(copyChild(strings.Fields(args)))
	}
	os.Exit(m.Run())
}

func copyChild(args []string) int {
	from, err := wflog.Open(args[0])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	to, err := wflog.Open(args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	// Small pages, slowed down, so that a kill lands anywhere: during a
	// read, during a COPY, between a COPY and the state file's rename.
	_, err = transfer.Copy(context.Background(), from, to, transfer.Options{PageSize: 7, StateFile: args[2],
		Progress: func(transfer.Progress) { time.Sleep(2 * time.Millisecond) }})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

// TestCopyKilledAndResumed kills a PostgreSQL → PostgreSQL copy process at
// random moments and starts it again with the same state file until it
// finishes: the target ends with every row once.
func TestCopyKilledAndResumed(t *testing.T) {
	h := makeHistory(60)
	src, srcSchema := testdb.Open(t)
	h.load(t, src)
	want := everything(t, src)
	dst, dstSchema := testdb.Open(t)
	from, err := testdb.SchemaDSN(srcSchema)
	if err != nil {
		t.Fatal(err)
	}
	to, err := testdb.SchemaDSN(dstSchema)
	if err != nil {
		t.Fatal(err)
	}
	state := filepath.Join(t.TempDir(), "copy.state")
	rng := rand.New(rand.NewPCG(5, 6))
	kills := 0
	for attempt := 0; ; attempt++ {
		if attempt == 40 {
			t.Fatalf("the copy did not finish in %d attempts", attempt)
		}
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), childCopyEnv+"="+from+" "+to+" "+state)
		var stderr strings.Builder
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("copy process: %v: %s", err, stderr.String())
			}
		case <-time.After(time.Duration(20+rng.IntN(150)) * time.Millisecond):
			_ = cmd.Process.Signal(syscall.SIGKILL)
			<-done
			kills++
			continue
		}
		break
	}
	t.Logf("killed %d times", kills)
	if kills < 2 {
		t.Errorf("the copy was killed %d times; the test wants several", kills)
	}
	sameHistory(t, fmt.Sprintf("after %d kills", kills), want, everything(t, dst))
	verifyOK(t, src, dst, transfer.VerifyOptions{})
}
