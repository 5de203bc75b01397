package candidates

import (
	"fmt"
	"math"
	"math/bits"
	"slices"
	"sync"
	"unicode/utf8"

	"github.com/spellwright/speller/internal/editdist"
)

// SymSpellOptions configures NewSymSpell. The zero value gives the defaults; see withDefaults for how each
// field is filled in and clamped.
type SymSpellOptions struct {
	// MaxDistance is the largest OSA distance the index can answer (default 2, at most 3). Lookup clamps its
	// maxDist to it. The index size grows roughly as PrefixLength^MaxDistance.
	MaxDistance int
	// PrefixLength is the number of leading runes of each word whose deletes are indexed (default 7; raised to
	// at least MaxDistance+1, at most 64). It trades index size against lookup work; it never affects which
	// words are found.
	PrefixLength int
	// MinCount leaves out of the index the words whose Count is below it (default 0: index every word).
	MinCount uint64
	// MaxTokenRunes is the longest token Lookup answers (default 64 runes): a longer token returns dst
	// unchanged, at once, whatever the vocabulary holds.
	MaxTokenRunes int
}

// Defaults and limits of SymSpellOptions.
const (
	defaultMaxDistance   = 2
	maxMaxDistance       = 3
	defaultPrefixLength  = 7
	maxPrefixLength      = 64 // the delete generator tracks deleted positions in a uint64
	defaultMaxTokenRunes = 64
)

// withDefaults fills in the zero (or out-of-range) fields of o. It is the only place defaults live.
func (o SymSpellOptions) withDefaults() SymSpellOptions {
	if o.MaxDistance <= 0 {
		o.MaxDistance = defaultMaxDistance
	}
	o.MaxDistance = min(o.MaxDistance, maxMaxDistance)
	if o.PrefixLength <= 0 {
		o.PrefixLength = defaultPrefixLength
	}
	o.PrefixLength = min(max(o.PrefixLength, o.MaxDistance+1), maxPrefixLength)
	if o.MaxTokenRunes <= 0 {
		o.MaxTokenRunes = defaultMaxTokenRunes
	}
	return o
}

// SymSpell is a symmetric-deletion (SymSpell) candidate index over a Vocabulary. It is immutable after
// NewSymSpell and safe for concurrent use.
//
// # How it works
//
// For every indexed word w, let W be its first PrefixLength runes (all of w when shorter). Every string
// obtained by deleting at most MaxDistance runes from W (W itself included) is hashed (FNV-1a over the runes
// plus a 64-bit finalizer) and the word id is filed under that hash. Lookup does the same to the token's
// prefix Q with at most maxDist deletes, collects the ids filed under each hash and verifies each one with
// editdist.OSA on the full strings.
//
// Exactness: if OSA(token, w) ≤ d, the alignment matches all but at most d runes of each side inside the
// windows Q and W once the shorter window is padded by the deletions the alignment performs past it, so Q and W
// have a common subsequence reachable with at most d deletes from each (a transposition costs one delete on
// each side, a substitution likewise, an insertion or deletion one on one side; the windows' cut can only add
// deletes to the side whose window is the longer one, and never beyond d). Hence every word within d shares a
// hashed delete with the token, and the OSA check removes everything else: Lookup returns exactly the words
// within maxDist, each id once. TestSymSpellExact checks this against brute force. The prefix only bounds the
// index size; it does not lose recall.
//
// # Layout
//
// The delete hashes live in a CSR table: a bucket array (a power of two, 1–2× the number of distinct
// (word, delete) pairs) of uint32 offsets into a postings array of uint32 entries, each holding the word id in
// its low bits and, in the remaining high bits, a fingerprint of the delete hash (32 − ⌈log2 Len()⌉ bits, 15
// for 82k words) so that most entries that merely share a bucket are skipped without touching the word. Words
// are kept as one flat []rune with uint32 offsets for the OSA check. No map, no per-word allocation.
//
// # Measured cost (82,833-word English unigram list, defaults, 2-core AMD EPYC VM, Go 1.26)
//
//   - build: about 95 ms, 2.1 M postings (25.5 per word), 4 M buckets; see BenchmarkSymSpellBuild.
//   - memory: about 28.5 MB: buckets 16.8 MB, postings 8.4 MB, runes 2.6 MB, offsets and word headers 1.6 MB
//     (Stats().Bytes). Build briefly needs 17 MB more for the temporary hash list.
//   - lookup, maxDist 2, misspelled 4–16-letter words (Norvig's test set): about 5 µs per token (median
//     well under the 15 µs target), 0 allocations beyond growing dst; see BenchmarkSymSpellLookup.
//
// Time per lookup is O(C(P, ≤d) probes + candidates·d·len), where P = min(len(token), PrefixLength): 29
// probes for d = 2, P = 7. Short tokens (1–3 runes) reach every short word and cost more candidates.
type SymSpell struct {
	v        Vocabulary
	opts     SymSpellOptions
	words    []string // words[id]; "" for words left out by MinCount
	runes    []rune   // all indexed words' runes, concatenated
	offs     []uint32 // runes of word id are runes[offs[id]:offs[id+1]]
	buckets  []uint32 // postings of bucket b are postings[buckets[b]:buckets[b+1]]
	postings []uint32 // id | fingerprint<<idBits
	shift    uint     // bucket(h) = h >> shift
	idBits   uint     // number of low posting bits holding the id
	idMask   uint32
	indexed  int // number of indexed words
	pool     sync.Pool
}

