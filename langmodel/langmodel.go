// Package langmodel is the language model (the transition) of the noisy-channel speller: unigram and bigram
// counts of query tokens, smoothed into P(w | prev) by interpolated absolute discounting, with a start symbol.
// Counting happens in a Builder (maps of strings); Build freezes the counts into a Model of token ids and flat
// arrays that is immutable and shared by every request.
//
//	b := langmodel.NewBuilder()
//	b.AddTokens([]string{"red", "dress"}, 1, true)
//	m := b.Build(langmodel.BuildOptions{}); id, _ := m.ID("dress"); lp := m.LogProb(langmodel.Start, id)
package langmodel

import (
	"fmt"
	"hash/maphash"
	"math"
	"math/bits"
	"slices"

	"github.com/spellwright/speller/internal/binenc"

	"github.com/spellwright/speller/internal/hashmix"
)

// Special ids: Start is the context before the first token of a query; Unknown is a token outside the
// vocabulary. Neither is a word of the model.
const (
	Start   = ^uint32(0) - 1
	Unknown = ^uint32(0)
)

// DefaultDiscount is the absolute discount D subtracted from every bigram count.
const DefaultDiscount = 0.75

// Builder accumulates counts. The zero value is not usable; call NewBuilder.
type Builder struct {
	ids   map[string]uint32
	words []string
	uni   []float64
	bi    map[uint64]float64
}

// NewBuilder returns an empty Builder.
func NewBuilder() *Builder {
	return &Builder{ids: make(map[string]uint32), bi: make(map[uint64]float64)}
}

func (b *Builder) id(word string) uint32 {
	if id, ok := b.ids[word]; ok {
		return id
	}
	id := uint32(len(b.words))
	b.ids[word] = id
	b.words = append(b.words, word)
	b.uni = append(b.uni, 0)
	return id
}

// AddUnigram adds count occurrences of word.
func (b *Builder) AddUnigram(word string, count float64) {
	if word == "" || count <= 0 {
		return
	}
	b.uni[b.id(word)] += count
}

// AddBigram adds count occurrences of word after prev ("" for the start of a query). It does not count
// the words themselves.
func (b *Builder) AddBigram(prev, word string, count float64) {
	if word == "" || count <= 0 {
		return
	}
	p := Start
	if prev != "" {
		p = b.id(prev)
	}
	b.bi[pairKey(p, b.id(word))] += count
}

// AddTokens counts a run of consecutive tokens with weight: each token as a unigram, each adjacent pair as a
// bigram, and the first token after Start when atStart is true (the run begins the query).
func (b *Builder) AddTokens(tokens []string, weight float64, atStart bool) {
	prev := ""
	for i, t := range tokens {
		b.AddUnigram(t, weight)
		if i > 0 || atStart {
			b.AddBigram(prev, t, weight)
		}
		prev = t
	}
}

// Len returns the number of distinct words counted so far.
func (b *Builder) Len() int { return len(b.words) }

// Count returns the unigram count of word so far.
func (b *Builder) Count(word string) float64 {
	if id, ok := b.ids[word]; ok {
		return b.uni[id]
	}
	return 0
}

func pairKey(prev, w uint32) uint64 { return uint64(prev)<<32 | uint64(w) }

// BuildOptions select what Build keeps. The zero value keeps every word and drops bigrams seen once.
type BuildOptions struct {
	// MinCount drops words counted less often (default: keep all).
	MinCount float64
	// Keep, if set, must also accept a word for it to be kept (e.g. "seen in searches with results").
	Keep func(word string, count float64) bool
	// MinBigramCount drops rarer bigrams after their contexts were measured (default 2; 1 keeps all).
	MinBigramCount float64
	// Discount is the absolute discount D (default DefaultDiscount).
	Discount float64
}

