package appendonly

import (
	"database/sql"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/callbacks"
	"gorm.io/gorm/clause"
	"gorm.io/gorm/schema"

	"github.com/wflog/wflog/internal/dialect"
)

// statementModel returns the append-only description of the statement's
// model, nil for an ordinary model; a broken Version field is recorded on db.
func (p *Plugin) statementModel(db *gorm.DB) *model {
	m, err := p.model(db.Statement.Schema)
	if err != nil {
		db.AddError(err)
		return nil
	}
	return m
}

// versioned wraps one of GORM's write callbacks: fn handles append-only
// models, orig every other.
func (p *Plugin) versioned(op string, orig func(*gorm.DB), fn func(db *gorm.DB, m *model)) func(*gorm.DB) {
	return func(db *gorm.DB) {
		if db.Error != nil {
			return
		}
		if m := p.statementModel(db); m != nil {
			fn(db, m)
			return
		}
		if db.Error != nil {
			return
		}
		if name, table := p.appendOnlyTable(db.Statement); name != "" {
			db.AddError(fmt.Errorf("%w: %s: %q is the append-only table of %s, and a write that names the table without the model cannot be versioned (an %s there would rewrite or remove stored versions): %s", ErrNotLoaded, op, table, name, op, advice[op]))
			return
		}
		orig(db)
	}
}

// advice says what to do instead of a write that names an append-only
// table without its model.
var advice = map[string]string{
	"UPDATE": "load the rows with their model, change them, Save them",
	"INSERT": "create a value of the model, so that its id and version are set",
	"DELETE": "delete through the model: db.Where(…).Delete(&Model{})",
}

// appendOnlyTable reports whether the statement writes a table the plugin
// knows as append-only (from the models it has seen or that were
// registered) through something that is not that model: db.Table("t")
// with no model, or with another struct. It returns the model's name and
// the table.
func (p *Plugin) appendOnlyTable(stmt *gorm.Statement) (string, string) {
	var names []string
	if stmt.Table != "" {
		names = append(names, stmt.Table)
	}
	if stmt.TableExpr != nil {
		// "workflow_runs AS r", "public.workflow_runs", `"workflow_runs"`.
		first, _, _ := strings.Cut(strings.TrimSpace(stmt.TableExpr.SQL), " ")
		names = append(names, first)
	}
	for _, n := range names {
		key := tableKey(n)
		if v, ok := p.tables.Load(key); ok {
			if stmt.Schema == nil || tableKey(stmt.Schema.Table) != key || versionField(stmt.Schema) == nil {
				return v.(string), key
			}
		}
	}
	return "", ""
}

// tableKey normalises a table name as PostgreSQL resolves an unquoted one:
// quotes and schema dropped, lower case.
func tableKey(name string) string {
	name = strings.Trim(strings.TrimSpace(name), "\"`")
	if i := strings.LastIndexByte(name, '.'); i >= 0 {
		name = strings.Trim(name[i+1:], "\"`")
	}
	return strings.ToLower(name)
}

