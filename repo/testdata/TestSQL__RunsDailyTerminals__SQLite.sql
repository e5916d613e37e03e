-- query
SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name = ? AND tbl_name = 'workflow_runs'
-- args: "wflog_run_stats_insert"
-- query
SELECT day, sum(runs) AS runs, count(*) AS users FROM (SELECT wflog_day(`workflow_runs`.`created_at`, ?) AS day, created_by, count(*) AS runs FROM (SELECT `tenant_id`, `app_id`, `created_at`, `id`, max(`version`) AS `version`, `status`, `created_by`, `total_tokens`, `triggered_from` FROM `workflow_runs` WHERE (`workflow_runs`.`tenant_id` = ? AND `workflow_runs`.`app_id` = ?) AND `workflow_runs`.`triggered_from` = ? AND (`workflow_runs`.`created_at` >= ? AND `workflow_runs`.`created_at` < ?) GROUP BY `created_at`, `id`) AS `workflow_runs` GROUP BY `day`,`created_by`) AS per_user GROUP BY `day` ORDER BY day
-- args: "Asia/Shanghai" | "11111111-1111-4111-8111-111111111111" | "22222222-2222-4222-8222-222222222222" | "app-run" | "2026-11-01 00:00:00.000000" | "2026-12-01 00:00:00.000000"
