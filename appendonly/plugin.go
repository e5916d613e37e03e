package appendonly

import (
	"errors"
	"fmt"
	"reflect"
	"sync"

	"github.com/google/uuid"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"
	"gorm.io/gorm/schema"

	"github.com/wflog/wflog/internal/dialect"
)

// Config configures the plugin.
type Config struct {
	// Clock hands out versions. Nil means the clock shared by the whole
	// process, which is what production code wants.
	Clock *Clock

	// Retries is how often an INSERT is retried with newer versions when
	// PostgreSQL reports that another process already wrote the same
	// (id, version). Zero means 3; negative means never.
	Retries int
}

// Plugin is the append-only GORM plugin. Install it with db.Use(New(cfg)).
type Plugin struct {
	clock   *Clock
	retries int
	models  sync.Map // *schema.Schema → *model or error
	tables  sync.Map // tableKey(table) → model name, for every append-only model seen
}

// New returns the plugin.
func New(cfg Config) *Plugin {
	p := &Plugin{clock: cfg.Clock, retries: cfg.Retries}
	if p.clock == nil {
		p.clock = processClock
	}
	switch {
	case p.retries == 0:
		p.retries = 3
	case p.retries < 0:
		p.retries = 0
	}
	return p
}

const pluginName = "wflog:appendonly"

// Name is the GORM plugin name.
func (p *Plugin) Name() string { return pluginName }

// Clock returns the clock the plugin draws versions from.
func (p *Plugin) Clock() *Clock { return p.clock }

// Initialize wraps GORM's create, update and delete callbacks. Models
// without a Version field go through GORM's own code unchanged.
func (p *Plugin) Initialize(db *gorm.DB) error {
	type wrap struct {
		proc interface {
			Get(string) func(*gorm.DB)
			Replace(string, func(*gorm.DB)) error
		}
		name string
		with func(func(*gorm.DB)) func(*gorm.DB)
	}
	for _, w := range []wrap{
		{db.Callback().Create(), "gorm:create", p.create},
		{db.Callback().Update(), "gorm:update", p.update},
		{db.Callback().Delete(), "gorm:delete", p.delete},
	} {
		orig := w.proc.Get(w.name)
		if orig == nil {
			return fmt.Errorf("appendonly: GORM's %s callback is not registered; install the plugin on a *gorm.DB opened with a dialector", w.name)
		}
		if err := w.proc.Replace(w.name, w.with(orig)); err != nil {
			return err
		}
	}
	if err := db.Callback().Query().Before("gorm:query").Register("wflog:versions_check", checkChoice); err != nil {
		return err
	}
	return db.Callback().Row().Before("gorm:row").Register("wflog:versions_check", checkChoice)
}

func pluginOf(db *gorm.DB) *Plugin {
	if db == nil || db.Config == nil {
		return nil
	}
	if p, ok := db.Config.Plugins[pluginName].(*Plugin); ok {
		return p
	}
	return nil
}

// checkChoice refuses a version choice (scopes.Latest, AsOf, …) on a model
// that has no versions: it would be silently ignored otherwise.
func checkChoice(db *gorm.DB) {
	v := dialect.ChoiceOf(db.Statement)
	if v.Name == "" || db.Error != nil || db.Statement.SQL.Len() > 0 {
		return
	}
	if s := db.Statement.Schema; s == nil || versionField(s) == nil {
		name := "a query without a model"
		if s != nil {
			name = s.Name
		}
		db.AddError(fmt.Errorf("appendonly: %s chooses versions, but %s has no appendonly.Version field", v.Name, name))
	}
}

// model is what the plugin needs to know about an append-only schema.
type model struct {
	schema   *schema.Schema
	version  *schema.Field
	identity []*schema.Field // primary key fields other than version
	fields   []*schema.Field // every column written by INSERT
	columns  []clause.Column
}

var versionType = reflect.TypeOf(Version(0))

func versionField(s *schema.Schema) *schema.Field {
	for _, f := range s.Fields {
		if f.FieldType == versionType && f.DBName != "" {
			return f
		}
	}
	return nil
}

// model returns the append-only description of s, nil for an ordinary model,
// or an error for a Version field that cannot work.
func (p *Plugin) model(s *schema.Schema) (*model, error) {
	if s == nil {
		return nil, nil
	}
	if cached, ok := p.models.Load(s); ok {
		if err, ok := cached.(error); ok {
			return nil, err
		}
		return cached.(*model), nil
	}
	m, err := describe(s)
	if err != nil {
		p.models.Store(s, err)
		return nil, err
	}
	if m != nil {
		p.models.Store(s, m)
		p.tables.Store(tableKey(s.Table), s.Name)
	}
	return m, nil
}

// Register tells the plugin installed on db about append-only models
// before they are used, so that writes naming their tables without the
// model (db.Table("runs").Where(…).Updates(…)) are refused from the start;
// a model is also learnt the first time the plugin sees it. wflog.Open
// registers wflog's models.
func Register(db *gorm.DB, models ...any) error {
	p := pluginOf(db)
	if p == nil {
		return fmt.Errorf("appendonly: Register: the plugin is not installed on this *gorm.DB")
	}
	for _, v := range models {
		stmt := &gorm.Statement{DB: db}
		if err := stmt.Parse(v); err != nil {
			return fmt.Errorf("appendonly: Register %T: %w", v, err)
		}
		m, err := p.model(stmt.Schema)
		if err != nil {
			return err
		}
		if m == nil {
			return fmt.Errorf("appendonly: Register: %s has no appendonly.Version field", stmt.Schema.Name)
		}
	}
	return nil
}

