package main

import (
	"strings"
	"testing"

	"github.com/wflog/wflog/internal/testdb"
	"github.com/wflog/wflog/logstoretest"
)

// TestMigrateUnverifiedLogStore: on empty logstores, whose analytics cannot
// be verified (here version has doc_value off), `wflog migrate` exits 0 but
// never prints a plain "migrated": it warns, and gives the check to run
// after the first writes; once there are rows, migrate finds the problem.
func TestMigrateUnverifiedLogStore(t *testing.T) {
	testdb.Admin(t)
	srv := logstoretest.New(t, func(c *logstoretest.Config) {
		ix := logstoretest.DefaultIndexes()
		ix["workflow_runs"].Keys["version"] = logstoretest.IndexKey{Type: "long", DocValue: false}
		c.Indexes = ix
	})
	dsn := srv.DSN()
	code, out, errOut := run(t, nil, "migrate", "--dsn", dsn)
	if code != 0 || strings.Contains(out, "migrated ") || !strings.Contains(out, "not fully verified") {
		t.Errorf("migrate on empty logstores: exit %d, want 0 and no plain \"migrated\"\n%s%s", code, out, errOut)
	}
	for _, want := range []string{"warning: wflog: logstore field index not verified: workflow_node_executions and workflow_runs are empty",
		"after the first writes: wflog check --dsn"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("migrate's warning does not say %q:\n%s", want, errOut)
		}
	}
	if strings.Contains(out+errOut, logstoretest.DefaultAccessKeySecret) {
		t.Errorf("migrate printed the secret:\n%s%s", out, errOut)
	}

	// simulate migrates too, and writes: the rows show what was unverified.
	if code, out, errOut := run(t, nil, "simulate", "--dsn", dsn, "--runs", "3", "--apps", "1"); code != 0 {
		t.Fatalf("simulate: exit %d\n%s%s", code, out, errOut)
	}
	code, out, errOut = run(t, nil, "migrate", "--dsn", dsn)
	if code != 1 || strings.Contains(out, "migrated ") || !strings.Contains(errOut, "field version reads NULL") {
		t.Errorf("migrate with rows: exit %d, want 1 naming version\n%s%s", code, out, errOut)
	}
}
