-- query
SELECT * FROM "workflow_runs" WHERE ("workflow_runs"."created_at" >= $1 AND "workflow_runs"."created_at" < $2) AND ("workflow_runs"."tenant_id" = $3 AND "workflow_runs"."app_id" = $4) AND "workflow_runs"."finished_at" IS NOT NULL AND NOT EXISTS (SELECT 1 FROM "workflow_runs" AS "wflog_newer" WHERE "wflog_newer"."id" = "workflow_runs"."id" AND "wflog_newer"."version" > "workflow_runs"."version" AND "wflog_newer"."finished_at" IS NOT NULL)
-- args: "2026-11-01T00:00:00Z" | "2026-12-01T00:00:00Z" | "11111111-1111-4111-8111-111111111111" | "22222222-2222-4222-8222-222222222222"
