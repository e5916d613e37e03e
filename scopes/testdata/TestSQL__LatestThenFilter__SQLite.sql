-- query
SELECT count(*) FROM `workflow_runs` WHERE status = ? AND (`workflow_runs`.`tenant_id` = ? AND `workflow_runs`.`app_id` = ?) AND NOT EXISTS (SELECT 1 FROM `workflow_runs` AS `wflog_newer` WHERE `wflog_newer`.`id` = `workflow_runs`.`id` AND `wflog_newer`.`version` > `workflow_runs`.`version`)
-- args: "running" | "11111111-1111-4111-8111-111111111111" | "22222222-2222-4222-8222-222222222222"
