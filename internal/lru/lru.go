// Package lru is a fixed-size, sharded, least-recently-used cache that is safe for concurrent use. Each shard
// is a map and a doubly linked list under its own mutex, so that callers on different CPUs rarely wait for
// each other; a key always lives in the same shard (chosen by hash/maphash), and each shard evicts its own
// least recently used entry when full, which makes the whole an approximation of one LRU. A cache made by
// NewSized is bounded in bytes too, by the cost its caller gives each entry.
//
//	c := lru.New[string, int](10_000)
//	c.Add("red dress", 1)
//	v, ok := c.Get("red dress")
package lru

import (
	"hash/maphash"
	"sync"
)

// shards is the number of independent shards of a cache of at least minSharded entries; a smaller cache has
// one shard, an exact LRU.
const (
	shards     = 16
	minSharded = shards * 64
)

// minShardBytes is the smallest byte budget of a shard of a cache made by NewSized: a smaller budget is one
// shard, an exact LRU.
const minShardBytes = 1 << 20

// Cache maps keys to values, holding at most its capacity. A nil *Cache is a valid cache that holds
// nothing: Get misses and Add does nothing.
type Cache[K comparable, V any] struct {
	seed   maphash.Seed
	shards []shard[K, V]
	cost   func(K, V) int64 // nil: entries are not counted in bytes
}

type shard[K comparable, V any] struct {
	mu     sync.Mutex
	items  map[K]*entry[K, V]
	root   entry[K, V] // sentinel of the recency list: root.next is the most recent entry, root.prev the least
	cap    int         // most entries; 0: no bound
	budget int64       // most bytes (the sum of the entries' costs); 0: no bound
	used   int64       // the sum of the entries' costs
	_      [64]byte    // keeps the hot mutexes of neighbouring shards on different cache lines
}

type entry[K comparable, V any] struct {
	key        K
	val        V
	cost       int64
	prev, next *entry[K, V]
}

// New returns a cache holding at most size entries (rounded up to a multiple of the shard count), or nil,
// the empty cache, when size ≤ 0.
func New[K comparable, V any](size int) *Cache[K, V] {
	if size <= 0 {
		return nil
	}
	n := 1
	if size >= minSharded {
		n = shards
	}
	return newCache[K, V](n, (size+n-1)/n, 0, nil)
}

// NewSized returns a cache whose entries cost at most maxBytes in all, each entry costing what cost(key,
// value) says (an estimate of the memory it holds, say), or nil, the empty cache, when maxBytes ≤ 0.
// maxEntries > 0 bounds the number of entries too (rounded up to a multiple of the shard count). A budget
// of at least 16 MiB is split between 16 shards (each evicting its own entries), a smaller one is one exact
// LRU. An entry that costs more than its shard's budget is not kept. Cost is called once per Add.
func NewSized[K comparable, V any](maxBytes int64, maxEntries int, cost func(K, V) int64) *Cache[K, V] {
	if maxBytes <= 0 {
		return nil
	}
	n := 1
	if maxBytes >= shards*minShardBytes {
		n = shards
	}
	per := 0
	if maxEntries > 0 {
		per = (maxEntries + n - 1) / n
	}
	return newCache(n, per, maxBytes/int64(n), cost)
}

// newCache returns a cache of n shards, each holding at most per entries (0: no bound) and budget bytes
// (0: no bound).
func newCache[K comparable, V any](n, per int, budget int64, cost func(K, V) int64) *Cache[K, V] {
	c := &Cache[K, V]{seed: maphash.MakeSeed(), shards: make([]shard[K, V], n), cost: cost}
	for i := range c.shards {
		s := &c.shards[i]
		s.items = make(map[K]*entry[K, V]) // grows as entries come: a short-lived cache costs little
		s.root.next, s.root.prev = &s.root, &s.root
		s.cap, s.budget = per, budget
	}
	return c
}

func (c *Cache[K, V]) shard(k K) *shard[K, V] {
	if len(c.shards) == 1 {
		return &c.shards[0]
	}
	return &c.shards[maphash.Comparable(c.seed, k)%uint64(len(c.shards))]
}

// Get returns the value of k and marks it most recently used.
func (c *Cache[K, V]) Get(k K) (V, bool) {
	if c == nil {
		var zero V
		return zero, false
	}
	s := c.shard(k)
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.items[k]
	if !ok {
		var zero V
		return zero, false
	}
	s.unlink(e)
	s.pushFront(e)
	return e.val, true
}

// Add sets the value of k, marks it most recently used, and evicts the least recently used entries of its
// shard while the shard holds too many entries or bytes.
func (c *Cache[K, V]) Add(k K, v V) {
	if c == nil {
		return
	}
	var w int64
	if c.cost != nil {
		w = c.cost(k, v)
	}
	s := c.shard(k)
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.items[k]
	switch {
	case s.budget > 0 && w > s.budget:
		if ok { // the new value does not fit: the old one must not stay either
			s.remove(e)
		}
		return
	case ok:
		s.used += w - e.cost
		e.val, e.cost = v, w
		s.unlink(e)
		s.pushFront(e)
	default:
		if s.cap > 0 && len(s.items) >= s.cap {
			e = s.root.prev // reuse the evicted entry
			s.remove(e)
		} else {
			e = new(entry[K, V])
		}
		e.key, e.val, e.cost = k, v, w
		s.items[k] = e
		s.used += w
		s.pushFront(e)
	}
	for s.budget > 0 && s.used > s.budget {
		s.remove(s.root.prev)
	}
}

// remove takes e out of the shard.
func (s *shard[K, V]) remove(e *entry[K, V]) {
	s.unlink(e)
	delete(s.items, e.key)
	s.used -= e.cost
}

// Bytes returns the sum of the costs of the entries (0 for a cache made by New).
func (c *Cache[K, V]) Bytes() int64 {
	if c == nil {
		return 0
	}
	var n int64
	for i := range c.shards {
		s := &c.shards[i]
		s.mu.Lock()
		n += s.used
		s.mu.Unlock()
	}
	return n
}

// Len returns the number of entries.
func (c *Cache[K, V]) Len() int {
	if c == nil {
		return 0
	}
	n := 0
	for i := range c.shards {
		s := &c.shards[i]
		s.mu.Lock()
		n += len(s.items)
		s.mu.Unlock()
	}
	return n
}

// Cap returns the most entries the cache holds (0: bounded in bytes only).
func (c *Cache[K, V]) Cap() int {
	if c == nil {
		return 0
	}
	return len(c.shards) * c.shards[0].cap
}

func (s *shard[K, V]) unlink(e *entry[K, V]) {
	e.prev.next, e.next.prev = e.next, e.prev
	e.prev, e.next = nil, nil
}

func (s *shard[K, V]) pushFront(e *entry[K, V]) {
	e.prev, e.next = &s.root, s.root.next
	s.root.next.prev = e
	s.root.next = e
}
