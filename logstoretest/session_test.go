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
