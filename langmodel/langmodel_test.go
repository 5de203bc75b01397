package langmodel_test

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/spellwright/speller/internal/binenc"
	"github.com/spellwright/speller/langmodel"
)

// queries is a small query log; each line is one search.
var queries = []string{
	"red dress", "red dress", "red dress", "blue dress", "summer dress", "red shoes",
	"running shoes", "running shoes", "flower girl dress", "flower girl dress", "flower girl basket",
	"jewelry box", "jewelry box", "gold jewelry", "butter dish", "ear ring", "earring", "dress", "dress",
	"shoes", "dress red",
}

func newBuilder(weight float64) *langmodel.Builder {
	b := langmodel.NewBuilder()
	for _, q := range queries {
		b.AddTokens(strings.Fields(q), weight, true)
	}
	return b
}

// unigrams counts the words of queries.
func unigrams() map[string]float64 {
	c := make(map[string]float64)
	for _, q := range queries {
		for _, w := range strings.Fields(q) {
			c[w]++
		}
	}
	return c
}

func TestBuilder(t *testing.T) {
	b := newBuilder(1)
	want := unigrams()
	if b.Len() != len(want) {
		t.Errorf("Len() = %d, want %d", b.Len(), len(want))
	}
	total := 0.0
	for w, c := range want {
		if got := b.Count(w); got != c {
			t.Errorf("Count(%q) = %v, want %v", w, got, c)
		}
		total += c
	}
	if b.Total() != total {
		t.Errorf("Total() = %v, want %v", b.Total(), total)
	}
	if b.Count("absent") != 0 {
		t.Errorf("Count(absent) = %v, want 0", b.Count("absent"))
	}
	seen := make(map[string]float64)
	b.Each(func(w string, c float64) { seen[w] += c })
	if len(seen) != len(want) {
		t.Errorf("Each visited %d words, want %d", len(seen), len(want))
	}
	for w, c := range want {
		if seen[w] != c {
			t.Errorf("Each gave %q count %v, want %v", w, seen[w], c)
		}
	}

	// Empty words and non-positive counts are ignored.
	e := langmodel.NewBuilder()
	e.AddUnigram("", 3)
	e.AddUnigram("x", 0)
	e.AddUnigram("y", -1)
	e.AddBigram("a", "", 1)
	e.AddBigram("a", "b", 0)
	if e.Len() != 0 || e.Total() != 0 {
		t.Errorf("after ignored additions: Len() = %d, Total() = %v; want 0, 0", e.Len(), e.Total())
	}
}

func TestBuildOrder(t *testing.T) {
	m := newBuilder(1).Build(langmodel.BuildOptions{})
	want := unigrams()
	if m.Len() != len(want) {
		t.Fatalf("Len() = %d, want %d", m.Len(), len(want))
	}
	for id := uint32(0); int(id) < m.Len(); id++ {
		w := m.Word(id)
		if got := m.Count(id); got != uint64(want[w]) {
			t.Errorf("Count(%d) (%q) = %d, want %v", id, w, got, want[w])
		}
		if id == 0 {
			continue
		}
		pw, pc, c := m.Word(id-1), m.Count(id-1), m.Count(id)
		if pc < c || pc == c && pw >= w {
			t.Errorf("ids %d %q (count %d) and %d %q (count %d) are not ordered by decreasing count, then word",
				id-1, pw, pc, id, w, c)
		}
	}
	if m.Word(0) != "dress" {
		t.Errorf("Word(0) = %q, want the most frequent word \"dress\"", m.Word(0))
	}
}

func TestID(t *testing.T) {
	m := newBuilder(1).Build(langmodel.BuildOptions{})
	for id := uint32(0); int(id) < m.Len(); id++ {
		w := m.Word(id)
		if got, ok := m.ID(w); !ok || got != id {
			t.Errorf("ID(%q) = %d, %v; want %d, true", w, got, ok, id)
		}
	}
	for _, w := range []string{"", "absent", "dres", "dresss", "Dress", "red dress", "dress\x00"} {
		if got, ok := m.ID(w); ok || got != langmodel.Unknown {
			t.Errorf("ID(%q) = %d, %v; want Unknown, false", w, got, ok)
		}
	}

	// A larger vocabulary fills the hash table with collisions.
	big := bigModel(5000)
	for id := uint32(0); int(id) < big.Len(); id++ {
		if got, ok := big.ID(big.Word(id)); !ok || got != id {
			t.Fatalf("ID(%q) = %d, %v; want %d, true", big.Word(id), got, ok, id)
		}
	}
	for i := range 2000 {
		w := fmt.Sprintf("absent%d", i)
		if _, ok := big.ID(w); ok {
			t.Fatalf("ID(%q) found an absent word", w)
		}
	}

	var empty langmodel.Model
	if err := empty.UnmarshalBinary(mustMarshal(t, langmodel.NewBuilder().Build(langmodel.BuildOptions{}))); err != nil {
		t.Fatal(err)
	}
	if _, ok := empty.ID("dress"); ok || empty.Len() != 0 {
		t.Errorf("empty model: ID found a word, Len() = %d", empty.Len())
	}
}

