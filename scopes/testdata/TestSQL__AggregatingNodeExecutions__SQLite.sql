-- query
SELECT `status` FROM (SELECT `created_at`, `id`, max(`version`) AS `version`, `status` FROM `workflow_node_executions` WHERE `workflow_node_executions`.`tenant_id` = ? AND `workflow_node_executions`.`app_id` = ? GROUP BY `created_at`, `id`) AS `workflow_node_executions` GROUP BY `status`
-- args: "11111111-1111-4111-8111-111111111111" | "22222222-2222-4222-8222-222222222222"