// Build freezes the counts into a Model. Words are ordered by decreasing count (ties by word), so ids are
// deterministic and frequent words are close together.
func (b *Builder) Build(opts BuildOptions) *Model {
	if opts.MinBigramCount <= 0 {
		opts.MinBigramCount = 2
	}
	if opts.Discount <= 0 || opts.Discount >= 1 {
		opts.Discount = DefaultDiscount
	}
	var kept []uint32
	for id, w := range b.words {
		c := b.uni[id]
		if c <= 0 || c < opts.MinCount || (opts.Keep != nil && !opts.Keep(w, c)) {
			continue
		}
		kept = append(kept, uint32(id))
	}
	slices.SortFunc(kept, func(x, y uint32) int {
		if b.uni[x] != b.uni[y] {
			if b.uni[x] > b.uni[y] {
				return -1
			}
			return 1
		}
		if b.words[x] < b.words[y] {
			return -1
		}
		return 1
	})
	newID := make(map[uint32]uint32, len(kept))
	words := make([]string, len(kept))
	uni := make([]float64, len(kept))
	for i, old := range kept {
		newID[old] = uint32(i)
		words[i] = b.words[old]
		uni[i] = b.uni[old]
	}
	n := len(kept)
	ctxTotal := make([]float64, n+1) // index n is Start
	ctxReserved := make([]float64, n+1)
	ctx := func(p uint32) int {
		if p == Start {
			return n
		}
		return int(p)
	}
	var keys []uint64
	var vals []float64
	for k, c := range b.bi {
		p, w := uint32(k>>32), uint32(k)
		nw, ok := newID[w]
		if !ok {
			continue
		}
		np := Start
		if p != Start {
			if np, ok = newID[p]; !ok {
				continue
			}
		}
		ctxTotal[ctx(np)] += c
		ctxReserved[ctx(np)] += min(c, opts.Discount)
		if c >= opts.MinBigramCount {
			keys = append(keys, pairKey(np, nw))
			vals = append(vals, c)
		}
	}
	order := make([]int, len(keys))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(i, j int) int {
		if keys[i] < keys[j] {
			return -1
		}
		return 1
	})
	sk := make([]uint64, len(keys))
	sv := make([]float32, len(keys))
	for i, o := range order {
		sk[i], sv[i] = keys[o], float32(vals[o])
	}
	m := &Model{
		words: words, uni: uni, ctxTotal: ctxTotal, ctxReserved: ctxReserved,
		biKeys: sk, biVals: sv, discount: opts.Discount,
	}
	m.index()
	return m
}

// Model is a frozen language model. It is immutable and safe for concurrent use.
type Model struct {
	words       []string
	uni         []float64 // unigram counts by id
	ctxTotal    []float64 // sum of bigram counts after each id (index Len() is Start), before pruning
	ctxReserved []float64 // Σ_w min(c(id w), D): the mass discounted after each id, before pruning
	biKeys      []uint64  // sorted prev<<32|word
	biVals      []float32
	discount    float64

	// Derived at load.
	total  float64
	logUni []float32
	// logReserved is log(ctxReserved/ctxTotal) per context: the weight of the unigram after it.
	logReserved []float64
	seed        maphash.Seed
	// wordTab is open addressing over the words: id+1 in the low wordIDBits bits, 0 empty, and above them a
	// fingerprint of the word's hash, so that a probe of a slot holding another word (most probes of the
	// segmentation's substrings, which are rarely words) is rejected without reading the word.
	wordTab    []uint32
	wordIDBits uint
	// biTab is open addressing over the bigrams: index+1 in the low biIDBits bits, 0 empty, and above them a
	// fingerprint of the key's hash, so that a probe of a slot holding another bigram (most probes: most
	// transitions the decoder asks for were never seen) is rejected without reading biKeys.
	biTab    []uint32
	biIDBits uint
	// biSeen is a filter of the bigrams: each bigram sets one bit of it, which has at least 8 bits per bigram,
	// and it answers most look-ups of a bigram never seen, the common case, without a read of biTab. It is
	// blocked by the second word: the bigrams (v, w) of one w set their bits (chosen by the pair's hash) in
	// one cache line of 512 bits (chosen by w's hash). The decoder asks for the transitions into a word from
	// every word before it, one after the other: those read one line of the filter, where a bit anywhere
	// would read a line each (seenBit). The price: a frequent second word fills its block, so that unseen
	// pairs pass about one time in sixteen for a second word drawn at random but one in four for one drawn by
	// its frequency (default model; one in thirteen either way unblocked), and each costs a probe of biTab.
	biSeen      []uint64
	biBlockBits uint // log2 of the blocks
}

