package editdist

import (
	"math/rand/v2"
	"testing"
)

// TestPatternMatchesOSA compares Pattern.Distance with OSA on random strings over small alphabets (so that
// matches and transpositions are frequent), of every length up to MaxPatternRunes, with ASCII and other runes.
func TestPatternMatchesOSA(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	alphabets := [][]rune{[]rune("ab"), []rune("abc"), []rune("abcdefgh"), []rune("aébü"), []rune("a日本b")}
	var p Pattern
	var s Scratch
	randStr := func(alpha []rune, n int) []rune {
		out := make([]rune, n)
		for i := range out {
			out[i] = alpha[rng.IntN(len(alpha))]
		}
		return out
	}
	for iter := range 200000 {
		alpha := alphabets[iter%len(alphabets)]
		la := rng.IntN(MaxPatternRunes + 1)
		if iter%4 != 0 {
			la = rng.IntN(12)
		}
		a := randStr(alpha, la)
		var b []rune
		switch iter % 3 {
		case 0: // unrelated
			b = randStr(alpha, rng.IntN(la+4))
		default: // a few edits away
			b = append([]rune(nil), a...)
			for range 1 + rng.IntN(4) {
				b = randomEdit(rng, b, alpha)
			}
		}
		max := rng.IntN(5)
		if !p.Reset(a) {
			t.Fatalf("Reset(%d runes) = false", len(a))
		}
		want := OSA(a, b, max, &s)
		if got := p.Distance(b, max); got != want {
			t.Fatalf("Pattern(%q).Distance(%q, %d) = %d, OSA = %d", string(a), string(b), max, got, want)
		}
	}
}

func randomEdit(rng *rand.Rand, w []rune, alpha []rune) []rune {
	i := rng.IntN(len(w) + 1)
	switch rng.IntN(4) {
	case 0: // insert
		w = append(w, 0)
		copy(w[i+1:], w[i:])
		w[i] = alpha[rng.IntN(len(alpha))]
	case 1: // delete
		if i < len(w) {
			w = append(w[:i], w[i+1:]...)
		}
	case 2: // substitute
		if i < len(w) {
			w[i] = alpha[rng.IntN(len(alpha))]
		}
	default: // transpose
		if i+1 < len(w) {
			w[i], w[i+1] = w[i+1], w[i]
		}
	}
	return w
}

func TestPatternTooLong(t *testing.T) {
	var p Pattern
	if !p.Reset([]rune("abc")) {
		t.Fatal("Reset(abc) = false")
	}
	long := make([]rune, MaxPatternRunes+1)
	if p.Reset(long) {
		t.Fatal("Reset of 65 runes = true")
	}
	if d := p.Distance([]rune("ab"), 3); d != 2 {
		t.Fatalf("empty pattern: Distance(ab) = %d, want 2", d)
	}
	if !p.Reset([]rune("xyz")) || p.Distance([]rune("abc"), 5) != 3 {
		t.Fatal("Reset after a failed one: stale bits")
	}
}

// FuzzPattern checks Pattern against OSA on arbitrary strings.
func FuzzPattern(f *testing.F) {
	f.Add("kitten", "sitting", 3)
	f.Add("ca", "abc", 3)
	f.Add("héllo", "hlélo", 2)
	f.Fuzz(func(t *testing.T, a, b string, max int) {
		max %= 8
		ra, rb := []rune(a), []rune(b)
		var p Pattern
		if !p.Reset(ra) {
			return
		}
		if got, want := p.Distance(rb, max), OSA(ra, rb, max, nil); got != want {
			t.Fatalf("Pattern(%q).Distance(%q, %d) = %d, OSA = %d", a, b, max, got, want)
		}
	})
}

func BenchmarkPattern(b *testing.B) {
	pairs := [][2]string{{"componenl", "component"}, {"jewlery", "jewelry"}, {"rote", "note"}, {"accomodation", "accommodation"}, {"hilhon", "hilton"}, {"rote", "rite"}}
	b.Run("bitparallel", func(b *testing.B) {
		var p Pattern
		rs := make([][2][]rune, len(pairs))
		for i, pr := range pairs {
			rs[i] = [2][]rune{[]rune(pr[0]), []rune(pr[1])}
		}
		p.Reset([]rune("componenl"))
		for b.Loop() {
			for _, r := range rs {
				p.Distance(r[1], 2) // the pattern is set once per look-up, not per candidate
			}
		}
	})
	b.Run("band", func(b *testing.B) {
		var s Scratch
		rs := make([][2][]rune, len(pairs))
		for i, pr := range pairs {
			rs[i] = [2][]rune{[]rune(pr[0]), []rune(pr[1])}
		}
		for b.Loop() {
			for _, r := range rs {
				OSA(r[0], r[1], 2, &s)
			}
		}
	})
}
