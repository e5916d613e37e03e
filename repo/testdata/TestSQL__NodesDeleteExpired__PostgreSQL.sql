-- query
SELECT DISTINCT "id" FROM "workflow_node_executions" WHERE "workflow_node_executions"."created_at" < $1 LIMIT $2
-- args: "2026-11-01T00:00:00Z" | 500
