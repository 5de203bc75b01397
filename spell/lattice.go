package spell

// The lattice of a query: the states (readings of typed tokens) at each position, their words and space
// edits, re-priced for other hyperparameters without being built again; and the transition scores.

import (
	"math"
	"slices"

	"github.com/spellwright/speller/errormodel"
	"github.com/spellwright/speller/langmodel"
	"github.com/spellwright/speller/model"
	"github.com/spellwright/speller/tokenize"
	"github.com/spellwright/speller/viterbi"
)

// word is one output word of a state.
type word struct {
	text string
	id   uint32 // langmodel id or langmodel.Unknown
}

// arena holds the outputs of the states of one query's lattice in one reused slice, so that a state's words
// cost no allocation. What it returns is valid until reset, which the next query on the same scratch does: a
// lattice kept longer (a cached column: cachedColumn) copies its words out.
type arena struct{ ws []word }

// hold returns ws as a slice of the arena (capped, so that an append to it cannot write over the next).
func (a *arena) hold(ws ...word) []word {
	n := len(a.ws)
	a.ws = append(a.ws, ws...)
	return a.ws[n:len(a.ws):len(a.ws)]
}

// mark returns where the next word held will be, for since.
func (a *arena) mark() int { return len(a.ws) }

// since returns the words held from mark on, as one slice (capped like hold's).
func (a *arena) since(mark int) []word { return a.ws[mark:len(a.ws):len(a.ws)] }

// reset forgets the words of the previous query.
func (a *arena) reset() { a.ws = a.ws[:0] }

// lattice holds the states of one query; it implements viterbi.Lattice. State 0 of every position is the
// token as typed.
type lattice struct {
	states [][]viterbi.State
	words  [][][]word // words[pos][i]: the output of states[pos][i]
	// spaced are the states whose emission includes space edits, priced at space, so that a decision under
	// another log_p_space can price them again (see priced).
	spaced []spaced
	space  spaceCosts
	// surprise[pos] and length[pos] are the terms of the typed token at pos as an unknown word
	// (Corrector.unknownTerms), weighed by shape (unk_shape) and unkLen (unk_length) in the Inner score of
	// its state, so that a decision under other values can weigh them
	// again (see reshaped).
	surprise, length []float64
	shape, unkLen    float64
}

// spaced is a state with space edits.
type spaced struct {
	pos, idx int
	edits    spaceEdits
}

func (l *lattice) Len() int                       { return len(l.states) }
func (l *lattice) States(pos int) []viterbi.State { return l.states[pos] }

// add appends a state and its words at pos.
func (l *lattice) add(pos int, st viterbi.State, ws []word, edits spaceEdits) {
	if edits != (spaceEdits{}) {
		l.spaced = append(l.spaced, spaced{pos, len(l.states[pos]), edits})
	}
	l.states[pos] = append(l.states[pos], st)
	l.words[pos] = append(l.words[pos], ws)
}

// priced returns the lattice with its space edits priced at costs: l itself when they already are, else a
// copy of l with new slices for the positions that change (l is shared by concurrent Decide calls).
func (l *lattice) priced(costs spaceCosts) *lattice {
	if costs == l.space || len(l.spaced) == 0 {
		return l
	}
	out := *l
	out.states = slices.Clone(l.states)
	copied := make([]bool, len(l.states))
	for _, sp := range l.spaced {
		if !copied[sp.pos] {
			out.states[sp.pos] = slices.Clone(l.states[sp.pos])
			copied[sp.pos] = true
		}
		out.states[sp.pos][sp.idx].Emission += costs.of(sp.edits) - l.space.of(sp.edits)
	}
	out.space = costs
	return &out
}

// reshaped returns the lattice with the surprise of its unknown typed tokens weighed by shape and their
// length terms by unkLen: l itself when they already are, else a copy of l with new slices for the positions
// that change.
func (l *lattice) reshaped(shape, unkLen float64) *lattice {
	if shape == l.shape && unkLen == l.unkLen {
		return l
	}
	out := *l
	out.states = slices.Clone(l.states)
	for pos, z := range l.surprise {
		if d := (shape-l.shape)*z + (unkLen-l.unkLen)*l.length[pos]; d != 0 {
			out.states[pos] = slices.Clone(l.states[pos])
			out.states[pos][0].Inner += d
		}
	}
	out.shape, out.unkLen = shape, unkLen
	return &out
}

// filtered returns the lattice without the states a request's terms forbid (see terms): those that change a
// protected token or produce a never-suggest word. The states of a position keep their order, the typed
// token first.
func (l *lattice) filtered(toks []tokenize.Token, tm *terms) *lattice {
	out := &lattice{states: make([][]viterbi.State, len(l.states)), words: make([][][]word, len(l.states)),
		space: l.space, surprise: l.surprise, length: l.length, shape: l.shape, unkLen: l.unkLen}
	edits := make(map[[2]int]spaceEdits, len(l.spaced))
	for _, sp := range l.spaced {
		edits[[2]int{sp.pos, sp.idx}] = sp.edits
	}
	forbidden := func(pos, i int) bool {
		for k := pos; k < l.states[pos][i].End; k++ {
			if tm.isProtected(toks[k].Text) {
				return true
			}
		}
		return slices.ContainsFunc(l.words[pos][i], func(w word) bool { return tm.isNever(w.id) })
	}
	for pos, states := range l.states {
		for i, st := range states {
			if i == 0 || !forbidden(pos, i) {
				out.add(pos, st, l.words[pos][i], edits[[2]int{pos, i}])
			}
		}
	}
	return out
}

// spaceCosts are the log probabilities of the space edits (errormodel.SpaceLogProb) under the log_p_space
// prior.
type spaceCosts struct{ prior, ins, del, trans float64 }

func newSpaceCosts(b *model.Bundle, p model.Params) spaceCosts {
	prior := math.Exp(p.LogPSpace)
	em := b.Errors
	return spaceCosts{p.LogPSpace, em.SpaceLogProb(errormodel.Ins, prior), em.SpaceLogProb(errormodel.Del, prior),
		em.SpaceLogProb(errormodel.Trans, prior)}
}

// spaceEdits counts the space edits of a state: spaces typed inside a word (a merge), spaces left out (a
// split: one per token, however many words it holds; see MODEL.md) and spaces moved by one character.
type spaceEdits struct{ ins, del, trans int8 }

func (c spaceCosts) of(e spaceEdits) float64 {
	return float64(e.ins)*c.ins + float64(e.del)*c.del + float64(e.trans)*c.trans
}

// transition is the language model with P_unk for unknown words and the backoff floor of the parameters.
type transition struct {
	lm      *langmodel.Model
	logPUnk float64
	backoff langmodel.Backoff
}

func (t transition) LogProb(prev, next uint32) float64 {
	if next == langmodel.Unknown {
		return t.logPUnk
	}
	return t.lm.LogProbFloor(prev, next, t.backoff)
}
