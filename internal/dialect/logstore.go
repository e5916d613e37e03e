package dialect

import (
	"database/sql"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
	"gorm.io/gorm/schema"

	"github.com/wflog/wflog/dialect/logstoresql"
)

// TimeBound is the condition wflog adds to every LogStore query. LogStore
// silently applies a recent time window to a query that does not bound
// __time__; "__time__ > 0" asks for all of time.
const TimeBound = "__time__ > 0"

// installLogStore registers the callbacks that keep GORM's statements within
// LogStore's rules. What a callback cannot fix, the adapter refuses.
func (d *Dialect) installLogStore(db *gorm.DB) error {
	// LogStore ignores BEGIN/COMMIT, and the adapter refuses them, so GORM must
	// not wrap writes in its default transaction.
	db.Config.SkipDefaultTransaction = true
	if db.Config.CreateBatchSize == 0 || db.Config.CreateBatchSize > d.batch {
		db.Config.CreateBatchSize = d.batch
	}
	db.ClauseBuilders["LIMIT"] = buildLogStoreLimit

	query, row := db.Callback().Query(), db.Callback().Row()
	if err := query.Before("gorm:query").Register("wflog:logstore_query", d.prepareQuery); err != nil {
		return err
	}
	if err := query.After("gorm:query").Register("wflog:logstore_truncation", checkTruncation); err != nil {
		return err
	}
	if err := row.Before("gorm:row").Register("wflog:logstore_query", d.prepareQuery); err != nil {
		return err
	}
	if err := db.Callback().Delete().Before("gorm:delete").Register("wflog:logstore_delete", refuseDelete); err != nil {
		return err
	}
	return db.Callback().Create().Before("gorm:create").Register("wflog:logstore_defaults", refuseDatabaseDefaults)
}

const autoLimitKey = "wflog:auto_limit"

// prepareQuery bounds __time__, asks the driver to give a query without
// LIMIT LogStore's largest one (so nothing is silently capped at 100 rows),
// and tells the driver which result columns are times and which are
// nullable.
//
// It also runs for a GORM sub-statement (db.Table("(?) AS t", sub)), which
// GORM builds through the same callbacks: the LIMIT is therefore left to the
// driver, which adds it to the outermost query only, since SLS allows LIMIT
// on final results alone.
func (d *Dialect) prepareQuery(db *gorm.DB) {
	stmt := db.Statement
	if db.Error != nil || stmt.SQL.Len() > 0 {
		return // raw SQL: the adapter checks it as written
	}
	// A query over a derived table ("(subquery) AS t") reads no logstore
	// itself: its subquery is a query of its own and carries the bound.
	if !fromSubquery(stmt) {
		stmt.AddClause(clause.Where{Exprs: []clause.Expression{clause.Expr{SQL: TimeBound}}})
	}
	if c, ok := stmt.Clauses["LIMIT"]; !ok || c.Expression == nil {
		stmt.Context = logstoresql.WithAutoLimit(stmt.Context)
		stmt.Settings.Store(autoLimitKey, true)
	} else if l, ok := c.Expression.(clause.Limit); ok && l.Limit == nil && l.Offset > 0 {
		db.AddError(unsupported("Offset without Limit", "LogStore pages with LIMIT offset, count; set Limit (≤ 10,000) together with Offset"))
		return
	}
	times, nullable := d.readColumns(stmt)
	if len(times) > 0 {
		stmt.Context = WithTimeColumns(stmt.Context, times...)
	}
	if len(nullable) > 0 {
		stmt.Context = logstoresql.WithEmptyAsNull(stmt.Context, nullable...)
	}
}

// fromSubquery reports whether the statement's FROM is a subquery: a GORM
// one, as db.Table("(?) AS t", sub) makes it, or the latest-version ranking
// of KeepLatest, which carries the __time__ bound inside.
func fromSubquery(stmt *gorm.Statement) bool {
	if stmt.TableExpr == nil {
		return false
	}
	for _, v := range stmt.TableExpr.Vars {
		switch v.(type) {
		case *gorm.DB, rankedVersions:
			return true
		}
	}
	return false
}

// checkTruncation turns a result that filled LogStore's largest LIMIT into an
// error: the rows beyond it were not returned, and nobody asked for that.
func checkTruncation(db *gorm.DB) {
	if auto, ok := db.Statement.Settings.Load(autoLimitKey); ok && auto.(bool) && db.Error == nil && db.RowsAffected >= MaxLimit {
		db.AddError(unsupported(fmt.Sprintf("a result of more than %d rows", MaxLimit), "LogStore returns at most that many; page with Limit and Offset, or narrow the query"))
	}
}

func refuseDelete(db *gorm.DB) {
	db.AddError(unsupported("DELETE", "rows expire by the logstore's TTL; set the TTL on the logstore in the SLS console"))
}

