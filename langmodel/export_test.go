package langmodel

import "github.com/spellwright/speller/internal/hashmix"

// Exports for the tests of package langmodel_test.

// BigramCount is bigram: the count of the bigram (prev, w), 0 when it was not kept.
func (m *Model) BigramCount(prev, w uint32) float64 { return m.bigram(prev, w) }

// Kept returns the bigrams kept, as (prev, w, count).
func (m *Model) Kept() [][3]float64 {
	out := make([][3]float64, len(m.biKeys))
	for i, k := range m.biKeys {
		out[i] = [3]float64{float64(k >> 32), float64(uint32(k)), float64(m.biVals[i])}
	}
	return out
}

// PassesFilter reports whether the bigram filter lets the key (prev, w) through to the table.
func (m *Model) PassesFilter(prev, w uint32) bool {
	b := m.seenBit(w, hashmix.Mix(pairKey(prev, w)))
	return m.biSeen[b/64]&(1<<(b%64)) != 0
}
