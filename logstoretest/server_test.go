package logstoretest_test

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/wflog/wflog/logstoretest"
)

func TestDSN(t *testing.T) {
	s := newServer(t, func(c *logstoretest.Config) {
		c.AccessKeyID = "LTAI:id@x"
		c.AccessKeySecret = "s/e c:r@e?t#"
		c.Project = "my-project"
	})
	for _, tt := range []struct{ dsn, scheme string }{{s.DSN(), "logstore"}, {s.PostgresDSN(), "postgresql"}} {
		u, err := url.Parse(tt.dsn)
		if err != nil {
			t.Fatalf("parse %q: %v", tt.dsn, err)
		}
		pw, _ := u.User.Password()
		if u.Scheme != tt.scheme || u.User.Username() != "LTAI:id@x" || pw != "s/e c:r@e?t#" ||
			u.Host != s.Addr() || u.Path != "/my-project" || u.Query().Get("sslmode") != "disable" {
			t.Errorf("DSN %q does not round-trip the configuration", tt.dsn)
		}
	}
	// The escaped AccessKey pair authenticates.
	c := connect(t, s)
	execSQL(t, c, "CREATE TABLE t (a text)")
}

func TestStartup(t *testing.T) {
	s := newServer(t)
	ctx := context.Background()
	dsn := func(user, password, database string) string {
		u, _ := url.Parse(s.PostgresDSN())
		u.User = url.UserPassword(user, password)
		u.Path = "/" + database
		return u.String()
	}

	t.Run("OK", func(t *testing.T) {
		c := connect(t, s)
		for name, want := range map[string]string{
			"server_version":              "14.0 (LogStore emulator)",
			"standard_conforming_strings": "on",
			"client_encoding":             "UTF8",
			"server_encoding":             "UTF8",
			"TimeZone":                    "UTC",
			"integer_datetimes":           "on",
		} {
			if got := c.ParameterStatus(name); got != want {
				t.Errorf("ParameterStatus(%q) = %q, want %q", name, got, want)
			}
		}
		if c.PID() == 0 || c.TxStatus() != 'I' {
			t.Errorf("PID %d, TxStatus %q; want a process ID and 'I'", c.PID(), c.TxStatus())
		}
	})
	t.Run("WrongSecret", func(t *testing.T) {
		_, err := pgconn.Connect(ctx, dsn(logstoretest.DefaultAccessKeyID, "not-the-secret", "wflog"))
		pgErr := wantPgError(t, "connect with a wrong secret", err, "28P01", "logstore: the AccessKey pair was rejected")
		if strings.Contains(pgErr.Message, "not-the-secret") || strings.Contains(pgErr.Message, logstoretest.DefaultAccessKeySecret) {
			t.Errorf("the error %q echoes a secret", pgErr.Message)
		}
	})
	t.Run("WrongAccessKeyID", func(t *testing.T) {
		_, err := pgconn.Connect(ctx, dsn("someone-else", logstoretest.DefaultAccessKeySecret, "wflog"))
		wantPgError(t, "connect with a wrong AccessKeyID", err, "28P01", `AccessKeyID "someone-else"`)
	})
	t.Run("WrongProject", func(t *testing.T) {
		_, err := pgconn.Connect(ctx, dsn(logstoretest.DefaultAccessKeyID, logstoretest.DefaultAccessKeySecret, "postgres"))
		wantPgError(t, "connect to another database", err, "3D000", `logstore: project "postgres" does not exist; connect to database "wflog"`)
	})
	t.Run("Protocol32", func(t *testing.T) {
		// A client asking for protocol 3.2 is told to use 3.0.
		cfg, err := pgconn.ParseConfig(s.PostgresDSN() + "&max_protocol_version=3.2")
		if err != nil {
			t.Fatal(err)
		}
		c, err := pgconn.ConnectConfig(ctx, cfg)
		if err != nil {
			t.Fatalf("connect asking for protocol 3.2: %v", err)
		}
		defer c.Close(ctx)
		execSQL(t, c, "CREATE TABLE p (a text)")
	})
}

