package scopes_test

import (
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/wflog/wflog"
	"github.com/wflog/wflog/appendonly"
	"github.com/wflog/wflog/internal/testdb"
	"github.com/wflog/wflog/models"
	"github.com/wflog/wflog/scopes"
)

// steppingClock moves one second per version, from start: the nth write
// gets version start+n s, so "the state at t" is known exactly.
func steppingClock(start time.Time) *appendonly.Clock {
	var mu sync.Mutex
	next := start
	return appendonly.NewClock(func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		t := next
		next = next.Add(time.Second)
		return t
	})
}

type fixture struct {
	db                 *gorm.DB
	tenant, app, other uuid.UUID
	// The runs and what happens to them, one write per second from start:
	//   once:     running → succeeded (300 tokens)
	//   running:  running
	//   twice:    running → failed (10) → running → succeeded (20)
	//   resumed:  running → succeeded (5) → running
	//   foreign:  another app's run, succeeded
	once, running, twice, resumed, foreign models.WorkflowRun
	start                                  time.Time
}

func newFixture(t *testing.T, b testdb.Backend) *fixture {
	start := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	db, _ := b.Open(t, wflog.WithClock(steppingClock(start)))
	f := &fixture{db: db, tenant: uuid.New(), app: uuid.New(), other: uuid.New(), start: start}
	mk := func(app uuid.UUID) models.WorkflowRun {
		return models.WorkflowRun{TenantID: f.tenant, AppID: app, WorkflowID: uuid.New(), Type: models.WorkflowTypeWorkflow,
			TriggeredFrom: models.RunFromAppRun, WorkflowVersion: "1", Status: models.RunRunning, CreatedByRole: models.CreatedByAccount,
			CreatedBy: uuid.New(), CreatedAt: start}
	}
	save := func(r *models.WorkflowRun, status models.RunStatus, tokens int64) {
		t.Helper()
		r.Status, r.TotalTokens = status, tokens
		if status.Terminal() {
			at := start.Add(time.Hour)
			r.FinishedAt = &at
		} else {
			r.FinishedAt = nil
		}
		if err := db.Save(r).Error; err != nil {
			t.Fatal(err)
		}
	}
	f.once, f.running, f.twice, f.resumed, f.foreign = mk(f.app), mk(f.app), mk(f.app), mk(f.app), mk(f.other)
	save(&f.once, models.RunRunning, 0)      // start+0s
	save(&f.running, models.RunRunning, 0)   // +1
	save(&f.twice, models.RunRunning, 0)     // +2
	save(&f.resumed, models.RunRunning, 0)   // +3
	save(&f.once, models.RunSucceeded, 300)  // +4
	save(&f.twice, models.RunFailed, 10)     // +5
	save(&f.resumed, models.RunSucceeded, 5) // +6
	save(&f.twice, models.RunRunning, 10)    // +7
	save(&f.resumed, models.RunRunning, 5)   // +8
	save(&f.twice, models.RunSucceeded, 20)  // +9
	save(&f.foreign, models.RunSucceeded, 1) // +10
	return f
}

type state struct {
	id     uuid.UUID
	status models.RunStatus
	tokens int64
}

func states(t *testing.T, q *gorm.DB) []state {
	t.Helper()
	var rs []models.WorkflowRun
	if err := q.Find(&rs).Error; err != nil {
		t.Fatal(err)
	}
	out := make([]state, len(rs))
	for i, r := range rs {
		out[i] = state{r.ID, r.Status, r.TotalTokens}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].id.String() < out[j].id.String() })
	return out
}

func want(ss ...state) []state {
	sort.Slice(ss, func(i, j int) bool { return ss[i].id.String() < ss[j].id.String() })
	return ss
}

