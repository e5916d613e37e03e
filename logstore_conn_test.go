package wflog_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/wflog/wflog"
	"github.com/wflog/wflog/internal/faults"
	"github.com/wflog/wflog/internal/testdb"
	"github.com/wflog/wflog/logstoretest"
	"github.com/wflog/wflog/models"
	"github.com/wflog/wflog/repo"
)

// TestLogStoreSurvivesDroppedConnections: a proxy between wflog and the
// emulator drops every pooled connection (as a load balancer restart or a
// NAT timeout would); the next Saves and reads all succeed on fresh
// connections, because a connection whose peer has gone is found before a
// statement is sent on it.
func TestLogStoreSurvivesDroppedConnections(t *testing.T) {
	testdb.Admin(t)
	srv := logstoretest.New(t)
	proxy := faults.NewProxy(t, srv.Addr())
	db, err := wflog.Open(strings.Replace(srv.DSN(), srv.Addr(), proxy.Addr(), 1))
	if err != nil {
		t.Fatal(err)
	}
	defer testdb.Close(t, db)
	ctx := context.Background()
	if err := wflog.Migrate(ctx, db); err != nil && !errors.Is(err, wflog.ErrLogStoreIndexUnverified) {
		t.Fatal(err)
	}
	runs := repo.NewRuns(db)
	tenant, app := uuid.New(), uuid.New()
	save := func(n int) []error {
		var wg sync.WaitGroup
		errs := make([]error, n)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs[i] = runs.Save(ctx, &models.WorkflowRun{ID: uuid.New(), TenantID: tenant, AppID: app, Status: models.RunRunning, CreatedAt: time.Now()})
			}()
		}
		wg.Wait()
		return errs
	}
	for round := range 2 {
		for _, err := range save(10) { // fill the pool
			if err != nil {
				t.Fatal(err)
			}
		}
		dropped := proxy.DropAll()
		if dropped < 2 {
			t.Fatalf("round %d: the proxy dropped %d connections; the test needs a pool of several", round, dropped)
		}
		time.Sleep(150 * time.Millisecond) // the pool notices a gone peer after 100 ms idle
		failed := 0
		for _, err := range save(20) {
			if err != nil {
				failed++
				t.Logf("round %d: %v", round, err)
			}
		}
		if failed > 0 {
			t.Errorf("round %d: %d of 20 Saves failed after %d connections were dropped", round, failed, dropped)
		}
		proxy.DropAll()
		time.Sleep(150 * time.Millisecond)
		counts, err := runs.CountByStatus(ctx, repo.CountRuns{TenantID: tenant, AppID: app})
		if err != nil {
			t.Errorf("round %d: counting after a drop: %v", round, err)
		} else if want := int64(30 * (round + 1)); counts.Total != want {
			t.Errorf("round %d: %d runs, want %d", round, counts.Total, want)
		}
	}
}
