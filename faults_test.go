package wflog_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"gorm.io/gorm"

	"github.com/wflog/wflog/internal/faults"
	"github.com/wflog/wflog/internal/testdb"
	"github.com/wflog/wflog/logstoretest"
	"github.com/wflog/wflog/models"
	"github.com/wflog/wflog/repo"
)

// The fault suite: each backend behind a TCP proxy, written to by
// concurrent Save and SaveBatch calls while the server restarts, its
// connections are killed or dropped, and it stops answering. It asserts
// that every write a call acknowledged is stored, that calls with a
// deadline return by it, and that the pool recovers. Loopback only; every
// loop is bounded.

const (
	callDeadline = 2 * time.Second
	// slack is how late a call may return after its deadline: pgx closes
	// the connection on cancellation, and the race detector slows all.
	slack = 1500 * time.Millisecond
)

// faultTarget is one backend under test.
type faultTarget struct {
	proxy     *faults.Proxy
	db        *gorm.DB
	restart   func(t *testing.T) // the server goes down and comes back
	terminate func(t *testing.T) // the server ends every client session
	stored    func(t *testing.T) map[string]bool
	// idleCheck is how long a pooled connection must sit idle before the
	// pool checks it is alive: none on PostgreSQL, where wflog.Open has
	// every reuse checked; LogStore's driver reads for 1 ms, so only after
	// 100 ms.
	idleCheck time.Duration
}

func TestFaults(t *testing.T) {
	if testing.Short() {
		t.Skip("the fault suite restarts a PostgreSQL cluster and drops connections for several seconds; it runs without -short, as CI runs it")
	}
	t.Run("PostgreSQL", func(t *testing.T) {
		t.Parallel()
		runFaults(t, postgresTarget(t))
	})
	t.Run("LogStore", func(t *testing.T) {
		t.Parallel()
		runFaults(t, logStoreTarget(t))
	})
}

// postgresTarget is a throwaway cluster (never the shared server), really
// restarted and with its backends really terminated.
func postgresTarget(t *testing.T) faultTarget {
	cluster := faults.NewCluster(t)
	proxy := faults.NewProxy(t, cluster.Addr())
	db := testdb.OpenDSN(t, "postgres://postgres@"+proxy.Addr()+"/postgres?sslmode=disable&connect_timeout=2")
	return faultTarget{
		proxy: proxy,
		db:    db,
		restart: func(t *testing.T) {
			cluster.Restart("immediate") // as if it crashed
		},
		terminate: func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if err := cluster.Exec(ctx, `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE pid <> pg_backend_pid() AND backend_type = 'client backend'`); err != nil {
				t.Errorf("terminating backends: %v", err)
			}
		},
		stored: func(t *testing.T) map[string]bool {
			return storedRuns(t, cluster.DSN(), "public")
		},
	}
}

// logStoreTarget is the emulator over the shared PostgreSQL, behind the
// proxy; its "restart" is the endpoint refusing connections for a while
// after dropping every one.
func logStoreTarget(t *testing.T) faultTarget {
	srv := logstoretest.New(t)
	proxy := faults.NewProxy(t, srv.Addr())
	dsn := strings.Replace(srv.DSN(), srv.Addr(), proxy.Addr(), 1)
	if strings.Contains(dsn, "?") {
		dsn += "&connect_timeout=2"
	} else {
		dsn += "?connect_timeout=2"
	}
	db := testdb.OpenDSN(t, dsn)
	return faultTarget{
		proxy: proxy,
		db:    db,
		restart: func(t *testing.T) {
			proxy.Refuse(true)
			proxy.DropAll()
			time.Sleep(500 * time.Millisecond)
			proxy.Refuse(false)
		},
		terminate: func(t *testing.T) { proxy.DropAll() },
		stored: func(t *testing.T) map[string]bool {
			return storedRuns(t, testdb.URL(), srv.Schema())
		},
		idleCheck: 100 * time.Millisecond,
	}
}

