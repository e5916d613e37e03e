package wflog_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/wflog/wflog"
	"github.com/wflog/wflog/internal/testdb"
)

// childMigrateEnv, when set to a DSN, makes the test binary a Migrate
// process instead of a test run: TestMigrateConcurrentProcesses starts
// several at once.
const childMigrateEnv = "WFLOG_TEST_MIGRATE_CHILD"

func TestMain(m *testing.M) {
	if dsn := os.Getenv(childMigrateEnv); dsn != "" {
		os.Exit(migrateChild(dsn))
	}
	os.Exit(m.Run())
}

func migrateChild(dsn string) int {
	db, err := wflog.Open(dsn)
	if err == nil {
		err = wflog.Migrate(context.Background(), db)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

// wflogIndexes are the indexes schema.sql builds.
var wflogIndexes = []string{"workflow_runs_app_idx", "workflow_runs_app_finished_idx", "workflow_runs_created_idx",
	"workflow_node_executions_run_idx", "workflow_node_executions_node_idx", "workflow_node_executions_created_idx"}

// validIndexes returns how many of wflog's indexes exist, valid, in schema.
func validIndexes(t *testing.T, schema string) int {
	t.Helper()
	admin := testdb.Admin(t)
	res := admin.ExecParams(context.Background(), `SELECT count(*) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
		JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND i.indisvalid AND c.relname = ANY (string_to_array($2, ','))`,
		[][]byte{[]byte(schema), []byte(strings.Join(wflogIndexes, ","))}, nil, nil, nil).Read()
	if res.Err != nil {
		t.Fatal(res.Err)
	}
	var n int
	fmt.Sscan(string(res.Rows[0][0]), &n)
	return n
}

func TestMigrateConcurrentProcesses(t *testing.T) {
	schema, dsn := testdb.Schema(t)
	migrateAtOnce(t, dsn, 4)
	if n := validIndexes(t, schema); n != len(wflogIndexes) {
		t.Errorf("%d of wflog's %d indexes are valid after concurrent Migrates", n, len(wflogIndexes))
	}

	// On a table with rows the builds are concurrent, which wait for older
	// snapshots: a Migrate waiting for the lock must not hold one.
	db, err := wflog.Open(dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer testdb.Close(t, db)
	if err := db.Exec(`INSERT INTO workflow_runs (id, version, tenant_id, app_id, workflow_id, type, triggered_from, workflow_version, status,
		elapsed_time, total_tokens, total_steps, exceptions_count, created_by_role, created_by, created_at)
		SELECT gen_random_uuid(), 1, gen_random_uuid(), gen_random_uuid(), gen_random_uuid(), 'workflow', 'app-run', 'v1', 'running',
		0, 0, 0, 0, 'account', gen_random_uuid(), now() FROM generate_series(1, 1000)`).Error; err != nil {
		t.Fatal(err)
	}
	if err := db.Exec("DROP INDEX workflow_runs_app_idx, workflow_runs_created_idx").Error; err != nil {
		t.Fatal(err)
	}
	migrateAtOnce(t, dsn, 3)
	if n := validIndexes(t, schema); n != len(wflogIndexes) {
		t.Errorf("%d of wflog's %d indexes are valid after concurrent Migrates on a table with rows", n, len(wflogIndexes))
	}
}

// migrateAtOnce starts n Migrate processes on dsn together and fails the
// test unless every one succeeds.
func migrateAtOnce(t *testing.T, dsn string, n int) {
	t.Helper()
	cmds := make([]*exec.Cmd, n)
	outs := make([]strings.Builder, n)
	for i := range cmds {
		cmds[i] = exec.Command(os.Args[0], "-test.run=^$")
		cmds[i].Env = append(os.Environ(), childMigrateEnv+"="+dsn)
		cmds[i].Stderr = &outs[i]
	}
	for _, c := range cmds {
		if err := c.Start(); err != nil {
			t.Fatal(err)
		}
	}
	for i, c := range cmds {
		if err := c.Wait(); err != nil {
			t.Errorf("Migrate process %d of %d: %v: %s", i+1, n, err, outs[i].String())
		}
	}
}

func TestMigrateRefusesForeignTables(t *testing.T) {
	t.Run("Dify", func(t *testing.T) {
		schema, dsn := testdb.Schema(t)
		db, err := wflog.Open(dsn)
		if err != nil {
			t.Fatal(err)
		}
		defer testdb.Close(t, db)
		if err := db.Exec(difySchema(t, false)).Error; err != nil {
			t.Fatal(err)
		}
		err = wflog.Migrate(context.Background(), db)
		se := schemaError(t, err, "workflow_runs", "workflow_node_executions")
		for _, ft := range se.Tables {
			if !ft.Dify {
				t.Errorf("%s not recognised as Dify's: %+v", ft.Table, ft)
			}
		}
		for _, want := range []string{"Table workflow_runs (it looks like Dify's own table): its primary key is (id); wflog's is (id, version)",
			"column version is character varying(255); wflog's is bigint", "missing columns: workflow_version",
			"Table workflow_node_executions (it looks like Dify's own table): its primary key is (id)", "missing columns: version",
			"2 tables exist but are not wflog's", "wflog import"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("error does not say %q:\n%v", want, err)
			}
		}
		if n := validIndexes(t, schema); n != 0 {
			t.Errorf("Migrate built %d of wflog's indexes on Dify's tables", n)
		}
	})
	t.Run("MissingColumn", func(t *testing.T) {
		db, _ := testdb.Open(t)
		if err := db.Exec("ALTER TABLE workflow_node_executions DROP COLUMN title").Error; err != nil {
			t.Fatal(err)
		}
		err := wflog.Migrate(context.Background(), db)
		se := schemaError(t, err, "workflow_node_executions")
		if se.Tables[0].Dify {
			t.Errorf("a wflog table without title taken for Dify's: %v", err)
		}
		if want := "missing columns: title"; !strings.Contains(err.Error(), want) {
			t.Errorf("error does not say %q: %v", want, err)
		}
		// import reads Dify's shape, not an older wflog table's.
		if strings.Contains(err.Error(), "import") || !strings.Contains(err.Error(), "schema.sql") {
			t.Errorf("error points at import, or not at schema.sql, for a table that is not Dify's: %v", err)
		}
	})
	t.Run("EveryForeignTable", func(t *testing.T) {
		db, _ := testdb.Open(t)
		if err := db.Exec("ALTER TABLE workflow_runs DROP COLUMN exceptions_count").Error; err != nil {
			t.Fatal(err)
		}
		if err := db.Exec(`ALTER TABLE workflow_node_executions ALTER COLUMN "index" TYPE text`).Error; err != nil {
			t.Fatal(err)
		}
		err := wflog.Migrate(context.Background(), db)
		schemaError(t, err, "workflow_runs", "workflow_node_executions")
		for _, want := range []string{"missing columns: exceptions_count", "column index is text; wflog's is integer"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("error does not say %q:\n%v", want, err)
			}
		}
	})
	t.Run("ExtraColumnsWithDefaultsAreFine", func(t *testing.T) {
		db, _ := testdb.Open(t)
		if err := db.Exec("ALTER TABLE workflow_runs ADD COLUMN note text, ADD COLUMN seen bigint NOT NULL DEFAULT 0").Error; err != nil {
			t.Fatal(err)
		}
		if err := wflog.Migrate(context.Background(), db); err != nil {
			t.Fatalf("Migrate with extra columns wflog need not write: %v", err)
		}
		if err := db.Exec("ALTER TABLE workflow_runs ADD COLUMN required text NOT NULL").Error; err != nil {
			t.Fatal(err)
		}
		err := wflog.Migrate(context.Background(), db)
		if want := "column required is NOT NULL without a default"; err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Migrate: %v, want an error saying %q", err, want)
		}
	})
}