// create gives new rows their IDs and versions and lets GORM insert them,
// batch by batch when the backend limits rows per statement.
func (p *Plugin) create(orig func(*gorm.DB)) func(*gorm.DB) {
	return p.versioned("INSERT", orig, func(db *gorm.DB, m *model) {
		stmt := db.Statement
		if isMapDest(stmt.Dest) {
			db.AddError(fmt.Errorf("appendonly: creating %s from a map is not supported: create a %s value, so that its id and version can be set", m.schema.Name, m.schema.Name))
			return
		}
		// Save(slice) asks for ON CONFLICT UPDATE ALL, and GORM saves
		// associations with ON CONFLICT (key) DO NOTHING or DO UPDATE. For
		// append-only rows, with the conflict target their key (id,
		// version): a row never stored (version 0) is new; a stored row is
		// left alone (DO NOTHING) or written again as a new version (DO
		// UPDATE, UPDATE ALL) — never an overwrite.
		renew, skipStored := false, false
		if c, ok := stmt.Clauses["ON CONFLICT"]; ok {
			oc, _ := c.Expression.(clause.OnConflict)
			if !onKey(oc, m) {
				db.AddError(fmt.Errorf("appendonly: %s: ON CONFLICT means nothing for append-only rows, where every save is a new version: drop the clause", m.schema.Name))
				return
			}
			delete(stmt.Clauses, "ON CONFLICT")
			renew, skipStored = !oc.DoNothing, oc.DoNothing
		}
		if skipStored {
			if stmt.ReflectValue = unstored(stmt, m, stmt.ReflectValue); !stmt.ReflectValue.IsValid() {
				return // every row is stored already: nothing to do
			}
		}
		all := rowsOf(stmt.ReflectValue)
		renewable := true
		var loaded []reflect.Value
		for _, r := range all {
			if err := assignID(stmt, m, r); err != nil {
				db.AddError(err)
				return
			}
			switch v := p.versionOf(stmt, m, r); {
			case v != 0 && renew:
				loaded = append(loaded, r)
			case v == 0:
				p.setVersion(stmt, m, r, p.clock.Next(v))
			default:
				renewable = false // the caller chose this version; a collision is theirs to see
			}
		}
		if err := p.versionAfterStored(db, m, loaded); err != nil {
			db.AddError(err)
			return
		}

		_, trackTime := stmt.Get("gorm:update_track_time")
		insert := func(part reflect.Value, partRows []reflect.Value) {
			stmt.ReflectValue = part
			p.withRetry(db, m, partRows, renewable, func() {
				stmt.SQL.Reset()
				stmt.Vars = nil
				if trackTime {
					stmt.Settings.Store("gorm:update_track_time", true)
				}
				orig(db)
				if db.Error == nil && !db.DryRun {
					wrote(db, len(partRows))
				}
			})
		}
		rv := stmt.ReflectValue
		batch := p.rowsPerStatement(dialect.Of(db), m)
		if (rv.Kind() != reflect.Slice && rv.Kind() != reflect.Array) || batch <= 0 || rv.Len() <= batch {
			insert(rv, all)
			return
		}
		var affected int64
		for start := 0; start < rv.Len() && db.Error == nil; start += batch {
			end := min(start+batch, rv.Len())
			insert(rv.Slice(start, end), all[start:end])
			affected += db.RowsAffected
		}
		stmt.ReflectValue = rv
		db.RowsAffected = affected
	})
}

// onKey reports whether oc is an ON CONFLICT the plugin can honour: on the
// row's key (or no target), with no conditions.
func onKey(oc clause.OnConflict, m *model) bool {
	if oc.OnConstraint != "" || len(oc.Where.Exprs) > 0 || len(oc.TargetWhere.Exprs) > 0 {
		return false
	}
	if !oc.DoNothing && !oc.UpdateAll && len(oc.DoUpdates) == 0 {
		return false
	}
	key := map[string]bool{m.version.DBName: true}
	for _, f := range m.identity {
		key[f.DBName] = true
	}
	for _, c := range oc.Columns {
		if !key[c.Name] {
			return false
		}
	}
	return true
}

// unstored returns the rows of rv never stored (version 0), as a value of
// rv's type, or the zero Value when there are none.
func unstored(stmt *gorm.Statement, m *model, rv reflect.Value) reflect.Value {
	switch rv.Kind() {
	case reflect.Slice, reflect.Array:
		out := reflect.MakeSlice(reflect.SliceOf(rv.Type().Elem()), 0, rv.Len())
		for i := 0; i < rv.Len(); i++ {
			if e := reflect.Indirect(rv.Index(i)); e.Kind() == reflect.Struct {
				if v, _ := m.version.ValueOf(stmt.Context, e); v.(Version) == 0 {
					out = reflect.Append(out, rv.Index(i))
				}
			}
		}
		if out.Len() == 0 {
			return reflect.Value{}
		}
		return out
	case reflect.Struct:
		if v, _ := m.version.ValueOf(stmt.Context, rv); v.(Version) != 0 {
			return reflect.Value{}
		}
	}
	return rv
}

