// Package errormodel is the error model (the emission) of the noisy-channel speller: how likely a shopper who
// meant word w types t. It aligns (typed, intended) pairs with a restricted Damerau–Levenshtein programme with
// backtrace, counts the substitutions, insertions, deletions (with their left neighbour, Start at the word's
// beginning) and transpositions, and turns the counts into probabilities in the manner of Kernighan, Church &
// Gale (1990), smoothed so that unseen edits keep a small probability. P(t|w) is the probability of the most
// probable alignment; unchanged characters contribute 1, so P(w|w) = 1.
//
//	var c errormodel.Counts
//	c.Add("jewlery", "jewelry", 1)
//	m := c.Model(errormodel.Options{}); lp := m.LogProb("jewlery", "jewelry")
package errormodel

import (
	"maps"
	"math"
	"slices"
	"sort"
	"sync"
	"unicode/utf8"

	"github.com/spellwright/speller/internal/alphabet"
	"github.com/spellwright/speller/internal/binenc"
)

type key struct {
	kind OpKind
	x, y rune
}

// Counts accumulates edit counts from (typed, intended) pairs and the character contexts of the intended
// words. The zero value is ready to use; it is not safe for concurrent use.
type Counts struct {
	edits map[key]float64
	chars map[rune]float64      // c(x) in intended words, Start once per word
	pairs map[[2]rune]float64   // c(xy) in intended words, with Start before the first character
	added map[[2]string]float64 // the (typed, intended) pairs counted, for Realign; not serialized
	// Pairs is the number of pairs added (weighted), Skipped the number refused by Add.
	Pairs, Skipped float64
}

// MaxPairDistance is the largest OSA distance of a pair that Add counts: pairs further apart are more often
// different words than misspellings, and their alignments are noise.
const MaxPairDistance = 3

func (c *Counts) init() {
	if c.edits == nil {
		c.edits = make(map[key]float64)
		c.chars = make(map[rune]float64)
		c.pairs = make(map[[2]rune]float64)
		c.added = make(map[[2]string]float64)
	}
}

// Add counts the edits of the optimal alignment of intended to typed, weighted by weight, and the contexts of
// intended. It returns false and counts nothing when the pair is empty, identical, not valid UTF-8, or more
// than MaxPairDistance edits apart.
func (c *Counts) Add(typed, intended string, weight float64) bool {
	c.init()
	if weight <= 0 || math.IsInf(weight, 0) {
		return false
	}
	if typed == "" || intended == "" || typed == intended ||
		!utf8.ValidString(typed) || !utf8.ValidString(intended) {
		c.Skipped += weight
		return false
	}
	ops := Align(typed, intended)
	if len(ops) > MaxPairDistance {
		c.Skipped += weight
		return false
	}
	for _, op := range ops {
		c.edits[key{op.Kind, op.X, op.Y}] += weight
	}
	c.AddContext(intended, weight)
	c.Pairs += weight
	c.added[[2]string{typed, intended}] += weight
	return true
}

// Realign re-estimates the edit counts in the manner of expectation maximisation (hard EM): each pair added
// since the counts were created is aligned again with its most probable alignment under the model the
// current counts give, and the edits are counted anew; iterations times. Unit-cost alignment cannot tell
// "recieve" = swap of ie from a substitution pair, or which of two equal letters was dropped; the learned
// costs can. Counts merged from elsewhere keep their edits.
func (c *Counts) Realign(iterations int, opts Options) {
	c.init()
	pairs := make([][2]string, 0, len(c.added))
	for p := range c.added {
		pairs = append(pairs, p)
	}
	sort.Slice(pairs, func(i, j int) bool { // deterministic float sums
		if pairs[i][0] != pairs[j][0] {
			return pairs[i][0] < pairs[j][0]
		}
		return pairs[i][1] < pairs[j][1]
	})
	base := maps.Clone(c.edits) // edits that do not come from the pairs (merged counts)
	for _, p := range pairs {
		for _, op := range Align(p[0], p[1]) {
			base[key{op.Kind, op.X, op.Y}] -= c.added[p]
		}
	}
	for it := 0; it < iterations; it++ {
		m := c.Model(opts)
		edits := make(map[key]float64, len(c.edits))
		for k, v := range base {
			if v > 1e-9 {
				edits[k] = v
			}
		}
		for _, p := range pairs {
			for _, op := range m.Explain(p[0], p[1]) {
				edits[key{op.Kind, op.X, op.Y}] += c.added[p]
			}
		}
		c.edits = edits
	}
}

