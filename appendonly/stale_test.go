package appendonly_test

import (
	"bufio"
	"database/sql"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/DATA-DOG/go-sqlmock"
	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/wflog/wflog"
	"github.com/wflog/wflog/appendonly"
	"github.com/wflog/wflog/internal/dialect"
	"github.com/wflog/wflog/internal/testdb"
	"github.com/wflog/wflog/logstoretest"
	"github.com/wflog/wflog/models"
)

// skewed is a writer clock running off the wall clock by skew.
func skewed(t *testing.T, writer int, skew time.Duration) *appendonly.Clock {
	t.Helper()
	c, err := appendonly.NewWriterClock(func() time.Time { return time.Now().Add(skew) }, writer)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// writers opens one database per clock on dsn: separate pools and clocks,
// as separate processes have.
func writers(t *testing.T, dsn string, clocks ...*appendonly.Clock) []*gorm.DB {
	t.Helper()
	var dbs []*gorm.DB
	for _, c := range clocks {
		dbs = append(dbs, testdb.OpenDSN(t, dsn, wflog.WithClock(c)))
	}
	return dbs
}

func latestRun(t *testing.T, db *gorm.DB, r models.WorkflowRun) models.WorkflowRun {
	t.Helper()
	var got models.WorkflowRun
	if err := db.First(&got, "id = ?", r.ID).Error; err != nil {
		t.Fatal(err)
	}
	return got
}

// TestStaleCopyPostgreSQL: on PostgreSQL a save from a stale copy is
// ordered after every version stored before it — the case: B, whose
// clock is 60 s behind, loads a run; A saves it paused; B saves it
// succeeded. B's save is the current state, not silently behind A's.
func TestStaleCopyPostgreSQL(t *testing.T) {
	_, dsn := testdb.Schema(t)
	staleCopy(t, dsn)
}

// TestStaleCopySQLite: SQLite writes the same statement, with the same
// result — two processes on one file.
func TestStaleCopySQLite(t *testing.T) {
	staleCopy(t, "sqlite://"+filepath.Join(t.TempDir(), "stale.db"))
}

func staleCopy(t *testing.T, dsn string) {
	dbs := writers(t, dsn, skewed(t, 1, 0), skewed(t, 2, -60*time.Second))
	a, b := dbs[0], dbs[1]
	run := freshRun(uuid.New())
	if err := a.Create(&run).Error; err != nil {
		t.Fatal(err)
	}
	bCopy := latestRun(t, b, run)
	aCopy := latestRun(t, a, run)
	aCopy.Status = models.RunPaused
	if err := a.Save(&aCopy).Error; err != nil {
		t.Fatal(err)
	}
	bCopy.Status = models.RunSucceeded
	if err := b.Save(&bCopy).Error; err != nil {
		t.Fatal(err)
	}
	got := latestRun(t, a, run)
	if got.Status != models.RunSucceeded || got.Version != bCopy.Version || bCopy.Version <= aCopy.Version {
		t.Errorf("current = %s at %d (B wrote %d, A wrote %d), want B's succeeded", got.Status, got.Version, bCopy.Version, aCopy.Version)
	}
}

// TestWritersOrderedPostgreSQL: four writers with clocks up to a minute
// apart each keep a copy they loaded once and save from it in turn; after
// every save, that save is the current state. Then they all save at once:
// every save succeeds and is stored under its own version.
func TestWritersOrderedPostgreSQL(t *testing.T) {
	_, dsn := testdb.Schema(t)
	skews := []time.Duration{-60 * time.Second, -time.Second, 0, 30 * time.Second}
	var clocks []*appendonly.Clock
	for i, s := range skews {
		clocks = append(clocks, skewed(t, i+1, s))
	}
	dbs := writers(t, dsn, clocks...)
	run := freshRun(uuid.New())
	if err := dbs[0].Create(&run).Error; err != nil {
		t.Fatal(err)
	}
	copies := make([]models.WorkflowRun, len(dbs))
	for i, db := range dbs {
		copies[i] = latestRun(t, db, run)
	}
	saves := 1
	for round := 1; round <= 24; round++ {
		i := (round * 3) % len(dbs) // not in clock order
		copies[i].TotalSteps = round
		if err := dbs[i].Save(&copies[i]).Error; err != nil {
			t.Fatal(err)
		}
		saves++
		if got := latestRun(t, dbs[0], run); got.TotalSteps != round {
			t.Fatalf("round %d: writer %d (clock %v) saved, current is round %d", round, i, skews[i], got.TotalSteps)
		}
	}
	var wg sync.WaitGroup
	errs := make(chan error, len(dbs)*10)
	for i := range dbs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := copies[i]
			for k := 0; k < 10; k++ {
				c.TotalTokens = int64(i*100 + k)
				errs <- dbs[i].Save(&c).Error
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
		saves++
	}
	if h := history(t, dbs[0], run.ID); len(h) != saves {
		t.Errorf("%d versions stored, want %d (one per save)", len(h), saves)
	}
}

// staleChildEnv, when set to "DSN RUN-ID", makes the test binary a writer
// process instead of a test run: TestStaleCopiesFromProcesses starts
// several.
const staleChildEnv = "WFLOG_TEST_STALE_CHILD"

func TestMain(m *testing.M) {
	if spec := os.Getenv(staleChildEnv); spec != "" {
		os.Exit(staleChild(spec, os.Stdin, os.Stdout))
	}
	os.Exit(m.Run())
}

// staleChild is one writer process, with the default (per-process) clock:
// it loads the run once, says "loaded VERSION", and then for each line
// "save STEPS COUNT" saves COUNT times from that same loaded copy (stale
// once another process has saved), with total_steps STEPS, answering
// "saved V1 V2 …" with the versions it stored, or "error …".
func staleChild(spec string, in io.Reader, out io.Writer) int {
	dsn, id, _ := strings.Cut(spec, " ")
	db, err := wflog.Open(dsn)
	if err != nil {
		fmt.Fprintln(out, "error", err)
		return 1
	}
	var loaded models.WorkflowRun
	if err := db.First(&loaded, "id = ?", id).Error; err != nil {
		fmt.Fprintln(out, "error", err)
		return 1
	}
	fmt.Fprintln(out, "loaded", int64(loaded.Version))
	lines := bufio.NewScanner(in)
	for lines.Scan() {
		var steps, count int
		if _, err := fmt.Sscanf(lines.Text(), "save %d %d", &steps, &count); err != nil {
			fmt.Fprintln(out, "error", err)
			return 1
		}
		versions := []string{"saved"}
		for k := range count {
			c := loaded // the stale copy, every time
			c.TotalSteps, c.TotalTokens = steps, int64(k)
			if err := db.Save(&c).Error; err != nil {
				versions = []string{"error", err.Error()}
				break
			}
			versions = append(versions, strconv.FormatInt(int64(c.Version), 10))
		}
		fmt.Fprintln(out, strings.Join(versions, " "))
	}
	return 0
}

// writerProcess is a running staleChild.
type writerProcess struct {
	cmd    *exec.Cmd
	in     io.WriteCloser
	out    *bufio.Scanner
	stderr strings.Builder
}

// ask sends a line (none when empty) and reads the answer's words.
func (w *writerProcess) ask(t *testing.T, line string) []string {
	t.Helper()
	if line != "" {
		if _, err := fmt.Fprintln(w.in, line); err != nil {
			t.Fatalf("writer process %d: %v", w.cmd.Process.Pid, err)
		}
	}
	if !w.out.Scan() {
		t.Fatalf("writer process %d ended: %v\n%s", w.cmd.Process.Pid, w.out.Err(), w.stderr.String())
	}
	words := strings.Fields(w.out.Text())
	if len(words) == 0 || words[0] == "error" {
		t.Fatalf("writer process %d: %s", w.cmd.Process.Pid, w.out.Text())
	}
	return words[1:]
}

func versionsOf(t *testing.T, words []string) []appendonly.Version {
	t.Helper()
	var vs []appendonly.Version
	for _, w := range words {
		v, err := strconv.ParseInt(w, 10, 64)
		if err != nil {
			t.Fatal(err)
		}
		vs = append(vs, appendonly.Version(v))
	}
	return vs
}

// TestStaleCopiesFromProcesses: what README's "How concurrent writers are
// ordered" promises on PostgreSQL, with separate processes and their
// default clocks (a random writer ID each), not goroutines with injected
// clocks. Four processes load one run; a writer whose clock is a minute
// ahead then saves it, so every loaded copy is stale. Saved one at a time,
// each process's save is ordered after every version stored before it and
// is the current state; saved all at once, every save succeeds under a
// version of its own, and the greatest version is the current state.
func TestStaleCopiesFromProcesses(t *testing.T) {
	_, dsn := testdb.Schema(t)
	db := testdb.OpenDSN(t, dsn) // migrated
	run := freshRun(uuid.New())
	if err := db.Create(&run).Error; err != nil {
		t.Fatal(err)
	}
	const n = 4
	procs := make([]*writerProcess, n)
	for i := range procs {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), staleChildEnv+"="+dsn+" "+run.ID.String())
		w := &writerProcess{cmd: cmd}
		cmd.Stderr = &w.stderr
		var err error
		if w.in, err = cmd.StdinPipe(); err != nil {
			t.Fatal(err)
		}
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		w.out = bufio.NewScanner(stdout)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		procs[i] = w
		t.Cleanup(func() {
			w.in.Close()
			if err := cmd.Wait(); err != nil {
				t.Errorf("writer process %d: %v\n%s", i, err, w.stderr.String())
			}
		})
	}
	for i, w := range procs {
		if v := versionsOf(t, w.ask(t, "")); v[0] != run.Version {
			t.Fatalf("process %d loaded version %d, want %d", i, v[0], run.Version)
		}
	}
	ahead := testdb.OpenDSN(t, dsn, wflog.WithClock(skewed(t, 1, time.Minute)))
	aheadCopy := latestRun(t, ahead, run)
	aheadCopy.Status = models.RunPaused
	if err := ahead.Save(&aheadCopy).Error; err != nil {
		t.Fatal(err)
	}
	newest, saves := aheadCopy.Version, 2

	for round := 1; round <= 3*n; round++ {
		i := (round * 3) % n // not in start order
		v := versionsOf(t, procs[i].ask(t, fmt.Sprintf("save %d 1", round)))[0]
		saves++
		if v <= newest {
			t.Fatalf("round %d: process %d saved version %d, behind the stored %d", round, i, v, newest)
		}
		if got := latestRun(t, db, run); got.TotalSteps != round || got.Version != v {
			t.Fatalf("round %d: process %d saved %d, but the current state is round %d at %d", round, i, v, got.TotalSteps, got.Version)
		}
		newest = v
	}

	const each = 10
	for i, w := range procs {
		if _, err := fmt.Fprintf(w.in, "save %d %d\n", 100+i, each); err != nil {
			t.Fatal(err)
		}
	}
	byVersion := map[appendonly.Version]int{} // the steps each save wrote
	var greatest appendonly.Version
	for i, w := range procs {
		vs := versionsOf(t, w.ask(t, ""))
		if len(vs) != each || !slices.IsSorted(vs) {
			t.Errorf("process %d stored versions %v, want %d in the order it saved", i, vs, each)
		}
		for _, v := range vs {
			if v <= newest {
				t.Errorf("process %d stored version %d, behind the %d stored before it saved", i, v, newest)
			}
			if _, dup := byVersion[v]; dup {
				t.Errorf("version %d stored twice", v)
			}
			byVersion[v] = 100 + i
			greatest = max(greatest, v)
		}
		saves += len(vs)
	}
	h := history(t, db, run.ID)
	if len(h) != saves {
		t.Errorf("%d versions stored, want %d (one per save)", len(h), saves)
	}
	if got := latestRun(t, db, run); got.Version != greatest || got.TotalSteps != byVersion[greatest] {
		t.Errorf("current = version %d (steps %d), want the greatest version %d (steps %d)", got.Version, got.TotalSteps, greatest, byVersion[greatest])
	}
}

