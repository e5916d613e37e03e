package scopes_test

import (
	"fmt"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/wflog/wflog/dialect"
	"github.com/wflog/wflog/internal/testdb"
	"github.com/wflog/wflog/models"
	"github.com/wflog/wflog/scopes"
)

// ExampleFinished counts an app's finished runs by status in November: the
// statistics fast path, on each backend.
func ExampleFinished() {
	tenant := uuid.MustParse("11111111-1111-4111-8111-111111111111")
	app := uuid.MustParse("22222222-2222-4222-8222-222222222222")
	from := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	for _, backend := range []dialect.Backend{dialect.PostgreSQL, dialect.LogStore} {
		stmts, _ := testdb.Record(backend, func(db *gorm.DB) error {
			var counts []struct {
				Status models.RunStatus
				N      int64
			}
			return db.Model(&models.WorkflowRun{}).
				Scopes(scopes.Finished(scopes.ForApp(tenant, app)), scopes.CreatedBetween(from, from.AddDate(0, 1, 0))).
				Select("status, count(*) AS n").Group("status").Scan(&counts).Error
		})
		fmt.Println("--", backend)
		fmt.Println(stmts[0].SQL)
		if len(stmts[0].Args) > 0 {
			fmt.Println(stmts[0].Args)
		}
	}
	// Output:
	// -- PostgreSQL
	// SELECT status, count(*) AS n FROM "workflow_runs" WHERE ("workflow_runs"."created_at" >= $1 AND "workflow_runs"."created_at" < $2) AND ("workflow_runs"."tenant_id" = $3 AND "workflow_runs"."app_id" = $4) AND "workflow_runs"."finished_at" IS NOT NULL AND NOT EXISTS (SELECT 1 FROM "workflow_runs" AS "wflog_newer" WHERE "wflog_newer"."id" = "workflow_runs"."id" AND "wflog_newer"."version" > "workflow_runs"."version" AND "wflog_newer"."finished_at" IS NOT NULL) GROUP BY "status"
	// [2026-11-01 00:00:00 +0000 UTC 2026-12-01 00:00:00 +0000 UTC 11111111-1111-4111-8111-111111111111 22222222-2222-4222-8222-222222222222]
	// -- LogStore
	// SELECT status, count(*) AS n FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY "id" ORDER BY "version" DESC) AS "wflog_rn" FROM "workflow_runs" WHERE __time__ > 0 AND ("workflow_runs"."tenant_id" = '11111111-1111-4111-8111-111111111111' AND "workflow_runs"."app_id" = '22222222-2222-4222-8222-222222222222') AND "workflow_runs"."finished_at" > '') AS "wflog_latest" WHERE ("wflog_latest"."created_at" >= '2026-11-01T00:00:00.000000Z' AND "wflog_latest"."created_at" < '2026-12-01T00:00:00.000000Z') AND "wflog_latest"."wflog_rn" = 1 GROUP BY "status" LIMIT 1000000
}
