package rollup_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/wflog/wflog/internal/testdb"
	"github.com/wflog/wflog/models"
	"github.com/wflog/wflog/repo"
	"github.com/wflog/wflog/rollup"
)

// TestDeltasUnderLoad runs writers, compactions and readers of one app at
// once. Writers save runs (a first version, then a finished one) and
// count them before and after each Save; compactions fold the deltas
// while they do (and the writers' own statements fold now and then).
// Every reader's answer must be exact at the moment it is read:
//   - outside a transaction, the pre-aggregated counts lie between what
//     the writers had finished saving before the read and what they had
//     started after it (a delta counted twice, or neither as a delta nor
//     as a counter, falls outside);
//   - inside a REPEATABLE READ transaction, every statistic equals the
//     scan of the same snapshot.
//
// At the end the tables match workflow_runs, with deltas pending and
// after a last compaction.
func TestDeltasUnderLoad(t *testing.T) {
	db, _ := testdb.Open(t)
	ctx := context.Background()
	tenant, app := uuid.New(), uuid.New()
	users := []uuid.UUID{uuid.New(), uuid.New(), uuid.New(), uuid.New(), uuid.New()}
	kathmandu, err := time.LoadLocation("Asia/Kathmandu") // +05:45
	if err != nil {
		t.Fatal(err)
	}
	const writers, perWriter = 6, 40
	var started, saved, finStarted, finSaved atomic.Int64
	stop := make(chan struct{})
	errs := make(chan error, 16)
	fail := func(err error) {
		select {
		case errs <- err:
		default:
		}
	}

	var wg sync.WaitGroup
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := repo.NewRuns(db)
			for k := 0; k < perWriter; k++ {
				i := w*perWriter + k
				created := start.Add(time.Duration(i*17) * time.Minute) // over about three days, every bucket
				run := models.WorkflowRun{TenantID: tenant, AppID: app, WorkflowID: app, Type: models.WorkflowTypeWorkflow,
					TriggeredFrom: models.RunFromAppRun, WorkflowVersion: "1", Status: models.RunRunning,
					CreatedByRole: models.CreatedByEndUser, CreatedBy: users[i%len(users)], CreatedAt: created}
				if i%3 == 0 {
					run.TriggeredFrom = models.RunFromDebugging
				}
				started.Add(1)
				if err := r.Save(ctx, &run); err != nil {
					fail(err)
					return
				}
				saved.Add(1)
				at := created.Add(time.Minute)
				run.Status, run.TotalTokens, run.FinishedAt = models.RunSucceeded, 100, &at
				finStarted.Add(1)
				if err := r.Save(ctx, &run); err != nil {
					fail(err)
					return
				}
				finSaved.Add(1)
			}
		}()
	}

	var others sync.WaitGroup
	var compactions, checks atomic.Int64
	for c := 0; c < 2; c++ {
		others.Add(1)
		go func() {
			defer others.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				done, err := rollup.Compact(ctx, db)
				if err != nil {
					fail(err)
					return
				}
				if done {
					compactions.Add(1)
				}
				time.Sleep(5 * time.Millisecond)
			}
		}()
	}
	agg := repo.NewRuns(db, repo.WithStatsSource(repo.StatsPreaggregated))
	window := repo.Stats{TenantID: tenant, AppID: app, From: start.Add(-24 * time.Hour), To: start.Add(4 * 24 * time.Hour), Location: kathmandu}
	others.Add(1)
	go func() { // bounds, outside transactions
		defer others.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			low, finLow := saved.Load(), finSaved.Load()
			c, err := agg.CountByStatus(ctx, repo.CountRuns{TenantID: tenant, AppID: app})
			if err != nil {
				fail(err)
				return
			}
			s := window
			s.FinishedOnly = true
			tokens, err := agg.DailyTokenCosts(ctx, s)
			if err != nil {
				fail(err)
				return
			}
			high, finHigh := started.Load(), finStarted.Load()
			if c.Total < low || c.Total > high {
				fail(fmt.Errorf("CountByStatus counts %d runs; between %d and %d were saved", c.Total, low, high))
				return
			}
			if n := c.ByStatus[models.RunSucceeded]; n < finLow || n > finHigh {
				fail(fmt.Errorf("CountByStatus counts %d succeeded runs; between %d and %d were saved", n, finLow, finHigh))
				return
			}
			var sum int64
			for _, d := range tokens {
				sum += d.Count
			}
			if sum < 100*finLow || sum > 100*finHigh {
				fail(fmt.Errorf("DailyTokenCosts sums to %d tokens; between %d and %d were saved", sum, 100*finLow, 100*finHigh))
				return
			}
			checks.Add(1)
		}
	}()
	others.Add(1)
	go func() { // the scan of the same snapshot
		defer others.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
				if err := tx.Exec(`SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY`).Error; err != nil {
					return err
				}
				got, err := everyStatistic(ctx, repo.NewRuns(tx, repo.WithStatsSource(repo.StatsPreaggregated)), window)
				if err != nil {
					return err
				}
				want, err := everyStatistic(ctx, repo.NewRuns(tx, repo.WithStatsSource(repo.StatsScan)), window)
				if err != nil {
					return err
				}
				if got != want {
					return fmt.Errorf("in one snapshot the tables say\n%s\nand the scan\n%s", got, want)
				}
				return nil
			})
			if err != nil {
				fail(err)
				return
			}
			checks.Add(1)
		}
	}()

	wg.Wait()
	close(stop)
	others.Wait()
	select {
	case err := <-errs:
		t.Fatal(err)
	default:
	}
	if checks.Load() == 0 {
		t.Fatal("no reader finished a check while the writers ran")
	}
	t.Logf("%d compactions by Compact, %d reads checked", compactions.Load(), checks.Load())
	if n := count(t, db, `SELECT count(*) FROM wflog_run_state`); n != writers*perWriter {
		t.Fatalf("%d run states, want %d", n, writers*perWriter)
	}
	mustMatch(t, db)
	if done, err := rollup.Compact(ctx, db); err != nil || !done {
		t.Fatalf("Compact = %v, %v", done, err)
	}
	mustMatch(t, db)
	got, err := everyStatistic(ctx, agg, window)
	if err != nil {
		t.Fatal(err)
	}
	want, err := everyStatistic(ctx, repo.NewRuns(db, repo.WithStatsSource(repo.StatsScan)), window)
	if err != nil {
		t.Fatal(err)
	}
	if got != want {
		t.Fatalf("after the run the tables say\n%s\nand the scan\n%s", got, want)
	}
}

// everyStatistic prints CountByStatus and the daily statistics, exact and
// finished-only, of s's app.
func everyStatistic(ctx context.Context, r *repo.Runs, s repo.Stats) (string, error) {
	c, err := r.CountByStatus(ctx, repo.CountRuns{TenantID: s.TenantID, AppID: s.AppID, Since: s.From.Add(37 * time.Minute)})
	if err != nil {
		return "", err
	}
	out := fmt.Sprintf("statuses %d %v\n", c.Total, c.ByStatus)
	for _, finished := range []bool{false, true} {
		s.FinishedOnly = finished
		runs, err1 := r.DailyRuns(ctx, s)
		terms, err2 := r.DailyTerminals(ctx, s)
		tokens, err3 := r.DailyTokenCosts(ctx, s)
		avg, err4 := r.AverageInteractions(ctx, s)
		if err := errors.Join(err1, err2, err3, err4); err != nil {
			return "", err
		}
		out += fmt.Sprintf("finished=%v runs %v users %v tokens %v interactions %v\n", finished, runs, terms, tokens, avg)
	}
	return out, nil
}
