package logstoretest_test

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/wflog/wflog/logstoretest"
)

// Each test here shows one rule enforced, then relaxed.

func TestRuleSimpleQuery(t *testing.T) {
	t.Run("Enforced", func(t *testing.T) {
		s := newServer(t)
		ctx := context.Background()
		conn, err := pgx.Connect(ctx, s.PostgresDSN())
		if err != nil {
			t.Fatalf("pgx.Connect: %v", err)
		}
		defer conn.Close(ctx)
		// Without arguments pgx sends a simple Query.
		if _, err := conn.Exec(ctx, "CREATE TABLE t (x bigint)"); err != nil {
			t.Fatal(err)
		}
		if _, err := conn.Exec(ctx, "INSERT INTO t (x) VALUES (1), (2)"); err != nil {
			t.Fatal(err)
		}

		// pgx's default mode prepares the statement: Parse, Describe, Sync.
		rows, err := conn.Query(ctx, "SELECT * FROM t WHERE x = $1", 1)
		if err == nil {
			rows.Close()
			err = rows.Err()
		}
		pgErr := wantPgError(t, "pgx Query with $1", err, "0A000", "logstore: the extended query protocol (Parse")
		if !strings.Contains(pgErr.Detail, "simple-query") {
			t.Errorf("detail %q does not name the rule", pgErr.Detail)
		}

		// The connection is still usable, and pgx's simple protocol works.
		var x int64
		err = conn.QueryRow(ctx, "SELECT x FROM t WHERE x = $1 LIMIT 1", pgx.QueryExecModeSimpleProtocol, 2).Scan(&x)
		if err != nil || x != 2 {
			t.Fatalf("simple-protocol query after the refusal: x = %d, %v; want 2", x, err)
		}

		// Raw extended-protocol calls fail the same way and leave the
		// connection usable.
		pc := connect(t, s)
		_, err = pc.Prepare(ctx, "p", "SELECT x FROM t", nil)
		wantPgError(t, "Prepare", err, "0A000", "extended query protocol")
		res := pc.ExecParams(ctx, "SELECT x FROM t WHERE x = $1", [][]byte{[]byte("1")}, nil, nil, nil).Read()
		wantPgError(t, "ExecParams", res.Err, "0A000", "extended query protocol")
		if got := column(t, pc, "SELECT x FROM t WHERE __time__ > 0 ORDER BY x LIMIT 10"); !slices.Equal(got, []string{"1", "2"}) {
			t.Errorf("rows after the refusals = %q, want [1 2]", got)
		}
	})
	t.Run("Relaxed", func(t *testing.T) {
		// The one rule that cannot be switched off: Start says so.
		_, err := logstoretest.Start(context.Background(), logstoretest.Config{Backend: backendDSN(), Relax: logstoretest.RuleSimpleQuery})
		if err == nil || !strings.Contains(err.Error(), "RuleSimpleQuery cannot be relaxed") {
			t.Errorf("Start with RuleSimpleQuery relaxed: error %v, want one saying it cannot be relaxed", err)
		}
	})
}

func TestRuleIgnoreTransactions(t *testing.T) {
	run := func(t *testing.T, s *logstoretest.Server) (rows []string, statusInTx byte) {
		c := connect(t, s)
		execSQL(t, c, "CREATE TABLE t (id text)")
		execSQL(t, c, "INSERT INTO t (id) VALUES ('before')")
		if tag := execSQL(t, c, "BEGIN"); tag != "BEGIN" {
			t.Errorf("BEGIN answered %q", tag)
		}
		execSQL(t, c, "INSERT INTO t (id) VALUES ('inside')")
		statusInTx = c.TxStatus()
		if tag := execSQL(t, c, "ROLLBACK"); tag != "ROLLBACK" {
			t.Errorf("ROLLBACK answered %q", tag)
		}
		return column(t, c, "SELECT id FROM t WHERE __time__ > 0 ORDER BY id LIMIT 10"), statusInTx
	}
	t.Run("Enforced", func(t *testing.T) {
		rows, status := run(t, newServer(t))
		if !slices.Equal(rows, []string{"before", "inside"}) {
			t.Errorf("rows after BEGIN; INSERT; ROLLBACK = %q, want the INSERT kept", rows)
		}
		if status != 'I' {
			t.Errorf("transaction status after BEGIN = %q, want 'I': nothing was started", status)
		}
	})
	t.Run("Relaxed", func(t *testing.T) {
		rows, status := run(t, newServer(t, relax(logstoretest.RuleIgnoreTransactions)))
		if !slices.Equal(rows, []string{"before"}) {
			t.Errorf("rows after BEGIN; INSERT; ROLLBACK = %q, want the INSERT rolled back", rows)
		}
		if status != 'T' {
			t.Errorf("transaction status after BEGIN = %q, want 'T'", status)
		}
	})
}

