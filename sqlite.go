package wflog

import (
	"database/sql/driver"
	"fmt"
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
// UTC text.
func sqliteDialector(cfg dialect.Config) (gorm.Dialector, error) {
	if err := registerSQLiteDay(); err != nil {
		return nil, fmt.Errorf("wflog: registering %s with SQLite: %w", dialect.SQLiteDayFunction, err)
	}
	return dialect.SQLiteDialector(sqlite.Open(cfg.ConnString)), nil
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
