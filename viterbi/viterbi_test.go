package viterbi_test

import (
	"cmp"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"

	"github.com/spellwright/speller/viterbi"
)

// lattice is a Lattice held in memory.
type lattice [][]viterbi.State

func (l lattice) Len() int                       { return len(l) }
func (l lattice) States(pos int) []viterbi.State { return l[pos] }

// table is a Transition from a dense table over words 0..n-1 and the start word n; other words get unk.
type table struct {
	n   uint32
	lp  []float64 // [(prev)*n+next]
	unk float64
}

func (t *table) LogProb(prev, next uint32) float64 {
	if prev > t.n || next >= t.n {
		return t.unk
	}
	return t.lp[prev*t.n+next]
}

// randomModel returns a random lattice of 1..maxLen positions over words 0..vocab-1, and a transition
// table whose start word is vocab. Positions hold 1..4 states; some states span two positions (End =
// pos+2, possibly past the end, where Decode must ignore them), and a position may be empty when a state
// spanning two positions covers it.
func randomModel(r *rand.Rand, maxLen, vocab int) (lattice, *table) {
	n := 1 + r.IntN(maxLen)
	l := make(lattice, n)
	for pos := range l {
		k := 1 + r.IntN(4)
		if pos > 0 && r.IntN(8) == 0 {
			k = 0 // passable only through a state from pos-1 spanning two positions, if any
		}
		for range k {
			st := viterbi.State{
				End:      pos + 1,
				First:    uint32(r.IntN(vocab)),
				Emission: -5 * r.Float64(),
			}
			st.Last = st.First
			if r.IntN(4) == 0 {
				st.End = pos + 2 // a merge, or a split into two words
				st.Last = uint32(r.IntN(vocab))
				st.Inner = -3 * r.Float64()
			}
			l[pos] = append(l[pos], st)
		}
	}
	t := &table{n: uint32(vocab), lp: make([]float64, (vocab+1)*vocab), unk: -20}
	for i := range t.lp {
		t.lp[i] = -8 * r.Float64()
	}
	return l, t
}

// enumerate returns every path through l with its score, best first: the brute-force reference.
func enumerate(l viterbi.Lattice, t viterbi.Transition, o viterbi.Options) []viterbi.Path {
	lambda := o.Lambda
	if lambda == 0 {
		lambda = 1
	}
	var all []viterbi.Path
	var steps []viterbi.Step
	var walk func(pos int, prev uint32, score float64)
	walk = func(pos int, prev uint32, score float64) {
		if pos == l.Len() {
			all = append(all, viterbi.Path{Score: score, Steps: slices.Clone(steps)})
			return
		}
		for i, st := range l.States(pos) {
			if st.End <= pos || st.End > l.Len() {
				continue
			}
			steps = append(steps, viterbi.Step{Pos: pos, Index: i})
			walk(st.End, st.Last, score+t.LogProb(prev, st.First)+st.Inner+lambda*st.Emission)
			steps = steps[:len(steps)-1]
		}
	}
	walk(0, o.Start, 0)
	slices.SortStableFunc(all, func(a, b viterbi.Path) int { return cmp.Compare(b.Score, a.Score) })
	return all
}

func stepsKey(s []viterbi.Step) string { return fmt.Sprint(s) }