// TestMigrateRefusesForeignTablesSQLite: SQLite's Migrate inspects the
// tables it would create as PostgreSQL's does, and refuses the same way,
// creating no index, trigger or table.
func TestMigrateRefusesForeignTablesSQLite(t *testing.T) {
	open := func(t *testing.T, ddl string) (*gorm.DB, error) {
		t.Helper()
		db, err := wflog.Open("sqlite://" + filepath.Join(t.TempDir(), "foreign.db"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { testdb.Close(t, db) })
		if err := db.Exec(ddl).Error; err != nil {
			t.Fatal(err)
		}
		return db, wflog.Migrate(context.Background(), db)
	}
	// objects lists what the file holds besides the tables ddl made.
	objects := func(t *testing.T, db *gorm.DB) []string {
		t.Helper()
		var names []string
		if err := db.Raw(`SELECT type || ' ' || name FROM sqlite_master WHERE name LIKE 'wflog%' OR name LIKE 'workflow_runs_%' OR name LIKE 'workflow_node_executions_%'
			OR type = 'trigger' OR name NOT LIKE 'workflow%' AND name NOT LIKE 'sqlite_%' ORDER BY name`).Scan(&names).Error; err != nil {
			t.Fatal(err)
		}
		return names
	}
	t.Run("Dify", func(t *testing.T) {
		db, err := open(t, difySchema(t, true))
		se := schemaError(t, err, "workflow_runs", "workflow_node_executions")
		for _, ft := range se.Tables {
			if !ft.Dify {
				t.Errorf("%s not recognised as Dify's: %+v", ft.Table, ft)
			}
		}
		for _, want := range []string{"its primary key is (id); wflog's is (id, version)", "column version is VARCHAR(255); wflog's is INTEGER",
			"missing columns: workflow_version", "missing columns: version", "wflog import"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("error does not say %q:\n%v", want, err)
			}
		}
		if got := objects(t, db); len(got) != 0 {
			t.Errorf("Migrate left %v in a file with Dify's tables", got)
		}
	})
	t.Run("IDPrimaryKey", func(t *testing.T) {
		// wflog's columns, but id alone is the key and version is text:
		// a table that used to take indexes and triggers and then refuse
		// the first write.
		ddl := strings.Replace(sqliteRunsDDL(t), "PRIMARY KEY (id, version)", "UNIQUE (tenant_id, id)", 1)
		ddl = strings.Replace(ddl, "id               TEXT      NOT NULL", "id TEXT PRIMARY KEY", 1)
		ddl = strings.Replace(ddl, "version          INTEGER   NOT NULL", "version          TEXT", 1)
		db, err := open(t, ddl)
		se := schemaError(t, err, "workflow_runs")
		if se.Tables[0].Dify {
			t.Errorf("taken for Dify's: %v", err)
		}
		for _, want := range []string{"its primary key is (id); wflog's is (id, version)", "column version is TEXT; wflog's is INTEGER",
			"(tenant_id, id) would refuse a second version", "schema_sqlite.sql"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("error does not say %q:\n%v", want, err)
			}
		}
		if strings.Contains(err.Error(), "import") {
			t.Errorf("error points at import for a table that is not Dify's: %v", err)
		}
		if got := objects(t, db); len(got) != 0 {
			t.Errorf("Migrate left %v beside a foreign workflow_runs", got)
		}
	})
	t.Run("OtherTypes", func(t *testing.T) {
		ddl := strings.Replace(sqliteRunsDDL(t), "version          INTEGER", "version          TEXT", 1)
		ddl = strings.Replace(ddl, "created_at       TIMESTAMP NOT NULL", "created_at       TEXT NOT NULL", 1)
		_, err := open(t, ddl)
		schemaError(t, err, "workflow_runs")
		for _, want := range []string{"column version is TEXT; wflog's is INTEGER", "column created_at is TEXT; wflog's is TIMESTAMP"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("error does not say %q:\n%v", want, err)
			}
		}
	})
	t.Run("WflogsOwnTables", func(t *testing.T) {
		db := testdb.OpenSQLite(t)
		if err := wflog.Migrate(context.Background(), db); err != nil {
			t.Fatalf("Migrate again on wflog's own tables: %v", err)
		}
	})
}

