package spell

import (
	"cmp"
	"math"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/spellwright/speller/candidates"
	"github.com/spellwright/speller/langmodel"
	"github.com/spellwright/speller/viterbi"
)

// Splits, merges and segmentation.
//
// A state of the lattice covers one or two typed tokens and produces one or more words:
//
//   - a split reads one token as several words: "flowergirl" → "flower girl", and a whole query typed
//     without spaces, "thequickbrownfox" → "the quick brown fox";
//   - a merge reads two tokens as one word: "ear ring" → "earring";
//   - a re-split reads two tokens as words cut elsewhere: "th elove" → "the love".
//
// Each word may itself be misspelled ("sekretplan" → "secret plan"). A state's emission is the sum over its
// words of log P(typed part | word) plus its space edits (spaceEdits), its Inner score the bigrams between
// its words, so the language and error models score it like any other path. The readings of a string as
// several words come from segment, a Viterbi search (package viterbi again) over the string's rune
// positions.

// Bounds of the search for readings as several words.
const (
	maxPartRunes  = 20 // longest word of a reading
	partsPerStart = 8  // words kept per start position, by their best completion
	fuzzyPerPart  = 2  // misspelled words kept per substring
	segNBest      = 3  // readings added to the lattice per token or pair of tokens
	// fuzzyMinRunes is the shortest substring read as a misspelled word: one edit makes a word of almost any
	// string of two letters.
	fuzzyMinRunes = 3
	// fuzzyWideRunes is the longest string whose first and last parts of at least fuzzyWideMin runes are
	// searched two edits away; other parts, and the parts of longer strings (too many), one edit away.
	fuzzyWideRunes = 24
	fuzzyWideMin   = 8
	// fuzzyMaxRunes is the longest string read with misspelled words, segMaxRunes the longest read at all:
	// the cost grows with the length (about 12 µs a rune with misspelled words, 1 µs without), and longer
	// strings come from machines, not shoppers.
	fuzzyMaxRunes = 64
	segMaxRunes   = 256
	// reachMinLogProb is the least log P of a word of two or three letters that lets the search of
	// misspelled parts through (see segment): the hundred or so most common words of English, not the
	// abbreviations.
	reachMinLogProb = -8
)

// segmentation is one reading of a string as several words.
type segmentation struct {
	words []word
	em    float64 // Σ log P(typed part | word), without the space edits
	inner float64 // Σ log P(word | previous word) after the first
	score float64 // the segmenter's score: the first word by its unigram, then inner, plus λ·em
	edits spaceEdits
}

// part is a word that can read the substring from a start position to end.
type part struct {
	w   word
	end int
	em  float64
	key float64 // best score of a reading of the rest of the string that starts with this part (by unigrams)
}

// segLattice is the lattice of segment: positions are runes of the string.
type segLattice struct {
	states [][]viterbi.State
	words  [][]word
}

func (l *segLattice) Len() int                       { return len(l.states) }
func (l *segLattice) States(pos int) []viterbi.State { return l.states[pos] }

// segmenter is the scratch of segment.
type segmenter struct {
	offs    []int // byte offset of each rune, then the length of the string
	parts   [][]part
	reach   []bool
	suffix  []float64
	lat     segLattice
	matches []candidates.Match
	best    []ranked
	bounds  []bound
	out     []segmentation
	// found holds what fuzzyParts found for each substring and distance in the current query (a span of
	// foundWords), so that the characters of a weak token, read alone and with each neighbour, are searched
	// once. The results depend on the query's terms, not on the string around the substring.
	found      map[foundKey]foundSpan
	foundWords []ranked
	words      *arena // the scratch's, which holds the readings' words
}

type foundKey struct {
	sub string
	d   int
}

type foundSpan struct{ from, to int32 }

// reset forgets the substrings of the previous query; the readings' words go to words.
func (sg *segmenter) reset(words *arena) {
	sg.words = words
	clear(sg.found)
	sg.foundWords = sg.foundWords[:0]
}