func TestEmptyQuery(t *testing.T) {
	c := connect(t, newServer(t))
	for _, sql := range []string{"", " ; ", "-- nothing"} {
		rs, err := results(c, sql)
		if err != nil || len(rs) != 1 || rs[0].CommandTag.String() != "" || len(rs[0].Rows) != 0 {
			t.Errorf("%q: %d results, %v; want one empty result", sql, len(rs), err)
		}
	}
}

func TestBackendErrorsAreForwarded(t *testing.T) {
	// With text storage 'x' would be stored as text; typed columns show
	// PostgreSQL's own error reaching the client.
	c := connect(t, newServer(t, relax(logstoretest.RuleTextStorage)))
	execSQL(t, c, "CREATE TABLE t (n bigint)")
	refused(t, c, "SELECT nope FROM t LIMIT 1", "42703", `column "nope" does not exist`)
	refused(t, c, "INSERT INTO t (n) VALUES ('x')", "22P02", "invalid input syntax")
	refused(t, c, "CREATE TABLE t (n bigint)", "42P07", `relation "t" already exists`)
	refused(t, c, "CREATE TABLE u (n no_such_type)", "42704", `type "no_such_type" does not exist`)
	// The connection survives every error.
	if got := column(t, c, "SELECT count(*) FROM t"); !slices.Equal(got, []string{"0"}) {
		t.Errorf("count = %q", got)
	}
}

func TestCreateTableIfNotExists(t *testing.T) {
	s := newServer(t)
	c := connect(t, s)
	for range 2 {
		for _, sql := range []string{librarySchemaRuns, librarySchemaNodes} {
			if tag := execSQL(t, c, sql); tag != "CREATE TABLE" {
				t.Errorf("%.40s… answered %q", sql, tag)
			}
		}
	}
	// The view shows the user's columns and __time__, in order.
	execSQL(t, c, `INSERT INTO workflow_node_executions ("id", "index") VALUES ('n1', 3)`)
	rs, err := results(c, `SELECT * FROM workflow_node_executions LIMIT 1`)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range rs[0].FieldDescriptions {
		names = append(names, f.Name)
	}
	if len(names) != 25 || names[7] != "index" || names[24] != "__time__" {
		t.Errorf("columns of workflow_node_executions = %q", names)
	}
	// Concurrent IF NOT EXISTS from many connections all succeed.
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			pc, err := pgconn.Connect(context.Background(), s.PostgresDSN())
			if err != nil {
				errs <- err
				return
			}
			defer pc.Close(context.Background())
			_, err = pc.Exec(context.Background(), "CREATE TABLE IF NOT EXISTS concurrent (a text)").ReadAll()
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("concurrent CREATE TABLE IF NOT EXISTS: %v", err)
		}
	}
	// Behind the view: the rows table, the trigger's bookkeeping column.
	rows := column(t, backend(t), fmt.Sprintf(
		"SELECT column_name FROM information_schema.columns WHERE table_schema = '%s' AND table_name = 'concurrent__rows' ORDER BY ordinal_position", s.Schema()))
	if !slices.Equal(rows, []string{"a", "__time__", "__receive_ms__"}) {
		t.Errorf("columns of concurrent__rows = %q", rows)
	}
}

const (
	librarySchemaRuns  = `CREATE TABLE IF NOT EXISTS workflow_runs (id text, version bigint, tenant_id text, app_id text, workflow_id text, type text, triggered_from text, workflow_version text, graph text, inputs text, outputs text, status text, error text, elapsed_time double precision, total_tokens bigint, total_steps bigint, exceptions_count bigint, created_by_role text, created_by text, created_at text, finished_at text)`
	librarySchemaNodes = `CREATE TABLE IF NOT EXISTS workflow_node_executions (id text, version bigint, tenant_id text, app_id text, workflow_id text, triggered_from text, workflow_run_id text, "index" bigint, predecessor_node_id text, node_execution_id text, node_id text, node_type text, title text, inputs text, process_data text, outputs text, execution_metadata text, status text, error text, elapsed_time double precision, created_by_role text, created_by text, created_at text, finished_at text)`
)