// schemaError fails the test unless err is a *SchemaError naming exactly
// tables, in that order.
func schemaError(t *testing.T, err error, tables ...string) *wflog.SchemaError {
	t.Helper()
	var se *wflog.SchemaError
	if !errors.As(err, &se) {
		t.Fatalf("Migrate: %v, want a *SchemaError", err)
	}
	var got []string
	for _, ft := range se.Tables {
		got = append(got, ft.Table)
	}
	if strings.Join(got, ",") != strings.Join(tables, ",") {
		t.Fatalf("SchemaError names %v, want %v: %v", got, tables, err)
	}
	return se
}

// difySchema returns Dify's tables (transfer/testdata/dify_schema.sql), in
// SQLite's dialect when sqlite is set.
func difySchema(t *testing.T, sqlite bool) string {
	t.Helper()
	ddl, err := os.ReadFile("transfer/testdata/dify_schema.sql")
	if err != nil {
		t.Fatal(err)
	}
	s := string(ddl)
	if sqlite {
		s = strings.ReplaceAll(s, "CURRENT_TIMESTAMP(0)", "CURRENT_TIMESTAMP")
		s = strings.ReplaceAll(s, "    index INTEGER", `    "index" INTEGER`)
	}
	return s
}

// sqliteRunsDDL is schema_sqlite.sql's CREATE TABLE of workflow_runs.
func sqliteRunsDDL(t *testing.T) string {
	t.Helper()
	ddl, err := os.ReadFile("schema_sqlite.sql")
	if err != nil {
		t.Fatal(err)
	}
	s := string(ddl)
	start := strings.Index(s, "CREATE TABLE IF NOT EXISTS workflow_runs (")
	end := strings.Index(s[start:], ");")
	if start < 0 || end < 0 {
		t.Fatal("schema_sqlite.sql has no CREATE TABLE workflow_runs")
	}
	return s[start : start+end+2]
}

