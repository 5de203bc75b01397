package spell

// Building the lattice: the typed token, its candidates (the column, from the token cache, the neighbour table
// or the index searches) and the readings across token boundaries, for every position.

import (
	"context"
	"unicode/utf8"

	"github.com/spellwright/speller/langmodel"
	"github.com/spellwright/speller/tokenize"
	"github.com/spellwright/speller/viterbi"
)

// buildLattice fills s.lat for query q, tokenized in s.toks, under the terms s.terms: at every position the
// token as typed first (index 0), then its best candidates (column), its splits, and the merges and
// re-splits of the token with the next one (pair).
func (c *Corrector) buildLattice(ctx context.Context, q string, s *scratch) error {
	lm := c.b.LM
	n := len(s.toks)
	l := &s.lat
	l.states = grow(l.states, n)
	l.words = grow(l.words, n)
	l.spaced, l.space = l.spaced[:0], c.space
	l.surprise, l.length, l.shape, l.unkLen = l.surprise[:0], l.length[:0], c.p.UnkShape, c.p.UnkLength
	s.info = s.info[:0]
	s.words.reset()
	s.seg.reset(&s.words)
	for i, t := range s.toks {
		if err := ctx.Err(); err != nil {
			return err
		}
		id := c.wordID(t, &s.variants)
		z, dev := c.unknownTerms(t, id)
		l.surprise, l.length = append(l.surprise, z), append(l.length, dev)
		inf := tokInfo{id: id, open: t.Correctable() && !s.terms.isProtected(t.Text),
			unk: unkLength(t, id) + c.p.UnkShape*z + c.p.UnkLength*dev, length: c.p.UnkLength * dev}
		l.states[i] = append(l.states[i][:0], viterbi.State{End: i + 1, First: id, Last: id, Inner: inf.unk})
		l.words[i] = append(l.words[i][:0], s.words.hold(word{t.Text, id}))
		if inf.open {
			inf.common = id != langmodel.Unknown && lm.LogUnigram(id) >= c.opts.KnownLogProb
			c.cachedColumn(s, i, id, &inf)
		}
		s.info = append(s.info, inf)
	}
	for i := 0; i+1 < n; i++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		c.pair(s, q, i)
	}
	return nil
}

// wordID returns the vocabulary id of the word token t, or of the first of its spellings without a possessive,
// apostrophes or diacritics that the vocabulary knows (tokenize.Variants): "ford's" and "café" are then known
// words, kept as typed unless their context calls for a change; langmodel.Unknown when none is known.
// buf is scratch.
func (c *Corrector) wordID(t tokenize.Token, buf *[]string) uint32 {
	lm := c.b.LM
	if id, ok := lm.ID(t.Text); ok || t.Kind != tokenize.Word {
		return id
	}
	*buf = tokenize.Variants((*buf)[:0], t.Text)
	for _, v := range *buf {
		if id, ok := lm.ID(v); ok {
			return id
		}
	}
	return langmodel.Unknown
}

// cachedColumn adds the column of token i from the token cache, or computes it (column) and caches it.
// Requests with their own terms bypass the cache: their columns differ.
func (c *Corrector) cachedColumn(s *scratch, i int, id uint32, inf *tokInfo) {
	if c.cols == nil || s.terms.any() {
		c.column(s, i, id, inf)
		return
	}
	text := s.toks[i].Text
	if col, ok := c.cols.Get(text); ok {
		inf.weak = col.weak
		for k, st := range col.states {
			st.End += i
			s.lat.add(i, st, col.words[k], col.edits[k])
		}
		return
	}
	start, spaced := len(s.lat.states[i]), len(s.lat.spaced)
	c.column(s, i, id, inf)
	n := len(s.lat.states[i]) - start
	col := &cachedColumn{weak: inf.weak, states: make([]viterbi.State, n), words: make([][]word, n),
		edits: make([]spaceEdits, n)}
	total := 0
	for k := range n {
		total += len(s.lat.words[i][start+k])
	}
	own := arena{ws: make([]word, 0, total)} // the column outlives the query: its words leave the scratch's arena
	for k := range n {
		col.states[k] = s.lat.states[i][start+k]
		col.states[k].End -= i
		col.words[k] = own.hold(s.lat.words[i][start+k]...)
	}
	for _, sp := range s.lat.spaced[spaced:] {
		col.edits[sp.idx-start] = sp.edits
	}
	c.cols.Add(text, col)
}

// column adds the candidates of token i at position i: the vocabulary words within MaxDistance (one less for
// short and for common tokens) ranked by log P(w) + λ·log P(t|w); for a weak token also some words one edit
// further (candidates.Wide) and the words that sound like it (candidates.Phonetic); and, for a token that is
// not a common word, its readings as several words (splits).
func (c *Corrector) column(s *scratch, i int, id uint32, inf *tokInfo) {
	t := s.toks[i]
	// A possessive ("frod's") is corrected as its word, and keeps its ending: "ford's".
	text, suffix := t.Text, ""
	if id == langmodel.Unknown {
		text, suffix = tokenize.Possessive(t.Text)
	}
	runes := utf8.RuneCountInString(text)
	dist := c.opts.MaxDistance
	if runes <= c.opts.ShortToken || inf.common {
		dist--
	}
	own := c.typedRank(*inf)
	floor := c.floor(own)
	s.best = c.nearestOf(s.best, &s.bounds, &s.matches, text, id, 0, dist, floor, c.opts.MaxCandidates, &s.terms)
	if id == langmodel.Unknown && c.opts.WeakMargin >= 0 &&
		(len(s.best) == 0 || s.best[0].r-max(own, weakRefLogPUnk+inf.unk-inf.length) < c.opts.WeakMargin) {
		inf.weak = true
		if runes >= wideMinRunes && dist == c.opts.MaxDistance {
			s.best = c.wider(s.best, &s.bounds, &s.matches, &s.seen, text, dist, floor, c.opts.MaxCandidates, &s.terms)
		}
	}
	for _, b := range s.best {
		w := b.w
		if suffix != "" {
			w.text += suffix
		}
		s.lat.add(i, viterbi.State{End: i + 1, First: w.id, Last: w.id, Emission: b.em}, s.words.hold(w), spaceEdits{})
	}
	if !inf.common && suffix == "" {
		c.splits(s, i, own, inf.weak)
	}
}

// weakRefLogPUnk is the least P_unk the weak-token test (Options.WeakMargin) measures a token's own rank
// with: the untuned value, model.DefaultParams.LogPUnk. P_unk is a decision parameter, and the tuner moves
// it by several nats (a lower P_unk makes unknown tokens easier to correct, not well explained ones harder
// to find); measured on the dev sets with the tuned default model (P_unk −29.8), the test against P_unk alone
// left "ofca" without its reading "of a" and cost 0.004 on norvig-test1.
const weakRefLogPUnk = -24

// wideMinRunes is the shortest token searched beyond MaxDistance: three edits turn a short token into too
// many words to rank.
const wideMinRunes = 5

func grow[T any](s [][]T, n int) [][]T {
	if cap(s) < n {
		s = append(s[:cap(s)], make([][]T, n-cap(s))...)
	}
	return s[:n]
}
