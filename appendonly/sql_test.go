package appendonly_test

import (
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/wflog/wflog/appendonly"
	"github.com/wflog/wflog/internal/dialect"
	"github.com/wflog/wflog/internal/testdb"
	"github.com/wflog/wflog/models"
)

func ptr[T any](v T) *T { return &v }

var (
	runID    = uuid.MustParse("0193a1b2-0000-7000-8000-000000000001")
	run2ID   = uuid.MustParse("0193a1b2-0000-7000-8000-000000000002")
	tenantID = uuid.MustParse("11111111-1111-4111-8111-111111111111")
	appID    = uuid.MustParse("22222222-2222-4222-8222-222222222222")
)

// newRun is a run as a workflow engine creates it: not yet stored.
func newRun(id uuid.UUID) models.WorkflowRun {
	return models.WorkflowRun{
		ID:              id,
		TenantID:        tenantID,
		AppID:           appID,
		WorkflowID:      uuid.MustParse("33333333-3333-4333-8333-333333333333"),
		Type:            models.WorkflowTypeWorkflow,
		TriggeredFrom:   models.RunFromAppRun,
		WorkflowVersion: "2026-11-01 10:00:00",
		Graph:           ptr(`{"nodes":[],"edges":[]}`),
		Inputs:          ptr(`{"query":"it's"}`),
		Status:          models.RunRunning,
		CreatedByRole:   models.CreatedByAccount,
		CreatedBy:       uuid.MustParse("44444444-4444-4444-8444-444444444444"),
		CreatedAt:       testdb.Epoch,
	}
}

// loadedRun is a run as read back from the database.
func loadedRun(id uuid.UUID) models.WorkflowRun {
	r := newRun(id)
	r.Version = appendonly.Version(testdb.Epoch.UnixNano() - 1000)
	return r
}

type sqlCase struct {
	name string
	run  func(db *gorm.DB) error
	// wantErr per backend; nil means success.
	postgresErr, logStoreErr error
}

func sqlCases() []sqlCase {
	finished := testdb.Epoch.Add(90 * time.Second)
	return []sqlCase{
		{name: "CreateNew", run: func(db *gorm.DB) error {
			r := newRun(runID)
			return db.Create(&r).Error
		}},
		{name: "CreateSlice", run: func(db *gorm.DB) error {
			rs := []models.WorkflowRun{newRun(runID), newRun(run2ID)}
			return db.Create(&rs).Error
		}},
		{name: "SaveNew", run: func(db *gorm.DB) error {
			r := newRun(runID)
			return db.Save(&r).Error
		}},
		{name: "SaveLoaded", run: func(db *gorm.DB) error {
			r := loadedRun(runID)
			r.Status, r.FinishedAt, r.TotalTokens = models.RunSucceeded, &finished, 1234
			r.Outputs = ptr(`{"answer":"O'Brien said \"hi\"\\n"}`)
			return db.Save(&r).Error
		}},
		{name: "SaveSlice", run: func(db *gorm.DB) error {
			rs := []models.WorkflowRun{loadedRun(runID), newRun(run2ID)}
			return db.Save(&rs).Error
		}},
		{name: "UpdatesMap", run: func(db *gorm.DB) error {
			r := loadedRun(runID)
			return db.Model(&r).Updates(map[string]any{"status": models.RunFailed, "error": "boom", "finished_at": finished}).Error
		}},
		{name: "UpdateColumn", run: func(db *gorm.DB) error {
			r := loadedRun(runID)
			return db.Model(&r).Update("total_tokens", 99).Error
		}},
		{name: "UpdatesStruct", run: func(db *gorm.DB) error {
			r := loadedRun(runID)
			return db.Model(&r).Updates(models.WorkflowRun{Status: models.RunStopped, TotalSteps: 3}).Error
		}},
		{name: "UpdatesNotLoaded", postgresErr: appendonly.ErrNotLoaded, logStoreErr: appendonly.ErrNotLoaded, run: func(db *gorm.DB) error {
			r := newRun(runID)
			return db.Model(&r).Update("status", models.RunFailed).Error
		}},
		{name: "UpdatesByCondition", postgresErr: appendonly.ErrNotLoaded, logStoreErr: appendonly.ErrNotLoaded, run: func(db *gorm.DB) error {
			return db.Model(&models.WorkflowRun{}).Where("status = ?", models.RunRunning).Update("status", models.RunStopped).Error
		}},
		{name: "DeleteRow", logStoreErr: dialect.ErrUnsupported, run: func(db *gorm.DB) error {
			r := loadedRun(runID)
			return db.Delete(&r).Error
		}},
		{name: "DeleteByCondition", logStoreErr: dialect.ErrUnsupported, run: func(db *gorm.DB) error {
			return db.Where("status = ?", models.RunFailed).Delete(&models.WorkflowRun{}).Error
		}},
		{name: "FindAll", run: func(db *gorm.DB) error {
			var rs []models.WorkflowRun
			return db.Find(&rs).Error
		}},
		{name: "FindWhere", run: func(db *gorm.DB) error {
			var rs []models.WorkflowRun
			return db.Where("app_id = ? AND status = ?", appID, models.RunSucceeded).Order("created_at DESC").Find(&rs).Error
		}},
		{name: "FindPage", run: func(db *gorm.DB) error {
			var rs []models.WorkflowRun
			return db.Order("created_at DESC").Limit(10).Offset(20).Find(&rs).Error
		}},
		{name: "First", run: func(db *gorm.DB) error {
			var r models.WorkflowRun
			err := db.First(&r, "id = ?", runID).Error
			if errors.Is(err, gorm.ErrRecordNotFound) {
				return nil // the stand-in server has no rows
			}
			return err
		}},
		{name: "Count", run: func(db *gorm.DB) error {
			var n int64
			return db.Model(&models.WorkflowRun{}).Where("status = ?", models.RunRunning).Count(&n).Error
		}},
		{name: "Pluck", run: func(db *gorm.DB) error {
			var ids []uuid.UUID
			return db.Model(&models.WorkflowRun{}).Where("app_id = ?", appID).Pluck("id", &ids).Error
		}},
		{name: "History", run: func(db *gorm.DB) error {
			var rs []models.WorkflowRun
			return db.Unscoped().Where("id = ?", runID).Order("version").Find(&rs).Error
		}},
	}
}

