package logstoretest_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/wflog/wflog/logstoretest"
)

// TestRuleTextStorage: every field is stored as a string and NULL as the empty string;
// what SQL reads is typed by the field index.
func TestRuleTextStorage(t *testing.T) {
	t.Run("Enforced", func(t *testing.T) {
		s := newServer(t)
		c := connect(t, s)
		execSQL(t, c, "CREATE TABLE t (id text, n bigint, x double precision, at text)")
		execSQL(t, c, "INSERT INTO t (id, n, x, at) VALUES ('a', '42', '0.5', NULL)")
		execSQL(t, c, "INSERT INTO t (id, n, x, at) VALUES ('b', '', 'abc', '')")
		execSQL(t, c, "INSERT INTO t (id, n, x, at) VALUES ('c', 7, 1e-05, '2026-11-26T08:00:00.000000Z')")
		// Stored: text, NULL as ''.
		stored := query(t, backend(t), fmt.Sprintf(`SELECT id, n, x, at, pg_typeof(n)::text FROM %q."t__rows" ORDER BY id`, s.Schema()))
		if want := "[[a 42 0.5  text] [b  abc  text] [c 7 0.00001 2026-11-26T08:00:00.000000Z text]]"; fmt.Sprint(stored) != want {
			t.Errorf("stored %v\nwant   %v", stored, want)
		}
		// Read: long and double typed, text that is not a number is NULL.
		got := query(t, c, `SELECT id, coalesce(n::text, 'NULL'), coalesce(x::text, 'NULL'), at = '', typeof(n), typeof(x), typeof(at) FROM t WHERE __time__ > 0 ORDER BY id LIMIT 10`)
		if want := "[[a 42 0.5 t bigint double varchar] [b NULL NULL t bigint double varchar] [c 7 1e-05 f bigint double varchar]]"; fmt.Sprint(got) != want {
			t.Errorf("read %v\nwant %v", got, want)
		}
		// The finished predicate wflog uses is right for '' (and NULL).
		if got := column(t, c, `SELECT id FROM t WHERE __time__ > 0 AND at > '' LIMIT 10`); fmt.Sprint(got) != "[c]" {
			t.Errorf("at > '': %v, want [c]", got)
		}
		if got := column(t, c, `SELECT id FROM t WHERE __time__ > 0 AND at IS NOT NULL ORDER BY id LIMIT 10`); fmt.Sprint(got) != "[a b c]" {
			t.Errorf("at IS NOT NULL: %v, want every row (nothing is NULL in storage)", got)
		}
		// Typed reads: a long compares as a number, not as text.
		execSQL(t, c, "INSERT INTO t (id, n) VALUES ('d', '10'), ('e', '9')")
		if got := column(t, c, `SELECT id FROM t WHERE __time__ > 0 AND n IS NOT NULL ORDER BY n DESC LIMIT 2`); fmt.Sprint(got) != "[a d]" {
			t.Errorf("ORDER BY a long: %v, want [a d]", got)
		}
	})
	t.Run("Index", func(t *testing.T) {
		s := newServer(t, func(c *logstoretest.Config) {
			c.Indexes = map[string]logstoretest.Index{"t": {MaxTextLen: 64, Keys: map[string]logstoretest.IndexKey{
				"id":      {Type: "text", DocValue: true},
				"version": {Type: "text", DocValue: true}, // misconfigured: should be long
				"body":    {Type: "text", DocValue: true},
				"n":       {Type: "long", DocValue: false}, // analytics off
			}}}
		})
		c := connect(t, s)
		execSQL(t, c, "CREATE TABLE t (id text, version bigint, body text, n bigint, hidden text)")
		execSQL(t, c, fmt.Sprintf("INSERT INTO t (id, version, body, n, hidden) VALUES ('a', '9', '%s', '1', 'h')", strings.Repeat("x", 100)))
		execSQL(t, c, "INSERT INTO t (id, version, body, n, hidden) VALUES ('b', '10', 'short', '2', 'h')")
		// A version indexed as text sorts "9" > "10".
		if got := column(t, c, `SELECT id FROM t WHERE __time__ > 0 ORDER BY version DESC LIMIT 1`); fmt.Sprint(got) != "[a]" {
			t.Errorf("text version: %v, want [a] (text order)", got)
		}
		got := query(t, c, `SELECT typeof(max(version)), typeof(max(n)), count(n), count(*), max(length(body)) FROM t WHERE __time__ > 0 LIMIT 1`)
		if want := "[[varchar bigint 0 2 64]]"; fmt.Sprint(got) != want {
			t.Errorf("probe %v, want %v (analytics off reads NULL; text cut at max_text_len)", got, want)
		}
		refused(t, c, `SELECT hidden FROM t WHERE __time__ > 0 LIMIT 1`, "42703", `column "hidden" does not exist`)
	})
	t.Run("Relaxed", func(t *testing.T) {
		s := newServer(t, relax(logstoretest.RuleTextStorage))
		c := connect(t, s)
		execSQL(t, c, "CREATE TABLE t (id text, n bigint)")
		execSQL(t, c, "INSERT INTO t (id, n) VALUES ('a', NULL)")
		if got := column(t, c, `SELECT coalesce(n::text, 'NULL') FROM t WHERE __time__ > 0 LIMIT 1`); fmt.Sprint(got) != "[NULL]" {
			t.Errorf("relaxed: %v, want NULL kept", got)
		}
		refused(t, c, "INSERT INTO t (id, n) VALUES ('b', 'x')", "22P02", "invalid input syntax")
	})
}
