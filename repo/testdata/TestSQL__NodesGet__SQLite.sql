-- query
SELECT * FROM `workflow_node_executions` WHERE `workflow_node_executions`.`tenant_id` = ? AND `workflow_node_executions`.`id` = ? ORDER BY `workflow_node_executions`.`version` DESC LIMIT 1
-- args: "11111111-1111-4111-8111-111111111111" | "0193a1b2-0000-7000-8000-0000000000aa"