// TestStaleCopyLogStore pins what holds on LogStore, which cannot read
// before it writes: versions follow the writer's clock (and the version it
// loaded), so B — a minute behind — stores its save, under a version of
// its own, but behind A's. Keep writers' clocks synchronised there.
func TestStaleCopyLogStore(t *testing.T) {
	srv := logstoretest.New(t)
	dbs := writers(t, srv.DSN(), skewed(t, 1, 0), skewed(t, 2, -60*time.Second))
	a, b := dbs[0], dbs[1]
	run := freshRun(uuid.New())
	if err := a.Create(&run).Error; err != nil {
		t.Fatal(err)
	}
	bCopy := latestRun(t, b, run)
	aCopy := latestRun(t, a, run)
	aCopy.Status = models.RunPaused
	if err := a.Save(&aCopy).Error; err != nil {
		t.Fatal(err)
	}
	bCopy.Status = models.RunSucceeded
	if err := b.Save(&bCopy).Error; err != nil {
		t.Fatal(err)
	}
	if got := latestRun(t, a, run); got.Status != models.RunPaused {
		t.Errorf("current = %s; LogStore orders by the writers' clocks, so A's paused should be", got.Status)
	}
	if h := history(t, a, run.ID); len(h) != 3 || h[1].Version == h[2].Version {
		t.Errorf("history = %d versions, want 3 distinct", len(h))
	}
}