// segment returns the segNBest best readings of text as two or more words scoring above floor, best first.
// With boundary < 0 text is one typed token; otherwise it is two typed tokens joined, the space between them
// left out before rune boundary, and no reading may cut there (that is two single-token states). fuzzy allows misspelled words,
// the fuzzyPerPart best by log P(w) + λ·log P(part|w) for a substring of at least fuzzyMinRunes: one edit
// away for the first and last parts and for inner parts that exact words join to both ends; two edits away
// for a first or last part of at least fuzzyWideMin runes (in a string of at most fuzzyWideRunes) whose rest
// reads with at most one. So a reading may misspell its first and last words, or one word between exact
// ones, and the index is asked O(runes) times, not O(runes · maxPartRunes). Never-suggest words are left
// out.
//
// Each start position keeps the partsPerStart words with the best completion by unigrams (an upper bound of
// sorts, computed right to left), so the Viterbi search costs O(runes · partsPerStart²) bigram look-ups. The
// substrings cost one hash each (O(runes · maxPartRunes)), and with fuzzy one index look-up each (a
// vocabulary word's words one edit away come from the neighbour table, when built).
func (c *Corrector) segment(sg *segmenter, tm *terms, text string, boundary int, fuzzy bool, floor float64) []segmentation {
	lm, lambda := c.b.LM, c.p.Lambda
	sg.offs = sg.offs[:0]
	for i := range text {
		sg.offs = append(sg.offs, i)
	}
	sg.offs = append(sg.offs, len(text))
	n := len(sg.offs) - 1
	if n > segMaxRunes {
		return nil
	}
	fuzzy = fuzzy && n <= fuzzyMaxRunes
	sg.parts = grow(sg.parts, n)
	allowed := func(p, e int) bool { // a part [p, e) may be read; see the doc comment
		return p != boundary && e != boundary && !(p == 0 && e == n)
	}
	for p := range n {
		ps := sg.parts[p][:0]
		for e := p + 1; e <= min(n, p+maxPartRunes); e++ {
			if !allowed(p, e) {
				continue
			}
			if id, ok := lm.ID(text[sg.offs[p]:sg.offs[e]]); ok && !tm.isNever(id) {
				ps = append(ps, part{w: word{lm.Word(id), id}, end: e})
			}
		}
		sg.parts[p] = ps
	}
	if fuzzy {
		// Which positions exact words reach from the start (reach), and reach the end from (coreach); then
		// which prefixes (preOK) and suffixes (sufOK) read as a word at most one edit away. Words of one
		// letter do not count: nearly every letter is a word of the vocabulary (initials), so they would let
		// every substring through; nor do words of two or three letters but the common ones (of, to, the, and:
		// log P ≥ reachMinLogProb): a web vocabulary has thousands of them (abbreviations: th, eq, dvd), and
		// with them nearly every substring is searched (measured: 4× the time of a 60-letter token).
		sg.reach = slices.Grow(sg.reach[:0], 4*(n+1))[:4*(n+1)]
		clear(sg.reach)
		reach, coreach, preOK, sufOK := sg.reach[:n+1], sg.reach[n+1:2*n+2], sg.reach[2*n+2:3*n+3], sg.reach[3*n+3:]
		reach[0], coreach[n] = true, true
		counts := func(pt part, p int) bool {
			return pt.end-p > 3 || pt.end-p > 1 && lm.LogUnigram(pt.w.id) >= reachMinLogProb
		}
		for p := range n {
			for _, pt := range sg.parts[p] {
				reach[pt.end] = reach[pt.end] || reach[p] && counts(pt, p)
			}
		}
		for p := n - 1; p >= 0; p-- {
			for _, pt := range sg.parts[p] {
				coreach[p] = coreach[p] || coreach[pt.end] && counts(pt, p)
			}
		}
		copy(preOK, reach)
		copy(sufOK, coreach)
		for p := range n {
			for e := p + fuzzyMinRunes; e <= min(n, p+maxPartRunes); e++ {
				if allowed(p, e) && (p == 0 || e == n || reach[p] && coreach[e]) && c.fuzzyParts(sg, tm, text, p, e, 1) {
					preOK[e] = preOK[e] || p == 0
					sufOK[p] = sufOK[p] || e == n
				}
			}
		}
		for k := fuzzyWideMin; n <= fuzzyWideRunes && k < n; k++ {
			if allowed(0, k) && sufOK[k] {
				c.fuzzyParts(sg, tm, text, 0, k, 2)
			}
			if allowed(n-k, n) && preOK[n-k] {
				c.fuzzyParts(sg, tm, text, n-k, n, 2)
			}
		}
	}
	sg.suffix = slices.Grow(sg.suffix[:0], n+1)[:n+1]
	sg.suffix[n] = 0
	for p := n - 1; p >= 0; p-- {
		ps := sg.parts[p]
		best := math.Inf(-1)
		for k := range ps {
			ps[k].key = lm.LogUnigram(ps[k].w.id) + lambda*ps[k].em + sg.suffix[ps[k].end]
			best = max(best, ps[k].key)
		}
		sg.suffix[p] = best
		if len(ps) > partsPerStart {
			slices.SortFunc(ps, func(a, b part) int { return cmp.Compare(b.key, a.key) })
			sg.parts[p] = ps[:partsPerStart]
		}
	}
	if sg.suffix[0] <= floor {
		return nil // no reading covers the string, or none comes near the floor even by unigrams
	}
	l := &sg.lat
	l.states = grow(l.states, n)
	l.words = grow(l.words, n)
	for p := range n {
		l.states[p], l.words[p] = l.states[p][:0], l.words[p][:0]
		for _, pt := range sg.parts[p] {
			if !math.IsInf(pt.key, -1) { // a dead end otherwise
				l.states[p] = append(l.states[p], viterbi.State{End: pt.end, First: pt.w.id, Last: pt.w.id, Emission: pt.em})
				l.words[p] = append(l.words[p], pt.w)
			}
		}
	}
	paths := viterbi.Decode(l, transition{lm, c.p.LogPUnk, c.backoff},
		viterbi.Options{Lambda: lambda, NBest: segNBest, Start: langmodel.Unknown})
	out := sg.out[:0]
	for _, path := range paths {
		if path.Score <= floor {
			break
		}
		seg := segmentation{score: path.Score}
		moved := false
		from := sg.words.mark()
		for k, step := range path.Steps {
			sg.words.hold(l.words[step.Pos][step.Index])
			seg.em += l.states[step.Pos][step.Index].Emission
			if k > 0 {
				moved = k == 1 && adjacent(step.Pos, boundary)
			}
		}
		seg.words = sg.words.since(from)
		out = append(out, c.finish(seg, boundary, moved))
	}
	sg.out = out
	return out
}

