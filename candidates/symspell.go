package candidates

import (
	"cmp"
	"fmt"
	"math"
	"math/bits"
	"runtime"
	"slices"
	"sync"

	"github.com/spellwright/speller/internal/editdist"

	"github.com/spellwright/speller/internal/hashmix"
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
	// NoCounts: Lookup leaves Match.Count 0 instead of asking the Vocabulary, one memory access less per match
	// for a caller that ranks the matches by its own model.
	NoCounts bool
	// Order is the key LookupOrdered visits the words by, highest first, ties by ascending id (nil: the
	// Vocabulary's Count). (A func: SymSpellOptions values are not comparable.) A caller that ranks
	// candidates by a bound falling with a key of its own (a language model's log P(w)) passes that key, so
	// that it can stop at the first word whose bound cannot win. The index lays its words out in this order,
	// so that the words visited first share cache lines.
	Order func(id uint32) float64
}

// Defaults and limits of SymSpellOptions.
const (
	defaultMaxDistance   = 2
	maxMaxDistance       = 3
	defaultPrefixLength  = 7
	maxPrefixLength      = 64 // the delete generator tracks deleted positions in a uint64
	defaultMaxTokenRunes = 64
)

// withDefaults fills in the zero (or out-of-range) fields of o. It is the only place defaults live, but for a
// nil Order, which means the Vocabulary's Count (rankOrder).
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
// For every indexed word w, let W be its first PrefixLength runes (all of w when shorter). Every distinct
// string obtained by deleting at most MaxDistance runes from W (W itself included) is hashed (FNV-1a over the
// runes, then a 64-bit finalizer) and the word (its rank: see below) is filed under that hash. Lookup does
// the same to the token's window Q with at most maxDist deletes, gathers the words filed under each hash,
// drops those whose length or set of rune classes differs too much from the token's (both are lower bounds
// of OSA, see classMask) and verifies the rest with editdist.OSA on the full strings.
//
// Exactness. Take an optimal OSA alignment of the token and w with k ≤ maxDist operations; each leaves at most
// one rune unmatched on each side (of a transposed pair, one rune stays matched). Let c be the number of
// matched pairs inside the box Q×W. Deleting |Q|−c runes from Q and |W|−c from W leaves the same string, and
// max(|Q|, |W|) − c ≤ k: follow the alignment until it leaves the box; if both windows are PrefixLength runes
// long, the side it leaves by has all its window runes either matched or unmatched by an operation, and the
// other side has as many; if one string is shorter than PrefixLength, the longer window's extra runes are
// consumed by deletions after the shorter string ends. So every word within maxDist shares a hashed delete
// with the token, and the OSA check removes everything else: Lookup returns exactly the words within
// maxDist, each id once. The prefix bounds the index size and costs no recall. TestSymSpellExact checks this
// against brute force (OSA against every word) over 8,000 words and 4,000 queries, for several option sets.
//
// # Layout
//
// The delete hashes live in a CSR table: a bucket array (a power of two, ¼–½× the number of (word, delete)
// pairs: postingsPerBucketLog) of uint32 offsets into a postings array of uint32 entries, each holding the
// word's rank in its low bits (the "id bits"), above it the number of runes deleted from the word's window
// (2 bits), and in the remaining high bits a fingerprint of the delete hash (30 − ⌈log2 Len()⌉ bits, 13 for
// 128k words), so that most entries that merely share a bucket are skipped without touching the word, and a
// look-up one edit away skips the words that reach the delete only with two deletions (for a two-letter
// token, 95% of what it would otherwise verify). Words are kept as one flat []rune with, per word, a uint64
// of rune offset and rune-class mask. No map, no per-word allocation; building takes two passes over the
// words (decode, then generate the deletes into a temporary hash list of 8 bytes per posting) and two over
// the hashes (count per bucket, then fill).
//
// # Measured cost
//
// 82,833-word English unigram list, defaults (MaxDistance 2, PrefixLength 7), 2-core AMD VM, Go 1.26, on a
// machine shared with other jobs (load average 5–12 during the runs, so wall-clock times are inflated):
//
//   - build: ≈ 90 ms CPU (110–170 ms wall), 10 allocations; 2.03 M postings (24.5 per word); 16 MB of
//     temporary hashes during the build. See BenchmarkSymSpellBuild.
//   - memory, on the default model's 124,863 words (2.87 M postings): 22.8 MiB (Stats().Bytes): postings
//     10.9 MiB, buckets 4 MiB (2^20; 16 MiB with one bucket or more a posting, for no measurable gain in
//     speed), runes 3.6 MiB, per-word metadata and word string headers 2.9 MiB, the order (ids and keys, 12
//     bytes a word) 1.4 MiB.
//   - lookup, maxDist 2: median 7–8 µs (mean 10–14 µs) for typo'd 6–9-letter words; median ≈ 13 µs (mean
//     ≈ 17 µs) on Norvig's misspellings; short tokens reach hundreds of words ("rote": 421) and cost up to
//     ≈ 100 µs. maxDist 1: ≈ 1 µs. 0 allocations beyond growing dst. See BenchmarkSymSpellLookup.
//
// Time per lookup is O(C(P, ≤d) probes + candidates·(2d+1)·len), where P = min(len(token), PrefixLength): 29
// probes for d = 2, P = 7. Short tokens (1–4 runes) reach every short word and cost more candidates. Most of
// the time is cache misses (a bucket, its postings, each candidate's metadata and runes), so a look-up issues
// each kind of load for all its buckets or candidates before it uses them, which lets the misses overlap
// (0.55–0.9× the time of one load after the other on the look-ups of BenchmarkSymSpellLookup).
//
// Words are numbered internally by their place in the order of Options.Order (their rank, highest key
// first): the postings, the runes and the per-word arrays hold ranks, and a match's rank becomes its id
// through one array (ids).
type SymSpell struct {
	v        Vocabulary
	opts     SymSpellOptions
	ids      []uint32  // ids[rank]: the Vocabulary id of the word of that rank
	keys     []float64 // keys[rank]: its key in the order of Options.Order
	words    []string  // words[rank]; "" for words left out by MinCount
	runes    []rune    // all indexed words' runes, concatenated, by rank
	meta     []uint64  // by rank: rune offset (low 32 bits; runes end at meta[rank+1]) | classMask << 32
	buckets  []uint32  // postings of bucket b are postings[buckets[b]:buckets[b+1]]
	postings []uint32  // rank | deleted<<idBits | fingerprint<<(idBits+depthBits)
	shift    uint      // bucket(h) = h >> shift
	idBits   uint      // number of low posting bits holding the rank
	idMask   uint32
	// depthBits is 2 when the postings hold the number of runes deleted from the word's window (the delete's
	// depth) above the id, 0 when the id leaves no room (more than 2^30 words).
	depthBits uint
	indexed   int // number of indexed words
	pool      sync.Pool
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
		Bytes: 4*len(s.runes) + 8*len(s.meta) + 4*len(s.buckets) + 4*len(s.postings) +
			16*len(s.words) + 4*len(s.ids) + 8*len(s.keys),
	}
}