func isMapDest(dest any) bool {
	switch dest.(type) {
	case map[string]any, *map[string]any, []map[string]any, *[]map[string]any:
		return true
	}
	return false
}

// update applies the changes to the loaded model in memory and INSERTs the
// whole row as a new version. GORM's own assignment code decides what
// changes, so Select, Omit, maps, structs and UpdatedAt behave as usual.
func (p *Plugin) update(orig func(*gorm.DB)) func(*gorm.DB) {
	return p.versioned("UPDATE", orig, func(db *gorm.DB, m *model) {
		stmt := db.Statement
		if w, ok := stmt.Clauses["WHERE"].Expression.(clause.Where); ok && len(w.Exprs) > 0 {
			db.AddError(fmt.Errorf("%w: %s: an update by condition cannot be append-only, because the rows it would change are not in memory: load them, change them, Save them", ErrNotLoaded, m.schema.Name))
			return
		}
		if _, ok := stmt.Clauses["SET"]; ok {
			db.AddError(fmt.Errorf("%w: %s: a SET clause cannot be applied to a row in memory: assign the fields and Save", ErrNotLoaded, m.schema.Name))
			return
		}
		if !stmt.ReflectValue.CanAddr() {
			db.AddError(fmt.Errorf("%w: %s: pass a pointer to the model (db.Model(&row)) so that the change and the new version reach it", ErrNotLoaded, m.schema.Name))
			return
		}
		all := rowsOf(stmt.ReflectValue)
		if len(all) == 0 {
			db.AddError(fmt.Errorf("%w: %s: no row to update: pass the loaded row with db.Model(&row)", ErrNotLoaded, m.schema.Name))
			return
		}
		for _, r := range all {
			if p.versionOf(stmt, m, r) == 0 {
				id, _ := m.identity[0].ValueOf(stmt.Context, r)
				db.AddError(fmt.Errorf("%w: %s %s has version 0, so it was never read from the database: load it (First, Find) or Create it before updating it", ErrNotLoaded, m.schema.Name, truncateValue(id)))
				return
			}
		}
		if values, ok := stmt.Dest.(map[string]any); ok {
			for k, v := range values {
				switch v.(type) {
				case clause.Expression, *gorm.DB:
					db.AddError(fmt.Errorf("appendonly: %s.%s: a SQL expression cannot be applied to a row in memory: compute the value in Go", m.schema.Name, k))
					return
				}
			}
		}

		if err := narrowedSave(stmt, m); err != nil {
			db.AddError(err)
			return
		}
		keys := make([][]any, len(all))
		for i, r := range all {
			keys[i] = keyOf(stmt, m, r)
		}
		set := callbacks.ConvertToAssignments(stmt)
		delete(stmt.Clauses, "WHERE") // the primary key conditions GORM added for an UPDATE
		for i, r := range all {
			if now := keyOf(stmt, m, r); !reflect.DeepEqual(now, keys[i]) {
				restoreKey(stmt, m, r, keys[i])
				db.AddError(fmt.Errorf("appendonly: %s: an update cannot change a row's id or version (%v to %v): a new version of the row is written under its own id, and changing the id would overwrite another row's current state; create the other row instead", m.schema.Name, truncateValue(keys[i]), truncateValue(now)))
				return
			}
		}
		if db.Error != nil || len(set) == 0 {
			return // nothing changes, so there is no new version
		}
		for _, r := range all {
			p.setVersion(stmt, m, r, p.clock.Next(p.versionOf(stmt, m, r)))
		}

		d := dialect.Of(db)
		if d.Has(dialect.Keys) {
			// One statement per row, each ordered after the versions
			// already stored: see insertAfterStored.
			var affected int64
			for _, r := range all {
				if p.insertAfterStored(db, m, r); db.Error != nil {
					return
				}
				affected += db.RowsAffected
			}
			db.RowsAffected = affected
			return
		}
		batch := p.rowsPerStatement(d, m)
		if batch <= 0 {
			batch = len(all)
		}
		var affected int64
		for start := 0; start < len(all) && db.Error == nil; start += batch {
			part := all[start:min(start+batch, len(all))]
			p.withRetry(db, m, part, true, func() { p.insertRows(db, m, part) })
			affected += db.RowsAffected
		}
		db.RowsAffected = affected
	})
}

