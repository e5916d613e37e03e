package dialect

import (
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// EachDay is a bounded time range cut into the calendar days of a time
// zone, for PostgreSQL to aggregate one day at a time:
//
//	SELECT wflog_day.day, per_day.* FROM unnest($1::timestamptz[], $2::timestamptz[], $3::text[])
//	    AS wflog_day (lo, hi, day)
//	CROSS JOIN LATERAL (SELECT count(*) … WHERE created_at >= wflog_day.lo AND created_at < wflog_day.hi) AS per_day
//
// Each day is then an index range read on its own, and no row's time is
// converted or searched for its day — cheaper than placing every row with
// width_bucket over the same midnights, and than to_char of its local time
// (docs/PERFORMANCE.md has the measurements).
type EachDay struct {
	// From is the row source of the days: wflog_day (lo, hi, day), one row
	// per calendar day, day as "2006-01-02".
	From clause.Expression
}

// EachDayAlias names the days' row source in queries.
const EachDayAlias = "wflog_day"

// Within keeps the rows whose column falls in the current day of the
// EachDay row source.
func (EachDay) Within(column clause.Column) clause.Expression {
	return clause.Expr{SQL: "? >= ? AND ? < ?", Vars: []any{
		column, clause.Column{Table: EachDayAlias, Name: "lo"},
		column, clause.Column{Table: EachDayAlias, Name: "hi"},
	}}
}

// maxEachDays bounds the days EachDay lists for one query (ten years).
const maxEachDays = 3700

// EachDay cuts [from, to) into the calendar days of loc — local midnights
// computed in Go, daylight saving included; the first and last day are
// clipped to the range. ok is false where the form does not apply: on a
// backend without LATERAL joins (LogStore, SQLite), for an open or empty
// range, or for more than ten years of days; group by Day there instead.
func (d *Dialect) EachDay(loc *time.Location, from, to time.Time) (days EachDay, ok bool) {
	if !d.Has(Lateral) || from.IsZero() || to.IsZero() || !to.After(from) || to.Sub(from) > maxEachDays*24*time.Hour {
		return EachDay{}, false
	}
	var lo, hi, names []string
	y, m, day := from.In(loc).Date()
	for k := 0; ; k++ {
		start := time.Date(y, m, day+k, 0, 0, 0, 0, loc)
		if !start.Before(to) {
			break
		}
		end := time.Date(y, m, day+k+1, 0, 0, 0, 0, loc)
		lo = append(lo, arrayTime(later(start, from)))
		hi = append(hi, arrayTime(earlier(end, to)))
		names = append(names, start.Format("2006-01-02"))
	}
	return EachDay{From: clause.Expr{
		SQL:  "unnest(?::timestamptz[], ?::timestamptz[], ?::text[]) AS " + EachDayAlias + " (lo, hi, day)",
		Vars: []any{"{" + strings.Join(lo, ",") + "}", "{" + strings.Join(hi, ",") + "}", "{" + strings.Join(names, ",") + "}"},
	}}, true
}

// PerDay is the query that runs perDay — an aggregate whose rows are kept
// within the current day by Within — once for each day, and returns each
// day that has rows (nonEmpty, a condition on perDay's columns, says which)
// with perDay's columns, in day order:
//
//	SELECT wflog_day.day, per_day.* FROM <days> CROSS JOIN LATERAL (<perDay>) AS per_day
//	WHERE <nonEmpty> ORDER BY wflog_day.day
func (e EachDay) PerDay(db, perDay *gorm.DB, nonEmpty string) *gorm.DB {
	return db.Table("? CROSS JOIN LATERAL (?) AS per_day", e.From, perDay).
		Select(EachDayAlias + ".day, per_day.*").Where(nonEmpty).Order(EachDayAlias + ".day")
}

// arrayTime is t as an element of a PostgreSQL array literal, to the
// microsecond PostgreSQL keeps.
func arrayTime(t time.Time) string {
	return `"` + t.UTC().Format("2006-01-02T15:04:05.999999Z07:00") + `"`
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func earlier(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// Day is the calendar day of a timestamp column in loc, as 'YYYY-MM-DD' text:
//
//	PostgreSQL: to_char(created_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD')
//	LogStore:   date_format(from_unixtime(to_unixtime(from_iso8601_timestamp(created_at)), 'Asia/Shanghai'), '%Y-%m-%d')
//	SQLite:     wflog_day(created_at, 'Asia/Shanghai')
//
// SQLite knows no time zones; wflog_day is a Go function that wflog.Open
// registers with the driver (SQLiteDayIn). loc must be a named IANA zone (see
// Zone).
func (d *Dialect) Day(column clause.Column, loc *time.Location) clause.Expression {
	return d.day(column, loc)
}

func postgresDay(column clause.Column, loc *time.Location) clause.Expression {
	return clause.Expr{SQL: "to_char(? AT TIME ZONE ?, 'YYYY-MM-DD')", Vars: []any{column, loc.String()}}
}

func logStoreDay(column clause.Column, loc *time.Location) clause.Expression {
	return clause.Expr{SQL: "date_format(from_unixtime(to_unixtime(from_iso8601_timestamp(?)), ?), '%Y-%m-%d')", Vars: []any{column, loc.String()}}
}

// Zone checks that loc can be named in SQL: an IANA zone such as
// Asia/Shanghai (nil means UTC). time.Local has no name a database knows.
func Zone(loc *time.Location) (*time.Location, error) {
	if loc == nil {
		return time.UTC, nil
	}
	name := loc.String()
	if name == "Local" || name == "" {
		return nil, fmt.Errorf("wflog: time zone %q has no IANA name; load one with time.LoadLocation(\"Asia/Shanghai\")", name)
	}
	if _, err := time.LoadLocation(name); err != nil {
		return nil, fmt.Errorf("wflog: time zone %q: %w", name, err)
	}
	return loc, nil
}

// Beyond is the keyset condition for the rows that come after values in
// the order of cols: "(cols) < (values)" when descending, "(cols) > (values)"
// when ascending, compared lexicographically. PostgreSQL compares rows, which
// its indexes serve directly (so does SQLite); LogStore gets the expanded
// form, which any SQL engine accepts: a < x OR (a = x AND b < y).
func (d *Dialect) Beyond(cols []clause.Column, values []any, descending bool) clause.Expression {
	op := ">"
	if descending {
		op = "<"
	}
	if d.Has(RowValues) {
		return clause.Expr{SQL: "? " + op + " ?", Vars: []any{cols, values}}
	}
	var ors []clause.Expression
	for i := range cols {
		var ands []clause.Expression
		for j := 0; j < i; j++ {
			ands = append(ands, clause.Eq{Column: cols[j], Value: values[j]})
		}
		if descending {
			ands = append(ands, clause.Lt{Column: cols[i], Value: values[i]})
		} else {
			ands = append(ands, clause.Gt{Column: cols[i], Value: values[i]})
		}
		ors = append(ors, clause.And(ands...))
	}
	return clause.Or(ors...)
}

// DeleteDistinct deletes the rows of table that where (SQL with vars)
// selects and returns how many distinct values of column they had — how
// many records went, every version counted once:
//
//	PostgreSQL: WITH gone AS (DELETE FROM t WHERE … RETURNING id) SELECT count(DISTINCT id) FROM gone
//	SQLite:     DELETE FROM t WHERE … RETURNING id, counted in Go
//
// On a backend without DELETE it is the caller's job to refuse first.
func (d *Dialect) DeleteDistinct(db *gorm.DB, table, column, where string, vars ...any) (int64, error) {
	if d.Has(ModifyingCTE) {
		var n int64
		err := db.Raw("WITH gone AS (DELETE FROM "+table+" WHERE "+where+" RETURNING "+column+") SELECT count(DISTINCT "+column+") FROM gone", vars...).Scan(&n).Error
		return n, err
	}
	var gone []string
	if err := db.Raw("DELETE FROM "+table+" WHERE "+where+" RETURNING "+column, vars...).Scan(&gone).Error; err != nil {
		return 0, err
	}
	distinct := make(map[string]struct{}, len(gone))
	for _, v := range gone {
		distinct[v] = struct{}{}
	}
	return int64(len(distinct)), nil
}