func describe(s *schema.Schema) (*model, error) {
	vf := versionField(s)
	if vf == nil {
		return nil, nil
	}
	if !vf.PrimaryKey {
		return nil, fmt.Errorf("appendonly: %s.%s must be part of the primary key, with the row's id: tag it `gorm:\"primaryKey\"`", s.Name, vf.Name)
	}
	m := &model{schema: s, version: vf}
	for _, f := range s.PrimaryFields {
		if f != vf {
			m.identity = append(m.identity, f)
		}
	}
	if len(m.identity) == 0 {
		return nil, fmt.Errorf("appendonly: %s needs a primary key field besides %s to say which row a version belongs to", s.Name, vf.Name)
	}
	for _, name := range s.DBNames {
		f := s.FieldsByDBName[name]
		if f.Creatable {
			m.fields = append(m.fields, f)
			m.columns = append(m.columns, clause.Column{Name: f.DBName})
		}
	}
	return m, nil
}

func (m *model) versioned() dialect.Versioned {
	v := dialect.Versioned{Table: m.schema.Table, Version: m.version.DBName}
	for _, f := range m.identity {
		v.Identity = append(v.Identity, f.DBName)
	}
	return v
}

// rows returns the struct values a statement writes.
func rowsOf(rv reflect.Value) []reflect.Value {
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

func (p *Plugin) versionOf(stmt *gorm.Statement, m *model, row reflect.Value) Version {
	v, _ := m.version.ValueOf(stmt.Context, row)
	return v.(Version)
}

func (p *Plugin) setVersion(stmt *gorm.Statement, m *model, row reflect.Value, v Version) {
	m.version.ReflectValueOf(stmt.Context, row).SetInt(int64(v))
}

// assignID gives a row with a zero uuid.UUID or string ID a UUIDv7, which
// sorts by creation time like the versions do.
func assignID(stmt *gorm.Statement, m *model, row reflect.Value) error {
	for _, f := range m.identity {
		fv := f.ReflectValueOf(stmt.Context, row)
		if !fv.IsZero() {
			continue
		}
		switch {
		case f.IndirectFieldType == reflect.TypeOf(uuid.UUID{}) && fv.Kind() == reflect.Array:
			id, err := uuid.NewV7()
			if err != nil {
				return fmt.Errorf("appendonly: new id for %s: %w", m.schema.Name, err)
			}
			fv.Set(reflect.ValueOf(id))
		case fv.Kind() == reflect.String:
			id, err := uuid.NewV7()
			if err != nil {
				return fmt.Errorf("appendonly: new id for %s: %w", m.schema.Name, err)
			}
			fv.SetString(id.String())
		}
	}
	return nil
}

// isVersionCollision reports whether err is PostgreSQL refusing an INSERT
// because another writer already stored this (id, version).
func isVersionCollision(err error) bool {
	return dialect.IsPrimaryKeyViolation(err) || errors.Is(err, gorm.ErrDuplicatedKey)
}

// inTransaction reports whether the statement runs in a transaction, where a
// failed INSERT aborts the transaction and cannot simply be retried.
func inTransaction(db *gorm.DB) bool {
	_, ok := db.Statement.ConnPool.(gorm.TxCommitter)
	return ok
}

// withRetry runs insert and, when PostgreSQL reports a version collision,
// gives rows newer versions and runs it again, up to p.retries times.
func (p *Plugin) withRetry(db *gorm.DB, m *model, rows []reflect.Value, renewable bool, insert func()) {
	for attempt := 0; ; attempt++ {
		insert()
		if db.Error == nil || !renewable || attempt >= p.retries || inTransaction(db) || !isVersionCollision(db.Error) {
			return
		}
		db.Error = nil
		for _, r := range rows {
			p.setVersion(db.Statement, m, r, p.clock.Next(p.versionOf(db.Statement, m, r)))
		}
	}
}

// NewVersions gives every row in rows (a slice, or a pointer to one) a new
// version, and a zero uuid.UUID or string id a UUIDv7, exactly as Save
// would, without writing anything: on a backend with keys, rows that were
// loaded (a non-zero version) get versions after the newest stored version
// of their id, read in one query per 10,000 rows. Bulk writers that bypass GORM's
// callbacks (COPY) use it so their rows are versioned like any other.
func NewVersions(db *gorm.DB, rows any) error {
	p := pluginOf(db)
	if p == nil {
		return fmt.Errorf("appendonly: the plugin is not installed: call db.Use(appendonly.New(appendonly.Config{})) or open the database with wflog.Open")
	}
	stmt := &gorm.Statement{DB: db, Context: db.Statement.Context}
	if err := stmt.Parse(rows); err != nil {
		return fmt.Errorf("appendonly: NewVersions: %w", err)
	}
	m, err := p.model(stmt.Schema)
	if err != nil {
		return err
	}
	if m == nil {
		return fmt.Errorf("appendonly: NewVersions: %s has no appendonly.Version field", stmt.Schema.Name)
	}
	rv := reflect.ValueOf(rows)
	if rv.Kind() != reflect.Pointer && rv.Kind() != reflect.Slice {
		return fmt.Errorf("appendonly: NewVersions needs a slice or a pointer, not %T", rows)
	}
	var loaded []reflect.Value
	for _, r := range rowsOf(rv) {
		if !r.CanSet() {
			return fmt.Errorf("appendonly: NewVersions: rows of %T cannot be changed; pass a slice or a pointer", rows)
		}
		if err := assignID(stmt, m, r); err != nil {
			return err
		}
		if p.versionOf(stmt, m, r) == 0 {
			p.setVersion(stmt, m, r, p.clock.Next(0))
		} else {
			loaded = append(loaded, r)
		}
	}
	stmt.ConnPool = db.Statement.ConnPool
	return p.versionAfterStored(db, m, loaded)
}
