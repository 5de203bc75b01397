package lru

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
)

func TestOneShardEvictsLeastRecentlyUsed(t *testing.T) {
	tests := []struct {
		name string
		ops  []string // "+k" adds k (value len(k)), "?k" gets k
		want []string // keys present at the end
		gone []string // keys absent at the end
	}{
		{"fills up", []string{"+a", "+b", "+c"}, []string{"a", "b", "c"}, nil},
		{"evicts the oldest", []string{"+a", "+b", "+c", "+d"}, []string{"b", "c", "d"}, []string{"a"}},
		{"a get refreshes", []string{"+a", "+b", "+c", "?a", "+d"}, []string{"a", "c", "d"}, []string{"b"}},
		{"an update refreshes", []string{"+a", "+b", "+c", "+a", "+d", "+e"}, []string{"a", "d", "e"}, []string{"b", "c"}},
		{"a miss changes nothing", []string{"+a", "+b", "+c", "?z", "+d"}, []string{"b", "c", "d"}, []string{"a", "z"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := New[string, int](3) // one shard: an exact LRU
			for _, op := range tt.ops {
				switch op[0] {
				case '+':
					c.Add(op[1:], len(op))
				case '?':
					c.Get(op[1:])
				}
			}
			for _, k := range tt.want {
				if _, ok := c.Get(k); !ok {
					t.Errorf("%q missing", k)
				}
			}
			for _, k := range tt.gone {
				if _, ok := c.Get(k); ok {
					t.Errorf("%q present", k)
				}
			}
			if c.Len() != len(tt.want) {
				t.Errorf("Len %d, want %d", c.Len(), len(tt.want))
			}
		})
	}
}

func TestValues(t *testing.T) {
	c := New[string, int](100)
	for i := range 100 {
		c.Add(fmt.Sprint(i), i)
	}
	c.Add("7", 70)
	for i := range 100 {
		want := i
		if i == 7 {
			want = 70
		}
		// Shards fill unevenly, so a shard may have evicted some keys; those present hold their value.
		if v, ok := c.Get(fmt.Sprint(i)); ok && v != want {
			t.Fatalf("Get(%d) = %d", i, v)
		}
	}
	if c.Len() > c.Cap() || c.Cap() < 100 {
		t.Fatalf("Len %d Cap %d", c.Len(), c.Cap())
	}
}

func TestBounded(t *testing.T) {
	c := New[int, int](10_000) // sharded
	if len(c.shards) != shards {
		t.Fatalf("%d shards", len(c.shards))
	}
	for i := range 100_000 {
		c.Add(i, i)
	}
	if c.Len() != c.Cap() {
		t.Fatalf("Len %d, Cap %d: every shard should be full", c.Len(), c.Cap())
	}
	hits := 0
	for i := 99_000; i < 100_000; i++ {
		if _, ok := c.Get(i); ok {
			hits++
		}
	}
	if hits < 500 { // the most recent 1000 keys, spread unevenly over the shards
		t.Fatalf("%d of the 1000 most recent keys present", hits)
	}
}

func TestNilAndEmpty(t *testing.T) {
	for _, c := range []*Cache[string, int]{nil, New[string, int](0), New[string, int](-5)} {
		c.Add("a", 1)
		if _, ok := c.Get("a"); ok || c.Len() != 0 || c.Cap() != 0 {
			t.Fatal("an empty cache holds something")
		}
	}
}

func TestConcurrent(t *testing.T) {
	c := New[int, int](256)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 20_000 {
				k := (i * (g + 1)) % 1000
				if v, ok := c.Get(k); ok && v != k*2 {
					t.Errorf("Get(%d) = %d", k, v)
					return
				}
				c.Add(k, k*2)
			}
		})
	}
	wg.Wait()
	if c.Len() > c.Cap() {
		t.Fatalf("Len %d > Cap %d", c.Len(), c.Cap())
	}
}

func BenchmarkGetHit(b *testing.B) {
	c := New[string, int](10_000)
	keys := make([]string, 1000)
	for i := range keys {
		keys[i] = fmt.Sprintf("query number %d", i)
		c.Add(keys[i], i)
	}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			c.Get(keys[i%len(keys)])
			i++
		}
	})
}

// TestSized adds entries of random costs to caches bounded in bytes (one shard and sharded, with and
// without an entry bound) and checks after every Add that the bytes never exceed the budget, that Bytes is
// the sum of the costs of the entries present, and that the most recent entry that fits is kept.
func TestSized(t *testing.T) {
	tests := []struct {
		name       string
		maxBytes   int64
		maxEntries int
		shards     int
	}{
		{"one shard", 10_000, 0, 1},
		{"one shard, entry bound", 10_000, 20, 1},
		{"sharded", shards * minShardBytes, 0, shards},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			costs := map[int]int64{}
			c := NewSized(tt.maxBytes, tt.maxEntries, func(k int, v string) int64 { return int64(len(v)) })
			if len(c.shards) != tt.shards {
				t.Fatalf("%d shards, want %d", len(c.shards), tt.shards)
			}
			perShard := tt.maxBytes / int64(tt.shards)
			rng := rand.New(rand.NewPCG(1, 2))
			for i := range 20_000 {
				k := rng.IntN(5_000)
				n := 1 + rng.IntN(int(perShard/10))
				if i%1000 == 0 {
					n = int(perShard) + 1 // too big to keep
				}
				c.Add(k, strings.Repeat("x", n))
				costs[k] = int64(n)
				if got := c.Bytes(); got > tt.maxBytes {
					t.Fatalf("Add %d: %d bytes, over the budget %d", i, got, tt.maxBytes)
				}
				if tt.maxEntries > 0 && c.Len() > c.Cap() {
					t.Fatalf("Add %d: %d entries, cap %d", i, c.Len(), c.Cap())
				}
				if _, ok := c.Get(k); ok != (int64(n) <= perShard) {
					t.Fatalf("Add %d of cost %d (shard budget %d): present %v", i, n, perShard, ok)
				}
				if i%997 == 0 { // Bytes is the sum of what is present
					var sum int64
					for k, w := range costs {
						if v, ok := c.Get(k); ok {
							if int64(len(v)) != w {
								t.Fatalf("key %d holds %d bytes, last added %d", k, len(v), w)
							}
							sum += w
						}
					}
					if sum != c.Bytes() {
						t.Fatalf("Add %d: Bytes %d, entries present cost %d", i, c.Bytes(), sum)
					}
				}
			}
			if c.Bytes() < tt.maxBytes/2 && tt.maxEntries == 0 {
				t.Errorf("%d bytes of %d used at the end: the cache should be nearly full", c.Bytes(), tt.maxBytes)
			}
		})
	}
	if c := NewSized[int, int](0, 10, nil); c != nil {
		t.Error("NewSized with no byte budget returned a cache")
	}
}