// bigModel returns a model of n synthetic words with Zipfian counts and random bigrams.
func bigModel(n int) *langmodel.Model {
	r := rand.New(rand.NewPCG(3, 4))
	b := langmodel.NewBuilder()
	words := make([]string, n)
	for i := range words {
		words[i] = fmt.Sprintf("w%dx", i)
		b.AddUnigram(words[i], float64(1+100000/(i+1)))
	}
	for range 4 * n {
		b.AddBigram(words[r.IntN(n)], words[r.IntN(n)], float64(1+r.IntN(5)))
	}
	return b.Build(langmodel.BuildOptions{})
}

func mustMarshal(t testing.TB, m *langmodel.Model) []byte {
	t.Helper()
	b, err := m.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// contexts returns every context of m: Start, Unknown and each word id.
func contexts(m *langmodel.Model) []uint32 {
	cs := []uint32{langmodel.Start, langmodel.Unknown}
	for id := uint32(0); int(id) < m.Len(); id++ {
		cs = append(cs, id)
	}
	return cs
}

func contextName(m *langmodel.Model, prev uint32) string {
	switch prev {
	case langmodel.Start:
		return "<s>"
	case langmodel.Unknown:
		return "<unk>"
	}
	return m.Word(prev)
}

// mass returns Σ_w P(w | prev).
func mass(m *langmodel.Model, prev uint32) float64 {
	s := 0.0
	for w := uint32(0); int(w) < m.Len(); w++ {
		s += math.Exp(m.LogProb(prev, w))
	}
	return s
}

func TestLogProbDistribution(t *testing.T) {
	keepLong := func(w string, _ float64) bool { return len(w) > 3 }
	tests := []struct {
		name   string
		weight float64
		opts   langmodel.BuildOptions
		exact  bool // nothing pruned: the mass must be 1
	}{
		{"all bigrams", 1, langmodel.BuildOptions{MinBigramCount: 1}, true},
		{"all bigrams, discount 0.5", 1, langmodel.BuildOptions{MinBigramCount: 1, Discount: 0.5}, true},
		{"all bigrams, weight 3", 3, langmodel.BuildOptions{MinBigramCount: 1}, true},
		{"words pruned by MinCount", 1, langmodel.BuildOptions{MinBigramCount: 1, MinCount: 2}, true},
		{"words pruned by Keep", 1, langmodel.BuildOptions{MinBigramCount: 1, Keep: keepLong}, true},
		{"default pruning", 1, langmodel.BuildOptions{}, false},
		{"bigrams pruned", 1, langmodel.BuildOptions{MinBigramCount: 3}, false},
		{"bigrams pruned, weight 2", 2, langmodel.BuildOptions{MinBigramCount: 5}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := newBuilder(tt.weight).Build(tt.opts)
			if m.Len() == 0 {
				t.Fatal("empty model")
			}
			for _, prev := range contexts(m) {
				s := mass(m, prev)
				if tt.exact || prev == langmodel.Unknown {
					if math.Abs(s-1) > 1e-6 {
						t.Errorf("Σ_w P(w | %s) = %.9f, want 1", contextName(m, prev), s)
					}
				} else if s > 1+1e-6 || !(s > 0) {
					// Pruning only takes mass away (unigrams are stored as float32: allow for rounding).
					t.Errorf("Σ_w P(w | %s) = %.9f, want in (0, 1]", contextName(m, prev), s)
				}
			}
		})
	}
}

