package logstoretest

import (
	"strconv"
	"strings"
	"testing"
)

// FuzzClassify feeds arbitrary text to the classifier. It must never panic,
// and whatever it lets through with every rule enforced must satisfy the
// rules: one statement that starts with SELECT, WITH, INSERT or CREATE
// TABLE, no OFFSET but the one the LIMIT offset, count rewrite makes, LIMIT
// bounds kept, no data-modifying subquery, a FROM in every SELECT.
func FuzzClassify(f *testing.F) {
	for _, seed := range []string{
		"SELECT * FROM t",
		"SELECT 1",
		"select * from t where __time__ > 0 limit 20, 10",
		libraryQuery,
		"SELECT 'UPDATE' FROM t",
		`SELECT "__time__" FROM t`,
		"SELECT '__time__' FROM t -- __time__",
		"SELECT $$;UPDATE t SET a=1;$$ FROM t",
		"SELECT $a$ $b$ ; $b$ $a$ FROM t",
		`SELECT E'\';DELETE FROM t;--' FROM t`,
		`SELECT 'a\';DELETE FROM t;--' FROM t`,
		"SELECT /* /* ; */ DELETE */ a FROM t",
		"SELECT * FROM t LIMIT 10 OFFSET 5",
		"SELECT * FROM (SELECT * FROM t LIMIT 1, 2) s",
		"SELECT * FROM t LIMIT 0, 10001",
		"SELECT * FROM t LIMIT 999999, 2",
		"WITH d AS (DELETE FROM t RETURNING *) SELECT * FROM d",
		"WITH update AS (SELECT a FROM t) SELECT * FROM update",
		"INSERT INTO t VALUES (1) RETURNING *",
		"INSERT INTO t VALUES ('a;b'), ('c')",
		"INSERT INTO t VALUES (1) ON CONFLICT DO NOTHING",
		"CREATE TABLE IF NOT EXISTS t (a text, \"index\" bigint, d double precision)",
		"CREATE TABLE t (a text PRIMARY KEY)",
		"CREATE TABLE t (a numeric(10,2) DEFAULT 1)",
		"BEGIN; INSERT INTO t VALUES (1); ROLLBACK;",
		"UPDATE t SET a = 1",
		"SELECT * FROM t) OFFSET 1 (",
		"SELECT U&\"a\" FROM t; U&'x'",
		"SELECT x FROM t WHERE y = $1",
		"  ;  ",
		"\x00\xff$",
	} {
		f.Add(seed, uint32(0))
	}
	f.Fuzz(func(t *testing.T, sql string, relax uint32) {
		// Relaxed rules: only that nothing panics and forwarded text lexes.
		for _, st := range mustClassify(t, sql, allRules&^Rule(relax)) {
			if st.kind == stmtForward {
				if _, err := lex(st.sql); err != nil {
					t.Fatalf("forwarded %q, which does not lex: %v", st.sql, err)
				}
			}
		}
		stmts := mustClassify(t, sql, allRules)
		if len(stmts) > 1 {
			t.Fatalf("classify(%q) let %d statements through", sql, len(stmts))
		}
		for _, st := range stmts {
			checkStatement(t, sql, st)
		}
	})
}

func mustClassify(t *testing.T, sql string, enforce Rule) []statement {
	stmts, err := classify(sql, enforce)
	if err != nil {
		re := asRuleError(err)
		if re == nil || !strings.HasPrefix(re.msg, "logstore: ") || len(re.code) != 5 {
			t.Fatalf("classify(%q) error %#v, want a *ruleError with a SQLSTATE and a logstore: message", sql, err)
		}
		return nil
	}
	return stmts
}