// index derives the tables of the look-ups from the words, counts and bigrams. It returns the id of a word
// that is there twice (-1 when none is: the words of a built model are distinct), which a decoded model
// must not have.
func (m *Model) index() (dup int) {
	dup = -1
	m.total = 0
	for _, c := range m.uni {
		m.total += c
	}
	m.logUni = make([]float32, len(m.uni))
	for i, c := range m.uni {
		m.logUni[i] = float32(math.Log(c / m.total))
	}
	m.logReserved = make([]float64, len(m.ctxTotal))
	for i, t := range m.ctxTotal {
		if t > 0 {
			m.logReserved[i] = math.Log(m.ctxReserved[i] / t)
		}
	}
	m.seed = maphash.MakeSeed()
	m.wordTab = make([]uint32, tableSize(len(m.words)))
	m.wordIDBits = uint(bits.Len(uint(len(m.words))))
	mask := uint64(len(m.wordTab) - 1)
	idMask := lowMask(m.wordIDBits)
	for id, w := range m.words {
		hw := maphash.String(m.seed, w)
		fp := fingerprint(hw, m.wordIDBits)
		for h := hw & mask; ; h = (h + 1) & mask {
			v := m.wordTab[h]
			if v == 0 {
				m.wordTab[h] = uint32(id) + 1 | fp
				break
			}
			if dup < 0 && v&^idMask == fp && m.words[v&idMask-1] == w {
				dup = id
				break
			}
		}
	}
	logBits := max(bits.Len(uint(8*len(m.biKeys))), seenBlockBits) // 8–16 bits per bigram, at least one block
	m.biSeen, m.biBlockBits = make([]uint64, 1<<logBits/64), uint(logBits-seenBlockBits)
	m.biTab = make([]uint32, tableSize(len(m.biKeys)))
	m.biIDBits = uint(bits.Len(uint(len(m.biKeys))))
	mask = uint64(len(m.biTab) - 1)
	for i, k := range m.biKeys {
		hk := hashmix.Mix(k)
		b := m.seenBit(uint32(k), hk)
		m.biSeen[b/64] |= 1 << (b % 64)
		for h := hk & mask; ; h = (h + 1) & mask {
			if m.biTab[h] == 0 {
				m.biTab[h] = uint32(i) + 1 | fingerprint(hk, m.biIDBits)
				break
			}
		}
	}
	return dup
}

// seenBlockBits is log2 of the bits of a block of biSeen: 512 bits, a cache line.
const seenBlockBits = 9

// seenBit returns the bit of biSeen of the bigram (·, w) whose key hashes to hk: in w's block, chosen by
// Fibonacci hashing of w (one multiplication), the bit of hk's top 9 bits (biTab's slot takes its low bits, and its fingerprint bits 32 to 63−biIDBits: apart
// from these when biIDBits ≥ 9, at least 256 bigrams; a tiny model's overlap costs false passes only).
func (m *Model) seenBit(w uint32, hk uint64) uint64 {
	return hashmix.Fibonacci(uint64(w), m.biBlockBits)<<seenBlockBits | hk>>(64-seenBlockBits)
}

// fingerprint is the fingerprint of a key's hash h in a table whose slots hold an index in their low idBits
// bits (wordTab, biTab): the hash's high bits, above the index bits (none when the index takes all 32).
func fingerprint(h uint64, idBits uint) uint32 {
	if idBits >= 32 {
		return 0
	}
	return uint32(h>>32) << idBits
}

// lowMask returns a mask of the low n bits of a uint32 (all ones for n ≥ 32).
func lowMask(n uint) uint32 { return uint32(1)<<n - 1 }

// tableSize returns a power of two at least twice n.
func tableSize(n int) int {
	s := 16
	for s < 2*n {
		s <<= 1
	}
	return s
}

// Len returns the number of words.
func (m *Model) Len() int { return len(m.words) }

// Word returns the word with id.
func (m *Model) Word(id uint32) string { return m.words[id] }

// Count returns the unigram count of id, rounded.
func (m *Model) Count(id uint32) uint64 {
	// math.Round for a count ≥ 0, without its software rounding: the fraction x − ⌊x⌋ is exact.
	x := m.uni[id]
	n := uint64(x)
	if x-float64(n) >= 0.5 {
		n++
	}
	return n
}

// Bigrams returns the number of bigrams kept.
func (m *Model) Bigrams() int { return len(m.biKeys) }