// Options returns the options the index was built with, defaults filled in.
func (s *SymSpell) Options() SymSpellOptions { return s.opts }

// hashing: FNV-1a over rune values, then the splitmix64 finalizer (internal/hashmix) so that both the top bits (bucket) and
// the low bits (fingerprint) depend on every rune.
const (
	fnvOffset = 14695981039346656037
	fnvPrime  = 1099511628211
)

// deleter enumerates the hashes of the distinct strings obtained by deleting up to maxDel runes from p, each
// exactly once. It tracks the deleted positions in a bit mask and hashes p while skipping them, so no string is
// built. It only deletes a rune whose nearest kept predecessor differs from it; the kept positions are then the
// rightmost embedding of the resulting string in p (the last kept position is the last occurrence of the last
// rune, and so on backwards), which is unique, so every distinct delete is generated once and only once.
type deleter struct {
	p    []rune
	mask uint64
	out  []uint64
}

// hash returns the hash of the current delete, its two low bits replaced by the number of runes deleted
// (at most 3; see depthBits).
func (g *deleter) hash(deleted int) uint64 {
	h := uint64(fnvOffset)
	m := g.mask
	for i, r := range g.p {
		if m&(1<<uint(i)) != 0 {
			continue
		}
		h = (h ^ uint64(r)) * fnvPrime
	}
	return hashmix.Mix(h)&^3 | uint64(min(deleted, 3))
}