// AddContext counts the characters and character pairs of a correctly typed word, the denominators of the
// edit probabilities.
func (c *Counts) AddContext(word string, weight float64) {
	c.init()
	p := Start
	c.chars[Start] += weight
	for _, r := range word {
		c.chars[r] += weight
		c.pairs[[2]rune{p, r}] += weight
		p = r
	}
}

// Merge adds weight times the counts of o to c.
func (c *Counts) Merge(o *Counts, weight float64) {
	c.init()
	for k, v := range o.edits {
		c.edits[k] += v * weight
	}
	for k, v := range o.chars {
		c.chars[k] += v * weight
	}
	for k, v := range o.pairs {
		c.pairs[k] += v * weight
	}
	c.Pairs += o.Pairs * weight
	c.Skipped += o.Skipped * weight
}

// Edits returns the number of distinct edits counted.
func (c *Counts) Edits() int { return len(c.edits) }

// Options are the smoothing settings of a Model. The zero value selects the defaults.
type Options struct {
	// Prior is the weight, in context occurrences, of the backoff distribution each edit probability is
	// smoothed towards (default 10).
	Prior float64 `json:"prior"`
	// Slip is the weight of the typing-slip prior mixed into every edit probability (see slip.go); 0: none,
	// the probabilities of the counts alone. Models of the trainer use DefaultSlip.
	Slip float64 `json:"slip,omitempty"`
	// Far is the weight, within the typing-slip prior, of the slips that land on any key rather than a
	// neighbour (a letter typed for another, or typed in, far from the intended key; see slip.go); 0: none,
	// the prior of neighbouring keys alone, as models made before it had. Models of the trainer use DefaultFar.
	Far float64 `json:"far,omitempty"`
}

// DefaultSlip is the typing-slip weight (Options.Slip) of the models the trainer builds.
const DefaultSlip = 1

// DefaultFar is the weight of the far-key slips (Options.Far) of the models the trainer builds.
const DefaultFar = 1

func (o Options) withDefaults() Options {
	if o.Prior <= 0 {
		o.Prior = 10
	}
	return o
}

// Model gives edit probabilities. It is immutable and safe for concurrent use.
type Model struct {
	opts   Options
	counts *Counts
	// Dense cost tables (-log P) over a small alphabet of classes; class 0 is Start, class 1 every other
	// rune not in the alphabet.
	classes  *alphabet.Classes
	nclass   int
	sub, ins []float32 // [x*nclass+y]
	del, trn []float32
	minCost  float32
	// minOut[c] is the least cost of an edit that consumes an intended rune of class c (its deletion or
	// substitution), minIn[c] of one that produces a typed rune of class c (its insertion or a substitution):
	// the terms of Bound.
	minOut, minIn []float32
	// spaceEdits[kind] counts the space edits of each kind, spaceAny all of them (see SpaceLogProb).
	spaceEdits [Trans + 1]float64
	spaceAny   float64
	pool       sync.Pool
}

const (
	classStart = 0
	classOther = 1
	maxClasses = 96
)

