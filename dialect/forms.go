package dialect

import (
	"fmt"
	"time"

	"gorm.io/gorm/clause"
)

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
