-- query
SELECT * FROM "workflow_runs" WHERE ("workflow_runs"."tenant_id" = $1 AND "workflow_runs"."app_id" = $2) AND NOT EXISTS (SELECT 1 FROM "workflow_runs" AS "wflog_newer" WHERE "wflog_newer"."id" = "workflow_runs"."id" AND "wflog_newer"."version" > "workflow_runs"."version") ORDER BY "workflow_runs"."created_at" DESC,"workflow_runs"."id" DESC LIMIT $3
-- args: "11111111-1111-4111-8111-111111111111" | "22222222-2222-4222-8222-222222222222" | 21
-- query
SELECT * FROM "workflow_runs" WHERE "workflow_runs"."tenant_id" = $1 AND "workflow_runs"."app_id" = $2 AND "workflow_runs"."id" = $3 ORDER BY "workflow_runs"."version" DESC LIMIT $4
-- args: "11111111-1111-4111-8111-111111111111" | "22222222-2222-4222-8222-222222222222" | "0193a1b2-0000-7000-8000-000000000001" | 1
-- query
SELECT * FROM "workflow_node_executions" WHERE ("workflow_node_executions"."tenant_id" = $1 AND "workflow_node_executions"."app_id" = $2) AND "workflow_node_executions"."workflow_run_id" = $3 AND NOT EXISTS (SELECT 1 FROM "workflow_node_executions" AS "wflog_newer" WHERE "wflog_newer"."id" = "workflow_node_executions"."id" AND "wflog_newer"."version" > "workflow_node_executions"."version") ORDER BY "workflow_node_executions"."index","workflow_node_executions"."created_at","workflow_node_executions"."id"
-- args: "11111111-1111-4111-8111-111111111111" | "22222222-2222-4222-8222-222222222222" | "0193a1b2-0000-7000-8000-000000000001"
-- query
SELECT status, count(*) AS n FROM (SELECT DISTINCT ON ("created_at", "id") "created_at", "id", "version", "status" FROM "workflow_runs" WHERE "workflow_runs"."tenant_id" = $1 AND "workflow_runs"."app_id" = $2 ORDER BY "created_at", "id", "version" DESC) AS "workflow_runs" GROUP BY "status"
-- args: "11111111-1111-4111-8111-111111111111" | "22222222-2222-4222-8222-222222222222"
-- query
SELECT width_bucket("workflow_runs"."created_at", $1::timestamptz[]) AS day, sum(total_tokens) AS n FROM (SELECT DISTINCT ON ("created_at", "id") "created_at", "id", "version", "total_tokens" FROM "workflow_runs" WHERE ("workflow_runs"."tenant_id" = $2 AND "workflow_runs"."app_id" = $3) AND ("workflow_runs"."created_at" >= $4 AND "workflow_runs"."created_at" < $5) AND "workflow_runs"."finished_at" IS NOT NULL ORDER BY "created_at", "id", "version" DESC) AS "workflow_runs" GROUP BY 1 ORDER BY 1
-- args: "{\"2026-11-19T00:00:00Z\",\"2026-11-20T00:00:00Z\",\"2026-11-21T00:00:00Z\",\"2026-11-22T00:00:00Z\",\"2026-11-23T00:00:00Z\",\"2026-11-24T00:00:00Z\",\"2026-11-25T00:00:00Z\",\"2026-11-26T00:00:00Z\"}" | "11111111-1111-4111-8111-111111111111" | "22222222-2222-4222-8222-222222222222" | "2026-11-19T08:00:00Z" | "2026-11-26T08:00:00Z"
