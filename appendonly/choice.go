package appendonly

import (
	"fmt"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// Versions chooses which versions of an append-only model a query reads.
// The zero value is the default: the latest version of each row.
type Versions struct {
	// All reads every version: the history. Like Unscoped, but leaves other
	// plugins' scopes (soft delete, say) in force.
	All bool

	// Owner scopes select rows by columns that are the same in every version
	// of a row (tenant, app). They are applied before the latest version is
	// chosen, which on LogStore puts them inside the ranking subquery.
	// They may only add Where conditions.
	Owner []func(*gorm.DB) *gorm.DB

	// Among restricts the versions that compete to be the latest, e.g. those
	// written by a time (AsOf) or terminal ones (Finished). It receives the
	// table or alias to qualify its columns with.
	Among func(table string) []clause.Expression

	// Name says who made the choice, for error messages (e.g. "scopes.AsOf").
	Name string
}

// Reads tells a query on an append-only model which columns it reads from
// the latest rows, so the dialect can choose the latest versions reading
// only those (see dialect.Choice). Aggregates set it; row reads need not.
type Reads struct {
	Columns []string // the columns the query reads
	Leading []string // columns equal in every version that lead the covering index

	// Index lists the covering index's columns in its order, when the
	// model has them all (see dialect.Choice.Index); it is ignored for a
	// model that lacks any of them.
	Index []string
}

const readsKey = "wflog:reads"

// WithReads returns db with the Reads hint set.
func WithReads(db *gorm.DB, r Reads) *gorm.DB {
	db.Statement.Settings.Store(readsKey, r)
	return db
}

func readsOf(stmt *gorm.Statement) Reads {
	r, _ := stmt.Settings.Load(readsKey)
	reads, _ := r.(Reads)
	return reads
}

const versionsKey = "wflog:versions"

// WithVersions returns db reading the versions v chooses. It is how the
// scopes package implements Latest, AsOf and Finished. Two choices on one
// statement are an error: they would contradict each other.
func WithVersions(db *gorm.DB, v Versions) *gorm.DB {
	if prev, ok := db.Statement.Settings.Load(versionsKey); ok {
		db.AddError(fmt.Errorf("appendonly: %s and %s both choose which versions to read; use one", prev.(Versions).Name, nameOr(v.Name)))
		return db
	}
	v.Name = nameOr(v.Name)
	db.Statement.Settings.Store(versionsKey, v)
	return db
}

// History returns db reading every version of each row, oldest first by
// nothing in particular: order it yourself (Order("version")).
func History(db *gorm.DB) *gorm.DB {
	return WithVersions(db, Versions{All: true, Name: "appendonly.History"})
}

func nameOr(n string) string {
	if n == "" {
		return "appendonly.WithVersions"
	}
	return n
}

func versionsOf(stmt *gorm.Statement) (Versions, bool) {
	v, ok := stmt.Settings.Load(versionsKey)
	if !ok {
		return Versions{}, false
	}
	return v.(Versions), true
}

// ownerConditions runs the owner scopes on an empty statement and returns
// the conditions they add.
func ownerConditions(stmt *gorm.Statement, v Versions) ([]clause.Expression, error) {
	if len(v.Owner) == 0 {
		return nil, nil
	}
	tx := stmt.DB.Session(&gorm.Session{NewDB: true})
	for _, scope := range v.Owner {
		tx = scope(tx)
	}
	if tx.Error != nil {
		return nil, tx.Error
	}
	var conds []clause.Expression
	for name, c := range tx.Statement.Clauses {
		if name != "WHERE" {
			return nil, fmt.Errorf("appendonly: %s: an owner scope added a %s clause; owner scopes may only add Where conditions", v.Name, name)
		}
		if w, ok := c.Expression.(clause.Where); ok {
			conds = append(conds, w.Exprs...)
		}
	}
	if len(tx.Statement.Joins) > 0 || len(tx.Statement.Selects) > 0 || tx.Statement.TableExpr != nil {
		return nil, fmt.Errorf("appendonly: %s: owner scopes may only add Where conditions", v.Name)
	}
	return conds, nil
}
