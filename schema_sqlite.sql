-- wflog's SQLite schema. wflog.Migrate applies it statement by statement;
-- it is idempotent. Same tables and columns as schema.sql, in SQLite's
-- types: uuids are text, times are fixed-width UTC text to the microsecond
-- ('2026-11-26 08:00:00.000000', see dialect.SQLiteTime), which sorts as the
-- times do, and is declared TIMESTAMP so the driver reads it back as a time.
-- Triggers of rollup/schema_sqlite.sql (wflog_*_time_text_*) refuse a
-- created_at or finished_at in any other text, from any writer.
--
-- Rows are append-only: every save is a new row with a greater version
-- (nanoseconds); the row with the greatest version of an id is its current
-- state. The primary key (id, version) serves the latest-version probe.

CREATE TABLE IF NOT EXISTS workflow_runs (
    id               TEXT      NOT NULL,
    version          INTEGER   NOT NULL,
    tenant_id        TEXT      NOT NULL,
    app_id           TEXT      NOT NULL,
    workflow_id      TEXT      NOT NULL,
    type             TEXT      NOT NULL,
    triggered_from   TEXT      NOT NULL,
    workflow_version TEXT      NOT NULL,
    graph            TEXT,
    inputs           TEXT,
    outputs          TEXT,
    status           TEXT      NOT NULL,
    error            TEXT,
    elapsed_time     REAL      NOT NULL,
    total_tokens     INTEGER   NOT NULL,
    total_steps      INTEGER   NOT NULL,
    exceptions_count INTEGER   NOT NULL,
    created_by_role  TEXT      NOT NULL,
    created_by       TEXT      NOT NULL,
    created_at       TIMESTAMP NOT NULL,
    finished_at      TIMESTAMP,
    PRIMARY KEY (id, version)
);

-- An app's runs by creation time, every version, with what statistics read
-- (SQLite has no INCLUDE: the columns follow the key). It serves the
-- newest-first list and, read as a covering index, exact counts and daily
-- statistics: max(version) … GROUP BY created_at, id groups in index order.
CREATE INDEX IF NOT EXISTS workflow_runs_app_idx
    ON workflow_runs (tenant_id, app_id, created_at, id, version DESC, status, created_by, total_tokens, triggered_from);

-- The same over terminal versions only: the fast path for statistics over
-- finished runs (scopes.Finished). finished_at is among its columns, though
-- the WHERE implies it: SQLite's planner otherwise reads the table to test
-- "finished_at IS NOT NULL" again for each row.
CREATE INDEX IF NOT EXISTS workflow_runs_app_finished_idx
    ON workflow_runs (tenant_id, app_id, created_at, id, version DESC, status, created_by, total_tokens, triggered_from, finished_at)
    WHERE finished_at IS NOT NULL;

-- Retention: the oldest runs first (Runs.ExpiredBatch).
CREATE INDEX IF NOT EXISTS workflow_runs_created_idx
    ON workflow_runs (created_at, id);

CREATE TABLE IF NOT EXISTS workflow_node_executions (
    id                  TEXT      NOT NULL,
    version             INTEGER   NOT NULL,
    tenant_id           TEXT      NOT NULL,
    app_id              TEXT      NOT NULL,
    workflow_id         TEXT      NOT NULL,
    triggered_from      TEXT      NOT NULL,
    workflow_run_id     TEXT,
    "index"             INTEGER   NOT NULL,
    predecessor_node_id TEXT,
    node_execution_id   TEXT,
    node_id             TEXT      NOT NULL,
    node_type           TEXT      NOT NULL,
    title               TEXT      NOT NULL,
    inputs              TEXT,
    process_data        TEXT,
    outputs             TEXT,
    execution_metadata  TEXT,
    status              TEXT      NOT NULL,
    error               TEXT,
    elapsed_time        REAL      NOT NULL,
    created_by_role     TEXT      NOT NULL,
    created_by          TEXT      NOT NULL,
    created_at          TIMESTAMP NOT NULL,
    finished_at         TIMESTAMP,
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
