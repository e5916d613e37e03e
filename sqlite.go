package wflog

import (
	"database/sql"
	"database/sql/driver"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/libtnb/sqlite"
	"gorm.io/gorm"
	"gorm.io/gorm/callbacks"
	moderncsqlite "modernc.org/sqlite"

	"github.com/wflog/wflog/internal/dialect"
)

// registerSQLiteDay registers dialect.SQLiteDayFunction with the SQLite
// driver, once per process: the driver's functions are process-wide, and
// connections opened after the registration have it.
var registerSQLiteDay = sync.OnceValue(func() error {
	var zones sync.Map // zone name → *time.Location: a day is asked of every row
	return moderncsqlite.RegisterDeterministicScalarFunction(dialect.SQLiteDayFunction, 2, func(_ *moderncsqlite.FunctionContext, args []driver.Value) (driver.Value, error) {
		name, ok := args[1].(string)
		if !ok {
			return nil, fmt.Errorf("%s: the zone must be text, not %T", dialect.SQLiteDayFunction, args[1])
		}
		loc, ok := zones.Load(name)
		if !ok {
			l, err := time.LoadLocation(name)
			if err != nil {
				return nil, err
			}
			loc, _ = zones.LoadOrStore(name, l)
		}
		return dialect.SQLiteDayIn(args[0], loc.(*time.Location))
	})
})

// sqliteDialector is GORM's dialector for a sqlite:// DSN: the pure-Go
// driver modernc.org/sqlite (no cgo, so cross-compiles and go install keep
// working), behind the dialect's wrapper that stores times as fixed-width
// UTC text. Each connection keeps its statements prepared
// (dialect.CacheSQLiteStatements): a Save then runs the statistics
// triggers without compiling them again.
func sqliteDialector(cfg dialect.Config) (gorm.Dialector, error) {
	if err := registerSQLiteDay(); err != nil {
		return nil, fmt.Errorf("wflog: registering %s with SQLite: %w", dialect.SQLiteDayFunction, err)
	}
	connector, err := moderncsqlite.NewConnector(sqliteDriverDSN(cfg.ConnString))
	if err != nil {
		return nil, fmt.Errorf("wflog: opening %s: %w", cfg, err)
	}
	pool := sql.OpenDB(dialect.CacheSQLiteStatements(connector, dialect.SQLiteStatementCache))
	return dialect.SQLiteDialector(sqlite.New(sqlite.Config{Conn: pool})), nil
}

// sqliteDriverDSN is conn with the driver parameters libtnb/sqlite adds to
// a DSN it opens itself, where they are missing: wflog opens the pool
// itself (to wrap its connections), and the driver should read and write
// times as it did when libtnb/sqlite opened it.
func sqliteDriverDSN(conn string) string {
	path, query, _ := strings.Cut(conn, "?")
	v, err := url.ParseQuery(query)
	if err != nil {
		return conn // the driver reports it
	}
	add := func(k, val string) {
		if !v.Has(k) {
			query += "&" + k + "=" + val
		}
	}
	add("_texttotime", "1")
	add("_inttotime", "1")
	add("_time_format", "sqlite")
	busy := v.Has("_busy_timeout") || v.Has("_timeout")
	for _, p := range v["_pragma"] {
		busy = busy || strings.Contains(strings.ToLower(p), "busy_timeout")
	}
	if !busy {
		add("_busy_timeout", "5000")
	}
	return path + "?" + strings.TrimPrefix(query, "&")
}

// sqlitePoolDialector is GORM's SQLite dialector over a pool the caller
// built (OpenDB). It installs what the dialector's own Initialize does
// without asking the pool for sqlite_version(): a pool over sqlmock, or a
// recorder, has no answer to give, and modernc.org/sqlite is new enough for
// RETURNING (3.35) by construction.
type sqlitePoolDialector struct{ sqlite.Dialector }

func (d sqlitePoolDialector) Initialize(db *gorm.DB) error {
	db.ConnPool = d.Conn
	callbacks.RegisterDefaultCallbacks(db, &callbacks.Config{
		CreateClauses:        []string{"INSERT", "VALUES", "ON CONFLICT", "RETURNING"},
		UpdateClauses:        []string{"UPDATE", "SET", "FROM", "WHERE", "RETURNING"},
		DeleteClauses:        []string{"DELETE", "FROM", "WHERE", "RETURNING"},
		LastInsertIDReversed: true,
	})
	for k, v := range d.ClauseBuilders() {
		if _, ok := db.ClauseBuilders[k]; !ok {
			db.ClauseBuilders[k] = v
		}
	}
	return nil
}