func TestLibraryQueries(t *testing.T) {
	c := connect(t, newServer(t))
	execSQL(t, c, librarySchemaRuns)
	// 40 runs of app x, each in two versions (the second one finished), and
	// one run of another app.
	var values []string
	for i := range 40 {
		id := fmt.Sprintf("run-%02d", i)
		created := fmt.Sprintf("2026-11-26T08:%02d:00.000000Z", i)
		values = append(values,
			fmt.Sprintf("('%s',1764144000000000001,'x','running','%s')", id, created),
			fmt.Sprintf("('%s',1764144000000000002,'x','succeeded','%s')", id, created))
	}
	values = append(values, "('other',1,'y','running','2026-11-26T09:00:00.000000Z')")
	execSQL(t, c, `INSERT INTO "workflow_runs" ("id","version","app_id","status","created_at") VALUES `+strings.Join(values, ","))

	page := column(t, c, `SELECT * FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY "id" ORDER BY "version" DESC) AS "wflog_rn" FROM "workflow_runs" WHERE __time__ > 0 AND "workflow_runs"."app_id" = 'x') AS "workflow_runs" WHERE "workflow_runs"."wflog_rn" = 1 AND __time__ > 0 ORDER BY "workflow_runs"."created_at" DESC LIMIT 20, 10`)
	var want []string
	for i := 19; i >= 10; i-- {
		want = append(want, fmt.Sprintf("run-%02d", i))
	}
	if !slices.Equal(page, want) {
		t.Errorf("third page = %q, want %q", page, want)
	}
	statuses := column(t, c, `SELECT DISTINCT "status" FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY "id" ORDER BY "version" DESC) AS "wflog_rn" FROM "workflow_runs" WHERE __time__ > 0 AND "app_id" = 'x') AS r WHERE "wflog_rn" = 1 AND __time__ > 0 LIMIT 10`)
	if !slices.Equal(statuses, []string{"succeeded"}) {
		t.Errorf("latest versions' statuses = %q, want only succeeded", statuses)
	}
	if got := column(t, c, `SELECT count(*) FROM "workflow_runs" WHERE __time__ > 0 AND "app_id" = 'x' LIMIT 1000000`); !slices.Equal(got, []string{"80"}) {
		t.Errorf("count(*) = %q, want 80", got)
	}
}

