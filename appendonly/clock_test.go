package appendonly

import (
	"sync"
	"testing"
	"time"
)

// TestWriterClocksNeverCollide: two processes' clocks, stuck at the same
// instant, never hand out the same version — the rule that keeps two
// writers from storing two states under one version on LogStore, where no
// primary key refuses the second.
func TestWriterClocksNeverCollide(t *testing.T) {
	stuck := func() time.Time { return time.Unix(1_800_000_000, 0) }
	a, err := NewWriterClock(stuck, 1)
	if err != nil {
		t.Fatal(err)
	}
	b, err := NewWriterClock(stuck, 2)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[Version]string{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for name, c := range map[string]*Clock{"a": a, "b": b} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			prev := Version(0)
			for i := 0; i < 5000; i++ {
				v := c.Next(Version(1_800_000_000_000_000_500)) // a loaded version, too
				if v <= prev || v <= 1_800_000_000_000_000_500 {
					t.Errorf("%s: version %d after %d: not increasing or not after the loaded version", name, v, prev)
					return
				}
				if int(int64(v)&MaxWriterID) != c.Writer() {
					t.Errorf("%s: version %d does not end in writer %d", name, v, c.Writer())
					return
				}
				prev = v
				mu.Lock()
				if other, dup := seen[v]; dup {
					t.Errorf("version %d handed out by %s and %s", v, other, name)
				}
				seen[v] = name
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
}

func TestNewWriterClockRange(t *testing.T) {
	for _, id := range []int{-1, MaxWriterID + 1} {
		if _, err := NewWriterClock(nil, id); err == nil {
			t.Errorf("writer %d accepted", id)
		}
	}
	if processClock.Writer() < 0 {
		t.Error("the process clock has no writer ID")
	}
	// A bare clock keeps nanosecond versions: what tests rely on.
	c := NewClock(func() time.Time { return time.Unix(0, 1000) })
	if v1, v2 := c.Next(0), c.Next(0); v1 != 1000 || v2 != 1001 {
		t.Errorf("bare clock: %d %d", v1, v2)
	}
}
