// Package spell is the corrector: it tokenizes a query, draws candidates for each correctable token from the
// vocabulary index, and readings across token boundaries (splits, merges, re-splits, the segmentation of
// words run together; see compound.go), scores them with the error and language models, finds the most
// probable correction with Viterbi decoding, and decides from the log odds of that correction against the
// query as typed whether to offer it ("did you mean"), apply it ("showing results for") or say nothing.
// Protected terms are never changed and never-suggest words never produced (see terms.go).
//
//	c := spell.New(bundle, spell.Options{})
//	res, err := c.Correct(ctx, spell.Request{Query: "jewlery box"})
//	fmt.Println(res.Action, res.Correction) // AUTO_CORRECT jewelry box
package spell

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/spellwright/speller/candidates"
	"github.com/spellwright/speller/charlm"
	"github.com/spellwright/speller/errormodel"
	"github.com/spellwright/speller/eval"
	"github.com/spellwright/speller/internal/lru"
	"github.com/spellwright/speller/langmodel"
	"github.com/spellwright/speller/model"
	"github.com/spellwright/speller/tokenize"
	"github.com/spellwright/speller/viterbi"
)

// Action is what the search page should do with a correction.
type Action int

// The actions, in increasing confidence.
const (
	None        Action = iota // show nothing
	DidYouMean                // show the results of the query as typed, and offer the correction
	AutoCorrect               // show the results of the correction, and offer the query as typed
)

func (a Action) String() string {
	switch a {
	case DidYouMean:
		return "DID_YOU_MEAN"
	case AutoCorrect:
		return "AUTO_CORRECT"
	}
	return "NONE"
}

// Errors returned (wrapped) by Correct for input it refuses; test them with errors.Is.
var (
	ErrInvalidUTF8 = errors.New("query is not valid UTF-8")
	ErrTooLong     = errors.New("query too long")
	ErrTooMany     = errors.New("query has too many tokens or terms")
)

// NoCandidateLogOdds is the log odds reported when no token of the query has any candidate.
const NoCandidateLogOdds = -100

// Options configure a Corrector. The zero value works; defaults are filled in by withDefaults.
type Options struct {
	MaxQueryBytes int // longest query accepted, in bytes (default 1024)
	MaxTokens     int // most tokens accepted (default 32)
	MaxDistance   int // edit distance of candidates (default 2)
	// ShortToken is the length in runes up to which a token gets candidates one edit closer than
	// MaxDistance (default 3; -1 disables): two edits turn a three-letter word into hundreds of others, at
	// great cost and little use.
	ShortToken int
	// KnownLogProb: a token that is a vocabulary word at least this probable (log P(w)) also gets candidates
	// one edit closer: a word typed correctly is rarely two edits from the intended one, and correct words are
	// most of the traffic. Default (0): every vocabulary word; −13, about the 20,000th English word, limits
	// it to common words. Measured: no change of accuracy on the dev sets or the held-out training set
	// between the two, and less work for correct rare words.
	KnownLogProb  float64
	MaxCandidates int // candidates kept per token after ranking by P(w)·P(t|w)^λ (default 12)
	NBest         int // paths decoded, the source of alternatives (default 5)
	// Beam drops candidates whose rank log P(w) + λ·log P(t|w) is more than Beam below the typed token's
	// own, log P(t) (P_unk when unknown): context cannot make up such a gap, and for a correct common word
	// it skips nearly every alignment (default 15; negative disables).
	Beam float64
	// Index draws candidates; default: a SymSpell index over the model's vocabulary.
	Index candidates.Index
	// WeakMargin: a token outside the vocabulary whose best candidate ranks less than WeakMargin above the
	// token itself (log P(w) + λ·log P(t|w) − log P_unk) is weak: nothing close explains it well, so it also
	// gets the wider searches, candidates one edit further than MaxDistance and splits whose parts are
	// themselves misspelled (default 3; negative: never). The token's own rank here uses P_unk or
	// weakRefLogPUnk, whichever is higher, so that tuning P_unk down does not switch the searches off.
	WeakMargin float64
	// MaxTerms bounds the protected and never-suggest terms of one request, together (default 1000).
	MaxTerms int
	// TokenCache is how many tokens' columns a Corrector keeps (default 16,384; negative: none): a token's
	// candidates, its readings as several words and whether it is weak depend on the token alone, so a
	// token seen before costs a look-up instead of the index searches that are most of a correction's work.
	// Most tokens of new queries are words seen before. A column takes about 600 bytes (measured over the
	// dev sets' tokens), so the default holds about 10 MB. Requests with their own protected or
	// never-suggest terms neither use nor fill it. See BENCHMARKS.md for the effect.
	TokenCache int
}