// TestLogProbDistributionFractional documents a bug: with counts below the discount D (fractional weights,
// as a background corpus merged with a small scale gives), max(c−D, 0) drops less than D from such a bigram
// while the backoff weight D·T(v)/c(v·) still reserves D for it, so Σ_w P(w|v) exceeds 1.
func TestLogProbDistributionFractional(t *testing.T) {
	b := langmodel.NewBuilder()
	b.AddTokens([]string{"red", "dress"}, 0.5, true)
	b.AddTokens([]string{"red", "shoes"}, 3, true)
	m := b.Build(langmodel.BuildOptions{MinBigramCount: 1})
	red, _ := m.ID("red")
	if s := mass(m, red); s > 1+1e-6 {
		t.Errorf("Σ_w P(w | red) = %.6f, want ≤ 1", s)
	}

	// The same through Merge with a small scale, as the trainer mixes a background corpus.
	bg := langmodel.NewBuilder()
	bg.Merge(newBuilder(1), 0.1)
	m = bg.Build(langmodel.BuildOptions{})
	for _, prev := range contexts(m) {
		if s := mass(m, prev); s > 1+1e-6 {
			t.Errorf("merged with scale 0.1: Σ_w P(w | %s) = %.6f, want ≤ 1", contextName(m, prev), s)
		}
	}
}

func TestLogProbValues(t *testing.T) {
	m := newBuilder(1).Build(langmodel.BuildOptions{MinBigramCount: 1})
	uni := unigrams()
	n := 0.0
	for _, c := range uni {
		n += c
	}
	id := func(w string) uint32 {
		i, ok := m.ID(w)
		if !ok {
			t.Fatalf("ID(%q) not found", w)
		}
		return i
	}
	const d = langmodel.DefaultDiscount
	p := func(w string) float64 { return uni[w] / n }
	tests := []struct {
		prev, w string
		want    float64
	}{
		// "flower" is followed by "girl" 3 times and nothing else.
		{"flower", "girl", (3-d)/3 + d*1/3*p("girl")},
		{"flower", "dress", d * 1 / 3 * p("dress")},
		// "girl": dress 2, basket 1.
		{"girl", "dress", (2-d)/3 + d*2/3*p("dress")},
		{"girl", "basket", (1-d)/3 + d*2/3*p("basket")},
		{"girl", "red", d * 2 / 3 * p("red")},
		// Start: 21 queries starting with 14 distinct words... computed below.
		// "dish" is never followed by a word: the unigram.
		{"dish", "dress", p("dress")},
	}
	for _, tt := range tests {
		got := math.Exp(m.LogProb(id(tt.prev), id(tt.w)))
		if math.Abs(got-tt.want) > 1e-7 {
			t.Errorf("P(%s | %s) = %.9f, want %.9f", tt.w, tt.prev, got, tt.want)
		}
	}

	// After Start: first words of the queries.
	first := make(map[string]float64)
	for _, q := range queries {
		first[strings.Fields(q)[0]]++
	}
	q := float64(len(queries))
	for w := range uni {
		want := math.Max(first[w]-d, 0)/q + d*float64(len(first))/q*p(w)
		if got := math.Exp(m.LogProb(langmodel.Start, id(w))); math.Abs(got-want) > 1e-7 {
			t.Errorf("P(%s | <s>) = %.9f, want %.9f", w, got, want)
		}
	}

	// Unknown context: the unigram.
	for w := range uni {
		if got, want := m.LogProb(langmodel.Unknown, id(w)), math.Log(p(w)); math.Abs(got-want) > 1e-6 {
			t.Errorf("LogProb(Unknown, %s) = %v, want log P(%s) = %v", w, got, w, want)
		}
		if got, want := m.LogUnigram(id(w)), math.Log(p(w)); math.Abs(got-want) > 1e-6 {
			t.Errorf("LogUnigram(%s) = %v, want %v", w, got, want)
		}
	}
}

