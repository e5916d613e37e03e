// Package mirror writes every version wflog stores to a second database as
// well — the same id, the same version — so that a deployment can move
// between backends and back with a DSN change:
//
//	pg, _ := wflog.Open("postgres://…")              // the mirror: where a rollback goes
//	m, _ := mirror.New(pg, mirror.Config{Policy: mirror.BestEffort, OnError: logIt})
//	db, _ := wflog.Open("logstore://…", wflog.WithMirror(m)) // the primary
//
// Every append-only write through db — Create, Save, Updates on a loaded
// model, CreateInBatches, repo's Save and SaveBatch (COPY included) — is
// written to the primary first and then, once the primary has it, to the
// mirror. What happens when the mirror fails is the Policy's: Required
// fails the call with an *Error that says the primary has the rows;
// BestEffort lets the call succeed, hands the *Error to OnError and counts
// it (Stats), for the application to export. Either way `wflog verify`
// finds the rows the mirror lacks and `wflog copy --since` fills them in.
//
// The mirror write is synchronous: a call returns once both databases have
// answered, so it costs the mirror's latency too. It happens when the
// primary's statement succeeds, not at commit: rows of a PostgreSQL
// transaction that is then rolled back stay in the mirror (LogStore, the
// usual primary, has no transactions). Deletes (PostgreSQL retention) are
// not mirrored: each database keeps its own retention (a LogStore mirror
// expires rows by its TTL).
package mirror

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync/atomic"

	"gorm.io/gorm"
	"gorm.io/gorm/schema"

	"github.com/wflog/wflog/appendonly"
	"github.com/wflog/wflog/internal/dialect"
)

// Policy says what a failed mirror write does to the call that made it.
type Policy int

const (
	// Required fails the call when the mirror does not get the rows. The
	// primary has them already (it is written first and has no rollback on
	// LogStore): the *Error says so, and a retry of the same value writes
	// a new version to both.
	Required Policy = iota + 1
	// BestEffort lets the call succeed whatever the mirror says; a failure
	// goes to Config.OnError and is counted in Stats.
	BestEffort
)

func (p Policy) String() string {
	switch p {
	case Required:
		return "required"
	case BestEffort:
		return "best effort"
	}
	return fmt.Sprintf("Policy(%d)", int(p))
}

// Config configures a Mirror.
type Config struct {
	Policy Policy
	// OnError, when set, is called with every failed mirror write, under
	// either policy, on the goroutine that made the write. It must be safe
	// for concurrent use.
	OnError func(*Error)
}

// Mirror is a GORM plugin that copies every append-only write of the
// database it is installed on to another database. It is safe for
// concurrent use.
type Mirror struct {
	to      *gorm.DB
	policy  Policy
	onError func(*Error)

	mirrored, failed, failedRows atomic.Int64
}

// New returns a mirror writing to to (a database from wflog.Open, with
// wflog's tables). Install it with wflog.WithMirror, or db.Use(m).
func New(to *gorm.DB, cfg Config) (*Mirror, error) {
	if to == nil {
		return nil, errors.New("wflog/mirror: no mirror database")
	}
	if cfg.Policy != Required && cfg.Policy != BestEffort {
		return nil, fmt.Errorf("wflog/mirror: policy %v: want mirror.Required or mirror.BestEffort", cfg.Policy)
	}
	return &Mirror{to: to, policy: cfg.Policy, onError: cfg.OnError}, nil
}

const pluginName = "wflog:mirror"

// Name is the GORM plugin name.
func (m *Mirror) Name() string { return pluginName }

// Initialize registers the mirror after GORM's create and update callbacks
// (which the appendonly plugin turns into INSERTs of new versions).
func (m *Mirror) Initialize(db *gorm.DB) error {
	if err := db.Callback().Create().After("gorm:create").Register(pluginName, m.afterWrite); err != nil {
		return err
	}
	return db.Callback().Update().After("gorm:update").Register(pluginName, m.afterWrite)
}

// Of returns the mirror installed on db, or nil.
func Of(db *gorm.DB) *Mirror {
	if db == nil || db.Config == nil {
		return nil
	}
	m, _ := db.Config.Plugins[pluginName].(*Mirror)
	return m
}

// Policy is the mirror's policy.
func (m *Mirror) Policy() Policy { return m.policy }

// Stats are a mirror's counters since it was created.
type Stats struct {
	Mirrored   int64 // rows the mirror acknowledged
	Failed     int64 // mirror writes that failed (one per call)
	FailedRows int64 // rows those writes carried
}

