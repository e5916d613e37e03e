-- query
SELECT "status" FROM (SELECT DISTINCT ON ("created_at", "id") "tenant_id", "app_id", "created_at", "id", "version", "status", "created_by", "total_tokens", "triggered_from" FROM "workflow_runs" WHERE "workflow_runs"."tenant_id" = $1 AND "workflow_runs"."app_id" = $2 ORDER BY "created_at", "id", "version" DESC) AS "workflow_runs" GROUP BY "status"
-- args: "11111111-1111-4111-8111-111111111111" | "22222222-2222-4222-8222-222222222222"
