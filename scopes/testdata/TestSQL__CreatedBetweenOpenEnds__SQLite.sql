-- query
SELECT * FROM `workflow_runs` WHERE `workflow_runs`.`created_at` >= ? AND `workflow_runs`.`created_at` < ? AND NOT EXISTS (SELECT 1 FROM `workflow_runs` AS `wflog_newer` WHERE `wflog_newer`.`id` = `workflow_runs`.`id` AND `wflog_newer`.`version` > `workflow_runs`.`version`)
-- args: "2026-11-01 00:00:00.000000" | "2026-11-01 00:00:00.000000"
