-- begin
-- exec
DELETE FROM workflow_node_executions WHERE workflow_run_id IN ($1)
-- args: "0193a1b2-0000-7000-8000-000000000001"
-- query
WITH gone AS (DELETE FROM workflow_runs WHERE id IN ($1) RETURNING id) SELECT count(DISTINCT id) FROM gone
-- args: "0193a1b2-0000-7000-8000-000000000001"
-- commit
