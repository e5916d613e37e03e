-- Dify's own workflow_runs and workflow_node_executions, as Dify's
-- migrations leave them (the shape of release 1.12.1), for the import tests.
--
-- Source: langgenius/dify api/migrations/versions/b289e2408ee2_add_workflow.py
-- (the tables' creation, rendered as the PostgreSQL DDL SQLAlchemy emits)
-- and api/models/workflow.py of 1.12.1 (WorkflowRun, WorkflowNodeExecutionModel)
-- for the columns later migrations added, dropped or changed. Two
-- departures, neither of which the import reads: the id defaults
-- (uuid_generate_v4(), from the uuid-ossp extension) are left out, and
-- so are Dify's other tables.
--
-- What matters to the import: primary key id alone; "version" is the
-- workflow's version string; times are timestamp WITHOUT time zone holding
-- naive UTC; statuses and enums are free text.

CREATE TABLE workflow_runs (
    id UUID NOT NULL,
    tenant_id UUID NOT NULL,
    app_id UUID NOT NULL,
    workflow_id UUID NOT NULL,
    type VARCHAR(255) NOT NULL,
    triggered_from VARCHAR(255) NOT NULL,
    version VARCHAR(255) NOT NULL,
    graph TEXT,
    inputs TEXT,
    status VARCHAR(255) NOT NULL,
    outputs TEXT,
    error TEXT,
    elapsed_time DOUBLE PRECISION DEFAULT 0 NOT NULL,
    total_tokens BIGINT DEFAULT 0 NOT NULL,
    total_steps INTEGER DEFAULT 0,
    created_by_role VARCHAR(255) NOT NULL,
    created_by UUID NOT NULL,
    created_at TIMESTAMP WITHOUT TIME ZONE DEFAULT CURRENT_TIMESTAMP(0) NOT NULL,
    finished_at TIMESTAMP WITHOUT TIME ZONE,
    exceptions_count INTEGER DEFAULT 0,
    CONSTRAINT workflow_run_pkey PRIMARY KEY (id)
);

CREATE INDEX workflow_run_triggerd_from_idx ON workflow_runs (tenant_id, app_id, triggered_from);
CREATE INDEX workflow_run_created_at_id_idx ON workflow_runs (created_at, id);

CREATE TABLE workflow_node_executions (
    id UUID NOT NULL,
    tenant_id UUID NOT NULL,
    app_id UUID NOT NULL,
    workflow_id UUID NOT NULL,
    triggered_from VARCHAR(255) NOT NULL,
    workflow_run_id UUID,
    index INTEGER NOT NULL,
    predecessor_node_id VARCHAR(255),
    node_execution_id VARCHAR(255),
    node_id VARCHAR(255) NOT NULL,
    node_type VARCHAR(255) NOT NULL,
    title VARCHAR(255) NOT NULL,
    inputs TEXT,
    process_data TEXT,
    outputs TEXT,
    status VARCHAR(255) NOT NULL,
    error TEXT,
    elapsed_time DOUBLE PRECISION DEFAULT 0 NOT NULL,
    execution_metadata TEXT,
    created_at TIMESTAMP WITHOUT TIME ZONE DEFAULT CURRENT_TIMESTAMP(0) NOT NULL,
    created_by_role VARCHAR(255) NOT NULL,
    created_by UUID NOT NULL,
    finished_at TIMESTAMP WITHOUT TIME ZONE,
    CONSTRAINT workflow_node_execution_pkey PRIMARY KEY (id)
);

CREATE INDEX workflow_node_execution_workflow_run_id_idx ON workflow_node_executions (workflow_run_id);
CREATE INDEX workflow_node_execution_node_run_idx ON workflow_node_executions (tenant_id, app_id, workflow_id, triggered_from, node_id);
CREATE INDEX workflow_node_execution_id_idx ON workflow_node_executions (tenant_id, app_id, workflow_id, triggered_from, node_execution_id);
