package dialect

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm/clause"
)

// Days cuts rows into calendar days of a time zone: Expr is each row's
// bucket, to GROUP BY and ORDER BY (buckets sort like their days), and Day
// names the bucket a query returned.
type Days struct {
	Expr clause.Expression
	days []string // bucket i (1-based) is days[i-1]; nil when buckets are days already
}

// Day turns a bucket as the query returned it into "2006-01-02".
func (d Days) Day(bucket string) (string, error) {
	if d.days == nil {
		return bucket, nil
	}
	i, err := strconv.Atoi(bucket)
	if err != nil || i < 1 || i > len(d.days) {
		return "", fmt.Errorf("wflog/dialect: day bucket %q is outside the %d days asked for", bucket, len(d.days))
	}
	return d.days[i-1], nil
}

// maxBucketDays bounds the days Days computes in Go for one query.
const maxBucketDays = 3700

// Days buckets column by calendar day in loc for rows in [from, to). On
// PostgreSQL with both ends set, Go computes the local midnights (daylight
// saving included) and each row is placed with width_bucket — a binary
// search, much cheaper than converting every row's time zone. Otherwise the
// bucket is the day itself, from Day.
func (d *Dialect) Days(column clause.Column, loc *time.Location, from, to time.Time) Days {
	if d.backend == LogStore || from.IsZero() || to.IsZero() || !to.After(from) || to.Sub(from) > maxBucketDays*24*time.Hour {
		return Days{Expr: d.Day(column, loc)}
	}
	y, m, day := from.In(loc).Date()
	var bounds []string
	var names []string
	for k := 0; ; k++ {
		midnight := time.Date(y, m, day+k, 0, 0, 0, 0, loc)
		if !midnight.Before(to) {
			break
		}
		bounds = append(bounds, `"`+midnight.Format(time.RFC3339)+`"`)
		names = append(names, midnight.Format("2006-01-02"))
	}
	return Days{
		Expr: clause.Expr{SQL: "width_bucket(?, ?::timestamptz[])", Vars: []any{column, "{" + strings.Join(bounds, ",") + "}"}},
		days: names,
	}
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
