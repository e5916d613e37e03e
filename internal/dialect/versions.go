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

// Choice is the one value a query's scopes build to say which versions of
// an append-only model it reads, and how: scopes.Latest, AsOf and Finished
// set who competes, scopes.Aggregating what is read. The dialect consumes it
// in KeepLatest. A new hint is a field here and a scope that sets it; the
// appendonly plugin only carries it from the statement to KeepLatest.
type Choice struct {
	// Name says which scope chose the versions (e.g. "scopes.AsOf"), for
	// error messages; empty when none did and the default, the latest
	// version of each record, applies.
	Name string

	// All reads every version: the history.
	All bool

	// Owner conditions hold for every version of a record (tenant, app:
	// columns that never change between versions), so they may be applied
	// before the latest version is chosen — inside LogStore's window.
	Owner []clause.Expression

	// Among restricts which versions compete, e.g. "version ≤ t" for a past
	// state or "finished_at IS NOT NULL" for the latest terminal version. It
	// is given the table (or alias) to qualify its columns with.
	Among func(table string) []clause.Expression

	// Columns, when set, are the only columns the query reads from the
	// latest rows (an aggregate's inputs). The latest version is then chosen
	// in a subquery that reads just these: DISTINCT ON over a covering index
	// on PostgreSQL, max(version) per record over one on SQLite, a narrower
	// ranking subquery on LogStore. Without it, PostgreSQL and SQLite probe
	// each row for a newer version (NOT EXISTS), which is the faster form
	// for reading a few rows.
	Columns []string

	// Leading columns are the same in every version of a record and come
	// before the identity in the covering index (created_at, for wflog's
	// models): PostgreSQL's DISTINCT ON sorts by them first, so the index
	// delivers rows in order and a range on them is an index range.
	Leading []string

	// Index, when set, is the covering index's columns in its order. If
	// the model has them all and they include every column the subquery
	// needs, PostgreSQL's subquery selects exactly them: the index-only
	// scan's tuples then pass through DISTINCT ON unprojected, which
	// measured 15–20% of a daily statistic over finished runs
	// (docs/PERFORMANCE.md).
	Index []string
}

const choiceKey = "wflog:choice"

// ChoiceOf returns the choice stmt's scopes made; the zero Choice (the
// latest version of each record) when they made none.
func ChoiceOf(stmt *gorm.Statement) Choice {
	c, _ := stmt.Settings.Load(choiceKey)
	choice, _ := c.(Choice)
	return choice
}

// SetChoice records c as stmt's choice; scopes call it.
func SetChoice(stmt *gorm.Statement, c Choice) { stmt.Settings.Store(choiceKey, c) }

// RankColumn is the column LogStore's latest-version subquery ranks versions in.
const RankColumn = "wflog_rn"

const newerAlias = "wflog_newer"

// LatestAlias names LogStore's latest-version subquery in the statement
// that reads from it.
const LatestAlias = "wflog_latest"

// KeepLatest makes stmt, a query on v.Table, read only the latest version of
// each record among the versions c admits. The caller's other conditions
// then filter those latest rows.
//
// PostgreSQL and SQLite: a NOT EXISTS probe for a newer admitted version,
// which keeps the caller's conditions on the base table where its indexes
// serve them; for aggregates (c.Columns), a subquery over the covering index
// (DISTINCT ON on PostgreSQL, max(version) per record on SQLite).
// LogStore: ROW_NUMBER() OVER (PARTITION BY identity ORDER BY version DESC)
// in a subquery that replaces the table, with the owner conditions and the
// __time__ bound inside it (LogStore has no DISTINCT ON).
func (d *Dialect) KeepLatest(stmt *gorm.Statement, v Versioned, c Choice) {
	if len(c.Index) > 0 && stmt.Schema != nil {
		for _, col := range c.Index {
			if _, ok := stmt.Schema.FieldsByDBName[col]; !ok {
				c.Index = nil // not this model's covering index
				break
			}
		}
	}
	var among []clause.Expression
	if c.Among != nil {
		among = c.Among(stmt.Table)
	}
	from := clause.Expression(clause.Expr{SQL: "?", Vars: []any{clause.Table{Name: v.Table}}})
	if stmt.TableExpr != nil {
		from = *stmt.TableExpr
	}
	if len(c.Columns) > 0 || d.rowsLatest == nil {
		d.latestRows(stmt, v, from, c, among)
		return
	}
	d.rowsLatest(stmt, v, c)
}

// probeLatest is the row reads' form where the backend has keys: the
// caller's conditions stay on the base table, and each row is probed on the
// primary key for a newer admitted version.
func (d *Dialect) probeLatest(stmt *gorm.Statement, v Versioned, c Choice) {
	var among []clause.Expression
	if c.Among != nil {
		among = c.Among(stmt.Table)
	}
	exprs := append(append([]clause.Expression{}, c.Owner...), among...)
	exprs = append(exprs, d.NoNewerVersion(v, clause.CurrentTable, c.Among))
	stmt.AddClause(clause.Where{Exprs: exprs})
}

