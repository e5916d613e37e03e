package scopes

import (
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// TestRunsCoveringIndexMatchesSchema keeps the covering index the model's
// tags declare in step with both schema files: a column out of order there
// would make aggregates select columns in an order the index-only scan
// does not produce.
func TestRunsCoveringIndexMatchesSchema(t *testing.T) {
	want := runsCoveringIndex()
	if len(want) == 0 {
		t.Fatal("models.WorkflowRun declares no covering index")
	}
	indexColumns := func(list string) []string {
		var columns []string
		for _, part := range strings.Split(list, ",") {
			columns = append(columns, strings.Fields(part)[0]) // drop DESC
		}
		return columns
	}
	postgres, err := os.ReadFile("../schema.sql")
	if err != nil {
		t.Fatal(err)
	}
	sqlite, err := os.ReadFile("../schema_sqlite.sql")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"workflow_runs_app_idx", "workflow_runs_app_finished_idx"} {
		// PostgreSQL: the key, then INCLUDE.
		m := regexp.MustCompile(`(?s)CREATE INDEX IF NOT EXISTS ` + name + `\s+ON workflow_runs \(([^)]*)\)\s+INCLUDE \(([^)]*)\)`).FindSubmatch(postgres)
		if m == nil {
			t.Fatalf("schema.sql has no covering index %s", name)
		}
		if got := indexColumns(string(m[1]) + "," + string(m[2])); !slices.Equal(got, want) {
			t.Errorf("schema.sql %s has columns %v; models.WorkflowRun's covering tags say %v", name, got, want)
		}
		// SQLite has no INCLUDE: the same columns follow the key, and the
		// finished index adds finished_at after them.
		m = regexp.MustCompile(`(?s)CREATE INDEX IF NOT EXISTS ` + name + `\s+ON workflow_runs \(([^)]*)\)`).FindSubmatch(sqlite)
		if m == nil {
			t.Fatalf("schema_sqlite.sql has no covering index %s", name)
		}
		got := indexColumns(string(m[1]))
		if name == "workflow_runs_app_finished_idx" && len(got) > 0 && got[len(got)-1] == "finished_at" {
			got = got[:len(got)-1]
		}
		if !slices.Equal(got, want) {
			t.Errorf("schema_sqlite.sql %s has columns %v; models.WorkflowRun's covering tags say %v", name, got, want)
		}
	}
}

// TestCoveringIndexTags: positions must run 1, 2, … without gaps or
// repeats, and be numbers.
func TestCoveringIndexTags(t *testing.T) {
	type ok struct {
		A int `wflog:"covering:2"`
		B int
		C int `wflog:"covering:1"`
	}
	if got, err := coveringIndex(&ok{}); err != nil || !slices.Equal(got, []string{"c", "a"}) {
		t.Errorf("coveringIndex = %v, %v; want [c a]", got, err)
	}
	type gap struct {
		A int `wflog:"covering:1"`
		C int `wflog:"covering:3"`
	}
	type dup struct {
		A int `wflog:"covering:1"`
		C int `wflog:"covering:1"`
	}
	type bad struct {
		A int `wflog:"covering:first"`
	}
	for _, tt := range []struct {
		model any
		want  string
	}{{&gap{}, "no column at position 2"}, {&dup{}, "both at covering index position 1"}, {&bad{}, "want a position from 1"}} {
		if _, err := coveringIndex(tt.model); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("coveringIndex(%T) = %v; want %q", tt.model, err, tt.want)
		}
	}
}