// storedRuns reads every (id, version) of workflow_runs straight from the
// PostgreSQL that holds them.
func storedRuns(t *testing.T, dsn, schema string) map[string]bool {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatalf("reading the stored rows: %v", err)
	}
	defer conn.Close(ctx)
	rows, err := conn.Query(ctx, fmt.Sprintf(`SELECT id::text, version FROM %s.workflow_runs`, pgx.Identifier{schema}.Sanitize()))
	if err != nil {
		t.Fatalf("reading the stored rows: %v", err)
	}
	out := map[string]bool{}
	for rows.Next() {
		var id string
		var v int64
		if err := rows.Scan(&id, &v); err != nil {
			t.Fatal(err)
		}
		out[fmt.Sprintf("%s/%d", id, v)] = true
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// tally is what the writers saw.
type tally struct {
	mu     sync.Mutex
	acked  []string // id/version of every acknowledged row
	errs   []error
	calls  int
	late   []time.Duration // how far past its deadline a call returned
	recent error
}

func (ty *tally) record(elapsed time.Duration, err error, rows ...models.WorkflowRun) {
	ty.mu.Lock()
	defer ty.mu.Unlock()
	ty.calls++
	if elapsed > callDeadline+slack {
		ty.late = append(ty.late, elapsed)
	}
	if err != nil {
		ty.errs = append(ty.errs, err)
		return
	}
	for _, r := range rows {
		ty.acked = append(ty.acked, fmt.Sprintf("%s/%d", r.ID, r.Version))
	}
}

func faultRun(i int) models.WorkflowRun {
	return models.WorkflowRun{TenantID: uuid.New(), AppID: uuid.New(), WorkflowID: uuid.New(), Type: models.WorkflowTypeWorkflow,
		TriggeredFrom: models.RunFromAppRun, WorkflowVersion: "v", Status: models.RunRunning, TotalSteps: i,
		CreatedByRole: models.CreatedByAccount, CreatedBy: uuid.New(), CreatedAt: time.Now().UTC().Truncate(time.Microsecond)}
}

// hammer writes until stop is closed: four goroutines Save new runs and
// save each again (a loaded row: the ordered-after-stored path), two
// SaveBatch twenty runs at a time. Each call has its own deadline.
func hammer(db *gorm.DB, stop <-chan struct{}) (*tally, func()) {
	ty := &tally{}
	runs := repo.NewRuns(db, repo.WithRecentWrites(0, 0))
	var wg sync.WaitGroup
	call := func(fn func(ctx context.Context) error) (time.Duration, error) {
		ctx, cancel := context.WithTimeout(context.Background(), callDeadline)
		defer cancel()
		start := time.Now()
		err := fn(ctx)
		return time.Since(start), err
	}
	stopped := func() bool {
		select {
		case <-stop:
			return true
		default:
			return false
		}
	}
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 5000 && !stopped(); i++ {
				r := faultRun(i)
				elapsed, err := call(func(ctx context.Context) error { return runs.Save(ctx, &r) })
				ty.record(elapsed, err, r)
				if err != nil {
					time.Sleep(20 * time.Millisecond)
					continue
				}
				r.Status = models.RunSucceeded
				elapsed, err = call(func(ctx context.Context) error { return runs.Save(ctx, &r) })
				ty.record(elapsed, err, r)
			}
		}()
	}
	for w := 0; w < 2; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 2000 && !stopped(); i++ {
				batch := make([]models.WorkflowRun, 20)
				for k := range batch {
					batch[k] = faultRun(k)
				}
				elapsed, err := call(func(ctx context.Context) error { return runs.SaveBatch(ctx, batch) })
				ty.record(elapsed, err, batch...)
				if err != nil {
					time.Sleep(20 * time.Millisecond)
				}
			}
		}()
	}
	return ty, wg.Wait
}

// saveOnce saves one new run with a fresh deadline.
func saveOnce(db *gorm.DB) error {
	ctx, cancel := context.WithTimeout(context.Background(), callDeadline)
	defer cancel()
	r := faultRun(0)
	return repo.NewRuns(db, repo.WithRecentWrites(0, 0)).Save(ctx, &r)
}