func TestLogProbBigramBeatsUnigram(t *testing.T) {
	m := newBuilder(1).Build(langmodel.BuildOptions{})
	id := func(w string) uint32 { i, _ := m.ID(w); return i }
	seen := [][2]string{{"flower", "girl"}, {"red", "dress"}, {"running", "shoes"}, {"jewelry", "box"}, {"girl", "dress"}}
	for _, p := range seen {
		prev, w := id(p[0]), id(p[1])
		if bi, uni := m.LogProb(prev, w), m.LogUnigram(w); !(bi > uni) {
			t.Errorf("LogProb(%s | %s) = %.4f, want above LogUnigram(%s) = %.4f", p[1], p[0], bi, p[1], uni)
		}
	}
	// Seen at the start of queries.
	if bi, uni := m.LogProb(langmodel.Start, id("flower")), m.LogUnigram(id("flower")); !(bi > uni) {
		t.Errorf("LogProb(flower | <s>) = %.4f, want above LogUnigram(flower) = %.4f", bi, uni)
	}
	// Never seen after a context that has followers: less probable than alone.
	unseen := [][2]string{{"flower", "shoes"}, {"red", "box"}, {"running", "dress"}}
	for _, p := range unseen {
		prev, w := id(p[0]), id(p[1])
		if bi, uni := m.LogProb(prev, w), m.LogUnigram(w); !(bi < uni) {
			t.Errorf("LogProb(%s | %s) = %.4f, want below LogUnigram(%s) = %.4f", p[1], p[0], bi, p[1], uni)
		}
	}
}

func TestBuildPruning(t *testing.T) {
	b := newBuilder(1)
	uni := unigrams()
	tests := []struct {
		name string
		opts langmodel.BuildOptions
		keep func(w string) bool
	}{
		{"all", langmodel.BuildOptions{}, func(string) bool { return true }},
		{"MinCount 2", langmodel.BuildOptions{MinCount: 2}, func(w string) bool { return uni[w] >= 2 }},
		{"MinCount 4", langmodel.BuildOptions{MinCount: 4}, func(w string) bool { return uni[w] >= 4 }},
		{"Keep", langmodel.BuildOptions{Keep: func(w string, c float64) bool {
			if c != uni[w] {
				panic(fmt.Sprintf("Keep(%q, %v): count should be %v", w, c, uni[w]))
			}
			return !strings.HasPrefix(w, "r")
		}}, func(w string) bool { return !strings.HasPrefix(w, "r") }},
		{"MinCount and Keep", langmodel.BuildOptions{MinCount: 2, Keep: func(w string, _ float64) bool { return w != "dress" }},
			func(w string) bool { return uni[w] >= 2 && w != "dress" }},
		{"MinCount above all", langmodel.BuildOptions{MinCount: 1000}, func(string) bool { return false }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := b.Build(tt.opts)
			var want []string
			for w := range uni {
				if tt.keep(w) {
					want = append(want, w)
				}
			}
			var got []string
			for id := uint32(0); int(id) < m.Len(); id++ {
				got = append(got, m.Word(id))
			}
			slices.Sort(want)
			slices.Sort(got)
			if !slices.Equal(got, want) {
				t.Errorf("kept %v, want %v", got, want)
			}
			for w := range uni {
				if _, ok := m.ID(w); ok != tt.keep(w) {
					t.Errorf("ID(%q) found = %v, want %v", w, ok, tt.keep(w))
				}
			}
		})
	}
}

func TestBuildMinBigramCount(t *testing.T) {
	b := newBuilder(1)
	// Distinct bigrams by count, Start included.
	bigrams := make(map[[2]string]int)
	for _, q := range queries {
		prev := "<s>"
		for _, w := range strings.Fields(q) {
			bigrams[[2]string{prev, w}]++
			prev = w
		}
	}
	for _, min := range []float64{1, 2, 3, 10} {
		want := 0
		for _, c := range bigrams {
			if float64(c) >= min {
				want++
			}
		}
		m := b.Build(langmodel.BuildOptions{MinBigramCount: min})
		if m.Bigrams() != want {
			t.Errorf("MinBigramCount %v: Bigrams() = %d, want %d", min, m.Bigrams(), want)
		}
	}
	// The default drops bigrams seen once.
	if got, want := b.Build(langmodel.BuildOptions{}).Bigrams(), b.Build(langmodel.BuildOptions{MinBigramCount: 2}).Bigrams(); got != want {
		t.Errorf("default Bigrams() = %d, want %d (MinBigramCount 2)", got, want)
	}
	// A pruned bigram is no more probable than the backoff.
	m := b.Build(langmodel.BuildOptions{MinBigramCount: 3})
	girl, _ := m.ID("girl")
	basket, _ := m.ID("basket")
	m1 := b.Build(langmodel.BuildOptions{MinBigramCount: 1})
	if pruned, kept := m.LogProb(girl, basket), m1.LogProb(girl, basket); !(pruned < kept) {
		t.Errorf("P(basket | girl) with the bigram pruned = %v, want below %v with it kept", pruned, kept)
	}
}

