package transfer

import (
	"testing"

	"github.com/wflog/wflog/models"
)

// TestInvalidRows: a row of Dify's is refused for the first of its columns,
// in the order below, that holds a value wflog does not know, and the
// reason names the column, the value and what is accepted.
func TestInvalidRows(t *testing.T) {
	run := models.WorkflowRun{Status: models.RunSucceeded, Type: "snippet", TriggeredFrom: models.RunFromWebhook, CreatedByRole: models.CreatedByAccount}
	node := models.WorkflowNodeExecution{Status: models.NodeRetry, TriggeredFrom: models.NodeFromWorkflowRun, CreatedByRole: models.CreatedByEndUser}
	for _, c := range []struct {
		name string
		got  string
		want string
	}{
		{"ValidRun", invalidRun(&run), ""},
		{"ValidNode", invalidNode(&node), ""},
		{"RunStatus", invalidRun(&models.WorkflowRun{Status: "exploded", Type: "x", TriggeredFrom: "x", CreatedByRole: "x"}),
			`status "exploded" is not one of [running succeeded failed stopped partial-succeeded paused]`},
		{"RunType", invalidRun(&models.WorkflowRun{Status: run.Status, Type: "x", TriggeredFrom: "x", CreatedByRole: "x"}),
			`type "x" is not one of [workflow chat rag-pipeline snippet]`},
		{"RunTrigger", invalidRun(&models.WorkflowRun{Status: run.Status, Type: run.Type, TriggeredFrom: "somewhere", CreatedByRole: "x"}),
			`triggered_from "somewhere" is not one of [debugging app-run rag-pipeline-run rag-pipeline-debugging webhook schedule plugin]`},
		{"RunRole", invalidRun(&models.WorkflowRun{Status: run.Status, Type: run.Type, TriggeredFrom: run.TriggeredFrom, CreatedByRole: "x"}),
			`created_by_role "x" is not one of [account end_user]`},
		{"NodeStatus", invalidNode(&models.WorkflowNodeExecution{Status: "x", TriggeredFrom: "x", CreatedByRole: "x"}),
			`status "x" is not one of [pending running succeeded failed exception stopped paused retry]`},
		{"NodeTrigger", invalidNode(&models.WorkflowNodeExecution{Status: node.Status, TriggeredFrom: "x", CreatedByRole: "x"}),
			`triggered_from "x" is not one of [single-step workflow-run rag-pipeline-run]`},
		{"NodeRole", invalidNode(&models.WorkflowNodeExecution{Status: node.Status, TriggeredFrom: node.TriggeredFrom, CreatedByRole: "x"}),
			`created_by_role "x" is not one of [account end_user]`},
	} {
		t.Run(c.name, func(t *testing.T) {
			if c.got != c.want {
				t.Errorf("got  %s\nwant %s", c.got, c.want)
			}
		})
	}
}