// TestSQL pins the SQL every call sends on each backend (golden files in
// testdata/; go test -run TestSQL -update rewrites them).
func TestSQL(t *testing.T) {
	for _, c := range sqlCases() {
		t.Run(c.name, func(t *testing.T) {
			for _, b := range []dialect.Backend{dialect.PostgreSQL, dialect.LogStore, dialect.SQLite} {
				t.Run(b.String(), func(t *testing.T) {
					stmts, err := testdb.Golden(t, b, c.run)
					wantErr := c.postgresErr
					if b == dialect.LogStore {
						wantErr = c.logStoreErr
						checkLogStoreRules(t, stmts)
					}
					checkAppendOnly(t, stmts)
					switch {
					case wantErr == nil && err != nil:
						t.Fatalf("unexpected error: %v", err)
					case wantErr != nil && !errors.Is(err, wantErr):
						t.Fatalf("error = %v, want %v", err, wantErr)
					case wantErr != nil && len(stmts) > 0:
						t.Fatalf("refused with %v, but sent %d statement(s) first", err, len(stmts))
					}
				})
			}
		})
	}
}

var (
	placeholder = regexp.MustCompile(`\$\d`)
	keyword     = func(w string) *regexp.Regexp { return regexp.MustCompile(`(?i)\b` + w + `\b`) }
)

// checkAppendOnly: no backend ever receives UPDATE.
func checkAppendOnly(t *testing.T, stmts []testdb.Statement) {
	t.Helper()
	for _, s := range stmts {
		if keyword("UPDATE").MatchString(s.SQL) || keyword("ON CONFLICT").MatchString(s.SQL) {
			t.Errorf("append-only model sent %q", s.SQL)
		}
	}
}

// checkLogStoreRules: what LogStore receives stays within its rules.
func checkLogStoreRules(t *testing.T, stmts []testdb.Statement) {
	t.Helper()
	for _, s := range stmts {
		for _, w := range []string{"UPDATE", "DELETE", "RETURNING", "ON CONFLICT", "BEGIN", "COMMIT", "ROLLBACK", "OFFSET"} {
			if keyword(w).MatchString(s.SQL) {
				t.Errorf("LogStore received %s: %q", w, s.SQL)
			}
		}
		if placeholder.MatchString(s.SQL) || len(s.Args) > 0 {
			t.Errorf("LogStore received placeholders or arguments: %q %v", s.SQL, s.Args)
		}
		if strings.HasPrefix(s.SQL, "SELECT") {
			if !strings.Contains(s.SQL, "__time__") {
				t.Errorf("LogStore SELECT without __time__: %q", s.SQL)
			}
			if !keyword("LIMIT").MatchString(s.SQL) {
				t.Errorf("LogStore SELECT without LIMIT: %q", s.SQL)
			}
		}
	}
}
