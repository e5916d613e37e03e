package testdb

import (
	"context"
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
	// and that schema's name, where the rows can be inspected directly.
	Open func(tb testing.TB, opts ...wflog.Option) (db *gorm.DB, schema string)
}

// Backends lists where the integration suite runs: PostgreSQL itself, and
// LogStore through the emulator over the same PostgreSQL.
func Backends() []Backend {
	return []Backend{
		{Name: "postgres", Kind: dialect.PostgreSQL, Open: Open},
		{Name: "logstore", Kind: dialect.LogStore, Open: func(tb testing.TB, opts ...wflog.Option) (*gorm.DB, string) {
			return OpenLogStore(tb, nil, opts...)
		}},
	}
}

// OpenLogStore starts a LogStore emulator over the test PostgreSQL (with
// configure applied to its Config, when not nil) and opens wflog on it,
// migrated. It returns the emulator's backing schema.
func OpenLogStore(tb testing.TB, configure func(*logstoretest.Config), opts ...wflog.Option) (*gorm.DB, string) {
	tb.Helper()
	Admin(tb) // skip, or fail under CI, with the same sentence as the PostgreSQL tests
	var srvOpts []func(*logstoretest.Config)
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
func Tuples(tb testing.TB, schema string, minInserted int64) map[string]TupleCounts {
	tb.Helper()
	admin := Admin(tb)
	ctx := context.Background()
	deadline := time.Now().Add(time.Minute)
	for {
		counts := map[string]TupleCounts{}
		var total int64
		// The statistics tables are derived, and updated in place by design.
		res := admin.ExecParams(ctx, `SELECT relname, n_tup_ins, n_tup_upd, n_tup_del FROM pg_stat_user_tables WHERE schemaname = $1 AND relname <> ALL (string_to_array($2, ','))`,
			[][]byte{[]byte(schema), []byte(strings.Join(rollup.Tables, ","))}, nil, nil, nil).Read()
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