// TestWritersNeverShareAVersionOnLogStore: two processes with clocks stuck
// at the same instant save the same loaded run; LogStore has no key to
// refuse a duplicate (id, version), so the clocks' writer IDs must keep the
// versions apart.
func TestWritersNeverShareAVersionOnLogStore(t *testing.T) {
	srv := logstoretest.New(t)
	stuck := func() time.Time { return time.Now().Truncate(time.Hour) }
	var clocks []*appendonly.Clock
	for _, id := range []int{7, 8} {
		c, err := appendonly.NewWriterClock(stuck, id)
		if err != nil {
			t.Fatal(err)
		}
		clocks = append(clocks, c)
	}
	dbs := writers(t, srv.DSN(), clocks...)
	run := freshRun(uuid.New())
	if err := dbs[0].Create(&run).Error; err != nil {
		t.Fatal(err)
	}
	for i, db := range dbs {
		c := run
		c.TotalSteps = i + 1
		if err := db.Save(&c).Error; err != nil {
			t.Fatal(err)
		}
	}
	h := history(t, dbs[0], run.ID)
	seen := map[appendonly.Version]bool{}
	for _, r := range h {
		if seen[r.Version] {
			t.Errorf("two rows share version %d", r.Version)
		}
		seen[r.Version] = true
	}
	if len(h) != 3 {
		t.Errorf("%d versions, want 3", len(h))
	}
}