// gen appends to out the hashes of the deletes of p with at most maxDel deletions and returns it.
func (g *deleter) gen(p []rune, maxDel int, out []uint64) []uint64 {
	g.p, g.mask, g.out = p, 0, out
	g.rec(0, maxDel, 0)
	out = g.out
	g.p, g.out = nil, nil
	return out
}

func (g *deleter) rec(start, depth, deleted int) {
	g.out = append(g.out, g.hash(deleted))
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
		g.rec(j+1, depth-1, deleted+1)
		g.mask &^= 1 << uint(j)
	}
}

// numDeletes returns the number of position sets of at most d of n positions, an upper bound of the number of
// distinct deletes of an n-rune string.
func numDeletes(n, d int) int {
	total, c := 0, 1
	for k := 0; k <= d && k <= n; k++ {
		total += c // c = C(n, k)
		c = c * (n - k) / (k + 1)
	}
	return total
}

// classMask returns the set of rune classes (rune mod 32, so a–z are distinct) occurring in w. One edit
// operation removes at most one class from a string's set and adds at most one, and a transposition changes
// nothing, so OSA(a, b) ≥ max(|A∖B|, |B∖A|) for the class sets A, B: a cheap exact filter before OSA.
func classMask(w []rune) uint32 {
	var m uint32
	for _, r := range w {
		m |= 1 << (uint32(r) & 31)
	}
	return m
}

