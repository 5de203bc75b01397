package errormodel

import (
	"errors"
	"math"
	"sync"
	"testing"

	"github.com/spellwright/speller/internal/binenc"
)

// trainPairs are typical shopper misspellings with how often each was seen.
var trainPairs = []struct {
	typed, intended string
	n               float64
}{
	{"jewlery", "jewelry", 20},
	{"jewelery", "jewelry", 10},
	{"dresss", "dress", 15},
	{"adress", "address", 8},
	{"buttor", "butter", 5},
	{"baske", "basket", 6},
	{"earing", "earring", 9},
	{"neckalce", "necklace", 7},
	{"sandels", "sandals", 6},
	{"braclet", "bracelet", 8},
	{"wallett", "wallet", 4},
	{"candel", "candle", 5},
	{"pillw", "pillow", 3},
	{"recieve", "receive", 4},
	{"naive", "naïve", 2},
	{"blak", "black", 5},
	{"sheos", "shoes", 6},
	{"tabel", "table", 4},
	{"lether", "leather", 5},
	{"sweter", "sweater", 6},
	{"jaket", "jacket", 5},
	{"nekclace", "necklace", 2},
	{"mirorr", "mirror", 3},
	{"ballon", "balloon", 2},
}

// contextWords are correctly typed words added as contexts.
var contextWords = []string{
	"dress", "shoes", "jewelry", "necklace", "table", "lamp", "mirror", "basket", "flower", "girl",
	"earring", "bracelet", "wallet", "candle", "pillow", "blanket", "sweater", "jacket", "leather", "boots",
}

func trainCounts() *Counts {
	var c Counts
	for _, p := range trainPairs {
		if !c.Add(p.typed, p.intended, p.n) {
			panic("training pair refused: " + p.typed + " " + p.intended)
		}
	}
	for _, w := range contextWords {
		c.AddContext(w, 3)
	}
	return &c
}

var (
	modelOnce sync.Once
	testModel *Model
)

// trained returns a model of trainCounts, built once and shared (a Model is safe for concurrent use).
func trained() *Model {
	modelOnce.Do(func() { testModel = trainCounts().Model(Options{}) })
	return testModel
}

func TestCountsAdd(t *testing.T) {
	tests := []struct {
		name            string
		typed, intended string
		weight          float64
		want            bool
	}{
		{"one edit", "dresss", "dress", 1, true},
		{"weighted", "jewlery", "jewelry", 2.5, true},
		{"MaxPairDistance edits", "abc", "xyz", 1, true},
		{"non-ASCII", "naive", "naïve", 1, true},
		{"identical", "dress", "dress", 1, false},
		{"typed empty", "", "dress", 1, false},
		{"intended empty", "dress", "", 1, false},
		{"both empty", "", "", 1, false},
		{"typed invalid UTF-8", "dr\xffss", "dress", 1, false},
		{"intended invalid UTF-8", "dress", "dre\xc3", 1, false},
		{"MaxPairDistance+1 edits", "abcd", "wxyz", 1, false},
		{"far apart", "jewelry", "dress", 1, false},
		{"zero weight", "dresss", "dress", 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var c Counts
			if got := c.Add(tt.typed, tt.intended, tt.weight); got != tt.want {
				t.Fatalf("Add(%q, %q, %v) = %v, want %v", tt.typed, tt.intended, tt.weight, got, tt.want)
			}
			if tt.want {
				if c.Pairs != tt.weight || c.Skipped != 0 {
					t.Errorf("Pairs, Skipped = %v, %v; want %v, 0", c.Pairs, c.Skipped, tt.weight)
				}
				if c.Edits() == 0 {
					t.Errorf("Edits() = 0 after a counted pair")
				}
				return
			}
			if c.Pairs != 0 || c.Skipped != tt.weight {
				t.Errorf("Pairs, Skipped = %v, %v; want 0, %v", c.Pairs, c.Skipped, tt.weight)
			}
			if c.Edits() != 0 || len(c.chars) != 0 || len(c.pairs) != 0 {
				t.Errorf("a refused pair was counted: %d edits, %d chars, %d pairs", c.Edits(), len(c.chars), len(c.pairs))
			}
		})
	}
}