func TestRuleInsertOnly(t *testing.T) {
	t.Run("Enforced", func(t *testing.T) {
		s := newServer(t)
		c := connect(t, s)
		execSQL(t, c, "CREATE TABLE t (id text, n bigint)")
		execSQL(t, c, "INSERT INTO t (id, n) VALUES ('a', 1), ('b', 2)")
		for _, tt := range []struct{ sql, msg string }{
			{"UPDATE t SET n = 3 WHERE id = 'a'", "logstore: UPDATE is not supported"},
			{"DELETE FROM t WHERE id = 'a'", "logstore: DELETE is not supported"},
			{"TRUNCATE t", "logstore: TRUNCATE is not supported"},
			{"DROP TABLE t", "logstore: DROP TABLE is not supported"},
			{"ALTER TABLE t ADD COLUMN c text", "logstore: ALTER TABLE is not supported"},
			{"MERGE INTO t USING t AS u ON t.id = u.id WHEN MATCHED THEN DELETE", "logstore: MERGE is not supported"},
			{"COPY t TO STDOUT", "logstore: COPY is not supported"},
			{"GRANT SELECT ON t TO PUBLIC", "logstore: GRANT is not supported"},
			{"CREATE INDEX ON t (id)", "logstore: CREATE INDEX is not supported"},
			{"WITH d AS (DELETE FROM t RETURNING *) SELECT * FROM d", "logstore: DELETE inside a subquery"},
			{"SELECT * INTO u FROM t", "logstore: SELECT … INTO is not supported"},
		} {
			refused(t, c, tt.sql, "0A000", tt.msg)
		}
		got := query(t, c, "SELECT id, n FROM t WHERE __time__ > 0 ORDER BY id LIMIT 10")
		if fmt.Sprint(got) != "[[a 1] [b 2]]" {
			t.Errorf("rows after the refusals = %v, want them untouched", got)
		}
	})
	t.Run("Relaxed", func(t *testing.T) {
		s := newServer(t, relax(logstoretest.RuleInsertOnly|logstoretest.RuleTextStorage))
		c := connect(t, s)
		execSQL(t, c, "CREATE TABLE t (id text, n bigint)")
		execSQL(t, c, "INSERT INTO t (id, n) VALUES ('a', 1), ('b', 2), ('c', 3)")
		if tag := execSQL(t, c, "UPDATE t SET n = 10 WHERE id = 'a'"); tag != "UPDATE 1" {
			t.Errorf("UPDATE answered %q", tag)
		}
		if tag := execSQL(t, c, "DELETE FROM t WHERE id = 'b'"); tag != "DELETE 1" {
			t.Errorf("DELETE answered %q", tag)
		}
		if got := query(t, c, "SELECT id, n FROM t WHERE __time__ > 0 ORDER BY id LIMIT 10"); fmt.Sprint(got) != "[[a 10] [c 3]]" {
			t.Errorf("rows after UPDATE and DELETE = %v", got)
		}
		execSQL(t, c, "TRUNCATE t")
		if got := query(t, c, "SELECT count(*) FROM t WHERE __time__ > 0 LIMIT 1"); got[0][0] != "0" {
			t.Errorf("count after TRUNCATE = %s", got[0][0])
		}
		execSQL(t, c, "DROP TABLE t")
		refused(t, c, "SELECT * FROM t LIMIT 1", "42P01", `relation "t" does not exist`)
	})
}

