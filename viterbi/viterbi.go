// Package viterbi finds the most probable corrections of a query: an exact n-best Viterbi search over a lattice
// of candidate states, scored by a first-order model
//
//	score = Σ [ log P_trans(first word of state | last word of the previous state) + Inner + λ · Emission ]
//	        + Change · (states that are not the first of their position)
//
// A state starts at a typed position and may span several typed tokens (a merge) or hold several words (a
// split), so one decoder handles every kind of correction. The package declares what it consumes (Lattice,
// Transition) and imports none of their providers.
//
//	paths := viterbi.Decode(lattice, lm, viterbi.Options{Lambda: 1, NBest: 3, Start: start})
//	best := paths[0] // best.Score, best.Steps
package viterbi

import (
	"math"
	"slices"
	"sync"
)

// State is one hypothesis in the lattice.
type State struct {
	End      int     // typed position just after the state: start+1 for one token, start+2 for a merge of two
	First    uint32  // word the transition into the state is conditioned on
	Last     uint32  // word the transition out of the state is conditioned on
	Emission float64 // log P(typed tokens | state words), multiplied by Options.Lambda in the score
	Inner    float64 // log probability of the state's words after First (e.g. P(girl|flower) for "flower girl")
}

// Lattice is the search space: the states that start at each typed position 0..Len()-1.
type Lattice interface {
	Len() int
	States(pos int) []State
}

// Transition scores a word after another.
type Transition interface {
	LogProb(prev, next uint32) float64
}

// Options configure Decode. The zero value decodes the single best path with λ = 1 and Start = 0.
type Options struct {
	Lambda float64 // emission exponent λ (0 means 1)
	NBest  int     // number of paths returned (0 means 1)
	Start  uint32  // the context word before the first state
	// Change is added to the score of every state but the first of each position, which by the convention of
	// the lattices decoded here is the typed token as it is: the log prior of changing what was typed.
	Change float64
}

func (o Options) lambda() float64 {
	if o.Lambda == 0 {
		return 1
	}
	return o.Lambda
}

// Step names a state of a path: the Index-th state starting at typed position Pos.
type Step struct {
	Pos, Index int
}

// Path is one decoded sequence of states covering every typed position.
type Path struct {
	Score float64
	Steps []Step
}

type hyp struct {
	score float64
	pos   int32
	idx   int32
	back  int32 // index of the previous hyp, -1 at the start
}

type group struct {
	last     uint32
	from, to int32 // hyps[from:to], best first
}

type scratch struct {
	hyps []hyp
	ends [][]group
	top  []hyp
}

var pool = sync.Pool{New: func() any { return new(scratch) }}

// Decode returns up to NBest paths through the lattice, best first, with their exact scores (list Viterbi:
// each state keeps its NBest best partial paths). A position without states makes the lattice impassable
// and Decode returns nil. Cost: O(Σ_p states(p) · states ending at p · NBest) transition look-ups.
func Decode(l Lattice, t Transition, o Options) []Path {
	n := l.Len()
	nbest := max(o.NBest, 1)
	lambda := o.lambda()
	s := pool.Get().(*scratch)
	defer pool.Put(s)
	s.hyps = append(s.hyps[:0], hyp{score: 0, pos: -1, idx: -1, back: -1})
	if cap(s.ends) < n+1 {
		s.ends = make([][]group, n+1)
	}
	s.ends = s.ends[:n+1]
	for i := range s.ends {
		s.ends[i] = s.ends[i][:0]
	}
	s.ends[0] = append(s.ends[0], group{last: o.Start, from: 0, to: 1})
	for p := 0; p < n; p++ {
		if len(s.ends[p]) == 0 {
			continue
		}
		for i, st := range l.States(p) {
			if st.End <= p || st.End > n {
				continue
			}
			base := st.Inner + lambda*st.Emission
			if i > 0 {
				base += o.Change
			}
			s.top = s.top[:0]
			for _, g := range s.ends[p] {
				tr := t.LogProb(g.last, st.First)
				for h := g.from; h < g.to; h++ {
					sc := s.hyps[h].score + tr + base
					if len(s.top) == nbest && sc <= s.top[nbest-1].score {
						break // the group's hyps are sorted: none further can enter
					}
					s.top = insert(s.top, hyp{score: sc, pos: int32(p), idx: int32(i), back: h}, nbest)
				}
			}
			if len(s.top) == 0 {
				continue
			}
			from := int32(len(s.hyps))
			s.hyps = append(s.hyps, s.top...)
			s.ends[st.End] = append(s.ends[st.End], group{last: st.Last, from: from, to: int32(len(s.hyps))})
		}
	}
	s.top = s.top[:0]
	for _, g := range s.ends[n] {
		for h := g.from; h < g.to; h++ {
			if len(s.top) == nbest && s.hyps[h].score <= s.top[nbest-1].score {
				break
			}
			x := s.hyps[h]
			x.back = h // the final hyp itself
			s.top = insert(s.top, x, nbest)
		}
	}
	if n == 0 {
		return []Path{{Score: 0}}
	}
	if len(s.top) == 0 {
		return nil
	}
	// The paths' steps share one allocation: a path has at most one step per position.
	all := make([]Step, 0, len(s.top)*n)
	paths := make([]Path, 0, len(s.top))
	for _, h := range s.top {
		from := len(all)
		for b := h.back; b > 0; b = s.hyps[b].back {
			all = append(all, Step{Pos: int(s.hyps[b].pos), Index: int(s.hyps[b].idx)})
		}
		steps := all[from:len(all):len(all)] // capped: an append to it cannot write over the next path's
		slices.Reverse(steps)
		paths = append(paths, Path{Score: h.score, Steps: steps})
	}
	return paths
}

// insert adds h to top (sorted best first, at most k long).
func insert(top []hyp, h hyp, k int) []hyp {
	i := len(top)
	for i > 0 && top[i-1].score < h.score {
		i--
	}
	if i >= k {
		return top
	}
	if len(top) < k {
		top = append(top, hyp{})
	}
	copy(top[i+1:], top[i:len(top)-1])
	top[i] = h
	return top
}

// Score returns the score of the given path under the same model as Decode, or -Inf if the steps do not
// chain from position 0 to Len().
func Score(l Lattice, t Transition, o Options, steps []Step) float64 {
	lambda := o.lambda()
	prev, pos, score := o.Start, 0, 0.0
	for _, s := range steps {
		if s.Pos != pos || pos >= l.Len() {
			return math.Inf(-1)
		}
		states := l.States(s.Pos)
		if s.Index < 0 || s.Index >= len(states) {
			return math.Inf(-1)
		}
		st := states[s.Index]
		score += t.LogProb(prev, st.First) + st.Inner + lambda*st.Emission
		if s.Index > 0 {
			score += o.Change
		}
		prev, pos = st.Last, st.End
	}
	if pos != l.Len() {
		return math.Inf(-1)
	}
	return score
}