// recovers waits (boundedly) for the pool to write again.
func recovers(t *testing.T, db *gorm.DB) {
	t.Helper()
	var err error
	for i := 0; i < 50; i++ {
		if err = saveOnce(db); err == nil {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("the pool did not recover within 50 attempts: %v", err)
}

// runFaults runs the suite on ft.
func runFaults(t *testing.T, ft faultTarget) {
	t.Run("WritesUnderFaults", func(t *testing.T) {
		stop := make(chan struct{})
		ty, wait := hammer(ft.db, stop)
		time.Sleep(400 * time.Millisecond)
		ft.restart(t)
		time.Sleep(700 * time.Millisecond)
		ft.terminate(t)
		time.Sleep(500 * time.Millisecond)
		ft.proxy.DropAll()
		time.Sleep(500 * time.Millisecond)
		close(stop)
		wait()
		recovers(t, ft.db)

		if len(ty.errs) == 0 {
			t.Errorf("no call failed in %d: the faults did not happen", ty.calls)
		}
		if len(ty.acked) == 0 {
			t.Fatalf("no write was acknowledged in %d calls: %v", ty.calls, ty.errs[0])
		}
		stored := ft.stored(t)
		missing := 0
		for _, k := range ty.acked {
			if !stored[k] {
				missing++
				if missing <= 5 {
					t.Errorf("acknowledged %s is not stored", k)
				}
			}
		}
		if missing > 0 {
			t.Errorf("%d of %d acknowledged rows are missing", missing, len(ty.acked))
		}
		if len(ty.late) > 0 {
			t.Errorf("%d calls returned after their %v deadline (+%v), e.g. after %v", len(ty.late), callDeadline, slack, ty.late[0])
		}
		t.Logf("%d calls, %d rows acknowledged, %d errors (e.g. %v)", ty.calls, len(ty.acked), len(ty.errs), ty.errs[0])
	})

	t.Run("DeadlineWhenServerHangs", func(t *testing.T) {
		recovers(t, ft.db) // a warm pool
		ft.proxy.Blackhole(true)
		ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
		defer cancel()
		r := faultRun(0)
		start := time.Now()
		err := repo.NewRuns(ft.db, repo.WithRecentWrites(0, 0)).Save(ctx, &r)
		elapsed := time.Since(start)
		ft.proxy.Blackhole(false)
		ft.proxy.DropAll() // connections that lived through the blackhole are out of step
		if err == nil {
			t.Error("Save succeeded against a server that never answers")
		}
		if elapsed > 300*time.Millisecond+slack {
			t.Errorf("Save returned %v after it started, with a 300ms deadline", elapsed)
		}
		recovers(t, ft.db)
	})

	// After a proxy drops every pooled connection, the next writes succeed:
	// the pool notices dead connections instead of failing a call on each
	// (LogStore once failed 10 of the next 20 saves after 10 were dropped).
	// On PostgreSQL this holds right after the drop: pgx alone pings only a
	// connection idle over a second since its last reuse, and a save on one
	// reused sooner failed with "unexpected EOF". The pool is warmed twice
	// because pgx pings every connection on its first reuse: only a
	// connection reused before meets that window.
	t.Run("DroppedConnectionsReplaced", func(t *testing.T) {
		warm(t, ft.db, 10)
		warm(t, ft.db, 10)
		if n := ft.proxy.DropAll(); n < 2 {
			t.Fatalf("only %d connections to drop", n)
		}
		if ft.idleCheck > 0 {
			time.Sleep(ft.idleCheck + 50*time.Millisecond)
		}
		failed := 0
		var first error
		for i := 0; i < 20; i++ {
			if err := saveOnce(ft.db); err != nil {
				failed++
				if first == nil {
					first = err
				}
			}
		}
		if failed > 0 {
			t.Errorf("%d of 20 saves failed after the connections were dropped: %v", failed, first)
		}
	})
}

// warm opens n connections in the pool by using them at once. It is set-up,
// not a check: on LogStore a connection the previous subtest dropped less
// than idleCheck ago is reused unchecked, so a save on it may fail once;
// each goroutine tries up to three times.
func warm(t *testing.T, db *gorm.DB, n int) {
	t.Helper()
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var err error
			for try := 0; try < 3; try++ {
				if err = saveOnce(db); err == nil {
					break
				}
			}
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
}
