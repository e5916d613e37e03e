package transfer

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
)

func TestCheckpoint(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "copy.state")
	f := Filter{TenantID: uuid.MustParse("0192f0e0-0000-7000-8000-00000000000a"), Since: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)}

	t.Run("OK", func(t *testing.T) {
		cp, resumed, err := loadCheckpoint(path, "copy", f)
		if err != nil || resumed {
			t.Fatalf("no file: resumed=%v, %v", resumed, err)
		}
		pos := cp.table(Runs)
		pos.After = &key{CreatedAt: time.Date(2026, 11, 2, 3, 4, 5, 6000, time.UTC), ID: uuid.MustParse("01a22a03-bb37-7b93-aaf7-e251af56b11d"), Version: 1795544566101616000}
		pos.Read, pos.Written = 10, 9
		if err := cp.save(path); err != nil {
			t.Fatal(err)
		}
		again, resumed, err := loadCheckpoint(path, "copy", f)
		if err != nil || !resumed {
			t.Fatalf("reload: resumed=%v, %v", resumed, err)
		}
		got := again.table(Runs)
		if *got.After != *pos.After || got.Read != 10 || got.Written != 9 || got.Done {
			t.Errorf("reloaded %+v %+v, saved %+v %+v", got, *got.After, pos, *pos.After)
		}
		entries, _ := os.ReadDir(dir)
		if len(entries) != 1 {
			t.Errorf("saving left %d files in the directory, want the state file alone", len(entries))
		}
	})
	t.Run("ErrOtherFilter", func(t *testing.T) {
		_, _, err := loadCheckpoint(path, "copy", Filter{})
		if err == nil || !strings.Contains(err.Error(), "other filters") {
			t.Errorf("other filter: %v", err)
		}
	})
	t.Run("ErrOtherKind", func(t *testing.T) {
		_, _, err := loadCheckpoint(path, "import", f)
		if err == nil || !strings.Contains(err.Error(), `of a "copy" run`) {
			t.Errorf("other kind: %v", err)
		}
	})
	t.Run("ErrNotOurs", func(t *testing.T) {
		bad := filepath.Join(dir, "bad.state")
		if err := os.WriteFile(bad, []byte("not json"), 0o644); err != nil {
			t.Fatal(err)
		}
		_, _, err := loadCheckpoint(bad, "copy", f)
		if err == nil || !strings.Contains(err.Error(), "is not one of ours") {
			t.Errorf("garbage: %v", err)
		}
	})
}
