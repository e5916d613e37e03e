-- query
SELECT DISTINCT `id` FROM `workflow_node_executions` WHERE `workflow_node_executions`.`tenant_id` = ? AND `workflow_node_executions`.`app_id` = ? LIMIT 500
-- args: "11111111-1111-4111-8111-111111111111" | "22222222-2222-4222-8222-222222222222"
