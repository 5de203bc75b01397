package viterbi_test

import (
	"cmp"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/spellwright/speller/viterbi"
)

// changes counts the states of a path that are not the first of their position: those Options.Change is
// added to.
func changes(steps []viterbi.Step) int {
	n := 0
	for _, s := range steps {
		if s.Index > 0 {
			n++
		}
	}
	return n
}

// TestChangeHandLattice decodes a lattice of two typed tokens, each first state the typed word (a rare word:
// transitions into it cost 12), with a correction of each token and a merge of both:
//
//	identity (0,0)(1,0)      −24
//	both corrected (0,1)(1,1) −13 + 2·Change
//	merge (0,2)               −9  + Change
//	one corrected             −18 + Change, −19 + Change
func TestChangeHandLattice(t *testing.T) {
	const typed, start = 3, 4
	tr := &table{n: 4, lp: make([]float64, 5*4), unk: -20}
	for prev := range 5 {
		for next := range 4 {
			tr.lp[prev*4+next] = -5
			if next == typed {
				tr.lp[prev*4+next] = -12
			}
		}
	}
	l := lattice{
		{
			{End: 1, First: typed, Last: typed},
			{End: 1, First: 0, Last: 0, Emission: -2},
			{End: 2, First: 1, Last: 2, Emission: -3, Inner: -1}, // a merge: one state, one change
		},
		{
			{End: 2, First: typed, Last: typed},
			{End: 2, First: 2, Last: 2, Emission: -1},
		},
	}
	identity := []viterbi.Step{{0, 0}, {1, 0}}
	merge := []viterbi.Step{{0, 2}}
	both := []viterbi.Step{{0, 1}, {1, 1}}
	tests := []struct {
		change float64
		want   []viterbi.Step
		score  float64
	}{
		{0, merge, -9},
		{-3, merge, -12},
		{-14, merge, -23},
		{-16, identity, -24}, // the merge at −25 pays the change once, and loses
		{-1e9, identity, -24},
		{5, both, -3}, // paid per changed state: two changes beat the merge's one (−4)
	}
	for _, tt := range tests {
		o := viterbi.Options{NBest: 10, Start: start, Change: tt.change}
		paths := viterbi.Decode(l, tr, o)
		if len(paths) != 5 {
			t.Fatalf("Change %v: %d paths, want the 5 of the lattice", tt.change, len(paths))
		}
		if !slices.Equal(paths[0].Steps, tt.want) || math.Abs(paths[0].Score-tt.score) > 1e-9 {
			t.Errorf("Change %v: best path %v (%.3f), want %v (%.3f)", tt.change, paths[0].Steps, paths[0].Score,
				tt.want, tt.score)
		}
		for _, p := range paths {
			base := viterbi.Score(l, tr, viterbi.Options{Start: start}, p.Steps)
			want := base + float64(changes(p.Steps))*tt.change
			if got := viterbi.Score(l, tr, o, p.Steps); math.Abs(got-want) > 1e-9*max(1, math.Abs(want)) ||
				math.Abs(p.Score-want) > 1e-9*max(1, math.Abs(want)) {
				t.Errorf("Change %v: path %v: Decode score %.6f, Score %.6f, want %.6f (%d changes)", tt.change,
					p.Steps, p.Score, got, want, changes(p.Steps))
			}
		}
	}
}

// TestChangeMatchesEnumeration: on random lattices, Decode with a change prior returns the best paths of the
// enumeration with Change added once per non-first state, and Score agrees with both.
func TestChangeMatchesEnumeration(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	for range 200 {
		l, tr := randomModel(r, 6, 5)
		all := enumerate(l, tr, viterbi.Options{Start: tr.n})
		for _, change := range []float64{0, -0.7, -3, -50, 2} {
			o := viterbi.Options{Start: tr.n, Change: change, NBest: 4}
			want := make([]viterbi.Path, len(all))
			for i, p := range all {
				want[i] = viterbi.Path{Score: p.Score + float64(changes(p.Steps))*change, Steps: p.Steps}
				if s := viterbi.Score(l, tr, o, p.Steps); math.Abs(s-want[i].Score) > 1e-9 {
					t.Fatalf("lattice %v, Change %v: Score(%v) = %.9f, want %.9f", l, change, p.Steps, s, want[i].Score)
				}
			}
			slices.SortStableFunc(want, func(a, b viterbi.Path) int { return cmp.Compare(b.Score, a.Score) })
			got := viterbi.Decode(l, tr, o)
			if len(got) != min(o.NBest, len(want)) {
				t.Fatalf("lattice %v, Change %v: %d paths, want %d", l, change, len(got), min(o.NBest, len(want)))
			}
			for i, p := range got {
				if math.Abs(p.Score-want[i].Score) > 1e-9 {
					t.Fatalf("lattice %v, Change %v: path %d score %.9f, want %.9f\ngot  %v\nwant %v", l, change, i,
						p.Score, want[i].Score, got, want[:len(got)])
				}
				if s := viterbi.Score(l, tr, o, p.Steps); math.Abs(s-p.Score) > 1e-9 {
					t.Fatalf("lattice %v, Change %v: Decode scored %v %.9f, Score %.9f", l, change, p.Steps, p.Score, s)
				}
			}
		}
	}
}

// TestChangeIdentityWins: with a very negative Change the path of every position's first state wins, whenever
// it exists (each first state spans one position).
func TestChangeIdentityWins(t *testing.T) {
	r := rand.New(rand.NewPCG(13, 14))
	tested := 0
	for range 300 {
		l, tr := randomModel(r, 6, 5)
		identity := make([]viterbi.Step, l.Len())
		ok := true
		for pos := range l {
			identity[pos] = viterbi.Step{Pos: pos, Index: 0}
			if len(l[pos]) == 0 || l[pos][0].End != pos+1 {
				ok = false
			}
		}
		if !ok {
			continue
		}
		tested++
		paths := viterbi.Decode(l, tr, viterbi.Options{Start: tr.n, Change: -1e6, NBest: 2})
		if len(paths) == 0 || !slices.Equal(paths[0].Steps, identity) {
			t.Fatalf("lattice %v: best path %v, want the identity %v", l, paths, identity)
		}
		if s := viterbi.Score(l, tr, viterbi.Options{Start: tr.n}, identity); math.Abs(paths[0].Score-s) > 1e-9 {
			t.Fatalf("lattice %v: identity scored %v with the change prior, %v without: it has no change",
				l, paths[0].Score, s)
		}
		if len(paths) > 1 && paths[1].Score > -1e6+1 {
			t.Fatalf("lattice %v: second path %v scored %v, want it to pay the change", l, paths[1].Steps, paths[1].Score)
		}
	}
	if tested < 50 {
		t.Fatalf("only %d lattices had an identity path", tested)
	}
}
