package appendonly_test

import (
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/wflog/wflog/appendonly"
	"github.com/wflog/wflog/internal/dialect"
	"github.com/wflog/wflog/internal/testdb"
	"github.com/wflog/wflog/models"
)

func freshRun(app uuid.UUID) models.WorkflowRun {
	r := newRun(uuid.Nil) // the plugin assigns a UUIDv7
	r.AppID = app
	r.CreatedAt = time.Now().UTC().Truncate(time.Microsecond)
	return r
}

func history(t *testing.T, db *gorm.DB, id uuid.UUID) []models.WorkflowRun {
	t.Helper()
	var rs []models.WorkflowRun
	if err := db.Unscoped().Where("id = ?", id).Order("version").Find(&rs).Error; err != nil {
		t.Fatal(err)
	}
	return rs
}

func TestAppendOnly(t *testing.T) {
	testdb.Each(t, func(t *testing.T, b testdb.Backend) {
		db, schema := b.Open(t)
		app := uuid.New()
		inserts := 0

		// Create: an id and a version are assigned, in memory too.
		run := freshRun(app)
		if err := db.Create(&run).Error; err != nil {
			t.Fatal(err)
		}
		inserts++
		if run.ID == uuid.Nil || run.ID.Version() != 7 || run.Version == 0 {
			t.Fatalf("Create left id %v (v%d), version %d", run.ID, run.ID.Version(), run.Version)
		}

		// Save and the Update family each add a version; memory follows.
		v1 := run.Version
		run.Status = models.RunPaused
		if err := db.Save(&run).Error; err != nil {
			t.Fatal(err)
		}
		v2 := run.Version
		if err := db.Model(&run).Updates(map[string]any{"status": models.RunRunning, "total_steps": 4}).Error; err != nil {
			t.Fatal(err)
		}
		v3 := run.Version
		if err := db.Model(&run).Update("total_tokens", 77).Error; err != nil {
			t.Fatal(err)
		}
		v4 := run.Version
		finished := time.Now().UTC().Truncate(time.Microsecond)
		if err := db.Model(&run).Updates(models.WorkflowRun{Status: models.RunSucceeded, FinishedAt: &finished}).Error; err != nil {
			t.Fatal(err)
		}
		inserts += 4
		if !(v1 < v2 && v2 < v3 && v3 < v4 && v4 < run.Version) {
			t.Errorf("versions %d %d %d %d %d do not increase", v1, v2, v3, v4, run.Version)
		}
		if run.Status != models.RunSucceeded || run.TotalTokens != 77 || run.TotalSteps != 4 {
			t.Errorf("in memory: %+v", run)
		}
		h := history(t, db, run.ID)
		if len(h) != 5 {
			t.Fatalf("history has %d versions, want 5", len(h))
		}
		wantStatus := []models.RunStatus{models.RunRunning, models.RunPaused, models.RunRunning, models.RunRunning, models.RunSucceeded}
		for i, r := range h {
			if r.Status != wantStatus[i] {
				t.Errorf("version %d status %s, want %s", i, r.Status, wantStatus[i])
			}
		}
		if h[4].Version != run.Version || h[4].TotalTokens != 77 || h[4].TotalSteps != 4 {
			t.Errorf("latest stored version %+v, in memory %d", h[4], run.Version)
		}

		// Reads see the latest version only; conditions filter latest rows.
		other := freshRun(app)
		if err := db.Create(&other).Error; err != nil {
			t.Fatal(err)
		}
		inserts++
		var running []models.WorkflowRun
		if err := db.Where("app_id = ? AND status = ?", app, models.RunRunning).Find(&running).Error; err != nil {
			t.Fatal(err)
		}
		if len(running) != 1 || running[0].ID != other.ID {
			t.Errorf("running runs = %v, want only %v (the other was running once, but is not now)", ids(running), other.ID)
		}
		var n int64
		if err := db.Model(&models.WorkflowRun{}).Where("app_id = ?", app).Count(&n).Error; err != nil || n != 2 {
			t.Errorf("Count = %d (%v), want 2", n, err)
		}
		if err := db.Unscoped().Model(&models.WorkflowRun{}).Where("app_id = ?", app).Count(&n).Error; err != nil || n != 6 {
			t.Errorf("Unscoped Count = %d (%v), want 6", n, err)
		}
		var all []models.WorkflowRun
		if err := appendonly.History(db.Where("app_id = ?", app)).Find(&all).Error; err != nil || len(all) != 6 {
			t.Errorf("History = %d rows (%v), want 6", len(all), err)
		}
		var got models.WorkflowRun
		if err := db.First(&got, "id = ?", run.ID).Error; err != nil || got.Version != run.Version || got.Status != models.RunSucceeded {
			t.Errorf("First = %+v (%v)", got, err)
		}
		var pluck []uuid.UUID
		if err := db.Model(&models.WorkflowRun{}).Where("app_id = ?", app).Order("created_at").Pluck("id", &pluck).Error; err != nil || len(pluck) != 2 {
			t.Errorf("Pluck = %v (%v)", pluck, err)
		}

		// A newer version always sorts after the loaded one, even when the
		// row was written by a process whose clock runs ahead.
		ahead := got
		ahead.Version = appendonly.Version(time.Now().Add(time.Hour).UnixNano())
		if err := db.Create(&ahead).Error; err != nil {
			t.Fatal(err)
		}
		inserts++
		loaded := ahead
		if err := db.Model(&loaded).Update("status", models.RunFailed).Error; err != nil {
			t.Fatal(err)
		}
		inserts++
		// The process clock's versions end in its writer ID: the next one
		// after ahead is at most 2^WriterBits later.
		if loaded.Version <= ahead.Version || loaded.Version > ahead.Version+appendonly.MaxWriterID+1 {
			t.Errorf("version after a row from the future = %d, want just after %d", loaded.Version, ahead.Version)
		}

		// Updates that cannot be append-only send nothing.
		notLoaded := freshRun(app)
		notLoaded.ID = run.ID
		for name, err := range map[string]error{
			"not loaded":   db.Model(&notLoaded).Update("status", models.RunStopped).Error,
			"by condition": db.Model(&models.WorkflowRun{}).Where("app_id = ?", app).Update("status", models.RunStopped).Error,
			"expression":   db.Model(&loaded).Update("total_tokens", gorm.Expr("total_tokens + 1")).Error,
		} {
			if err == nil {
				t.Errorf("%s: update succeeded", name)
			} else if name != "expression" && !errors.Is(err, appendonly.ErrNotLoaded) {
				t.Errorf("%s: error %v, want ErrNotLoaded", name, err)
			}
		}
		if len(history(t, db, run.ID)) != 7 {
			t.Errorf("a refused update wrote a row")
		}

		// Delete: every version of the matched rows on PostgreSQL, refused on LogStore.
		err := db.Delete(&models.WorkflowRun{ID: run.ID}).Error
		if b.Kind == dialect.LogStore {
			if !errors.Is(err, dialect.ErrUnsupported) {
				t.Errorf("LogStore Delete = %v, want ErrUnsupported", err)
			}
		} else {
			if err != nil {
				t.Fatal(err)
			}
			if h := history(t, db, run.ID); len(h) != 0 {
				t.Errorf("Delete left %d versions", len(h))
			}
			// By condition: matched on the current state; the other run is
			// running now, and was never anything else.
			if err := db.Where("status = ?", models.RunFailed).Delete(&models.WorkflowRun{}).Error; err != nil {
				t.Fatal(err)
			}
			if h := history(t, db, other.ID); len(h) != 1 {
				t.Errorf("Delete by condition removed the other run")
			}
		}

		// Append-only is a fact about the database.
		testdb.Close(t, db)
		counts := testdb.Tuples(t, schema, int64(inserts))
		for table, c := range counts {
			if c.Updated != 0 {
				t.Errorf("%s: %d rows updated", table, c.Updated)
			}
			if b.Kind == dialect.LogStore && c.Deleted != 0 {
				t.Errorf("%s: %d rows deleted", table, c.Deleted)
			}
		}
	})
}