func TestCountsAddCounts(t *testing.T) {
	var c Counts
	c.Add("adress", "address", 2)
	c.Add("dresss", "dress", 1)
	c.Add("dresss", "dress", 0.5)
	c.Add("dress", "dress", 7) // refused

	wantEdits := map[key]float64{
		{Del, 'd', 'd'}: 2,
		{Ins, 's', 's'}: 1.5,
	}
	if len(c.edits) != len(wantEdits) {
		t.Errorf("edits = %v, want %v", c.edits, wantEdits)
	}
	for k, v := range wantEdits {
		if c.edits[k] != v {
			t.Errorf("edit %v{%c,%c} counted %v, want %v", k.kind, k.x, k.y, c.edits[k], v)
		}
	}
	// Contexts of the intended words: "address" twice, "dress" 1.5 times.
	wantChars := map[rune]float64{Start: 3.5, 'a': 2, 'd': 4 + 1.5, 'r': 3.5, 'e': 3.5, 's': 4 + 3}
	if len(c.chars) != len(wantChars) {
		t.Errorf("chars = %v, want %v", c.chars, wantChars)
	}
	for r, v := range wantChars {
		if c.chars[r] != v {
			t.Errorf("c(%c) = %v, want %v", r, c.chars[r], v)
		}
	}
	wantPairs := map[[2]rune]float64{
		{Start, 'a'}: 2, {'a', 'd'}: 2, {'d', 'd'}: 2, {'d', 'r'}: 2 + 1.5, {'r', 'e'}: 3.5, {'e', 's'}: 3.5,
		{'s', 's'}: 3.5, {Start, 'd'}: 1.5,
	}
	if len(c.pairs) != len(wantPairs) {
		t.Errorf("pairs = %v, want %v", c.pairs, wantPairs)
	}
	for p, v := range wantPairs {
		if c.pairs[p] != v {
			t.Errorf("c(%c%c) = %v, want %v", p[0], p[1], c.pairs[p], v)
		}
	}
	if c.Pairs != 3.5 || c.Skipped != 7 {
		t.Errorf("Pairs, Skipped = %v, %v; want 3.5, 7", c.Pairs, c.Skipped)
	}
	if c.Edits() != 2 {
		t.Errorf("Edits() = %d, want 2", c.Edits())
	}
}

func TestCountsMerge(t *testing.T) {
	var a, b Counts
	a.Add("adress", "address", 2)
	b.Add("adress", "address", 1)
	b.Add("dresss", "dress", 4)
	b.Add("x", "x", 1)
	a.Merge(&b, 0.5)

	var want Counts
	want.Add("adress", "address", 2.5)
	want.Add("dresss", "dress", 2)
	want.Skipped = 0.5
	got, _ := a.MarshalBinary()
	wantB, _ := want.MarshalBinary()
	if string(got) != string(wantB) {
		t.Errorf("Merge: got counts %v %v %v (pairs %v skipped %v), want %v %v %v (pairs %v skipped %v)",
			a.edits, a.chars, a.pairs, a.Pairs, a.Skipped, want.edits, want.chars, want.pairs, want.Pairs, want.Skipped)
	}

	// Merging into and from zero values works.
	var z, empty Counts
	z.Merge(&empty, 1)
	if z.Edits() != 0 || z.Pairs != 0 {
		t.Errorf("merging empty counts gave %d edits, %v pairs", z.Edits(), z.Pairs)
	}
}

func TestLogProbEqual(t *testing.T) {
	m := trained()
	for _, w := range []string{"", "dress", "jewelry", "naïve", "zzzqqq", "\xff\xfe", "日本"} {
		if got := m.LogProb(w, w); got != 0 {
			t.Errorf("LogProb(%q, %q) = %v, want 0", w, w, got)
		}
	}
	// The zero Counts give a usable model too.
	var c Counts
	if got := c.Model(Options{}).LogProb("dress", "dress"); got != 0 {
		t.Errorf("empty model: LogProb(dress, dress) = %v, want 0", got)
	}
}

func TestLogProbNegative(t *testing.T) {
	m := trained()
	var empty Counts
	m0 := empty.Model(Options{})
	pairs := [][2]string{
		{"jewlery", "jewelry"}, {"dresss", "dress"}, {"adress", "address"}, {"naive", "naïve"},
		{"dress", "dresss"}, {"", "a"}, {"a", ""}, {"q", "dress"}, {"日本", "日"}, {"xyzzy", "dress"},
		{"zzzzzzzzzzzzzzzzzzzzz", "a"},
	}
	for _, p := range pairs {
		for name, m := range map[string]*Model{"trained": m, "empty": m0} {
			got := m.LogProb(p[0], p[1])
			if !(got < 0) || math.IsInf(got, 0) {
				t.Errorf("%s model: LogProb(%q, %q) = %v, want finite and < 0", name, p[0], p[1], got)
			}
		}
	}
}

