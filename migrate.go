package wflog

import (
	"context"
	_ "embed"
	"fmt"
	"regexp"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/wflog/wflog/internal/dialect"
	"github.com/wflog/wflog/rollup"
)

//go:embed schema.sql
var postgresSchema string

//go:embed schema_logstore.sql
var logStoreSchema string

//go:embed schema_sqlite.sql
var sqliteSchema string

// script is one schema file Migrate applies. Scripts run in the order of
// their list, statement by statement, so a feature with tables of its own
// adds its file to the list instead of editing another's.
type script struct {
	name string // the file, for error messages
	text string
}

// postgresScripts and logStoreScripts are what Migrate applies on each
// backend, in order.
func postgresScripts() []script { return []script{{"schema.sql", postgresSchema}} }
func logStoreScripts() []script { return []script{{"schema_logstore.sql", logStoreSchema}} }
func sqliteScripts() []script   { return []script{{"schema_sqlite.sql", sqliteSchema}} }

// SchemaError is Migrate's refusal to touch tables that exist with a shape
// other than the one wflog writes: Dify's original workflow_runs, say, or a
// table of another application that happens to share the name. Migrate
// inspects every table it would create before it changes anything, lists
// every such table here, and then creates nothing and builds no index or
// trigger. Rows of Dify's own tables can be brought into wflog's tables
// elsewhere with `wflog import`.
type SchemaError struct {
	Tables []ForeignTable // in the order Migrate's schema creates them
	file   string         // the schema file whose shape the tables lack
}

// ForeignTable is one table Migrate found with another shape than wflog's.
type ForeignTable struct {
	Table    string
	Problems []string // each difference, in words
	// Dify is set when the table looks like Dify's own: it has every
	// column `wflog import` reads from Dify's table of that name, no
	// integer version (Dify's workflow_runs.version is the workflow's
	// version string; its node executions have none) and no
	// workflow_version (wflog's name for that string).
	Dify bool
}

func (e *SchemaError) Error() string {
	var b strings.Builder
	describe := func(t ForeignTable) {
		if t.Dify {
			b.WriteString(" (it looks like Dify's own table)")
		}
		fmt.Fprintf(&b, ": %s.", strings.Join(t.Problems, "; "))
	}
	if len(e.Tables) == 1 {
		fmt.Fprintf(&b, "wflog: table %s exists but is not wflog's", e.Tables[0].Table)
		describe(e.Tables[0])
		b.WriteString(" Migrate has left it untouched.")
	} else {
		fmt.Fprintf(&b, "wflog: %d tables exist but are not wflog's, and Migrate has left them untouched.", len(e.Tables))
		for _, t := range e.Tables {
			b.WriteString(" Table " + t.Table)
			describe(t)
		}
	}
	dify, other := 0, 0
	for _, t := range e.Tables {
		if t.Dify {
			dify++
		} else {
			other++
		}
	}
	if dify > 0 {
		b.WriteString(" To bring Dify's rows into wflog, migrate wflog's tables in another schema or database and run `wflog import --from <this database> --to <that DSN>`.")
	}
	if other > 0 {
		file := e.file
		if file == "" {
			file = "its schema file"
		}
		them := "the table"
		if other > 1 {
			them = "the tables"
		}
		fmt.Fprintf(&b, " Give wflog a database (or PostgreSQL schema) of its own, or bring %s to the shape %s gives.", them, file)
	}
	return b.String()
}

// difyColumns are the columns of Dify's own tables that `wflog import`
// reads (transfer.CheckDify; transfer/testdata/dify_schema.sql): a table
// with all of them and no integer version is taken for Dify's.
var difyColumns = map[string][]string{
	"workflow_runs": {"id", "tenant_id", "app_id", "workflow_id", "type", "triggered_from", "version", "graph", "inputs", "outputs", "status",
		"error", "elapsed_time", "total_tokens", "total_steps", "exceptions_count", "created_by_role", "created_by", "created_at", "finished_at"},
	"workflow_node_executions": {"id", "tenant_id", "app_id", "workflow_id", "triggered_from", "workflow_run_id", "index", "predecessor_node_id",
		"node_execution_id", "node_id", "node_type", "title", "inputs", "process_data", "outputs", "status", "error", "elapsed_time",
		"execution_metadata", "created_at", "created_by_role", "created_by", "finished_at"},
}