func same(a, b []state) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestScopes(t *testing.T) {
	testdb.Each(t, func(t *testing.T, b testdb.Backend) {
		f := newFixture(t, b)
		db := f.db
		current := want(
			state{f.once.ID, models.RunSucceeded, 300},
			state{f.running.ID, models.RunRunning, 0},
			state{f.twice.ID, models.RunSucceeded, 20},
			state{f.resumed.ID, models.RunRunning, 5},
		)
		checks := []struct {
			name string
			q    *gorm.DB
			want []state
		}{
			{"ForApp", db.Scopes(scopes.ForApp(f.tenant, f.app)), current},
			{"LatestOwner", db.Scopes(scopes.Latest(scopes.ForApp(f.tenant, f.app))), current},
			{"LatestOwnerThenStatus", db.Scopes(scopes.Latest(scopes.ForApp(f.tenant, f.app))).Where("status = ?", models.RunRunning),
				want(state{f.running.ID, models.RunRunning, 0}, state{f.resumed.ID, models.RunRunning, 5})},
			// As of +5.5s: once finished, twice just failed, resumed still running.
			{"AsOf", db.Scopes(scopes.AsOf(f.start.Add(5500*time.Millisecond), scopes.ForApp(f.tenant, f.app))), want(
				state{f.once.ID, models.RunSucceeded, 300},
				state{f.running.ID, models.RunRunning, 0},
				state{f.twice.ID, models.RunFailed, 10},
				state{f.resumed.ID, models.RunRunning, 0},
			)},
			{"AsOfBeforeSomeExisted", db.Scopes(scopes.AsOf(f.start.Add(1500*time.Millisecond), scopes.ForApp(f.tenant, f.app))), want(
				state{f.once.ID, models.RunRunning, 0},
				state{f.running.ID, models.RunRunning, 0},
			)},
			// Finished: the last terminal version of every run that finished —
			// twice counts once (succeeded, 20), resumed with its last finish.
			{"Finished", db.Scopes(scopes.Finished(scopes.ForApp(f.tenant, f.app))), want(
				state{f.once.ID, models.RunSucceeded, 300},
				state{f.twice.ID, models.RunSucceeded, 20},
				state{f.resumed.ID, models.RunSucceeded, 5},
			)},
			{"FinishedOwnerOutside", db.Scopes(scopes.Finished(), scopes.ForApp(f.tenant, f.app)), want(
				state{f.once.ID, models.RunSucceeded, 300},
				state{f.twice.ID, models.RunSucceeded, 20},
				state{f.resumed.ID, models.RunSucceeded, 5},
			)},
			{"FinishedStatus", db.Scopes(scopes.Finished(scopes.ForApp(f.tenant, f.app))).Where("status = ?", models.RunFailed), nil},
			{"CreatedBetween", db.Scopes(scopes.ForApp(f.tenant, f.app), scopes.CreatedBetween(f.start, f.start.Add(time.Second))), current},
			{"CreatedBetweenEmpty", db.Scopes(scopes.ForApp(f.tenant, f.app), scopes.CreatedBetween(f.start.Add(time.Nanosecond*1000), time.Time{})), nil},
			{"TriggeredFrom", db.Scopes(scopes.ForApp(f.tenant, f.other), scopes.TriggeredFrom(models.RunFromAppRun, models.RunFromWebhook)),
				want(state{f.foreign.ID, models.RunSucceeded, 1})},
			{"TriggeredFromOther", db.Scopes(scopes.ForApp(f.tenant, f.other), scopes.TriggeredFrom(models.RunFromDebugging)), nil},
		}
		for _, c := range checks {
			if got := states(t, c.q); !same(got, c.want) {
				t.Errorf("%s:\n got %v\nwant %v", c.name, got, c.want)
			}
		}
		var n int64
		if err := db.Model(&models.WorkflowRun{}).Scopes(scopes.Finished(scopes.ForApp(f.tenant, f.app))).Count(&n).Error; err != nil || n != 3 {
			t.Errorf("Finished count = %d (%v), want 3", n, err)
		}
	})
}
