package logstoresql

import (
	"database/sql/driver"
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"
)

func args(vs ...driver.Value) []driver.NamedValue { return named(vs) }

func TestLexSQL(t *testing.T) {
	tests := []struct {
		in   string
		want []tokenKind
	}{
		{`SELECT 'a''b' FROM t`, []tokenKind{tokWord, tokSpace, tokString, tokSpace, tokWord, tokSpace, tokWord}},
		{`E'a\'b'`, []tokenKind{tokString}},
		{`"we""ird" $1`, []tokenKind{tokIdent, tokSpace, tokParam}},
		{`x$1`, []tokenKind{tokWord}},
		{`$$a'b$$ $tag$ $1 $$ $tag$`, []tokenKind{tokString, tokSpace, tokString}},
		{"a -- c $1\nb", []tokenKind{tokWord, tokSpace, tokComment, tokSpace, tokWord}},
		{`/* a /* b */ $1 */c`, []tokenKind{tokComment, tokWord}},
		{`a-$1`, []tokenKind{tokWord, tokOp, tokParam}},
		{`1.5e-3::float8`, []tokenKind{tokNumber, tokPunct, tokPunct, tokWord}},
		{`U&'d\0061t'`, []tokenKind{tokString}},
	}
	for _, tt := range tests {
		toks, err := lexSQL(tt.in)
		if err != nil {
			t.Errorf("lexSQL(%q): %v", tt.in, err)
			continue
		}
		var got []tokenKind
		for _, tk := range toks {
			got = append(got, tk.kind)
		}
		if fmt.Sprint(got) != fmt.Sprint(tt.want) {
			t.Errorf("lexSQL(%q) kinds = %v, want %v", tt.in, got, tt.want)
		}
	}
	for _, bad := range []string{`'open`, `"open`, `/* open`, `$x$ open`, `E'\'`} {
		if _, err := lexSQL(bad); err == nil {
			t.Errorf("lexSQL(%q) accepted unterminated text", bad)
		}
	}
}

func TestAppendLiteral(t *testing.T) {
	tm := time.Date(2026, 11, 26, 16, 0, 0, 123456789, time.FixedZone("CST", 8*3600))
	tests := []struct {
		in   driver.Value
		want string
	}{
		{nil, "NULL"},
		{int64(42), "42"},
		{int64(-42), "(-42)"},
		{int64(math.MinInt64), "(-9223372036854775808)"},
		{1.5, "1.5"},
		{-0.25, "(-0.25)"},
		{1e300, "1" + strings.Repeat("0", 300)}, // decimal, never exponent form
		{1e-05, "0.00001"},
		{math.Copysign(0, -1), "(-0)"},
		{true, "TRUE"},
		{false, "FALSE"},
		{"it's", "'it''s'"},
		{`back\slash`, `'back\slash'`},
		{"$1 -- /* */ ;", "'$1 -- /* */ ;'"},
		{"emoji 😀 中文", "'emoji 😀 中文'"},
		{[]byte(`{"a":1}`), `'{"a":1}'`},
		{tm, "'2026-11-26T08:00:00.123456Z'"},
	}
	for _, tt := range []struct {
		in   driver.Value
		want string
	}{{int64(-42), "'-42'"}, {int64(1795680000000000000), "'1795680000000000000'"}, {1e-05, "'0.00001'"}, {-0.25, "'-0.25'"}, {true, "'true'"}, {"x", "'x'"}, {nil, "NULL"}} {
		got, err := appendQuotedLiteral(nil, tt.in)
		if err != nil || string(got) != tt.want {
			t.Errorf("appendQuotedLiteral(%#v) = %s, %v; want %s", tt.in, got, err, tt.want)
		}
	}
	for _, tt := range tests {
		got, err := appendLiteral(nil, tt.in)
		if err != nil || string(got) != tt.want {
			t.Errorf("appendLiteral(%#v) = %s, %v; want %s", tt.in, got, err, tt.want)
		}
	}
	for _, bad := range []driver.Value{"nul\x00byte", "bad \xff utf8", []byte{0xff, 0}, math.NaN(), math.Inf(1), time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC), struct{}{}} {
		if got, err := appendLiteral(nil, bad); err == nil {
			t.Errorf("appendLiteral(%#v) = %s, want an error", bad, got)
		}
	}
}

