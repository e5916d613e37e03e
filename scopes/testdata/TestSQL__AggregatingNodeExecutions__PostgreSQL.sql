-- query
SELECT "status" FROM (SELECT DISTINCT ON ("created_at", "id") "created_at", "id", "version", "status" FROM "workflow_node_executions" WHERE "workflow_node_executions"."tenant_id" = $1 AND "workflow_node_executions"."app_id" = $2 ORDER BY "created_at", "id", "version" DESC) AS "workflow_node_executions" GROUP BY "status"
-- args: "11111111-1111-4111-8111-111111111111" | "22222222-2222-4222-8222-222222222222"
