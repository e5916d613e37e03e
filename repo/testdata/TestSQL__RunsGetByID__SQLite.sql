-- query
SELECT * FROM `workflow_runs` WHERE `workflow_runs`.`id` = ? ORDER BY `workflow_runs`.`version` DESC LIMIT 1
-- args: "0193a1b2-0000-7000-8000-000000000001"