func TestLogProbLearnedBeatsUnseen(t *testing.T) {
	m := trained()
	tests := []struct {
		learned, unseen [2]string // typed, intended
	}{
		{[2]string{"dresss", "dress"}, [2]string{"dressz", "dress"}},       // ins s after s
		{[2]string{"adress", "address"}, [2]string{"addess", "address"}},   // del d after d / r after d
		{[2]string{"buttor", "butter"}, [2]string{"buttqr", "butter"}},     // sub e→o
		{[2]string{"jewlery", "jewelry"}, [2]string{"jewerly", "jewelry"}}, // trans el
		{[2]string{"naive", "naïve"}, [2]string{"naxve", "naïve"}},         // sub ï→i
		{[2]string{"earing", "earring"}, [2]string{"earrig", "earring"}},   // del r after r
		{[2]string{"lether", "leather"}, [2]string{"leathr", "leather"}},   // del a after e
	}
	for _, tt := range tests {
		l := m.LogProb(tt.learned[0], tt.learned[1])
		u := m.LogProb(tt.unseen[0], tt.unseen[1])
		if !(l > u) {
			t.Errorf("LogProb(%q, %q) = %.3f (learned) <= LogProb(%q, %q) = %.3f (unseen)",
				tt.learned[0], tt.learned[1], l, tt.unseen[0], tt.unseen[1], u)
		}
	}
}

// TestLogProbTwoEdits checks that a word with two edits is less probable than with either edit alone.
func TestLogProbTwoEdits(t *testing.T) {
	m := trained()
	tests := []struct {
		intended, one, other, both string
	}{
		{"necklace", "neckalce", "neklace", "nekalce"},
		{"jewelry", "jewlery", "jewelyr", "jewleyr"},
		{"dress", "dresss", "bress", "bresss"},
		{"address", "adress", "addresz", "adresz"},
		{"sweater", "sweter", "swaeter", "swaetr"},
		{"leather", "lether", "leathe", "lethe"},
		{"mirror", "miror", "mirro", "miro"},
	}
	for _, tt := range tests {
		one := m.LogProb(tt.one, tt.intended)
		other := m.LogProb(tt.other, tt.intended)
		both := m.LogProb(tt.both, tt.intended)
		if !(both < one && both < other) {
			t.Errorf("%s: LogProb(%q) = %.3f, want less than LogProb(%q) = %.3f and LogProb(%q) = %.3f",
				tt.intended, tt.both, both, tt.one, one, tt.other, other)
		}
	}
}

// testRunes returns the runes the model's probabilities range over in the tests: Start, every character of
// the training data, and two unseen ones.
func testRunes(c *Counts) []rune {
	rs := []rune{'ж', 'Q'}
	for r := range c.chars {
		rs = append(rs, r)
	}
	return rs
}

func TestProbRange(t *testing.T) {
	for _, opts := range []Options{{}, {Prior: 1}, {Prior: 100}} {
		c := trainCounts()
		m := c.Model(opts)
		rs := testRunes(c)
		for _, kind := range []OpKind{Sub, Ins, Del, Trans} {
			for _, x := range rs {
				for _, y := range rs {
					if y == Start || (kind == Sub || kind == Trans) && (x == y || x == Start) {
						continue // not an edit
					}
					op := Op{kind, x, y}
					if p := m.Prob(op); !(p > 0 && p <= 1) {
						t.Errorf("Prior %v: Prob(%v{%c,%c}) = %v, want in (0, 1]", opts.Prior, kind, x, y, p)
					}
				}
			}
		}
	}
}