// SymSpellStats describes the size of a SymSpell index.
type SymSpellStats struct {
	Words    int // indexed words (Len() minus those below MinCount)
	Postings int // (word, delete) pairs
	Buckets  int // size of the bucket array
	Runes    int // runes of all indexed words
	Bytes    int // memory held by the index itself (excluding the Vocabulary and the word strings' bytes)
}

// Stats returns the size of the index.
func (s *SymSpell) Stats() SymSpellStats {
	return SymSpellStats{
		Words:    s.indexed,
		Postings: len(s.postings),
		Buckets:  len(s.buckets) - 1,
		Runes:    len(s.runes),
		Bytes: 4*len(s.runes) + 4*len(s.offs) + 4*len(s.buckets) + 4*len(s.postings) +
			16*len(s.words),
	}
}

// Options returns the options the index was built with, defaults filled in.
func (s *SymSpell) Options() SymSpellOptions { return s.opts }

// hashing: FNV-1a over rune values, then the murmur3 64-bit finalizer so that both the top bits (bucket) and
// the low bits (fingerprint) depend on every rune.
const (
	fnvOffset = 14695981039346656037
	fnvPrime  = 1099511628211
)

func fmix64(h uint64) uint64 {
	h ^= h >> 33
	h *= 0xff51afd7ed558ccd
	h ^= h >> 33
	h *= 0xc4ceb9fe1a85ec53
	h ^= h >> 33
	return h
}

// deleter enumerates the hashes of the strings obtained by deleting up to max runes from p. It generates the
// deletes by tracking deleted positions in a bit mask and hashes p while skipping them, so no string is
// built. Deleting any rune of a run of equal runes gives the same string; the generator only deletes a rune
// whose predecessor in the remaining string differs, which never drops a distinct delete (the
// lexicographically smallest set of positions giving each string always survives) and removes most
// duplicates. The rest are harmless at lookup (ids are deduplicated) and removed at build time.
type deleter struct {
	p    []rune
	mask uint64
	out  []uint64
}

func (g *deleter) hash() uint64 {
	h := uint64(fnvOffset)
	m := g.mask
	for i, r := range g.p {
		if m&(1<<uint(i)) != 0 {
			continue
		}
		h = (h ^ uint64(r)) * fnvPrime
	}
	return fmix64(h)
}

func (g *deleter) gen(p []rune, max int, out []uint64) []uint64 {
	g.p, g.mask, g.out = p, 0, out
	g.rec(0, max)
	out = g.out
	g.p, g.out = nil, nil
	return out
}

func (g *deleter) rec(start, depth int) {
	g.out = append(g.out, g.hash())
	if depth == 0 {
		return
	}
	for j := start; j < len(g.p); j++ {
		k := j - 1
		for k >= 0 && g.mask&(1<<uint(k)) != 0 {
			k--
		}
		if k >= 0 && g.p[k] == g.p[j] {
			continue // same string as deleting p[k] instead
		}
		g.mask |= 1 << uint(j)
		g.rec(j+1, depth-1)
		g.mask &^= 1 << uint(j)
	}
}

