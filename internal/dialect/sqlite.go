package dialect

import (
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"sort"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// SQLiteTimeLayout is how times are stored on SQLite: UTC text of fixed
// width, to the microsecond PostgreSQL keeps. Text of one width in one zone
// sorts as the times do, so ORDER BY, keyset comparisons and ranges are
// index-served comparisons of strings, and the database stays readable with
// the sqlite3 shell and SQLite's date functions (integer nanoseconds would
// sort too, but only through a type of wflog's own on every time field).
const SQLiteTimeLayout = "2006-01-02 15:04:05.000000"

// SQLiteTime is t as SQLite stores it: in UTC, rounded to the microsecond
// as PostgreSQL rounds, in SQLiteTimeLayout.
func SQLiteTime(t time.Time) string {
	return t.UTC().Round(time.Microsecond).Format(SQLiteTimeLayout)
}

// SQLiteDayFunction is the SQL function Day uses on SQLite:
// wflog_day(created_at, 'Asia/Shanghai') is the calendar day of created_at
// in that zone. wflog.Open registers SQLiteDayIn under this name.
const SQLiteDayFunction = "wflog_day"

// SQLiteDayIn is the implementation of SQLiteDayFunction: the calendar
// day, "2006-01-02", of stored (SQLite's text of a time, as SQLiteTime
// writes it, or a time.Time) in loc. NULL has no day.
func SQLiteDayIn(stored any, loc *time.Location) (any, error) {
	var t time.Time
	switch v := stored.(type) {
	case time.Time:
		t = v
	case string:
		var err error
		if t, err = time.Parse(SQLiteTimeLayout, v); err != nil { // RFC 3339: written by hand
			if t, err = time.Parse(time.RFC3339Nano, v); err != nil {
				return nil, fmt.Errorf("%s: not a time: %q", SQLiteDayFunction, v)
			}
		}
	case nil:
		return nil, nil
	default:
		return nil, fmt.Errorf("%s: not a time: %T", SQLiteDayFunction, stored)
	}
	return t.In(loc).Format("2006-01-02"), nil
}

func sqliteDay(column clause.Column, loc *time.Location) clause.Expression {
	return clause.Expr{SQL: SQLiteDayFunction + "(?, ?)", Vars: []any{column, loc.String()}}
}

// groupedLatest is SQLite's aggregate form. SQLite has no DISTINCT ON, but
// in a query with one max() its other bare columns come from the row that
// has the maximum, so
//
//	(SELECT created_at, id, max(version) AS version, status, …
//	 FROM t WHERE <owner> AND <among> GROUP BY created_at, id) AS t
//
// reads the latest version of each record, and over the covering index
// (owner…, created_at, id, version DESC, …) it groups in index order with
// no sort and no lookup of the table.
func groupedLatest(stmt *gorm.Statement, v Versioned, from clause.Expression, c Choice, among []clause.Expression) {
	conds := append(append([]clause.Expression{}, c.Owner...), among...)
	keys, columns := latestColumns(v, c)
	stmt.TableExpr = &clause.Expr{SQL: "?", Vars: []any{groupedVersions{from: from, alias: stmt.Table, v: v, where: conds, keys: keys, columns: columns}}}
}

type groupedVersions struct {
	from          clause.Expression
	alias         string
	v             Versioned
	where         []clause.Expression
	keys, columns []string
}

func (r groupedVersions) Build(b clause.Builder) {
	b.WriteString("(SELECT ")
	for i, c := range r.columns {
		if i > 0 {
			b.WriteString(", ")
		}
		if c == r.v.Version {
			b.WriteString("max(")
			b.WriteQuoted(clause.Column{Name: c})
			b.WriteString(") AS ")
		}
		b.WriteQuoted(clause.Column{Name: c})
	}
	b.WriteString(" FROM ")
	r.from.Build(b)
	if len(r.where) > 0 {
		b.WriteString(" WHERE ")
		clause.Where{Exprs: r.where}.Build(b)
	}
	b.WriteString(" GROUP BY ")
	writeColumns(b, r.keys)
	b.WriteString(") AS ")
	b.WriteQuoted(r.alias)
}

func installSQLite(db *gorm.DB) error {
	if _, ok := db.Dialector.(sqliteDialector); !ok {
		return errors.New("wflog/dialect: the SQLite dialect needs its dialector: open with wflog.Open(\"sqlite://…\") or wrap yours with dialect.SQLiteDialector")
	}
	return nil
}

// SQLiteDialector wraps a GORM SQLite dialector so that every time bound
// to a statement is stored as SQLiteTime text: the drivers' own formats
// drop trailing zeros or carry a zone, and strings of varying width would
// not sort as the times do.
func SQLiteDialector(inner gorm.Dialector) gorm.Dialector { return sqliteDialector{inner} }

type sqliteDialector struct{ gorm.Dialector }

// BindVarTo rewrites the variable GORM has just appended before the inner
// dialector writes its placeholder.
func (s sqliteDialector) BindVarTo(w clause.Writer, stmt *gorm.Statement, v any) {
	if n := len(stmt.Vars); n > 0 {
		stmt.Vars[n-1] = sqliteValue(stmt.Vars[n-1])
	}
	s.Dialector.BindVarTo(w, stmt, v)
}

func sqliteValue(v any) any {
	switch t := v.(type) {
	case time.Time:
		return SQLiteTime(t)
	case *time.Time:
		if t == nil {
			return nil
		}
		return SQLiteTime(*t)
	case sql.NullTime:
		if !t.Valid {
			return nil
		}
		return SQLiteTime(t.Time)
	}
	return v
}

// Translate, SavePoint and RollbackTo pass on to the inner dialector, which
// GORM would otherwise not find behind the wrapper.
func (s sqliteDialector) Translate(err error) error {
	if t, ok := s.Dialector.(gorm.ErrorTranslator); ok {
		return t.Translate(err)
	}
	return err
}

func (s sqliteDialector) SavePoint(tx *gorm.DB, name string) error {
	if sp, ok := s.Dialector.(gorm.SavePointerDialectorInterface); ok {
		return sp.SavePoint(tx, name)
	}
	return tx.Exec("SAVEPOINT " + name).Error
}

func (s sqliteDialector) RollbackTo(tx *gorm.DB, name string) error {
	if sp, ok := s.Dialector.(gorm.SavePointerDialectorInterface); ok {
		return sp.RollbackTo(tx, name)
	}
	return tx.Exec("ROLLBACK TO SAVEPOINT " + name).Error
}

// SQLiteMemory is the path of an in-memory SQLite database.
const SQLiteMemory = ":memory:"

// DefaultSQLiteBusyTimeout is how long a SQLite connection waits for
// another's write lock before it gives up with "database is locked". The
// lock is not handed over in order — a waiting connection polls for it,
// sleeping up to 100 ms in between — so with several connections
// (max_conns > 1) on a busy machine one can miss it many times in a row:
// 10 s was seen to run out with 4 connections, 48 writers and a load
// average of 16 on 2 CPUs.
const DefaultSQLiteBusyTimeout = 60 * time.Second

// noTextToTime keeps the driver from turning any text that looks like a
// time into one (a day's name, "2026-11-30", say): columns declared
// TIMESTAMP are read as times by their type.
const noTextToTime = "_texttotime=0"

// parseSQLite reads sqlite://PATH[?max_conns=N]. PATH is a file, relative to
// the working directory unless it starts with /, or :memory:. The file
// database uses WAL (readers do not wait for the writer), a busy timeout,
// and BEGIN IMMEDIATE transactions, so concurrent writers queue instead of
// failing; :memory: is one connection's memory, so its pool has one.
// max_conns defaults to DefaultSQLiteMaxConns.
func parseSQLite(dsn string) (Config, error) {
	_, rest, _ := strings.Cut(dsn, "://")
	// A SQLite DSN has no user or secret, but one may be written there
	// (sqlite://u:secret@/path): Redact's rule holds for every scheme, and
	// everything up to the last '@' stays out of messages. An '@' after
	// the '?' would put a piece of it in the parameters, which messages
	// name, so that is refused as for the other schemes.
	cfg := Config{Backend: SQLite, redacted: Redact(dsn)}
	if at := strings.LastIndexByte(rest, '@'); at >= 0 {
		if strings.Contains(rest[:at], "?") {
			return Config{}, dsnError(dsn, "'@' after the '?': write it as %40")
		}
		cfg.secrets = sqliteSecrets(rest[:at])
	}
	path, rawQuery, _ := strings.Cut(rest, "?")
	cfg.Path = path
	if path == "" {
		return Config{}, dsnError(dsn, "missing path: write sqlite:///absolute/path.db, sqlite://relative/path.db or sqlite://:memory:")
	}
	if strings.IndexByte(path, 0) >= 0 {
		// SQLite would open the path up to the NUL: another file.
		return Config{}, dsnError(dsn, "a NUL byte in the path")
	}
	q, err := url.ParseQuery(rawQuery)
	if err != nil {
		// ParseQuery's message quotes the piece it could not read.
		return Config{}, dsnError(dsn, "the parameters after '?' are not valid key=value pairs joined by &")
	}
	for k := range q {
		if k != paramMaxConns {
			return Config{}, dsnError(dsn, fmt.Sprintf("unknown parameter %s (a sqlite DSN accepts %s)", truncate(k, 40), paramMaxConns))
		}
	}
	if cfg.MaxConns, err = intParam(q, paramMaxConns, 0); err != nil {
		return Config{}, dsnError(dsn, err.Error())
	}
	if path == SQLiteMemory {
		if cfg.MaxConns > 1 {
			return Config{}, dsnError(dsn, "an in-memory database lives in one connection: max_conns must be 1")
		}
		cfg.MaxConns = 1
		cfg.ConnString = "file::memory:?" + noTextToTime
		return cfg, nil
	}
	if cfg.MaxConns == 0 {
		cfg.MaxConns = DefaultSQLiteMaxConns
	}
	v := url.Values{}
	v.Add("_pragma", "journal_mode(WAL)")
	v.Add("_pragma", "synchronous(NORMAL)")
	v.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", DefaultSQLiteBusyTimeout.Milliseconds()))
	v.Set("_txlock", "immediate")
	v.Set("_texttotime", "0")
	// The driver opens a file: URI, in which '#' would end the path (and
	// open "u:a" for sqlite://u:a#secret@/x.db) and %XX would be decoded.
	cfg.ConnString = "file:" + sqliteURIPath.Replace(path) + "?" + v.Encode()
	if len(cfg.secrets) > 0 {
		cfg.secrets = append(cfg.secrets, sqliteSecrets(sqliteURIPath.Replace(rest[:strings.LastIndexByte(rest, '@')]))...)
		sort.Slice(cfg.secrets, func(i, j int) bool { return len(cfg.secrets[i]) > len(cfg.secrets[j]) })
	}
	return cfg, nil
}

var sqliteURIPath = strings.NewReplacer("%", "%25", "#", "%23")

// sqliteSecrets lists what Scrub removes for the user info of a SQLite
// DSN (everything between :// and the last '@'): the whole of it, and the
// part after its first ':'.
func sqliteSecrets(userInfo string) []string {
	var out []string
	for _, s := range []string{userInfo, userInfo[strings.IndexByte(userInfo, ':')+1:]} {
		if len(s) >= 3 {
			out = append(out, s)
		}
	}
	return out
}

// DefaultSQLiteMaxConns is the pool size of a SQLite file database unless
// max_conns says otherwise. SQLite has one writer at a time; with one
// connection writers queue in Go instead of sleeping in SQLite's busy
// handler, which measured twice as fast for 16 goroutines saving at once
// (TestConcurrentSaves/sqlite: 0.6–1.0 s with one, 1.1–2.1 s with four).
// Raise it for concurrent reads beside a writer (WAL lets them run).
const DefaultSQLiteMaxConns = 1