// TestProbRepeatedInsertion documents a bug: insertions are conditioned on their left neighbour in the
// intended word, but several insertions can follow one occurrence of it ("lamppp" for "lamp" inserts p
// twice after the single p), so the insertion count can exceed the context count and Prob exceeds 1; then
// P(typed | intended) > P(intended | intended) = 1 and LogProb is positive.
func TestProbRepeatedInsertion(t *testing.T) {
	for _, tt := range []struct {
		typed, intended string
		weight          float64
		op              Op
	}{
		{"lamppp", "lamp", 10, Op{Ins, 'p', 'p'}},
		{"bbab", "ab", 10, Op{Ins, Start, 'b'}},
		{"aaab", "ab", 10, Op{Ins, 'a', 'a'}},
	} {
		var c Counts
		c.Add(tt.typed, tt.intended, tt.weight)
		m := c.Model(Options{})
		if p := m.Prob(tt.op); !(p > 0 && p <= 1) {
			t.Errorf("after Add(%q, %q, %v): Prob(%v{%c,%c}) = %v, want in (0, 1]",
				tt.typed, tt.intended, tt.weight, tt.op.Kind, tt.op.X, tt.op.Y, p)
		}
		if lp := m.LogProb(tt.typed, tt.intended); !(lp < 0) {
			t.Errorf("after Add(%q, %q, %v): LogProb = %v, want < 0", tt.typed, tt.intended, tt.weight, lp)
		}
	}
}

// TestLogProbTypedOnlyCharacter documents a bug: the cost tables' alphabet holds only characters of the
// intended words, so an edit whose outcome is a character that only ever occurs in typed words ("0" in
// "r0se" for "rose") is scored as unseen by LogProb however often it was learned, while Prob reports the
// learned probability.
func TestLogProbTypedOnlyCharacter(t *testing.T) {
	c := trainCounts()
	c.Add("r0se", "rose", 20)
	c.Add("sh0es", "shoes", 20)
	m := c.Model(Options{})
	want, ops := explainLogProb(m, "r0se", "rose")
	if got := m.LogProb("r0se", "rose"); math.Abs(got-want) > 1e-4 {
		t.Errorf("LogProb(r0se, rose) = %.4f, want %.4f = log Π Prob(%s)", got, want, fmtOps(ops))
	}
	if learned, unseen := m.LogProb("r0se", "rose"), m.LogProb("r9se", "rose"); !(learned > unseen) {
		t.Errorf("LogProb(r0se, rose) = %.4f (learned 40 times) <= LogProb(r9se, rose) = %.4f (never seen)", learned, unseen)
	}
}

// explainLogProb is log Π Prob(op) over the edits Explain gives.
func explainLogProb(m *Model, typed, intended string) (float64, []Op) {
	ops := m.Explain(typed, intended)
	lp := 0.0
	for _, op := range ops {
		lp += math.Log(m.Prob(op))
	}
	return lp, ops
}

func TestLogProbMatchesExplain(t *testing.T) {
	m := trained()
	check := func(typed, intended string) {
		t.Helper()
		want, ops := explainLogProb(m, typed, intended)
		if got := m.LogProb(typed, intended); math.Abs(got-want) > 1e-4 {
			t.Errorf("LogProb(%q, %q) = %.6f, want %.6f = log Π Prob(%s)", typed, intended, got, want, fmtOps(ops))
		}
		if err := checkScript(typed, intended, ops); err != nil {
			t.Errorf("Explain(%q, %q) = %s: %v", typed, intended, fmtOps(ops), err)
		}
	}
	for _, p := range trainPairs {
		check(p.typed, p.intended)
	}
	for _, tt := range alignTests {
		check(tt.typed, tt.intended)
	}
	// Random near misses of words the model knows: within the band LogProb searches.
	r := newRand()
	for range 500 {
		w := contextWords[r.IntN(len(contextWords))]
		check(mutate(r, w, 2), w)
	}
}

// TestLogProbBand checks that the banded search never finds a cheaper alignment than the full programme, and
// that it is, to the bit, the generic programme (fill) over the same band.
func TestLogProbBand(t *testing.T) {
	m := trained()
	r := newRand()
	var tb table
	for range 1000 {
		w := randomWord(r, 9)
		typed := mutate(r, w, 4)
		full := -float64(fill(&tb, weighted{m}, []rune(typed), []rune(w), -1))
		got := m.LogProb(typed, w)
		if banded := bandedLogProb(m, &tb, typed, w); got != banded {
			t.Fatalf("LogProb(%q, %q) = %v, the generic programme over the band %v", typed, w, got, banded)
		}
		if got > full+1e-4 {
			t.Fatalf("LogProb(%q, %q) = %v, above the full-table value %v", typed, w, got, full)
		}
		if osa(typed, w) <= 1 && math.Abs(got-full) > 1e-4 {
			t.Fatalf("LogProb(%q, %q) = %v, want the full-table value %v", typed, w, got, full)
		}
	}
}

