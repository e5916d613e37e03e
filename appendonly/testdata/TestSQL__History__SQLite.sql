-- query
SELECT * FROM `workflow_runs` WHERE id = ? ORDER BY version
-- args: "0193a1b2-0000-7000-8000-000000000001"
