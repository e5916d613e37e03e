package appendonly

import (
	"sync/atomic"
	"time"
)

// Clock hands out versions: nanoseconds since the Unix epoch, strictly
// increasing across every goroutine that shares the Clock, so one Clock never
// hands out the same version twice. It is safe for concurrent use.
type Clock struct {
	now  func() time.Time
	last atomic.Int64
}

// NewClock returns a Clock reading now (time.Now when nil). Tests pass a
// fixed or stepping function to get predictable versions.
func NewClock(now func() time.Time) *Clock {
	if now == nil {
		now = time.Now
	}
	return &Clock{now: now}
}

// processClock is shared by every plugin built without a Clock of its own,
// so that all *gorm.DB values in one process draw from one sequence: two
// plugins with separate clocks could hand the same version to one row.
var processClock = NewClock(time.Now)

// Next returns a version greater than every version this Clock returned
// before and greater than after — the version a row had when it was loaded,
// so that a new version always sorts after the one it replaces even when the
// writer's clock is behind the clock that wrote the old one.
func (c *Clock) Next(after Version) Version {
	for {
		last := c.last.Load()
		next := c.now().UnixNano()
		if next <= last {
			next = last + 1
		}
		if next <= int64(after) {
			next = int64(after) + 1
		}
		if c.last.CompareAndSwap(last, next) {
			return Version(next)
		}
	}
}