func ids(rs []models.WorkflowRun) []uuid.UUID {
	out := make([]uuid.UUID, len(rs))
	for i, r := range rs {
		out[i] = r.ID
	}
	return out
}

// TestConcurrentSaves: 16 goroutines saving shared and private runs
// thousands of times. Every row gets a distinct version, each goroutine sees
// its versions strictly increase, nothing is lost, nothing is updated.
func TestConcurrentSaves(t *testing.T) {
	const workers, rounds = 16, 150
	testdb.Each(t, func(t *testing.T, b testdb.Backend) {
		db, schema := b.Open(t)
		app := uuid.New()
		shared := make([]models.WorkflowRun, 4)
		for i := range shared {
			shared[i] = freshRun(app)
			if err := db.Create(&shared[i]).Error; err != nil {
				t.Fatal(err)
			}
		}
		type write struct {
			id      uuid.UUID
			version appendonly.Version
		}
		written := make([][]write, workers)
		var wg sync.WaitGroup
		errs := make(chan error, workers)
		for w := 0; w < workers; w++ {
			wg.Add(1)
			go func(w int) {
				defer wg.Done()
				mine := freshRun(app)
				copies := append([]models.WorkflowRun(nil), shared...) // each goroutine its own structs
				var last appendonly.Version
				for i := 0; i < rounds; i++ {
					r := &mine
					if i%2 == 1 {
						r = &copies[i%len(copies)]
					}
					r.TotalSteps = i
					var err error
					if i%3 == 2 && r.Version != 0 {
						err = db.Model(r).Update("total_tokens", int64(i)).Error
					} else {
						err = db.Save(r).Error
					}
					if err != nil {
						errs <- err
						return
					}
					if r.Version <= last {
						errs <- errors.New("a goroutine's versions did not increase")
						return
					}
					last = r.Version
					written[w] = append(written[w], write{r.ID, r.Version})
				}
			}(w)
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}

		var stored []models.WorkflowRun
		if err := db.Unscoped().Where("app_id = ?", app).Find(&stored).Error; err != nil {
			t.Fatal(err)
		}
		want := len(shared) + workers*rounds
		if len(stored) != want {
			t.Fatalf("%d rows stored, want %d", len(stored), want)
		}
		versions := map[appendonly.Version]bool{}
		byKey := map[write]bool{}
		for _, r := range stored {
			if versions[r.Version] {
				t.Fatalf("version %d stored twice", r.Version)
			}
			versions[r.Version] = true
			byKey[write{r.ID, r.Version}] = true
		}
		for _, ws := range written {
			for _, w := range ws {
				if !byKey[w] {
					t.Fatalf("write %v is missing", w)
				}
			}
		}
		testdb.Close(t, db)
		for table, c := range testdb.Tuples(t, schema, int64(want)) {
			if c.Updated != 0 || c.Deleted != 0 {
				t.Errorf("%s: %d updated, %d deleted", table, c.Updated, c.Deleted)
			}
		}
	})
}