func (o Options) withDefaults() Options {
	if o.MaxQueryBytes <= 0 {
		o.MaxQueryBytes = 1024
	}
	if o.MaxTokens <= 0 {
		o.MaxTokens = 32
	}
	if o.MaxDistance <= 0 {
		o.MaxDistance = 2
	}
	if o.KnownLogProb == 0 {
		o.KnownLogProb = math.Inf(-1)
	}
	if o.ShortToken == 0 {
		o.ShortToken = 4
	}
	if o.MaxCandidates <= 0 {
		o.MaxCandidates = 12
	}
	if o.NBest <= 0 {
		o.NBest = 5
	}
	if o.Beam == 0 {
		o.Beam = 12
	}
	if o.WeakMargin == 0 {
		o.WeakMargin = 3
	}
	if o.MaxTerms <= 0 {
		o.MaxTerms = 1000
	}
	if o.TokenCache == 0 {
		o.TokenCache = 16_384
	}
	return o
}

// Request is one query to correct.
type Request struct {
	Query string
	// ZeroResults says the query as typed returned no results: any correction found is applied
	// (AutoCorrect), whatever its confidence.
	ZeroResults bool
	// MaxAlternatives bounds Result.Alternatives (0: NBest).
	MaxAlternatives int
	// Protected are terms this request must not change, NeverSuggest words it must not produce, in addition
	// to the model's lists (model.Bundle.Protected, NeverSuggest); see terms. At most Options.MaxTerms
	// together, or Correct fails with ErrTooMany.
	Protected, NeverSuggest []string
}

// Token is the decision for one token of the query.
type Token struct {
	Typed      string // the token as typed: Query[Start:End]
	Chosen     string // the output for it: Typed when unchanged
	Start, End int    // byte span in the query; a merge spans two typed tokens
	Changed    bool
}

// Alternative is one decoded correction.
type Alternative struct {
	Text    string
	Score   float64 // log probability of the path
	LogOdds float64 // Score minus the score of the query as typed
}

// Result is the answer for one query.
type Result struct {
	Query      string
	Correction string // the corrected query; empty when Action is None
	Action     Action
	// LogOdds is log P(best correction)/P(query as typed); negative when the query as typed is more
	// probable; NoCandidateLogOdds when nothing could be proposed.
	LogOdds float64
	// Confidence is the odds turned into a probability, exp(LogOdds)/(1+exp(LogOdds)).
	Confidence float64
	// Threshold and AutoThreshold are the log-odds lines the decision compared against for this query.
	Threshold, AutoThreshold float64
	// BestPath is the most probable reading regardless of thresholds (the query itself when nothing beats
	// it), for evaluation.
	BestPath string
	Tokens   []Token // the tokens of the best correction (or of the query when there is none)
	// Alternatives are the decoded corrections other than the query as typed, best first.
	Alternatives []Alternative
}

// Corrector corrects queries with one model. It is immutable and safe for concurrent use.
type Corrector struct {
	b      *model.Bundle
	p      model.Params
	space  spaceCosts
	opts   Options
	index  candidates.Index
	lists  *modelTerms
	sounds *candidates.Phonetic
	shape  *charlm.Model                     // the letters of the vocabulary's words: the shape of P_unk
	cols   *lru.Cache[string, *cachedColumn] // the token cache (Options.TokenCache); nil: none
	scrach sync.Pool
}

// cachedColumn is the column of a token, as column left it at some position i: the states after the typed
// token's, with End relative to i, their words and space edits, and whether the token was weak. It is
// shared by every request that hits it and never modified.
type cachedColumn struct {
	weak   bool
	states []viterbi.State
	words  [][]word
	edits  []spaceEdits
}