func TestRuleNoConstraints(t *testing.T) {
	t.Run("Enforced", func(t *testing.T) {
		s := newServer(t)
		c := connect(t, s)
		for _, tt := range []struct{ sql, msg string }{
			{"CREATE TABLE k (id text PRIMARY KEY)", "logstore: PRIMARY KEY is not supported"},
			{"CREATE TABLE k (n bigint DEFAULT 0)", "logstore: DEFAULT is not supported"},
			{"CREATE TABLE k (id text UNIQUE)", "logstore: UNIQUE is not supported"},
			{"CREATE TABLE k (id text REFERENCES other (id))", "logstore: REFERENCES is not supported"},
			{"CREATE TABLE k (n bigint CHECK (n > 0))", "logstore: CHECK is not supported"},
			{"CREATE TABLE k (n bigint NOT NULL)", "logstore: NOT NULL is not supported"},
			{"CREATE TABLE k (n serial)", "logstore: SERIAL"},
			{"CREATE TABLE k (a text, PRIMARY KEY (a))", "logstore: PRIMARY is not supported"},
		} {
			refused(t, c, tt.sql, "0A000", tt.msg)
		}
		refused(t, c, "SELECT * FROM k LIMIT 1", "42P01", "does not exist")

		execSQL(t, c, "CREATE TABLE t (id text)")
		refused(t, c, "INSERT INTO t (id) VALUES ('a') RETURNING id", "0A000", "logstore: INSERT … RETURNING is not supported")
		refused(t, c, "INSERT INTO t (id) VALUES ('a') ON CONFLICT DO NOTHING", "0A000", "logstore: INSERT … ON CONFLICT is not supported")
		if got := query(t, c, "SELECT count(*) FROM t WHERE __time__ > 0 LIMIT 1"); got[0][0] != "0" {
			t.Errorf("refused INSERTs left %s rows", got[0][0])
		}
	})
	t.Run("Relaxed", func(t *testing.T) {
		s := newServer(t, relax(logstoretest.RuleNoConstraints|logstoretest.RuleTextStorage))
		c := connect(t, s)
		execSQL(t, c, "CREATE TABLE k (id text PRIMARY KEY, n bigint DEFAULT 7 NOT NULL)")
		if got := query(t, c, "INSERT INTO k (id) VALUES ('a') RETURNING id, n"); fmt.Sprint(got) != "[[a 7]]" {
			t.Errorf("INSERT … RETURNING = %v, want [[a 7]] (the default applied)", got)
		}
		if tag := execSQL(t, c, "INSERT INTO k (id) VALUES ('a') ON CONFLICT DO NOTHING"); tag != "INSERT 0 0" {
			t.Errorf("INSERT … ON CONFLICT DO NOTHING answered %q, want INSERT 0 0", tag)
		}
		refused(t, c, "INSERT INTO k (id) VALUES ('a')", "23505", "duplicate key")
	})
}

func TestRuleFromRequired(t *testing.T) {
	t.Run("Enforced", func(t *testing.T) {
		s := newServer(t)
		c := connect(t, s)
		execSQL(t, c, "CREATE TABLE t (n bigint)")
		for _, sql := range []string{"SELECT 1", "select now()", "SELECT n FROM t WHERE n IN (SELECT 1)"} {
			refused(t, c, sql, "0A000", "logstore: SELECT without FROM is not supported")
		}
		if got := query(t, c, "SELECT count(*) FROM t LIMIT 1"); got[0][0] != "0" {
			t.Errorf("count = %v", got)
		}
	})
	t.Run("Relaxed", func(t *testing.T) {
		c := connect(t, newServer(t, relax(logstoretest.RuleFromRequired)))
		if got := query(t, c, "SELECT 1"); fmt.Sprint(got) != "[[1]]" {
			t.Errorf("SELECT 1 = %v", got)
		}
	})
}

// seedNumbers creates t with rows n = 1…count in one INSERT.
func seedNumbers(t *testing.T, c *pgconn.PgConn, count int) {
	t.Helper()
	execSQL(t, c, "CREATE TABLE t (n bigint)")
	values := make([]string, count)
	for i := range values {
		values[i] = "(" + strconv.Itoa(i+1) + ")"
	}
	if tag := execSQL(t, c, "INSERT INTO t (n) VALUES "+strings.Join(values, ", ")); tag != "INSERT 0 "+strconv.Itoa(count) {
		t.Fatalf("seeding answered %q", tag)
	}
}

func numbers(from, to int) []string {
	var out []string
	for i := from; i <= to; i++ {
		out = append(out, strconv.Itoa(i))
	}
	return out
}

