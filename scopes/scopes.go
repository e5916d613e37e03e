// Package scopes has query builders for wflog's models, as GORM scopes
// (func(*gorm.DB) *gorm.DB) that never run a query themselves:
//
//	db.Scopes(scopes.ForApp(tenant, app), scopes.CreatedBetween(from, to)).Find(&runs)
//	db.Scopes(scopes.Finished(scopes.ForApp(tenant, app))).Find(&finished)
//	db.Scopes(scopes.AsOf(yesterday)).First(&run, "id = ?", id)
//
// Queries on append-only models read the latest version of each row by
// default; Latest, AsOf and Finished change which versions compete, and the
// dialect writes the form that suits the backend (a NOT EXISTS probe on
// PostgreSQL, ROW_NUMBER() on LogStore). Use at most one of them per query.
package scopes

import (
	"fmt"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"
	"gorm.io/gorm/schema"

	"github.com/wflog/wflog/dialect"
	"github.com/wflog/wflog/models"
)

// Scope is a GORM scope.
type Scope = func(*gorm.DB) *gorm.DB

// Latest reads the latest version of each row among the rows that the owner
// scopes select. Owner scopes (ForApp, or any scope that only adds Where
// conditions on columns that never change between versions) are applied
// before the latest version is chosen; on LogStore that puts them inside the
// ranking subquery, where they cut the rows it ranks. Conditions added
// outside Latest filter the latest rows.
func Latest(owner ...Scope) Scope {
	return func(db *gorm.DB) *gorm.DB {
		return choose(db, "scopes.Latest", owner, nil)
	}
}

// AsOf reads each row as it was at t: its latest version written at or
// before t (versions are write times in nanoseconds). Rows first written
// after t are absent.
func AsOf(t time.Time, owner ...Scope) Scope {
	limit := t.UnixNano()
	return func(db *gorm.DB) *gorm.DB {
		return choose(db, "scopes.AsOf", owner, func(table string) []clause.Expression {
			return []clause.Expression{clause.Lte{Column: clause.Column{Table: table, Name: "version"}, Value: limit}}
		})
	}
}

// Finished reads the latest terminal version of each finished run or node
// execution: rows with finished_at set, one per id. It is the fast path for
// statistics over finished runs — only terminal versions take part, never
// the whole history — and it is exact even when a run has several terminal
// versions (a resumed run that finished twice counts once, as it last
// finished). It is not "runs by current status": running runs are absent,
// and a finished run that was resumed and is running again still appears
// with its last terminal state.
func Finished(owner ...Scope) Scope {
	return func(db *gorm.DB) *gorm.DB {
		d := dialect.Of(db)
		return choose(db, "scopes.Finished", owner, func(table string) []clause.Expression {
			// finished_at set: NULL on PostgreSQL, '' or NULL on LogStore.
			return []clause.Expression{d.IsSet(clause.Column{Table: table, Name: "finished_at"})}
		})
	}
}

// ForApp selects the rows of one app of one tenant. Both columns are the
// same in every version of a row, so ForApp may be an owner scope.
func ForApp(tenantID, appID uuid.UUID) Scope {
	return func(db *gorm.DB) *gorm.DB {
		return db.Where(clause.And(
			clause.Eq{Column: clause.Column{Table: clause.CurrentTable, Name: "tenant_id"}, Value: tenantID},
			clause.Eq{Column: clause.Column{Table: clause.CurrentTable, Name: "app_id"}, Value: appID},
		))
	}
}

// CreatedBetween selects rows created in [from, to). A zero from or to
// leaves that end open.
func CreatedBetween(from, to time.Time) Scope {
	return func(db *gorm.DB) *gorm.DB {
		col := clause.Column{Table: clause.CurrentTable, Name: "created_at"}
		var conds []clause.Expression
		if !from.IsZero() {
			conds = append(conds, clause.Gte{Column: col, Value: from.UTC()})
		}
		if !to.IsZero() {
			conds = append(conds, clause.Lt{Column: col, Value: to.UTC()})
		}
		if len(conds) == 0 {
			return db
		}
		return db.Where(clause.And(conds...))
	}
}

// TriggeredFrom selects rows started in one of the given ways
// (models.RunFromAppRun, models.NodeFromWorkflowRun, …). With no values it
// selects every row.
func TriggeredFrom[T ~string](values ...T) Scope {
	return func(db *gorm.DB) *gorm.DB {
		if len(values) == 0 {
			return db
		}
		vs := make([]any, len(values))
		for i, v := range values {
			vs[i] = string(v)
		}
		col := clause.Column{Table: clause.CurrentTable, Name: "triggered_from"}
		if len(vs) == 1 {
			return db.Where(clause.Eq{Column: col, Value: vs[0]})
		}
		return db.Where(clause.IN{Column: col, Values: vs})
	}
}