// Stats returns the mirror's counters, for the application to export
// (e.g. as Prometheus counters).
func (m *Mirror) Stats() Stats {
	return Stats{Mirrored: m.mirrored.Load(), Failed: m.failed.Load(), FailedRows: m.failedRows.Load()}
}

// Error is a mirror write that failed after the primary stored the rows.
type Error struct {
	Policy Policy
	Table  string
	Rows   []Row // what the primary has and the mirror may lack
	Err    error
}

// Row names one version.
type Row struct {
	ID      any
	Version appendonly.Version
}

func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "wflog/mirror: the primary has %d %s row(s) the mirror did not take (", len(e.Rows), e.Table)
	for i, r := range e.Rows {
		if i == 3 {
			fmt.Fprintf(&b, ", … %d more", len(e.Rows)-3)
			break
		}
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%v@%d", r.ID, r.Version)
	}
	fmt.Fprintf(&b, "); wflog verify finds them and wflog copy --since fills them in: %v", e.Err)
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

var versionType = reflect.TypeOf(appendonly.Version(0))

// afterWrite mirrors what the statement wrote, if it wrote append-only rows.
func (m *Mirror) afterWrite(db *gorm.DB) {
	if db.Error != nil || db.DryRun || db.RowsAffected == 0 || db.Statement.Schema == nil {
		return
	}
	if err := m.write(db.Statement.Context, db.Statement.Schema, db.Statement.ReflectValue); err != nil {
		db.AddError(err)
	}
}

// Write mirrors rows (a slice of an append-only model, or a pointer to one
// or to a row) that the primary db has just stored by a path that bypasses
// GORM's callbacks, such as COPY. It returns an *Error only under Required.
func (m *Mirror) Write(ctx context.Context, db *gorm.DB, rows any) error {
	stmt := &gorm.Statement{DB: db}
	if err := stmt.Parse(rows); err != nil {
		return fmt.Errorf("wflog/mirror: %w", err)
	}
	return m.write(ctx, stmt.Schema, reflect.ValueOf(rows))
}

func (m *Mirror) write(ctx context.Context, s *schema.Schema, rv reflect.Value) error {
	var version, id *schema.Field
	for _, f := range s.PrimaryFields {
		if f.FieldType == versionType {
			version = f
		} else if id == nil {
			id = f
		}
	}
	if version == nil || id == nil {
		return nil // not an append-only model: nothing wflog mirrors
	}
	rows := structsOf(rv)
	if len(rows) == 0 {
		return nil
	}
	copies := reflect.MakeSlice(reflect.SliceOf(s.ModelType), 0, len(rows))
	for _, r := range rows {
		copies = reflect.Append(copies, r)
	}
	err := m.insert(ctx, copies)
	if err == nil {
		m.mirrored.Add(int64(len(rows)))
		return nil
	}
	e := &Error{Policy: m.policy, Table: s.Table, Err: err}
	for _, r := range rows {
		idv, _ := id.ValueOf(ctx, r)
		vv, _ := version.ValueOf(ctx, r)
		e.Rows = append(e.Rows, Row{ID: idv, Version: vv.(appendonly.Version)})
	}
	m.failed.Add(1)
	m.failedRows.Add(int64(len(rows)))
	if m.onError != nil {
		m.onError(e)
	}
	if m.policy == Required {
		return e
	}
	return nil
}

// insert writes the rows, keeping their versions. A version the mirror
// already has (a retried call, a repair copy) counts as written: on
// PostgreSQL the primary key says so, and the rows are then written one by
// one so that the others still go in.
func (m *Mirror) insert(ctx context.Context, rows reflect.Value) error {
	tx := m.to.Session(&gorm.Session{NewDB: true, SkipHooks: true, Context: ctx})
	err := create(tx, rows)
	if err == nil || !dialect.IsPrimaryKeyViolation(err) {
		return err
	}
	for i := 0; i < rows.Len(); i++ {
		if err := create(tx, rows.Slice(i, i+1)); err != nil && !dialect.IsPrimaryKeyViolation(err) {
			return err
		}
	}
	return nil
}

func create(tx *gorm.DB, rows reflect.Value) error {
	p := reflect.New(rows.Type())
	p.Elem().Set(rows)
	return tx.Create(p.Interface()).Error
}

func structsOf(rv reflect.Value) []reflect.Value {
	rv = reflect.Indirect(rv)
	switch rv.Kind() {
	case reflect.Slice, reflect.Array:
		out := make([]reflect.Value, 0, rv.Len())
		for i := 0; i < rv.Len(); i++ {
			if e := reflect.Indirect(rv.Index(i)); e.Kind() == reflect.Struct {
				out = append(out, e)
			}
		}
		return out
	case reflect.Struct:
		return []reflect.Value{rv}
	}
	return nil
}