// fuzzyParts adds the fuzzyPerPart best words exactly d edits from text's runes [p, e) as parts, and
// reports whether it found any.
func (c *Corrector) fuzzyParts(sg *segmenter, tm *terms, text string, p, e, d int) bool {
	sub := text[sg.offs[p]:sg.offs[e]]
	key := foundKey{sub, d}
	span, ok := sg.found[key]
	if !ok {
		id := langmodel.Unknown
		if d == neighbourDistance { // the words one edit from a vocabulary word may come from the table
			id, _ = c.b.LM.ID(sub)
		}
		sg.best = c.nearestOf(sg.best, &sg.bounds, &sg.matches, sub, id, d, d, c.p.LogPUnk, fuzzyPerPart, tm)
		span.from = int32(len(sg.foundWords))
		sg.foundWords = append(sg.foundWords, sg.best...)
		span.to = int32(len(sg.foundWords))
		if sg.found == nil {
			sg.found = make(map[foundKey]foundSpan)
		}
		sg.found[key] = span
	}
	for _, b := range sg.foundWords[span.from:span.to] {
		sg.parts[p] = append(sg.parts[p], part{w: b.w, end: e, em: b.em})
	}
	return span.to > span.from
}

// adjacent reports whether a cut at rune pos is one rune from the typed space at rune boundary (< 0: none).
func adjacent(pos, boundary int) bool {
	return boundary >= 0 && (pos == boundary-1 || pos == boundary+1)
}

// finish completes a reading: its inner bigrams, and its space edits, given the typed space at rune boundary
// (< 0: none) and whether the reading only moved it (two words cut one rune from it). See spaceEdits.
func (c *Corrector) finish(seg segmentation, boundary int, moved bool) segmentation {
	for k := 1; k < len(seg.words); k++ {
		seg.inner += c.b.LM.LogProbFloor(seg.words[k-1].id, seg.words[k].id, c.backoff)
	}
	switch {
	case boundary < 0:
		seg.edits = spaceEdits{del: 1}
	case moved:
		seg.edits = spaceEdits{trans: 1}
	default:
		seg.edits = spaceEdits{ins: 1, del: 1}
	}
	return seg
}

