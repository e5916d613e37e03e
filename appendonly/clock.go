package appendonly

import (
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"sync/atomic"
	"time"
)

// WriterBits is how many low bits of a version carry the writer: a Clock
// made by NewWriterClock (and the clock every plugin shares by default)
// hands out only versions whose low WriterBits bits are its writer ID, so
// two clocks with different writer IDs never hand out the same version.
// LogStore has no primary key to refuse a second row with the same
// (id, version); this rule is what keeps two processes from storing two
// states under one version there. The cost is resolution: one clock hands
// out at most one version per 2^WriterBits ns (about a million a second),
// and runs ahead of the wall clock when asked for more.
const WriterBits = 10

// MaxWriterID is the largest writer ID.
const MaxWriterID = 1<<WriterBits - 1

// Clock hands out versions: nanoseconds since the Unix epoch, strictly
// increasing across every goroutine that shares the Clock, so one Clock never
// hands out the same version twice. It is safe for concurrent use.
type Clock struct {
	now    func() time.Time
	step   int64 // 1, or 2^WriterBits for a writer clock
	writer int64 // the low bits of every version, for a writer clock
	last   atomic.Int64
}

// NewClock returns a Clock reading now (time.Now when nil) whose versions
// are bare nanoseconds, with no writer ID: for tests that want predictable
// versions (a clock stuck at t hands out t, t+1, t+2, …). Production code
// wants the default clock, or NewWriterClock.
func NewClock(now func() time.Time) *Clock {
	if now == nil {
		now = time.Now
	}
	return &Clock{now: now, step: 1}
}

// NewWriterClock returns a Clock whose versions all end in writer's
// WriterBits bits: give every process that writes the same rows its own
// writer ID (0 to MaxWriterID; say, a pod's ordinal) and no two of them can
// pick the same version. now is time.Now when nil.
func NewWriterClock(now func() time.Time, writer int) (*Clock, error) {
	if writer < 0 || writer > MaxWriterID {
		return nil, fmt.Errorf("appendonly: writer ID %d is out of range 0…%d", writer, MaxWriterID)
	}
	c := NewClock(now)
	c.step, c.writer = 1<<WriterBits, int64(writer)
	return c, nil
}

// Writer returns the clock's writer ID, or -1 for a clock without one.
func (c *Clock) Writer() int {
	if c.step == 1 {
		return -1
	}
	return int(c.writer)
}

// processClock is shared by every plugin built without a Clock of its own,
// so that all *gorm.DB values in one process draw from one sequence: two
// plugins with separate clocks could hand the same version to one row. Its
// writer ID is random, so two processes share one with probability 1/1024;
// even then they collide only when both write the same row within the same
// microsecond. NewWriterClock removes even that chance.
var processClock = func() *Clock {
	var b [2]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read does not fail on supported platforms
	c, _ := NewWriterClock(time.Now, int(binary.LittleEndian.Uint16(b[:])&MaxWriterID))
	return c
}()

// Next returns a version greater than every version this Clock returned
// before and greater than after — the version a row had when it was loaded,
// so that a new version always sorts after the one it replaces even when the
// writer's clock is behind the clock that wrote the old one.
func (c *Clock) Next(after Version) Version {
	for {
		last := c.last.Load()
		next := c.now().UnixNano()
		if floor := max(last, int64(after)); next <= floor {
			next = floor + 1
		}
		next = c.align(next)
		if c.last.CompareAndSwap(last, next) {
			return Version(next)
		}
	}
}

// align returns the smallest v' >= v whose low bits are the writer's.
func (c *Clock) align(v int64) int64 {
	if c.step == 1 {
		return v
	}
	r := v % c.step
	if r < 0 {
		r += c.step
	}
	out := v - r + c.writer
	if out < v {
		out += c.step
	}
	return out
}
