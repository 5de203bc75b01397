package hashmix

import "testing"

func TestMix(t *testing.T) {
	seen := make(map[uint64]uint64)
	low := make(map[uint64]int)
	for x := uint64(0); x < 1<<16; x++ {
		h := Mix(x)
		if y, dup := seen[h]; dup {
			t.Fatalf("Mix(%d) = Mix(%d)", x, y)
		}
		seen[h] = x
		low[h&255]++
	}
	// Sequential keys must spread over the low bits: 256 buckets of 256 on average.
	for b, n := range low {
		if n < 160 || n > 360 {
			t.Fatalf("bucket %d holds %d of 65536 sequential keys", b, n)
		}
	}
}
