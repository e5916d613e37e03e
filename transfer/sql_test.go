package transfer

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/wflog/wflog/dialect"
	"github.com/wflog/wflog/internal/testdb"
	"github.com/wflog/wflog/models"
)

// TestSQL pins the statements a copy and a verify read with, on each
// backend: keyset pages in (created_at, id, version) order, never OFFSET;
// on LogStore a bounded __time__, a LIMIT of at most 10,000 and no subquery.
func TestSQL(t *testing.T) {
	f := Filter{TenantID: uuid.MustParse("0192f0e0-0000-7000-8000-00000000000a"), AppID: uuid.MustParse("0192f0e0-0000-7000-8000-0000000000a1"),
		Since: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), Until: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)}
	after := &key{CreatedAt: time.Date(2026, 11, 2, 3, 4, 5, 6000, time.UTC), ID: uuid.MustParse("01a22a03-bb37-7b93-aaf7-e251af56b11d"), Version: 1795544566101616000}
	for _, b := range []dialect.Backend{dialect.PostgreSQL, dialect.LogStore} {
		t.Run(b.String(), func(t *testing.T) {
			_, err := testdb.Golden(t, b, func(db *gorm.DB) error {
				db = db.WithContext(context.Background())
				if _, err := readPage[models.WorkflowRun](db, Filter{}, nil, dialect.MaxPage, nil); err != nil {
					return err
				}
				if _, err := readPage[models.WorkflowNodeExecution](db, f, after, defaultPageSize, nil); err != nil {
					return err
				}
				if _, err := readPage[models.WorkflowRun](db, f, after, defaultPageSize, []string{"created_at", "id", "version", "status", "total_tokens"}); err != nil {
					return err
				}
				_, err := count[models.WorkflowRun](db, f)
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
		})
	}
}
