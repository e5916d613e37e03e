package dialect

import (
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/wflog/wflog/dialect/logstoresql"
)

// ErrUnsupported is wrapped by every error that reports something the
// backend cannot do. Such errors are returned before anything is sent, and
// their text says what to do instead. It is logstoresql.ErrUnsupported, so
// the driver's refusals match it too.
var ErrUnsupported = logstoresql.ErrUnsupported

// UnsupportedError names what the backend cannot do and what to do instead.
// It matches ErrUnsupported with errors.Is.
type UnsupportedError struct {
	Backend Backend
	What    string // the operation refused, e.g. "DELETE"
	Instead string // one sentence of advice
}

func (e *UnsupportedError) Error() string {
	return fmt.Sprintf("wflog: %s does not support %s: %s", e.Backend, e.What, e.Instead)
}

// Is reports whether target is ErrUnsupported.
func (e *UnsupportedError) Is(target error) bool { return target == ErrUnsupported }

// unsupported reports a LogStore limitation.
func unsupported(what, instead string) error {
	return &UnsupportedError{Backend: LogStore, What: what, Instead: instead}
}

// IsPrimaryKeyViolation reports whether err is the database refusing a row
// because its primary key is taken: SQLSTATE 23505 on a *_pkey constraint
// on PostgreSQL, SQLITE_CONSTRAINT_PRIMARYKEY on SQLite. For append-only
// tables that means another writer stored the same (id, version): the write
// can be retried with a newer version.
func IsPrimaryKeyViolation(err error) bool {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.Code == "23505" && strings.HasSuffix(pgErr.ConstraintName, "_pkey")
	}
	var coded interface{ Code() int }
	return errors.As(err, &coded) && coded.Code() == sqliteConstraintPrimaryKey
}

// sqliteConstraintPrimaryKey is SQLite's extended result code
// SQLITE_CONSTRAINT_PRIMARYKEY, which its Go drivers' errors report.
const sqliteConstraintPrimaryKey = 1555