// Aggregating tells the query which columns of the latest rows it reads,
// for aggregates over many rows (counts, sums by day): the latest versions
// are then chosen reading only those columns — on PostgreSQL with DISTINCT
// ON over schema.sql's covering index, on LogStore with a narrower ranking
// subquery. Name every column the query reads outside Latest/AsOf/Finished,
// filters included.
func Aggregating(columns ...string) Scope {
	return func(db *gorm.DB) *gorm.DB {
		c := dialect.ChoiceOf(db.Statement)
		c.Columns, c.Leading, c.Index = columns, []string{"created_at"}, runsCoveringIndex()
		dialect.SetChoice(db.Statement, c)
		return db
	}
}

// runsCoveringIndex is the columns of the covering index of
// models.WorkflowRun (schema.sql's workflow_runs_app_idx and
// workflow_runs_app_finished_idx), in their order, as the model's
// wflog:"covering:N" tags declare them.
var runsCoveringIndex = sync.OnceValue(func() []string {
	cols, err := coveringIndex(&models.WorkflowRun{})
	if err != nil {
		panic(err) // the model's own tags: TestRunsCoveringIndexMatchesSchema fails first
	}
	return cols
})

// coveringIndex reads model's covering index from GORM's parsed schema:
// the columns whose wflog tag says covering:N, ordered by N, which must
// run 1, 2, … without gaps or repeats.
func coveringIndex(model any) ([]string, error) {
	s, err := schema.Parse(model, &sync.Map{}, schema.NamingStrategy{})
	if err != nil {
		return nil, err
	}
	at := map[int]string{}
	for _, f := range s.Fields {
		v, ok := schema.ParseTagSetting(f.Tag.Get("wflog"), ";")["COVERING"]
		if !ok {
			continue
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return nil, fmt.Errorf("scopes: %s.%s: wflog tag covering:%s: want a position from 1", s.Name, f.Name, v)
		}
		if other, dup := at[n]; dup {
			return nil, fmt.Errorf("scopes: %s: columns %s and %s both at covering index position %d", s.Name, other, f.DBName, n)
		}
		at[n] = f.DBName
	}
	positions := make([]int, 0, len(at))
	for n := range at {
		positions = append(positions, n)
	}
	sort.Ints(positions)
	cols := make([]string, len(positions))
	for i, n := range positions {
		if n != i+1 {
			return nil, fmt.Errorf("scopes: %s: the covering index has no column at position %d", s.Name, i+1)
		}
		cols[i] = at[n]
	}
	return cols, nil
}

// choose records a version choice on db's statement: the one value the
// dialect's KeepLatest consumes (dialect.Choice). Owner scopes run here, on
// an empty statement, and their conditions are kept. Two choices on one
// statement are an error: they would contradict each other.
func choose(db *gorm.DB, name string, owner []Scope, among func(string) []clause.Expression) *gorm.DB {
	c := dialect.ChoiceOf(db.Statement)
	if c.Name != "" {
		db.AddError(fmt.Errorf("scopes: %s and %s both choose which versions to read; use one", c.Name, name))
		return db
	}
	conds, err := ownerConditions(db, name, owner)
	if err != nil {
		db.AddError(err)
		return db
	}
	c.Name, c.Owner, c.Among = name, conds, among
	dialect.SetChoice(db.Statement, c)
	return db
}

// ownerConditions runs the owner scopes on an empty statement and returns
// the conditions they add.
func ownerConditions(db *gorm.DB, name string, owner []Scope) ([]clause.Expression, error) {
	if len(owner) == 0 {
		return nil, nil
	}
	tx := db.Session(&gorm.Session{NewDB: true})
	for _, scope := range owner {
		tx = scope(tx)
	}
	if tx.Error != nil {
		return nil, tx.Error
	}
	var conds []clause.Expression
	for clauseName, c := range tx.Statement.Clauses {
		if clauseName != "WHERE" {
			return nil, fmt.Errorf("scopes: %s: an owner scope added a %s clause; owner scopes may only add Where conditions", name, clauseName)
		}
		if w, ok := c.Expression.(clause.Where); ok {
			conds = append(conds, w.Exprs...)
		}
	}
	if len(tx.Statement.Joins) > 0 || len(tx.Statement.Selects) > 0 || tx.Statement.TableExpr != nil {
		return nil, fmt.Errorf("scopes: %s: owner scopes may only add Where conditions", name)
	}
	return conds, nil
}
