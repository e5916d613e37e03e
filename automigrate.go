package wflog

import (
	"gorm.io/gorm"

	"github.com/wflog/wflog/internal/dialect"
)

// errLogStoreAutoMigrate is what AutoMigrate says on LogStore: GORM would
// send CREATE TABLE and information_schema queries that LogStore does not
// take, and a logstore's field indexes are made in the SLS console.
var errLogStoreAutoMigrate = &dialect.UnsupportedError{Backend: dialect.LogStore, What: "AutoMigrate or CreateTable",
	Instead: "create the logstores and their field indexes in the SLS console as schema_logstore.sql in github.com/wflog/wflog describes; against the LogStore emulator, call wflog.Migrate"}

// logStoreDialector is gorm's postgres dialector for LogStore with a
// migrator that refuses to create tables (see errLogStoreAutoMigrate).
type logStoreDialector struct{ gorm.Dialector }

func (d logStoreDialector) Migrator(db *gorm.DB) gorm.Migrator {
	return logStoreMigrator{d.Dialector.Migrator(db)}
}

// Translate passes on to the inner dialector, which GORM would otherwise
// not find behind the wrapper.
func (d logStoreDialector) Translate(err error) error {
	if t, ok := d.Dialector.(gorm.ErrorTranslator); ok {
		return t.Translate(err)
	}
	return err
}

type logStoreMigrator struct{ gorm.Migrator }

func (logStoreMigrator) AutoMigrate(...any) error { return errLogStoreAutoMigrate }
func (logStoreMigrator) CreateTable(...any) error { return errLogStoreAutoMigrate }