// TestBound: Bound.LogProb is never below LogProb, for pairs a few edits apart, for a reused Bound, and
// LogProbRunes is LogProb.
func TestBound(t *testing.T) {
	m := trained()
	r := newRand()
	var b Bound
	tight := 0
	for i := range 3000 {
		w := randomWord(r, 1+i%12)
		typed := mutate(r, w, 1+i%4)
		if i%7 == 0 {
			typed += "é"
		}
		b.Reset(m, []rune(typed))
		for _, intended := range []string{w, mutate(r, w, 2), typed} {
			lp := m.LogProb(typed, intended)
			if got := m.LogProbRunes([]rune(typed), []rune(intended)); got != lp {
				t.Fatalf("LogProbRunes(%q, %q) = %v, LogProb %v", typed, intended, got, lp)
			}
			d := osa(typed, intended)
			ub := b.LogProb([]rune(intended), d)
			if ub < lp {
				t.Fatalf("Bound(%q).LogProb(%q, %d) = %v, below LogProb %v", typed, intended, d, ub, lp)
			}
			if ub < -float64(d)*m.MinCost()-0.5 {
				tight++
			}
		}
	}
	if tight == 0 {
		t.Fatal("the bound is never tighter than d·MinCost")
	}
}

func TestLogProbConcurrent(t *testing.T) {
	m := trainCounts().Model(Options{})
	want := make([]float64, len(trainPairs))
	for i, p := range trainPairs {
		want[i] = m.LogProb(p.typed, p.intended)
	}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for k := range 200 {
				i := (g + k) % len(trainPairs)
				p := trainPairs[i]
				if got := m.LogProb(p.typed, p.intended); got != want[i] {
					t.Errorf("concurrent LogProb(%q, %q) = %v, want %v", p.typed, p.intended, got, want[i])
					return
				}
			}
		})
	}
	wg.Wait()
}

func TestMarshalRoundTrip(t *testing.T) {
	c := trainCounts()
	c.Skipped = 3
	b, err := c.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	b2, _ := c.MarshalBinary()
	if string(b) != string(b2) {
		t.Fatal("MarshalBinary is not deterministic")
	}
	var d Counts
	if err := d.UnmarshalBinary(b); err != nil {
		t.Fatalf("UnmarshalBinary: %v", err)
	}
	if d.Pairs != c.Pairs || d.Skipped != c.Skipped || d.Edits() != c.Edits() {
		t.Errorf("decoded Pairs, Skipped, Edits = %v, %v, %d; want %v, %v, %d",
			d.Pairs, d.Skipped, d.Edits(), c.Pairs, c.Skipped, c.Edits())
	}
	if b3, _ := d.MarshalBinary(); string(b3) != string(b) {
		t.Error("re-encoding the decoded counts gives different bytes")
	}
	m1, m2 := c.Model(Options{}), d.Model(Options{})
	r := newRand()
	for range 300 {
		w := contextWords[r.IntN(len(contextWords))]
		typed := mutate(r, w, 3)
		if a, b := m1.LogProb(typed, w), m2.LogProb(typed, w); a != b {
			t.Errorf("LogProb(%q, %q) = %v before the round trip, %v after", typed, w, a, b)
		}
	}
	for _, op := range []Op{{Del, 'd', 'd'}, {Ins, 's', 's'}, {Sub, 'ï', 'i'}, {Trans, 'e', 'l'}, {Ins, Start, 'z'}} {
		if a, b := m1.Prob(op), m2.Prob(op); a != b {
			t.Errorf("Prob(%v) = %v before the round trip, %v after", op, a, b)
		}
	}

	// UnmarshalBinary replaces what was there.
	var e Counts
	e.Add("zzz", "zz", 1)
	if err := e.UnmarshalBinary(b); err != nil {
		t.Fatal(err)
	}
	if b4, _ := e.MarshalBinary(); string(b4) != string(b) {
		t.Error("UnmarshalBinary into non-empty counts kept old counts")
	}

	// Zero counts round-trip.
	var z, z2 Counts
	zb, _ := z.MarshalBinary()
	if err := z2.UnmarshalBinary(zb); err != nil || z2.Edits() != 0 {
		t.Errorf("zero counts: UnmarshalBinary = %v, %d edits", err, z2.Edits())
	}
}