func TestDecodeMatchesEnumeration(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	lattices, nonEmpty := 0, 0
	for range 300 {
		l, tr := randomModel(r, 6, 5)
		for _, lambda := range []float64{0.5, 1, 2} {
			o := viterbi.Options{Lambda: lambda, Start: tr.n}
			all := enumerate(l, tr, o)
			for nbest := 1; nbest <= 5; nbest++ {
				o.NBest = nbest
				got := viterbi.Decode(l, tr, o)
				want := all[:min(nbest, len(all))]
				if len(got) != len(want) {
					t.Fatalf("lattice %v, λ %v, NBest %d: Decode gave %d paths, want %d (of %d)",
						l, lambda, nbest, len(got), len(want), len(all))
				}
				seen := make(map[string]bool)
				for i := range got {
					if math.Abs(got[i].Score-want[i].Score) > 1e-9 {
						t.Fatalf("lattice %v, λ %v, NBest %d: path %d score %.12f, want %.12f\ngot  %v\nwant %v",
							l, lambda, nbest, i, got[i].Score, want[i].Score, got, want)
					}
					if s := viterbi.Score(l, tr, o, got[i].Steps); math.Abs(s-got[i].Score) > 1e-9 {
						t.Fatalf("lattice %v, λ %v: Decode path %v has score %v, Score gives %v",
							l, lambda, got[i].Steps, got[i].Score, s)
					}
					k := stepsKey(got[i].Steps)
					if seen[k] {
						t.Fatalf("lattice %v, λ %v, NBest %d: path %v returned twice", l, lambda, nbest, got[i].Steps)
					}
					seen[k] = true
				}
			}
			lattices++
			if len(all) > 0 {
				nonEmpty++
			}
		}
	}
	// The generator must produce a useful mix: mostly passable lattices, some with many paths.
	if nonEmpty < lattices*3/4 {
		t.Errorf("only %d of %d random lattices were passable", nonEmpty, lattices)
	}
}

func TestScoreMatchesEnumeration(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	for range 200 {
		l, tr := randomModel(r, 5, 4)
		o := viterbi.Options{Lambda: 0.5 + r.Float64(), Start: tr.n}
		for _, p := range enumerate(l, tr, o) {
			if got := viterbi.Score(l, tr, o, p.Steps); math.Abs(got-p.Score) > 1e-9 {
				t.Fatalf("lattice %v: Score(%v) = %v, want %v", l, p.Steps, got, p.Score)
			}
		}
	}
}

func TestScoreNotChaining(t *testing.T) {
	l := lattice{
		{{End: 1, First: 0, Last: 0, Emission: -1}, {End: 2, First: 1, Last: 2, Emission: -2}},
		{{End: 2, First: 2, Last: 2, Emission: -1}},
		{{End: 3, First: 3, Last: 3}},
	}
	tr := &table{n: 4, lp: make([]float64, 5*4), unk: -20}
	o := viterbi.Options{Start: 4}
	s := func(pi ...int) []viterbi.Step {
		var st []viterbi.Step
		for i := 0; i < len(pi); i += 2 {
			st = append(st, viterbi.Step{Pos: pi[i], Index: pi[i+1]})
		}
		return st
	}
	valid := [][]viterbi.Step{s(0, 0, 1, 0, 2, 0), s(0, 1, 2, 0)}
	for _, steps := range valid {
		if got := viterbi.Score(l, tr, o, steps); math.IsInf(got, 0) {
			t.Errorf("Score(%v) = %v, want finite", steps, got)
		}
	}
	invalid := []struct {
		name  string
		steps []viterbi.Step
	}{
		{"no steps", nil},
		{"stops early", s(0, 0, 1, 0)},
		{"skips a position", s(0, 0, 2, 0)},
		{"starts late", s(1, 0, 2, 0)},
		{"overlaps a merge", s(0, 1, 1, 0, 2, 0)},
		{"index out of range", s(0, 0, 1, 1, 2, 0)},
		{"negative index", s(0, -1, 1, 0, 2, 0)},
		{"repeats a position", s(0, 0, 0, 0, 1, 0, 2, 0)},
	}
	for _, tt := range invalid {
		if got := viterbi.Score(l, tr, o, tt.steps); !math.IsInf(got, -1) {
			t.Errorf("%s: Score(%v) = %v, want -Inf", tt.name, tt.steps, got)
		}
	}
}

