// Package appendonly is a GORM plugin that stores models as append-only,
// versioned rows. A model opts in with a field of type Version that is part
// of its primary key:
//
//	type Run struct {
//		ID      uuid.UUID          `gorm:"type:uuid;primaryKey"`
//		Version appendonly.Version `gorm:"primaryKey"`
//		Status  string
//	}
//
//	db.Use(appendonly.New(appendonly.Config{}))
//	db.Create(&run)                           // INSERT …, version = now in ns
//	run.Status = "succeeded"; db.Save(&run)   // INSERT of the whole row, a newer version
//	db.Model(&run).Update("status", "failed") // the same: change in memory, INSERT
//	db.Find(&runs)                            // only the latest version of each id
//	db.Unscoped().Find(&history)              // every version
//	db.Delete(&run)                           // PostgreSQL: every version of run.ID
//
// Nothing is ever UPDATEd. wflog.Open installs the plugin; see the README for
// the SQL each call produces on PostgreSQL and on LogStore.
package appendonly

import (
	"gorm.io/gorm"

	"github.com/wflog/wflog/internal/dialect"
	"gorm.io/gorm/clause"
	"gorm.io/gorm/schema"
)

// Version is a row version: nanoseconds since the Unix epoch when the row was
// written, from the plugin's Clock. The row with the greatest Version of an
// ID is that ID's current state. Zero means "not loaded from the database".
type Version int64

// QueryClauses makes every query on the model read only the latest version
// of each row unless the statement is Unscoped.
func (Version) QueryClauses(f *schema.Field) []clause.Interface {
	return []clause.Interface{latestClause{field: f}}
}

// CreateClauses, UpdateClauses and DeleteClauses only run when the plugin
// is not installed (it handles these operations itself); they stop GORM from
// writing an append-only model the ordinary, overwriting way.
func (Version) CreateClauses(f *schema.Field) []clause.Interface {
	return []clause.Interface{installedCheck{}}
}

// UpdateClauses: see CreateClauses.
func (Version) UpdateClauses(f *schema.Field) []clause.Interface {
	return []clause.Interface{installedCheck{}}
}

// DeleteClauses: see CreateClauses.
func (Version) DeleteClauses(f *schema.Field) []clause.Interface {
	return []clause.Interface{installedCheck{}}
}

// modifier is a clause that only modifies the statement, as gorm's
// soft_delete clauses do; it writes no SQL of its own.
type modifier struct{}

func (modifier) Name() string               { return "" }
func (modifier) Build(clause.Builder)       {}
func (modifier) MergeClause(*clause.Clause) {}

type installedCheck struct{ modifier }

func (installedCheck) ModifyStatement(stmt *gorm.Statement) {
	if pluginOf(stmt.DB) == nil {
		stmt.AddError(notInstalled(stmt))
	}
}

// latestClause applies the version choice of the statement (the latest
// version by default) when the query is built.
type latestClause struct {
	modifier
	field *schema.Field
}

const appliedKey = "wflog:versions_applied"

func (c latestClause) ModifyStatement(stmt *gorm.Statement) {
	if _, done := stmt.Clauses[appliedKey]; done {
		return
	}
	stmt.Clauses[appliedKey] = clause.Clause{}
	p := pluginOf(stmt.DB)
	if p == nil {
		stmt.AddError(notInstalled(stmt))
		return
	}
	m, err := p.model(stmt.Schema)
	if err != nil {
		stmt.AddError(err)
		return
	}
	choice := dialect.ChoiceOf(stmt)
	if stmt.Unscoped && choice.Name == "" || choice.All {
		return // the history: every version
	}
	dialect.Of(stmt.DB).KeepLatest(stmt, m.versioned(), choice)
}
