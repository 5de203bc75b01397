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

func TestFibonacci(t *testing.T) {
	for _, bits := range []uint{0, 1, 4, 11, 32, 63, 64} {
		counts := make(map[uint64]int)
		for x := uint64(0); x < 1<<12; x++ {
			h := Fibonacci(x, bits)
			if bits < 64 && h>>bits != 0 {
				t.Fatalf("Fibonacci(%d, %d) = %d, out of range", x, bits, h)
			}
			counts[h]++
		}
		// Sequential keys spread evenly: within a sixteenth of the fair share in any slot when the slots are
		// fewer than the keys, all distinct otherwise.
		slots := uint64(1) << min(bits, 12)
		fair := (1 << 12) / slots
		for h, n := range counts {
			if uint64(n) > fair+fair/16+1 {
				t.Fatalf("bits %d: slot %d holds %d of 4096 sequential keys", bits, h, n)
			}
		}
	}
}
