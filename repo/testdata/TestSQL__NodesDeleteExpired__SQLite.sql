-- query
SELECT DISTINCT `id` FROM `workflow_node_executions` WHERE `workflow_node_executions`.`created_at` < ? LIMIT 500
-- args: "2026-11-01 00:00:00.000000"
