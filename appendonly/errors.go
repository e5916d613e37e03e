package appendonly

import (
	"errors"
	"fmt"

	"gorm.io/gorm"
)

// ErrNotLoaded reports an update of a row that was not loaded from the
// database (its Version is zero) or an update by condition. An append-only
// update writes the whole row again, so it needs the whole row: load it,
// change it, Save it. Nothing is sent when this error is returned.
var ErrNotLoaded = errors.New("appendonly: row not loaded")

func notInstalled(stmt *gorm.Statement) error {
	name := "the model"
	if stmt.Schema != nil {
		name = stmt.Schema.Name
	}
	return fmt.Errorf("appendonly: %s has an appendonly.Version field but the plugin is not installed: call db.Use(appendonly.New(appendonly.Config{})) or open the database with wflog.Open", name)
}
