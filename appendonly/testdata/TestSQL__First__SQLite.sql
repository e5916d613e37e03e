-- query
SELECT * FROM `workflow_runs` WHERE id = ? AND NOT EXISTS (SELECT 1 FROM `workflow_runs` AS `wflog_newer` WHERE `wflog_newer`.`id` = `workflow_runs`.`id` AND `wflog_newer`.`version` > `workflow_runs`.`version`) ORDER BY `workflow_runs`.`id` LIMIT 1
-- args: "0193a1b2-0000-7000-8000-000000000001"
