package lru

import (
	"fmt"
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
