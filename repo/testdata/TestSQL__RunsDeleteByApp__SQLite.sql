-- query
SELECT DISTINCT `id` FROM `workflow_runs` WHERE `workflow_runs`.`tenant_id` = ? AND `workflow_runs`.`app_id` = ? LIMIT 500
-- args: "11111111-1111-4111-8111-111111111111" | "22222222-2222-4222-8222-222222222222"