// New returns a Corrector for the bundle. Building the default index takes a few hundred milliseconds for
// a vocabulary of 100k words, the phonetic index (always built) about 25 ms more.
func New(b *model.Bundle, opts Options) *Corrector {
	opts = opts.withDefaults()
	idx := opts.Index
	if idx == nil {
		idx = candidates.NewSymSpell(b.LM, candidates.SymSpellOptions{MaxDistance: opts.MaxDistance})
	}
	return &Corrector{b: b, p: b.Params, space: newSpaceCosts(b, b.Params), opts: opts, index: idx,
		lists: newModelTerms(b), sounds: candidates.NewPhonetic(b.LM), shape: newShape(b.LM),
		cols: lru.New[string, *cachedColumn](opts.TokenCache)}
}

// Bundle returns the model the corrector uses.
func (c *Corrector) Bundle() *model.Bundle { return c.b }

// Params returns the hyperparameters in use.
func (c *Corrector) Params() model.Params { return c.p }

// WithParams returns a corrector sharing c's model and index with other hyperparameters, and a token cache
// of its own (columns are ranked with λ and P_unk).
func (c *Corrector) WithParams(p model.Params) *Corrector {
	return &Corrector{b: c.b, p: p, space: newSpaceCosts(c.b, p), opts: c.opts, index: c.index,
		lists: c.lists, sounds: c.sounds, shape: c.shape, cols: lru.New[string, *cachedColumn](c.opts.TokenCache)}
}

// word is one output word of a state.
type word struct {
	text string
	id   uint32 // langmodel id or langmodel.Unknown
}

// lattice holds the states of one query; it implements viterbi.Lattice. State 0 of every position is the
// token as typed.
type lattice struct {
	states [][]viterbi.State
	words  [][][]word // words[pos][i]: the output of states[pos][i]
	// spaced are the states whose emission includes space edits, priced at space, so that a decision under
	// another log_p_space can price them again (see priced).
	spaced []spaced
	space  spaceCosts
	// surprise[pos] is the surprise of the typed token at pos as an unknown word (Corrector.surprise),
	// weighed by shape (unk_shape) in the Inner score of its state, so that a decision under another
	// unk_shape can weigh it again (see reshaped).
	surprise []float64
	shape    float64
}

// spaced is a state with space edits.
type spaced struct {
	pos, idx int
	edits    spaceEdits
}

func (l *lattice) Len() int                       { return len(l.states) }
func (l *lattice) States(pos int) []viterbi.State { return l.states[pos] }

// add appends a state and its words at pos.
func (l *lattice) add(pos int, st viterbi.State, ws []word, edits spaceEdits) {
	if edits != (spaceEdits{}) {
		l.spaced = append(l.spaced, spaced{pos, len(l.states[pos]), edits})
	}
	l.states[pos] = append(l.states[pos], st)
	l.words[pos] = append(l.words[pos], ws)
}

// priced returns the lattice with its space edits priced at costs: l itself when they already are, else a
// copy of l with new slices for the positions that change (l is shared by concurrent Decide calls).
func (l *lattice) priced(costs spaceCosts) *lattice {
	if costs == l.space || len(l.spaced) == 0 {
		return l
	}
	out := *l
	out.states = slices.Clone(l.states)
	copied := make([]bool, len(l.states))
	for _, sp := range l.spaced {
		if !copied[sp.pos] {
			out.states[sp.pos] = slices.Clone(l.states[sp.pos])
			copied[sp.pos] = true
		}
		out.states[sp.pos][sp.idx].Emission += costs.of(sp.edits) - l.space.of(sp.edits)
	}
	out.space = costs
	return &out
}

// reshaped returns the lattice with the surprise of its unknown typed tokens weighed by shape: l itself when
// it already is, else a copy of l with new slices for the positions that change.
func (l *lattice) reshaped(shape float64) *lattice {
	if shape == l.shape {
		return l
	}
	out := *l
	out.states = slices.Clone(l.states)
	for pos, z := range l.surprise {
		if z != 0 {
			out.states[pos] = slices.Clone(l.states[pos])
			out.states[pos][0].Inner += (shape - l.shape) * z
		}
	}
	out.shape = shape
	return &out
}