// Model turns the counts into a smoothed model. The counts must not change afterwards.
//
// Each probability is a count divided by the count of its context in the intended words, smoothed towards
// a backoff estimate that ignores the context: P(e|c) = (n(c,e) + β·P(e)) / (n(c) + β), with β = Options.Prior,
// and P(e) the rate of e over all contexts, itself smoothed towards the rate of its kind of edit.
func (c *Counts) Model(opts Options) *Model {
	c.init()
	m := &Model{opts: opts.withDefaults(), counts: c}
	m.buildAlphabet()
	m.buildTables()
	for k, v := range c.edits {
		if k.x == Space || k.y == Space {
			m.spaceEdits[k.kind] += v
			m.spaceAny += v
		}
	}
	return m
}

// buildAlphabet picks the most frequent characters of the intended words as dense classes.
func (m *Model) buildAlphabet() {
	freq := make(map[rune]float64, len(m.counts.chars))
	for r, n := range m.counts.chars {
		freq[r] += n
	}
	for k, n := range m.counts.edits { // characters seen only in typed words still get a class
		freq[k.x] += n
		freq[k.y] += n
	}
	delete(freq, Start)
	m.classes = alphabet.New(freq, classOther+1, maxClasses, classOther)
	m.classes.Set(Start, classStart)
	m.nclass = m.classes.Len()
}

func (m *Model) classFor(r rune) uint8 { return m.classes.Of(r) }

// rates holds the per-kind marginals the probabilities back off to.
type rates struct {
	total    [5]float64          // edits of each kind
	byTarget [5]map[rune]float64 // edits of each kind by the character produced (sub, ins) or lost (del) or pair first char (trans)
	chars    float64             // characters in intended words, Start excluded
	charsOf  map[rune]float64    // alias of counts.chars
	pairsOf  map[[2]rune]float64 // alias of counts.pairs
	edits    map[key]float64     // alias of counts.edits
	alphabet float64             // number of distinct characters
	insAfter map[rune]float64    // insertions after each context character
}

func (m *Model) rates() *rates {
	c := m.counts
	rt := &rates{charsOf: c.chars, pairsOf: c.pairs, edits: c.edits, insAfter: make(map[rune]float64)}
	for k := range rt.byTarget {
		rt.byTarget[k] = make(map[rune]float64)
	}
	for k, v := range c.edits {
		rt.total[k.kind] += v
		rt.byTarget[k.kind][k.y] += v
		if k.kind == Ins {
			rt.insAfter[k.x] += v
		}
	}
	for r, v := range c.chars {
		if r != Start {
			rt.chars += v
		}
	}
	rt.alphabet = float64(max(len(c.chars)-1, 26))
	return rt
}

// Options returns the options the model was made with, defaults filled in.
func (m *Model) Options() Options { return m.opts }

// maxEditProb caps an edit probability once the typing-slip prior is added.
const maxEditProb = 0.9

// prob computes the probability of one edit: the smoothed estimate of the counts (learned), plus the
// typing-slip prior when Options.Slip is set.
func (m *Model) prob(rt *rates, kind OpKind, x, y rune) float64 {
	p := m.learned(rt, kind, x, y)
	if m.opts.Slip > 0 {
		p = min(p+m.opts.Slip*slip(kind, x, y, m.opts.Far), maxEditProb)
	}
	return p
}

// learned computes the smoothed probability of one edit from the counts; see Counts.Model.
func (m *Model) learned(rt *rates, kind OpKind, x, y rune) float64 {
	beta := m.opts.Prior
	n := rt.edits[key{kind, x, y}]
	// Base rate of this kind of edit per context occurrence, so that an edit never seen in any context
	// still has probability rate/alphabet.
	chars := max(rt.chars, 1)
	rate := (rt.total[kind] + 1) / (chars + 1)
	switch kind {
	case Sub:
		// Context x (a character), outcome y.
		backoff := (rt.byTarget[kind][y] + beta*rate/rt.alphabet) / (chars + beta)
		return (n + beta*backoff) / (rt.charsOf[x] + beta)
	case Ins:
		// Context x (a character, Start at the beginning), outcome y. Several insertions may follow one x, so
		// they count in the denominator too and the probability stays below 1.
		backoff := (rt.byTarget[kind][y] + beta*rate/rt.alphabet) / (chars + rt.total[Ins] + beta)
		return (n + beta*backoff) / (rt.charsOf[x] + rt.insAfter[x] + beta)
	case Del:
		// Context: the pair xy; the event: y is dropped. Backs off to dropping y anywhere.
		backoff := (rt.byTarget[kind][y] + beta*rate) / (rt.charsOf[y] + beta)
		return (n + beta*backoff) / (rt.pairsOf[[2]rune{x, y}] + beta)
	case Trans:
		backoff := (rt.byTarget[kind][y] + beta*rate) / (rt.charsOf[y] + beta)
		return (n + beta*backoff) / (rt.pairsOf[[2]rune{x, y}] + beta)
	}
	return 0
}

