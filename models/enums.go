package models

// RunStatus is a workflow run's status (Dify's WorkflowExecutionStatus).
type RunStatus string

// Run statuses.
const (
	RunRunning          RunStatus = "running"
	RunSucceeded        RunStatus = "succeeded"
	RunFailed           RunStatus = "failed"
	RunStopped          RunStatus = "stopped"
	RunPartialSucceeded RunStatus = "partial-succeeded"
	RunPaused           RunStatus = "paused"
)

// RunStatuses lists every run status, in the order a console shows them.
var RunStatuses = []RunStatus{RunRunning, RunSucceeded, RunFailed, RunStopped, RunPartialSucceeded, RunPaused}

// Terminal reports whether a run in this status has finished: it will not
// change again unless the run is resumed. A paused run is not finished.
func (s RunStatus) Terminal() bool {
	switch s {
	case RunSucceeded, RunFailed, RunStopped, RunPartialSucceeded:
		return true
	}
	return false
}

// Valid reports whether s is one of the statuses above.
func (s RunStatus) Valid() bool { return s == RunRunning || s == RunPaused || s.Terminal() }

// NodeStatus is a node execution's status (Dify's WorkflowNodeExecutionStatus).
type NodeStatus string

// Node execution statuses.
const (
	NodePending   NodeStatus = "pending"
	NodeRunning   NodeStatus = "running"
	NodeSucceeded NodeStatus = "succeeded"
	NodeFailed    NodeStatus = "failed"
	NodeException NodeStatus = "exception"
	NodeStopped   NodeStatus = "stopped"
	NodePaused    NodeStatus = "paused"
	NodeRetry     NodeStatus = "retry"
)

// NodeStatuses lists every node execution status.
var NodeStatuses = []NodeStatus{NodePending, NodeRunning, NodeSucceeded, NodeFailed, NodeException, NodeStopped, NodePaused, NodeRetry}

// Terminal reports whether a node execution in this status has finished. A
// retry is an attempt that failed and will be followed by another, so the
// node has not finished.
func (s NodeStatus) Terminal() bool {
	switch s {
	case NodeSucceeded, NodeFailed, NodeException, NodeStopped:
		return true
	}
	return false
}

// Valid reports whether s is one of the statuses above.
func (s NodeStatus) Valid() bool {
	switch s {
	case NodePending, NodeRunning, NodePaused, NodeRetry:
		return true
	}
	return s.Terminal()
}

// WorkflowType is the kind of workflow a run executes.
type WorkflowType string

// Workflow types.
const (
	WorkflowTypeWorkflow    WorkflowType = "workflow"
	WorkflowTypeChat        WorkflowType = "chat"
	WorkflowTypeRAGPipeline WorkflowType = "rag-pipeline"
)

// RunTriggeredFrom says what started a run (Dify's WorkflowRunTriggeredFrom).
type RunTriggeredFrom string

// Run triggers.
const (
	RunFromDebugging            RunTriggeredFrom = "debugging"
	RunFromAppRun               RunTriggeredFrom = "app-run" // web app and service API
	RunFromRAGPipelineRun       RunTriggeredFrom = "rag-pipeline-run"
	RunFromRAGPipelineDebugging RunTriggeredFrom = "rag-pipeline-debugging"
	RunFromWebhook              RunTriggeredFrom = "webhook"
	RunFromSchedule             RunTriggeredFrom = "schedule"
	RunFromPlugin               RunTriggeredFrom = "plugin"
)

// NodeTriggeredFrom says what started a node execution
// (Dify's WorkflowNodeExecutionTriggeredFrom).
type NodeTriggeredFrom string

// Node execution triggers.
const (
	NodeFromSingleStep     NodeTriggeredFrom = "single-step" // a node debugged on its own: no run
	NodeFromWorkflowRun    NodeTriggeredFrom = "workflow-run"
	NodeFromRAGPipelineRun NodeTriggeredFrom = "rag-pipeline-run"
)

// CreatorRole says who started a run: a console account or an end user.
type CreatorRole string

// Creator roles.
const (
	CreatedByAccount CreatorRole = "account"
	CreatedByEndUser CreatorRole = "end_user"
)