// ID returns the id of word, and false when it is not in the vocabulary. Cost: one hash, no allocation.
func (m *Model) ID(word string) (uint32, bool) {
	mask := uint64(len(m.wordTab) - 1)
	hw := maphash.String(m.seed, word)
	fp, idMask := fingerprint(hw, m.wordIDBits), lowMask(m.wordIDBits)
	for h := hw & mask; ; h = (h + 1) & mask {
		v := m.wordTab[h]
		if v == 0 {
			return Unknown, false
		}
		if v&^idMask == fp && m.words[v&idMask-1] == word {
			return v&idMask - 1, true
		}
	}
}

func (m *Model) bigram(prev, w uint32) float64 {
	k := pairKey(prev, w)
	mask := uint64(len(m.biTab) - 1)
	hk := hashmix.Mix(k)
	if b := m.seenBit(w, hk); m.biSeen[b/64]&(1<<(b%64)) == 0 {
		return 0 // never seen (the filter has no false negatives)
	}
	fp, idMask := fingerprint(hk, m.biIDBits), lowMask(m.biIDBits)
	for h := hk & mask; ; h = (h + 1) & mask {
		v := m.biTab[h]
		if v == 0 {
			return 0
		}
		if v&^idMask == fp {
			if i := v&idMask - 1; m.biKeys[i] == k {
				return float64(m.biVals[i])
			}
		}
	}
}

// LogUnigram returns log P(w) = log c(w)/N for a word id.
func (m *Model) LogUnigram(w uint32) float64 { return float64(m.logUni[w]) }

// LogProb returns log P(w | prev) for a word id w; prev may be Start, Unknown (then P(w) is used) or a word
// id. The estimate interpolates the discounted bigram with the unigram (absolute discounting):
//
//	P(w|v) = max(c(vw)−D, 0)/c(v·) + R(v)/c(v·) · P(w),   R(v) = Σ_w' min(c(vw'), D)
//
// where c(v·) is the count of words after v and R(v) the mass the discount took from them (D·T(v) for
// integer counts, T(v) distinct words; the min keeps it a distribution for the fractional counts of
// weighted sources). It is P(w) when v was never seen before another word.
func (m *Model) LogProb(prev, w uint32) float64 { return m.LogProbFloor(prev, w, Backoff{}) }

// Backoff is a floor on the weight of the unigram in LogProbFloor, with its logarithm.
type Backoff struct{ min, logMin float64 }

// NewBackoff returns the floor minBackoff, in [0, 1).
func NewBackoff(minBackoff float64) Backoff {
	return Backoff{minBackoff, math.Log(minBackoff)}
}

// LogProbFloor is LogProb with a floor on the weight of the unigram: P(w|v) = (1−a)/(1−r)·max(c(vw)−D, 0)/c(v·)
// + a·P(w) with r = R(v)/c(v·) and a = max(r, b's floor), still a distribution. A context seen before a few
// words only (in a small or made-up source: "phone" before "case" and "charger") otherwise makes every other
// word after it hundreds of times less probable than after a word never seen as a context ("phones
// number" beats "phone number"). The zero Backoff is LogProb. A word never seen after v (the common case)
// costs a hash look-up and an addition: log a + log P(w).
func (m *Model) LogProbFloor(prev, w uint32, b Backoff) float64 {
	lu := float64(m.logUni[w])
	var ctx int
	switch {
	case prev == Start:
		ctx = len(m.words)
	case int(prev) < len(m.words):
		ctx = int(prev)
	default:
		return lu
	}
	total := m.ctxTotal[ctx]
	if total <= 0 {
		return lu
	}
	d := m.discount
	c := m.bigram(prev, w)
	r := m.ctxReserved[ctx] / total
	floored := b.min > r && r < 1
	if c <= d { // only the unigram's share
		if floored {
			return b.logMin + lu
		}
		return m.logReserved[ctx] + lu
	}
	a, seen := r, 1.0
	if floored {
		a, seen = b.min, (1-b.min)/(1-r)
	}
	return math.Log(a*math.Exp(lu) + seen*(c-d)/total)
}

// ErrCorrupt is returned (wrapped) when encoded model data is malformed.
var ErrCorrupt = binenc.ErrCorrupt