// buildTables fills the dense cost tables. A class stands for its rune; classOther stands for any rune
// outside the alphabet and gets the probabilities of an unseen character.
func (m *Model) buildTables() {
	rt := m.rates()
	k := m.nclass
	m.sub = make([]float32, k*k)
	m.ins = make([]float32, k*k)
	m.del = make([]float32, k*k)
	m.trn = make([]float32, k*k)
	runes := make([]rune, k)
	runes[classStart] = Start
	runes[classOther] = utf8.MaxRune // a character no word has: unseen contexts and outcomes
	m.classes.Each(func(r rune, c uint8) {
		if c > classOther {
			runes[c] = r
		}
	})
	m.minCost = inf
	cost := func(p float64) float32 {
		c := float32(-math.Log(p))
		m.minCost = min(m.minCost, c)
		return c
	}
	for a := 0; a < k; a++ {
		for b := 0; b < k; b++ {
			x, y := runes[a], runes[b]
			i := a*k + b
			m.sub[i] = cost(m.prob(rt, Sub, x, y))
			m.ins[i] = cost(m.prob(rt, Ins, x, y))
			m.del[i] = cost(m.prob(rt, Del, x, y))
			m.trn[i] = cost(m.prob(rt, Trans, x, y))
		}
	}
	m.minOut, m.minIn = make([]float32, k), make([]float32, k)
	for c := range k {
		m.minOut[c], m.minIn[c] = inf, inf
	}
	for a := range k { // sub[a][b]: intended a typed as b; del[a][b]: b deleted after a; ins[a][b]: b typed after a
		for b := range k {
			i := a*k + b
			m.minOut[a] = min(m.minOut[a], m.sub[i])
			m.minOut[b] = min(m.minOut[b], m.del[i])
			m.minIn[b] = min(m.minIn[b], m.sub[i], m.ins[i])
		}
	}
}

// Bound bounds log P(typed | intended) from above, in a few nanoseconds a rune, for one typed string and
// many intended ones: a caller ranking candidates skips the alignment of those whose bound cannot win. An
// alignment matches equal runes only, and a transposition keeps its two runes, so every rune of intended
// that typed lacks (counted with multiplicity, by class, as the costs are) is deleted or substituted, every
// rune of typed that intended lacks is inserted or substituted, and each of the d edits costs at least
// MinCost. The zero value is ready for Reset; a Bound must not be used by two goroutines at the same time.
type Bound struct {
	m       *Model
	count   [maxClasses]int32 // runes of typed by class
	classes [maxClasses]uint8 // the classes typed has: classes[:n]
	n       int
}

// boundSlack and boundRelSlack loosen Bound by more than the rounding of the float32 sums of costs (the
// alignment's and the bound's) can move them: 1e-3 nats plus a ten-thousandth of the cost.
const (
	boundSlack    = 1e-3
	boundRelSlack = 1e-4
)

// Reset makes b bound the strings typed as typed under m.
func (b *Bound) Reset(m *Model, typed []rune) {
	for _, c := range b.classes[:b.n] {
		b.count[c] = 0
	}
	b.m, b.n = m, 0
	for _, r := range typed {
		c := m.classFor(r)
		if b.count[c] == 0 {
			b.classes[b.n] = c
			b.n++
		}
		b.count[c]++
	}
}

