package dialect

import (
	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// Versioned describes an append-only table: rows that share Identity are
// versions of one record, ordered by Version.
type Versioned struct {
	Table    string   // the base table
	Identity []string // columns naming the record, e.g. id
	Version  string   // the version column
}

// Choice says which versions compete to be "the latest".
type Choice struct {
	// Owner conditions hold for every version of a record (tenant, app:
	// columns that never change between versions), so they may be applied
	// before the latest version is chosen — inside LogStore's window.
	Owner []clause.Expression

	// Among restricts which versions compete, e.g. "version ≤ t" for a past
	// state or "finished_at IS NOT NULL" for the latest terminal version. It
	// is given the table (or alias) to qualify its columns with.
	Among func(table string) []clause.Expression
}

// RankColumn is the column LogStore's latest-version subquery ranks versions in.
const RankColumn = "wflog_rn"

const newerAlias = "wflog_newer"

// KeepLatest makes stmt, a query on v.Table, read only the latest version of
// each record among the versions c admits. The caller's other conditions
// then filter those latest rows.
//
// PostgreSQL: a NOT EXISTS probe for a newer admitted version, which keeps
// the caller's conditions on the base table where its indexes serve them.
// LogStore: ROW_NUMBER() OVER (PARTITION BY identity ORDER BY version DESC)
// in a subquery that replaces the table, with the owner conditions and the
// __time__ bound inside it (LogStore has no DISTINCT ON).
func (d *Dialect) KeepLatest(stmt *gorm.Statement, v Versioned, c Choice) {
	var among []clause.Expression
	if c.Among != nil {
		among = c.Among(stmt.Table)
	}
	if d.backend == LogStore {
		from := clause.Expression(clause.Expr{SQL: "?", Vars: []any{clause.Table{Name: v.Table}}})
		if stmt.TableExpr != nil {
			from = *stmt.TableExpr
		}
		conds := append(append([]clause.Expression{clause.Expr{SQL: TimeBound}}, c.Owner...), among...)
		stmt.TableExpr = &clause.Expr{SQL: "?", Vars: []any{rankedVersions{from: from, alias: stmt.Table, v: v, where: conds}}}
		stmt.AddClause(clause.Where{Exprs: []clause.Expression{
			clause.Expr{SQL: "? = 1", Vars: []any{clause.Column{Table: clause.CurrentTable, Name: RankColumn}}},
		}})
		return
	}
	exprs := append(append([]clause.Expression{}, c.Owner...), among...)
	exprs = append(exprs, d.NoNewerVersion(v, clause.CurrentTable, c.Among))
	stmt.AddClause(clause.Where{Exprs: exprs})
}

// NoNewerVersion is PostgreSQL's latest-version predicate for rows of table
// (a name or alias; clause.CurrentTable for the statement's own):
//
//	NOT EXISTS (SELECT 1 FROM t AS wflog_newer
//	            WHERE wflog_newer.id = t.id AND wflog_newer.version > t.version [AND among])
func (d *Dialect) NoNewerVersion(v Versioned, table string, among func(string) []clause.Expression) clause.Expression {
	var amongNewer []clause.Expression
	if among != nil {
		amongNewer = among(newerAlias)
	}
	return noNewerVersion{v: v, table: table, among: amongNewer}
}

type noNewerVersion struct {
	v     Versioned
	table string
	among []clause.Expression
}

func (e noNewerVersion) Build(b clause.Builder) {
	b.WriteString("NOT EXISTS (SELECT 1 FROM ")
	b.WriteQuoted(clause.Table{Name: e.v.Table})
	b.WriteString(" AS ")
	b.WriteQuoted(newerAlias)
	b.WriteString(" WHERE ")
	for _, col := range e.v.Identity {
		b.WriteQuoted(clause.Column{Table: newerAlias, Name: col})
		b.WriteString(" = ")
		b.WriteQuoted(clause.Column{Table: e.table, Name: col})
		b.WriteString(" AND ")
	}
	b.WriteQuoted(clause.Column{Table: newerAlias, Name: e.v.Version})
	b.WriteString(" > ")
	b.WriteQuoted(clause.Column{Table: e.table, Name: e.v.Version})
	for _, x := range e.among {
		b.WriteString(" AND ")
		x.Build(b)
	}
	b.WriteByte(')')
}

// rankedVersions is LogStore's latest-version subquery:
//
//	(SELECT *, ROW_NUMBER() OVER (PARTITION BY id ORDER BY version DESC) AS wflog_rn
//	 FROM t WHERE __time__ > 0 AND <owner> AND <among>) AS t
type rankedVersions struct {
	from  clause.Expression
	alias string
	v     Versioned
	where []clause.Expression
}

func (r rankedVersions) Build(b clause.Builder) {
	b.WriteString("(SELECT *, ROW_NUMBER() OVER (PARTITION BY ")
	for i, col := range r.v.Identity {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteQuoted(clause.Column{Name: col})
	}
	b.WriteString(" ORDER BY ")
	b.WriteQuoted(clause.Column{Name: r.v.Version})
	b.WriteString(" DESC) AS ")
	b.WriteQuoted(RankColumn)
	b.WriteString(" FROM ")
	r.from.Build(b)
	b.WriteString(" WHERE ")
	clause.Where{Exprs: r.where}.Build(b)
	b.WriteString(") AS ")
	b.WriteQuoted(r.alias)
}