// narrowedSave refuses Select or Omit that leave columns out of a Save (or
// of Updates given the row itself). GORM would leave those columns as they
// are stored; an append-only save writes the whole row from memory, so the
// columns left out would be written with whatever the row holds in memory.
// Select and Omit with Updates of other values (a map, another struct) are
// honoured: only the chosen values are applied to the row in memory.
func narrowedSave(stmt *gorm.Statement, m *model) error {
	if len(stmt.Selects) == 0 && len(stmt.Omits) == 0 {
		return nil
	}
	if reflect.ValueOf(stmt.Dest).Kind() != reflect.Pointer || stmt.Dest != stmt.Model {
		return nil
	}
	chosen, restricted := stmt.SelectAndOmitColumns(false, false)
	var left []string
	for _, f := range m.fields {
		if f == m.version || slices.Contains(m.identity, f) {
			continue
		}
		if v, ok := chosen[f.DBName]; (restricted && !v) || (ok && !v) {
			left = append(left, f.DBName)
		}
	}
	if len(left) == 0 {
		return nil
	}
	return fmt.Errorf("appendonly: %s: Select/Omit would leave %s out of a Save, but a new version is the whole row as it is in memory, so they would be written anyway; nothing was written. To change some columns only, apply them to the loaded row: db.Model(&row).Select(…).Updates(map or struct of the new values)", m.schema.Name, strings.Join(left, ", "))
}

// keyOf returns the row's identity and version values.
func keyOf(stmt *gorm.Statement, m *model, r reflect.Value) []any {
	out := make([]any, 0, len(m.identity)+1)
	for _, f := range m.identity {
		v, _ := f.ValueOf(stmt.Context, r)
		out = append(out, v)
	}
	v, _ := m.version.ValueOf(stmt.Context, r)
	return append(out, v)
}

func restoreKey(stmt *gorm.Statement, m *model, r reflect.Value, key []any) {
	for i, f := range m.identity {
		_ = f.Set(stmt.Context, r, key[i])
	}
	_ = m.version.Set(stmt.Context, r, key[len(key)-1])
}

// truncateValue prints v for an error message, at most 200 bytes of it.
func truncateValue(v any) string {
	s := fmt.Sprint(v)
	if len(s) > 200 {
		return fmt.Sprintf("%.200s…(%d bytes)", s, len(s))
	}
	return s
}

// rowsPerStatement is how many rows of m one INSERT may carry: the DSN's
// batch size where the backend has one, and on a backend that binds
// parameters no more rows than its parameter limit allows. Zero means no
// limit.
func (p *Plugin) rowsPerStatement(d *dialect.Dialect, m *model) int {
	batch := d.BatchSize()
	if d.Has(dialect.Placeholders) && len(m.fields) > 0 {
		if limit := d.MaxParameters() / len(m.fields); batch <= 0 || batch > limit {
			batch = limit
		}
	}
	return batch
}