// NewSymSpell builds a SymSpell index over the words of v (see SymSpellOptions). It keeps v (for Count) and
// the word strings; v must not change afterwards. Words are indexed as given: they should already be
// normalized the way Lookup tokens are. Duplicate words are indexed under each of their ids.
//
// It panics if v.Len() does not fit a uint32 id below NoID or the index would exceed 2^32 postings or runes.
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
		meta:  make([]uint64, n+1),
	}
	s.ids, s.keys = rankOrder(v, o.Order)

	// Pass 1: collect the indexed words by rank and decode them into one rune array; bound the number of
	// postings. From here on, a word is its rank (see SymSpell).
	indexed := make([]bool, n)
	nbytes := 0
	for rank, id := range s.ids {
		if indexed[rank] = v.Count(id) >= o.MinCount; indexed[rank] {
			s.words[rank] = v.Word(id)
			nbytes += len(s.words[rank])
			s.indexed++
		}
	}
	runes := make([]rune, 0, nbytes) // a string has at most as many runes as bytes
	maxKeys := 0
	for rank, w := range s.words {
		start := len(runes)
		if indexed[rank] {
			for _, r := range w {
				runes = append(runes, r)
			}
			maxKeys += numDeletes(min(len(runes)-start, o.PrefixLength), o.MaxDistance)
		}
		if uint64(len(runes)) > math.MaxUint32 {
			panic("candidates: vocabulary has too many runes")
		}
		s.meta[rank] = uint64(start) | uint64(classMask(runes[start:]))<<32
	}
	s.meta[n] = uint64(len(runes))
	s.runes = runes
	if uint64(maxKeys) > math.MaxUint32 {
		panic("candidates: index would exceed 2^32 postings")
	}

	// Pass 2: every indexed word's delete hashes, in rank order, into a temporary list; the ranks are cut into
	// one range per core, each generated in parallel into its own region of the list, sized by the bound of
	// its words' deletes (no copy, no growth). keyEnd[rank] is where the keys of that word end in the list.
	keyEnd := make([]uint32, n)
	parts := max(1, min(runtime.GOMAXPROCS(0), n/minBuildChunk))
	region := make([][2]int, parts) // region[k]: the start of part k's keys, then their end
	all := make([]uint64, maxKeys)
	for k, at := 0, 0; k < parts; k++ {
		region[k][0] = at
		for rank := k * n / parts; rank < (k+1)*n/parts; rank++ {
			if indexed[rank] {
				at += numDeletes(min(len(s.word(uint32(rank))), o.PrefixLength), o.MaxDistance)
			}
		}
	}
	var wg sync.WaitGroup
	for k := range parts {
		lo, hi := k*n/parts, (k+1)*n/parts
		end := len(all)
		if k+1 < parts {
			end = region[k+1][0]
		}
		wg.Go(func() {
			var g deleter
			keys := all[region[k][0]:region[k][0]:end] // numDeletes bounds the deletes: it never grows
			for rank := lo; rank < hi; rank++ {
				if indexed[rank] {
					w := s.word(uint32(rank))
					keys = g.gen(w[:min(len(w), o.PrefixLength)], o.MaxDistance, keys)
				}
				keyEnd[rank] = uint32(region[k][0] + len(keys))
			}
			region[k][1] = region[k][0] + len(keys)
		})
	}
	wg.Wait()
	nkeys := 0
	for _, r := range region {
		nkeys += r[1] - r[0]
	}

	// Bucket array: a power of two, between ¼× and ½× the number of postings (postingsPerBucketLog).
	logNB := 4
	if nkeys > 1 {
		logNB = max(bits.Len(uint(nkeys-1))-postingsPerBucketLog, 4)
	}
	nb := 1 << logNB
	s.shift = uint(64 - logNB)
	s.idBits = uint(max(bits.Len32(uint32(max(n, 1)-1)), 1))
	s.idMask = uint32(1<<s.idBits - 1)
	if s.idBits <= maxDepthIDBits {
		s.depthBits = 2
	}

	// Pass 3 (counting): bucket sizes, then offsets.
	buckets := make([]uint32, nb+1)
	for _, r := range region {
		for _, h := range all[r[0]:r[1]] {
			buckets[(h>>s.shift)+1]++
		}
	}
	for b := 1; b <= nb; b++ {
		buckets[b] += buckets[b-1]
	}
	// Pass 4: fill; buckets[b] serves as the fill cursor of bucket b and ends up at the start of bucket b+1.
	postings := make([]uint32, nkeys)
	for k, r := range region {
		start := uint32(r[0])
		for rank := k * n / parts; rank < (k+1)*n/parts; rank++ {
			end := keyEnd[rank]
			for _, h := range all[start:end] {
				b := h >> s.shift
				postings[buckets[b]] = uint32(rank) | s.depth(h) | s.fingerprint(h)
				buckets[b]++
			}
			start = end
		}
	}
	copy(buckets[1:], buckets[:nb])
	buckets[0] = 0
	s.buckets = buckets
	s.postings = postings
	s.pool.New = func() any { return new(symScratch) }
	return s
}

// rankOrder returns the ids of v by descending key (the Count when key is nil), ties by ascending id, and
// their keys in that order.
func rankOrder(v Vocabulary, key func(id uint32) float64) (ids []uint32, keys []float64) {
	n := v.Len()
	byID := make([]float64, n)
	ids = make([]uint32, n)
	for id := range n {
		ids[id] = uint32(id)
		if key != nil {
			byID[id] = key(uint32(id))
		} else {
			byID[id] = float64(v.Count(uint32(id)))
		}
	}
	slices.SortFunc(ids, func(a, b uint32) int {
		if c := cmp.Compare(byID[b], byID[a]); c != 0 {
			return c
		}
		return cmp.Compare(a, b)
	})
	keys = make([]float64, n)
	for rank, id := range ids {
		keys[rank] = byID[id]
	}
	return ids, keys
}

// maxDepthIDBits is the most id bits that leave room for the depth in a posting (32 − 2).
var maxDepthIDBits uint = 30 // a variable so that a test can take the path without depths

// minBuildChunk is the fewest words a core generates the delete hashes of when the index is built.
const minBuildChunk = 8192

// word returns the runes of the word of a rank (empty for words left out by MinCount).
func (s *SymSpell) word(rank uint32) []rune {
	return s.runes[uint32(s.meta[rank]):uint32(s.meta[rank+1])]
}