func TestAddTokensAtStart(t *testing.T) {
	b := langmodel.NewBuilder()
	b.AddTokens([]string{"girl", "dress"}, 1, false) // a run in the middle of a query
	b.AddTokens([]string{"red", "dress"}, 1, true)
	m := b.Build(langmodel.BuildOptions{MinBigramCount: 1})
	girl, _ := m.ID("girl")
	red, _ := m.ID("red")
	if a, b := m.LogProb(langmodel.Start, red), m.LogProb(langmodel.Start, girl); !(a > b) {
		t.Errorf("P(red | <s>) = %v, P(girl | <s>) = %v: only red starts a query", a, b)
	}
	if got := m.Bigrams(); got != 3 {
		t.Errorf("Bigrams() = %d, want 3 (<s> red, red dress, girl dress)", got)
	}

	// AddBigram with prev "" is the start of a query.
	c := langmodel.NewBuilder()
	c.AddUnigram("dress", 1)
	c.AddBigram("", "dress", 2)
	mc := c.Build(langmodel.BuildOptions{})
	dress, _ := mc.ID("dress")
	if mc.Bigrams() != 1 || mc.LogProb(langmodel.Start, dress) != 0 {
		t.Errorf("AddBigram(\"\", dress): Bigrams() = %d, LogProb(dress | <s>) = %v; want 1, 0", mc.Bigrams(), mc.LogProb(langmodel.Start, dress))
	}
}

func TestMerge(t *testing.T) {
	a := langmodel.NewBuilder()
	a.AddTokens([]string{"red", "dress"}, 1, true)
	o := newBuilder(1)
	a.Merge(o, 2)

	// The same counts added directly.
	want := langmodel.NewBuilder()
	want.AddTokens([]string{"red", "dress"}, 1, true)
	for _, q := range queries {
		want.AddTokens(strings.Fields(q), 2, true)
	}
	if a.Len() != want.Len() || a.Total() != want.Total() {
		t.Errorf("merged Len, Total = %d, %v; want %d, %v", a.Len(), a.Total(), want.Len(), want.Total())
	}
	want.Each(func(w string, c float64) {
		if got := a.Count(w); got != c {
			t.Errorf("merged Count(%q) = %v, want %v", w, got, c)
		}
	})
	opts := langmodel.BuildOptions{MinBigramCount: 1}
	ma, mw := a.Build(opts), want.Build(opts)
	if ma.Bigrams() != mw.Bigrams() {
		t.Errorf("merged Bigrams() = %d, want %d", ma.Bigrams(), mw.Bigrams())
	}
	if ba, bw := mustMarshal(t, ma), mustMarshal(t, mw); string(ba) != string(bw) {
		t.Error("merging with scale 2 builds a different model from adding the counts twice")
	}

	// Scale 0.5 halves every count; a non-positive scale merges nothing.
	h := langmodel.NewBuilder()
	h.Merge(o, 0.5)
	o.Each(func(w string, c float64) {
		if got := h.Count(w); got != c/2 {
			t.Errorf("Merge scale 0.5: Count(%q) = %v, want %v", w, got, c/2)
		}
	})
	for _, s := range []float64{0, -1} {
		z := langmodel.NewBuilder()
		z.Merge(o, s)
		if z.Len() != 0 {
			t.Errorf("Merge scale %v: Len() = %d, want 0", s, z.Len())
		}
	}

	// A word seen only in bigrams (AddBigram does not count unigrams) keeps its bigrams through Merge.
	p := langmodel.NewBuilder()
	p.AddBigram("flower", "girl", 2)
	p.AddUnigram("girl", 1)
	q := langmodel.NewBuilder()
	q.Merge(p, 1)
	q.AddUnigram("flower", 1)
	mq := q.Build(langmodel.BuildOptions{})
	if mq.Bigrams() != 1 {
		t.Errorf("bigram of a word without unigram count lost in Merge: Bigrams() = %d, want 1", mq.Bigrams())
	}
}

