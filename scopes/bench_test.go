package scopes_test

import (
	"testing"

	"gorm.io/gorm"

	"github.com/wflog/wflog/internal/dialect"
	"github.com/wflog/wflog/internal/testdb"
	"github.com/wflog/wflog/models"
	"github.com/wflog/wflog/scopes"
)

// BenchmarkBuildSQL: building a statistics query's SQL (DryRun), scopes and
// dialect forms included, per backend.
func BenchmarkBuildSQL(b *testing.B) {
	for _, backend := range []dialect.Backend{dialect.PostgreSQL, dialect.LogStore} {
		b.Run(backend.String(), func(b *testing.B) {
			b.ReportAllocs()
			_, err := testdb.Record(backend, func(db *gorm.DB) error {
				for b.Loop() {
					var n int64
					stmt := db.Session(&gorm.Session{DryRun: true}).Model(&models.WorkflowRun{}).
						Scopes(scopes.Finished(scopes.ForApp(tenant, app)), scopes.CreatedBetween(day, day.AddDate(0, 0, 30)), scopes.Aggregating("status")).
						Select("status, count(*)").Group("status").Count(&n).Statement
					if stmt.SQL.Len() == 0 {
						b.Fatal("no SQL")
					}
				}
				return nil
			})
			if err != nil {
				b.Fatal(err)
			}
		})
	}
}
