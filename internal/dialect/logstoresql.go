package dialect

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"time"

	"github.com/wflog/wflog/dialect/logstoresql"
)

// The LogStore driver half lives in dialect/logstoresql, which knows nothing
// of GORM; these names are its, for code that already speaks dialect.

// MaxLimit is the largest row count LogStore returns for one query.
const MaxLimit = logstoresql.MaxLimit

// MaxPage is the largest count in LogStore's "LIMIT offset, count" form.
const MaxPage = logstoresql.MaxPage

// TimeLayout is how the LogStore driver writes a time (logstoresql.TimeLayout).
const TimeLayout = logstoresql.TimeLayout

// ParseTime reads a timestamp written as text by LogStore or PostgreSQL.
func ParseTime(text string) (time.Time, error) { return logstoresql.ParseTime(text) }

// WithTimeColumns tells the LogStore driver that the named result columns of
// queries made with ctx hold times (see logstoresql.WithTimeColumns).
func WithTimeColumns(ctx context.Context, names ...string) context.Context {
	return logstoresql.WithTimeColumns(ctx, names...)
}

// WrapLogStore is logstoresql.Wrap: a connector that checks and renders every
// statement LogStore's way over inner.
func WrapLogStore(inner driver.Connector) driver.Connector { return logstoresql.Wrap(inner) }

// SimpleProtocol is logstoresql.SimpleProtocol: the bare simple-protocol
// transport, checking nothing.
func SimpleProtocol(connString string) (driver.Connector, error) {
	return logstoresql.SimpleProtocol(connString)
}

// Connector returns the database/sql connector for cfg: for LogStore, the
// logstoresql driver over a pgx connection that sends simple Query messages
// only. PostgreSQL needs no connector of ours (wflog.Open uses gorm's
// postgres driver), so asking for one is an error.
func Connector(cfg Config) (driver.Connector, error) {
	if cfg.Backend != LogStore {
		return nil, fmt.Errorf("wflog/dialect: Connector is for LogStore DSNs; %s connects through gorm's postgres driver", cfg.Backend)
	}
	return logstoresql.NewConnector(cfg.ConnString)
}

// DriverName is the database/sql name under which importing dialect
// registers the LogStore driver: sql.Open(dialect.DriverName, "logstore://…").
const DriverName = "logstore"

func init() {
	sql.Register(DriverName, &logstoresql.Driver{ParseDSN: logStoreConnString})
}

// logStoreConnString reads a DSN given to sql.Open("logstore", …): a
// logstore:// (or sls://) DSN, parsed as wflog.Open parses it. batch= and
// max_conns= concern GORM and the pool: with database/sql, set the pool's
// size with SetMaxOpenConns.
func logStoreConnString(dsn string) (string, error) {
	cfg, err := Parse(dsn)
	if err != nil {
		return "", err
	}
	if cfg.Backend != LogStore {
		return "", fmt.Errorf("wflog/dialect: the %q driver opens logstore:// DSNs; %s is a %s DSN (use a PostgreSQL driver such as pgx)", DriverName, cfg, cfg.Backend)
	}
	return cfg.ConnString, nil
}

// CheckPool reports whether pool can carry this dialect's statements: a
// LogStore dialect needs a pool on the logstoresql driver.
func (d *Dialect) CheckPool(pool *sql.DB) error {
	if pool == nil {
		return errors.New("wflog/dialect: nil *sql.DB")
	}
	if d.backend == LogStore && !logstoresql.IsLogStore(pool.Driver()) {
		return fmt.Errorf("wflog/dialect: a LogStore pool must be sql.Open(\"logstore\", …) or sql.OpenDB(logstoresql.Wrap(…)); this one uses %T, which would send LogStore statements it refuses", pool.Driver())
	}
	return nil
}