// TestScoreOutOfRange documents a bug: Score asks the lattice for the states of a step's position before
// checking that the step starts where the previous one ended, so a step past the end or at a negative
// position calls Lattice.States outside 0..Len()-1 (a panic for a lattice held in a slice, as spell's is).
func TestScoreOutOfRange(t *testing.T) {
	l := lattice{{{End: 1}}, {{End: 2}}, {{End: 3}}}
	tr := &table{n: 1, lp: []float64{-1, -1}}
	for _, steps := range [][]viterbi.Step{
		{{0, 0}, {1, 0}, {2, 0}, {3, 0}},
		{{-1, 0}},
		{{0, 0}, {5, 0}},
	} {
		func() {
			defer func() {
				if e := recover(); e != nil {
					t.Errorf("Score(%v) panicked: %v; want -Inf", steps, e)
				}
			}()
			if got := viterbi.Score(l, tr, viterbi.Options{Start: 1}, steps); !math.IsInf(got, -1) {
				t.Errorf("Score(%v) = %v, want -Inf", steps, got)
			}
		}()
	}
}

func TestDecodeEmptyLattice(t *testing.T) {
	tr := &table{n: 1, lp: []float64{-1, -1}}
	for _, nbest := range []int{0, 1, 3} {
		got := viterbi.Decode(lattice{}, tr, viterbi.Options{NBest: nbest, Start: 1})
		if len(got) != 1 || got[0].Score != 0 || len(got[0].Steps) != 0 {
			t.Errorf("NBest %d: Decode(empty) = %v, want one empty path with score 0", nbest, got)
		}
	}
	if got := viterbi.Score(lattice{}, tr, viterbi.Options{}, nil); got != 0 {
		t.Errorf("Score(empty, no steps) = %v, want 0", got)
	}
}

func TestDecodeImpassable(t *testing.T) {
	st := viterbi.State{End: 1}
	tr := &table{n: 1, lp: []float64{-1, -1}}
	tests := []struct {
		name string
		l    lattice
	}{
		{"first position empty", lattice{{}, {{End: 2}}}},
		{"middle position empty", lattice{{st}, {}, {{End: 3}}}},
		{"last position empty", lattice{{st}, {{End: 2}}, {}}},
		{"only state overruns the end", lattice{{st}, {{End: 3}}}},
		{"state ends before it starts", lattice{{st}, {{End: 1}}}},
	}
	for _, tt := range tests {
		got := viterbi.Decode(tt.l, tr, viterbi.Options{NBest: 3, Start: 1})
		if len(got) != 0 {
			t.Errorf("%s: Decode = %v, want no path", tt.name, got)
		}
	}
	// A position without states is passable when a state spanning two positions covers it.
	l := lattice{{{End: 2, Emission: -1}}, {}}
	if got := viterbi.Decode(l, tr, viterbi.Options{Start: 1}); len(got) != 1 {
		t.Errorf("covered empty position: Decode = %v, want one path", got)
	}
}

// TestDecodeImpassableNil documents that Decode returns an empty, non-nil slice where its documentation
// promises nil (callers that test len(paths) == 0, as spell does, are unaffected).
func TestDecodeImpassableNil(t *testing.T) {
	l := lattice{{{End: 1}}, {}}
	tr := &table{n: 1, lp: []float64{-1, -1}}
	if got := viterbi.Decode(l, tr, viterbi.Options{Start: 1}); got != nil {
		t.Errorf("Decode(impassable) = %#v, want nil", got)
	}
}