// filtered returns the lattice without the states a request's terms forbid (see terms): those that change a
// protected token or produce a never-suggest word. The states of a position keep their order, the typed
// token first.
func (l *lattice) filtered(toks []tokenize.Token, tm *terms) *lattice {
	out := &lattice{states: make([][]viterbi.State, len(l.states)), words: make([][][]word, len(l.states)),
		space: l.space, surprise: l.surprise, shape: l.shape}
	edits := make(map[[2]int]spaceEdits, len(l.spaced))
	for _, sp := range l.spaced {
		edits[[2]int{sp.pos, sp.idx}] = sp.edits
	}
	forbidden := func(pos, i int) bool {
		for k := pos; k < l.states[pos][i].End; k++ {
			if tm.isProtected(toks[k].Text) {
				return true
			}
		}
		return slices.ContainsFunc(l.words[pos][i], func(w word) bool { return tm.isNever(w.id) })
	}
	for pos, states := range l.states {
		for i, st := range states {
			if i == 0 || !forbidden(pos, i) {
				out.add(pos, st, l.words[pos][i], edits[[2]int{pos, i}])
			}
		}
	}
	return out
}

// spaceCosts are the log probabilities of the space edits (errormodel.SpaceLogProb) under the log_p_space
// prior.
type spaceCosts struct{ prior, ins, del, trans float64 }

func newSpaceCosts(b *model.Bundle, p model.Params) spaceCosts {
	prior := math.Exp(p.LogPSpace)
	em := b.Errors
	return spaceCosts{p.LogPSpace, em.SpaceLogProb(errormodel.Ins, prior), em.SpaceLogProb(errormodel.Del, prior),
		em.SpaceLogProb(errormodel.Trans, prior)}
}

// spaceEdits counts the space edits of a state: spaces typed inside a word (a merge), spaces left out (a
// split: one per token, however many words it holds; see MODEL.md) and spaces moved by one character.
type spaceEdits struct{ ins, del, trans int8 }

func (c spaceCosts) of(e spaceEdits) float64 {
	return float64(e.ins)*c.ins + float64(e.del)*c.del + float64(e.trans)*c.trans
}

// tokInfo is what buildLattice learnt about a typed token.
type tokInfo struct {
	id     uint32 // vocabulary id, or langmodel.Unknown
	open   bool   // correctable and not protected: the speller may change it
	common bool   // a vocabulary word at least Options.KnownLogProb probable
	weak   bool   // outside the vocabulary, and no candidate explains it well (Options.WeakMargin)
}

type scratch struct {
	toks     []tokenize.Token
	info     []tokInfo
	matches  []candidates.Match
	bounds   []bound
	best     []ranked
	lat      lattice
	terms    terms
	seg      segmenter
	buf      []byte
	variants []string
}

// bound is a candidate with an upper bound of its rank, computed without the error model.
type bound struct {
	w  word
	ub float64
}

// ranked is a candidate with its emission and rank log P(w) + λ·log P(t|w).
type ranked struct {
	w     word
	em, r float64
}

