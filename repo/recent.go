package repo

import (
	"reflect"
	"sort"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/wflog/wflog/appendonly"
)

// recent remembers this process's latest writes for a while, so that a
// process reads its own writes on a backend that shows them late. It is
// bounded in time and size and safe for concurrent use. It keeps deep
// copies and hands out deep copies: a caller that changes a struct after
// saving it, or changes a struct Get returned, changes nothing here. Entries expire in
// the order they were written, so one FIFO queue serves both bounds.
type recent[T any] struct {
	ttl     time.Duration
	size    int
	now     func() time.Time
	version func(*T) appendonly.Version
	group   func(*T) (uuid.UUID, bool) // optional secondary key (a node execution's run)

	mu      sync.Mutex
	byID    map[uuid.UUID]recentEntry[T]
	byGroup map[uuid.UUID]map[uuid.UUID]struct{}
	queue   []recentKey
}

type recentEntry[T any] struct {
	value   T
	expires time.Time
}

type recentKey struct {
	id      uuid.UUID
	expires time.Time
}

// newRecent returns nil (a cache that remembers nothing) when ttl or size is 0.
func newRecent[T any](ttl time.Duration, size int, version func(*T) appendonly.Version, group func(*T) (uuid.UUID, bool)) *recent[T] {
	if ttl <= 0 || size <= 0 {
		return nil
	}
	return &recent[T]{ttl: ttl, size: size, now: time.Now, version: version, group: group,
		byID: map[uuid.UUID]recentEntry[T]{}, byGroup: map[uuid.UUID]map[uuid.UUID]struct{}{}}
}

// put remembers v as the latest write of id unless a newer version is known.
func (c *recent[T]) put(id uuid.UUID, v T) {
	if c == nil {
		return
	}
	now := c.now()
	c.mu.Lock()
	defer c.mu.Unlock()
	c.expire(now)
	if old, ok := c.byID[id]; ok && c.version(&old.value) > c.version(&v) {
		return
	}
	expires := now.Add(c.ttl)
	v = deepCopy(v)
	c.byID[id] = recentEntry[T]{value: v, expires: expires}
	c.queue = append(c.queue, recentKey{id: id, expires: expires})
	if c.group != nil {
		if g, ok := c.group(&v); ok {
			if c.byGroup[g] == nil {
				c.byGroup[g] = map[uuid.UUID]struct{}{}
			}
			c.byGroup[g][id] = struct{}{}
		}
	}
	for len(c.byID) > c.size {
		c.evict(c.queue[0])
		c.queue = c.queue[1:]
	}
	// Rewriting an id leaves its older key in the queue; keep the queue
	// proportional to the entries it tracks.
	if len(c.queue) > 2*len(c.byID)+64 {
		c.compact()
	}
}

// compact rebuilds the queue from the live entries. Call with mu held.
func (c *recent[T]) compact() {
	q := make([]recentKey, 0, len(c.byID))
	for id, e := range c.byID {
		q = append(q, recentKey{id: id, expires: e.expires})
	}
	sort.Slice(q, func(i, j int) bool { return q[i].expires.Before(q[j].expires) })
	c.queue = q
}

// get returns the remembered write of id.
func (c *recent[T]) get(id uuid.UUID) (T, bool) {
	var zero T
	if c == nil {
		return zero, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.byID[id]
	if !ok || !c.now().Before(e.expires) {
		return zero, false
	}
	return deepCopy(e.value), true
}

// inGroup returns the remembered writes whose group key is g.
func (c *recent[T]) inGroup(g uuid.UUID) []T {
	if c == nil {
		return nil
	}
	now := c.now()
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []T
	for id := range c.byGroup[g] {
		if e, ok := c.byID[id]; ok && now.Before(e.expires) {
			out = append(out, deepCopy(e.value))
		}
	}
	return out
}

// fresher returns whichever of stored (from the backend, if found) and the
// remembered write of id is newer.
func (c *recent[T]) fresher(id uuid.UUID, stored T, found bool) (T, bool) {
	mine, ok := c.get(id)
	if !ok || (found && c.version(&stored) >= c.version(&mine)) {
		return stored, found
	}
	return mine, true
}

// expire drops entries whose time is up. Call with mu held.
func (c *recent[T]) expire(now time.Time) {
	n := 0
	for n < len(c.queue) && !now.Before(c.queue[n].expires) {
		c.evict(c.queue[n])
		n++
	}
	c.queue = c.queue[n:]
}

// evict drops the entry k names, unless the id was written again since.
func (c *recent[T]) evict(k recentKey) {
	e, ok := c.byID[k.id]
	if !ok || !e.expires.Equal(k.expires) {
		return
	}
	delete(c.byID, k.id)
	if c.group != nil {
		if g, ok := c.group(&e.value); ok {
			delete(c.byGroup[g], k.id)
			if len(c.byGroup[g]) == 0 {
				delete(c.byGroup, g)
			}
		}
	}
}

// deepCopy copies v and everything it points to: pointers, slices, maps and
// interfaces are copied, not shared. Unexported struct fields are copied
// by value (time.Time's *Location is shared; it is immutable).
func deepCopy[T any](v T) T {
	out := copyValue(reflect.ValueOf(&v).Elem())
	return out.Interface().(T)
}

func copyValue(v reflect.Value) reflect.Value {
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			return v
		}
		p := reflect.New(v.Type().Elem())
		p.Elem().Set(copyValue(v.Elem()))
		return p
	case reflect.Struct:
		out := reflect.New(v.Type()).Elem()
		out.Set(v)
		for i := 0; i < v.NumField(); i++ {
			if f := out.Field(i); f.CanSet() {
				f.Set(copyValue(v.Field(i)))
			}
		}
		return out
	case reflect.Slice:
		if v.IsNil() {
			return v
		}
		out := reflect.MakeSlice(v.Type(), v.Len(), v.Len())
		for i := 0; i < v.Len(); i++ {
			out.Index(i).Set(copyValue(v.Index(i)))
		}
		return out
	case reflect.Array:
		out := reflect.New(v.Type()).Elem()
		out.Set(v)
		switch v.Type().Elem().Kind() {
		case reflect.Pointer, reflect.Struct, reflect.Slice, reflect.Map, reflect.Interface, reflect.Array:
			for i := 0; i < v.Len(); i++ {
				out.Index(i).Set(copyValue(v.Index(i)))
			}
		}
		return out
	case reflect.Map:
		if v.IsNil() {
			return v
		}
		out := reflect.MakeMapWithSize(v.Type(), v.Len())
		for it := v.MapRange(); it.Next(); {
			out.SetMapIndex(copyValue(it.Key()), copyValue(it.Value()))
		}
		return out
	case reflect.Interface:
		if v.IsNil() {
			return v
		}
		out := reflect.New(v.Type()).Elem()
		out.Set(copyValue(v.Elem()))
		return out
	}
	return v
}
