package transfer

import (
	"errors"
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
		cp, resumed, err := loadCheckpoint(path, "copy", f, "", "")
		if err != nil || resumed {
			t.Fatalf("no file: resumed=%v, %v", resumed, err)
		}
		pos := cp.table(Runs)
		pos.After = &key{CreatedAt: time.Date(2026, 11, 2, 3, 4, 5, 6000, time.UTC), ID: uuid.MustParse("01a22a03-bb37-7b93-aaf7-e251af56b11d"), Version: 1795544566101616000}
		pos.Read, pos.Written = 10, 9
		if err := cp.save(path); err != nil {
			t.Fatal(err)
		}
		again, resumed, err := loadCheckpoint(path, "copy", f, "", "")
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
		_, _, err := loadCheckpoint(path, "copy", Filter{}, "", "")
		if !errors.Is(err, ErrStateMismatch) || !strings.Contains(err.Error(), "other filters (--tenant 0192f0e0-0000-7000-8000-00000000000a --since 2026-11-01T00:00:00Z), not no filters") {
			t.Errorf("other filter: %v", err)
		}
	})
	t.Run("ErrOtherSides", func(t *testing.T) {
		sided := filepath.Join(dir, "sided.state")
		cp, _, err := loadCheckpoint(sided, "copy", f, "sqlite:///data/a.db", "postgres://u@db:5432/logs")
		if err != nil {
			t.Fatal(err)
		}
		if err := cp.save(sided); err != nil {
			t.Fatal(err)
		}
		if _, resumed, err := loadCheckpoint(sided, "copy", f, "sqlite:///data/a.db", "postgres://u@db:5432/logs"); err != nil || !resumed {
			t.Errorf("the same sides: resumed=%v, %v", resumed, err)
		}
		for _, c := range []struct{ name, from, to, want string }{
			{"Target", "sqlite:///data/a.db", "sqlite:///data/g2.db", "another target"},
			{"Source", "sqlite:///data/b.db", "postgres://u@db:5432/logs", "another source"},
		} {
			_, _, err := loadCheckpoint(sided, "copy", f, c.from, c.to)
			if !errors.Is(err, ErrStateMismatch) || !strings.Contains(err.Error(), c.want) ||
				!strings.Contains(err.Error(), "from sqlite:///data/a.db to postgres://u@db:5432/logs") {
				t.Errorf("%s: %v", c.name, err)
			}
		}
		// A file saved without sides (an older one) is not checked, and
		// records the sides it is resumed with.
		if again, resumed, err := loadCheckpoint(path, "copy", f, "sqlite:///data/b.db", "x"); err != nil || !resumed || again.Source != "sqlite:///data/b.db" {
			t.Errorf("a file without sides: resumed=%v, %+v, %v", resumed, again, err)
		}
	})
	t.Run("ErrOtherKind", func(t *testing.T) {
		_, _, err := loadCheckpoint(path, "import", f, "", "")
		if err == nil || !strings.Contains(err.Error(), `of a "copy" run`) {
			t.Errorf("other kind: %v", err)
		}
	})
	t.Run("ErrNotOurs", func(t *testing.T) {
		bad := filepath.Join(dir, "bad.state")
		if err := os.WriteFile(bad, []byte("not json"), 0o644); err != nil {
			t.Fatal(err)
		}
		_, _, err := loadCheckpoint(bad, "copy", f, "", "")
		if err == nil || !strings.Contains(err.Error(), "is not one of ours") {
			t.Errorf("garbage: %v", err)
		}
	})
}
