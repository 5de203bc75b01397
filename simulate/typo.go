package simulate

import (
	"math/rand/v2"
	"unicode/utf8"
)

// qwerty lists the keys next to each letter on a QWERTY keyboard (same row and the rows
// above and below).
var qwerty = map[rune]string{
	'q': "was", 'w': "qeasd", 'e': "wrsdf", 'r': "etdfg", 't': "ryfgh",
	'y': "tughj", 'u': "yihjk", 'i': "uojkl", 'o': "ipkl", 'p': "ol",
	'a': "qwszx", 's': "qweadzxc", 'd': "wersfxcv", 'f': "ertdgcvb", 'g': "rtyfhvbn",
	'h': "tyugjbnm", 'j': "yuihknm", 'k': "uiojlm", 'l': "iopk",
	'z': "asx", 'x': "zsdca", 'c': "xdfvs", 'v': "cfgbd", 'b': "vghnf",
	'n': "bhjmg", 'm': "njkh",
}

// neighbour returns a random key next to r, or false when r is not a letter of the
// table.
func neighbour(rng *rand.Rand, r rune) (rune, bool) {
	n, ok := qwerty[r]
	if !ok {
		return 0, false
	}
	return rune(n[rng.IntN(len(n))]), true
}

// The share of the typing errors that land on any key rather than a neighbour: the
// substitutions drawn below farSub (a third of them) and the insertions drawn in [0.70,
// farIns) (three in ten). Any key means any letter, a neighbour or the letter itself
// included (the latter is drawn again). The error model's far-key slip prior
// (errormodel.Options.Far) has the same kinds of slips, at shares of its own (a quarter
// of its substitution slips, a third of its inserted keys): the tuner, not this table,
// weighs one against the other.
const (
	farSub = 0.10
	farIns = 0.73
)

// anyKey returns a random letter a–z.
func anyKey(rng *rand.Rand) rune { return rune('a' + rng.IntN(26)) }

// MinTypoLen is the shortest word (in characters) that Typo changes.
const MinTypoLen = 3

// Typo returns word with one typing error, sometimes two: a substitution (by a
// keyboard neighbour, or a third of the time by any letter), a deletion, a doubled
// letter, an inserted key (a neighbour, or three times in ten any letter) or two
// adjacent letters swapped. The result is never empty and never equal to word, except
// that words shorter than MinTypoLen characters are returned unchanged.
func Typo(rng *rand.Rand, word string) string {
	if utf8.RuneCountInString(word) < MinTypoLen {
		return word
	}
	orig := []rune(word)
	for range 10 {
		w := edit(rng, append([]rune(nil), orig...))
		if rng.Float64() < 0.15 {
			w = edit(rng, w)
		}
		if len(w) > 0 && string(w) != word {
			return string(w)
		}
	}
	// Deleting a character always changes a word and leaves at least two.
	i := pos(rng, len(orig))
	return string(append(orig[:i:i], orig[i+1:]...))
}

// pos draws an edit position, the first letter being less likely (people rarely get
// it wrong).
func pos(rng *rand.Rand, n int) int {
	i := rng.IntN(n)
	if i == 0 && n > 1 && rng.Float64() < 0.7 {
		i = 1 + rng.IntN(n-1)
	}
	return i
}

// edit applies one random edit to w (which it may modify).
func edit(rng *rand.Rand, w []rune) []rune {
	n := len(w)
	if n < 2 {
		return w
	}
	i := pos(rng, n)
	switch x := rng.Float64(); {
	case x < farSub: // substitution by any letter (a far key, most often)
		if _, ok := qwerty[w[i]]; ok {
			w[i] = anyKey(rng)
			return w
		}
		fallthrough
	case x < 0.30: // substitution by a neighbouring key
		if r, ok := neighbour(rng, w[i]); ok {
			w[i] = r
			return w
		}
		fallthrough
	case x < 0.55: // deletion
		return append(w[:i], w[i+1:]...)
	case x < 0.70: // doubled letter
		return append(w[:i+1], w[i:]...)
	case x < 0.80: // insertion of a key next to w[i] (or, less often, of any letter), before or after it
		r, ok := neighbour(rng, w[i])
		if ok && x < farIns {
			r = anyKey(rng)
		}
		if !ok {
			return append(w[:i+1], w[i:]...)
		}
		if rng.IntN(2) == 0 {
			i++
		}
		w = append(w, 0)
		copy(w[i+1:], w[i:])
		w[i] = r
		return w
	default: // transposition of w[i] and w[i+1]
		if i == n-1 {
			i--
		}
		w[i], w[i+1] = w[i+1], w[i]
		return w
	}
}
