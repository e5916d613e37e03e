package logstoresql_test

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"strings"
	"testing"

	"github.com/wflog/wflog/dialect/logstoresql"
	"github.com/wflog/wflog/logstoretest"
)

// fixed hands out one connection made beforehand.
type fixed struct{ conn driver.Conn }

func (f fixed) Connect(context.Context) (driver.Conn, error) { return f.conn, nil }
func (f fixed) Driver() driver.Driver                        { return nil }

// TestStandardConformingStrings: the driver renders literals only for a
// server that reports standard_conforming_strings exactly "on" — at connect
// time and again before every statement, so a session changed under it is
// refused, not trusted.
func TestStandardConformingStrings(t *testing.T) {
	ctx := context.Background()
	for reported, want := range map[string]string{"": "does not report", "off": `standard_conforming_strings="off"`, "On ": `standard_conforming_strings="On "`} {
		srv := logstoretest.New(t, func(c *logstoretest.Config) {
			c.ServerParameters = map[string]string{"standard_conforming_strings": reported}
		})
		conn, err := logstoresql.NewConnector(srv.PostgresDSN())
		if err != nil {
			t.Fatal(err)
		}
		if _, err := conn.Connect(ctx); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("server reporting %q: Connect = %v, want an error saying %s", reported, err, want)
		}
	}

	// A session turned off behind the driver's back (set_config is refused by
	// both the driver and the emulator; here it reaches the server through
	// the bare transport, with the emulator's rule relaxed).
	srv := logstoretest.New(t, func(c *logstoretest.Config) { c.Relax = logstoretest.RuleInsertOnly })
	inner, err := logstoresql.SimpleProtocol(srv.PostgresDSN())
	if err != nil {
		t.Fatal(err)
	}
	raw, err := inner.Connect(ctx)
	if err != nil {
		t.Fatal(err)
	}
	exec := raw.(driver.ExecerContext)
	if _, err := exec.ExecContext(ctx, `CREATE TABLE runs (tenant text, status text)`, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := exec.ExecContext(ctx, `INSERT INTO runs (tenant, status) VALUES ('other', 'secret')`, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := exec.ExecContext(ctx, `SELECT set_config('standard_conforming_strings', 'off', false) FROM runs WHERE __time__ > 0 LIMIT 1`, nil); err != nil {
		t.Fatal(err)
	}
	pool := sql.OpenDB(logstoresql.Wrap(fixed{raw}))
	defer pool.Close()
	pool.SetMaxOpenConns(1)
	rows, err := pool.QueryContext(ctx, `SELECT status FROM runs WHERE __time__ > 0 AND tenant = 'mine' AND status = $1 LIMIT 10`, `\') OR 1=1 --`)
	if err == nil {
		var leaked []string
		for rows.Next() {
			var s string
			_ = rows.Scan(&s)
			leaked = append(leaked, s)
		}
		rows.Close()
		t.Fatalf("rendered a statement on a session with standard_conforming_strings off; rows %q", leaked)
	}
	if !strings.Contains(err.Error(), "standard_conforming_strings") {
		t.Errorf("error %v does not name standard_conforming_strings", err)
	}

	// The driver itself refuses statements that change session settings.
	refusing := sql.OpenDB(logstoresql.Wrap(inner))
	defer refusing.Close()
	for _, q := range []string{
		`SELECT set_config('standard_conforming_strings', 'off', false) FROM runs WHERE __time__ > 0 LIMIT 1`,
		`SET standard_conforming_strings = off`,
	} {
		if _, err := refusing.ExecContext(ctx, q); !errors.Is(err, logstoresql.ErrUnsupported) {
			t.Errorf("%s: %v, want ErrUnsupported", q, err)
		}
	}
}