// LogProb returns an upper bound of LogProb(typed, intended) for an intended string d edits (OSA) from typed.
func (b *Bound) LogProb(intended []rune, d int) float64 {
	m := b.m
	var out, in float32
	for _, r := range intended {
		c := m.classFor(r)
		if b.count[c]--; b.count[c] < 0 {
			out += m.minOut[c]
		}
	}
	for _, c := range b.classes[:b.n] {
		if n := b.count[c]; n > 0 {
			in += float32(n) * m.minIn[c]
		}
	}
	for _, r := range intended {
		b.count[m.classFor(r)]++
	}
	cost := float64(max(out, in, float32(d)*m.minCost))
	return -cost*(1-boundRelSlack) + boundSlack
}

// Space is the character of space edits: a space typed inside an intended word (Ins, "ear ring" for
// "earring"), an intended space left out (Del, "flowergirl" for "flower girl"), or a space typed one
// character off (Trans, "th elove" for "the love"). Pairs whose sides differ by spaces count them like any
// other edit (Counts.Add aligns the whole strings); SpaceLogProb turns them into probabilities.
const Space = ' '

// SpaceLogProb returns the log probability of one space edit of the given kind (Ins, Del or Trans; see
// Space). Space edits are counted only from sources that can show them (pairs whose sides have different
// spaces, such as split and merge corrections mined from logs); when the counts hold none, of any kind, the
// pairs came from word lists, which cannot show them, and the answer is log prior. Otherwise it is the rate
// of the edit per pair, smoothed towards prior: (n + β·prior) / (pairs + β), β = Options.Prior. prior must
// be in (0, 1].
func (m *Model) SpaceLogProb(kind OpKind, prior float64) float64 {
	if m.spaceAny == 0 || kind < Sub || kind > Trans {
		return math.Log(prior)
	}
	beta := m.opts.Prior
	return math.Log((m.spaceEdits[kind] + beta*prior) / (m.counts.Pairs + beta))
}

// Prob returns the smoothed probability of one edit (for inspection and tests; LogProb uses the tables).
func (m *Model) Prob(op Op) float64 { return m.prob(m.rates(), op.Kind, op.X, op.Y) }

type weighted struct{ m *Model }

func (w weighted) sub(x, y rune) float32   { return w.m.sub[w.m.idx(x, y)] }
func (w weighted) ins(x, y rune) float32   { return w.m.ins[w.m.idx(x, y)] }
func (w weighted) del(x, y rune) float32   { return w.m.del[w.m.idx(x, y)] }
func (w weighted) trans(x, y rune) float32 { return w.m.trn[w.m.idx(x, y)] }

func (m *Model) idx(x, y rune) int { return int(m.classFor(x))*m.nclass + int(m.classFor(y)) }

type scratch struct {
	t, w   []rune
	ct, cw []uint8 // ct[j] = class of t[j]; cw[0] = classStart, cw[i] = class of w[i-1]
	d      []float32
}

// LogProb returns log P(typed | intended): the log probability of the most probable alignment, 0 when the
// two are equal. The alignment is searched in a band around the diagonal wide enough for the length
// difference plus two edits. Cost: about 5·len·band table look-ups (≈ 0.3 µs for two 8-letter words), no
// allocation in the steady state.
func (m *Model) LogProb(typed, intended string) float64 {
	if typed == intended {
		return 0
	}
	s := m.scratch()
	s.t = appendRunes(s.t[:0], typed)
	s.w = appendRunes(s.w[:0], intended)
	return m.logProb(s)
}

// LogProbRunes is LogProb of strings given as runes, for a caller that holds them so (a candidate index).
func (m *Model) LogProbRunes(typed, intended []rune) float64 {
	if slices.Equal(typed, intended) {
		return 0
	}
	s := m.scratch()
	s.t = append(s.t[:0], typed...)
	s.w = append(s.w[:0], intended...)
	return m.logProb(s)
}