// TestMigrateIndexesConcurrently: on a table with rows, a missing index is
// built CONCURRENTLY (seen in pg_stat_activity while it waits for an open
// writer), and an invalid index left by an interrupted build is rebuilt.
func TestMigrateIndexesConcurrently(t *testing.T) {
	db, schema := testdb.Open(t)
	ctx := context.Background()
	insert := `INSERT INTO workflow_runs (id, version, tenant_id, app_id, workflow_id, type, triggered_from, workflow_version, status,
		elapsed_time, total_tokens, total_steps, exceptions_count, created_by_role, created_by, created_at)
		VALUES (gen_random_uuid(), 1, gen_random_uuid(), '00000000-0000-0000-0000-000000000001', gen_random_uuid(), 'workflow', 'app-run', 'v1',
		'running', 0, 0, 0, 0, 'account', gen_random_uuid(), now())`
	for range 2 {
		if err := db.Exec(insert).Error; err != nil {
			t.Fatal(err)
		}
	}

	t.Run("InvalidLeftover", func(t *testing.T) {
		// A unique build over duplicate app_ids fails and leaves an invalid
		// index named like one of ours.
		if err := db.Exec("DROP INDEX workflow_runs_created_idx").Error; err != nil {
			t.Fatal(err)
		}
		if err := db.Exec("CREATE UNIQUE INDEX CONCURRENTLY workflow_runs_created_idx ON workflow_runs (app_id)").Error; err == nil {
			t.Fatal("the unique build over duplicates succeeded")
		}
		if n := validIndexes(t, schema); n != len(wflogIndexes)-1 {
			t.Fatalf("%d valid indexes before Migrate, want %d", n, len(wflogIndexes)-1)
		}
		if err := wflog.Migrate(ctx, db); err != nil {
			t.Fatal(err)
		}
		if n := validIndexes(t, schema); n != len(wflogIndexes) {
			t.Fatalf("%d valid indexes after Migrate, want %d", n, len(wflogIndexes))
		}
		var def string
		if err := db.Raw("SELECT indexdef FROM pg_indexes WHERE schemaname = current_schema() AND indexname = 'workflow_runs_created_idx'").Scan(&def).Error; err != nil {
			t.Fatal(err)
		}
		if strings.Contains(def, "UNIQUE") || !strings.Contains(def, "(created_at, id)") {
			t.Errorf("rebuilt index: %s", def)
		}
	})

	t.Run("Concurrently", func(t *testing.T) {
		if err := db.Exec("DROP INDEX workflow_runs_created_idx").Error; err != nil {
			t.Fatal(err)
		}
		// An open transaction that has written to the table: a concurrent
		// build waits for it to end (a plain build would too, but holding
		// a lock that blocks every other writer meanwhile).
		writer := db.Begin()
		if err := writer.Exec(insert).Error; err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { done <- wflog.Migrate(ctx, db) }()
		admin := testdb.Admin(t)
		deadline := time.Now().Add(20 * time.Second)
		var seen bool
		for !seen && time.Now().Before(deadline) {
			res := admin.ExecParams(ctx, `SELECT count(*) FROM pg_stat_activity WHERE state = 'active' AND query LIKE 'CREATE INDEX CONCURRENTLY IF NOT EXISTS workflow_runs_created_idx%'`,
				nil, nil, nil, nil).Read()
			if res.Err != nil {
				t.Fatal(res.Err)
			}
			seen = string(res.Rows[0][0]) != "0"
			time.Sleep(20 * time.Millisecond)
		}
		if err := writer.Commit().Error; err != nil {
			t.Fatal(err)
		}
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		if !seen {
			t.Error("no CREATE INDEX CONCURRENTLY was seen in pg_stat_activity while a writer held the table")
		}
		if n := validIndexes(t, schema); n != len(wflogIndexes) {
			t.Errorf("%d valid indexes after Migrate, want %d", n, len(wflogIndexes))
		}
	})
}
