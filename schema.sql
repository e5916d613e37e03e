-- wflog's PostgreSQL schema. wflog.Migrate applies it statement by statement;
-- it is idempotent. An index missing from a table that already has rows is
-- built CONCURRENTLY (Migrate adds the word), so writers are not blocked.
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

-- An app's runs by creation time, every version, with what statistics read.
-- It serves the newest-first list (walked backwards, each row probed on the
-- primary key for a newer version) and, read index-only, exact counts and
-- daily statistics: DISTINCT ON (created_at, id) … ORDER BY created_at, id,
-- version DESC needs no sort, and a time range is an index range.
CREATE INDEX IF NOT EXISTS workflow_runs_app_idx
    ON workflow_runs (tenant_id, app_id, created_at, id, version DESC)
    INCLUDE (status, created_by, total_tokens, triggered_from);

-- The same over terminal versions only: the fast path for statistics over
-- finished runs (scopes.Finished), a fraction of the rows.
CREATE INDEX IF NOT EXISTS workflow_runs_app_finished_idx
    ON workflow_runs (tenant_id, app_id, created_at, id, version DESC)
    INCLUDE (status, created_by, total_tokens, triggered_from)
    WHERE finished_at IS NOT NULL;

-- Retention: the oldest runs of every tenant first (Runs.ExpiredBatch).
CREATE INDEX IF NOT EXISTS workflow_runs_created_idx
    ON workflow_runs (created_at, id);

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

-- A run's node executions, in ListByRun's orders; CountByRuns, DeleteByRuns.
CREATE INDEX IF NOT EXISTS workflow_node_executions_run_idx
    ON workflow_node_executions (workflow_run_id, "index", created_at, id);

-- The latest execution of a node of a workflow (NodeExecutions.Last).
CREATE INDEX IF NOT EXISTS workflow_node_executions_node_idx
    ON workflow_node_executions (tenant_id, app_id, workflow_id, node_id, created_at, id);

-- Retention: the oldest executions first (NodeExecutions.DeleteExpired).
CREATE INDEX IF NOT EXISTS workflow_node_executions_created_idx
    ON workflow_node_executions (created_at, id);