// fingerprint returns the fingerprint bits of hash h, already shifted into place above the id bits (0 when
// the id takes all 32 bits). They come from the low end of h, which the bucket index (top bits) does not use.
func (s *SymSpell) fingerprint(h uint64) uint32 {
	return uint32(h>>2) << (s.idBits + s.depthBits) // 0 when the shift is 32 or more
}

// depth returns the number of runes deleted to make the delete of hash h (its two low bits, see
// deleter.hash), shifted into place above the id bits, or 0 when the postings hold no depth.
func (s *SymSpell) depth(h uint64) uint32 {
	if s.depthBits == 0 {
		return 0
	}
	return uint32(h&3) << s.idBits
}

// postingsPerBucketLog is log2 of the number of postings per bucket the index aims at: a bucket's postings
// are a few contiguous entries, which one cache line mostly holds, and the fingerprints skip the entries of
// other deletes, so 2–4 postings a bucket cost a look-up little and save three quarters of the bucket array
// (12 MiB for 125,000 words) against one.
const postingsPerBucketLog = 2

// symScratch is the per-call state of a look-up (Lookup, LookupOrdered and their wide forms), recycled
// through a sync.Pool.
type symScratch struct {
	q      []rune
	hashes []uint64
	cand   []uint32
	found  []uint64 // rank<<8 | distance of the words verified before the sort (lookupOrdered)
	// keptSet is an open-addressing set of the ranks gather keeps (rank+1, 0 empty), at least twice as large
	// as the ranks gathered: small enough to stay in the first-level cache, where a mark per word would
	// miss it about once a word.
	keptSet []uint32
	del     deleter
	ed      editdist.Scratch
	pat     editdist.Pattern
	// bitParallel: pat holds the token (editdist.Pattern.Reset); otherwise distances take editdist.OSA.
	bitParallel bool
	ranges      [][2]uint32 // the postings of each delete hash
	// touch sums what gather loads only to bring it into the cache early (kept, so that the loads are too).
	touch uint32
}

// Lookup appends to dst every indexed word within OSA distance maxDist of token, in no particular order,
// each id once, and returns dst. maxDist is clamped to 0..Options().MaxDistance. A token longer than
// Options().MaxTokenRunes runes returns dst unchanged. Lookup allocates nothing beyond growing dst (its
// scratch comes from a sync.Pool and is only reallocated when the garbage collector has emptied the pool).
func (s *SymSpell) Lookup(dst []Match, token string, maxDist int) []Match {
	return s.lookup(dst, token, min(max(maxDist, 0), s.opts.MaxDistance))
}

// LookupWide is Lookup one edit further: maxDist is clamped to 0..Options().MaxDistance+1. Within
// Options().MaxDistance it returns exactly what Lookup returns; at MaxDistance+1 only the words that share
// with the token a delete of at most MaxDistance runes of the word's window (the index holds no more) and
// MaxDistance+1 runes of the token's, which is most of them but not all: a word is missed when every
// alignment leaves more than MaxDistance runes of its window unmatched (the token lacks, or has other
// letters for, three of them). Over the Birkbeck misspellings three edits from an English word (82k-word
// list, MaxDistance 2) it finds the intended word for 68%, in about 140 µs (64 probes and ≈ 170 matches per
// token, against ≈ 30 probes and 10 µs at distance 2); an index built with MaxDistance 3 finds all of them,
// but is 2.6 times larger (53 MiB) and slows every lookup at distance 2.
func (s *SymSpell) LookupWide(dst []Match, token string, maxDist int) []Match {
	return s.lookup(dst, token, min(max(maxDist, 0), s.opts.MaxDistance+1))
}

// lookup implements Lookup and LookupWide: it probes the deletes of at most maxDist runes of the token's window
// and verifies the words found at OSA distance maxDist.
func (s *SymSpell) lookup(dst []Match, token string, maxDist int) []Match {
	sc := s.pool.Get().(*symScratch)
	defer s.pool.Put(sc)
	cand, ok := s.gather(sc, token, maxDist)
	if !ok {
		return dst
	}
	for _, rank := range cand {
		if d := s.distance(sc, rank, maxDist); d <= maxDist {
			dst = append(dst, s.match(rank, d))
		}
	}
	return dst
}

