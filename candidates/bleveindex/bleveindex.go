// Package bleveindex is a candidates.Index over the term dictionary of one field of a live bleve index: it
// draws candidates from the terms the search index holds right now, the way Lucene's DirectSpellChecker works
// off a search index (much slower than candidates.SymSpell, but it needs no extra memory and follows the index
// as documents are added). It is a package of its own so that what does not use it (spelld) does not link
// bleve.
//
//	idx, err := bleveindex.New(searchIndex, "title", bleveindex.Options{})
//	matches := idx.Lookup(nil, "speling", 2) // terms within OSA distance 2, Count = document frequency
package bleveindex

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2"
	index "github.com/blevesearch/bleve_index_api"

	"github.com/spellwright/speller/candidates"
	"github.com/spellwright/speller/internal/editdist"
)

// Options configures New. The zero value accepts every term of the field.
type Options struct {
	// MinDocFreq drops the terms found in fewer documents (terms in no live document are always dropped).
	MinDocFreq uint64
	// Prefix is the number of leading runes a term must share with the token (0: none), as in Lucene's
	// DirectSpellChecker minPrefix. It speeds lookups up and loses the words whose typo is in the prefix.
	Prefix int
}

// Index is a candidates.Index over the term dictionary of one field of a bleve index: it finds candidates among the
// terms the index holds right now, the way Lucene's DirectSpellChecker works off a live search index. Match.ID
// is candidates.NoID and Match.Count is the term's document frequency in that field.
//
// Each Lookup opens a reader (a point-in-time snapshot), walks the dictionary and closes the reader, so it
// sees every document indexed before the call. Two code paths, chosen by what the index's reader supports:
//
//   - readers implementing index.IndexReaderFuzzy (scorch, bleve's default index type, e.g. bleve.New or
//     bleve.NewUsing("", m, scorch.Name, scorch.Name, nil) in memory): FieldDictFuzzy walks the term FST
//     with a Levenshtein automaton. In bleve v2.6.3 scorch builds that automaton with transpositions enabled
//     (vellum's NewLevenshteinAutomatonBuilder(d, true)), so its distance never exceeds OSA: Lookup asks for
//     fuzziness = maxDist and misses nothing (TestLookup checks this against a scan of the whole dictionary,
//     and TestAgreesWithSymSpell against SymSpell). New probes the automaton ("ab" against "ba");
//     should an implementation count a transposition as 2 (plain Levenshtein), Lookup asks for
//     fuzziness = min(maxDist+1, 2) instead, which still finds every word at OSA distance 1, but at
//     maxDist 2 misses the words whose OSA distance 2 involves a transposition and Levenshtein distance
//     exceeds 2 (a transposition plus another edit, or two transpositions). Scorch omits document
//     frequencies from fuzzy dictionary entries, so Lookup fetches each accepted term's frequency with a
//     TermFieldReader (which counts live documents only).
//   - other readers (upsidedown, used by bleve.NewMemOnly): the field dictionary (or the part of it sharing
//     the prefix) is scanned in full and every term is checked with OSA. Exact, but O(terms) per lookup.
//
// Every term is verified with editdist.OSA, which assigns Match.Distance. maxDist is clamped to 0..2 (bleve's
// automata go no further). Terms are returned in dictionary order. Lookups allocate (bleve's readers do).
//
// Lookup cannot return bleve errors (index closed, I/O): it returns the matches found up to the error and
// reports nothing. Use LookupErr to see the error.
type Index struct {
	idx   index.Index
	field string
	opts  Options
	// plainLev: the reader's fuzzy automaton counts a transposition as 2 edits (see Index).
	plainLev bool
	pool     sync.Pool
}

// maxBleveDist is the largest fuzziness bleve's automata support.
const maxBleveDist = 2

// New returns an Index over field of idx. It fails if the index is closed or has no advanced index.
// The field need not have terms yet. The Index must not be used after idx is closed: bleve's advanced index
// does not know, and lookups would see stale data or fail depending on the implementation.
func New(idx bleve.Index, field string, opts Options) (*Index, error) {
	if idx == nil {
		return nil, errors.New("bleveindex: nil bleve index")
	}
	if field == "" {
		return nil, errors.New("bleveindex: empty bleve field name")
	}
	if _, err := idx.DocCount(); err != nil { // fails if the index is closed
		return nil, fmt.Errorf("bleveindex: bleve index: %w", err)
	}
	adv, err := idx.Advanced()
	if err != nil {
		return nil, fmt.Errorf("bleveindex: bleve advanced index: %w", err)
	}
	opts.Prefix = max(opts.Prefix, 0)
	b := &Index{idx: adv, field: field, opts: opts}
	if b.plainLev, err = probePlainLevenshtein(adv, field); err != nil {
		return nil, fmt.Errorf("bleveindex: bleve reader: %w", err)
	}
	b.pool.New = func() any { return new(bleveScratch) }
	return b, nil
}

