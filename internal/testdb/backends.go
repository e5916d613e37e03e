package testdb

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/wflog/wflog"
	"github.com/wflog/wflog/dialect"
	"github.com/wflog/wflog/logstoretest"
	"github.com/wflog/wflog/rollup"
)

// Backend is one place the integration suite runs.
type Backend struct {
	Name string
	Kind dialect.Backend
	// Open returns a migrated wflog database on a fresh PostgreSQL schema
	// and that schema's name, where the rows can be inspected directly
	// (Tuples); on SQLite, a fresh file and "" (no counters to inspect:
	// triggers refuse every UPDATE instead).
	Open func(tb testing.TB, opts ...wflog.Option) (db *gorm.DB, schema string)
}

// Backends lists where the integration suite runs: PostgreSQL itself,
// LogStore through the emulator over the same PostgreSQL, and SQLite in a
// file of the test's own.
func Backends() []Backend {
	return []Backend{
		{Name: "postgres", Kind: dialect.PostgreSQL, Open: Open},
		{Name: "logstore", Kind: dialect.LogStore, Open: func(tb testing.TB, opts ...wflog.Option) (*gorm.DB, string) {
			return OpenLogStore(tb, nil, opts...)
		}},
		{Name: "sqlite", Kind: dialect.SQLite, Open: func(tb testing.TB, opts ...wflog.Option) (*gorm.DB, string) {
			return OpenSQLite(tb, opts...), ""
		}},
	}
}

// OpenSQLite opens wflog on a migrated SQLite file in the test's temporary
// directory, closed when the test ends. Triggers make any UPDATE of wflog's
// tables fail: the append-only check that pg_stat_user_tables gives the
// PostgreSQL tests.
func OpenSQLite(tb testing.TB, opts ...wflog.Option) *gorm.DB {
	tb.Helper()
	db := OpenDSN(tb, "sqlite://"+filepath.Join(tb.TempDir(), "wflog.db"), opts...)
	for _, table := range []string{"workflow_runs", "workflow_node_executions"} {
		trigger := "CREATE TRIGGER " + table + "_append_only BEFORE UPDATE ON " + table +
			" BEGIN SELECT RAISE(ABORT, 'append-only: UPDATE of " + table + "'); END"
		if err := db.Exec(trigger).Error; err != nil {
			tb.Fatalf("creating the append-only trigger on %s: %v", table, err)
		}
	}
	return db
}

// OpenLogStore starts a LogStore emulator over the test PostgreSQL (with
// configure applied to its Config, when not nil) and opens wflog on it,
// migrated. It returns the emulator's backing schema.
func OpenLogStore(tb testing.TB, configure func(*logstoretest.Config), opts ...wflog.Option) (*gorm.DB, string) {
	tb.Helper()
	Admin(tb) // skip, or fail under CI, with the same sentence as the PostgreSQL tests
	// The emulator keeps its rows in the test database too, not in
	// logstoretest's default (the server's postgres database).
	srvOpts := []func(*logstoretest.Config){func(c *logstoretest.Config) { c.Backend = URL() }}
	if configure != nil {
		srvOpts = append(srvOpts, configure)
	}
	srv := logstoretest.New(tb, srvOpts...)
	return OpenDSN(tb, srv.DSN(), opts...), srv.Schema()
}

// Each runs fn as a subtest on every backend.
func Each(t *testing.T, fn func(t *testing.T, b Backend)) {
	t.Helper()
	for _, b := range Backends() {
		t.Run(b.Name, func(t *testing.T) { fn(t, b) })
	}
}

// TupleCounts are a table's lifetime row counters from pg_stat_user_tables.
type TupleCounts struct{ Inserted, Updated, Deleted int64 }

// Tuples returns the row counters of every table in schema but the derived
// statistics tables (package rollup) once at least
// minInserted rows have been counted as inserted. PostgreSQL publishes a
// backend's counters when it goes idle or exits, so close the pool that
// wrote first; Tuples then waits (up to a minute) for the counts to arrive.
//
// For a SQLite backend's schema, "", there are no counters: it returns none.
func Tuples(tb testing.TB, schema string, minInserted int64) map[string]TupleCounts {
	tb.Helper()
	if schema == "" {
		return nil
	}
	admin := Admin(tb)
	ctx := context.Background()
	deadline := time.Now().Add(time.Minute)
	for {
		counts := map[string]TupleCounts{}
		var total int64
		// The statistics tables are derived, and updated in place by design.
		res := admin.ExecParams(ctx, `SELECT relname, n_tup_ins, n_tup_upd, n_tup_del FROM pg_stat_user_tables WHERE schemaname = $1 AND relname <> ALL (string_to_array($2, ','))`,
			[][]byte{[]byte(schema), []byte(strings.Join(append(append([]string{}, rollup.Tables...), rollup.DeltaTables...), ","))}, nil, nil, nil).Read()
		if res.Err != nil {
			tb.Fatal(res.Err)
		}
		for _, row := range res.Rows {
			c := TupleCounts{Inserted: atoi(row[1]), Updated: atoi(row[2]), Deleted: atoi(row[3])}
			counts[string(row[0])] = c
			total += c.Inserted
		}
		if total >= minInserted {
			return counts
		}
		if time.Now().After(deadline) {
			tb.Fatalf("pg_stat_user_tables counted %d inserts in %s after a minute, want at least %d", total, schema, minInserted)
		}
		_ = admin.Exec(ctx, "SELECT pg_stat_clear_snapshot()").Close()
		time.Sleep(100 * time.Millisecond)
	}
}

func atoi(b []byte) int64 {
	var n int64
	for _, c := range b {
		n = n*10 + int64(c-'0')
	}
	return n
}

// Close closes db's pool, so that its backends publish their statistics.
func Close(tb testing.TB, db *gorm.DB) {
	tb.Helper()
	sqlDB, err := db.DB()
	if err != nil {
		tb.Fatal(err)
	}
	if err := sqlDB.Close(); err != nil {
		tb.Fatal(err)
	}
}
