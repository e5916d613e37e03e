package repo

import (
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/wflog/wflog/appendonly"
	"github.com/wflog/wflog/models"
)

type item struct {
	v     appendonly.Version
	group uuid.UUID
}

func newItems(ttl time.Duration, size int, now *time.Time) *recent[item] {
	c := newRecent(ttl, size, func(i *item) appendonly.Version { return i.v },
		func(i *item) (uuid.UUID, bool) { return i.group, i.group != uuid.Nil })
	c.now = func() time.Time { return *now }
	return c
}

func TestRecentKeepsNewest(t *testing.T) {
	now := time.Unix(0, 0)
	c := newItems(time.Second, 10, &now)
	id := uuid.New()
	c.put(id, item{v: 2})
	c.put(id, item{v: 1}) // an older write arriving late does not win
	if got, ok := c.get(id); !ok || got.v != 2 {
		t.Errorf("get = %v, %v; want version 2", got, ok)
	}
	stored, ok := c.fresher(id, item{v: 3}, true)
	if !ok || stored.v != 3 {
		t.Errorf("fresher preferred the cache over a newer stored row: %v", stored)
	}
	mine, ok := c.fresher(id, item{v: 1}, true)
	if !ok || mine.v != 2 {
		t.Errorf("fresher preferred an older stored row: %v", mine)
	}
	if _, ok := c.fresher(uuid.New(), item{}, false); ok {
		t.Error("fresher invented a row")
	}
}

func TestRecentExpiresAndBounds(t *testing.T) {
	now := time.Unix(0, 0)
	c := newItems(time.Second, 3, &now)
	group := uuid.New()
	var ids []uuid.UUID
	for i := 0; i < 5; i++ {
		id := uuid.New()
		ids = append(ids, id)
		c.put(id, item{v: appendonly.Version(i), group: group})
	}
	if len(c.byID) != 3 || len(c.inGroup(group)) != 3 {
		t.Fatalf("size bound: %d entries, %d in group; want 3", len(c.byID), len(c.inGroup(group)))
	}
	if _, ok := c.get(ids[0]); ok {
		t.Error("the oldest entry survived the size bound")
	}
	now = now.Add(time.Second)
	if _, ok := c.get(ids[4]); ok {
		t.Error("an entry outlived its TTL")
	}
	if len(c.inGroup(group)) != 0 {
		t.Error("the group outlived its entries")
	}
	c.put(uuid.New(), item{v: 9})
	if len(c.byID) != 1 || len(c.byGroup) != 0 {
		t.Errorf("expired entries stay: %d entries, %d groups", len(c.byID), len(c.byGroup))
	}
}

// TestRecentQueueStaysBounded: rewriting the same ids does not grow memory.
func TestRecentQueueStaysBounded(t *testing.T) {
	now := time.Unix(0, 0)
	c := newItems(time.Hour, 10, &now)
	ids := []uuid.UUID{uuid.New(), uuid.New()}
	for i := 0; i < 10_000; i++ {
		c.put(ids[i%2], item{v: appendonly.Version(i)})
	}
	if len(c.queue) > 2*len(c.byID)+64 {
		t.Errorf("queue holds %d keys for %d entries", len(c.queue), len(c.byID))
	}
}

func TestRecentOff(t *testing.T) {
	var c *recent[item] = newRecent[item](0, 10, nil, nil)
	c.put(uuid.New(), item{})
	if _, ok := c.get(uuid.New()); ok || c.inGroup(uuid.New()) != nil {
		t.Error("a disabled cache remembered something")
	}
}

func TestRecentConcurrent(t *testing.T) {
	c := newRecent(time.Minute, 100, func(i *item) appendonly.Version { return i.v },
		func(i *item) (uuid.UUID, bool) { return i.group, true })
	group := uuid.New()
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 1000; i++ {
				id := uuid.New()
				c.put(id, item{v: appendonly.Version(i), group: group})
				c.get(id)
				c.inGroup(group)
			}
		}()
	}
	wg.Wait()
	if len(c.byID) > 100 {
		t.Errorf("%d entries, bound 100", len(c.byID))
	}
}

// TestRecentCopiesDeeply: the cache shares nothing with its callers. A run
// changed after Save, or a run Get returned and the caller changed, does not
// change what the next Get returns.
func TestRecentCopiesDeeply(t *testing.T) {
	c := newRecent(time.Minute, 10, func(r *models.WorkflowRun) appendonly.Version { return r.Version }, nil)
	out, done, runID := "original", time.Unix(100, 0), uuid.New()
	run := models.WorkflowRun{ID: uuid.New(), Version: 1, Outputs: &out, FinishedAt: &done, Status: models.RunSucceeded}
	node := models.WorkflowNodeExecution{WorkflowRunID: &runID}
	c.put(run.ID, run)
	*run.Outputs, *run.FinishedAt, run.Status = "changed after Save", time.Unix(200, 0), models.RunFailed
	got, ok := c.get(run.ID)
	if !ok || *got.Outputs != "original" || !got.FinishedAt.Equal(time.Unix(100, 0)) || got.Status != models.RunSucceeded {
		t.Fatalf("changing the saved struct changed the cache: %+v", got)
	}
	*got.Outputs = "changed after Get"
	again, _ := c.get(run.ID)
	if *again.Outputs != "original" {
		t.Errorf("changing a returned struct changed the cache: %s", *again.Outputs)
	}

	nodes := newRecent(time.Minute, 10, func(n *models.WorkflowNodeExecution) appendonly.Version { return n.Version },
		func(n *models.WorkflowNodeExecution) (uuid.UUID, bool) { return *n.WorkflowRunID, true })
	nodes.put(uuid.New(), node)
	for _, n := range nodes.inGroup(runID) {
		*n.WorkflowRunID = uuid.Nil
	}
	if got := nodes.inGroup(runID); len(got) != 1 || *got[0].WorkflowRunID != runID {
		t.Errorf("changing inGroup's result changed the cache")
	}
	// deepCopy on maps, slices and interfaces, too.
	type wide struct {
		M map[string][]int
		I any
		A [2]*int
	}
	one := 1
	w := wide{M: map[string][]int{"a": {1}}, I: &one, A: [2]*int{&one, nil}}
	cp := deepCopy(w)
	cp.M["a"][0], *(cp.I.(*int)), *cp.A[0] = 9, 9, 9
	if w.M["a"][0] != 1 || one != 1 {
		t.Errorf("deepCopy shared memory: %+v", w)
	}
}
