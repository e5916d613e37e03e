-- query
SELECT `id` FROM `workflow_runs` WHERE app_id = ? AND NOT EXISTS (SELECT 1 FROM `workflow_runs` AS `wflog_newer` WHERE `wflog_newer`.`id` = `workflow_runs`.`id` AND `wflog_newer`.`version` > `workflow_runs`.`version`)
-- args: "22222222-2222-4222-8222-222222222222"