func TestUnmarshalCorrupt(t *testing.T) {
	var c Counts
	c.Add("adress", "address", 2)
	c.Add("naive", "naïve", 1)
	valid, _ := c.MarshalBinary()

	for n := range len(valid) {
		var d Counts
		err := d.UnmarshalBinary(valid[:n])
		if !errors.Is(err, binenc.ErrCorrupt) {
			t.Errorf("UnmarshalBinary of the first %d of %d bytes = %v, want ErrCorrupt", n, len(valid), err)
		}
	}

	enc := func(f func(e *binenc.Encoder)) []byte {
		var e binenc.Encoder
		f(&e)
		return e.Bytes()
	}
	header := func(e *binenc.Encoder) { e.Float64(1); e.Float64(0) }
	tests := []struct {
		name string
		in   []byte
	}{
		{"trailing byte", append(append([]byte(nil), valid...), 0)},
		{"edit kind 0", enc(func(e *binenc.Encoder) {
			header(e)
			e.Uvarint(1)
			e.Uvarint(0)
			e.Uvarint('a')
			e.Uvarint('b')
			e.Float64(1)
			e.Uvarint(0)
			e.Uvarint(0)
		})},
		{"edit kind 5", enc(func(e *binenc.Encoder) {
			header(e)
			e.Uvarint(1)
			e.Uvarint(5)
			e.Uvarint('a')
			e.Uvarint('b')
			e.Float64(1)
			e.Uvarint(0)
			e.Uvarint(0)
		})},
		{"negative edit count", enc(func(e *binenc.Encoder) {
			header(e)
			e.Uvarint(1)
			e.Uvarint(uint64(Sub))
			e.Uvarint('a')
			e.Uvarint('b')
			e.Float64(-1)
			e.Uvarint(0)
			e.Uvarint(0)
		})},
		{"rune out of range", enc(func(e *binenc.Encoder) {
			header(e)
			e.Uvarint(0)
			e.Uvarint(1)
			e.Uvarint(0x110000)
			e.Float64(1)
			e.Uvarint(0)
		})},
		{"huge edit count", enc(func(e *binenc.Encoder) {
			header(e)
			e.Uvarint(1 << 40)
		})},
		{"NaN pair count", enc(func(e *binenc.Encoder) {
			header(e)
			e.Uvarint(0)
			e.Uvarint(0)
			e.Uvarint(1)
			e.Uvarint('a')
			e.Uvarint('b')
			e.Uint64(0x7ff8000000000001)
		})},
		{"empty", nil},
	}
	for _, tt := range tests {
		var d Counts
		if err := d.UnmarshalBinary(tt.in); !errors.Is(err, binenc.ErrCorrupt) {
			t.Errorf("%s: UnmarshalBinary = %v, want ErrCorrupt", tt.name, err)
		}
	}
}

// TestUnmarshalBadContexts documents that context counts are not validated: a negative or infinite
// character or pair count decodes, and the model built from it gives NaN or positive log probabilities.
func TestUnmarshalBadContexts(t *testing.T) {
	for _, v := range []float64{-11, math.Inf(1), math.Inf(-1)} {
		var e binenc.Encoder
		e.Float64(0)
		e.Float64(0)
		e.Uvarint(0)
		e.Uvarint(2)
		e.Uvarint(uint64(Start))
		e.Float64(1)
		e.Uvarint('a')
		e.Float64(v)
		e.Uvarint(0)
		var c Counts
		if err := c.UnmarshalBinary(e.Bytes()); !errors.Is(err, binenc.ErrCorrupt) {
			lp := c.Model(Options{}).LogProb("b", "a")
			t.Errorf("character count %v: UnmarshalBinary = %v (LogProb(b, a) = %v), want ErrCorrupt", v, err, lp)
		}
	}
}

