-- begin
-- exec
DELETE FROM workflow_node_executions WHERE workflow_run_id IN (?)
-- args: "0193a1b2-0000-7000-8000-000000000001"
-- query
DELETE FROM workflow_runs WHERE id IN (?) RETURNING id
-- args: "0193a1b2-0000-7000-8000-000000000001"
-- commit