// versionAfterStored gives each of rows (loaded rows about to be written
// again) a new version after both the version it was loaded with and, on a
// backend with keys, the newest version of its id stored now: a batch
// written from stale copies is ordered after what other writers stored
// since (see insertAfterStored). One query per 10,000 rows.
func (p *Plugin) versionAfterStored(db *gorm.DB, m *model, rows []reflect.Value) error {
	stmt := db.Statement
	if len(rows) == 0 {
		return nil
	}
	if !dialect.Of(db).Has(dialect.Keys) || len(m.identity) != 1 || db.DryRun {
		for _, r := range rows {
			p.setVersion(stmt, m, r, p.clock.Next(p.versionOf(stmt, m, r)))
		}
		return nil
	}
	id := m.identity[0]
	const chunk = 10000
	for start := 0; start < len(rows); start += chunk {
		part := rows[start:min(start+chunk, len(rows))]
		ids := make([]any, len(part))
		for i, r := range part {
			ids[i], _ = id.ValueOf(stmt.Context, r)
		}
		q := &gorm.Statement{DB: db, ConnPool: stmt.ConnPool, Context: stmt.Context, Clauses: map[string]clause.Clause{}}
		q.WriteString("SELECT ")
		q.WriteQuoted(id.DBName)
		q.WriteString(", max(")
		q.WriteQuoted(m.version.DBName)
		q.WriteString(") FROM ")
		q.WriteQuoted(clause.Table{Name: m.schema.Table})
		q.WriteString(" WHERE ")
		clause.IN{Column: clause.Column{Name: id.DBName}, Values: ids}.Build(q)
		q.WriteString(" GROUP BY ")
		q.WriteQuoted(id.DBName)
		newest, err := p.readNewest(q, m)
		if err != nil {
			return err
		}
		for _, r := range part {
			v := p.versionOf(stmt, m, r)
			key, _ := id.ValueOf(stmt.Context, r)
			if n, ok := newest[fmt.Sprint(key)]; ok && n > v {
				v = n
			}
			p.setVersion(stmt, m, r, p.clock.Next(v))
		}
	}
	return nil
}

// readNewest runs q (id, max(version) … GROUP BY id) and maps each id's
// text form to its newest version.
func (p *Plugin) readNewest(q *gorm.Statement, m *model) (map[string]Version, error) {
	rows, err := q.ConnPool.QueryContext(q.Context, q.SQL.String(), q.Vars...)
	if err != nil {
		return nil, fmt.Errorf("appendonly: reading the newest versions of %s rows: %w", m.schema.Name, err)
	}
	defer rows.Close()
	out := map[string]Version{}
	id := m.identity[0]
	for rows.Next() {
		key := reflect.New(id.IndirectFieldType)
		var v sql.NullInt64
		if err := rows.Scan(key.Interface(), &v); err != nil {
			return nil, fmt.Errorf("appendonly: reading the newest versions of %s rows: %w", m.schema.Name, err)
		}
		out[fmt.Sprint(key.Elem().Interface())] = Version(v.Int64)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("appendonly: reading the newest versions of %s rows: %w", m.schema.Name, err)
	}
	return out, nil
}

// insertAfterStored writes one row as a new version that sorts after every
// version of the row already stored when the statement runs — not only
// after the version the row was loaded with. A writer that saves from a
// stale copy (another writer stored a newer version since, perhaps with a
// clock ahead of this one) is therefore ordered after that version instead
// of silently landing behind it: the later save wins, as an UPDATE would.
//
//	INSERT INTO t (…) SELECT $1,… WHERE NOT EXISTS
//	  (SELECT 1 FROM t AS wflog_newer WHERE id = $id AND version >= $version)
//
// No row inserted means a version at or after ours is stored: read the
// newest, take a version after it, and try again (a bounded number of
// times, waiting a random moment that grows with each lost attempt, so that
// writers racing on one row spread out instead of losing to each other in
// step). Writes that overlap in time are ordered by their versions.
func (p *Plugin) insertAfterStored(db *gorm.DB, m *model, r reflect.Value) {
	rows := []reflect.Value{r}
	attempts := p.retries + 7
	for attempt := 1; ; attempt++ {
		p.insertRowsIf(db, m, r)
		switch {
		case db.Error != nil && attempt < attempts && !inTransaction(db) && isVersionCollision(db.Error):
			db.Error = nil // a concurrent writer took this (id, version)
			p.setVersion(db.Statement, m, r, p.clock.Next(p.versionOf(db.Statement, m, r)))
			continue
		case db.Error != nil || db.RowsAffected > 0 || db.DryRun:
			return
		case attempt >= attempts:
			id, _ := m.identity[0].ValueOf(db.Statement.Context, r)
			db.AddError(fmt.Errorf("appendonly: %s %s: other writers stored a newer version before each of %d attempts to write after it; nothing was written", m.schema.Name, truncateValue(id), attempts))
			return
		}
		if dialect.Of(db).Has(dialect.WriteLock) && !inTransaction(db) {
			p.insertLocked(db, m, r)
			return
		}
		if attempt > 1 && !backOff(db, attempt) {
			return
		}
		newest, err := p.newestStored(db, m, r)
		if err != nil {
			db.AddError(err)
			return
		}
		for _, row := range rows {
			p.setVersion(db.Statement, m, row, p.clock.Next(max(newest, p.versionOf(db.Statement, m, row))))
		}
	}
}