// refuseDatabaseDefaults stops a Create that relies on a column default:
// LogStore has none, so the column would silently stay empty.
func refuseDatabaseDefaults(db *gorm.DB) {
	stmt := db.Statement
	if db.Error != nil || stmt.Schema == nil || len(stmt.Schema.FieldsWithDefaultDBValue) == 0 {
		return
	}
	rows := stmt.ReflectValue
	check := func(row reflect.Value) {
		for _, f := range stmt.Schema.FieldsWithDefaultDBValue {
			if _, zero := f.ValueOf(stmt.Context, row); zero {
				db.AddError(unsupported(fmt.Sprintf("creating %s with %s left to a database default", stmt.Schema.Name, f.Name), "LogStore has no column defaults; set the value before Create"))
				return
			}
		}
	}
	switch rows.Kind() {
	case reflect.Slice, reflect.Array:
		for i := 0; i < rows.Len() && db.Error == nil; i++ {
			check(reflect.Indirect(rows.Index(i)))
		}
	case reflect.Struct:
		check(rows)
	}
}

// buildLogStoreLimit writes LogStore's LIMIT forms: "LIMIT n" or
// "LIMIT offset, count" — never "OFFSET", which LogStore rejects.
func buildLogStoreLimit(c clause.Clause, b clause.Builder) {
	l, ok := c.Expression.(clause.Limit)
	if !ok {
		return
	}
	switch {
	case l.Offset > 0:
		if l.Limit == nil || *l.Limit < 0 {
			b.AddError(unsupported("Offset without Limit", "LogStore pages with LIMIT offset, count; set Limit (≤ 10,000) together with Offset"))
			return
		}
		if *l.Limit > MaxPage || l.Offset+*l.Limit > MaxLimit {
			b.AddError(unsupported(fmt.Sprintf("LIMIT %d, %d", l.Offset, *l.Limit), fmt.Sprintf("LogStore pages at most %d rows at a time and %d rows deep", MaxPage, MaxLimit)))
			return
		}
		b.WriteString("LIMIT ")
		b.WriteString(strconv.Itoa(l.Offset))
		b.WriteString(", ")
		b.WriteString(strconv.Itoa(*l.Limit))
	case l.Limit != nil && *l.Limit >= 0:
		if *l.Limit > MaxLimit {
			b.AddError(unsupported(fmt.Sprintf("LIMIT %d", *l.Limit), fmt.Sprintf("LogStore returns at most %d rows per query; page with Limit and Offset", MaxLimit)))
			return
		}
		b.WriteString("LIMIT ")
		b.WriteString(strconv.Itoa(*l.Limit))
	}
}

var (
	timeType     = reflect.TypeOf(time.Time{})
	nullTimeType = reflect.TypeOf(sql.NullTime{})
)

// readColumns lists the columns a query scans into time fields, and those it
// scans into nullable fields (pointers and sql.Null*, where LogStore's empty string
// means nil): those of the model, and of the destination when it is a
// different struct.
func (d *Dialect) readColumns(stmt *gorm.Statement) (times, nullable []string) {
	add := func(s *schema.Schema) {
		for _, f := range s.Fields {
			if f.DBName == "" {
				continue
			}
			if f.IndirectFieldType == timeType || f.IndirectFieldType == nullTimeType {
				times = append(times, f.DBName)
			}
			if f.FieldType.Kind() == reflect.Pointer || isSQLNull(f.FieldType) {
				nullable = append(nullable, f.DBName)
			}
		}
	}
	if stmt.Schema != nil {
		add(stmt.Schema)
	}
	if stmt.Dest != nil && stmt.Dest != stmt.Model {
		if s, err := schema.Parse(stmt.Dest, &d.schemas, stmt.DB.NamingStrategy); err == nil && s != stmt.Schema {
			add(s)
		}
	}
	return times, nullable
}

// isSQLNull reports whether t is one of database/sql's Null types.
func isSQLNull(t reflect.Type) bool {
	return t.PkgPath() == "database/sql" && strings.HasPrefix(t.Name(), "Null")
}

// IsSet is the condition that a nullable column holds a value. On
// PostgreSQL it is "col IS NOT NULL". LogStore stores strings: wflog writes
// nil as the empty string, and how the endpoint stores a NULL literal is undocumented, so
// there it is col greater than the empty string, which is false for both NULL and the empty string and true for
// any other text (ISO-8601 times, uuids).
func (d *Dialect) IsSet(col clause.Column) clause.Expression {
	if !d.Has(Nulls) {
		return clause.Expr{SQL: "? > ''", Vars: []any{col}}
	}
	return clause.Expr{SQL: "? IS NOT NULL", Vars: []any{col}}
}
