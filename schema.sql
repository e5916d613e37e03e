-- wflog's PostgreSQL schema. wflog.Migrate applies it; it is idempotent.
--
-- Rows are append-only: every save of a run or node execution is a new row
-- with a greater version (nanoseconds), and the row with the greatest version
-- of an id is its current state. The primary key (id, version) serves the
-- latest-version probe and catches two writers that picked the same version.

CREATE TABLE IF NOT EXISTS workflow_runs (
    id               uuid             NOT NULL,
    version          bigint           NOT NULL,
    tenant_id        uuid             NOT NULL,
    app_id           uuid             NOT NULL,
    workflow_id      uuid             NOT NULL,
    type             varchar(255)     NOT NULL,
    triggered_from   varchar(255)     NOT NULL,
    workflow_version varchar(255)     NOT NULL,
    graph            text,
    inputs           text,
    outputs          text,
    status           varchar(255)     NOT NULL,
    error            text,
    elapsed_time     double precision NOT NULL,
    total_tokens     bigint           NOT NULL,
    total_steps      integer          NOT NULL,
    exceptions_count integer          NOT NULL,
    created_by_role  varchar(255)     NOT NULL,
    created_by       uuid             NOT NULL,
    created_at       timestamptz      NOT NULL,
    finished_at      timestamptz,
    PRIMARY KEY (id, version)
);

-- An app's runs by creation time: lists, keyset pages and daily statistics.
CREATE INDEX IF NOT EXISTS workflow_runs_app_created_idx
    ON workflow_runs (tenant_id, app_id, created_at, id);

CREATE TABLE IF NOT EXISTS workflow_node_executions (
    id                  uuid             NOT NULL,
    version             bigint           NOT NULL,
    tenant_id           uuid             NOT NULL,
    app_id              uuid             NOT NULL,
    workflow_id         uuid             NOT NULL,
    triggered_from      varchar(255)     NOT NULL,
    workflow_run_id     uuid,
    "index"             integer          NOT NULL,
    predecessor_node_id varchar(255),
    node_execution_id   varchar(255),
    node_id             varchar(255)     NOT NULL,
    node_type           varchar(255)     NOT NULL,
    title               varchar(255)     NOT NULL,
    inputs              text,
    process_data        text,
    outputs             text,
    execution_metadata  text,
    status              varchar(255)     NOT NULL,
    error               text,
    elapsed_time        double precision NOT NULL,
    created_by_role     varchar(255)     NOT NULL,
    created_by          uuid             NOT NULL,
    created_at          timestamptz      NOT NULL,
    finished_at         timestamptz,
    PRIMARY KEY (id, version)
);

-- A run's node executions.
CREATE INDEX IF NOT EXISTS workflow_node_executions_run_idx
    ON workflow_node_executions (workflow_run_id, "index");

-- The latest execution of a node of a workflow.
CREATE INDEX IF NOT EXISTS workflow_node_executions_node_idx
    ON workflow_node_executions (tenant_id, app_id, workflow_id, node_id, created_at);