// rank returns the k best matches of token by log P(w) + λ·log P(t|w) above floor, best first, appended to
// dst[:0], leaving out the token itself and never-suggest words; bounds is scratch. The error model is
// consulted in order of an upper bound of the rank, log P(w) − λ·d·MinCost (no alignment of d edits costs
// less), and not at all once the bound cannot beat the candidates kept: for short tokens with hundreds of
// matches this skips almost every alignment.
func (c *Corrector) rank(dst []ranked, bounds *[]bound, matches []candidates.Match, token string, floor float64,
	k int, tm *terms) []ranked {
	lm, em, lambda := c.b.LM, c.b.Errors, c.p.Lambda
	minCost := em.MinCost()
	bs := (*bounds)[:0]
	for _, m := range matches {
		if m.Word == token {
			continue
		}
		id := m.ID
		if id == candidates.NoID {
			id, _ = lm.ID(m.Word)
		}
		if id == langmodel.Unknown || tm.isNever(id) {
			continue // a word the language model cannot score, or one never to suggest
		}
		ub := lm.LogUnigram(id) - lambda*float64(m.Distance)*minCost
		if ub <= floor {
			continue
		}
		bs = append(bs, bound{word{m.Word, id}, ub})
	}
	*bounds = bs
	slices.SortFunc(bs, func(a, b bound) int { return cmp.Compare(b.ub, a.ub) })
	best := dst[:0]
	for _, b := range bs {
		if len(best) == k && b.ub <= best[k-1].r {
			break
		}
		e := em.LogProb(token, b.w.text)
		r := lm.LogUnigram(b.w.id) + lambda*e
		if r <= floor || len(best) == k && r <= best[k-1].r {
			continue
		}
		j := len(best)
		if j < k {
			best = append(best, ranked{})
		} else {
			j--
		}
		for j > 0 && best[j-1].r < r {
			best[j] = best[j-1]
			j--
		}
		best[j] = ranked{b.w, e, r}
	}
	return best
}

// transition is the language model with P_unk for unknown words and the backoff floor of the parameters.
type transition struct {
	lm         *langmodel.Model
	logPUnk    float64
	minBackoff float64
}

func (t transition) LogProb(prev, next uint32) float64 {
	if next == langmodel.Unknown {
		return t.logPUnk
	}
	return t.lm.LogProbFloor(prev, next, t.minBackoff)
}

// Correct corrects one query. Invalid input gives an error wrapping ErrInvalidUTF8, ErrTooLong or ErrTooMany;
// an empty query gives a None result. It returns ctx.Err() when the context ends first.
func (c *Corrector) Correct(ctx context.Context, req Request) (*Result, error) {
	q := req.Query
	s, _ := c.scrach.Get().(*scratch)
	if s == nil {
		s = new(scratch)
	}
	defer c.scrach.Put(s)
	var err error
	if s.toks, err = c.tokenize(s.toks[:0], q); err != nil {
		return nil, err
	}
	if err := c.checkTerms(&req); err != nil {
		return nil, err
	}
	c.setTerms(&s.terms, &req)
	if err := c.buildLattice(ctx, q, s); err != nil {
		return nil, err
	}
	return c.decide(q, req, s.toks, &s.lat, c.p), nil
}