func TestRuleLimitSyntax(t *testing.T) {
	t.Run("Enforced", func(t *testing.T) {
		s := newServer(t)
		c := connect(t, s)
		seedNumbers(t, c, 30)
		refused(t, c, "SELECT n FROM t ORDER BY n LIMIT 10 OFFSET 5", "42601", "logstore: LIMIT … OFFSET is not supported; page with LIMIT offset, count")
		if got := column(t, c, "SELECT n FROM t ORDER BY n LIMIT 5, 10"); !slices.Equal(got, numbers(6, 15)) {
			t.Errorf("LIMIT 5, 10 = %q, want 6…15", got)
		}
		if got := column(t, c, "SELECT n FROM t ORDER BY n LIMIT 0, 10000"); !slices.Equal(got, numbers(1, 30)) {
			t.Errorf("LIMIT 0, 10000 = %q, want 1…30", got)
		}
		refused(t, c, "SELECT n FROM t LIMIT 0, 10001", "22023", "count of at most 10,000")
		refused(t, c, "SELECT n FROM t LIMIT 999991, 10000", "22023", "offset+count of at most 1,000,000")
		refused(t, c, "SELECT n FROM t LIMIT 1000001", "22023", "at most 1,000,000 rows")
		refused(t, c, "SELECT * FROM (SELECT n FROM t ORDER BY n LIMIT 1, 2) s LIMIT 5", "0A000", "inside a subquery")
		if got := column(t, c, "SELECT count(*) FROM t LIMIT 1000000"); !slices.Equal(got, []string{"30"}) {
			t.Errorf("count(*) … LIMIT 1000000 = %q", got)
		}
	})
	t.Run("Relaxed", func(t *testing.T) {
		c := connect(t, newServer(t, relax(logstoretest.RuleLimitSyntax)))
		seedNumbers(t, c, 30)
		if got := column(t, c, "SELECT n FROM t ORDER BY n LIMIT 10 OFFSET 5"); !slices.Equal(got, numbers(6, 15)) {
			t.Errorf("LIMIT 10 OFFSET 5 = %q, want 6…15", got)
		}
		if got := column(t, c, "SELECT * FROM (SELECT n FROM t ORDER BY n LIMIT 1, 20000) s ORDER BY n LIMIT 3"); !slices.Equal(got, numbers(2, 4)) {
			t.Errorf("paging in a subquery = %q, want 2…4", got)
		}
	})
}

func TestRuleRowCap(t *testing.T) {
	t.Run("Enforced", func(t *testing.T) {
		c := connect(t, newServer(t))
		seedNumbers(t, c, 150)
		rs, err := results(c, "SELECT n FROM t ORDER BY n")
		if err != nil {
			t.Fatal(err)
		}
		if got := column(t, c, "SELECT n FROM t ORDER BY n"); !slices.Equal(got, numbers(1, 100)) {
			t.Errorf("SELECT without LIMIT returned %d rows, want the first 100", len(got))
		}
		if tag := rs[0].CommandTag.String(); tag != "SELECT 100" {
			t.Errorf("command tag = %q, want SELECT 100", tag)
		}
		if got := column(t, c, "WITH x AS (SELECT n FROM t) SELECT n FROM x"); len(got) != 100 {
			t.Errorf("WITH … SELECT without LIMIT returned %d rows, want 100", len(got))
		}
		if got := column(t, c, "SELECT n FROM t ORDER BY n LIMIT 1000"); !slices.Equal(got, numbers(1, 150)) {
			t.Errorf("LIMIT 1000 returned %d rows, want 150", len(got))
		}
		if got := column(t, c, "SELECT count(*) FROM t"); !slices.Equal(got, []string{"150"}) {
			t.Errorf("count(*) = %q", got)
		}
	})
	t.Run("Relaxed", func(t *testing.T) {
		c := connect(t, newServer(t, relax(logstoretest.RuleRowCap)))
		seedNumbers(t, c, 150)
		if got := column(t, c, "SELECT n FROM t ORDER BY n"); len(got) != 150 {
			t.Errorf("SELECT without LIMIT returned %d rows, want 150", len(got))
		}
	})
	t.Run("Configured", func(t *testing.T) {
		c := connect(t, newServer(t, func(cfg *logstoretest.Config) { cfg.RowCap = 7 }))
		seedNumbers(t, c, 10)
		if got := column(t, c, "SELECT n FROM t ORDER BY n"); !slices.Equal(got, numbers(1, 7)) {
			t.Errorf("SELECT with RowCap 7 = %q", got)
		}
	})
}

