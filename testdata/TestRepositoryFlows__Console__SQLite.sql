-- query
SELECT * FROM `workflow_runs` WHERE (`workflow_runs`.`tenant_id` = ? AND `workflow_runs`.`app_id` = ?) AND NOT EXISTS (SELECT 1 FROM `workflow_runs` AS `wflog_newer` WHERE `wflog_newer`.`id` = `workflow_runs`.`id` AND `wflog_newer`.`version` > `workflow_runs`.`version`) ORDER BY `workflow_runs`.`created_at` DESC,`workflow_runs`.`id` DESC LIMIT 21
-- args: "11111111-1111-4111-8111-111111111111" | "22222222-2222-4222-8222-222222222222"
-- query
SELECT * FROM `workflow_runs` WHERE `workflow_runs`.`tenant_id` = ? AND `workflow_runs`.`app_id` = ? AND `workflow_runs`.`id` = ? ORDER BY `workflow_runs`.`version` DESC LIMIT 1
-- args: "11111111-1111-4111-8111-111111111111" | "22222222-2222-4222-8222-222222222222" | "0193a1b2-0000-7000-8000-000000000001"
-- query
SELECT * FROM `workflow_node_executions` WHERE (`workflow_node_executions`.`tenant_id` = ? AND `workflow_node_executions`.`app_id` = ?) AND `workflow_node_executions`.`workflow_run_id` = ? AND NOT EXISTS (SELECT 1 FROM `workflow_node_executions` AS `wflog_newer` WHERE `wflog_newer`.`id` = `workflow_node_executions`.`id` AND `wflog_newer`.`version` > `workflow_node_executions`.`version`) ORDER BY `workflow_node_executions`.`index`,`workflow_node_executions`.`created_at`,`workflow_node_executions`.`id`
-- args: "11111111-1111-4111-8111-111111111111" | "22222222-2222-4222-8222-222222222222" | "0193a1b2-0000-7000-8000-000000000001"
-- query
SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name = ? AND tbl_name = 'workflow_runs'
-- args: "wflog_run_stats_insert"
-- query
SELECT status, count(*) AS n FROM (SELECT `tenant_id`, `app_id`, `created_at`, `id`, max(`version`) AS `version`, `status`, `created_by`, `total_tokens`, `triggered_from` FROM `workflow_runs` WHERE `workflow_runs`.`tenant_id` = ? AND `workflow_runs`.`app_id` = ? GROUP BY `created_at`, `id`) AS `workflow_runs` GROUP BY `status`
-- args: "11111111-1111-4111-8111-111111111111" | "22222222-2222-4222-8222-222222222222"
-- query
SELECT wflog_day(`workflow_runs`.`created_at`, ?) AS day, sum(total_tokens) AS n FROM (SELECT `tenant_id`, `app_id`, `created_at`, `id`, max(`version`) AS `version`, `status`, `created_by`, `total_tokens`, `triggered_from` FROM `workflow_runs` WHERE (`workflow_runs`.`tenant_id` = ? AND `workflow_runs`.`app_id` = ?) AND (`workflow_runs`.`created_at` >= ? AND `workflow_runs`.`created_at` < ?) AND `workflow_runs`.`finished_at` IS NOT NULL GROUP BY `created_at`, `id`) AS `workflow_runs` GROUP BY `day` ORDER BY day
-- args: "UTC" | "11111111-1111-4111-8111-111111111111" | "22222222-2222-4222-8222-222222222222" | "2026-11-19 08:00:00.000000" | "2026-11-26 08:00:00.000000"
