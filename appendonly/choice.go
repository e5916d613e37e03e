package appendonly

import (
	"fmt"

	"gorm.io/gorm"

	"github.com/wflog/wflog/internal/dialect"
)

// History returns db reading every version of each row, oldest first by
// nothing in particular: order it yourself (Order("version")). Like
// Unscoped, but leaves other plugins' scopes (soft delete, say) in force.
func History(db *gorm.DB) *gorm.DB {
	c := dialect.ChoiceOf(db.Statement)
	if c.Name != "" {
		db.AddError(fmt.Errorf("appendonly: %s and appendonly.History both choose which versions to read; use one", c.Name))
		return db
	}
	c.Name, c.All = "appendonly.History", true
	dialect.SetChoice(db.Statement, c)
	return db
}
