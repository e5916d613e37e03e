-- wflog's LogStore schema.
--
-- On Alibaba Cloud SLS, create two logstores in the project — workflow_runs
-- and workflow_node_executions — in the console or with the SLS API, with a
-- field index per column below (text → text, bigint → long, double precision
-- → double) and scan_index on. SLS's SQL DDL exists but its syntax is not
-- published, so these statements are what the bundled emulator
-- (logstoretest) accepts; wflog.Migrate sends them one at a time.
--
-- LogStore has no primary keys, defaults or constraints. Every value is
-- stored as text typed by its field index; times are ISO-8601 UTC text with
-- six fractional digits (2026-11-26T08:00:00.123456Z), which sorts and
-- compares like the instant it names. LogStore adds __time__ (receive time,
-- UNIX seconds) itself.

CREATE TABLE IF NOT EXISTS workflow_runs (
    id text,
    version bigint,
    tenant_id text,
    app_id text,
    workflow_id text,
    type text,
    triggered_from text,
    workflow_version text,
    graph text,
    inputs text,
    outputs text,
    status text,
    error text,
    elapsed_time double precision,
    total_tokens bigint,
    total_steps bigint,
    exceptions_count bigint,
    created_by_role text,
    created_by text,
    created_at text,
    finished_at text
);

CREATE TABLE IF NOT EXISTS workflow_node_executions (
    id text,
    version bigint,
    tenant_id text,
    app_id text,
    workflow_id text,
    triggered_from text,
    workflow_run_id text,
    "index" bigint,
    predecessor_node_id text,
    node_execution_id text,
    node_id text,
    node_type text,
    title text,
    inputs text,
    process_data text,
    outputs text,
    execution_metadata text,
    status text,
    error text,
    elapsed_time double precision,
    created_by_role text,
    created_by text,
    created_at text,
    finished_at text
);
