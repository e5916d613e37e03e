package logstoretest

import (
	"reflect"
	"strings"
	"testing"
)

// libraryQuery is the shape of the query the library sends for a page of
// the latest versions.
const libraryQuery = `SELECT * FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY "id" ORDER BY "version" DESC) AS "wflog_rn" FROM "workflow_runs" WHERE __time__ > 0 AND "workflow_runs"."app_id" = 'x') AS "workflow_runs" WHERE "workflow_runs"."wflog_rn" = 1 AND __time__ > 0 ORDER BY "workflow_runs"."created_at" DESC LIMIT 20, 10`

func TestClassifyForwards(t *testing.T) {
	tests := []struct {
		name     string
		relax    Rule
		sql      string
		want     string // forwarded text
		capRows  bool
		windowed bool
	}{
		{name: "plain select", sql: "SELECT * FROM t", want: "SELECT * FROM t", capRows: true, windowed: true},
		{name: "trailing semicolon and comment", sql: " SELECT * FROM t ; -- done\n", want: "SELECT * FROM t", capRows: true, windowed: true},
		{name: "bare __time__", sql: "SELECT * FROM t WHERE __time__ > 0", want: "SELECT * FROM t WHERE __time__ > 0", capRows: true},
		{name: "upper-case __TIME__", sql: "SELECT * FROM t WHERE __TIME__ > 0", want: "SELECT * FROM t WHERE __TIME__ > 0", capRows: true},
		{name: "quoted __time__", sql: `SELECT "__time__" FROM t`, want: `SELECT "__time__" FROM t`, capRows: true},
		{name: "__time__ in a string does not count", sql: "SELECT * FROM t WHERE a <> '__time__'", want: "SELECT * FROM t WHERE a <> '__time__'", capRows: true, windowed: true},
		{name: "__time__ in a comment does not count", sql: "SELECT * FROM t /* __time__ */ -- __time__", want: "SELECT * FROM t", capRows: true, windowed: true},
		{name: "__time__ in a dollar quote does not count", sql: "SELECT $$__time__$$ FROM t", want: "SELECT $$__time__$$ FROM t", capRows: true, windowed: true},
		{name: "keyword in a string", sql: "SELECT 'UPDATE', 'x OFFSET 5' FROM t LIMIT 10", want: "SELECT 'UPDATE', 'x OFFSET 5' FROM t LIMIT 10", windowed: true},
		{name: "paging rewritten", sql: "SELECT * FROM t ORDER BY a LIMIT 20, 10", want: "SELECT * FROM t ORDER BY a LIMIT 10 OFFSET 20", windowed: true},
		{name: "paging at the bounds", sql: "SELECT * FROM t LIMIT 990000, 10000", want: "SELECT * FROM t LIMIT 10000 OFFSET 990000", windowed: true},
		{name: "largest LIMIT", sql: "SELECT count(*) FROM t LIMIT 1000000", want: "SELECT count(*) FROM t LIMIT 1000000", windowed: true},
		{name: "library page query", sql: libraryQuery, want: strings.Replace(libraryQuery, "LIMIT 20, 10", "LIMIT 10 OFFSET 20", 1)},
		{name: "LIMIT only in a subquery leaves the cap", relax: RuleLimitSyntax, sql: "SELECT * FROM (SELECT * FROM t LIMIT 5) s", want: "SELECT * FROM (SELECT * FROM t LIMIT 5) s", capRows: true, windowed: true},
		{name: "with select", sql: "WITH x AS (SELECT * FROM t) SELECT * FROM x", want: "WITH x AS (SELECT * FROM t) SELECT * FROM x", capRows: true, windowed: true},
		{name: "is distinct from is no FROM clause", sql: "SELECT a IS DISTINCT FROM b FROM t", want: "SELECT a IS DISTINCT FROM b FROM t", capRows: true, windowed: true},
		{name: "union", sql: "SELECT a FROM t UNION ALL (SELECT a FROM u)", want: "SELECT a FROM t UNION ALL (SELECT a FROM u)", capRows: true, windowed: true},
		{name: "multi-row insert", sql: `INSERT INTO "t" ("a","b") VALUES ('x;y',1),('z',2)`, want: `INSERT INTO "t__rows" ("a","b") VALUES ('x;y',1),('z',2)`, windowed: true},
		{name: "insert select", sql: "INSERT INTO t SELECT * FROM u WHERE __time__ > 0 LIMIT 0, 5", want: `INSERT INTO "t__rows" SELECT * FROM u WHERE __time__ > 0 LIMIT 5 OFFSET 0`},
		{name: "relaxed text-storage inserts into the view", relax: RuleTextStorage, sql: "INSERT INTO t VALUES (1)", want: "INSERT INTO t VALUES (1)", windowed: true},

		{name: "relaxed limit-syntax forwards OFFSET", relax: RuleLimitSyntax, sql: "SELECT * FROM t LIMIT 10 OFFSET 5", want: "SELECT * FROM t LIMIT 10 OFFSET 5", windowed: true},
		{name: "relaxed limit-syntax still rewrites paging", relax: RuleLimitSyntax, sql: "SELECT * FROM (SELECT * FROM t LIMIT 1, 20000) s", want: "SELECT * FROM (SELECT * FROM t LIMIT 20000 OFFSET 1) s", capRows: true, windowed: true},
		{name: "relaxed from-required", relax: RuleFromRequired, sql: "SELECT 1", want: "SELECT 1", capRows: true, windowed: true},
		{name: "relaxed row-cap", relax: RuleRowCap, sql: "SELECT * FROM t", want: "SELECT * FROM t", windowed: true},
		{name: "relaxed time-window", relax: RuleTimeWindow, sql: "SELECT * FROM t", want: "SELECT * FROM t", capRows: true},
		{name: "relaxed transactions", relax: RuleIgnoreTransactions, sql: "BEGIN", want: "BEGIN"},
		{name: "relaxed constraints", relax: RuleNoConstraints | RuleTextStorage, sql: "INSERT INTO t VALUES (1) ON CONFLICT DO NOTHING RETURNING *", want: "INSERT INTO t VALUES (1) ON CONFLICT DO NOTHING RETURNING *", windowed: true},
		{name: "relaxed insert-only update", relax: RuleInsertOnly, sql: "UPDATE t SET a = 1", want: "UPDATE t SET a = 1", windowed: true},
		{name: "relaxed insert-only drop", relax: RuleInsertOnly, sql: "DROP TABLE t", want: `DROP TABLE "t__rows" CASCADE`, windowed: true},
		{name: "relaxed insert-only drop list", relax: RuleInsertOnly, sql: `DROP TABLE IF EXISTS a, s."B" CASCADE`, want: `DROP TABLE IF EXISTS "a__rows", s."B__rows" CASCADE`, windowed: true},
		{name: "relaxed insert-only truncate", relax: RuleInsertOnly, sql: "TRUNCATE TABLE ONLY t, u RESTART IDENTITY", want: `TRUNCATE TABLE ONLY "t__rows", "u__rows" RESTART IDENTITY`, windowed: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stmts, err := classify(tt.sql, allRules&^tt.relax)
			if err != nil {
				t.Fatalf("classify(%q) refused: %v", tt.sql, err)
			}
			if len(stmts) != 1 {
				t.Fatalf("classify(%q) = %d statements, want 1", tt.sql, len(stmts))
			}
			st := stmts[0]
			if st.kind != stmtForward || st.sql != tt.want || st.capRows != tt.capRows || st.windowed != tt.windowed {
				t.Errorf("classify(%q)\n got kind=%d sql=%q capRows=%v windowed=%v\nwant kind=%d sql=%q capRows=%v windowed=%v",
					tt.sql, st.kind, st.sql, st.capRows, st.windowed, stmtForward, tt.want, tt.capRows, tt.windowed)
			}
		})
	}
}

