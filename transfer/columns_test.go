package transfer

import (
	"strings"
	"sync"
	"testing"

	"gorm.io/gorm/schema"

	"github.com/wflog/wflog/models"
)

// TestColumns: the COPY column lists are the models' columns in their
// order, and row and key agree with them.
func TestColumns(t *testing.T) {
	check := func(model any, name string, columns []string, row []any) {
		t.Helper()
		s, err := schema.Parse(model, &sync.Map{}, schema.NamingStrategy{})
		if err != nil {
			t.Fatal(err)
		}
		if s.Table != name {
			t.Errorf("table %s, model's %s", name, s.Table)
		}
		if got, want := strings.Join(columns, ","), strings.Join(s.DBNames, ","); got != want {
			t.Errorf("%s columns\n %s\nmodel\n %s", name, got, want)
		}
		if len(row) != len(columns) {
			t.Errorf("%s: row has %d values for %d columns", name, len(row), len(columns))
		}
	}
	check(&models.WorkflowRun{}, runTable.name, runTable.columns, runTable.row(&models.WorkflowRun{}))
	check(&models.WorkflowNodeExecution{}, nodeTable.name, nodeTable.columns, nodeTable.row(&models.WorkflowNodeExecution{}))
}
