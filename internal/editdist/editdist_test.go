package editdist

import (
	"math/rand/v2"
	"testing"
)

// refOSA is the textbook unbounded OSA recurrence over the full table.
func refOSA(a, b []rune) int {
	d := make([][]int, len(a)+1)
	for i := range d {
		d[i] = make([]int, len(b)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(a); i++ {
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(a)][len(b)]
}

func TestOSATable(t *testing.T) {
	tests := []struct {
		a, b string
		max  int
		want int
	}{
		{"", "", 2, 0},
		{"", "a", 2, 1},
		{"", "abc", 2, 3},
		{"", "abcd", 2, 3},
		{"a", "a", 0, 0},
		{"a", "b", 0, 1},
		{"a", "b", 2, 1},
		{"ab", "ba", 2, 1},   // one transposition
		{"ab", "ba", 0, 1},   // capped at max+1
		{"ca", "abc", 5, 3},  // OSA (unrestricted Damerau would give 2)
		{"ca", "abc", 2, 3},  // max+1 = 3
		{"ca", "abc", 1, 2},  // max+1
		{"abc", "acb", 2, 1}, // transposition after a common prefix
		{"abcdef", "abcdef", 2, 0},
		{"kitten", "sitting", 3, 3},
		{"kitten", "sitting", 2, 3},
		{"kitten", "sitting", 1, 2},
		{"acess", "access", 2, 1},
		{"accomodation", "accommodation", 2, 1},
		{"recieve", "receive", 2, 1},
		{"teh", "the", 1, 1},
		{"abcd", "badc", 2, 2},
		{"abcd", "dcba", 10, 3}, // two substitutions and a transposition
		{"spelling", "speling", 2, 1},
		{"spelling", "spleling", 2, 1},
		{"algorithm", "altruistic", 10, 6},
		{"straße", "strasse", 3, 2},
		{"naïve", "naive", 2, 1},
		{"日本語", "日本", 2, 1},
		{"日本語", "本日語", 2, 1},
		{"a", "abcdefgh", 2, 3},
		{"abcdefgh", "a", 2, 3},
		{"xabcdefgh", "abcdefghx", 2, 2},
		{"xabcdefgh", "abcdefghx", 1, 2},
		{"abc", "abc", -1, 0},
		{"abc", "abd", -1, 1},
	}
	var s Scratch
	for _, tt := range tests {
		a, b := []rune(tt.a), []rune(tt.b)
		if got := OSA(a, b, tt.max, &s); got != tt.want {
			t.Errorf("OSA(%q, %q, %d, &s) = %d, want %d", tt.a, tt.b, tt.max, got, tt.want)
		}
		if got := OSA(a, b, tt.max, nil); got != tt.want {
			t.Errorf("OSA(%q, %q, %d, nil) = %d, want %d", tt.a, tt.b, tt.max, got, tt.want)
		}
		if got := OSA(b, a, tt.max, &s); got != tt.want {
			t.Errorf("OSA(%q, %q, %d) = %d, want %d (symmetry)", tt.b, tt.a, tt.max, got, tt.want)
		}
	}
}

func TestOSARandom(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	alpha := []rune("abcdé")
	gen := func() []rune {
		n := r.IntN(12)
		s := make([]rune, n)
		for i := range s {
			s[i] = alpha[r.IntN(len(alpha))]
		}
		return s
	}
	var s Scratch
	for range 200000 {
		a, b := gen(), gen()
		k := r.IntN(6)
		want := min(refOSA(a, b), k+1)
		if got := OSA(a, b, k, &s); got != want {
			t.Fatalf("OSA(%q, %q, %d) = %d, want %d", string(a), string(b), k, got, want)
		}
	}
}

func TestOSALong(t *testing.T) {
	// Longer than the stack buffer used with a nil Scratch.
	a := []rune("")
	for i := range 300 {
		a = append(a, rune('a'+i%26))
	}
	b := append([]rune(nil), a...)
	b[10], b[11] = b[11], b[10]
	b[150] = 'Z'
	b = append(b[:200], b[201:]...)
	for _, k := range []int{0, 1, 2, 3, 50} {
		want := min(3, k+1)
		if got := OSA(a, b, k, nil); got != want {
			t.Errorf("long OSA max=%d = %d, want %d", k, got, want)
		}
	}
}

func TestOSAZeroAllocs(t *testing.T) {
	var s Scratch
	a, b := []rune("accomodation"), []rune("accommodations")
	OSA(a, b, 2, &s) // warm up
	if n := testing.AllocsPerRun(1000, func() { OSA(a, b, 2, &s) }); n != 0 {
		t.Errorf("OSA with Scratch: %v allocs per run, want 0", n)
	}
	if n := testing.AllocsPerRun(1000, func() { OSA(a, b, 2, nil) }); n != 0 {
		t.Errorf("OSA with nil Scratch (short strings): %v allocs per run, want 0", n)
	}
}

func FuzzOSA(f *testing.F) {
	f.Add("ab", "ba", 1)
	f.Add("ca", "abc", 2)
	f.Add("kitten", "sitting", 2)
	f.Add("naïve", "naive", 0)
	f.Add("", "abc", 5)
	f.Add("\xff\xfe", "\xfe\xff", 2)
	f.Fuzz(func(t *testing.T, as, bs string, k int) {
		if len(as) > 200 || len(bs) > 200 {
			return
		}
		k %= 8 // may be negative: treated as 0
		a, b := []rune(as), []rune(bs)
		want := min(refOSA(a, b), max(k, 0)+1)
		var s Scratch
		if got := OSA(a, b, k, &s); got != want {
			t.Fatalf("OSA(%q, %q, %d) = %d, want %d", as, bs, k, got, want)
		}
		if got := OSA(a, b, k, nil); got != want {
			t.Fatalf("OSA(%q, %q, %d, nil) = %d, want %d", as, bs, k, got, want)
		}
	})
}

func BenchmarkOSA(b *testing.B) {
	pairs := [][2][]rune{
		{[]rune("accomodation"), []rune("accommodation")},
		{[]rune("recieve"), []rune("receive")},
		{[]rune("spelling"), []rune("spilling")},
		{[]rune("algorithm"), []rune("logarithm")},
		{[]rune("definately"), []rune("defiantly")},
	}
	for _, k := range []int{1, 2} {
		b.Run("max="+string(rune('0'+k)), func(b *testing.B) {
			var s Scratch
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				p := pairs[i%len(pairs)]
				OSA(p[0], p[1], k, &s)
			}
		})
	}
}