func TestRenderStatement(t *testing.T) {
	got, err := renderStatement(`SELECT * FROM t WHERE a = $1 AND b-$2 > 0 AND c = '$1' AND "$2" = $3 AND __time__ > 0 LIMIT 10`,
		args("x'y", int64(-5), nil), false, false)
	want := `SELECT * FROM t WHERE a = 'x''y' AND b-(-5) > 0 AND c = '$1' AND "$2" = NULL AND __time__ > 0 LIMIT 10`
	if err != nil || got != want {
		t.Errorf("got %s, %v\nwant %s", got, err, want)
	}
	// Outside INSERT, []byte(nil) is NULL as on PostgreSQL, never ''.
	got, err = renderStatement(`SELECT * FROM t WHERE b = $1 AND __time__ > 0 LIMIT 1`, args([]byte(nil)), false, false)
	if want := `SELECT * FROM t WHERE b = NULL AND __time__ > 0 LIMIT 1`; err != nil || got != want {
		t.Errorf("[]byte(nil): got %s, %v\nwant %s", got, err, want)
	}
	// A query without LIMIT gets the largest at its end when asked.
	got, err = renderStatement(`SELECT a FROM (SELECT a FROM t WHERE __time__ > 0) s ;`, nil, false, true)
	if want := `SELECT a FROM (SELECT a FROM t WHERE __time__ > 0) s LIMIT 1000000`; err != nil || got != want {
		t.Errorf("auto LIMIT: got %s, %v\nwant %s", got, err, want)
	}
	got, err = renderStatement(`SELECT a FROM t WHERE __time__ > 0 LIMIT 3`, nil, false, true)
	if want := `SELECT a FROM t WHERE __time__ > 0 LIMIT 3`; err != nil || got != want {
		t.Errorf("auto LIMIT with a LIMIT: got %s, %v\nwant %s", got, err, want)
	}
	// An INSERT's numbers and booleans are quoted text.
	got, err = renderStatement(`INSERT INTO t (a, b, c, d) VALUES ($1, $2, $3, $4)`, args(int64(1795680000000000000), 1e-05, true, "x"), false, false)
	if want := `INSERT INTO t (a, b, c, d) VALUES ('1795680000000000000', '0.00001', 'true', 'x')`; err != nil || got != want {
		t.Errorf("INSERT numbers: got %s, %v\nwant %s", got, err, want)
	}
	// In an INSERT, nil is stored as '' (LogStore has no NULL), unless kept.
	ins := `INSERT INTO t (a, b, c) VALUES ($1, $2, $3)`
	got, err = renderStatement(ins, args(nil, []byte(nil), []byte{}), false, false)
	if want := `INSERT INTO t (a, b, c) VALUES ('', '', '')`; err != nil || got != want {
		t.Errorf("INSERT nil: got %s, %v\nwant %s", got, err, want)
	}
	got, err = renderStatement(ins, args(nil, []byte(nil), []byte{}), true, false)
	if want := `INSERT INTO t (a, b, c) VALUES (NULL, NULL, '')`; err != nil || got != want {
		t.Errorf("INSERT nil, KeepNULL: got %s, %v\nwant %s", got, err, want)
	}
	for _, tt := range []struct {
		q    string
		args []driver.NamedValue
		want string
	}{
		{`INSERT INTO t (a) VALUES ($3)`, args("x", "y"), "placeholder $3 has no argument"},
		{`INSERT INTO t (a) VALUES ($1)`, args("x", "y"), "argument $2 is not used"},
		{`INSERT INTO t (a) VALUES ($1)`, args("a\x00b"), "NUL byte"},
		{`INSERT INTO t (a) VALUES ('open`, nil, "unterminated"},
	} {
		if _, err := renderStatement(tt.q, tt.args, false, false); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("renderStatement(%q) error = %v, want %q", tt.q, err, tt.want)
		}
	}
}

