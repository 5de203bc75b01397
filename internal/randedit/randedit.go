// Package randedit makes random typing errors for tests: substitutions, insertions, deletions and
// transpositions of adjacent runes.
package randedit

import (
	"math/rand/v2"
	"slices"
)

// Apply returns a copy of w with n random edits, each a substitution, an insertion (of a rune of letters), a
// deletion or a transposition, chosen with equal chances; an edit the word is too short for (a deletion of
// nothing, a transposition in a word of one rune) is skipped.
func Apply(r *rand.Rand, w, letters []rune, n int) []rune {
	w = slices.Clone(w)
	for range n {
		switch op := r.IntN(4); {
		case op == 0 && len(w) > 0:
			w[r.IntN(len(w))] = letters[r.IntN(len(letters))]
		case op == 1:
			w = slices.Insert(w, r.IntN(len(w)+1), letters[r.IntN(len(letters))])
		case op == 2 && len(w) > 0:
			i := r.IntN(len(w))
			w = slices.Delete(w, i, i+1)
		case op == 3 && len(w) > 1:
			i := r.IntN(len(w) - 1)
			w[i], w[i+1] = w[i+1], w[i]
		}
	}
	return w
}