// split2 returns the segNBest best readings of text as two vocabulary words scoring above floor, best first:
// text as in segment, with no misspelled word, and the score log P(first) + log P(second|first). It costs
// two hashes per rune, against segment's maxPartRunes and a Viterbi search.
func (c *Corrector) split2(sg *segmenter, tm *terms, text string, boundary int, floor float64) []segmentation {
	lm := c.b.LM
	out := sg.out[:0]
	pos := 0
	for k := range text {
		if k == 0 {
			continue
		}
		pos++
		if pos == boundary {
			continue
		}
		l, ok := lm.ID(text[:k])
		if !ok || tm.isNever(l) {
			continue
		}
		r, ok := lm.ID(text[k:])
		if !ok || tm.isNever(r) {
			continue
		}
		score := lm.LogUnigram(l) + lm.LogProbFloor(l, r, c.backoff)
		if score <= floor || len(out) == segNBest && score <= out[segNBest-1].score {
			continue
		}
		seg := c.finish(segmentation{words: sg.words.hold(word{lm.Word(l), l}, word{lm.Word(r), r}), score: score},
			boundary, adjacent(pos, boundary))
		j := len(out)
		if j < segNBest {
			out = append(out, segmentation{})
		} else {
			j--
		}
		for j > 0 && out[j-1].score < score {
			out[j] = out[j-1]
			j--
		}
		out[j] = seg
	}
	sg.out = out
	return out
}

// splits adds at position i the readings of token i as several words that rank within Options.Beam of the
// token itself (own, its rank): as two exact words, or, for a weak token, as any number of words, misspelled
// or not (segment).
func (c *Corrector) splits(s *scratch, i int, own float64, weak bool) {
	text := s.toks[i].Text
	floor := c.floor(own) - c.p.Lambda*c.space.del
	var segs []segmentation
	if weak {
		segs = c.segment(&s.seg, &s.terms, text, -1, true, floor)
	} else {
		segs = c.split2(&s.seg, &s.terms, text, -1, floor)
	}
	c.addSegmentations(s, i, i+1, segs)
}

func (c *Corrector) addSegmentations(s *scratch, pos, end int, segs []segmentation) {
	for _, sg := range segs {
		st := viterbi.State{End: end, First: sg.words[0].id, Last: sg.words[len(sg.words)-1].id,
			Emission: sg.em + c.space.of(sg.edits), Inner: sg.inner}
		s.lat.add(pos, st, sg.words, sg.edits)
	}
}

// pair adds at position i the states that cover tokens i and i+1, when both may change and only white space
// separates them: the word they make joined (a merge), and, unless both are common words, their readings as
// words cut elsewhere (re-splits). For a weak token, the words within MaxDistance of the joined tokens and
// re-splits into misspelled words too.
func (c *Corrector) pair(s *scratch, q string, i int) {
	a, b := s.info[i], s.info[i+1]
	ta, tb := s.toks[i], s.toks[i+1]
	if !a.open || !b.open || strings.TrimSpace(q[ta.End:tb.Start]) != "" {
		return
	}
	lm := c.b.LM
	s.buf = append(append(s.buf[:0], ta.Text...), tb.Text...)
	merge := spaceEdits{ins: 1}
	if id, ok := lm.ID(string(s.buf)); ok && !s.terms.isNever(id) {
		s.lat.add(i, viterbi.State{End: i + 2, First: id, Last: id, Emission: c.space.of(merge)},
			s.words.hold(word{lm.Word(id), id}), merge)
	}
	if a.common && b.common {
		return
	}
	text := string(s.buf)
	weak := a.weak || b.weak
	if weak {
		floor := c.floor(c.typedRank(a)+c.typedRank(b)) - c.p.Lambda*c.space.ins
		s.best = c.nearest(s.best, &s.bounds, &s.matches, text, 0, c.opts.MaxDistance, floor, fuzzyPerPart, &s.terms)
		for _, r := range s.best {
			s.lat.add(i, viterbi.State{End: i + 2, First: r.w.id, Last: r.w.id, Emission: r.em + c.space.of(merge)},
				s.words.hold(r.w), merge)
		}
	}
	own := c.typedRank(a) + c.typedRank(b)
	floor := c.floor(own) - c.p.Lambda*min(c.space.of(spaceEdits{trans: 1}), c.space.of(spaceEdits{ins: 1, del: 1}))
	boundary := utf8.RuneCountInString(ta.Text)
	var segs []segmentation
	if weak {
		segs = c.segment(&s.seg, &s.terms, text, boundary, true, floor)
	} else {
		segs = c.split2(&s.seg, &s.terms, text, boundary, floor)
	}
	c.addSegmentations(s, i, i+2, segs)
}