// MarshalBinary encodes the model deterministically.
func (m *Model) MarshalBinary() ([]byte, error) {
	var e binenc.Encoder
	e.Float64(m.discount)
	e.Uvarint(uint64(len(m.words)))
	for i, w := range m.words {
		e.String(w)
		e.Float64(m.uni[i])
	}
	for i := range m.ctxTotal {
		e.Float64(m.ctxTotal[i])
		e.Float64(m.ctxReserved[i])
	}
	e.Uvarint(uint64(len(m.biKeys)))
	var last uint64
	for i, k := range m.biKeys {
		e.Uvarint(k - last)
		e.Float32(m.biVals[i])
		last = k
	}
	return e.Bytes(), nil
}

// UnmarshalBinary decodes a model written by MarshalBinary, replacing m.
func (m *Model) UnmarshalBinary(b []byte) error {
	d := binenc.NewDecoder(b)
	nm := &Model{}
	nm.discount = d.Float64()
	n := d.Len(9)
	nm.words = make([]string, n)
	nm.uni = make([]float64, n)
	for i := 0; i < n && d.Err() == nil; i++ {
		nm.words[i] = d.String()
		nm.uni[i] = d.Float64()
		if d.Err() != nil {
			break
		}
		if nm.words[i] == "" || !(nm.uni[i] > 0) || !finite(nm.uni[i]) {
			return corrupt("bad word entry %d", i)
		}
	}
	nm.ctxTotal = make([]float64, n+1)
	nm.ctxReserved = make([]float64, n+1)
	if d.Remaining() < (n+1)*16 && d.Err() == nil {
		return corrupt("truncated contexts")
	}
	for i := 0; i <= n && d.Err() == nil; i++ {
		nm.ctxTotal[i] = d.Float64()
		nm.ctxReserved[i] = d.Float64()
		if d.Err() != nil {
			break
		}
		if !finite(nm.ctxTotal[i]) || !finite(nm.ctxReserved[i]) || nm.ctxReserved[i] > nm.ctxTotal[i] {
			return corrupt("bad context %d", i)
		}
	}
	nb := d.Len(5)
	nm.biKeys = make([]uint64, nb)
	nm.biVals = make([]float32, nb)
	var last uint64
	for i := 0; i < nb && d.Err() == nil; i++ {
		delta := d.Uvarint()
		k := last + delta
		if d.Err() != nil {
			break
		}
		if (i > 0 && delta == 0) || k < last {
			return corrupt("bigram keys out of order at %d", i)
		}
		p, w := uint32(k>>32), uint32(k)
		if int(w) >= n || (p != Start && int(p) >= n) {
			return corrupt("bigram %d names an unknown word", i)
		}
		nm.biKeys[i] = k
		nm.biVals[i] = d.Float32()
		if v := float64(nm.biVals[i]); d.Err() == nil && (!finite(v) || v == 0) {
			return corrupt("bad count of bigram %d", i)
		}
		last = k
	}
	if err := d.Finish(); err != nil {
		return fmt.Errorf("langmodel: %w", err)
	}
	if !(nm.discount > 0 && nm.discount < 1) {
		return corrupt("discount %v out of (0,1)", nm.discount)
	}
	if dup := nm.index(); dup >= 0 {
		return corrupt("bad word entry %d: %q twice", dup, nm.words[dup])
	}
	*m = *nm
	return nil
}

// finite reports whether v is a usable count: finite and not negative.
func finite(v float64) bool { return v >= 0 && !math.IsInf(v, 0) }

func corrupt(format string, args ...any) error {
	return fmt.Errorf("langmodel: %w: %s", ErrCorrupt, fmt.Sprintf(format, args...))
}

// Total returns the sum of the unigram counts so far.
func (b *Builder) Total() float64 {
	t := 0.0
	for _, c := range b.uni {
		t += c
	}
	return t
}

// Merge adds the counts of o, multiplied by scale, to b.
func (b *Builder) Merge(o *Builder, scale float64) {
	if scale <= 0 {
		return
	}
	for id, w := range o.words {
		b.AddUnigram(w, o.uni[id]*scale)
	}
	for k, c := range o.bi {
		p, w := uint32(k>>32), uint32(k)
		prev := ""
		if p != Start {
			prev = o.words[p]
		}
		b.AddBigram(prev, o.words[w], c*scale)
	}
}

// Each calls fn for every word counted so far, in no particular order.
func (b *Builder) Each(fn func(word string, count float64)) {
	for id, w := range b.words {
		fn(w, b.uni[id])
	}
}
