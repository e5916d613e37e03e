package wflog_test

import (
	"os"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"

	"gorm.io/gorm/schema"

	"github.com/wflog/wflog/internal/testdb"
	"github.com/wflog/wflog/models"
)

// TestSchemasMatchModels: both schema files have exactly the columns the
// models write — no more, no fewer.
func TestSchemasMatchModels(t *testing.T) {
	db, _ := testdb.Open(t)
	logStoreDDL, err := os.ReadFile("schema_logstore.sql")
	if err != nil {
		t.Fatal(err)
	}
	for _, model := range []any{&models.WorkflowRun{}, &models.WorkflowNodeExecution{}} {
		s, err := schema.Parse(model, &sync.Map{}, schema.NamingStrategy{})
		if err != nil {
			t.Fatal(err)
		}
		want := append([]string(nil), s.DBNames...)
		sort.Strings(want)

		var postgres []string
		if err := db.Raw(`SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = ? ORDER BY column_name`, s.Table).Scan(&postgres).Error; err != nil {
			t.Fatal(err)
		}
		if strings.Join(postgres, ",") != strings.Join(want, ",") {
			t.Errorf("schema.sql %s columns\n %v\nmodel\n %v", s.Table, postgres, want)
		}

		table := regexp.MustCompile(`(?s)CREATE TABLE IF NOT EXISTS ` + s.Table + ` \((.*?)\n\);`).FindSubmatch(logStoreDDL)
		if table == nil {
			t.Fatalf("schema_logstore.sql has no table %s", s.Table)
		}
		var logStore []string
		for _, line := range strings.Split(string(table[1]), "\n") {
			if f := strings.Fields(strings.TrimSpace(line)); len(f) > 0 {
				logStore = append(logStore, strings.Trim(f[0], `"`))
			}
		}
		sort.Strings(logStore)
		if strings.Join(logStore, ",") != strings.Join(want, ",") {
			t.Errorf("schema_logstore.sql %s columns\n %v\nmodel\n %v", s.Table, logStore, want)
		}
	}
}
