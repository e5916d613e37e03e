-- exec
DELETE FROM `workflow_runs` WHERE `workflow_runs`.`id` = ?
-- args: "0193a1b2-0000-7000-8000-000000000001"
