// Package lru is a fixed-size, sharded, least-recently-used cache that is safe for concurrent use. Each shard
// is a map and a doubly linked list under its own mutex, so that callers on different CPUs rarely wait for
// each other; a key always lives in the same shard (chosen by hash/maphash), and each shard evicts its own
// least recently used entry when full, which makes the whole an approximation of one LRU.
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

// Cache maps keys to values, holding at most its capacity. A nil *Cache is a valid cache that holds
// nothing: Get misses and Add does nothing.
type Cache[K comparable, V any] struct {
	seed   maphash.Seed
	shards []shard[K, V]
}

type shard[K comparable, V any] struct {
	mu    sync.Mutex
	items map[K]*entry[K, V]
	root  entry[K, V] // sentinel of the recency list: root.next is the most recent entry, root.prev the least
	cap   int
	_     [64]byte // keeps the hot mutexes of neighbouring shards on different cache lines
}

type entry[K comparable, V any] struct {
	key        K
	val        V
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
	c := &Cache[K, V]{seed: maphash.MakeSeed(), shards: make([]shard[K, V], n)}
	per := (size + n - 1) / n
	for i := range c.shards {
		s := &c.shards[i]
		s.items = make(map[K]*entry[K, V]) // grows as entries come: a short-lived cache costs little
		s.root.next, s.root.prev = &s.root, &s.root
		s.cap = per
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

// Add sets the value of k, marks it most recently used, and evicts the least recently used entry of its
// shard when the shard is full.
func (c *Cache[K, V]) Add(k K, v V) {
	if c == nil {
		return
	}
	s := c.shard(k)
	s.mu.Lock()
	defer s.mu.Unlock()
	if e, ok := s.items[k]; ok {
		e.val = v
		s.unlink(e)
		s.pushFront(e)
		return
	}
	var e *entry[K, V]
	if len(s.items) >= s.cap {
		e = s.root.prev // reuse the evicted entry
		s.unlink(e)
		delete(s.items, e.key)
	} else {
		e = new(entry[K, V])
	}
	e.key, e.val = k, v
	s.items[k] = e
	s.pushFront(e)
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

// Cap returns the most entries the cache holds.
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