func TestRuleTimeWindow(t *testing.T) {
	t.Run("Enforced", func(t *testing.T) {
		clk := newClock()
		s := newServer(t, withClock(clk))
		c := connect(t, s)
		execSQL(t, c, "CREATE TABLE t (id text)")
		execSQL(t, c, "INSERT INTO t (id) VALUES ('old')")
		start := clk.Now().Unix()
		clk.Advance(15*time.Minute + time.Second)
		execSQL(t, c, "INSERT INTO t (id) VALUES ('new')")

		for _, sql := range []string{
			"SELECT id FROM t ORDER BY id LIMIT 10",
			"SELECT id FROM t WHERE id <> '__time__' ORDER BY id LIMIT 10",
			"SELECT id FROM t /* __time__ */ ORDER BY id LIMIT 10 -- __time__",
		} {
			if got := column(t, c, sql); !slices.Equal(got, []string{"new"}) {
				t.Errorf("%s = %q, want only the row inside the window", sql, got)
			}
		}
		for _, sql := range []string{
			"SELECT id FROM t WHERE __time__ > 0 ORDER BY id LIMIT 10",
			`SELECT id FROM t WHERE "__time__" >= 0 ORDER BY id LIMIT 10`,
		} {
			if got := column(t, c, sql); !slices.Equal(got, []string{"new", "old"}) {
				t.Errorf("%s = %q, want both rows", sql, got)
			}
		}
		got := query(t, c, "SELECT id, __time__ FROM t WHERE __time__ > 0 ORDER BY id LIMIT 10")
		want := fmt.Sprint([][]string{{"new", strconv.FormatInt(start+15*60+1, 10)}, {"old", strconv.FormatInt(start, 10)}})
		if fmt.Sprint(got) != want {
			t.Errorf("__time__ = %v, want the clock at each INSERT: %v", got, want)
		}
	})
	t.Run("AgedThroughSchema", func(t *testing.T) {
		s := newServer(t)
		c := connect(t, s)
		execSQL(t, c, "CREATE TABLE t (id text)")
		execSQL(t, c, "INSERT INTO t (id) VALUES ('a'), ('b')")
		execSQL(t, backend(t), fmt.Sprintf(`UPDATE %q."t__rows" SET __time__ = __time__ - 3600 WHERE id = 'a'`, s.Schema()))
		if got := column(t, c, "SELECT id FROM t ORDER BY id LIMIT 10"); !slices.Equal(got, []string{"b"}) {
			t.Errorf("without __time__: %q, want the aged row missing", got)
		}
		if got := column(t, c, "SELECT id FROM t WHERE __time__ > 0 ORDER BY id LIMIT 10"); !slices.Equal(got, []string{"a", "b"}) {
			t.Errorf("with __time__ > 0: %q, want both rows", got)
		}
	})
	t.Run("Relaxed", func(t *testing.T) {
		clk := newClock()
		c := connect(t, newServer(t, withClock(clk), relax(logstoretest.RuleTimeWindow)))
		execSQL(t, c, "CREATE TABLE t (id text)")
		execSQL(t, c, "INSERT INTO t (id) VALUES ('old')")
		clk.Advance(24 * time.Hour)
		if got := column(t, c, "SELECT id FROM t LIMIT 10"); !slices.Equal(got, []string{"old"}) {
			t.Errorf("without __time__, relaxed: %q, want the old row", got)
		}
	})
}

func TestVisibilityDelay(t *testing.T) {
	clk := newClock()
	c := connect(t, newServer(t, withClock(clk), func(cfg *logstoretest.Config) { cfg.VisibilityDelay = 3 * time.Second }))
	execSQL(t, c, "CREATE TABLE t (id text)")
	execSQL(t, c, "INSERT INTO t (id) VALUES ('a')")
	const sql = "SELECT id FROM t WHERE __time__ > 0 LIMIT 10"
	if got := column(t, c, sql); len(got) != 0 {
		t.Errorf("right after the INSERT: %q, want nothing yet", got)
	}
	clk.Advance(3*time.Second - time.Millisecond)
	if got := column(t, c, sql); len(got) != 0 {
		t.Errorf("1 ms before the delay ends: %q, want nothing yet", got)
	}
	clk.Advance(time.Millisecond)
	if got := column(t, c, sql); !slices.Equal(got, []string{"a"}) {
		t.Errorf("when the delay ends: %q, want the row", got)
	}

	// Without a delay (the default), a row is readable at once.
	c2 := connect(t, newServer(t, withClock(clk)))
	execSQL(t, c2, "CREATE TABLE t (id text)")
	execSQL(t, c2, "INSERT INTO t (id) VALUES ('a')")
	if got := column(t, c2, sql); !slices.Equal(got, []string{"a"}) {
		t.Errorf("without a delay: %q, want the row", got)
	}
}