// looksLikeDify reports whether a table of that name and shape is Dify's.
func looksLikeDify(table string, have tableShape) bool {
	want, ok := difyColumns[table]
	if !ok {
		return false
	}
	for _, name := range want {
		if _, ok := have.column(name); !ok {
			return false
		}
	}
	if _, ok := have.column("workflow_version"); ok {
		return false // wflog's name for Dify's version string
	}
	v, ok := have.column("version")
	return !ok || !integerType(v.Type)
}

// integerType reports whether a column type, as PostgreSQL's format_type
// or SQLite's table_info gives it, holds integers.
func integerType(t string) bool {
	switch strings.ToUpper(t) {
	case "BIGINT", "INTEGER", "INT", "SMALLINT", "INT2", "INT4", "INT8", "TINYINT", "MEDIUMINT", "UNSIGNED BIG INT":
		return true
	}
	return false
}

// inspectTables compares every table the scripts create that already
// exists with the shape its CREATE TABLE gives (inspect answers for one
// table: nil when it is absent or wflog's), and returns one *SchemaError
// naming every table that differs.
func inspectTables(scripts []script, inspect func(table, stmt string) (*ForeignTable, error)) error {
	se := &SchemaError{}
	for _, s := range scripts {
		for _, stmt := range statements(s.text) {
			m := createTableRE.FindStringSubmatch(stmt)
			if m == nil {
				continue
			}
			table := strings.Trim(m[1], `"`)
			ft, err := inspect(table, stmt)
			if err != nil {
				return fmt.Errorf("wflog: inspecting the existing table %s: %w", table, err)
			}
			if ft != nil {
				se.Tables = append(se.Tables, *ft)
				if se.file == "" {
					se.file = s.name
				}
			}
		}
	}
	if len(se.Tables) > 0 {
		return se
	}
	return nil
}

// Migrate creates wflog's tables if they do not exist: schema.sql on
// PostgreSQL, schema_logstore.sql on LogStore, schema_sqlite.sql on SQLite.
//
// On PostgreSQL and SQLite it owns only what it recognises. Every table it
// would create that already exists is inspected first (pg_catalog; SQLite's
// table_info and index_list): one with another shape — missing columns,
// other types, a primary key other than (id, version), a unique index that
// would refuse a second version, Dify's original columns — makes Migrate
// return a *SchemaError naming every such table, before it has created,
// indexed or put a trigger on anything. Concurrent Migrates on the same schema (replicas that migrate at
// startup) wait for one another on an advisory lock. An index missing from
// a table that already has rows is built CREATE INDEX CONCURRENTLY, so
// writers are not blocked while it builds; an invalid index left by an
// interrupted concurrent build is dropped and built again. Run Migrate
// outside a transaction: concurrent builds cannot run inside one.
//
// On PostgreSQL it then installs the pre-aggregated statistics tables and
// their triggers (rollup.Install). Installed on a table that already holds
// runs, it fills them from those runs online, in short transactions while
// writers go on, and returns when they are complete (about a minute per
// million runs); repositories scan until then. Interrupted, the fill
// resumes where it stopped on the next Migrate.
//
// On a real LogStore, create the logstores and their field indexes in the
// SLS console instead (`wflog logstore-index` prints them); see
// schema_logstore.sql. On LogStore, Migrate then checks the field indexes
// (CheckLogStore) and fails, wrapping ErrLogStoreIndex, unless they are
// what wflog needs. When a logstore is empty, analytics (doc_value) cannot
// be verified for its fields: Migrate then returns an error wrapping
// ErrLogStoreIndexUnverified, which means the logstores are ready but
// should be checked again (`wflog check`) once they hold rows.
func Migrate(ctx context.Context, db *gorm.DB) error {
	db = db.WithContext(ctx)
	switch dialect.Of(db).Backend() {
	case dialect.LogStore:
		return migrateLogStore(db)
	case dialect.SQLite:
		return migrateSQLite(db)
	}
	return db.Connection(func(conn *gorm.DB) error {
		unlock, err := lockMigrations(ctx, conn)
		if err != nil {
			return err
		}
		defer unlock()
		if err := inspectTables(postgresScripts(), func(table, stmt string) (*ForeignTable, error) {
			return inspectPostgresTable(conn, table, stmt)
		}); err != nil {
			return err
		}
		for _, s := range postgresScripts() {
			for _, stmt := range statements(s.text) {
				if err := migrateStatement(conn, stmt); err != nil {
					return fmt.Errorf("wflog: migrating PostgreSQL (%s: %s): %w", s.name, firstLine(stmt), err)
				}
			}
		}
		// The pre-aggregated statistics, after the tables they derive from
		// (their functions hold semicolons, so they are not a script here).
		return rollup.Install(ctx, conn)
	})
}