func TestClassifyTransactions(t *testing.T) {
	tests := map[string]string{
		"BEGIN":             "BEGIN",
		"begin work;":       "BEGIN",
		"START TRANSACTION": "START TRANSACTION",
		"start transaction isolation level read committed": "START TRANSACTION",
		"COMMIT":   "COMMIT",
		"END":      "COMMIT",
		"ROLLBACK": "ROLLBACK",
		"abort":    "ROLLBACK",
	}
	for sql, tag := range tests {
		stmts, err := classify(sql, allRules)
		if err != nil || len(stmts) != 1 || stmts[0].kind != stmtTxIgnored || stmts[0].tag != tag {
			t.Errorf("classify(%q) = %+v, %v; want an ignored statement tagged %q", sql, stmts, err, tag)
		}
	}
}

func TestClassifyEmpty(t *testing.T) {
	for _, sql := range []string{"", "   ", ";", " ; ; ", "-- nothing", "/* nothing */"} {
		stmts, err := classify(sql, allRules)
		if err != nil || len(stmts) != 0 {
			t.Errorf("classify(%q) = %v, %v; want no statements", sql, stmts, err)
		}
	}
}

func TestClassifyRefuses(t *testing.T) {
	tests := []struct {
		sql   string
		relax Rule
		rule  Rule
		code  string
		msg   string // a substring of the message
	}{
		{sql: "SELECT * FROM t; SELECT * FROM t", rule: RuleSingleStatement, code: "0A000", msg: "2 statements"},
		{sql: "BEGIN; INSERT INTO t VALUES (1); ROLLBACK", rule: RuleSingleStatement, code: "0A000", msg: "3 statements"},
		{sql: "SELECT * FROM t; UPDATE t SET a = 1", relax: RuleSingleStatement, rule: RuleInsertOnly, code: "0A000", msg: "UPDATE is not supported"},

		{sql: "UPDATE t SET a = 1", rule: RuleInsertOnly, code: "0A000", msg: "UPDATE is not supported; LogStore is append-only"},
		{sql: "delete from t", rule: RuleInsertOnly, code: "0A000", msg: "DELETE is not supported"},
		{sql: "TRUNCATE t", rule: RuleInsertOnly, code: "0A000", msg: "TRUNCATE is not supported"},
		{sql: "DROP TABLE t", rule: RuleInsertOnly, code: "0A000", msg: "DROP TABLE is not supported"},
		{sql: "ALTER TABLE t ADD COLUMN c text", rule: RuleInsertOnly, code: "0A000", msg: "ALTER TABLE is not supported"},
		{sql: "MERGE INTO t USING u ON t.a = u.a WHEN MATCHED THEN DELETE", rule: RuleInsertOnly, code: "0A000", msg: "MERGE is not supported"},
		{sql: "COPY t FROM STDIN", rule: RuleInsertOnly, code: "0A000", msg: "COPY is not supported"},
		{sql: "GRANT SELECT ON t TO public", rule: RuleInsertOnly, code: "0A000", msg: "GRANT is not supported"},
		{sql: "SET search_path = public", rule: RuleInsertOnly, code: "0A000", msg: "SET is not supported"},
		{sql: "CREATE INDEX i ON t (a)", rule: RuleInsertOnly, code: "0A000", msg: "CREATE INDEX is not supported"},
		{sql: "CREATE UNLOGGED TABLE t (a text)", rule: RuleInsertOnly, code: "0A000", msg: "CREATE UNLOGGED is not supported"},
		{sql: "VALUES (1)", rule: RuleInsertOnly, code: "0A000", msg: "VALUES is not supported"},
		{sql: "(SELECT a FROM t)", rule: RuleInsertOnly, code: "0A000", msg: `starting with "("`},
		{sql: "ROLLBACK TO SAVEPOINT s", rule: RuleInsertOnly, code: "0A000", msg: "ROLLBACK is not supported"},
		{sql: "WITH d AS (DELETE FROM t RETURNING *) SELECT * FROM d", rule: RuleInsertOnly, code: "0A000", msg: "DELETE inside a subquery"},
		{sql: "WITH x AS (SELECT a FROM t) INSERT INTO u SELECT * FROM x", rule: RuleInsertOnly, code: "0A000", msg: "WITH … INSERT"},
		{sql: "WITH x AS (SELECT a FROM t) UPDATE t SET a = 1", rule: RuleInsertOnly, code: "0A000", msg: "WITH … UPDATE"},
		{sql: "SELECT * INTO u FROM t", rule: RuleInsertOnly, code: "0A000", msg: "SELECT … INTO"},

		{sql: "INSERT INTO t VALUES (1) RETURNING *", rule: RuleNoConstraints, code: "0A000", msg: "RETURNING"},
		{sql: "INSERT INTO t VALUES (1) ON CONFLICT DO NOTHING", rule: RuleNoConstraints, code: "0A000", msg: "ON CONFLICT"},
		{sql: "CREATE TABLE t (id text PRIMARY KEY)", rule: RuleNoConstraints, code: "0A000", msg: "PRIMARY KEY is not supported"},
		{sql: "CREATE TABLE t (n int DEFAULT 0)", rule: RuleNoConstraints, code: "0A000", msg: "DEFAULT is not supported"},
		{sql: "CREATE TABLE t (n int UNIQUE)", rule: RuleNoConstraints, code: "0A000", msg: "UNIQUE"},
		{sql: "CREATE TABLE t (n int REFERENCES u (n))", rule: RuleNoConstraints, code: "0A000", msg: "REFERENCES"},
		{sql: "CREATE TABLE t (n int CHECK (n > 0))", rule: RuleNoConstraints, code: "0A000", msg: "CHECK"},
		{sql: "CREATE TABLE t (n int NOT NULL)", rule: RuleNoConstraints, code: "0A000", msg: "NOT NULL"},
		{sql: "CREATE TABLE t (n bigserial)", rule: RuleNoConstraints, code: "0A000", msg: "BIGSERIAL"},
		{sql: "CREATE TABLE t (n int GENERATED ALWAYS AS IDENTITY)", rule: RuleNoConstraints, code: "0A000", msg: "GENERATED"},
		{sql: "CREATE TABLE t (a text, b text, PRIMARY KEY (a, b))", rule: RuleNoConstraints, code: "0A000", msg: "PRIMARY is not supported"},
		{sql: "CREATE TABLE t (a text, CONSTRAINT c UNIQUE (a))", rule: RuleNoConstraints, code: "0A000", msg: "CONSTRAINT"},

		{sql: "SELECT 1", rule: RuleFromRequired, code: "0A000", msg: "SELECT without FROM"},
		{sql: "select now()", rule: RuleFromRequired, code: "0A000", msg: "no ping query"},
		{sql: "SELECT extract(year FROM now())", rule: RuleFromRequired, code: "0A000", msg: "SELECT without FROM"},
		{sql: "SELECT a FROM t WHERE a IN (SELECT 1)", rule: RuleFromRequired, code: "0A000", msg: "SELECT without FROM"},
		{sql: "SELECT a FROM t UNION SELECT 1", rule: RuleFromRequired, code: "0A000", msg: "SELECT without FROM"},
		{sql: "SELECT 1 IS DISTINCT FROM 2", rule: RuleFromRequired, code: "0A000", msg: "SELECT without FROM"},

		{sql: "SELECT * FROM t LIMIT 10 OFFSET 5", rule: RuleLimitSyntax, code: "42601", msg: "LIMIT … OFFSET is not supported; page with LIMIT offset, count"},
		{sql: "SELECT * FROM t OFFSET 5", rule: RuleLimitSyntax, code: "42601", msg: "OFFSET"},
		{sql: "SELECT * FROM (SELECT * FROM t OFFSET 5) s LIMIT 1", rule: RuleLimitSyntax, code: "42601", msg: "OFFSET"},
		{sql: "SELECT * FROM t FETCH FIRST 5 ROWS ONLY", rule: RuleLimitSyntax, code: "42601", msg: "FETCH FIRST"},
		{sql: "SELECT * FROM t LIMIT 0, 10001", rule: RuleLimitSyntax, code: "22023", msg: "count of at most 10,000"},
		{sql: "SELECT * FROM t LIMIT 990001, 10000", rule: RuleLimitSyntax, code: "22023", msg: "offset+count of at most 1,000,000"},
		{sql: "SELECT * FROM t LIMIT 99999999999999999999999, 1", rule: RuleLimitSyntax, code: "22023", msg: "offset+count"},
		{sql: "SELECT * FROM t LIMIT 1000001", rule: RuleLimitSyntax, code: "22023", msg: "at most 1,000,000 rows"},
		{sql: "SELECT * FROM (SELECT * FROM t LIMIT 1, 2) s LIMIT 1", rule: RuleLimitSyntax, code: "0A000", msg: "inside a subquery"},
		{sql: "SELECT * FROM (SELECT * FROM t LIMIT 5) s LIMIT 1", rule: RuleLimitSyntax, code: "0A000", msg: "LIMIT inside a subquery"},
		{sql: "SELECT * FROM t LIMIT ALL", rule: RuleLimitSyntax, code: "42601", msg: "integer literals"},
		{sql: "SELECT * FROM t LIMIT $1", rule: RuleLimitSyntax, code: "42601", msg: "integer literals"},
		{sql: "SELECT * FROM t LIMIT 1.5", rule: RuleLimitSyntax, code: "42601", msg: "integer literals"},
		{sql: "SELECT * FROM t LIMIT 1, x", rule: RuleLimitSyntax, code: "42601", msg: "integer literals"},

		{sql: "SELECT * FROM t WHERE (a", code: "42601", msg: "unbalanced '('"},
		{sql: "SELECT * FROM t) LIMIT 1 OFFSET 1 --", code: "42601", msg: "unbalanced ')' at byte 15"},
		{sql: "SELECT 'abc FROM t", code: "42601", msg: "unterminated quoted string starting at byte 7"},
		{sql: "CREATE TABLE s.t (a text)", code: "0A000", msg: "bare logstore name"},
		{sql: "CREATE TABLE t AS SELECT * FROM u", code: "0A000", msg: "only CREATE TABLE"},
		{sql: "CREATE TABLE t (a text) PARTITION BY LIST (a)", code: "0A000", msg: "only CREATE TABLE"},
		{sql: "CREATE TABLE t (LIKE u)", code: "0A000", msg: "LIKE"},
		{sql: "CREATE TABLE t (__time__ bigint)", code: "42939", msg: "reserved"},
		{sql: `CREATE TABLE t ("__x" text)`, code: "42939", msg: "reserved"},
		{sql: "CREATE TABLE t (a)", code: "42601", msg: "has no type"},
		{sql: "CREATE TABLE t (a (PRIMARY))", code: "42601", msg: "has no type"}, // found by FuzzClassify
		{sql: "CREATE TABLE t (a text,, b text)", code: "42601", msg: "empty column definition"},
		{sql: "CREATE TABLE " + strings.Repeat("x", 58) + " (a text)", code: "42622", msg: "at most 57 bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.sql, func(t *testing.T) {
			stmts, err := classify(tt.sql, allRules&^tt.relax)
			if err == nil {
				t.Fatalf("classify(%q) = %+v, want refused", tt.sql, stmts)
			}
			re := asRuleError(err)
			if re == nil {
				t.Fatalf("classify(%q) error %T %v, want *ruleError", tt.sql, err, err)
			}
			if re.rule != tt.rule || re.code != tt.code || !strings.Contains(re.msg, tt.msg) || !strings.HasPrefix(re.msg, "logstore: ") {
				t.Errorf("classify(%q)\n got rule=%v code=%s msg=%q\nwant rule=%v code=%s msg containing %q", tt.sql, re.rule, re.code, re.msg, tt.rule, tt.code, tt.msg)
			}
		})
	}
}

