package repo_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/wflog/wflog/internal/dialect"
	"github.com/wflog/wflog/internal/testdb"
	"github.com/wflog/wflog/models"
	"github.com/wflog/wflog/repo"
)

var (
	gTenant = uuid.MustParse("11111111-1111-4111-8111-111111111111")
	gApp    = uuid.MustParse("22222222-2222-4222-8222-222222222222")
	gRun    = uuid.MustParse("0193a1b2-0000-7000-8000-000000000001")
	gNode   = uuid.MustParse("0193a1b2-0000-7000-8000-0000000000aa")
	gFlow   = uuid.MustParse("33333333-3333-4333-8333-333333333333")
	gUser   = uuid.MustParse("44444444-4444-4444-8444-444444444444")
	gDay    = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
)

func goldenRun() models.WorkflowRun {
	return models.WorkflowRun{ID: gRun, TenantID: gTenant, AppID: gApp, WorkflowID: gFlow, Type: models.WorkflowTypeWorkflow,
		TriggeredFrom: models.RunFromAppRun, WorkflowVersion: "1", Status: models.RunRunning,
		CreatedByRole: models.CreatedByAccount, CreatedBy: gUser, CreatedAt: gDay}
}

func goldenNode() models.WorkflowNodeExecution {
	run := gRun
	return models.WorkflowNodeExecution{ID: gNode, TenantID: gTenant, AppID: gApp, WorkflowID: gFlow, TriggeredFrom: models.NodeFromWorkflowRun,
		WorkflowRunID: &run, Index: 1, NodeID: "llm", NodeType: "llm", Title: "LLM", Status: models.NodeRunning,
		CreatedByRole: models.CreatedByAccount, CreatedBy: gUser, CreatedAt: gDay}
}