func TestMarshalRoundTrip(t *testing.T) {
	for _, opts := range []langmodel.BuildOptions{{}, {MinBigramCount: 1, Discount: 0.4}, {MinCount: 1000}} {
		m := newBuilder(1).Build(opts)
		b := mustMarshal(t, m)
		if b2 := mustMarshal(t, m); string(b) != string(b2) {
			t.Fatal("MarshalBinary is not deterministic")
		}
		var d langmodel.Model
		if err := d.UnmarshalBinary(b); err != nil {
			t.Fatalf("UnmarshalBinary: %v", err)
		}
		if b3 := mustMarshal(t, &d); string(b3) != string(b) {
			t.Error("re-encoding the decoded model gives different bytes")
		}
		if d.Len() != m.Len() || d.Bigrams() != m.Bigrams() {
			t.Errorf("decoded Len, Bigrams = %d, %d; want %d, %d", d.Len(), d.Bigrams(), m.Len(), m.Bigrams())
		}
		for id := uint32(0); int(id) < m.Len(); id++ {
			if d.Word(id) != m.Word(id) || d.Count(id) != m.Count(id) {
				t.Errorf("id %d: decoded %q (count %d), want %q (count %d)", id, d.Word(id), d.Count(id), m.Word(id), m.Count(id))
			}
			if got, ok := d.ID(m.Word(id)); !ok || got != id {
				t.Errorf("decoded ID(%q) = %d, %v; want %d", m.Word(id), got, ok, id)
			}
		}
		for _, prev := range contexts(m) {
			for w := uint32(0); int(w) < m.Len(); w++ {
				if a, b := m.LogProb(prev, w), d.LogProb(prev, w); a != b {
					t.Errorf("LogProb(%s, %s) = %v before the round trip, %v after", contextName(m, prev), m.Word(w), a, b)
				}
			}
		}
	}
}

type word struct {
	w string
	c float64
}

type bigram struct {
	delta uint64 // key minus the previous key
	c     float32
}

// enc writes an encoded model by hand: discount, words, contexts (one per word, then Start; each with a
// reserved mass of min(total, 0.75)), bigrams.
func enc(discount float64, words []word, ctx []float64, bigrams []bigram) []byte {
	var e binenc.Encoder
	e.Float64(discount)
	e.Uvarint(uint64(len(words)))
	for _, w := range words {
		e.String(w.w)
		e.Float64(w.c)
	}
	for _, c := range ctx {
		e.Float64(c)
		e.Float64(max(min(c, 0.75), 0))
	}
	e.Uvarint(uint64(len(bigrams)))
	for _, b := range bigrams {
		e.Uvarint(b.delta)
		e.Float32(b.c)
	}
	return e.Bytes()
}

func key(prev, w uint32) uint64 { return uint64(prev)<<32 | uint64(w) }

func TestUnmarshalCorrupt(t *testing.T) {
	valid := mustMarshal(t, newBuilder(1).Build(langmodel.BuildOptions{}))
	for n := range len(valid) {
		var m langmodel.Model
		if err := m.UnmarshalBinary(valid[:n]); !errors.Is(err, langmodel.ErrCorrupt) {
			t.Errorf("UnmarshalBinary of the first %d of %d bytes = %v, want ErrCorrupt", n, len(valid), err)
		}
	}

	two := []word{{"dress", 2}, {"red", 1}}
	ctx := []float64{1, 1, 1}
	ok := enc(0.75, two, ctx, []bigram{{key(1, 0), 1}, {key(langmodel.Start, 1) - key(1, 0), 1}})
	var m langmodel.Model
	if err := m.UnmarshalBinary(ok); err != nil {
		t.Fatalf("hand-made valid encoding: %v", err)
	}
	if m.Len() != 2 || m.Bigrams() != 2 {
		t.Fatalf("hand-made valid encoding: Len, Bigrams = %d, %d; want 2, 2", m.Len(), m.Bigrams())
	}

	tests := []struct {
		name string
		in   []byte
	}{
		{"empty", nil},
		{"trailing byte", append(append([]byte(nil), valid...), 0)},
		{"discount 0", enc(0, two, ctx, nil)},
		{"discount 1", enc(1, two, ctx, nil)},
		{"discount negative", enc(-0.5, two, ctx, nil)},
		{"discount NaN", func() []byte { b := enc(0.75, two, ctx, nil); copy(b, []byte{1, 0, 0, 0, 0, 0, 0xf8, 0x7f}); return b }()},
		{"empty word", enc(0.75, []word{{"dress", 2}, {"", 1}}, ctx, nil)},
		{"duplicate word", enc(0.75, []word{{"dress", 2}, {"dress", 1}}, ctx, nil)},
		{"zero count", enc(0.75, []word{{"dress", 2}, {"red", 0}}, ctx, nil)},
		{"negative count", enc(0.75, []word{{"dress", 2}, {"red", -1}}, ctx, nil)},
		{"infinite count", enc(0.75, []word{{"dress", math.Inf(1)}, {"red", 1}}, ctx, nil)},
		{"negative context", enc(0.75, two, []float64{1, -1, 1}, nil)},
		{"missing context", enc(0.75, two, ctx[:2], nil)},
		{"bigram of unknown word", enc(0.75, two, ctx, []bigram{{key(0, 2), 1}})},
		{"bigram of unknown context", enc(0.75, two, ctx, []bigram{{key(2, 0), 1}})},
		{"bigram of Unknown", enc(0.75, two, ctx, []bigram{{key(langmodel.Unknown, 0), 1}})},
		{"repeated bigram", enc(0.75, two, ctx, []bigram{{key(1, 0), 1}, {0, 1}})},
		{"bigram key overflow", enc(0.75, two, ctx, []bigram{{key(1, 0), 1}, {math.MaxUint64, 1}})},
		{"huge word count", func() []byte {
			var e binenc.Encoder
			e.Float64(0.75)
			e.Uvarint(1 << 50)
			return e.Bytes()
		}()},
	}
	for _, tt := range tests {
		var m langmodel.Model
		if err := m.UnmarshalBinary(tt.in); !errors.Is(err, langmodel.ErrCorrupt) {
			t.Errorf("%s: UnmarshalBinary = %v, want ErrCorrupt", tt.name, err)
		}
	}

	// A failed decode leaves the model as it was.
	before := mustMarshal(t, &m)
	if err := m.UnmarshalBinary(valid[:len(valid)-1]); err == nil {
		t.Fatal("truncated input decoded")
	}
	if after := mustMarshal(t, &m); string(after) != string(before) {
		t.Error("a failed UnmarshalBinary changed the model")
	}
}

