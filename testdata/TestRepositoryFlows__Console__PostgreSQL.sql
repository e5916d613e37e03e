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
SELECT count(*) FROM pg_trigger WHERE tgrelid = to_regclass('workflow_runs') AND tgname = $1 AND NOT tgisinternal AND tgenabled <> 'D'
-- args: "wflog_run_stats_insert"
-- query
SELECT status, count(*) AS n FROM (SELECT DISTINCT ON ("created_at", "id") "tenant_id", "app_id", "created_at", "id", "version", "status", "created_by", "total_tokens", "triggered_from" FROM "workflow_runs" WHERE "workflow_runs"."tenant_id" = $1 AND "workflow_runs"."app_id" = $2 ORDER BY "created_at", "id", "version" DESC) AS "workflow_runs" GROUP BY "status"
-- args: "11111111-1111-4111-8111-111111111111" | "22222222-2222-4222-8222-222222222222"
-- query
SELECT wflog_day.day, per_day.* FROM unnest($1::timestamptz[], $2::timestamptz[], $3::text[]) AS wflog_day (lo, hi, day) CROSS JOIN LATERAL (SELECT count(*) AS runs, sum(total_tokens) AS n FROM (SELECT DISTINCT ON ("created_at", "id") "tenant_id", "app_id", "created_at", "id", "version", "status", "created_by", "total_tokens", "triggered_from" FROM "workflow_runs" WHERE ("workflow_runs"."tenant_id" = $4 AND "workflow_runs"."app_id" = $5) AND ("workflow_runs"."created_at" >= "wflog_day"."lo" AND "workflow_runs"."created_at" < "wflog_day"."hi") AND "workflow_runs"."finished_at" IS NOT NULL ORDER BY "created_at", "id", "version" DESC) AS "workflow_runs") AS per_day WHERE per_day.runs > 0 ORDER BY wflog_day.day
-- args: "{\"2026-11-19T08:00:00Z\",\"2026-11-20T00:00:00Z\",\"2026-11-21T00:00:00Z\",\"2026-11-22T00:00:00Z\",\"2026-11-23T00:00:00Z\",\"2026-11-24T00:00:00Z\",\"2026-11-25T00:00:00Z\",\"2026-11-26T00:00:00Z\"}" | "{\"2026-11-20T00:00:00Z\",\"2026-11-21T00:00:00Z\",\"2026-11-22T00:00:00Z\",\"2026-11-23T00:00:00Z\",\"2026-11-24T00:00:00Z\",\"2026-11-25T00:00:00Z\",\"2026-11-26T00:00:00Z\",\"2026-11-26T08:00:00Z\"}" | "{2026-11-19,2026-11-20,2026-11-21,2026-11-22,2026-11-23,2026-11-24,2026-11-25,2026-11-26}" | "11111111-1111-4111-8111-111111111111" | "22222222-2222-4222-8222-222222222222"