// insertLocked reads the newest stored version of r's id and writes r
// after it in one transaction that holds the database's write lock
// (dialect.WriteLock: SQLite's BEGIN IMMEDIATE), so no other writer can
// come between the read and the write. Where writers queue for one lock,
// a save that lost the race once would otherwise keep losing it to the
// writers queued ahead of it.
func (p *Plugin) insertLocked(db *gorm.DB, m *model, r reflect.Value) {
	stmt := db.Statement
	beginner, ok := stmt.ConnPool.(gorm.TxBeginner)
	if !ok {
		db.AddError(fmt.Errorf("appendonly: %s: the connection pool (%T) cannot begin a transaction", m.schema.Name, stmt.ConnPool))
		return
	}
	tx, err := beginner.BeginTx(stmt.Context, nil)
	if err != nil {
		db.AddError(err)
		return
	}
	pool := stmt.ConnPool
	stmt.ConnPool = tx
	defer func() { stmt.ConnPool = pool }()
	newest, err := p.newestStored(db, m, r)
	if err != nil {
		_ = tx.Rollback()
		db.AddError(err)
		return
	}
	p.setVersion(stmt, m, r, p.clock.Next(max(newest, p.versionOf(stmt, m, r))))
	if p.insertRowsIf(db, m, r); db.Error != nil {
		_ = tx.Rollback()
		return
	}
	db.AddError(tx.Commit())
}

// insertRowsIf is insertRows for one row on a backend with keys, written
// only if no version at or after its own is stored.
func (p *Plugin) insertRowsIf(db *gorm.DB, m *model, r reflect.Value) {
	stmt := db.Statement
	stmt.SQL.Reset()
	stmt.Vars = nil
	table := clause.Table{Name: m.schema.Table}
	stmt.WriteString("INSERT INTO ")
	stmt.WriteQuoted(table)
	stmt.WriteString(" (")
	for i, c := range m.columns {
		if i > 0 {
			stmt.WriteByte(',')
		}
		stmt.WriteQuoted(c)
	}
	stmt.WriteString(") SELECT ")
	for i, f := range m.fields {
		if i > 0 {
			stmt.WriteByte(',')
		}
		v, _ := f.ValueOf(stmt.Context, r)
		stmt.AddVar(stmt, v)
	}
	newer := clause.Table{Name: "wflog_newer"}
	stmt.WriteString(" WHERE NOT EXISTS (SELECT 1 FROM ")
	stmt.WriteQuoted(table)
	stmt.WriteString(" AS ")
	stmt.WriteQuoted(newer)
	stmt.WriteString(" WHERE ")
	for _, f := range m.identity {
		v, _ := f.ValueOf(stmt.Context, r)
		stmt.WriteQuoted(clause.Column{Table: newer.Name, Name: f.DBName})
		stmt.WriteString(" = ")
		stmt.AddVar(stmt, v)
		stmt.WriteString(" AND ")
	}
	stmt.WriteQuoted(clause.Column{Table: newer.Name, Name: m.version.DBName})
	stmt.WriteString(" >= ")
	stmt.AddVar(stmt, p.versionOf(stmt, m, r))
	stmt.WriteByte(')')
	db.RowsAffected = 0
	if db.DryRun || db.Error != nil {
		return
	}
	result, err := stmt.ConnPool.ExecContext(stmt.Context, stmt.SQL.String(), stmt.Vars...)
	if db.AddError(err) == nil {
		db.RowsAffected, _ = result.RowsAffected()
	}
}