func TestTLS(t *testing.T) {
	tlsConfig, err := logstoretest.SelfSignedTLS()
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	t.Run("Offered", func(t *testing.T) {
		s := newServer(t, func(c *logstoretest.Config) { c.TLS = tlsConfig })
		if !strings.HasSuffix(s.DSN(), "sslmode=require") || !strings.HasSuffix(s.PostgresDSN(), "sslmode=require") {
			t.Errorf("DSNs %q and %q do not ask for TLS", s.DSN(), s.PostgresDSN())
		}
		c := connect(t, s)
		if _, ok := c.Conn().(*tls.Conn); !ok {
			t.Errorf("connection is %T, want *tls.Conn", c.Conn())
		}
		execSQL(t, c, "CREATE TABLE t (a text)")
		execSQL(t, c, "INSERT INTO t (a) VALUES ('over TLS')")
		if got := column(t, c, "SELECT a FROM t LIMIT 1"); !slices.Equal(got, []string{"over TLS"}) {
			t.Errorf("rows = %q", got)
		}
		// Plaintext is still accepted unless TLS is required.
		plain, err := pgconn.Connect(ctx, strings.Replace(s.PostgresDSN(), "sslmode=require", "sslmode=disable", 1))
		if err != nil {
			t.Fatalf("plaintext connection: %v", err)
		}
		plain.Close(ctx)
	})
	t.Run("Required", func(t *testing.T) {
		s := newServer(t, func(c *logstoretest.Config) { c.TLS = tlsConfig; c.RequireTLS = true })
		_, err := pgconn.Connect(ctx, strings.Replace(s.PostgresDSN(), "sslmode=require", "sslmode=disable", 1))
		wantPgError(t, "plaintext connection", err, "28000", "logstore: this server accepts only TLS connections; connect with sslmode=require")
		c := connect(t, s)
		execSQL(t, c, "CREATE TABLE t (a text)")
	})
	t.Run("NotOffered", func(t *testing.T) {
		s := newServer(t)
		_, err := pgconn.Connect(ctx, strings.Replace(s.PostgresDSN(), "sslmode=disable", "sslmode=require", 1))
		if err == nil || !strings.Contains(err.Error(), "server refused TLS connection") {
			t.Errorf("sslmode=require without Config.TLS: error %v, want a refused TLS connection", err)
		}
	})
	t.Run("RequireWithoutTLS", func(t *testing.T) {
		_, err := logstoretest.Start(ctx, logstoretest.Config{Backend: backendDSN(), RequireTLS: true})
		if err == nil || !strings.Contains(err.Error(), "RequireTLS needs Config.TLS") {
			t.Errorf("Start with RequireTLS and no TLS: error %v", err)
		}
	})
}

func TestStartErrors(t *testing.T) {
	ctx := context.Background()
	if _, err := logstoretest.Start(ctx, logstoretest.Config{}); err == nil || !strings.Contains(err.Error(), "Config.Backend is empty") {
		t.Errorf("Start without Backend: error %v", err)
	}
	if _, err := logstoretest.Start(ctx, logstoretest.Config{Backend: backendDSN(), RowCap: -1}); err == nil || !strings.Contains(err.Error(), "must not be negative") {
		t.Errorf("Start with a negative RowCap: error %v", err)
	}
	// Nothing listens on port 1: the error is a *BackendUnavailableError
	// that does not show the password.
	_, err := logstoretest.Start(ctx, logstoretest.Config{Backend: "postgres://u:hunter2@127.0.0.1:1/db?sslmode=disable&connect_timeout=5"})
	var unavailable *logstoretest.BackendUnavailableError
	if !errors.As(err, &unavailable) || strings.Contains(err.Error(), "hunter2") || !strings.Contains(err.Error(), "u:xxxxx@127.0.0.1:1") {
		t.Errorf("Start with an unreachable backend: error %v, want a redacted *BackendUnavailableError", err)
	}
}