// checkStatement checks that st, let through with every rule enforced,
// obeys the rules.
func checkStatement(t *testing.T, sql string, st statement) {
	in, err := lex(sql)
	if err != nil {
		t.Fatalf("classify(%q) let unlexable text through", sql)
	}
	var first token
	for _, tok := range in {
		if !tok.isPunct(';') {
			first = tok
			break
		}
	}
	switch st.kind {
	case stmtTxIgnored:
		switch first.norm {
		case "begin", "start", "commit", "end", "rollback", "abort":
		default:
			t.Fatalf("classify(%q) ignored a statement starting with %q as a transaction", sql, first.norm)
		}
	case stmtCreateTable:
		td := st.table
		if !first.is("create") || td == nil || td.name == "" || len(td.name) > maxTableNameBytes || len(td.constraints) > 0 {
			t.Fatalf("classify(%q) created table %+v", sql, td)
		}
		for _, c := range td.columns {
			if strings.HasPrefix(c.name, "__") {
				t.Fatalf("classify(%q) created reserved column %q", sql, c.name)
			}
			defToks, err := lex(c.def)
			if err != nil || len(defToks) == 0 {
				t.Fatalf("classify(%q) made column %q with definition %q", sql, c.name, c.def)
			}
			for _, tok := range defToks {
				switch tok.norm {
				case "primary", "default", "unique", "references", "check", "not", "generated", "constraint", ";":
					t.Fatalf("classify(%q) let constraint %q through in column %q", sql, tok.norm, c.name)
				}
			}
		}
	case stmtForward:
		checkForwarded(t, sql, in, st)
	default:
		t.Fatalf("classify(%q) returned statement kind %d", sql, st.kind)
	}
}

func checkForwarded(t *testing.T, sql string, in []token, st statement) {
	out, err := lex(st.sql)
	if err != nil || len(out) == 0 {
		t.Fatalf("classify(%q) forwarded %q, which does not lex: %v", sql, st.sql, err)
	}
	if !out[0].is("select") && !out[0].is("with") && !out[0].is("insert") {
		t.Fatalf("classify(%q) forwarded a statement starting with %q", sql, out[0].norm)
	}
	if err := checkParens(out); err != nil {
		t.Fatalf("classify(%q) forwarded unbalanced %q", sql, st.sql)
	}
	if st.windowed == mentionsTime(in) {
		t.Fatalf("classify(%q): windowed = %v, but mentions __time__ = %v", sql, st.windowed, mentionsTime(in))
	}
	for _, tok := range in {
		if tok.is("offset") {
			t.Fatalf("classify(%q) let OFFSET through", sql)
		}
	}
	d := depths(out)
	for i, tok := range out {
		switch {
		case tok.isPunct(';'):
			t.Fatalf("classify(%q) forwarded two statements: %q", sql, st.sql)
		case tok.isPunct('(') && i+1 < len(out):
			switch out[i+1].norm {
			case "insert", "update", "delete", "merge":
				if out[i+1].kind == tokWord {
					t.Fatalf("classify(%q) forwarded a data-modifying subquery", sql)
				}
			}
		case tok.is("select") && !selectHasFrom(out, d, i):
			t.Fatalf("classify(%q) forwarded a SELECT without FROM", sql)
		case tok.is("limit"):
			// LIMIT n, or the rewrite LIMIT count OFFSET offset at the top.
			if i+1 >= len(out) || !isInteger(out[i+1].norm) {
				t.Fatalf("classify(%q) forwarded a LIMIT without an integer literal: %q", sql, st.sql)
			}
			n, _ := strconv.ParseUint(out[i+1].norm, 10, 64)
			if i+3 < len(out) && out[i+2].is("offset") {
				off, _ := strconv.ParseUint(out[i+3].norm, 10, 64)
				if d[i] != 0 || n > maxPageCount || off+n > maxPageEnd || !isInteger(out[i+3].norm) {
					t.Fatalf("classify(%q) forwarded paging out of bounds: %q", sql, st.sql)
				}
			} else if n > maxLimitCount {
				t.Fatalf("classify(%q) forwarded LIMIT %d", sql, n)
			}
			if i+2 < len(out) && out[i+2].isPunct(',') {
				t.Fatalf("classify(%q) forwarded LIMIT offset, count unrewritten", sql)
			}
		case tok.is("offset"):
			if i < 2 || !out[i-2].is("limit") {
				t.Fatalf("classify(%q) forwarded an OFFSET it did not write: %q", sql, st.sql)
			}
		}
	}
}