func TestDecodeDefaults(t *testing.T) {
	// Zero Options: λ = 1, one path, Start = 0.
	l := lattice{{{End: 1, First: 1, Last: 1, Emission: -2}, {End: 1, First: 0, Last: 0, Emission: -1}}}
	tr := &table{n: 2, lp: []float64{-1, -5, -3, -3, -9, -9}}
	got := viterbi.Decode(l, tr, viterbi.Options{})
	// From word 0: state 0 scores -5 - 2 = -7, state 1 scores -1 - 1 = -2.
	if len(got) != 1 || got[0].Score != -2 || !slices.Equal(got[0].Steps, []viterbi.Step{{Pos: 0, Index: 1}}) {
		t.Errorf("Decode with zero Options = %v, want [{-2 [{0 1}]}]", got)
	}
	// λ scales only the emission.
	got = viterbi.Decode(l, tr, viterbi.Options{Lambda: 3, NBest: 2})
	want := []viterbi.Path{{Score: -4, Steps: []viterbi.Step{{0, 1}}}, {Score: -11, Steps: []viterbi.Step{{0, 0}}}}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("Decode with λ 3 = %v, want %v", got, want)
	}
}

func TestDecodeConcurrent(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	type job struct {
		l    lattice
		tr   *table
		o    viterbi.Options
		want []viterbi.Path
	}
	var jobs []job
	for range 40 {
		l, tr := randomModel(r, 6, 6)
		o := viterbi.Options{Lambda: 1, NBest: 1 + r.IntN(5), Start: tr.n}
		jobs = append(jobs, job{l, tr, o, viterbi.Decode(l, tr, o)})
	}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for k := range 100 {
				j := jobs[(g*7+k)%len(jobs)]
				if got := viterbi.Decode(j.l, j.tr, j.o); fmt.Sprint(got) != fmt.Sprint(j.want) {
					t.Errorf("concurrent Decode = %v, want %v", got, j.want)
					return
				}
			}
		})
	}
	wg.Wait()
}

// A query "flower girl baske" with a second candidate for the last token, and a merge candidate.
func Example() {
	words := []string{"flower", "girl", "baske", "basket", "flowergirl"}
	const start = 5
	l := lattice{
		{{End: 1, First: 0, Last: 0}, {End: 2, First: 4, Last: 4, Emission: -6}},
		{{End: 2, First: 1, Last: 1}},
		{{End: 3, First: 2, Last: 2}, {End: 3, First: 3, Last: 3, Emission: -2}},
	}
	tr := &table{n: 5, lp: make([]float64, 6*5), unk: -20}
	for i := range tr.lp {
		tr.lp[i] = -10
	}
	set := func(prev, next uint32, lp float64) { tr.lp[prev*5+next] = lp }
	set(start, 0, -3) // flower
	set(0, 1, -1)     // flower girl
	set(1, 3, -1)     // girl basket
	set(1, 2, -12)    // girl baske: an unknown word
	set(start, 4, -9) // flowergirl
	set(4, 3, -2)     // flowergirl basket

	for _, p := range viterbi.Decode(l, tr, viterbi.Options{Lambda: 1, NBest: 3, Start: start}) {
		fmt.Printf("%.0f", p.Score)
		for _, s := range p.Steps {
			fmt.Print(" ", words[l[s.Pos][s.Index].First])
		}
		fmt.Println()
	}
	// Output:
	// -7 flower girl basket
	// -16 flower girl baske
	// -19 flowergirl basket
}

func BenchmarkDecode(b *testing.B) {
	r := rand.New(rand.NewPCG(13, 14))
	const vocab = 200
	l := make(lattice, 4)
	for pos := range l {
		for i := range 12 {
			st := viterbi.State{End: pos + 1, First: uint32(r.IntN(vocab)), Emission: -5 * r.Float64()}
			st.Last = st.First
			if i == 11 && pos < 3 {
				st.End = pos + 2
			}
			l[pos] = append(l[pos], st)
		}
	}
	tr := &table{n: vocab, lp: make([]float64, (vocab+1)*vocab)}
	for i := range tr.lp {
		tr.lp[i] = -10 * r.Float64()
	}
	o := viterbi.Options{Lambda: 1, NBest: 5, Start: vocab}
	b.ReportAllocs()
	for b.Loop() {
		viterbi.Decode(l, tr, o)
	}
}
