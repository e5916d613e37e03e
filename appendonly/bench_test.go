package appendonly_test

import (
	"testing"

	"gorm.io/gorm"

	"github.com/wflog/wflog/internal/dialect"
	"github.com/wflog/wflog/internal/testdb"
	"github.com/wflog/wflog/models"
)

// The plugin's own cost: GORM, the plugin and (for LogStore) the adapter's
// rendering, against a stand-in server that answers at once.

func benchmarkSave(b *testing.B, backend dialect.Backend) {
	b.ReportAllocs()
	_, err := testdb.Record(backend, func(db *gorm.DB) error {
		run := loadedRun(runID)
		for b.Loop() {
			if err := db.Save(&run).Error; err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
}

func BenchmarkSavePostgres(b *testing.B) { benchmarkSave(b, dialect.PostgreSQL) }
func BenchmarkSaveLogStore(b *testing.B) { benchmarkSave(b, dialect.LogStore) }

func BenchmarkFindLatest(b *testing.B) {
	b.ReportAllocs()
	_, err := testdb.Record(dialect.PostgreSQL, func(db *gorm.DB) error {
		for b.Loop() {
			var runs []models.WorkflowRun
			if err := db.Where("app_id = ?", appID).Find(&runs).Error; err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
}
