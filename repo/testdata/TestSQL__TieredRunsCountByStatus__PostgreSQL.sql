-- query
SELECT count(*) FROM pg_trigger WHERE tgrelid = to_regclass('workflow_runs') AND tgname = $1 AND NOT tgisinternal AND tgenabled <> 'D'
-- args: "wflog_run_stats_insert"
-- query
SELECT status, count(*) AS n FROM (SELECT DISTINCT ON ("created_at", "id") "tenant_id", "app_id", "created_at", "id", "version", "status", "created_by", "total_tokens", "triggered_from" FROM "workflow_runs" WHERE ("workflow_runs"."tenant_id" = $1 AND "workflow_runs"."app_id" = $2) AND "workflow_runs"."created_at" >= $3 ORDER BY "created_at", "id", "version" DESC) AS "workflow_runs" GROUP BY "status"
-- args: "11111111-1111-4111-8111-111111111111" | "22222222-2222-4222-8222-222222222222" | "2026-11-11T00:00:00Z"
-- query
SELECT count(*) FROM pg_trigger WHERE tgrelid = to_regclass('workflow_runs') AND tgname = $1 AND NOT tgisinternal AND tgenabled <> 'D'
-- args: "wflog_run_stats_insert"
-- query
SELECT status, count(*) AS n FROM (SELECT DISTINCT ON ("created_at", "id") "tenant_id", "app_id", "created_at", "id", "version", "status", "created_by", "total_tokens", "triggered_from" FROM "workflow_runs" WHERE ("workflow_runs"."tenant_id" = $1 AND "workflow_runs"."app_id" = $2) AND "workflow_runs"."created_at" >= $3 ORDER BY "created_at", "id", "version" DESC) AS "workflow_runs" GROUP BY "status"
-- args: "11111111-1111-4111-8111-111111111111" | "22222222-2222-4222-8222-222222222222" | "2026-11-01T00:00:00Z"
-- query
SELECT status, count(*) AS n FROM (SELECT DISTINCT ON ("created_at", "id") "tenant_id", "app_id", "created_at", "id", "version", "status", "created_by", "total_tokens", "triggered_from" FROM "workflow_runs" WHERE ("workflow_runs"."tenant_id" = $1 AND "workflow_runs"."app_id" = $2) AND "workflow_runs"."created_at" >= $3 ORDER BY "created_at", "id", "version" DESC) AS "workflow_runs" GROUP BY "status"
-- args: "11111111-1111-4111-8111-111111111111" | "22222222-2222-4222-8222-222222222222" | "2026-11-11T00:00:00Z"