// TestSQL pins the SQL of every repository method on both backends
// (testdata/; go test ./repo -run TestSQL -update rewrites). The stand-in
// server has no rows, so reads end in ErrNotFound or empty results; what is
// checked is what was sent.
func TestSQL(t *testing.T) {
	shanghai, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	stats := repo.Stats{TenantID: gTenant, AppID: gApp, TriggeredFrom: []models.RunTriggeredFrom{models.RunFromAppRun},
		From: gDay, To: gDay.AddDate(0, 0, 30), Location: shanghai}
	finished := stats
	finished.FinishedOnly = true
	ctx := context.Background()
	notFound := func(err error) error {
		if errors.Is(err, repo.ErrNotFound) {
			return nil
		}
		return err
	}
	cases := []struct {
		name string
		run  func(runs *repo.Runs, nodes *repo.NodeExecutions) error
	}{
		{"RunsSave", func(r *repo.Runs, _ *repo.NodeExecutions) error { run := goldenRun(); return r.Save(ctx, &run) }},
		// The stand-in pool is not pgx's, so PostgreSQL shows SaveBatch's INSERT
		// fallback here; COPY runs in TestSaveBatchRoundTrip.
		{"RunsSaveBatch", func(r *repo.Runs, _ *repo.NodeExecutions) error {
			a, b := goldenRun(), goldenRun()
			b.ID = uuid.MustParse("0193a1b2-0000-7000-8000-000000000002")
			return r.SaveBatch(ctx, []models.WorkflowRun{a, b})
		}},
		{"RunsGet", func(r *repo.Runs, _ *repo.NodeExecutions) error {
			return notFound(second(r.Get(ctx, gTenant, gApp, gRun)))
		}},
		{"RunsGetByID", func(r *repo.Runs, _ *repo.NodeExecutions) error { return notFound(second(r.GetByID(ctx, gRun))) }},
		{"RunsList", func(r *repo.Runs, _ *repo.NodeExecutions) error {
			return second(r.List(ctx, repo.ListRuns{TenantID: gTenant, AppID: gApp, TriggeredFrom: []models.RunTriggeredFrom{models.RunFromAppRun, models.RunFromWebhook},
				Status: []models.RunStatus{models.RunSucceeded}, Limit: 20}))
		}},
		{"RunsCountByStatus", func(r *repo.Runs, _ *repo.NodeExecutions) error {
			return second(r.CountByStatus(ctx, repo.CountRuns{TenantID: gTenant, AppID: gApp, Since: gDay}))
		}},
		{"RunsDailyRuns", func(r *repo.Runs, _ *repo.NodeExecutions) error { return second(r.DailyRuns(ctx, stats)) }},
		{"RunsDailyRunsFinished", func(r *repo.Runs, _ *repo.NodeExecutions) error { return second(r.DailyRuns(ctx, finished)) }},
		{"RunsDailyTerminals", func(r *repo.Runs, _ *repo.NodeExecutions) error { return second(r.DailyTerminals(ctx, stats)) }},
		{"RunsDailyTokenCosts", func(r *repo.Runs, _ *repo.NodeExecutions) error { return second(r.DailyTokenCosts(ctx, stats)) }},
		{"RunsDailyTokenCostsFinished", func(r *repo.Runs, _ *repo.NodeExecutions) error { return second(r.DailyTokenCosts(ctx, finished)) }},
		{"RunsAverageInteractions", func(r *repo.Runs, _ *repo.NodeExecutions) error { return second(r.AverageInteractions(ctx, stats)) }},
		{"RunsExpiredBatch", func(r *repo.Runs, _ *repo.NodeExecutions) error { return second(r.ExpiredBatch(ctx, gDay, 100)) }},
		{"RunsDeleteByIDs", func(r *repo.Runs, _ *repo.NodeExecutions) error { return second(r.DeleteByIDs(ctx, []uuid.UUID{gRun})) }},
		{"RunsDeleteByApp", func(r *repo.Runs, _ *repo.NodeExecutions) error {
			return second(r.DeleteByApp(ctx, gTenant, gApp, 500))
		}},
		{"NodesSave", func(_ *repo.Runs, n *repo.NodeExecutions) error { e := goldenNode(); return n.Save(ctx, &e) }},
		{"NodesSaveBatch", func(_ *repo.Runs, n *repo.NodeExecutions) error {
			return n.SaveBatch(ctx, []models.WorkflowNodeExecution{goldenNode()})
		}},
		{"NodesGet", func(_ *repo.Runs, n *repo.NodeExecutions) error { return notFound(second(n.Get(ctx, gTenant, gNode))) }},
		{"NodesListByRun", func(_ *repo.Runs, n *repo.NodeExecutions) error {
			return second(n.ListByRun(ctx, gTenant, gApp, gRun, repo.NodeOrder{By: repo.ByIndex, Descending: true}))
		}},
		{"NodesLast", func(_ *repo.Runs, n *repo.NodeExecutions) error {
			return notFound(second(n.Last(ctx, gTenant, gApp, gFlow, "llm")))
		}},
		{"NodesCountByRuns", func(_ *repo.Runs, n *repo.NodeExecutions) error {
			return second(n.CountByRuns(ctx, gTenant, []uuid.UUID{gRun}))
		}},
		{"NodesDeleteExpired", func(_ *repo.Runs, n *repo.NodeExecutions) error { return second(n.DeleteExpired(ctx, gDay, 500)) }},
		{"NodesDeleteByApp", func(_ *repo.Runs, n *repo.NodeExecutions) error {
			return second(n.DeleteByApp(ctx, gTenant, gApp, 500))
		}},
		{"NodesDeleteByRuns", func(_ *repo.Runs, n *repo.NodeExecutions) error {
			return second(n.DeleteByRuns(ctx, []uuid.UUID{gRun}))
		}},
		// Tiered: both tiers on the one stand-in, split ten days into the
		// statistics' range; each tier's queries carry its created_at bounds,
		// inside the latest-version choice as an owner condition.
		{"TieredRunsGet", func(r *repo.Runs, _ *repo.NodeExecutions) error {
			return notFound(second(r.Get(ctx, gTenant, gApp, gRun)))
		}},
		{"TieredRunsList", func(r *repo.Runs, _ *repo.NodeExecutions) error {
			return second(r.List(ctx, repo.ListRuns{TenantID: gTenant, AppID: gApp, Limit: 20}))
		}},
		{"TieredRunsCountByStatus", func(r *repo.Runs, _ *repo.NodeExecutions) error {
			return second(r.CountByStatus(ctx, repo.CountRuns{TenantID: gTenant, AppID: gApp, Since: gDay}))
		}},
		{"TieredRunsDailyRuns", func(r *repo.Runs, _ *repo.NodeExecutions) error { return second(r.DailyRuns(ctx, stats)) }},
		{"TieredNodesListByRun", func(_ *repo.Runs, n *repo.NodeExecutions) error {
			return second(n.ListByRun(ctx, gTenant, gApp, gRun, repo.NodeOrder{}))
		}},
		{"TieredNodesLast", func(_ *repo.Runs, n *repo.NodeExecutions) error {
			return notFound(second(n.Last(ctx, gTenant, gApp, gFlow, "llm")))
		}},
		{"TieredNodesCountByRuns", func(_ *repo.Runs, n *repo.NodeExecutions) error {
			return second(n.CountByRuns(ctx, gTenant, []uuid.UUID{gRun}))
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for _, b := range []dialect.Backend{dialect.PostgreSQL, dialect.LogStore, dialect.SQLite} {
				t.Run(b.String(), func(t *testing.T) {
					stmts, err := testdb.Golden(t, b, func(db *gorm.DB) error {
						var opts []repo.Option
						if strings.HasPrefix(c.name, "Tiered") {
							opts = append(opts, repo.WithOlderTier(db, gDay.AddDate(0, 0, 10)))
						}
						return c.run(repo.NewRuns(db, opts...), repo.NewNodeExecutions(db, opts...))
					})
					retention := strings.Contains(c.name, "Delete") || strings.Contains(c.name, "Expired")
					switch {
					case b == dialect.LogStore && retention:
						if !errors.Is(err, dialect.ErrUnsupported) || len(stmts) > 0 {
							t.Fatalf("LogStore retention: %v after %d statements; want ErrUnsupported before any", err, len(stmts))
						}
					case err != nil:
						t.Fatal(err)
					}
					if b == dialect.LogStore {
						for _, s := range stmts {
							if strings.HasPrefix(s.SQL, "SELECT") && (!strings.Contains(s.SQL, "__time__") || !strings.Contains(s.SQL, "LIMIT")) {
								t.Errorf("LogStore SELECT without __time__ or LIMIT: %s", s.SQL)
							}
							if s.Kind != "exec" && s.Kind != "query" {
								t.Errorf("LogStore got %s", s.Kind)
							}
						}
					}
				})
			}
		})
	}
}
