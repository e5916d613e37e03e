package appendonly_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/uuid"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/wflog/wflog/appendonly"
	"github.com/wflog/wflog/internal/dialect"
	"github.com/wflog/wflog/internal/testdb"
	"github.com/wflog/wflog/models"
)

// stored creates a run and returns it as loaded.
func stored(t *testing.T, db *gorm.DB) models.WorkflowRun {
	t.Helper()
	r := freshRun(uuid.New())
	if err := db.Create(&r).Error; err != nil {
		t.Fatal(err)
	}
	return latestRun(t, db, r)
}

// TestTableWritesRefused: a write that addresses an append-only table by
// name, without its model, would UPDATE (or DELETE, or INSERT unversioned)
// stored versions. Each is refused before anything is sent, whatever form
// the table name takes.
func TestTableWritesRefused(t *testing.T) {
	type plainRun struct { // a struct that is not the model
		ID     uuid.UUID
		Status string
	}
	testdb.Each(t, func(t *testing.T, b testdb.Backend) {
		db, schema := b.Open(t)
		r := stored(t, db)
		for name, err := range map[string]error{
			"Update":          db.Table("workflow_runs").Where("id = ?", r.ID).Update("status", "stopped").Error,
			"UpdatesMap":      db.Table("workflow_runs").Where("id = ?", r.ID).Updates(map[string]any{"status": "stopped"}).Error,
			"UpdateColumn":    db.Table("workflow_runs").Where("id = ?", r.ID).UpdateColumn("status", "stopped").Error,
			"Quoted":          db.Table(`"workflow_runs"`).Where("id = ?", r.ID).Update("status", "stopped").Error,
			"Qualified":       db.Table(schema+".workflow_runs").Where("id = ?", r.ID).Update("status", "stopped").Error,
			"Aliased":         db.Table("workflow_runs AS r").Where("r.id = ?", r.ID).Update("status", "stopped").Error,
			"UpperCase":       db.Table("WORKFLOW_RUNS").Where("id = ?", r.ID).Update("status", "stopped").Error,
			"OtherStruct":     db.Table("workflow_runs").Model(&plainRun{}).Where("id = ?", r.ID).Update("status", "stopped").Error,
			"DeleteOther":     db.Table("workflow_runs").Where("id = ?", r.ID).Delete(&plainRun{}).Error,
			"CreateMap":       db.Table("workflow_runs").Create(map[string]any{"id": uuid.New(), "status": "x"}).Error,
			"NodeExecUpdates": db.Table("workflow_node_executions").Where("1 = 1").Updates(map[string]any{"status": "x"}).Error,
		} {
			if b.Kind == dialect.LogStore && errors.Is(err, dialect.ErrUnsupported) {
				continue // LogStore refuses every DELETE first
			}
			if !errors.Is(err, appendonly.ErrNotLoaded) || !strings.Contains(err.Error(), "append-only table") {
				t.Errorf("%s: %v, want a refusal", name, err)
			}
		}
		if h := history(t, db, r.ID); len(h) != 1 || h[0].Status != r.Status {
			t.Errorf("history after refused writes: %d versions, status %s", len(h), h[0].Status)
		}
		testdb.Close(t, db)
		for table, c := range testdb.Tuples(t, schema, 1) {
			if c.Updated != 0 || c.Deleted != 0 {
				t.Errorf("%s: %d rows updated, %d deleted", table, c.Updated, c.Deleted)
			}
		}
	})
}

// TestSelectOmitOnSave: GORM's Select/Omit on Save would leave columns as
// stored; a new version is the whole row in memory, so narrowing a Save is
// refused before anything is written. Select/Omit on Updates with other
// values are honoured.
func TestSelectOmitOnSave(t *testing.T) {
	testdb.Each(t, func(t *testing.T, b testdb.Backend) {
		db, _ := b.Open(t)
		r := stored(t, db)
		changed := r
		changed.Status, changed.Error = models.RunFailed, ptr("boom")
		for name, err := range map[string]error{
			"SelectSave": db.Select("status").Save(&changed).Error,
			"OmitSave":   db.Omit("error").Save(&changed).Error,
			"SelectSelf": db.Model(&changed).Select("status").Updates(&changed).Error,
		} {
			if err == nil || !strings.Contains(err.Error(), "would leave") {
				t.Errorf("%s: %v, want a refusal", name, err)
			}
		}
		if h := history(t, db, r.ID); len(h) != 1 {
			t.Fatalf("a refused Save wrote: %d versions", len(h))
		}
		// Omitting associations only (no column) narrows nothing.
		ok := r
		ok.TotalSteps = 4
		if err := db.Omit(clause.Associations).Save(&ok).Error; err != nil {
			t.Errorf("Omit(clause.Associations).Save: %v", err)
		}

		// Updates with other values: only the chosen ones reach the row.
		loaded := latestRun(t, db, r)
		if err := db.Model(&loaded).Select("status").Updates(map[string]any{"status": models.RunStopped, "error": "ignored"}).Error; err != nil {
			t.Fatal(err)
		}
		got := latestRun(t, db, r)
		if got.Status != models.RunStopped || got.Error != nil {
			t.Errorf("Select(status).Updates(map): status %s, error %v", got.Status, got.Error)
		}
		if err := db.Model(&got).Omit("error").Updates(models.WorkflowRun{Status: models.RunSucceeded, Error: ptr("ignored")}).Error; err != nil {
			t.Fatal(err)
		}
		got = latestRun(t, db, r)
		if got.Status != models.RunSucceeded || got.Error != nil {
			t.Errorf("Omit(error).Updates(struct): status %s, error %v", got.Status, got.Error)
		}
	})
}