// rankedLatest is LogStore's form, for every read.
func (d *Dialect) rankedLatest(stmt *gorm.Statement, v Versioned, from clause.Expression, c Choice, among []clause.Expression) {
	conds := append(append([]clause.Expression{clause.Expr{SQL: TimeBound}}, c.Owner...), among...)
	var cols []string
	if len(c.Columns) > 0 {
		cols = append(append([]string{}, c.Leading...), without(c.Columns, c.Leading, "")...)
	}
	// The derived table gets a name of its own (SLS examples and Dify
	// never reuse the logstore's name for it); the statement's own
	// columns (clause.CurrentTable) then name it.
	stmt.TableExpr = &clause.Expr{SQL: "?", Vars: []any{rankedVersions{from: from, table: stmt.Table, alias: LatestAlias, v: v, where: conds, columns: cols}}}
	stmt.Table = LatestAlias
	dropTimeBound(stmt) // the ranking carries it; outside, __time__ is not needed
	stmt.AddClause(clause.Where{Exprs: []clause.Expression{
		clause.Expr{SQL: "? = 1", Vars: []any{clause.Column{Table: clause.CurrentTable, Name: RankColumn}}},
	}})
}

// latestColumns is what an aggregate's latest-version subquery selects:
// the keys (leading columns, identity), the version, then what c reads —
// or exactly the covering index's columns when they hold all of that.
func latestColumns(v Versioned, c Choice) (keys, columns []string) {
	keys = append(append([]string{}, c.Leading...), v.Identity...)
	columns = append(append(keys, v.Version), without(c.Columns, keys, v.Version)...)
	if len(c.Index) > 0 && len(without(columns, c.Index, "")) == 0 {
		columns = c.Index
	}
	return keys, columns
}

// distinctLatest is PostgreSQL's aggregate form: DISTINCT ON.
func distinctLatest(stmt *gorm.Statement, v Versioned, from clause.Expression, c Choice, among []clause.Expression) {
	conds := append(append([]clause.Expression{}, c.Owner...), among...)
	keys, columns := latestColumns(v, c)
	stmt.TableExpr = &clause.Expr{SQL: "?", Vars: []any{distinctVersions{from: from, alias: stmt.Table, v: v, where: conds, keys: keys, columns: columns}}}
}

// NoNewerVersion is PostgreSQL's and SQLite's latest-version predicate for rows of table
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
//
// With columns, it selects id, version, __time__ and those instead of *.
type rankedVersions struct {
	from    clause.Expression
	table   string // what clause.CurrentTable names inside: the logstore
	alias   string
	v       Versioned
	where   []clause.Expression
	columns []string
}

func (r rankedVersions) Build(b clause.Builder) {
	b.WriteString("(SELECT ")
	if len(r.columns) == 0 {
		b.WriteByte('*')
	} else {
		writeColumns(b, append(append(append([]string{}, r.v.Identity...), r.v.Version, "__time__"), without(r.columns, r.v.Identity, r.v.Version)...))
	}
	b.WriteString(", ROW_NUMBER() OVER (PARTITION BY ")
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
	// Inside, the statement's own columns are the logstore's.
	if st, ok := b.(*gorm.Statement); ok && r.table != "" {
		outer := st.Table
		st.Table = r.table
		defer func() { st.Table = outer }()
	}
	clause.Where{Exprs: r.where}.Build(b)
	b.WriteString(") AS ")
	b.WriteQuoted(r.alias)
}

// distinctVersions is PostgreSQL's latest-version subquery for aggregates:
//
//	(SELECT DISTINCT ON (created_at, id) <columns>
//	 FROM t WHERE <owner> AND <among> ORDER BY created_at, id, version DESC) AS t
//
// Over an index on (owner…, created_at, id, version DESC) that includes the
// columns, PostgreSQL reads it with an index-only scan and no sort.
type distinctVersions struct {
	from          clause.Expression
	alias         string
	v             Versioned
	where         []clause.Expression
	keys, columns []string // the DISTINCT ON keys; what the subquery selects
}

func (r distinctVersions) Build(b clause.Builder) {
	keys := r.keys
	b.WriteString("(SELECT DISTINCT ON (")
	writeColumns(b, keys)
	b.WriteString(") ")
	writeColumns(b, r.columns)
	b.WriteString(" FROM ")
	r.from.Build(b)
	if len(r.where) > 0 {
		b.WriteString(" WHERE ")
		clause.Where{Exprs: r.where}.Build(b)
	}
	b.WriteString(" ORDER BY ")
	writeColumns(b, keys)
	b.WriteString(", ")
	b.WriteQuoted(clause.Column{Name: r.v.Version})
	b.WriteString(" DESC) AS ")
	b.WriteQuoted(r.alias)
}

func writeColumns(b clause.Builder, cols []string) {
	for i, c := range cols {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteQuoted(clause.Column{Name: c})
	}
}

// without returns cols minus those in drop and extra.
func without(cols, drop []string, extra string) []string {
	var out []string
	for _, c := range cols {
		keep := c != extra
		for _, d := range drop {
			keep = keep && c != d
		}
		if keep {
			out = append(out, c)
		}
	}
	return out
}

// dropTimeBound removes the __time__ bound prepareQuery added to stmt's
// WHERE, for a statement whose FROM turned out to be a subquery that
// carries the bound itself.
func dropTimeBound(stmt *gorm.Statement) {
	c, ok := stmt.Clauses["WHERE"]
	if !ok {
		return
	}
	w, ok := c.Expression.(clause.Where)
	if !ok {
		return
	}
	kept := w.Exprs[:0:0]
	for _, e := range w.Exprs {
		if x, ok := e.(clause.Expr); ok && x.SQL == TimeBound && len(x.Vars) == 0 {
			continue
		}
		kept = append(kept, e)
	}
	w.Exprs = kept
	c.Expression = w
	stmt.Clauses["WHERE"] = c
}