// TestLogStoreZeroRowTag: an INSERT that LogStore accepted wrote its row,
// whatever its command tag says. A tag of 0 rows must not make Save fall
// back to GORM's create-with-ON-CONFLICT (a second write, or an error after
// the first), so exactly one INSERT is sent and Save succeeds.
func TestLogStoreZeroRowTag(t *testing.T) {
	mockDB, mock, err := sqlmock.New()
	if err != nil {
		t.Fatal(err)
	}
	defer mockDB.Close()
	pool := sql.OpenDB(dialect.WrapLogStore(testdb.SQLMockConnector(mockDB)))
	defer pool.Close()
	db, err := wflog.OpenDB(dialect.New(dialect.Config{Backend: dialect.LogStore}), pool, wflog.WithClock(testdb.MockClock()))
	if err != nil {
		t.Fatal(err)
	}
	mock.ExpectExec(regexp.QuoteMeta(`INSERT INTO "workflow_runs"`)).WillReturnResult(sqlmock.NewResult(0, 0))
	r := loadedRun(runID)
	r.Status = models.RunSucceeded
	res := db.Save(&r)
	if res.Error != nil || res.RowsAffected != 1 {
		t.Errorf("Save = %v, %d rows", res.Error, res.RowsAffected)
	}
	if err := mock.ExpectationsWereMet(); err != nil {
		t.Error(err)
	}
}