// TestUnmarshalBadCounts documents that the decoder accepts context totals and bigram counts that no
// Builder can produce, which give log probabilities outside (-Inf, 0].
func TestUnmarshalBadCounts(t *testing.T) {
	two := []word{{"dress", 2}, {"red", 1}}
	tests := []struct {
		name string
		in   []byte
	}{
		{"infinite bigram count", enc(0.75, two, []float64{1, 1, 1}, []bigram{{key(langmodel.Start, 0), float32(math.Inf(1))}})},
		{"infinite context total", enc(0.75, two, []float64{1, 1, math.Inf(1)}, []bigram{{key(langmodel.Start, 0), 1}})},
		{"negative bigram count", enc(0.75, two, []float64{1, 1, 1}, []bigram{{key(langmodel.Start, 0), -1}})},
	}
	for _, tt := range tests {
		var m langmodel.Model
		if err := m.UnmarshalBinary(tt.in); !errors.Is(err, langmodel.ErrCorrupt) {
			t.Errorf("%s: UnmarshalBinary = %v, want ErrCorrupt (LogProb(<s>, dress) = %v)", tt.name, err, m.LogProb(langmodel.Start, 0))
		}
	}
}

func TestConcurrentLogProb(t *testing.T) {
	m := newBuilder(1).Build(langmodel.BuildOptions{})
	want := make(map[[2]uint32]float64)
	for _, prev := range contexts(m) {
		for w := uint32(0); int(w) < m.Len(); w++ {
			want[[2]uint32{prev, w}] = m.LogProb(prev, w)
		}
	}
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for k, v := range want {
				if got := m.LogProb(k[0], k[1]); got != v {
					t.Errorf("concurrent LogProb(%d, %d) = %v, want %v", k[0], k[1], got, v)
					return
				}
				if id, _ := m.ID(m.Word(k[1])); id != k[1] {
					t.Errorf("concurrent ID(%q) = %d, want %d", m.Word(k[1]), id, k[1])
					return
				}
			}
		})
	}
	wg.Wait()
}

