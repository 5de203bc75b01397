// Package candidates finds the vocabulary words within a small edit distance of a typed token. It is the
// candidate generator of a noisy-channel speller: for a token it returns every known word within optimal
// string alignment (OSA, restricted Damerau–Levenshtein, see internal/editdist) distance 0..2, with the
// distance and the word's frequency, and leaves ranking to the caller.
//
// Use:
//
//	idx := candidates.NewSymSpell(vocab, candidates.SymSpellOptions{}) // once, at load time
//	var buf []candidates.Match                                        // per request (or reused)
//	buf = idx.Lookup(buf[:0], "speling", 2)                             // every word within OSA distance 2
//
// Two backends implement Index: SymSpell, an in-memory symmetric-deletion index built from a Vocabulary (the
// default: exact and a few microseconds per lookup), and bleveindex.Index (package candidates/bleveindex, so
// that only its users link bleve), which draws candidates from the term dictionary of a field of a live bleve
// index, the way Lucene's DirectSpellChecker works off a search index (much slower, but needs no extra memory
// and follows the index as documents are added).
//
// Sources composes an Index with its wider search and the phonetic index (Phonetic) behind the two searches
// a corrector makes: near (every word within a distance) and wide (for a token nothing near explains).
//
// Distances are counted in runes; a token that is not valid UTF-8 is decoded with each invalid byte as
// U+FFFD, exactly as a []rune conversion does.
package candidates

// Vocabulary is what an index is built over; word ids are 0..Len()-1. An index keeps a reference to it and
// calls Word and Count at lookup time for the words it returns, so it must not change after the index is built
// and must be safe for concurrent reads.
type Vocabulary interface {
	Len() int
	Word(id uint32) string
	Count(id uint32) uint64 // frequency of the word
}

// NoID marks a Match whose word is not from a Vocabulary (e.g. a bleve term).
const NoID = ^uint32(0)

// Match is one candidate.
type Match struct {
	Word     string
	ID       uint32 // id in the Vocabulary, or NoID
	Count    uint64 // frequency (vocabulary count, or document frequency for a bleve field)
	Distance int    // OSA distance to the query
}

// Index returns the words within maxDist of a token.
type Index interface {
	// Lookup appends to dst every word within OSA distance maxDist of token (distance counted in runes, token is
	// already normalized/lower-case) and returns dst. maxDist is 0..2 for every backend (SymSpell's max is set at
	// build time; asking for more than it was built with is clamped to it). Safe for concurrent use.
	Lookup(dst []Match, token string, maxDist int) []Match
}

// Wide is an Index that can also search one edit beyond the distance it answers exactly, not exhaustively,
// for tokens that nothing closer explains (see SymSpell.LookupWide).
type Wide interface {
	Index
	// LookupWide is Lookup with maxDist up to one more than the index answers exactly; the words at that
	// last distance are a subset of those there. Safe for concurrent use.
	LookupWide(dst []Match, token string, maxDist int) []Match
}

// SliceVocabulary is a Vocabulary backed by two parallel slices: word id i is Words[i] with frequency
// Counts[i]. Counts may be shorter than Words (missing counts are 0).
type SliceVocabulary struct {
	Words  []string
	Counts []uint64
}

// Len returns len(v.Words).
func (v *SliceVocabulary) Len() int { return len(v.Words) }

// Word returns v.Words[id].
func (v *SliceVocabulary) Word(id uint32) string { return v.Words[id] }

// Count returns v.Counts[id], or 0 when Counts is shorter.
func (v *SliceVocabulary) Count(id uint32) uint64 {
	if int(id) < len(v.Counts) {
		return v.Counts[id]
	}
	return 0
}

// Interface checks.
var (
	_ Index      = (*SymSpell)(nil)
	_ Wide       = (*SymSpell)(nil)
	_ Vocabulary = (*SliceVocabulary)(nil)
)