func FuzzCountsUnmarshal(f *testing.F) {
	valid, _ := trainCounts().MarshalBinary()
	f.Add(valid)
	var small Counts
	small.Add("adress", "address", 1)
	sb, _ := small.MarshalBinary()
	f.Add(sb)
	var z Counts
	zb, _ := z.MarshalBinary()
	f.Add(zb)
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		var c Counts
		if err := c.UnmarshalBinary(b); err != nil {
			if !errors.Is(err, binenc.ErrCorrupt) {
				t.Fatalf("UnmarshalBinary error %v does not wrap ErrCorrupt", err)
			}
			return
		}
		// Whatever decoded must re-encode, build a model and be usable without panicking.
		if _, err := c.MarshalBinary(); err != nil {
			t.Fatalf("MarshalBinary after a successful decode: %v", err)
		}
		m := c.Model(Options{})
		m.LogProb("jewlery", "jewelry")
		m.Explain("adress", "address")
	})
}

func FuzzLogProb(f *testing.F) {
	for _, p := range trainPairs {
		f.Add(p.typed, p.intended)
	}
	f.Add("", "dress")
	f.Add("\xff", "\xfe")
	f.Add("naïve", "日本")
	f.Fuzz(func(t *testing.T, typed, intended string) {
		if len(typed) > 256 || len(intended) > 256 {
			t.Skip()
		}
		m := trained()
		lp := m.LogProb(typed, intended)
		if math.IsNaN(lp) || math.IsInf(lp, 0) || lp > 0 {
			t.Fatalf("LogProb(%q, %q) = %v, want finite and <= 0", typed, intended, lp)
		}
		if typed == intended && lp != 0 {
			t.Fatalf("LogProb(%q, %q) = %v, want 0", typed, intended, lp)
		}
		var tb table
		if banded := bandedLogProb(m, &tb, typed, intended); typed != intended && lp != banded {
			t.Fatalf("LogProb(%q, %q) = %v, the generic programme over the band %v", typed, intended, lp, banded)
		}
		var b Bound
		b.Reset(m, []rune(typed))
		if ub := b.LogProb([]rune(intended), osa(typed, intended)); ub < lp {
			t.Fatalf("Bound(%q).LogProb(%q) = %v, below LogProb %v", typed, intended, ub, lp)
		}
	})
}

// bandedLogProb is LogProb by the generic programme (fill) over LogProb's band, |len(t)−len(w)| + 2.
func bandedLogProb(m *Model, tb *table, typed, intended string) float64 {
	t, w := []rune(typed), []rune(intended)
	return -float64(fill(tb, weighted{m}, t, w, max(len(t)-len(w), len(w)-len(t))+2))
}

func BenchmarkLogProb(b *testing.B) {
	m := trained()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		p := benchPairs[i%len(benchPairs)]
		m.LogProb(p.typed, p.intended)
		i++
	}
}

func BenchmarkModel(b *testing.B) {
	c := trainCounts()
	b.ReportAllocs()
	for b.Loop() {
		c.Model(Options{})
	}
}

// TestSpaceLogProb: without space edits in the pairs the prior is the answer; with them, the learned rate per
// pair, smoothed towards the prior.
func TestSpaceLogProb(t *testing.T) {
	var c Counts
	c.Add("jewlery", "jewelry", 1)
	c.Add("dresss", "dress", 1)
	m := c.Model(Options{})
	for _, kind := range []OpKind{Ins, Del, Trans} {
		if got, want := m.SpaceLogProb(kind, 0.05), math.Log(0.05); got != want {
			t.Errorf("%v without space edits: %v, want log prior %v", kind, got, want)
		}
	}
	for range 8 {
		c.Add("flowergirl", "flower girl", 1) // a space left out
	}
	c.Add("ear ring", "earring", 1)  // a space typed
	c.Add("th elove", "the love", 1) // a space moved
	if ops := Align("flowergirl", "flower girl"); len(ops) != 1 || ops[0] != (Op{Del, 'r', Space}) {
		t.Fatalf("Align(flowergirl, flower girl) = %v", ops)
	}
	m = c.Model(Options{Prior: 10})
	pairs := 12.0
	for _, tt := range []struct {
		kind OpKind
		n    float64
	}{{Del, 8}, {Ins, 1}, {Trans, 1}} {
		want := math.Log((tt.n + 10*0.05) / (pairs + 10))
		if got := m.SpaceLogProb(tt.kind, 0.05); math.Abs(got-want) > 1e-12 {
			t.Errorf("%v: %v, want %v", tt.kind, got, want)
		}
	}
	if m.SpaceLogProb(Del, 0.05) <= m.SpaceLogProb(Ins, 0.05) {
		t.Error("spaces left out eight times are not more probable than a space typed once")
	}
}