// probePlainLevenshtein reports whether the fuzzy dictionary of adv's readers counts a transposition as two
// edits. It is false for readers without a fuzzy dictionary (they are scanned with OSA) and for scorch.
func probePlainLevenshtein(adv index.Index, field string) (_ bool, err error) {
	r, err := adv.Reader()
	if err != nil {
		return false, err
	}
	defer func() {
		if cerr := r.Close(); cerr != nil && err == nil {
			err = cerr
		}
	}()
	fr, ok := r.(index.IndexReaderFuzzy)
	if !ok {
		return false, nil
	}
	fd, a, err := fr.FieldDictFuzzyAutomaton(field, "ab", 1, "")
	if err != nil {
		return false, err
	}
	if err := fd.Close(); err != nil {
		return false, err
	}
	if a == nil {
		return true, nil // cannot tell: assume the worst
	}
	match, d := a.MatchAndDistance("ba")
	return !match || d != 1, nil
}

type bleveScratch struct {
	q, t []rune
	ed   editdist.Scratch
}

// Lookup appends to dst the terms of the field within OSA distance maxDist of token (see Index), and returns
// dst. On a bleve error it returns what it found before the error.
func (b *Index) Lookup(dst []candidates.Match, token string, maxDist int) []candidates.Match {
	dst, _ = b.LookupErr(dst, token, maxDist)
	return dst
}

// LookupErr is Lookup that also returns the first error from bleve. dst holds the matches found before the
// error.
func (b *Index) LookupErr(dst []candidates.Match, token string, maxDist int) (_ []candidates.Match, err error) {
	maxDist = min(max(maxDist, 0), maxBleveDist)
	r, err := b.idx.Reader()
	if err != nil {
		return dst, err
	}
	defer func() {
		if cerr := r.Close(); cerr != nil && err == nil {
			err = cerr
		}
	}()
	sc := b.pool.Get().(*bleveScratch)
	defer b.pool.Put(sc)
	sc.q = appendRunes(sc.q[:0], token)
	q := sc.q

	if maxDist == 0 {
		n, err := docFreq(r, b.field, token)
		if err == nil && n > 0 && n >= b.opts.MinDocFreq {
			dst = append(dst, candidates.Match{Word: token, ID: candidates.NoID, Count: n, Distance: 0})
		}
		return dst, err
	}

	prefix := token[:runePrefixBytes(token, b.opts.Prefix)]

	var fd index.FieldDict
	fuzzy, isFuzzy := r.(index.IndexReaderFuzzy)
	switch {
	case isFuzzy:
		fuzziness := maxDist
		if b.plainLev {
			fuzziness = min(maxDist+1, maxBleveDist)
		}
		fd, err = fuzzy.FieldDictFuzzy(b.field, token, fuzziness, prefix)
	case prefix != "":
		fd, err = r.FieldDictPrefix(b.field, []byte(prefix))
	default:
		fd, err = r.FieldDict(b.field)
	}
	if err != nil {
		return dst, err
	}
	defer func() {
		if cerr := fd.Close(); cerr != nil && err == nil {
			err = cerr
		}
	}()
	for {
		e, err := fd.Next()
		if err != nil {
			return dst, err
		}
		if e == nil {
			return dst, nil
		}
		if n := utf8.RuneCountInString(e.Term); n-len(q) > maxDist || len(q)-n > maxDist {
			continue
		}
		sc.t = appendRunes(sc.t[:0], e.Term)
		d := editdist.OSA(q, sc.t, maxDist, &sc.ed)
		if d > maxDist {
			continue
		}
		term, count := e.Term, e.Count // e is only valid until the next call to Next
		if count == 0 && isFuzzy {
			// Scorch's fuzzy dictionary omits counts; a real zero (all documents deleted) stays zero here.
			if count, err = docFreq(r, b.field, term); err != nil {
				return dst, err
			}
		}
		if count == 0 || count < b.opts.MinDocFreq {
			continue
		}
		dst = append(dst, candidates.Match{Word: term, ID: candidates.NoID, Count: count, Distance: d})
	}
}

// docFreq returns the number of live documents whose field contains term (0 if none).
func docFreq(r index.IndexReader, field, term string) (n uint64, err error) {
	tfr, err := r.TermFieldReader(context.Background(), []byte(term), field, false, false, false)
	if err != nil {
		return 0, err
	}
	n = tfr.Count()
	return n, tfr.Close()
}

// appendRunes appends the runes of s to dst (invalid bytes as U+FFFD, as []rune(s) does).
func appendRunes(dst []rune, s string) []rune {
	for _, r := range s {
		dst = append(dst, r)
	}
	return dst
}

// runePrefixBytes returns the byte length of the first n runes of s (all of s if it has fewer).
func runePrefixBytes(s string, n int) int {
	for i := range s {
		if n == 0 {
			return i
		}
		n--
	}
	return len(s)
}

var _ candidates.Index = (*Index)(nil)
