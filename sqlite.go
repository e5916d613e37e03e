package wflog

import (
	"database/sql/driver"
	"fmt"
	"sync"
	"time"

	"github.com/libtnb/sqlite"
	"gorm.io/gorm"
	moderncsqlite "modernc.org/sqlite"

	"github.com/wflog/wflog/dialect"
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
