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
// end symbol, so that the model also knows how words begin and end. The model keeps the most frequent
// characters of the words (MaxSymbols, all the letters of a language) as dense classes, every other
// character as one, and stores the log probability of every trigram of classes in one table: building it
// takes about 20 ms for 100,000 words, scoring a word one table look-up per character, without allocation.
package charlm

import (
	"math"

	"github.com/spellwright/speller/internal/alphabet"
)

// MaxSymbols bounds the classes of the model: the begin and end symbols, any other character, and the most
// frequent characters of the words.
const MaxSymbols = 64

const (
	classBegin = iota // before the first character
	classEnd          // after the last
	classOther        // a character outside the alphabet
	firstClass
)

// Model is a character trigram model. It is immutable and safe for concurrent use.
type Model struct {
	classes *alphabet.Classes
	n       int       // classes
	lp      []float32 // log P(c | a b) at (a·n + b)·n + c
	mean    float64   // the vocabulary's mean log probability per symbol (characters and the end)
}

// New builds the model from the words (each counted once; duplicates count again).
func New(words []string) *Model {
	m := &Model{}
	m.alphabet(words)
	n := m.n
	uni := make([]float64, n)
	bi := make([]float64, n*n)
	tri := make([]float64, n*n*n)
	var cls []uint8
	for _, w := range words {
		cls = m.symbols(cls[:0], w)
		for i := 2; i < len(cls); i++ {
			a, b, c := int(cls[i-2]), int(cls[i-1]), int(cls[i])
			uni[c]++
			bi[b*n+c]++
			tri[(a*n+b)*n+c]++
		}
	}
	// Witten–Bell: P(c|ctx) = (c(ctx c) + T(ctx)·P_lower(c)) / (c(ctx) + T(ctx)), T the distinct continuations.
	var total float64
	for _, v := range uni {
		total += v
	}
	p1 := make([]float64, n)
	for c := range n {
		p1[c] = (uni[c] + 1) / (total + float64(n)) // add one: every class has some probability
	}
	p2 := make([]float64, n*n)
	for b := range n {
		row := bi[b*n : (b+1)*n]
		cnt, distinct := stats(row)
		for c := range n {
			p2[b*n+c] = wittenBell(row[c], cnt, distinct, p1[c])
		}
	}
	m.lp = make([]float32, n*n*n)
	for ab := range n * n {
		row := tri[ab*n : (ab+1)*n]
		cnt, distinct := stats(row)
		b := ab % n
		for c := range n {
			m.lp[ab*n+c] = float32(math.Log(wittenBell(row[c], cnt, distinct, p2[b*n+c])))
		}
	}
	var sum, k float64
	for _, w := range words {
		lp, s := m.logProb(w)
		sum += lp
		k += float64(s)
	}
	if k > 0 {
		m.mean = sum / k
	}
	return m
}

// alphabet picks the most frequent characters of the words as classes.
func (m *Model) alphabet(words []string) {
	freq := map[rune]float64{}
	for _, w := range words {
		for _, r := range w {
			freq[r]++
		}
	}
	m.classes = alphabet.New(freq, firstClass, MaxSymbols, classOther)
	m.n = m.classes.Len()
}

func (m *Model) class(r rune) uint8 { return m.classes.Of(r) }

// symbols appends the classes of begin, begin, the runes of w and end to dst.
func (m *Model) symbols(dst []uint8, w string) []uint8 {
	dst = append(dst, classBegin, classBegin)
	for _, r := range w {
		dst = append(dst, m.class(r))
	}
	return append(dst, classEnd)
}

// stats returns the total and the number of non-zero counts of row.
func stats(row []float64) (total, distinct float64) {
	for _, v := range row {
		if v > 0 {
			total += v
			distinct++
		}
	}
	return total, distinct
}

func wittenBell(count, total, distinct, lower float64) float64 {
	if total == 0 {
		return lower
	}
	return (count + distinct*lower) / (total + distinct)
}

// LogProb returns log P(w) under the model, the end of the word included.
func (m *Model) LogProb(w string) float64 {
	lp, _ := m.logProb(w)
	return lp
}

// logProb returns log P(w) and the number of symbols scored (runes + 1).
func (m *Model) logProb(w string) (float64, int) {
	n := m.n
	a, b := classBegin, classBegin
	var lp float64
	k := 0
	for _, r := range w {
		c := int(m.class(r))
		lp += float64(m.lp[(a*n+b)*n+c])
		a, b = b, c
		k++
	}
	lp += float64(m.lp[(a*n+b)*n+classEnd])
	return lp, k + 1
}

// Surprise returns how much less probable w is than an ordinary word of the vocabulary of its length, in
// nats: log P(w) − (runes+1)·mean, where mean is the vocabulary's mean log probability per symbol. It is
// about 0 for a string that reads like the vocabulary's words, negative for one that does not, and does not
// depend on the length otherwise.
func (m *Model) Surprise(w string) float64 {
	lp, k := m.logProb(w)
	return lp - float64(k)*m.mean
}

// Len returns the number of characters the model tells apart (the others count as one).
func (m *Model) Len() int { return m.n - firstClass }
