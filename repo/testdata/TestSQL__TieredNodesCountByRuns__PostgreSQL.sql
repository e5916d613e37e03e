-- query
SELECT workflow_run_id, count(*) AS n FROM "workflow_node_executions" WHERE "workflow_node_executions"."tenant_id" = $1 AND "workflow_node_executions"."created_at" >= $2 AND "workflow_node_executions"."workflow_run_id" = $3 AND NOT EXISTS (SELECT 1 FROM "workflow_node_executions" AS "wflog_newer" WHERE "wflog_newer"."id" = "workflow_node_executions"."id" AND "wflog_newer"."version" > "workflow_node_executions"."version") GROUP BY "workflow_run_id"
-- args: "11111111-1111-4111-8111-111111111111" | "2026-11-11T00:00:00Z" | "0193a1b2-0000-7000-8000-000000000001"
-- query
SELECT workflow_run_id, count(*) AS n FROM "workflow_node_executions" WHERE "workflow_node_executions"."tenant_id" = $1 AND "workflow_node_executions"."created_at" < $2 AND "workflow_node_executions"."workflow_run_id" = $3 AND NOT EXISTS (SELECT 1 FROM "workflow_node_executions" AS "wflog_newer" WHERE "wflog_newer"."id" = "workflow_node_executions"."id" AND "wflog_newer"."version" > "workflow_node_executions"."version") GROUP BY "workflow_run_id"
-- args: "11111111-1111-4111-8111-111111111111" | "2026-11-11T00:00:00Z" | "0193a1b2-0000-7000-8000-000000000001"
