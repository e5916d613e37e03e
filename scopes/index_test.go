package scopes

import (
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// TestRunsCoveringIndexMatchesSchema keeps runsCoveringIndex in step with
// schema.sql: a column out of order there would make aggregates select
// columns in an order the index-only scan does not produce.
func TestRunsCoveringIndexMatchesSchema(t *testing.T) {
	schema, err := os.ReadFile("../schema.sql")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"workflow_runs_app_idx", "workflow_runs_app_finished_idx"} {
		re := regexp.MustCompile(`(?s)CREATE INDEX IF NOT EXISTS ` + name + `\s+ON workflow_runs \(([^)]*)\)\s+INCLUDE \(([^)]*)\)`)
		m := re.FindSubmatch(schema)
		if m == nil {
			t.Fatalf("schema.sql has no covering index %s", name)
		}
		var columns []string
		for _, part := range strings.Split(string(m[1])+","+string(m[2]), ",") {
			columns = append(columns, strings.Fields(part)[0]) // drop DESC
		}
		if !slices.Equal(columns, runsCoveringIndex) {
			t.Errorf("%s has columns %v; runsCoveringIndex is %v", name, columns, runsCoveringIndex)
		}
	}
}