func TestClassifyRelaxedSingleStatement(t *testing.T) {
	stmts, err := classify("INSERT INTO t VALUES (1); SELECT * FROM t LIMIT 1, 2;", allRules&^RuleSingleStatement)
	if err != nil {
		t.Fatal(err)
	}
	got := []string{}
	for _, st := range stmts {
		got = append(got, st.sql)
	}
	want := []string{`INSERT INTO "t__rows" VALUES (1)`, "SELECT * FROM t LIMIT 2 OFFSET 1"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("statements = %q, want %q", got, want)
	}
}

func TestClassifyCreateTable(t *testing.T) {
	tests := []struct {
		name  string
		relax Rule
		sql   string
		want  tableDef
	}{
		{
			name: "library schema",
			sql:  `CREATE TABLE IF NOT EXISTS workflow_node_executions (id text, "index" bigint, elapsed_time double precision, created_at text)`,
			want: tableDef{name: "workflow_node_executions", ifNotExists: true, columns: []columnDef{
				{"id", "text"}, {"index", "bigint"}, {"elapsed_time", "double precision"}, {"created_at", "text"},
			}},
		},
		{
			name: "case folding and type modifiers",
			sql:  `create table "Mixed" (A numeric(10, 2), "B" varchar(5) COLLATE "C", c text[] NULL)`,
			want: tableDef{name: "Mixed", columns: []columnDef{
				{"a", "numeric(10, 2)"}, {"B", `varchar(5) COLLATE "C"`}, {"c", "text[] NULL"},
			}},
		},
		{
			name:  "relaxed constraints are kept",
			relax: RuleNoConstraints,
			sql:   "CREATE TABLE t (id text PRIMARY KEY, n int DEFAULT 7 NOT NULL, UNIQUE (n))",
			want: tableDef{name: "t", columns: []columnDef{
				{"id", "text PRIMARY KEY"}, {"n", "int DEFAULT 7 NOT NULL"},
			}, constraints: []string{"UNIQUE (n)"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stmts, err := classify(tt.sql, allRules&^tt.relax)
			if err != nil {
				t.Fatalf("classify(%q): %v", tt.sql, err)
			}
			if len(stmts) != 1 || stmts[0].kind != stmtCreateTable {
				t.Fatalf("classify(%q) = %+v, want one CREATE TABLE", tt.sql, stmts)
			}
			if got := *stmts[0].table; !reflect.DeepEqual(got, tt.want) {
				t.Errorf("table\n got %+v\nwant %+v", got, tt.want)
			}
		})
	}
}