func migrateLogStore(db *gorm.DB) error {
	for _, s := range logStoreScripts() {
		for _, stmt := range statements(s.text) {
			if err := db.Exec(stmt).Error; err != nil {
				return fmt.Errorf("wflog: migrating LogStore (%s: %s): %w", s.name, firstLine(stmt), err)
			}
		}
	}
	// The tables exist from here on: checks of what the logstores hold
	// (their field types, say) belong after this point.
	checks, err := CheckLogStore(db.Statement.Context, db)
	if err != nil {
		return fmt.Errorf("wflog: migrating LogStore: %w", err)
	}
	return unverified(checks)
}

// migrateSQLite applies schema_sqlite.sql in one transaction: a file
// database has one writer at a time, so concurrent Migrates queue for it,
// and every statement is IF NOT EXISTS. Tables that exist are inspected
// first, in the same transaction.
func migrateSQLite(db *gorm.DB) error {
	err := db.Transaction(func(tx *gorm.DB) error {
		if err := inspectTables(sqliteScripts(), func(table, stmt string) (*ForeignTable, error) {
			return inspectSQLiteTable(tx, table, stmt)
		}); err != nil {
			return err
		}
		for _, s := range sqliteScripts() {
			for _, stmt := range statements(s.text) {
				if err := tx.Exec(stmt).Error; err != nil {
					return fmt.Errorf("wflog: migrating SQLite (%s: %s): %w", s.name, firstLine(stmt), err)
				}
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	// The pre-aggregated statistics (their triggers hold semicolons, so
	// they are not a script here).
	return rollup.Install(db.Statement.Context, db)
}

// migrationLockKey names the advisory lock of Migrate on the current
// schema, so that migrations of different schemas do not wait for each other.
const migrationLockKey = `hashtextextended('wflog.Migrate ' || coalesce(current_schema(), ''), 0)`

// lockMigrations takes Migrate's advisory lock on conn's session. It polls
// with pg_try_advisory_lock rather than waiting in pg_advisory_lock: a
// session blocked inside a statement holds a snapshot, and a concurrent
// index build in the session that has the lock waits for every older
// snapshot to go — a deadlock.
func lockMigrations(ctx context.Context, conn *gorm.DB) (unlock func(), err error) {
	const poll = 50 * time.Millisecond
	for {
		var got bool
		if err := conn.Raw("SELECT pg_try_advisory_lock(" + migrationLockKey + ")").Scan(&got).Error; err != nil {
			return nil, fmt.Errorf("wflog: taking Migrate's advisory lock: %w", err)
		}
		if got {
			break
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("wflog: waiting for another Migrate on this schema: %w", ctx.Err())
		case <-time.After(poll):
		}
	}
	return func() {
		// The lock belongs to the session, which returns to the pool:
		// release it even when ctx has ended.
		c, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		_ = conn.WithContext(c).Exec("SELECT pg_advisory_unlock(" + migrationLockKey + ")").Error
	}, nil
}

var (
	createTableRE = regexp.MustCompile(`(?is)^CREATE\s+TABLE\s+IF\s+NOT\s+EXISTS\s+("?[a-z_][a-z0-9_]*"?)\s*\(`)
	createIndexRE = regexp.MustCompile(`(?is)^CREATE\s+(?:UNIQUE\s+)?INDEX()\s+IF\s+NOT\s+EXISTS\s+([a-z_][a-z0-9_]*)\s+ON\s+("?[a-z_][a-z0-9_]*"?)`)
)

// migrateStatement applies one statement of a script, after
// inspectTables: an index is built, concurrently when its table has rows;
// anything else (CREATE TABLE IF NOT EXISTS among it) is executed as it is.
func migrateStatement(conn *gorm.DB, stmt string) error {
	if m := createIndexRE.FindStringSubmatchIndex(stmt); m != nil {
		name := stmt[m[4]:m[5]]
		table := strings.Trim(stmt[m[6]:m[7]], `"`)
		return migrateIndex(conn, name, table, stmt, m[2])
	}
	return conn.Exec(stmt).Error
}

// column is one column of a table as pg_catalog describes it.
type column struct {
	Name    string
	Type    string
	NotNull bool
	HasDef  bool
}

// tableShape is what Migrate compares: columns in order, the primary key
// and (on SQLite) the unique indexes without version among their columns,
// which would refuse a row's second version.
type tableShape struct {
	columns []column
	key     []string
	unique  []uniqueIndex
}

type uniqueIndex struct {
	name    string
	columns []string
}

func (s tableShape) column(name string) (column, bool) {
	for _, c := range s.columns {
		if c.Name == name {
			return c, true
		}
	}
	return column{}, false
}

// shape reads the columns and primary key of relation (a regclass text).
func shape(conn *gorm.DB, relation string) (tableShape, error) {
	var s tableShape
	err := conn.Raw(`SELECT a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type, a.attnotnull AS not_null, a.atthasdef AS has_def
		FROM pg_attribute a WHERE a.attrelid = ?::regclass AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum`, relation).Scan(&s.columns).Error
	if err != nil {
		return s, err
	}
	err = conn.Raw(`SELECT a.attname FROM pg_index i
		JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey)
		WHERE i.indrelid = ?::regclass AND i.indisprimary
		ORDER BY array_position(i.indkey::int2[], a.attnum)`, relation).Scan(&s.key).Error
	return s, err
}

// currentRelation returns the regclass text of name in the current schema
// (where CREATE TABLE IF NOT EXISTS looks), or "" when there is none.
func currentRelation(conn *gorm.DB, name string) (string, error) {
	var rel []string
	err := conn.Raw(`SELECT quote_ident(n.nspname) || '.' || quote_ident(c.relname) FROM pg_class c
		JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE n.nspname = current_schema() AND c.relname = ?`, name).Scan(&rel).Error
	if err != nil || len(rel) == 0 {
		return "", err
	}
	return rel[0], nil
}

// inspectPostgresTable checks the table that exists under table's name,
// if any, against the shape stmt would give it.
func inspectPostgresTable(conn *gorm.DB, table, stmt string) (*ForeignTable, error) {
	existing, err := currentRelation(conn, table)
	if err != nil || existing == "" {
		return nil, err
	}
	have, err := shape(conn, existing)
	if err != nil {
		return nil, err
	}
	// The shape wflog wants is the one stmt gives: build it as a temporary
	// table and read it back, so the comparison needs no second copy of the DDL.
	expected := "wflog_expected_" + table
	loc := createTableRE.FindStringIndex(stmt)
	temp := "CREATE TEMPORARY TABLE " + expected + " (" + stmt[loc[1]:]
	if err := conn.Exec("DROP TABLE IF EXISTS pg_temp." + expected).Error; err != nil {
		return nil, err
	}
	if err := conn.Exec(temp).Error; err != nil {
		return nil, fmt.Errorf("building the expected shape of %s: %w", table, err)
	}
	want, err := shape(conn, "pg_temp."+expected)
	if dropErr := conn.Exec("DROP TABLE pg_temp." + expected).Error; err == nil {
		err = dropErr
	}
	if err != nil {
		return nil, err
	}
	return compareShapes(table, have, want), nil
}

// compareShapes says how have differs from want in ways that break
// wflog's writes or reads, or nil when it does not. Extra columns are fine
// when wflog's INSERTs can leave them out (nullable or with a default).
func compareShapes(table string, have, want tableShape) *ForeignTable {
	var problems []string
	if strings.Join(have.key, ",") != strings.Join(want.key, ",") {
		switch {
		case len(have.key) == 0:
			problems = append(problems, fmt.Sprintf("it has no primary key; wflog's is (%s)", strings.Join(want.key, ", ")))
		default:
			problems = append(problems, fmt.Sprintf("its primary key is (%s); wflog's is (%s), with an integer version", strings.Join(have.key, ", "), strings.Join(want.key, ", ")))
		}
	}
	var missing []string
	for _, w := range want.columns {
		h, ok := have.column(w.Name)
		switch {
		case !ok:
			missing = append(missing, w.Name)
		case h.Type != w.Type:
			problems = append(problems, fmt.Sprintf("column %s is %s; wflog's is %s", w.Name, h.Type, w.Type))
		case h.NotNull && !w.NotNull:
			problems = append(problems, fmt.Sprintf("column %s is NOT NULL; wflog writes NULL into it", w.Name))
		}
	}
	if len(missing) > 0 {
		problems = append(problems, "missing columns: "+strings.Join(missing, ", "))
	}
	for _, h := range have.columns {
		if _, ok := want.column(h.Name); !ok && h.NotNull && !h.HasDef {
			problems = append(problems, fmt.Sprintf("column %s is NOT NULL without a default, and wflog does not write it", h.Name))
		}
	}
	for _, u := range have.unique {
		problems = append(problems, fmt.Sprintf("its unique index %s on (%s) would refuse a second version of a row", u.name, strings.Join(u.columns, ", ")))
	}
	if len(problems) == 0 {
		return nil
	}
	return &ForeignTable{Table: table, Problems: problems, Dify: looksLikeDify(table, have)}
}

// migrateIndex builds an index unless a valid one of that name exists. On a
// table with rows the build is CONCURRENTLY (at = where to insert the word
// in stmt), which takes no lock that blocks writers; it leaves an invalid
// index behind when interrupted, which is dropped here and built again.
func migrateIndex(conn *gorm.DB, name, table, stmt string, at int) error {
	var valid []bool
	if err := conn.Raw(`SELECT i.indisvalid FROM pg_class c
		JOIN pg_namespace n ON n.oid = c.relnamespace JOIN pg_index i ON i.indexrelid = c.oid
		WHERE n.nspname = current_schema() AND c.relname = ?`, name).Scan(&valid).Error; err != nil {
		return err
	}
	if len(valid) == 1 && valid[0] {
		return nil
	}
	var hasRows bool
	if err := conn.Raw(`SELECT EXISTS (SELECT 1 FROM ` + quoteIdent(table) + `)`).Scan(&hasRows).Error; err != nil {
		return err
	}
	if len(valid) == 1 {
		// A concurrent build that did not finish: IF NOT EXISTS would keep it.
		drop := "DROP INDEX IF EXISTS "
		if hasRows {
			drop = "DROP INDEX CONCURRENTLY IF EXISTS "
		}
		if err := conn.Exec(drop + quoteIdent(name)).Error; err != nil {
			return fmt.Errorf("dropping the invalid index %s left by an interrupted build: %w", name, err)
		}
	}
	if hasRows {
		stmt = stmt[:at] + " CONCURRENTLY" + stmt[at:]
	}
	return conn.Exec(stmt).Error
}

func quoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

// statements splits a schema file of ours into its statements: comment
// lines dropped, split at semicolons (our DDL has none inside literals).
func statements(script string) []string {
	var b strings.Builder
	for _, line := range strings.Split(script, "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "--") {
			continue
		}
		b.WriteString(line)
		b.WriteByte('\n')
	}
	var out []string
	for _, s := range strings.Split(b.String(), ";") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return strings.TrimSuffix(strings.TrimSpace(line), "(")
}