func TestCheckStatement(t *testing.T) {
	ok := []string{
		`SELECT * FROM t WHERE __time__ > 0 LIMIT 10`,
		`SELECT * FROM t WHERE "__time__" > 0 LIMIT 10, 20`,
		`WITH x AS (SELECT * FROM t WHERE __time__ > 0) SELECT * FROM x LIMIT 1`,
		`SELECT count(*) FROM (SELECT * FROM t WHERE __time__ > 0) AS s LIMIT 1`,
		`SELECT day, count(*) AS n FROM t WHERE __time__ > 0 GROUP BY day ORDER BY day DESC LIMIT 10`,
		`SELECT a FROM t WHERE __time__ > 0 AND b IN (1, 2) ORDER BY a, b LIMIT 1`,
		`SELECT a FROM t WHERE __time__ > 0 ORDER BY a + 1 LIMIT 1`,
		`SELECT 'UPDATE; DELETE' FROM t WHERE __time__ > 0 LIMIT 1`,
		`INSERT INTO t (a) VALUES ('RETURNING')`,
		`INSERT INTO t (a) VALUES (1);`,
		`CREATE TABLE IF NOT EXISTS t (a text, b bigint)`,
		`  -- comment first` + "\n" + `SELECT a FROM t WHERE __time__ > 0 LIMIT 1`,
	}
	for _, q := range ok {
		toks, err := lexSQL(q)
		if err == nil {
			err = checkStatement(q, toks)
		}
		if err != nil {
			t.Errorf("checkStatement(%q): %v", q, err)
		}
	}
	refused := map[string]string{
		`UPDATE t SET a = 1`:       "UPDATE",
		`DELETE FROM t`:            "DELETE",
		`TRUNCATE t`:               "TRUNCATE",
		`BEGIN`:                    "transactions",
		`rollback`:                 "transactions",
		`SELECT 1`:                 "SELECT without FROM",
		`SELECT * FROM t LIMIT 10`: "__time__",
		`SELECT * FROM t WHERE note = '__time__' LIMIT 10`:                               "__time__",
		`SELECT * FROM t /* __time__ */ LIMIT 10`:                                        "__time__",
		`SELECT * FROM t WHERE __time__ > 0`:                                             "without LIMIT",
		`SELECT * FROM t WHERE __time__ > 0 LIMIT 10 OFFSET 5`:                           "OFFSET",
		`INSERT INTO t (a) VALUES (1) RETURNING a`:                                       "RETURNING",
		`INSERT INTO t (a) VALUES (1) ON CONFLICT DO NOTHING`:                            "ON CONFLICT",
		`INSERT INTO t (a) VALUES (1); DELETE FROM t`:                                    "several statements",
		`SELECT * FROM t WHERE __time__ > 0 LIMIT 1 FOR UPDATE`:                          "FOR UPDATE",
		`WITH d AS (DELETE FROM t) SELECT * FROM d WHERE __time__ > 0 LIMIT 1`:           "data-modifying",
		`CREATE TABLE t (a text PRIMARY KEY)`:                                            "PRIMARY",
		`CREATE TABLE t (a text DEFAULT 'x')`:                                            "DEFAULT",
		`CREATE INDEX i ON t (a)`:                                                        "CREATE INDEX",
		`DROP TABLE t`:                                                                   "DROP",
		``:                                                                               "empty",
		`SELECT count(*) FROM (SELECT * FROM t WHERE __time__ > 0 LIMIT 5) AS s LIMIT 1`: "LIMIT inside a subquery",
		`SELECT a, count(*) FROM t WHERE __time__ > 0 GROUP BY 1 LIMIT 1`:                "by position",
		`SELECT a, b, count(*) FROM t WHERE __time__ > 0 GROUP BY a, 2 LIMIT 1`:          "by position",
		`SELECT a FROM t WHERE __time__ > 0 ORDER BY 1 DESC LIMIT 1`:                     "by position",
		`SELECT set_config('standard_conforming_strings', 'off', false) FROM t WHERE __time__ > 0 LIMIT 1`: "set_config",
		`SELECT a FROM t WHERE __time__ > 0 AND pg_catalog."set_config"('x', 'y', false) = '' LIMIT 1`:     "set_config",
		`SET standard_conforming_strings = off`:                                                            "session settings",
		`RESET ALL`:                                                                                        "session settings",
	}
	for q, want := range refused {
		toks, err := lexSQL(q)
		if err == nil {
			err = checkStatement(q, toks)
		}
		if err == nil || !errors.Is(err, ErrUnsupported) || !strings.Contains(err.Error(), want) {
			t.Errorf("checkStatement(%q) = %v, want ErrUnsupported mentioning %q", q, err, want)
		}
	}
}

// FuzzRenderStatement: for any statement text and string argument, rendering
// never panics, and when it succeeds the argument arrives as exactly one
// string literal whose content is the argument — the injection boundary
// holds whatever the argument contains.
func FuzzRenderStatement(f *testing.F) {
	for _, s := range []string{"plain", "it's", `\'; DROP TABLE t; --`, "$1", "/* x", "'' OR '1'='1", "emoji 😀", "a\nb", `\\`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		q := `INSERT INTO t (a, b) VALUES ($1, 7)`
		out, err := renderStatement(q, args(s), false, false)
		if err != nil {
			if strings.IndexByte(s, 0) < 0 && isValidUTF8(s) {
				t.Fatalf("rendering %q failed: %v", s, err)
			}
			return
		}
		toks, err := lexSQL(out)
		if err != nil {
			t.Fatalf("rendered %q does not lex: %v", out, err)
		}
		var strs []string
		for _, tk := range toks {
			if tk.kind == tokString {
				strs = append(strs, out[tk.start:tk.end])
			}
		}
		if len(strs) != 1 {
			t.Fatalf("rendered %q has %d string literals, want 1", out, len(strs))
		}
		lit := strs[0]
		if got := strings.ReplaceAll(lit[1:len(lit)-1], "''", "'"); got != s {
			t.Fatalf("literal %s reads back as %q, want %q", lit, got, s)
		}
		if !strings.HasSuffix(out, ", 7)") || !strings.HasPrefix(out, "INSERT INTO t (a, b) VALUES (") {
			t.Fatalf("rendering changed the statement around the literal: %q", out)
		}
	})
}

func isValidUTF8(s string) bool { return strings.ToValidUTF8(s, "\uFFFD") == s }