// Note is a model of someone else's: the plugin is general.
type Note struct {
	ID        string             `gorm:"primaryKey"`
	Version   appendonly.Version `gorm:"primaryKey"`
	Body      string
	UpdatedAt time.Time
	calls     []string `gorm:"-"`
}

func (n *Note) BeforeSave(*gorm.DB) error   { n.calls = append(n.calls, "BeforeSave"); return nil }
func (n *Note) BeforeCreate(*gorm.DB) error { n.calls = append(n.calls, "BeforeCreate"); return nil }
func (n *Note) AfterCreate(*gorm.DB) error  { n.calls = append(n.calls, "AfterCreate"); return nil }
func (n *Note) BeforeUpdate(*gorm.DB) error { n.calls = append(n.calls, "BeforeUpdate"); return nil }
func (n *Note) AfterUpdate(*gorm.DB) error  { n.calls = append(n.calls, "AfterUpdate"); return nil }
func (n *Note) AfterSave(*gorm.DB) error    { n.calls = append(n.calls, "AfterSave"); return nil }

// TestAnyModelAndHooks: a model with a string id, UpdatedAt and every hook.
func TestAnyModelAndHooks(t *testing.T) {
	db, _ := testdb.Open(t)
	if err := db.AutoMigrate(&Note{}); err != nil {
		t.Fatal(err)
	}
	n := Note{Body: "draft"}
	if err := db.Create(&n).Error; err != nil {
		t.Fatal(err)
	}
	if _, err := uuid.Parse(n.ID); err != nil || n.UpdatedAt.IsZero() {
		t.Errorf("Create: id %q (%v), UpdatedAt %v", n.ID, err, n.UpdatedAt)
	}
	check := func(op string, want ...string) {
		t.Helper()
		if strings.Join(n.calls, ",") != strings.Join(want, ",") {
			t.Errorf("%s hooks = %v, want %v", op, n.calls, want)
		}
		n.calls = nil
	}
	check("Create", "BeforeSave", "BeforeCreate", "AfterCreate", "AfterSave")

	firstUpdate := n.UpdatedAt
	n.Body = "final"
	if err := db.Save(&n).Error; err != nil {
		t.Fatal(err)
	}
	check("Save", "BeforeSave", "BeforeUpdate", "AfterUpdate", "AfterSave")
	if err := db.Model(&n).Update("body", "edited").Error; err != nil {
		t.Fatal(err)
	}
	check("Update", "BeforeSave", "BeforeUpdate", "AfterUpdate", "AfterSave")
	if !n.UpdatedAt.After(firstUpdate) {
		t.Errorf("UpdatedAt did not move: %v then %v", firstUpdate, n.UpdatedAt)
	}
	stamped := n.UpdatedAt
	if err := db.Model(&n).UpdateColumn("body", "quiet").Error; err != nil {
		t.Fatal(err)
	}
	check("UpdateColumn")
	if !n.UpdatedAt.Equal(stamped) {
		t.Errorf("UpdateColumn moved UpdatedAt")
	}
	var versions []Note
	if err := db.Unscoped().Where("id = ?", n.ID).Order("version").Find(&versions).Error; err != nil {
		t.Fatal(err)
	}
	var bodies []string
	for _, v := range versions {
		bodies = append(bodies, v.Body)
	}
	if strings.Join(bodies, ",") != "draft,final,edited,quiet" {
		t.Errorf("versions hold %v", bodies)
	}
}
