package models

import "testing"

func TestStatuses(t *testing.T) {
	terminal := map[RunStatus]bool{RunSucceeded: true, RunFailed: true, RunStopped: true, RunPartialSucceeded: true}
	for _, s := range RunStatuses {
		if !s.Valid() || s.Terminal() != terminal[s] {
			t.Errorf("run status %s: valid %v terminal %v", s, s.Valid(), s.Terminal())
		}
	}
	nodeTerminal := map[NodeStatus]bool{NodeSucceeded: true, NodeFailed: true, NodeException: true, NodeStopped: true}
	for _, s := range NodeStatuses {
		if !s.Valid() || s.Terminal() != nodeTerminal[s] {
			t.Errorf("node status %s: valid %v terminal %v", s, s.Valid(), s.Terminal())
		}
	}
	if RunStatus("done").Valid() || NodeStatus("").Valid() {
		t.Error("unknown statuses are valid")
	}
}
