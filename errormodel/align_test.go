package errormodel

import (
	"fmt"
	"github.com/spellwright/speller/internal/randedit"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

// fmtOps formats edits as kind{X,Y} with the runes as characters.
func fmtOps(ops []Op) string {
	parts := make([]string, len(ops))
	for i, o := range ops {
		parts[i] = fmt.Sprintf("%v{%c,%c}", o.Kind, o.X, o.Y)
	}
	return "[" + strings.Join(parts, " ") + "]"
}

func sub(x, y rune) Op   { return Op{Sub, x, y} }
func ins(x, y rune) Op   { return Op{Ins, x, y} }
func del(x, y rune) Op   { return Op{Del, x, y} }
func trans(x, y rune) Op { return Op{Trans, x, y} }

var alignTests = []struct {
	typed, intended string
	want            []Op
}{
	// No edits.
	{"", "", nil},
	{"dress", "dress", nil},
	{"dd", "dd", nil},
	{"naïve", "naïve", nil},

	// Substitution: intended X typed as Y.
	{"bress", "dress", []Op{sub('d', 'b')}},
	{"drezs", "dress", []Op{sub('s', 'z')}},
	{"buttor", "butter", []Op{sub('e', 'o')}},
	{"dresz", "dress", []Op{sub('s', 'z')}},
	{"b", "a", []Op{sub('a', 'b')}},

	// Insertion: Y typed after intended X, Start at the beginning.
	{"xdress", "dress", []Op{ins(Start, 'x')}},
	{"drxess", "dress", []Op{ins('r', 'x')}},
	{"dressx", "dress", []Op{ins('s', 'x')}},
	{"ab", "", []Op{ins(Start, 'a'), ins(Start, 'b')}},
	// An insertion that doubles a letter is placed after the letter it doubles.
	{"dresss", "dress", []Op{ins('s', 's')}},
	{"ddress", "dress", []Op{ins('d', 'd')}},
	{"drress", "dress", []Op{ins('r', 'r')}},
	{"lamppp", "lamp", []Op{ins('p', 'p'), ins('p', 'p')}},

	// Deletion: intended Y after X left out, Start at the beginning.
	{"ress", "dress", []Op{del(Start, 'd')}},
	{"dess", "dress", []Op{del('d', 'r')}},
	{"acress", "actress", []Op{del('c', 't')}},
	{"dres", "dress", []Op{del('s', 's')}},
	{"", "ab", []Op{del(Start, 'a'), del('a', 'b')}},
	{"jewlry", "jewelry", []Op{del('w', 'e')}},
	// A deletion that undoubles a letter is the deletion of the second copy, after the first.
	{"adress", "address", []Op{del('d', 'd')}},
	{"aple", "apple", []Op{del('p', 'p')}},
	{"baloon", "balloon", []Op{del('l', 'l')}},
	{"ballon", "balloon", []Op{del('o', 'o')}},

	// Transposition: intended XY typed as YX.
	{"jewlery", "jewelry", []Op{trans('e', 'l')}},
	{"rdess", "dress", []Op{trans('d', 'r')}},
	{"recieve", "receive", []Op{trans('e', 'i')}},
	{"neckalce", "necklace", []Op{trans('l', 'a')}},
	{"dersss", "dress", []Op{trans('r', 'e'), ins('s', 's')}},

	// Non-ASCII runes are single characters.
	{"naive", "naïve", []Op{sub('ï', 'i')}},
	{"naïve", "naive", []Op{sub('i', 'ï')}},
	{"nave", "naïve", []Op{del('a', 'ï')}},
	{"naïïve", "naïve", []Op{ins('ï', 'ï')}},
	{"crme", "crème", []Op{del('r', 'è')}},
	{"crèem", "crème", []Op{trans('m', 'e')}},
	{"日本語", "日本", []Op{ins('本', '語')}},

	// Several edits.
	{"jwlery", "jewelry", []Op{del('j', 'e'), trans('e', 'l')}},
	{"flowr gril", "flower girl", []Op{del('w', 'e'), trans('i', 'r')}},
}

func TestAlign(t *testing.T) {
	for _, tt := range alignTests {
		got := Align(tt.typed, tt.intended)
		if !slices.Equal(got, tt.want) {
			t.Errorf("Align(%q, %q) = %s, want %s", tt.typed, tt.intended, fmtOps(got), fmtOps(tt.want))
		}
		if err := checkScript(tt.typed, tt.intended, got); err != nil {
			t.Errorf("Align(%q, %q) = %s: %v", tt.typed, tt.intended, fmtOps(got), err)
		}
		if d := osa(tt.typed, tt.intended); len(got) != d {
			t.Errorf("Align(%q, %q) has %d edits, OSA distance is %d", tt.typed, tt.intended, len(got), d)
		}
	}
}

// osa is the textbook optimal string alignment distance (restricted Damerau–Levenshtein) of a and b.
func osa(a, b string) int {
	s, t := []rune(a), []rune(b)
	d := make([][]int, len(s)+1)
	for i := range d {
		d[i] = make([]int, len(t)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(s); i++ {
		for j := 1; j <= len(t); j++ {
			cost := 1
			if s[i-1] == t[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && s[i-1] == t[j-2] && s[i-2] == t[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(s)][len(t)]
}

func TestOSAReference(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"", "", 0},
		{"", "abc", 3},
		{"abc", "", 3},
		{"abc", "abc", 0},
		{"ca", "ac", 1},
		{"ca", "abc", 3}, // OSA, not the unrestricted Damerau–Levenshtein distance (2)
		{"kitten", "sitting", 3},
		{"naïve", "naive", 1},
	}
	for _, tt := range tests {
		if got := osa(tt.a, tt.b); got != tt.want {
			t.Errorf("osa(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
	}
}

// checkScript reports whether ops, interleaved with unchanged characters, turn intended into typed with
// every edit's context as documented on OpKind: it searches for such an interleaving.
func checkScript(typed, intended string, ops []Op) error {
	t, w := []rune(typed), []rune(intended)
	type state struct{ i, j, k int }
	seen := make(map[state]bool)
	var walk func(i, j, k int) bool
	walk = func(i, j, k int) bool {
		s := state{i, j, k}
		if seen[s] {
			return false
		}
		seen[s] = true
		if i == len(w) && j == len(t) && k == len(ops) {
			return true
		}
		if i < len(w) && j < len(t) && w[i] == t[j] && walk(i+1, j+1, k) {
			return true
		}
		if k == len(ops) {
			return false
		}
		op := ops[k]
		switch op.Kind {
		case Sub:
			return op.X != op.Y && i < len(w) && j < len(t) && w[i] == op.X && t[j] == op.Y && walk(i+1, j+1, k+1)
		case Ins:
			return prev(w, i) == op.X && j < len(t) && t[j] == op.Y && walk(i, j+1, k+1)
		case Del:
			return i < len(w) && prev(w, i) == op.X && w[i] == op.Y && walk(i+1, j, k+1)
		case Trans:
			return op.X != op.Y && i+1 < len(w) && j+1 < len(t) && w[i] == op.X && w[i+1] == op.Y &&
				t[j] == op.Y && t[j+1] == op.X && walk(i+2, j+2, k+1)
		}
		return false
	}
	if !walk(0, 0, 0) {
		return fmt.Errorf("the edits do not turn %q into %q", intended, typed)
	}
	return nil
}

func TestCheckScript(t *testing.T) {
	// The checker itself must reject wrong scripts.
	bad := []struct {
		typed, intended string
		ops             []Op
	}{
		{"adress", "address", []Op{del('r', 'd')}}, // no d follows r
		{"adress", "address", nil},
		{"dresss", "dress", []Op{ins('r', 's')}}, // would give "drsess"
		{"dresss", "dress", []Op{ins('s', 's'), ins('s', 's')}},
		{"bress", "dress", []Op{sub('b', 'd')}}, // backwards
		{"rdess", "dress", []Op{trans('r', 'd')}},
		{"dress", "dress", []Op{sub('d', 'd')}},
	}
	for _, tt := range bad {
		if checkScript(tt.typed, tt.intended, tt.ops) == nil {
			t.Errorf("checkScript(%q, %q, %s) accepted a wrong script", tt.typed, tt.intended, fmtOps(tt.ops))
		}
	}
}

// newRand returns the tests' deterministic source of random words.
func newRand() *rand.Rand { return rand.New(rand.NewPCG(1, 2)) }

// randomWord returns a word of up to maxLen runes over a small alphabet, so that repeats, doubled letters
// and transpositions are common.
func randomWord(r *rand.Rand, maxLen int) string {
	const alphabet = "aabcdeï"
	runes := []rune(alphabet)
	n := r.IntN(maxLen + 1)
	var b strings.Builder
	for range n {
		b.WriteRune(runes[r.IntN(len(runes))])
	}
	return b.String()
}

// mutate applies up to k random edits to w.
func mutate(r *rand.Rand, w string, k int) string {
	return string(randedit.Apply(r, []rune(w), []rune("abcdeïz"), r.IntN(k+1)))
}

// TestAlignRandom checks on random pairs that Align is a valid edit script whose length is the OSA distance.
func TestAlignRandom(t *testing.T) {
	r := newRand()
	for range 3000 {
		w := randomWord(r, 8)
		var typed string
		if r.IntN(4) == 0 {
			typed = randomWord(r, 8)
		} else {
			typed = mutate(r, w, 3)
		}
		ops := Align(typed, w)
		if d := osa(typed, w); len(ops) != d {
			t.Fatalf("Align(%q, %q) = %s: %d edits, OSA distance %d", typed, w, fmtOps(ops), len(ops), d)
		}
		if err := checkScript(typed, w, ops); err != nil {
			t.Fatalf("Align(%q, %q) = %s: %v", typed, w, fmtOps(ops), err)
		}
	}
}

func FuzzAlign(f *testing.F) {
	for _, tt := range alignTests {
		f.Add(tt.typed, tt.intended)
	}
	f.Fuzz(func(t *testing.T, typed, intended string) {
		if utf8.RuneCountInString(typed) > 40 || utf8.RuneCountInString(intended) > 40 {
			t.Skip("long inputs only slow the quadratic reference down")
		}
		// Align works on runes; invalid UTF-8 decodes to U+FFFD, as in the reference.
		ops := Align(typed, intended)
		if d := osa(typed, intended); len(ops) != d {
			t.Fatalf("Align(%q, %q) = %s: %d edits, OSA distance %d", typed, intended, fmtOps(ops), len(ops), d)
		}
		if err := checkScript(string([]rune(typed)), string([]rune(intended)), ops); err != nil {
			t.Fatalf("Align(%q, %q) = %s: %v", typed, intended, fmtOps(ops), err)
		}
	})
}

var benchPairs = []struct{ typed, intended string }{
	{"jewlery", "jewelry"},
	{"neckalce", "necklace"},
	{"braclet", "bracelet"},
	{"sandels", "sandals"},
	{"sweaterr", "sweater"},
	{"lether", "leather"},
	{"earings", "earrings"},
	{"blankte", "blanket"},
}

func BenchmarkAlign(b *testing.B) {
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		p := benchPairs[i%len(benchPairs)]
		Align(p.typed, p.intended)
		i++
	}
}
