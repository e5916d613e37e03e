package logstoretest_test

import (
	"testing"

	"github.com/wflog/wflog/logstoretest"
)

// TestSessionSettingsRefused: no statement changes the session — SET is not
// a LogStore statement, and set_config() is refused wherever it appears.
func TestSessionSettingsRefused(t *testing.T) {
	c := connect(t, newServer(t))
	execSQL(t, c, "CREATE TABLE t (id text)")
	refused(t, c, "SET standard_conforming_strings = off", "0A000", "SET is not supported")
	refused(t, c, "SELECT set_config('standard_conforming_strings', 'off', false) FROM t WHERE __time__ > 0 LIMIT 1", "0A000", "set_config() is not supported")
	refused(t, c, `SELECT id FROM t WHERE __time__ > 0 AND pg_catalog."set_config"('a.b', 'c', false) = 'c' LIMIT 1`, "0A000", "set_config() is not supported")
	if got := c.ParameterStatus("standard_conforming_strings"); got != "on" {
		t.Errorf("standard_conforming_strings = %q after refused statements, want on", got)
	}
}

// TestServerParameters: a test can make the server report other run-time
// parameters, or none.
func TestServerParameters(t *testing.T) {
	c := connect(t, newServer(t, func(cfg *logstoretest.Config) {
		cfg.ServerParameters = map[string]string{"standard_conforming_strings": "", "client_encoding": "SQL_ASCII"}
	}))
	if got := c.ParameterStatus("standard_conforming_strings"); got != "" {
		t.Errorf("standard_conforming_strings = %q, want it not reported", got)
	}
	if got := c.ParameterStatus("client_encoding"); got != "SQL_ASCII" {
		t.Errorf("client_encoding = %q, want SQL_ASCII", got)
	}
}

// TestRuleNoPositions: GROUP BY and ORDER BY take a field or an alias, not
// a position; relaxed, PostgreSQL's positions work.
func TestRuleNoPositions(t *testing.T) {
	c := connect(t, newServer(t))
	execSQL(t, c, "CREATE TABLE t (a text, n bigint)")
	execSQL(t, c, "INSERT INTO t (a, n) VALUES ('x', '1'), ('x', '2'), ('y', '3')")
	refused(t, c, "SELECT a, count(*) FROM t WHERE __time__ > 0 GROUP BY 1 LIMIT 10", "0A000", "GROUP BY 1 (a column position) is not supported")
	refused(t, c, "SELECT a FROM t WHERE __time__ > 0 ORDER BY 1 DESC LIMIT 10", "0A000", "ORDER BY 1 (a column position) is not supported")
	if got := column(t, c, `SELECT a AS k FROM t WHERE __time__ > 0 GROUP BY k ORDER BY k DESC LIMIT 10`); len(got) != 2 || got[0] != "y" {
		t.Errorf("GROUP BY an alias: %q", got)
	}
	relaxed := connect(t, newServer(t, relax(logstoretest.RuleNoPositions)))
	execSQL(t, relaxed, "CREATE TABLE t (a text)")
	execSQL(t, relaxed, "SELECT a, count(*) FROM t WHERE __time__ > 0 GROUP BY 1 LIMIT 10")
}
