package errormodel

import (
	"math"
	"unicode/utf8"
)

// Typing slips. The edit counts are learned from misspellings, most of them a poor speller's (Birkbeck) or a
// programmer's (codespell): they know which letters people confuse, and little of the slips of fingers on a
// keyboard, the most common error of a search box. An edit no pair showed costs about as much as any other
// (9 nats or more), so "depksit" (o→k, neighbours on the keyboard), "joininfg" or "edy" (a doubled letter
// typed once) keep their typo.
//
// Options.Slip mixes a prior of typing slips into every probability: P(e|c) = P_learned(e|c) + Slip·P_slip(e|c),
// capped below 1, where P_slip is, per occurrence of the context, the probability of
//
//	substituting a key's neighbour on a QWERTY keyboard   slipSub / neighbours of the key
//	typing a key twice, or a neighbour after it           slipDouble, slipNeighbour / neighbours
//	leaving out a letter (a doubled one more often)       slipDel, slipDelDouble
//	swapping two adjacent letters                         slipTrans
//	substituting, or typing in, a key far from the one meant   Far·slipSubFar, Far·slipInsFar / letters
//
// The rates are of the same kind as the learned ones, given that the word was mistyped: a slip in a word of
// seven letters falls on a given letter one time in seven, and is one of five kinds. The first letter
// dropped counts slipStart as much (and nothing is a slip typed before the first letter): the first letter of a word is the one people get wrong
// least (Pollock & Zamora, 1983: about 7% of misspellings, half the share of an average position).
//
// Not every slip lands next to the intended key: a finger misplaced on the row, a thumb on a phone's keyboard,
// a letter of another word typed in. Without a prior for them, a letter substituted or inserted far from its
// neighbours costs what an edit no pair showed costs (17 nats for "parjanoid"), and such a query keeps its
// typo. The far-key slips get a third of the neighbours' share for substitutions and half of it for
// insertions, spread over the 26 letters (a far key is 7 to 16 times less likely than a given neighbour);
// Options.Far weighs them (0 in models made before them, so their answers do not change).
const (
	slipSub       = 0.03
	slipDouble    = 0.01
	slipNeighbour = 0.01
	slipDel       = 0.01
	slipDelDouble = 0.03
	slipTrans     = 0.01
	slipStart     = 0.5
	slipSubFar    = 0.01
	slipInsFar    = 0.005
	// letters is the number of keys a far-key slip may land on: the letters a–z.
	letters = 26
)

// keyboard holds the QWERTY rows, each shifted right from the one above as on a real keyboard.
var keyboard = [...]struct {
	keys   string
	offset float64
}{{"1234567890", 0}, {"qwertyuiop", 0.5}, {"asdfghjkl", 0.75}, {"zxcvbnm", 1.25}}

// neighbours maps a key to the keys next to it (left, right, and the two touching it above and below).
var neighbours = func() map[rune][]rune {
	type pos struct{ x, y float64 }
	at := make(map[rune]pos)
	for row, r := range keyboard {
		for i, k := range r.keys {
			at[k] = pos{float64(i) + r.offset, float64(row)}
		}
	}
	out := make(map[rune][]rune)
	for a, pa := range at {
		for b, pb := range at {
			if a != b && math.Hypot(pa.x-pb.x, pa.y-pb.y) < 1.3 {
				out[a] = append(out[a], b)
			}
		}
	}
	return out
}()

// isLetter reports whether r is one of the keys a far-key slip lands on, a–z.
func isLetter(r rune) bool { return r >= 'a' && r <= 'z' }

func adjacent(x, y rune) bool {
	for _, n := range neighbours[x] {
		if n == y {
			return true
		}
	}
	return false
}

// slip returns P_slip of one edit (see above): for Sub, x typed as y; for Ins, y typed after x; for Del, y
// left out after x; for Trans, xy typed yx. far weighs the far-key slips (Options.Far).
func slip(kind OpKind, x, y rune, far float64) float64 {
	if x == Space || y == Space {
		return 0 // space edits have their own prior (SpaceLogProb)
	}
	if x == utf8.MaxRune || y == utf8.MaxRune {
		return 0 // a character outside the model's alphabet (see buildTables): not a key we know
	}
	switch kind {
	case Sub:
		if adjacent(x, y) {
			return slipSub / float64(len(neighbours[x]))
		}
		if isLetter(x) && isLetter(y) {
			return far * slipSubFar / letters
		}
	case Ins:
		if x == y {
			return slipDouble
		}
		if adjacent(x, y) {
			return slipNeighbour / float64(len(neighbours[x]))
		}
		if isLetter(x) && isLetter(y) {
			return far * slipInsFar / letters
		}
	case Del:
		if x == y {
			return slipDelDouble
		}
		if x == Start {
			return slipStart * slipDel
		}
		return slipDel
	case Trans:
		return slipTrans
	}
	return 0
}
