package dialect

import (
	"fmt"
	"strings"
	"time"

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
// clipped to the range. ok is false where the form does not apply: on
// LogStore, for an open or empty range, or for more than ten years of days;
// group by Day there instead.
func (d *Dialect) EachDay(loc *time.Location, from, to time.Time) (days EachDay, ok bool) {
	if d.backend == LogStore || from.IsZero() || to.IsZero() || !to.After(from) || to.Sub(from) > maxEachDays*24*time.Hour {
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
//
// loc must be a named IANA zone (see Zone).
func (d *Dialect) Day(column clause.Column, loc *time.Location) clause.Expression {
	if d.backend == LogStore {
		return clause.Expr{SQL: "date_format(from_unixtime(to_unixtime(from_iso8601_timestamp(?)), ?), '%Y-%m-%d')", Vars: []any{column, loc.String()}}
	}
	return clause.Expr{SQL: "to_char(? AT TIME ZONE ?, 'YYYY-MM-DD')", Vars: []any{column, loc.String()}}
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
// its indexes serve directly; LogStore gets the expanded form, which any SQL
// engine accepts: a < x OR (a = x AND b < y).
func (d *Dialect) Beyond(cols []clause.Column, values []any, descending bool) clause.Expression {
	op := ">"
	if descending {
		op = "<"
	}
	if d.backend != LogStore {
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
