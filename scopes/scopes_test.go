package scopes_test

import (
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/wflog/wflog/internal/dialect"
	"github.com/wflog/wflog/internal/testdb"
	"github.com/wflog/wflog/models"
	"github.com/wflog/wflog/scopes"
)

var (
	tenant = uuid.MustParse("11111111-1111-4111-8111-111111111111")
	app    = uuid.MustParse("22222222-2222-4222-8222-222222222222")
	day    = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
)

func find(scs ...scopes.Scope) func(*gorm.DB) error {
	return func(db *gorm.DB) error {
		var rs []models.WorkflowRun
		return db.Scopes(scs...).Find(&rs).Error
	}
}

// TestSQL pins each scope's SQL on both backends (testdata/, -update rewrites).
func TestSQL(t *testing.T) {
	cases := []struct {
		name    string
		run     func(*gorm.DB) error
		wantErr string
	}{
		{"ForApp", find(scopes.ForApp(tenant, app)), ""},
		{"LatestWithOwner", find(scopes.Latest(scopes.ForApp(tenant, app))), ""},
		{"LatestThenFilter", func(db *gorm.DB) error {
			var n int64
			return db.Model(&models.WorkflowRun{}).Scopes(scopes.Latest(scopes.ForApp(tenant, app))).Where("status = ?", models.RunRunning).Count(&n).Error
		}, ""},
		{"AsOf", find(scopes.AsOf(day, scopes.ForApp(tenant, app))), ""},
		{"Finished", find(scopes.Finished(scopes.ForApp(tenant, app)), scopes.CreatedBetween(day, day.AddDate(0, 0, 30))), ""},
		{"CreatedBetweenOpenEnds", find(scopes.CreatedBetween(day, time.Time{}), scopes.CreatedBetween(time.Time{}, day), scopes.CreatedBetween(time.Time{}, time.Time{})), ""},
		{"TriggeredFromOne", find(scopes.TriggeredFrom(models.RunFromAppRun)), ""},
		{"TriggeredFromMany", find(scopes.TriggeredFrom(models.RunFromAppRun, models.RunFromWebhook, models.RunFromSchedule)), ""},
		{"TriggeredFromNone", find(scopes.TriggeredFrom[models.RunTriggeredFrom]()), ""},
		{"NodeExecutions", func(db *gorm.DB) error {
			var ns []models.WorkflowNodeExecution
			return db.Scopes(scopes.Finished(scopes.ForApp(tenant, app)), scopes.TriggeredFrom(models.NodeFromWorkflowRun)).Order(`"index"`).Find(&ns).Error
		}, ""},
		// Aggregates read the latest rows through DISTINCT ON over the
		// covering index, selecting its columns in its order…
		{"AggregatingRuns", func(db *gorm.DB) error {
			var n []struct{ Status string }
			return db.Model(&models.WorkflowRun{}).Scopes(scopes.Latest(scopes.ForApp(tenant, app)), scopes.Aggregating("status")).
				Select("status").Group("status").Scan(&n).Error
		}, ""},
		// …and a model without all of those columns selects what it reads.
		{"AggregatingNodeExecutions", func(db *gorm.DB) error {
			var n []struct{ Status string }
			return db.Model(&models.WorkflowNodeExecution{}).Scopes(scopes.Latest(scopes.ForApp(tenant, app)), scopes.Aggregating("status")).
				Select("status").Group("status").Scan(&n).Error
		}, ""},
		{"TwoChoices", find(scopes.Latest(), scopes.Finished()), "scopes.Latest and scopes.Finished both choose"},
		{"OwnerScopeNotWhere", find(scopes.Latest(func(db *gorm.DB) *gorm.DB { return db.Order("id") })), "owner scopes may only add Where"},
		{"NoVersionField", func(db *gorm.DB) error {
			var rows []struct{ ID string }
			return db.Table("elsewhere").Scopes(scopes.Finished()).Find(&rows).Error
		}, "has no appendonly.Version field"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for _, b := range []dialect.Backend{dialect.PostgreSQL, dialect.LogStore, dialect.SQLite} {
				t.Run(b.String(), func(t *testing.T) {
					stmts, err := testdb.Golden(t, b, c.run)
					if c.wantErr == "" && err != nil {
						t.Fatal(err)
					}
					if c.wantErr != "" {
						if err == nil || !strings.Contains(err.Error(), c.wantErr) {
							t.Fatalf("error = %v, want %q", err, c.wantErr)
						}
						if len(stmts) > 0 {
							t.Fatalf("sent %d statements before refusing", len(stmts))
						}
					}
				})
			}
		})
	}
}
