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
type WorkflowRun struct {
	ID              uuid.UUID          `gorm:"type:uuid;primaryKey"`
	Version         appendonly.Version `gorm:"primaryKey"`
	TenantID        uuid.UUID          `gorm:"type:uuid"`
	AppID           uuid.UUID          `gorm:"type:uuid"`
	WorkflowID      uuid.UUID          `gorm:"type:uuid"`
	Type            WorkflowType
	TriggeredFrom   RunTriggeredFrom
	WorkflowVersion string  // the workflow's version string (Dify's "version" column)
	Graph           *string // JSON
	Inputs          *string // JSON
	Outputs         *string // JSON
	Status          RunStatus
	Error           *string
	ElapsedTime     float64 // seconds
	TotalTokens     int64
	TotalSteps      int
	ExceptionsCount int
	CreatedByRole   CreatorRole
	CreatedBy       uuid.UUID `gorm:"type:uuid"`
	CreatedAt       time.Time
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
