-- query
SELECT * FROM `workflow_runs` WHERE NOT EXISTS (SELECT 1 FROM `workflow_runs` AS `wflog_newer` WHERE `wflog_newer`.`id` = `workflow_runs`.`id` AND `wflog_newer`.`version` > `workflow_runs`.`version`)