func TestRuleSingleStatement(t *testing.T) {
	t.Run("Enforced", func(t *testing.T) {
		c := connect(t, newServer(t))
		execSQL(t, c, "CREATE TABLE t (n bigint);")
		refused(t, c, "INSERT INTO t (n) VALUES (1); INSERT INTO t (n) VALUES (2)", "0A000", "logstore: one Query message holds 2 statements")
		execSQL(t, c, "INSERT INTO t (n) VALUES (3); -- one statement and a comment")
		if got := column(t, c, "SELECT n FROM t WHERE __time__ > 0 LIMIT 10"); !slices.Equal(got, []string{"3"}) {
			t.Errorf("rows = %q, want only the single statement's", got)
		}
	})
	t.Run("Relaxed", func(t *testing.T) {
		c := connect(t, newServer(t, relax(logstoretest.RuleSingleStatement)))
		execSQL(t, c, "CREATE TABLE t (n bigint)")
		rs, err := results(c, "INSERT INTO t (n) VALUES (1); INSERT INTO t (n) VALUES (2); SELECT n FROM t ORDER BY n")
		if err != nil {
			t.Fatal(err)
		}
		if len(rs) != 3 || fmt.Sprint(texts(rs[2])) != "[[1] [2]]" {
			t.Errorf("three statements gave %d results, last %v", len(rs), texts(rs[len(rs)-1]))
		}
		// The other rules still apply to each statement, and a refusal
		// stops the whole message.
		refused(t, c, "INSERT INTO t (n) VALUES (9); UPDATE t SET n = 0", "0A000", "UPDATE is not supported")
		if got := column(t, c, "SELECT n FROM t ORDER BY n"); !slices.Equal(got, []string{"1", "2"}) {
			t.Errorf("rows = %q, want the refused message to have changed nothing", got)
		}
	})
}

// TestTimeWindowLogged: with Logf set, a read that does not mention
// __time__ logs how many rows of each table it reads the window hid.
func TestTimeWindowLogged(t *testing.T) {
	clk := newClock()
	var mu sync.Mutex
	var logs []string
	logf := func(cfg *logstoretest.Config) {
		cfg.Logf = func(format string, args ...any) {
			mu.Lock()
			defer mu.Unlock()
			logs = append(logs, fmt.Sprintf(format, args...))
		}
	}
	c := connect(t, newServer(t, withClock(clk), logf))
	execSQL(t, c, "CREATE TABLE t (id text)")
	execSQL(t, c, "CREATE TABLE u (id text)")
	execSQL(t, c, "INSERT INTO t (id) VALUES ('old1'), ('old2')")
	execSQL(t, c, "INSERT INTO u (id) VALUES ('old')")
	clk.Advance(time.Hour)
	execSQL(t, c, "INSERT INTO t (id) VALUES ('new')")
	taken := func() []string {
		mu.Lock()
		defer mu.Unlock()
		out := logs
		logs = nil
		return out
	}
	taken()
	if got := column(t, c, "SELECT id FROM t LIMIT 10"); !slices.Equal(got, []string{"new"}) {
		t.Fatalf("without __time__: %q, want the new row only", got)
	}
	want := `logstoretest: time window: 2 row(s) of t older than 15m0s were hidden from "SELECT id FROM t LIMIT 10", which does not mention __time__`
	if got := taken(); len(got) != 1 || got[0] != want {
		t.Errorf("logged %q, want %q", got, want)
	}
	// Each table it reads; none when __time__ is mentioned.
	column(t, c, "SELECT t.id FROM t JOIN u ON u.id = t.id LIMIT 10")
	if got := taken(); len(got) != 2 || !strings.Contains(got[0], "2 row(s) of t ") || !strings.Contains(got[1], "1 row(s) of u ") {
		t.Errorf("join logged %q", got)
	}
	column(t, c, "SELECT id FROM t WHERE __time__ > 0 LIMIT 10")
	if got := taken(); len(got) != 0 {
		t.Errorf("with __time__, logged %q", got)
	}
}