// scratch returns a scratch from the pool.
func (m *Model) scratch() *scratch {
	if s, _ := m.pool.Get().(*scratch); s != nil {
		return s
	}
	return new(scratch)
}

// logProb is LogProb of the runes in s, which it returns to the pool.
func (m *Model) logProb(s *scratch) float64 {
	s.ct = s.ct[:0]
	for _, r := range s.t {
		s.ct = append(s.ct, m.classFor(r))
	}
	s.cw = append(s.cw[:0], classStart)
	for _, r := range s.w {
		s.cw = append(s.cw, m.classFor(r))
	}
	v := m.fillBand(s)
	m.pool.Put(s)
	return -float64(v)
}

// MinCost returns the smallest cost (−log probability) of any single edit, so that LogProb(t, w) ≤
// −MinCost·d when t and w are d edits apart: a bound callers use to skip candidates.
func (m *Model) MinCost() float64 { return float64(m.minCost) }

// fillBand is fill specialised to the model's dense tables, over the band |i−j| ≤ |len(t)−len(w)| + 2: the
// same recurrence, with classes looked up once per character instead of once per cell.
func (m *Model) fillBand(s *scratch) float32 {
	t, w, ct, cw := s.t, s.w, s.ct, s.cw
	n, mm := len(w), len(t)
	band := max(mm-n, n-mm) + 2
	cols := mm + 1
	if cap(s.d) < (n+1)*cols {
		s.d = make([]float32, (n+1)*cols)
	}
	d := s.d[:(n+1)*cols]
	k := m.nclass
	sub, ins, del, trn := m.sub, m.ins, m.del, m.trn
	// Row 0: insertions before the first intended rune.
	d[0] = 0
	for j := 1; j <= min(mm, band); j++ {
		d[j] = d[j-1] + ins[int(classStart)*k+int(ct[j-1])]
	}
	if band < mm {
		d[band+1] = inf
	}
	// The costs are never NaN, so comparisons take the minimum exactly, as min does, with fewer
	// instructions; what depends on the row only is looked up once per row.
	for i := 1; i <= n; i++ {
		lo, hi := max(0, i-band), min(mm, i+band)
		row := i * cols
		if lo > 0 {
			d[row+lo-1] = inf
		}
		if hi < mm {
			d[row+hi+1] = inf
		}
		ci := int(cw[i])
		delc, trnc := del[int(cw[i-1])*k+ci], trn[int(cw[i-1])*k+ci]
		subRow, insRow := sub[ci*k:ci*k+k], ins[ci*k:ci*k+k]
		cur, prev := d[row:row+cols], d[row-cols:row]
		wi, wp := w[i-1], rune(0)
		if i > 1 {
			wp = w[i-2]
		}
		j := lo
		if j == 0 {
			cur[0] = prev[0] + delc
			j = 1
		}
		left := cur[j-1] // the cell before j in this row, kept in a register: each cell waits for it
		for ; j <= hi; j++ {
			tj, cj := t[j-1], ct[j-1]
			best := prev[j] + delc
			v := prev[j-1]
			if wi != tj {
				v += subRow[cj]
			}
			if v < best {
				best = v
			}
			if x := left + insRow[cj]; x < best {
				best = x
			}
			if i > 1 && j > 1 && wi == t[j-2] && wp == tj && wi != wp {
				if x := d[row-2*cols+j-2] + trnc; x < best {
					best = x
				}
			}
			cur[j], left = best, best
		}
	}
	return d[n*cols+mm]
}

// Explain returns the edits of the most probable alignment of intended to typed with their probabilities.
func (m *Model) Explain(typed, intended string) []Op {
	var tb table
	t, w := []rune(typed), []rune(intended)
	fill(&tb, weighted{m}, t, w, -1)
	return backtrace(&tb, weighted{m}, t, w)
}

