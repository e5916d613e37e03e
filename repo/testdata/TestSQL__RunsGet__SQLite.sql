-- query
SELECT * FROM `workflow_runs` WHERE `workflow_runs`.`tenant_id` = ? AND `workflow_runs`.`app_id` = ? AND `workflow_runs`.`id` = ? ORDER BY `workflow_runs`.`version` DESC LIMIT 1
-- args: "11111111-1111-4111-8111-111111111111" | "22222222-2222-4222-8222-222222222222" | "0193a1b2-0000-7000-8000-000000000001"
