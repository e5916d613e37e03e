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
	"github.com/wflog/wflog/logstoretest"
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

// TestCopyKilledAndResumed kills a copy process at random moments and
// starts it again with the same state file until it finishes: the target
// ends with every row once. On PostgreSQL the target's key guarantees it;
// on LogStore, the resumed run's check of its first page (the emulator
// shows writes at once; a real LogStore within seconds).
func TestCopyKilledAndResumed(t *testing.T) {
	h := makeHistory(60)
	src, srcSchema := testdb.Open(t)
	h.load(t, src)
	want := everything(t, src)
	from, err := testdb.SchemaDSN(srcSchema)
	if err != nil {
		t.Fatal(err)
	}
	t.Run("PostgreSQL", func(t *testing.T) {
		dst, dstSchema := testdb.Open(t)
		to, err := testdb.SchemaDSN(dstSchema)
		if err != nil {
			t.Fatal(err)
		}
		killAndResume(t, from, to, 20*time.Millisecond, 150*time.Millisecond)
		sameHistory(t, "PostgreSQL", want, everything(t, dst))
		verifyOK(t, src, dst, transfer.VerifyOptions{})
	})
	t.Run("LogStore", func(t *testing.T) {
		srv := logstoretest.New(t)
		dst := testdb.OpenDSN(t, srv.DSN()+"&batch=3")
		killAndResume(t, from, srv.DSN()+"&batch=3", 60*time.Millisecond, 600*time.Millisecond)
		sameHistory(t, "LogStore", throughLogStore(want), everything(t, dst))
		verifyOK(t, src, dst, transfer.VerifyOptions{})
	})
	t.Run("SQLite", func(t *testing.T) {
		to := "sqlite://" + filepath.Join(t.TempDir(), "copy.db")
		dst := testdb.OpenDSN(t, to)
		killAndResume(t, from, to, 20*time.Millisecond, 150*time.Millisecond)
		sameHistory(t, "SQLite", want, everything(t, dst))
		verifyOK(t, src, dst, transfer.VerifyOptions{})
	})
}

// killAndResume runs the copy process from → to, killing it after a random
// time between minLife and maxLife, until one run finishes. A run killed
// before it saved any progress (a slow start on a loaded machine) doubles
// the window for the next, so the copy always gets somewhere.
func killAndResume(t *testing.T, from, to string, minLife, maxLife time.Duration) {
	t.Helper()
	state := filepath.Join(t.TempDir(), "copy.state")
	rng := rand.New(rand.NewPCG(5, 6))
	kills := 0
	progress := func() string { b, _ := os.ReadFile(state); return string(b) }
	for attempt := 0; ; attempt++ {
		if attempt == 60 {
			t.Fatalf("the copy did not finish in %d attempts", attempt)
		}
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), childCopyEnv+"="+from+" "+to+" "+state)
		var stderr strings.Builder
		cmd.Stderr = &stderr
		before := progress()
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
		case <-time.After(minLife + time.Duration(rng.Int64N(int64(maxLife-minLife)))):
			_ = cmd.Process.Signal(syscall.SIGKILL)
			<-done
			kills++
			if progress() == before {
				minLife, maxLife = 2*minLife, 2*maxLife
			}
			continue
		}
		break
	}
	t.Logf("killed %d times", kills)
	if kills < 2 {
		t.Errorf("the copy was killed %d times; the test wants several", kills)
	}
}