func appendRunes(dst []rune, s string) []rune {
	for _, r := range s {
		dst = append(dst, r)
	}
	return dst
}

// Counts returns the counts the model was built from.
func (m *Model) Counts() *Counts { return m.counts }

// count reports whether v is a usable count: finite and not negative.
func count(v float64) bool { return v >= 0 && !math.IsInf(v, 0) }

// MarshalBinary encodes the counts (the model is rebuilt from them on load, so smoothing can change without
// retraining). The encoding is deterministic.
func (c *Counts) MarshalBinary() ([]byte, error) {
	c.init()
	var e binenc.Encoder
	e.Float64(c.Pairs)
	e.Float64(c.Skipped)
	keys := make([]key, 0, len(c.edits))
	for k := range c.edits {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		a, b := keys[i], keys[j]
		if a.kind != b.kind {
			return a.kind < b.kind
		}
		if a.x != b.x {
			return a.x < b.x
		}
		return a.y < b.y
	})
	e.Uvarint(uint64(len(keys)))
	for _, k := range keys {
		e.Uvarint(uint64(k.kind))
		e.Uvarint(uint64(k.x))
		e.Uvarint(uint64(k.y))
		e.Float64(c.edits[k])
	}
	chars := make([]rune, 0, len(c.chars))
	for r := range c.chars {
		chars = append(chars, r)
	}
	sort.Slice(chars, func(i, j int) bool { return chars[i] < chars[j] })
	e.Uvarint(uint64(len(chars)))
	for _, r := range chars {
		e.Uvarint(uint64(r))
		e.Float64(c.chars[r])
	}
	pairs := make([][2]rune, 0, len(c.pairs))
	for p := range c.pairs {
		pairs = append(pairs, p)
	}
	sort.Slice(pairs, func(i, j int) bool {
		if pairs[i][0] != pairs[j][0] {
			return pairs[i][0] < pairs[j][0]
		}
		return pairs[i][1] < pairs[j][1]
	})
	e.Uvarint(uint64(len(pairs)))
	for _, p := range pairs {
		e.Uvarint(uint64(p[0]))
		e.Uvarint(uint64(p[1]))
		e.Float64(c.pairs[p])
	}
	return e.Bytes(), nil
}

// UnmarshalBinary decodes counts written by MarshalBinary, replacing c's contents.
func (c *Counts) UnmarshalBinary(b []byte) error {
	*c = Counts{}
	c.init()
	d := binenc.NewDecoder(b)
	c.Pairs = d.Float64()
	c.Skipped = d.Float64()
	readRune := func() rune {
		v := d.Uvarint()
		if v > utf8.MaxRune {
			d.Fail("character out of range")
			return 0
		}
		return rune(v)
	}
	n := d.Len(11)
	for i := 0; i < n && d.Err() == nil; i++ {
		kind := OpKind(d.Uvarint())
		x, y := readRune(), readRune()
		v := d.Float64()
		if d.Err() == nil && (kind < Sub || kind > Trans || !count(v)) {
			return errCorrupt("bad edit entry")
		}
		c.edits[key{kind, x, y}] = v
	}
	n = d.Len(9)
	for i := 0; i < n && d.Err() == nil; i++ {
		r := readRune()
		v := d.Float64()
		if d.Err() == nil && !count(v) {
			return errCorrupt("bad character count")
		}
		c.chars[r] = v
	}
	n = d.Len(10)
	for i := 0; i < n && d.Err() == nil; i++ {
		x, y := readRune(), readRune()
		v := d.Float64()
		if d.Err() == nil && !count(v) {
			return errCorrupt("bad pair count")
		}
		c.pairs[[2]rune{x, y}] = v
	}
	if !count(c.Pairs) || !count(c.Skipped) {
		return errCorrupt("bad totals")
	}
	if err := d.Finish(); err != nil {
		return fmtErr(err)
	}
	return nil
}