func FuzzUnmarshal(f *testing.F) {
	f.Add(mustMarshal(f, newBuilder(1).Build(langmodel.BuildOptions{})))
	f.Add(mustMarshal(f, newBuilder(1).Build(langmodel.BuildOptions{MinBigramCount: 1})))
	f.Add(mustMarshal(f, langmodel.NewBuilder().Build(langmodel.BuildOptions{})))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		var m langmodel.Model
		if err := m.UnmarshalBinary(b); err != nil {
			if !errors.Is(err, langmodel.ErrCorrupt) {
				t.Fatalf("UnmarshalBinary error %v does not wrap ErrCorrupt", err)
			}
			return
		}
		// A decoded model must be usable without panicking, and encode to an input that decodes again.
		n := min(m.Len(), 50)
		for w := uint32(0); int(w) < n; w++ {
			if id, ok := m.ID(m.Word(w)); !ok || id != w {
				t.Fatalf("ID(Word(%d)) = %d, %v", w, id, ok)
			}
			m.LogUnigram(w)
			m.LogProb(langmodel.Start, w)
			m.LogProb(langmodel.Unknown, w)
			for prev := uint32(0); int(prev) < n; prev++ {
				m.LogProb(prev, w)
			}
		}
		m.ID("dress")
		var again langmodel.Model
		if err := again.UnmarshalBinary(mustMarshal(t, &m)); err != nil {
			t.Fatalf("re-encoded model does not decode: %v", err)
		}
	})
}

func ExampleBuilder() {
	b := langmodel.NewBuilder()
	for _, q := range []string{"red dress", "red dress", "flower girl dress", "red shoes"} {
		b.AddTokens(strings.Fields(q), 1, true)
	}
	m := b.Build(langmodel.BuildOptions{MinBigramCount: 1})
	for id := uint32(0); int(id) < m.Len(); id++ {
		fmt.Println(id, m.Word(id), m.Count(id))
	}
	red, _ := m.ID("red")
	dress, _ := m.ID("dress")
	shoes, _ := m.ID("shoes")
	fmt.Println(m.LogProb(red, dress) > m.LogProb(red, shoes))
	_, ok := m.ID("dresss")
	fmt.Println(ok)
	// Output:
	// 0 dress 3
	// 1 red 3
	// 2 flower 1
	// 3 girl 1
	// 4 shoes 1
	// true
	// false
}

func BenchmarkLogProb(b *testing.B) {
	m := bigModel(20000)
	r := rand.New(rand.NewPCG(5, 6))
	pairs := make([][2]uint32, 1024)
	for i := range pairs {
		pairs[i] = [2]uint32{uint32(r.IntN(m.Len())), uint32(r.IntN(m.Len()))}
		if i%8 == 0 {
			pairs[i][0] = langmodel.Start
		}
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		p := pairs[i%len(pairs)]
		m.LogProb(p[0], p[1])
		i++
	}
}

func BenchmarkID(b *testing.B) {
	m := bigModel(20000)
	words := make([]string, 1024)
	for i := range words {
		if i%4 == 0 {
			words[i] = fmt.Sprintf("absent%d", i)
		} else {
			words[i] = m.Word(uint32(i * 7 % m.Len()))
		}
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		m.ID(words[i%len(words)])
		i++
	}
}

// TestBigramFilter: every bigram kept is found with its count, through the filter of never-seen bigrams,
// also after a round trip through the encoding; a pair never seen counts 0, and the filter stops most of them
// before the table.
func TestBigramFilter(t *testing.T) {
	built := bigModel(20000)
	decoded := new(langmodel.Model)
	if err := decoded.UnmarshalBinary(mustMarshal(t, built)); err != nil {
		t.Fatal(err)
	}
	for _, m := range []*langmodel.Model{built, decoded} {
		kept := m.Kept()
		if len(kept) < 50000 {
			t.Fatalf("%d bigrams kept, want a large model", len(kept))
		}
		seen := make(map[[2]uint32]bool, len(kept))
		for _, k := range kept {
			prev, w := uint32(k[0]), uint32(k[1])
			seen[[2]uint32{prev, w}] = true
			if got := m.BigramCount(prev, w); got != k[2] {
				t.Fatalf("bigram (%d, %d) counts %v, want %v", prev, w, got, k[2])
			}
		}
		r := rand.New(rand.NewPCG(8, 9))
		absent, passed := 0, 0
		for range 100000 {
			prev, w := uint32(r.IntN(m.Len())), uint32(r.IntN(m.Len()))
			if seen[[2]uint32{prev, w}] {
				continue
			}
			absent++
			if got := m.BigramCount(prev, w); got != 0 {
				t.Fatalf("bigram (%d, %d) never seen counts %v", prev, w, got)
			}
			if m.PassesFilter(prev, w) {
				passed++
			}
		}
		if rate := float64(passed) / float64(absent); rate > 0.2 {
			t.Errorf("the filter lets %.0f%% of the bigrams never seen through, want at most 20%%", 100*rate)
		}
	}
}