// Visit is a word LookupOrdered reaches.
type Visit struct {
	ID       uint32  // its id in the Vocabulary
	Distance int     // its OSA distance to the token
	Key      float64 // its key in the order of Options().Order
	// Runes are the word's runes, the index's own (immutable, shared by every look-up): not to be modified.
	Runes []rune
}

// LookupOrdered calls visit with every indexed word within OSA distance minDist..maxDist of token, each once,
// in descending order of Options().Order (ties by ascending id), until visit returns false. maxDist is
// clamped to 0..Options().MaxDistance, and a token longer than Options().MaxTokenRunes runes visits nothing,
// as in Lookup. It finds the words as Lookup does and, one edit away, verifies the distance of each only when
// the visit reaches it: a caller ranking the words by a bound that falls along the order (log P(w) less the
// cheapest edits) stops at the first word that cannot win and skips the verification of the rest (two edits
// away and more, it verifies them all first and sorts the matches only: verifyFirst). A visit gives what
// the index holds (the word's runes and key, nothing of the Vocabulary), so that it costs no memory access
// beyond the index's, and may look up again.
func (s *SymSpell) LookupOrdered(token string, minDist, maxDist int, visit func(Visit) bool) {
	s.lookupOrdered(token, minDist, min(max(maxDist, 0), s.opts.MaxDistance), visit)
}

// LookupWideOrdered is LookupOrdered one edit further, as LookupWide is Lookup: maxDist is clamped to
// 0..Options().MaxDistance+1, and the words at MaxDistance+1 are those LookupWide finds there.
func (s *SymSpell) LookupWideOrdered(token string, minDist, maxDist int, visit func(Visit) bool) {
	s.lookupOrdered(token, minDist, min(max(maxDist, 0), s.opts.MaxDistance+1), visit)
}

// lookupOrdered implements LookupOrdered and LookupWideOrdered.
func (s *SymSpell) lookupOrdered(token string, minDist, maxDist int, visit func(Visit) bool) {
	sc := s.pool.Get().(*symScratch)
	defer s.pool.Put(sc)
	cand, ok := s.gather(sc, token, maxDist)
	if !ok {
		return
	}
	if maxDist >= verifyFirst {
		// Verify every word, then sort the matches only (a quarter of the words, two edits away).
		found := sc.found[:0]
		for _, rank := range cand {
			if d := s.distance(sc, rank, maxDist); d >= minDist && d <= maxDist {
				found = append(found, uint64(rank)<<8|uint64(d))
			}
		}
		slices.Sort(found) // by rank: the order of Options().Order
		sc.found = found
		for _, f := range found {
			if !s.visit(uint32(f>>8), int(f&0xff), visit) {
				return
			}
		}
		return
	}
	slices.Sort(cand) // ranks: the order of Options().Order
	for _, rank := range cand {
		if d := s.distance(sc, rank, maxDist); d >= minDist && d <= maxDist && !s.visit(rank, d, visit) {
			return
		}
	}
}

// verifyFirst is the least maxDist at which lookupOrdered verifies the words before it sorts them. Two
// edits away the look-ups of the corrector (spell) visit nearly every match (their bound cannot stop before
// the twelve candidates they keep are found, and there are about 17), so sorting the matches alone saves
// three quarters of the sort; one edit away they stop early often enough that verifying only the words
// visited costs less.
const verifyFirst = 2

// visit calls fn with the visit of the word of a rank at distance d, and returns what it returns.
func (s *SymSpell) visit(rank uint32, d int, fn func(Visit) bool) bool {
	w := s.word(rank)
	return fn(Visit{ID: s.ids[rank], Distance: d, Key: s.keys[rank], Runes: w[:len(w):len(w)]})
}

