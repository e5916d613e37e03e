// Package models holds wflog's data: Dify's workflow runs and node
// executions as append-only, versioned rows. It has data and constants only;
// the appendonly plugin gives the Version field its meaning, and the repo
// package the operations a workflow engine and its console need.
package models

import (
	"time"

	"github.com/google/uuid"

	"github.com/wflog/wflog/appendonly"
)

// WorkflowRun is one version of a workflow run (Dify's workflow_runs). Every
// save writes a new version; the one with the greatest Version is the run's
// current state.
//
// The wflog:"covering:N" tags place a column at position N of the covering
// index the statistics read (workflow_runs_app_idx and its finished twin
// in schema.sql and schema_sqlite.sql): package scopes reads them through
// GORM's parsed schema, and a test checks both schema files against them.
// GORM itself ignores the tag: the indexes come from the schema files.
type WorkflowRun struct {
	ID              uuid.UUID          `gorm:"type:uuid;primaryKey" wflog:"covering:4"`
	Version         appendonly.Version `gorm:"primaryKey" wflog:"covering:5"`
	TenantID        uuid.UUID          `gorm:"type:uuid" wflog:"covering:1"`
	AppID           uuid.UUID          `gorm:"type:uuid" wflog:"covering:2"`
	WorkflowID      uuid.UUID          `gorm:"type:uuid"`
	Type            WorkflowType
	TriggeredFrom   RunTriggeredFrom `wflog:"covering:9"`
	WorkflowVersion string           // the workflow's version string (Dify's "version" column)
	Graph           *string          // JSON
	Inputs          *string          // JSON
	Outputs         *string          // JSON
	Status          RunStatus        `wflog:"covering:6"`
	Error           *string
	ElapsedTime     float64 // seconds
	TotalTokens     int64   `wflog:"covering:8"`
	TotalSteps      int
	ExceptionsCount int
	CreatedByRole   CreatorRole
	CreatedBy       uuid.UUID  `gorm:"type:uuid" wflog:"covering:7"`
	CreatedAt       time.Time  `wflog:"covering:3"`
	FinishedAt      *time.Time // set when the run reaches a terminal status
}

// TableName is the table the runs are stored in.
func (WorkflowRun) TableName() string { return "workflow_runs" }

// WorkflowNodeExecution is one version of a node execution (Dify's
// workflow_node_executions).
type WorkflowNodeExecution struct {
	ID                uuid.UUID          `gorm:"type:uuid;primaryKey"`
	Version           appendonly.Version `gorm:"primaryKey"`
	TenantID          uuid.UUID          `gorm:"type:uuid"`
	AppID             uuid.UUID          `gorm:"type:uuid"`
	WorkflowID        uuid.UUID          `gorm:"type:uuid"`
	TriggeredFrom     NodeTriggeredFrom
	WorkflowRunID     *uuid.UUID `gorm:"type:uuid"` // nil for single-step debugging
	Index             int        `gorm:"column:index"`
	PredecessorNodeID *string
	NodeExecutionID   *string
	NodeID            string
	NodeType          string
	Title             string
	Inputs            *string // JSON
	ProcessData       *string // JSON
	Outputs           *string // JSON
	ExecutionMetadata *string // JSON
	Status            NodeStatus
	Error             *string
	ElapsedTime       float64 // seconds
	CreatedByRole     CreatorRole
	CreatedBy         uuid.UUID `gorm:"type:uuid"`
	CreatedAt         time.Time
	FinishedAt        *time.Time
}

// TableName is the table the node executions are stored in.
func (WorkflowNodeExecution) TableName() string { return "workflow_node_executions" }