// tokenize checks the query against the limits and appends its tokens to dst.
func (c *Corrector) tokenize(dst []tokenize.Token, q string) ([]tokenize.Token, error) {
	if len(q) > c.opts.MaxQueryBytes {
		return dst, fmt.Errorf("%w: %d bytes, the limit is %d", ErrTooLong, len(q), c.opts.MaxQueryBytes)
	}
	if !utf8.ValidString(q) {
		return dst, ErrInvalidUTF8
	}
	dst = tokenize.Tokenize(dst, q)
	if len(dst) > c.opts.MaxTokens {
		return dst, fmt.Errorf("%w: %d tokens, the limit is %d", ErrTooMany, len(dst), c.opts.MaxTokens)
	}
	return dst, nil
}

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
	l.surprise, l.shape = l.surprise[:0], c.p.UnkShape
	s.info = s.info[:0]
	for i, t := range s.toks {
		if err := ctx.Err(); err != nil {
			return err
		}
		id := c.wordID(t, &s.variants)
		z := c.surprise(t, id)
		l.surprise = append(l.surprise, z)
		l.states[i] = append(l.states[i][:0], viterbi.State{End: i + 1, First: id, Last: id,
			Inner: unkLength(t, id) + c.p.UnkShape*z})
		l.words[i] = append(l.words[i][:0], []word{{t.Text, id}})
		inf := tokInfo{id: id, open: t.Correctable() && !s.terms.isProtected(t.Text)}
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
	for k := range n {
		col.states[k] = s.lat.states[i][start+k]
		col.states[k].End -= i
		col.words[k] = s.lat.words[i][start+k]
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
	runes := utf8.RuneCountInString(t.Text)
	dist := c.opts.MaxDistance
	if runes <= c.opts.ShortToken || inf.common {
		dist--
	}
	s.matches = c.index.Lookup(s.matches[:0], t.Text, dist)
	own := c.typedRank(t, id)
	floor := c.floor(own)
	s.best = c.rank(s.best, &s.bounds, s.matches, t.Text, floor, c.opts.MaxCandidates, &s.terms)
	if id == langmodel.Unknown && c.opts.WeakMargin >= 0 &&
		(len(s.best) == 0 || s.best[0].r-max(own, weakRefLogPUnk+c.unkShape(t, id)) < c.opts.WeakMargin) {
		inf.weak = true
		if runes >= wideMinRunes && dist == c.opts.MaxDistance {
			if wide, ok := c.index.(candidates.Wide); ok {
				s.matches = wide.LookupWide(s.matches[:0], t.Text, dist+1)
			}
			s.matches = c.soundsLike(s.matches, t.Text, dist)
			s.best = c.rank(s.best, &s.bounds, s.matches, t.Text, floor, c.opts.MaxCandidates, &s.terms)
		}
	}
	for _, b := range s.best {
		s.lat.add(i, viterbi.State{End: i + 1, First: b.w.id, Last: b.w.id, Emission: b.em}, []word{b.w}, spaceEdits{})
	}
	if !inf.common {
		c.splits(s, i, own, inf.weak)
	}
}

// soundsLike appends to matches, the words within dist of token and some one edit further, the words that
// sound like token (candidates.Phonetic) further than dist and not already there.
func (c *Corrector) soundsLike(matches []candidates.Match, token string, dist int) []candidates.Match {
	n := len(matches)
	matches = c.sounds.Lookup(matches, token, maxSoundsLikeDist)
	added := slices.DeleteFunc(matches[n:], func(m candidates.Match) bool {
		return m.Distance <= dist || slices.ContainsFunc(matches[:n], func(o candidates.Match) bool { return o.ID == m.ID })
	})
	return matches[:n+len(added)]
}

// weakRefLogPUnk is the least P_unk the weak-token test (Options.WeakMargin) measures a token's own rank
// with: the untuned value, model.DefaultParams.LogPUnk. P_unk is a decision parameter, and the tuner moves
// it by several nats (a lower P_unk makes unknown tokens easier to correct, not well explained ones harder
// to find); measured on the dev sets with the tuned default model (P_unk −29.8), the test against P_unk alone
// left "ofca" without its reading "of a" and cost 0.004 on norvig-test1.
const weakRefLogPUnk = -24

// maxSoundsLikeDist caps the distance computed for the words that sound like a token.
const maxSoundsLikeDist = 8

// wideMinRunes is the shortest token searched beyond MaxDistance: three edits turn a short token into too
// many words to rank.
const wideMinRunes = 5

// unkLengthRunes and unkRuneLogProb shape P_unk by length: a token outside the vocabulary of r runes has
// log P = log P_unk + unkRuneLogProb·max(0, r − unkLengthRunes). P_unk is the probability of an unknown
// word of ordinary length; a string much longer than words are (such as several words run together) is
// less probable the longer it is, by about one letter choice in 26 for each extra rune. Without this a
// query typed without spaces would stay as typed at any length.
const (
	unkLengthRunes = 12
	unkRuneLogProb = -3.258 // log(1/26)
)

// unkLength returns the length term of log P_unk for the typed token t with vocabulary id (0 for a known
// word, a number, or a word of ordinary length); it goes into the Inner score of the typed token's state.
func unkLength(t tokenize.Token, id uint32) float64 {
	if id != langmodel.Unknown || t.Kind != tokenize.Word || len(t.Text) <= unkLengthRunes {
		return 0
	}
	return unkRuneLogProb * float64(max(0, utf8.RuneCountInString(t.Text)-unkLengthRunes))
}

// newShape builds the character model of the vocabulary's words (charlm), about 0.1 s for 100k words.
func newShape(lm *langmodel.Model) *charlm.Model {
	words := make([]string, lm.Len())
	for i := range words {
		words[i] = lm.Word(uint32(i))
	}
	return charlm.New(words)
}

// unkShape returns the terms of log P_unk that depend on the typed token t with vocabulary id (0 for a known
// word or a token that is not a word): its length term (unkLength), and its surprise weighed by the
// parameter unk_shape.
func (c *Corrector) unkShape(t tokenize.Token, id uint32) float64 {
	return unkLength(t, id) + c.p.UnkShape*c.surprise(t, id)
}

// surprise returns, for an unknown word token, its surprise under the character model of the vocabulary
// (charlm.Model.Surprise), never above 0; 0 for other tokens. A string that reads like no word of the
// language ("jellqy") is less probable as an unknown word than one that does ("restoril"), so the correction
// that explains it wins more easily, while a rare name keeps P_unk.
func (c *Corrector) surprise(t tokenize.Token, id uint32) float64 {
	if id != langmodel.Unknown || t.Kind != tokenize.Word {
		return 0
	}
	return min(0, c.shape.Surprise(t.Text))
}

// typedRank is the rank of the typed token itself against its candidates: log P(t), log P_unk (with its
// length term) when it is unknown.
func (c *Corrector) typedRank(t tokenize.Token, id uint32) float64 {
	if id != langmodel.Unknown {
		return c.b.LM.LogUnigram(id)
	}
	return c.p.LogPUnk + c.unkShape(t, id)
}

// floor is the lowest rank a reading of typed tokens of rank own may have: own − Options.Beam.
func (c *Corrector) floor(own float64) float64 {
	if c.opts.Beam < 0 {
		return math.Inf(-1)
	}
	return own - c.opts.Beam
}

func grow[T any](s [][]T, n int) [][]T {
	if cap(s) < n {
		s = append(s[:cap(s)], make([][]T, n-cap(s))...)
	}
	return s[:n]
}

// decide decodes the lattice and turns the best paths into a Result.
func (c *Corrector) decide(q string, req Request, toks []tokenize.Token, l *lattice, p model.Params) *Result {
	res := &Result{Query: q, BestPath: q, LogOdds: NoCandidateLogOdds}
	n := float64(len(toks))
	res.Threshold = p.Slope*n + p.Intercept
	res.AutoThreshold = p.Slope*n + p.AutoThreshold
	res.Tokens = c.tokens(q, toks, l, nil)
	if len(toks) == 0 {
		return res
	}
	l = l.reshaped(p.UnkShape)
	if p.LogPSpace != l.space.prior {
		l = l.priced(newSpaceCosts(c.b, p))
	}
	tr := transition{c.b.LM, p.LogPUnk, p.MinBackoff}
	vo := viterbi.Options{Lambda: p.Lambda, NBest: c.opts.NBest, Start: langmodel.Start, Change: p.LogPTypo}
	paths := viterbi.Decode(l, tr, vo)
	identity := make([]viterbi.Step, len(toks))
	for i := range identity {
		identity[i] = viterbi.Step{Pos: i}
	}
	base := viterbi.Score(l, tr, vo, identity)
	maxAlt := req.MaxAlternatives
	if maxAlt <= 0 {
		maxAlt = c.opts.NBest
	}
	var best []viterbi.Step
	identityBest := len(paths) == 0 || isIdentity(paths[0].Steps)
	seen := map[string]bool{q: true}
	for _, p := range paths {
		if isIdentity(p.Steps) {
			continue
		}
		text := c.text(q, toks, l, p.Steps)
		if seen[text] {
			continue
		}
		seen[text] = true
		if best == nil {
			best = p.Steps
			res.LogOdds = p.Score - base
			if !identityBest {
				res.BestPath = text
			}
		}
		if len(res.Alternatives) < maxAlt {
			res.Alternatives = append(res.Alternatives, Alternative{Text: text, Score: p.Score, LogOdds: p.Score - base})
		}
	}
	res.Confidence = sigmoid(res.LogOdds)
	if best == nil {
		return res
	}
	switch {
	case req.ZeroResults || (!identityBest && res.LogOdds > res.AutoThreshold):
		res.Action = AutoCorrect
	case !identityBest && res.LogOdds > res.Threshold:
		res.Action = DidYouMean
	default:
		return res
	}
	res.Correction = res.Alternatives[0].Text
	res.Tokens = c.tokens(q, toks, l, best)
	return res
}

func isIdentity(steps []viterbi.Step) bool {
	for _, s := range steps {
		if s.Index != 0 {
			return false
		}
	}
	return true
}

func sigmoid(x float64) float64 { return 1 / (1 + math.Exp(-x)) }

// tokens describes the tokens of a path (nil: the query as typed).
func (c *Corrector) tokens(q string, toks []tokenize.Token, l *lattice, steps []viterbi.Step) []Token {
	out := make([]Token, 0, len(toks))
	if steps == nil {
		for _, t := range toks {
			typed := q[t.Start:t.End]
			out = append(out, Token{Typed: typed, Chosen: typed, Start: t.Start, End: t.End})
		}
		return out
	}
	for _, st := range steps {
		state := l.states[st.Pos][st.Index]
		first, last := toks[st.Pos], toks[state.End-1]
		typed := q[first.Start:last.End]
		tok := Token{Typed: typed, Chosen: typed, Start: first.Start, End: last.End}
		if st.Index != 0 {
			tok.Chosen = tokenize.MatchCase(typed, joinWords(l.words[st.Pos][st.Index]))
			tok.Changed = true
		}
		out = append(out, tok)
	}
	return out
}

// text renders a path: changed spans replaced by their words (in the case pattern of the typed token),
// everything else as typed.
func (c *Corrector) text(q string, toks []tokenize.Token, l *lattice, steps []viterbi.Step) string {
	var edits []tokenize.Edit
	for _, st := range steps {
		if st.Index == 0 {
			continue
		}
		state := l.states[st.Pos][st.Index]
		first, last := toks[st.Pos], toks[state.End-1]
		edits = append(edits, tokenize.Edit{Start: first.Start, End: last.End,
			Text: tokenize.MatchCase(q[first.Start:last.End], joinWords(l.words[st.Pos][st.Index]))})
	}
	out, err := tokenize.Rewrite(q, edits)
	if err != nil { // cannot happen: spans come from the tokenizer in order
		return q
	}
	return out
}

func joinWords(ws []word) string {
	if len(ws) == 1 {
		return ws[0].text
	}
	parts := make([]string, len(ws))
	for i, w := range ws {
		parts[i] = w.text
	}
	return strings.Join(parts, " ")
}

// Suggest adapts the corrector to eval.Speller.
func (c *Corrector) Suggest(ctx context.Context, query string) (eval.Outcome, error) {
	r, err := c.Correct(ctx, Request{Query: query})
	if err != nil {
		return eval.Outcome{}, err
	}
	o := eval.Outcome{Output: query, BestPath: r.BestPath}
	if r.Action != None {
		o.Offered, o.Output = true, r.Correction
	}
	return o, nil
}

// Prepared is a query whose candidates were drawn once, to be decided again under other hyperparameters
// without drawing them again: the tuner's cache. Candidates are ranked with the corrector's λ and P_unk when
// prepared, so decisions under very different values are an approximation (a candidate that would enter
// the top MaxCandidates only under another λ is missing).
type Prepared struct {
	query string
	toks  []tokenize.Token
	lat   lattice
}

// Prepare tokenizes the query and draws its candidates; see Prepared. It fails like Correct.
func (c *Corrector) Prepare(ctx context.Context, query string) (*Prepared, error) {
	s := new(scratch)
	var err error
	if s.toks, err = c.tokenize(nil, query); err != nil {
		return nil, err
	}
	c.setTerms(&s.terms, &Request{})
	if err := c.buildLattice(ctx, query, s); err != nil {
		return nil, err
	}
	return &Prepared{query: query, toks: s.toks, lat: s.lat}, nil
}

// Decide decodes a prepared query under params (which must be valid) as Correct would. The request's
// protected and never-suggest terms (not checked against the limits) remove the candidates they forbid;
// Correct, which draws the candidates knowing them, may find others in their place. It is safe to call
// concurrently on the same Prepared.
func (c *Corrector) Decide(p *Prepared, params model.Params, req Request) *Result {
	l := &p.lat
	var tm terms
	if c.setTerms(&tm, &req); tm.any() {
		l = l.filtered(p.toks, &tm)
	}
	return c.decide(p.query, req, p.toks, l, params)
}