// gather returns the ranks of the words that share a delete of at most maxDist runes with token (see How it
// works) and pass the filters of the distance (length and rune classes), each once, in sc; false when the
// token is too long to look up. sc.q holds the token's runes and sc.pat its pattern for distance.
func (s *SymSpell) gather(sc *symScratch, token string, maxDist int) ([]uint32, bool) {
	if len(token) > 4*s.opts.MaxTokenRunes {
		return nil, false // more than MaxTokenRunes runes for sure (a rune takes at most 4 bytes)
	}
	q := sc.q[:0]
	for _, r := range token {
		q = append(q, r)
	}
	sc.q = q
	if len(q) > s.opts.MaxTokenRunes {
		return nil, false
	}
	sc.hashes = sc.del.gen(q[:min(len(q), s.opts.PrefixLength)], maxDist, sc.hashes[:0])

	// Gather the ranks whose fingerprint matches, made with at most maxDist deletions from the word's window
	// (a word within maxDist shares a delete of that depth with the token; see How it works): short tokens
	// searched one edit away skip the many words that only reach them with two deletions. The bucket loads
	// of different deletes are independent, which lets the CPU overlap their cache misses.
	cand := sc.cand[:0]
	depthMask := uint32(1<<s.depthBits-1) << s.idBits // 0 when the postings hold no depth
	low := s.idMask | depthMask
	maxDepth := uint32(min(maxDist, 3)) << s.idBits & depthMask
	// First every bucket's range, then the first posting of each: independent loads, whose cache misses
	// overlap, before the scan reads them one bucket at a time.
	sc.ranges = sc.ranges[:0]
	var touch uint32
	for _, h := range sc.hashes {
		b := h >> s.shift
		sc.ranges = append(sc.ranges, [2]uint32{s.buckets[b], s.buckets[b+1]})
	}
	for _, r := range sc.ranges {
		if r[0] < r[1] {
			touch += s.postings[r[0]]
		}
	}
	for i, h := range sc.hashes {
		fp := s.fingerprint(h)
		r := sc.ranges[i]
		for _, p := range s.postings[r[0]:r[1]] {
			if p&^low == fp && p&depthMask <= maxDepth {
				cand = append(cand, p&s.idMask)
			}
		}
	}

	// Keep each word once, and only those the cheap lower bounds of OSA leave within maxDist.
	setBits := max(bits.Len(uint(2*len(cand))), 4)
	if cap(sc.keptSet) < 1<<setBits {
		sc.keptSet = make([]uint32, 1<<setBits)
	}
	set := sc.keptSet[:1<<setBits]
	clear(set)
	setMask := uint32(len(set) - 1)
	ql, qm := len(q), classMask(q)
	kept := cand[:0]
	for _, rank := range cand {
		m0, m1 := s.meta[rank], s.meta[rank+1]
		wl := int(uint32(m1) - uint32(m0))
		if wl-ql > maxDist || ql-wl > maxDist {
			continue // OSA ≥ difference in length
		}
		wm := uint32(m0 >> 32)
		if bits.OnesCount32(qm&^wm) > maxDist || bits.OnesCount32(wm&^qm) > maxDist {
			continue // OSA ≥ classes on one side only (see classMask)
		}
		h := uint32(hashmix.Fibonacci(uint64(rank), uint(setBits)))
		for set[h] != 0 && set[h] != rank+1 {
			h = (h + 1) & setMask
		}
		if set[h] != 0 {
			continue // kept already
		}
		set[h] = rank + 1
		kept = append(kept, rank)
	}
	sc.cand = kept
	// Touch the first rune of each kept word: independent loads, whose cache misses overlap, before the
	// verification reads them one word at a time.
	for _, rank := range kept {
		if o := uint32(s.meta[rank]); o < uint32(len(s.runes)) {
			touch += uint32(s.runes[o])
		}
	}
	sc.touch += touch
	sc.bitParallel = sc.pat.Reset(q)
	return kept, true
}

// distance returns the OSA distance between the token of the last gather in sc and the word of a rank, or
// maxDist+1 when it is larger.
func (s *SymSpell) distance(sc *symScratch, rank uint32, maxDist int) int {
	w := s.word(rank)
	if sc.bitParallel {
		return sc.pat.Distance(w, maxDist)
	}
	return editdist.OSA(sc.q, w, maxDist, &sc.ed)
}

// match returns the Match of the word of a rank at distance d.
func (s *SymSpell) match(rank uint32, d int) Match {
	id := s.ids[rank]
	m := Match{Word: s.words[rank], ID: id, Distance: d}
	if !s.opts.NoCounts {
		m.Count = s.v.Count(id)
	}
	return m
}