// newestStored reads the newest stored version of r's id.
func (p *Plugin) newestStored(db *gorm.DB, m *model, r reflect.Value) (Version, error) {
	stmt := db.Statement
	q := &gorm.Statement{DB: db, ConnPool: stmt.ConnPool, Context: stmt.Context, Clauses: map[string]clause.Clause{}}
	q.WriteString("SELECT max(")
	q.WriteQuoted(m.version.DBName)
	q.WriteString(") FROM ")
	q.WriteQuoted(clause.Table{Name: m.schema.Table})
	q.WriteString(" WHERE ")
	for i, f := range m.identity {
		if i > 0 {
			q.WriteString(" AND ")
		}
		v, _ := f.ValueOf(stmt.Context, r)
		q.WriteQuoted(f.DBName)
		q.WriteString(" = ")
		q.AddVar(q, v)
	}
	var newest sql.NullInt64
	if err := stmt.ConnPool.QueryRowContext(stmt.Context, q.SQL.String(), q.Vars...).Scan(&newest); err != nil {
		return 0, fmt.Errorf("appendonly: reading the newest version of a %s: %w", m.schema.Name, err)
	}
	return Version(newest.Int64), nil
}

// insertRows writes rows whole: every column, as it is in memory.
func (p *Plugin) insertRows(db *gorm.DB, m *model, rows []reflect.Value) {
	stmt := db.Statement
	values := clause.Values{Columns: m.columns, Values: make([][]any, len(rows))}
	for i, r := range rows {
		vals := make([]any, len(m.fields))
		for j, f := range m.fields {
			vals[j], _ = f.ValueOf(stmt.Context, r)
		}
		values.Values[i] = vals
	}
	stmt.SQL.Reset()
	stmt.Vars = nil
	stmt.AddClause(clause.Insert{})
	stmt.AddClause(values)
	stmt.Build("INSERT", "VALUES")
	db.RowsAffected = 0
	if db.DryRun || db.Error != nil {
		return
	}
	result, err := stmt.ConnPool.ExecContext(stmt.Context, stmt.SQL.String(), stmt.Vars...)
	if db.AddError(err) == nil {
		db.RowsAffected, _ = result.RowsAffected()
		wrote(db, len(rows))
	}
}

// wrote records that an INSERT of n rows succeeded. A backend without keys
// (LogStore) has no way to refuse a row of an accepted INSERT, so an INSERT
// that returned no error wrote its rows whatever its command tag says: a
// tag of 0 must not read as "nothing written" (GORM's Save would then
// create the row again, and a caller would retry a write that happened).
func wrote(db *gorm.DB, n int) {
	if !dialect.Of(db).Has(dialect.Keys) && db.RowsAffected < int64(n) {
		db.RowsAffected = int64(n)
	}
}

