// Package charlm is a character trigram model of the words of a vocabulary: how plausible a string is as a
// word of the language, from its letters. The speller uses it as the shape of its unknown-word probability:
// a rare name or brand ("restoril", "makah") reads like a word and keeps the probability of an unknown word;
// a string no word resembles ("jellqy", "memczched") gets less, so that the correction explaining it wins.
//
//	m := charlm.New(words)              // the vocabulary, each word once
//	z := m.Surprise("jellqy")           // nats below an ordinary word of that length: negative, large
//
// Probabilities are interpolated trigrams with Witten–Bell smoothing over the word types (each word counts
// once, so frequent words do not weigh more than rare ones: an unknown word is rare), with a start and an
// end symbol, so that the model also knows how words begin and end.
package charlm

import (
	"math"
)

// Model is a character trigram model. It is immutable and safe for concurrent use.
type Model struct {
	uni   map[rune]float64    // c(x)
	bi    map[[2]rune]float64 // c(xy)
	tri   map[[3]rune]float64 // c(xyz)
	biCtx map[rune]ctx        // continuations of x
	trCtx map[[2]rune]ctx     // continuations of xy
	total float64
	types float64 // distinct symbols
	// mean is the mean log probability of a symbol (characters and the end) over the vocabulary.
	mean float64
}

// ctx counts the tokens and distinct symbols seen after a context.
type ctx struct{ n, distinct float64 }

const (
	begin rune = -1 // before the first character
	end   rune = -2 // after the last
)

// New builds the model from the words (each counted once; duplicates count again). It costs about
// 1 µs per word.
func New(words []string) *Model {
	m := &Model{uni: map[rune]float64{}, bi: map[[2]rune]float64{}, tri: map[[3]rune]float64{},
		biCtx: map[rune]ctx{}, trCtx: map[[2]rune]ctx{}}
	var rs []rune
	for _, w := range words {
		rs = symbols(rs[:0], w)
		for i := 2; i < len(rs); i++ {
			a, b, c := rs[i-2], rs[i-1], rs[i]
			m.uni[c]++
			m.total++
			if m.bi[[2]rune{b, c}]++; m.bi[[2]rune{b, c}] == 1 {
				x := m.biCtx[b]
				x.distinct++
				m.biCtx[b] = x
			}
			x := m.biCtx[b]
			x.n++
			m.biCtx[b] = x
			if m.tri[[3]rune{a, b, c}]++; m.tri[[3]rune{a, b, c}] == 1 {
				y := m.trCtx[[2]rune{a, b}]
				y.distinct++
				m.trCtx[[2]rune{a, b}] = y
			}
			y := m.trCtx[[2]rune{a, b}]
			y.n++
			m.trCtx[[2]rune{a, b}] = y
		}
	}
	m.types = float64(len(m.uni))
	var sum, n float64
	for _, w := range words {
		lp, k := m.logProb(w)
		sum += lp
		n += float64(k)
	}
	if n > 0 {
		m.mean = sum / n
	}
	return m
}

// symbols appends begin, begin, the runes of w and end to dst.
func symbols(dst []rune, w string) []rune {
	dst = append(dst, begin, begin)
	for _, r := range w {
		dst = append(dst, r)
	}
	return append(dst, end)
}

// LogProb returns log P(w) under the model, the end of the word included.
func (m *Model) LogProb(w string) float64 {
	lp, _ := m.logProb(w)
	return lp
}

// logProb returns log P(w) and the number of symbols scored (runes + 1).
func (m *Model) logProb(w string) (float64, int) {
	a, b := begin, begin
	lp := 0.0
	n := 0
	step := func(c rune) {
		lp += math.Log(m.prob(a, b, c))
		a, b = b, c
		n++
	}
	for _, r := range w {
		step(r)
	}
	step(end)
	return lp, n
}

// prob is the Witten–Bell interpolated trigram probability of c after ab.
func (m *Model) prob(a, b, c rune) float64 {
	// Unigram, with add-one smoothing over the symbols seen and one more for any unseen rune.
	p := (m.uni[c] + 1) / (m.total + m.types + 1)
	if x, ok := m.biCtx[b]; ok {
		p = (m.bi[[2]rune{b, c}] + x.distinct*p) / (x.n + x.distinct)
	}
	if y, ok := m.trCtx[[2]rune{a, b}]; ok {
		p = (m.tri[[3]rune{a, b, c}] + y.distinct*p) / (y.n + y.distinct)
	}
	return p
}

// Surprise returns how much less probable w is than an ordinary word of the vocabulary of its length, in
// nats: log P(w) − (runes+1)·mean, where mean is the vocabulary's mean log probability per symbol. It is
// about 0 for a string that reads like the vocabulary's words, negative for one that does not, and does not
// depend on the length otherwise.
func (m *Model) Surprise(w string) float64 {
	lp, n := m.logProb(w)
	return lp - float64(n)*m.mean
}

// Len returns the number of distinct characters the model knows.
func (m *Model) Len() int { return len(m.uni) - 1 } // less the end symbol