func TestRedactDSN(t *testing.T) {
	for in, want := range map[string]string{
		"postgres://u:secret@h:5432/db?sslmode=disable": "postgres://u:xxxxx@h:5432/db?sslmode=disable",
		"postgres://u@h/db":                             "postgres://u@h/db",
		"host=h user=u password=secret dbname=db":       "host=h user=u password=xxxxx dbname=db",
		"host=h password='se cret' dbname=db":           "host=h password=xxxxx dbname=db",
	} {
		if got := logstoretest.RedactDSN(in); got != want {
			t.Errorf("RedactDSN(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestConcurrentClients(t *testing.T) {
	s := newServer(t)
	execSQL(t, connect(t, s), "CREATE TABLE t (client bigint, n bigint)")
	const clients, rows = 16, 20
	var wg sync.WaitGroup
	errs := make(chan error, clients)
	for i := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- func() error {
				ctx := context.Background()
				c, err := pgconn.Connect(ctx, s.PostgresDSN())
				if err != nil {
					return err
				}
				defer c.Close(ctx)
				for n := range rows {
					if _, err := c.Exec(ctx, fmt.Sprintf("INSERT INTO t (client, n) VALUES (%d, %d)", i, n)).ReadAll(); err != nil {
						return err
					}
				}
				rs, err := c.Exec(ctx, fmt.Sprintf("SELECT count(*) FROM t WHERE client = %d", i)).ReadAll()
				if err != nil {
					return err
				}
				if got := string(rs[0].Rows[0][0]); got != fmt.Sprint(rows) {
					return fmt.Errorf("client %d counts %s rows, want %d", i, got, rows)
				}
				return nil
			}()
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	if got := column(t, connect(t, s), "SELECT count(*) FROM t"); !slices.Equal(got, []string{fmt.Sprint(clients * rows)}) {
		t.Errorf("total rows = %q, want %d", got, clients*rows)
	}
}

// waitForSleep waits until a backend session of s runs pg_sleep.
func waitForSleep(t *testing.T, s *logstoretest.Server) {
	t.Helper()
	b := backend(t)
	sql := fmt.Sprintf("SELECT count(*) FROM pg_stat_activity WHERE application_name = 'logstore-emulator %s' AND state = 'active' AND query LIKE '%%pg_sleep%%'", s.Schema())
	for range 3000 {
		if got := query(t, b, sql); got[0][0] != "0" {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatal("the pg_sleep query never started in the backend")
}

func TestSlowQueryDoesNotStallOthers(t *testing.T) {
	s := newServer(t)
	ctx := context.Background()
	fast := connect(t, s)
	execSQL(t, fast, "CREATE TABLE t (n bigint)")
	execSQL(t, fast, "INSERT INTO t (n) VALUES (1)")

	slow := connect(t, s)
	done := make(chan error, 1)
	go func() {
		_, err := slow.Exec(ctx, "SELECT pg_sleep(60) FROM t").ReadAll()
		done <- err
	}()
	waitForSleep(t, s)

	// While the slow statement sleeps, another connection is served.
	if got := column(t, fast, "SELECT n FROM t LIMIT 1"); !slices.Equal(got, []string{"1"}) {
		t.Errorf("fast query = %q", got)
	}
	select {
	case err := <-done:
		t.Fatalf("the slow query ended before it was cancelled: %v", err)
	default:
	}

	// A CancelRequest reaches the backend session.
	if err := slow.CancelRequest(ctx); err != nil {
		t.Fatalf("CancelRequest: %v", err)
	}
	wantPgError(t, "cancelled pg_sleep", <-done, "57014", "canceling statement due to user request")
	if got := column(t, slow, "SELECT n FROM t LIMIT 1"); !slices.Equal(got, []string{"1"}) {
		t.Errorf("query after the cancel = %q", got)
	}
}

func TestCloseWithClients(t *testing.T) {
	s, err := logstoretest.Start(context.Background(), logstoretest.Config{Backend: backendDSN()})
	if err != nil {
		var unavailable *logstoretest.BackendUnavailableError
		if errors.As(err, &unavailable) {
			t.Skip(err)
		}
		t.Fatal(err)
	}
	ctx := context.Background()
	idle := connect(t, s)
	execSQL(t, idle, "CREATE TABLE t (n bigint)")
	execSQL(t, idle, "INSERT INTO t (n) VALUES (1)")
	busy := connect(t, s)
	done := make(chan error, 1)
	go func() {
		_, err := busy.Exec(ctx, "SELECT pg_sleep(60) FROM t").ReadAll()
		done <- err
	}()
	waitForSleep(t, s)

	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := <-done; err == nil {
		t.Error("the running query succeeded after Close")
	}
	if _, err := results(idle, "SELECT n FROM t LIMIT 1"); err == nil {
		t.Error("an idle client could still query after Close")
	}
	if schemaExists(t, s.Schema()) {
		t.Errorf("schema %s still exists after Close", s.Schema())
	}
	if _, err := pgconn.Connect(ctx, s.PostgresDSN()); err == nil {
		t.Error("a new client connected after Close")
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}
