-- query
SELECT * FROM `workflow_runs` WHERE (app_id = ? AND status = ?) AND NOT EXISTS (SELECT 1 FROM `workflow_runs` AS `wflog_newer` WHERE `wflog_newer`.`id` = `workflow_runs`.`id` AND `wflog_newer`.`version` > `workflow_runs`.`version`) ORDER BY created_at DESC
-- args: "22222222-2222-4222-8222-222222222222" | "succeeded"
