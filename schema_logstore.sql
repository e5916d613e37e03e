-- wflog's LogStore schema, for the bundled emulator (logstoretest).
--
-- On Alibaba Cloud SLS, do not rely on this DDL: SLS's SQL DDL is not
-- published, and it cannot set what wflog's SQL depends on — each field's
-- index type, analytics (doc_value) and the maximum text length. Create the
-- two logstores, workflow_runs and workflow_node_executions, in the console
-- or with the SLS API, and give them the field indexes `wflog
-- logstore-index` prints (bigint → long, double precision → double, text →
-- text, analytics on, max_text_len 16384). wflog.Migrate sends these
-- statements one at a time and then probes the indexes (wflog check); it
-- fails unless they are right.
--
-- LogStore has no primary keys, defaults or constraints, and no NULL: every
-- value is stored as a string (wflog writes nil as '') and typed by its
-- field index when SQL reads it. Times are ISO-8601 UTC text with six
-- fractional digits (2026-11-26T08:00:00.123456Z), which sorts and compares
-- like the instant it names. LogStore adds __time__ (receive time, UNIX
-- seconds) itself.

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