// TestUpdateIdentityRefused: Update("id", other) would write this row's
// state as the other run's newest version.
func TestUpdateIdentityRefused(t *testing.T) {
	testdb.Each(t, func(t *testing.T, b testdb.Backend) {
		db, _ := b.Open(t)
		r, other := stored(t, db), stored(t, db)
		loaded := r
		for name, err := range map[string]error{
			"Update":  db.Model(&loaded).Update("id", other.ID).Error,
			"Updates": db.Model(&loaded).Updates(map[string]any{"id": other.ID, "status": "x"}).Error,
			"Version": db.Model(&loaded).Update("version", 5).Error,
		} {
			if err == nil || !strings.Contains(err.Error(), "cannot change a row's id or version") {
				t.Errorf("%s: %v, want a refusal", name, err)
			}
		}
		if loaded.ID != r.ID || loaded.Version != r.Version {
			t.Errorf("the row in memory kept the refused change: %s %d", loaded.ID, loaded.Version)
		}
		if h := history(t, db, other.ID); len(h) != 1 || h[0].Status != other.Status {
			t.Errorf("the other run has %d versions", len(h))
		}
		if h := history(t, db, r.ID); len(h) != 1 {
			t.Errorf("the run has %d versions", len(h))
		}
	})
}

// order and line are append-only models with an association: GORM saves
// the lines after the order, with ON CONFLICT on their key.
type order struct {
	ID      string             `gorm:"primaryKey"`
	Version appendonly.Version `gorm:"primaryKey"`
	Note    string
	Lines   []line `gorm:"foreignKey:OrderID;references:ID"`
}

type line struct {
	ID      string             `gorm:"primaryKey"`
	Version appendonly.Version `gorm:"primaryKey"`
	OrderID string
	Item    string
}

// note belongs to an order: GORM saves the order first, with ON CONFLICT
// (key) DO NOTHING.
type note struct {
	ID      string             `gorm:"primaryKey"`
	Version appendonly.Version `gorm:"primaryKey"`
	OrderID string
	Order   *order `gorm:"foreignKey:OrderID;references:ID"`
	Text    string
}

// TestCreateWithAssociations: creating a row with its associations writes
// all of them, as GORM would, instead of failing after the parent is
// written. Saving it again saves the lines as GORM does (ON CONFLICT (key)
// DO UPDATE of their foreign key): for append-only rows, a new version of
// each, with the same content.
func TestCreateWithAssociations(t *testing.T) {
	testdb.Each(t, func(t *testing.T, b testdb.Backend) {
		db, _ := b.Open(t)
		for _, ddl := range []string{
			`CREATE TABLE orders (id text, version bigint, note text)`,
			`CREATE TABLE lines (id text, version bigint, order_id text, item text)`,
			`CREATE TABLE notes (id text, version bigint, order_id text, text text)`,
		} {
			if err := db.Exec(ddl).Error; err != nil {
				t.Fatal(err)
			}
		}
		if b.Kind == dialect.PostgreSQL {
			if err := db.Exec(`ALTER TABLE orders ADD PRIMARY KEY (id, version); ALTER TABLE lines ADD PRIMARY KEY (id, version); ALTER TABLE notes ADD PRIMARY KEY (id, version)`).Error; err != nil {
				t.Fatal(err)
			}
		}
		o := order{Note: "first", Lines: []line{{Item: "a"}, {Item: "b"}}}
		if err := db.Create(&o).Error; err != nil {
			t.Fatalf("Create with associations: %v", err)
		}
		var lines []line
		if err := db.Where("order_id = ?", o.ID).Order("item").Find(&lines).Error; err != nil {
			t.Fatal(err)
		}
		if len(lines) != 2 || lines[0].Version == 0 || lines[0].Item != "a" {
			t.Fatalf("lines = %+v", lines)
		}
		o.Note = "second"
		if err := db.Save(&o).Error; err != nil {
			t.Fatalf("Save with associations: %v", err)
		}
		var n int64
		if err := db.Model(&line{}).Unscoped().Where("order_id = ?", o.ID).Count(&n).Error; err != nil || n != 4 {
			t.Errorf("%d line versions after saving the order again (%v), want 4", n, err)
		}
		var again []line
		if err := db.Where("order_id = ?", o.ID).Order("item").Find(&again).Error; err != nil || len(again) != 2 || again[1].Item != "b" {
			t.Errorf("current lines = %+v (%v)", again, err)
		}
		var got order
		if err := db.First(&got, "id = ?", o.ID).Error; err != nil || got.Note != "second" {
			t.Errorf("order = %+v (%v)", got, err)
		}

		// Belongs-to: a new order is created before the note; a stored one
		// is left alone (DO NOTHING), not written again.
		nt := note{Text: "new order", Order: &order{Note: "via note"}}
		if err := db.Create(&nt).Error; err != nil {
			t.Fatalf("Create with a new belongs-to: %v", err)
		}
		if nt.Order.Version == 0 || nt.OrderID != nt.Order.ID {
			t.Fatalf("the order was not created first: %+v", nt.Order)
		}
		stale := note{Text: "stored order", Order: &got}
		if err := db.Create(&stale).Error; err != nil {
			t.Fatalf("Create with a stored belongs-to: %v", err)
		}
		if err := db.Model(&order{}).Unscoped().Where("id = ?", got.ID).Count(&n).Error; err != nil || n != 2 {
			t.Errorf("%d versions of the stored order after a note referenced it (%v), want 2", n, err)
		}
	})
}
