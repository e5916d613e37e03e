package repo

import (
	"sort"
	"strings"
	"sync"
	"testing"

	"gorm.io/gorm/schema"

	"github.com/wflog/wflog/models"
)

// TestCopyColumns: COPY writes exactly the models' columns, and each row
// function gives one value per column.
func TestCopyColumns(t *testing.T) {
	for _, c := range []struct {
		model   any
		columns []string
		values  int
	}{
		{&models.WorkflowRun{}, runColumns, len(runRow(&models.WorkflowRun{}))},
		{&models.WorkflowNodeExecution{}, nodeColumns, len(nodeRow(&models.WorkflowNodeExecution{}))},
	} {
		s, err := schema.Parse(c.model, &sync.Map{}, schema.NamingStrategy{})
		if err != nil {
			t.Fatal(err)
		}
		want := append([]string(nil), s.DBNames...)
		got := append([]string(nil), c.columns...)
		sort.Strings(want)
		sort.Strings(got)
		if strings.Join(got, ",") != strings.Join(want, ",") {
			t.Errorf("%s COPY columns\n %v\nmodel\n %v", s.Name, got, want)
		}
		if c.values != len(c.columns) {
			t.Errorf("%s rows have %d values for %d columns", s.Name, c.values, len(c.columns))
		}
		// Same order as the values: spot-check by field name position.
		for i, col := range c.columns {
			if f := s.LookUpField(col); f == nil {
				t.Errorf("%s column %d %q is not a field", s.Name, i, col)
			}
		}
	}
}
