package transfer

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// checkpointFormat is the version of the state file's layout.
const checkpointFormat = 1

// checkpoint is a copy's or an import's progress, saved after every page
// the target has acknowledged. Resuming starts after Tables[t].After.
type checkpoint struct {
	Format int    `json:"format"`
	Kind   string `json:"kind"` // "copy" or "import"
	// Source and Target name the two sides (Options.Source, Options.Target):
	// a state file resumed against other databases would start mid-way.
	Source string               `json:"source,omitempty"`
	Target string               `json:"target,omitempty"`
	Filter Filter               `json:"filter"`
	Tables map[string]*position `json:"tables"`
}

// ErrStateMismatch is what Copy and Import return when the state file was
// written by another run: another kind, other filters, another source or
// target, or not a state file at all. Nothing was read or written; the
// same command cannot resume from that file.
var ErrStateMismatch = errors.New("the state file belongs to another run")

// mismatch is an ErrStateMismatch that says how.
func mismatch(format string, args ...any) error {
	return &stateError{fmt.Sprintf("transfer: "+format, args...)}
}

type stateError struct{ msg string }

func (e *stateError) Error() string        { return e.msg }
func (e *stateError) Is(target error) bool { return target == ErrStateMismatch }

// position is how far one table has come.
type position struct {
	After    *key  `json:"after,omitempty"` // the last row the target acknowledged
	Done     bool  `json:"done,omitempty"`
	Read     int64 `json:"read"`
	Written  int64 `json:"written"`
	Rejected int64 `json:"rejected,omitempty"` // Import: rows not written, invalid
}

func (c *checkpoint) table(name string) *position {
	if c.Tables == nil {
		c.Tables = map[string]*position{}
	}
	p, ok := c.Tables[name]
	if !ok {
		p = &position{}
		c.Tables[name] = p
	}
	return p
}

// stoppedError is the error of a copy or an import whose ctx ended after
// read rows of table.
func stoppedError(table string, read int64, state string, err error) error {
	if state == "" {
		return fmt.Errorf("transfer: %s stopped after %d rows: %w", table, read, err)
	}
	return fmt.Errorf("transfer: %s stopped after %d rows (the state file has them): %w", table, read, err)
}

// loadCheckpoint reads path, or starts a new checkpoint when there is no
// file. A file written for another kind of run, another filter, or another
// source or target is an error (ErrStateMismatch): resuming it would copy
// the wrong rows, or none. A file without a source or target (written
// before they were recorded, or by a caller that names neither) is not
// checked for them.
func loadCheckpoint(path, kind string, f Filter, source, target string) (*checkpoint, bool, error) {
	c := &checkpoint{Format: checkpointFormat, Kind: kind, Filter: f, Source: source, Target: target}
	if path == "" {
		return c, false, nil
	}
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return c, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("transfer: reading the state file: %w", err)
	}
	var saved checkpoint
	if err := json.Unmarshal(data, &saved); err != nil {
		return nil, false, mismatch("the state file %s is not one of ours (%v): use another --state file", path, err)
	}
	if saved.Format != checkpointFormat || saved.Kind != kind {
		return nil, false, mismatch("the state file %s is of a %q run (format %d), not of this %s: use another --state file", path, saved.Kind, saved.Format, kind)
	}
	for _, side := range []struct{ name, saved, now string }{{"source", saved.Source, source}, {"target", saved.Target, target}} {
		if side.saved != "" && side.now != "" && side.saved != side.now {
			return nil, false, mismatch("the state file %s is the progress of a %s from %s to %s, not of one from %s to %s (another %s): resume with the same --from and --to, or use another --state file",
				path, kind, saved.Source, saved.Target, orUnknown(source), orUnknown(target), side.name)
		}
	}
	if !sameFilter(saved.Filter, f) {
		return nil, false, mismatch("the state file %s was written with other filters (%s), not %s: resume with the same filters, or use another --state file", path, saved.Filter, f)
	}
	if saved.Source == "" {
		saved.Source = source
	}
	if saved.Target == "" {
		saved.Target = target
	}
	return &saved, true, nil
}

// orUnknown is s, or "?" when it is empty.
func orUnknown(s string) string {
	if s == "" {
		return "?"
	}
	return s
}

func sameFilter(a, b Filter) bool {
	return a.TenantID == b.TenantID && a.AppID == b.AppID && a.Since.Equal(b.Since) && a.Until.Equal(b.Until)
}

// save writes the checkpoint to path atomically: a temporary file, synced,
// renamed over the old one, so a crash leaves the old state or the new one.
func (c *checkpoint) save(path string) error {
	if path == "" {
		return nil
	}
	data, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".*")
	if err != nil {
		return fmt.Errorf("transfer: saving the state: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(append(data, '\n')); err != nil {
		tmp.Close()
		return fmt.Errorf("transfer: saving the state: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("transfer: saving the state: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("transfer: saving the state: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("transfer: saving the state: %w", err)
	}
	return nil
}