// NewSymSpell builds a SymSpell index over the words of v (see SymSpellOptions). It keeps v (for Count) and
// the word strings; v must not change afterwards. Words are indexed as given: they should already be
// normalized the way Lookup tokens are. Duplicate words are indexed under each of their ids.
//
// It panics if v.Len() does not fit a uint32 id below NoID or the index would exceed 2^32 postings.
func NewSymSpell(v Vocabulary, opts SymSpellOptions) *SymSpell {
	o := opts.withDefaults()
	n := v.Len()
	if uint64(n) >= uint64(NoID) {
		panic(fmt.Sprintf("candidates: vocabulary of %d words is too large", n))
	}
	s := &SymSpell{
		v:     v,
		opts:  o,
		words: make([]string, n),
		offs:  make([]uint32, n+1),
	}

	// Pass 1: decode the words, generate each word's deduplicated delete hashes into a temporary list.
	var keys []uint64
	keyEnd := make([]uint32, n) // keys of word id end at keyEnd[id]
	var g deleter
	var wordKeys []uint64
	runes := make([]rune, 0, n*8)
	for id := range n {
		w := v.Word(uint32(id))
		if v.Count(uint32(id)) >= o.MinCount {
			s.words[id] = w
			start := len(runes)
			for _, r := range w {
				runes = append(runes, r)
			}
			wr := runes[start:]
			p := wr[:min(len(wr), o.PrefixLength)]
			wordKeys = g.gen(p, o.MaxDistance, wordKeys[:0])
			slices.Sort(wordKeys)
			wordKeys = slices.Compact(wordKeys)
			keys = append(keys, wordKeys...)
			s.indexed++
		}
		if len(runes) > math.MaxUint32 {
			panic("candidates: vocabulary has too many runes")
		}
		s.offs[id+1] = uint32(len(runes))
		keyEnd[id] = uint32(len(keys))
	}
	s.runes = slices.Clip(runes)
	if len(keys) > math.MaxUint32 {
		panic("candidates: index would exceed 2^32 postings")
	}

	// Bucket array: a power of two between 1× and 2× the number of postings.
	logNB := 4
	if len(keys) > 1 {
		logNB = max(bits.Len(uint(len(keys)-1)), 4)
	}
	nb := 1 << logNB
	s.shift = uint(64 - logNB)
	s.idBits = uint(max(bits.Len32(uint32(max(n, 1)-1)), 1))
	s.idMask = uint32(1<<s.idBits - 1)

	// Pass 2 (counting): bucket sizes, then offsets.
	buckets := make([]uint32, nb+1)
	for _, h := range keys {
		buckets[(h>>s.shift)+1]++
	}
	for b := 1; b <= nb; b++ {
		buckets[b] += buckets[b-1]
	}
	// Pass 3: fill; buckets[b] serves as the fill cursor of bucket b and ends up at the start of bucket b+1.
	postings := make([]uint32, len(keys))
	start := uint32(0)
	for id := range n {
		end := keyEnd[id]
		for _, h := range keys[start:end] {
			b := h >> s.shift
			postings[buckets[b]] = uint32(id) | s.fingerprint(h)
			buckets[b]++
		}
		start = end
	}
	copy(buckets[1:], buckets[:nb])
	buckets[0] = 0
	s.buckets = buckets
	s.postings = postings
	s.pool.New = func() any { return &symScratch{stamp: make([]uint32, n)} }
	return s
}

// fingerprint returns the fingerprint bits of hash h, already shifted into place above the id bits (0 when
// the id takes all 32 bits). They come from the low end of h, which the bucket index (top bits) does not use.
func (s *SymSpell) fingerprint(h uint64) uint32 {
	return uint32(h) << s.idBits
}

// symScratch is the per-call state of Lookup, recycled through a sync.Pool.
type symScratch struct {
	q      []rune
	hashes []uint64
	stamp  []uint32
	gen    uint32
	del    deleter
	ed     editdist.Scratch
}

// Lookup appends to dst every indexed word within OSA distance maxDist of token, in no particular order,
// each id once, and returns dst. maxDist is clamped to 0..Options().MaxDistance. A token longer than
// Options().MaxTokenRunes runes returns dst unchanged. Lookup allocates nothing beyond growing dst.
func (s *SymSpell) Lookup(dst []Match, token string, maxDist int) []Match {
	maxDist = min(max(maxDist, 0), s.opts.MaxDistance)
	if len(token) > 4*s.opts.MaxTokenRunes+4 && utf8.RuneCountInString(token) > s.opts.MaxTokenRunes {
		return dst // cheap reject: more than MaxTokenRunes runes for sure
	}
	sc := s.pool.Get().(*symScratch)
	defer s.pool.Put(sc)

	q := sc.q[:0]
	for _, r := range token {
		q = append(q, r)
	}
	sc.q = q
	if len(q) > s.opts.MaxTokenRunes {
		return dst
	}
	P := min(len(q), s.opts.PrefixLength)
	sc.hashes = sc.del.gen(q[:P], maxDist, sc.hashes[:0])

	sc.gen++
	if sc.gen == 0 {
		clear(sc.stamp)
		sc.gen = 1
	}
	gen := sc.gen
	stamp := sc.stamp
	ql := len(q)
	for _, h := range sc.hashes {
		b := h >> s.shift
		fp := s.fingerprint(h)
		for _, p := range s.postings[s.buckets[b]:s.buckets[b+1]] {
			if p&^s.idMask != fp {
				continue
			}
			id := p & s.idMask
			lo, hi := s.offs[id], s.offs[id+1]
			wl := int(hi - lo)
			if wl-ql > maxDist || ql-wl > maxDist {
				continue
			}
			if stamp[id] == gen {
				continue
			}
			stamp[id] = gen
			d := editdist.OSA(q, s.runes[lo:hi], maxDist, &sc.ed)
			if d <= maxDist {
				dst = append(dst, Match{Word: s.words[id], ID: id, Count: s.v.Count(id), Distance: d})
			}
		}
	}
	return dst
}