// delete removes every version of the rows it matches. Conditions select
// rows by their current state (the latest version, unless Unscoped), and
// all versions of those rows go: deleting only the versions that match would
// bring an older version back as the current state.
func (p *Plugin) delete(orig func(*gorm.DB)) func(*gorm.DB) {
	return p.versioned("DELETE", orig, func(db *gorm.DB, m *model) {
		d := dialect.Of(db)
		if !d.Has(dialect.Delete) {
			db.AddError(&dialect.UnsupportedError{Backend: d.Backend(), What: "DELETE", Instead: "rows expire by the logstore's TTL; set the TTL on the logstore in the SLS console"})
			return
		}
		stmt := db.Statement
		if stmt.SQL.Len() == 0 {
			var conds []clause.Expression
			if w, ok := stmt.Clauses["WHERE"].Expression.(clause.Where); ok {
				conds = w.Exprs
			}
			ids := identityIn(stmt, m)
			var where []clause.Expression
			switch {
			case len(conds) > 0:
				match := append([]clause.Expression{}, conds...)
				if ids != nil {
					match = append(match, ids)
				}
				if !stmt.Unscoped {
					match = append(match, d.NoNewerVersion(m.versioned(), clause.CurrentTable, nil))
				}
				where = []clause.Expression{matchedIdentities{m: m, where: match}}
			case ids != nil:
				where = []clause.Expression{ids}
			}
			delete(stmt.Clauses, "WHERE")
			if len(where) > 0 {
				stmt.AddClause(clause.Where{Exprs: where})
			} else if !db.AllowGlobalUpdate {
				db.AddError(gorm.ErrMissingWhereClause)
				return
			}
			stmt.AddClauseIfNotExists(clause.Delete{})
			stmt.AddClauseIfNotExists(clause.From{})
			stmt.Build("DELETE", "FROM", "WHERE")
		}
		if db.DryRun || db.Error != nil {
			return
		}
		result, err := stmt.ConnPool.ExecContext(stmt.Context, stmt.SQL.String(), stmt.Vars...)
		if db.AddError(err) == nil {
			db.RowsAffected, _ = result.RowsAffected()
		}
	})
}

// identityIn is "id IN (…)" for the non-zero identities of the rows given
// to Delete (and of the Model, when it differs), or nil when there are none.
func identityIn(stmt *gorm.Statement, m *model) clause.Expression {
	var values [][]any
	collect := func(rv reflect.Value) {
		for _, r := range rowsOf(rv) {
			vals := make([]any, len(m.identity))
			zero := true
			for i, f := range m.identity {
				var z bool
				vals[i], z = f.ValueOf(stmt.Context, r)
				zero = zero && z
			}
			if !zero {
				values = append(values, vals)
			}
		}
	}
	collect(stmt.ReflectValue)
	if stmt.Model != nil && stmt.Model != stmt.Dest {
		collect(reflect.ValueOf(stmt.Model))
	}
	if len(values) == 0 {
		return nil
	}
	names := make([]string, len(m.identity))
	for i, f := range m.identity {
		names[i] = f.DBName
	}
	column, vals := schema.ToQueryValues(stmt.Table, names, values)
	return clause.IN{Column: column, Values: vals}
}

// matchedIdentities is "id IN (SELECT id FROM t WHERE …)".
type matchedIdentities struct {
	m     *model
	where []clause.Expression
}

func (e matchedIdentities) Build(b clause.Builder) {
	cols := make([]clause.Column, len(e.m.identity))
	for i, f := range e.m.identity {
		cols[i] = clause.Column{Table: clause.CurrentTable, Name: f.DBName}
	}
	writeColumns := func() {
		if len(cols) == 1 {
			b.WriteQuoted(cols[0])
			return
		}
		b.WriteQuoted(cols)
	}
	writeColumns()
	b.WriteString(" IN (SELECT ")
	for i, c := range cols {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteQuoted(c)
	}
	b.WriteString(" FROM ")
	b.WriteQuoted(clause.Table{Name: e.m.schema.Table})
	b.WriteString(" WHERE ")
	clause.Where{Exprs: e.where}.Build(b)
	b.WriteByte(')')
}

// backOff waits a random moment of up to attempt milliseconds before a
// writer that lost a race for a row tries again. It reports false, with the
// context's error added, when the statement's context ends first.
func backOff(db *gorm.DB, attempt int) bool {
	t := time.NewTimer(time.Duration(rand.Int64N(int64(attempt) * int64(time.Millisecond))))
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-db.Statement.Context.Done():
		db.AddError(db.Statement.Context.Err())
		return false
	}
}
