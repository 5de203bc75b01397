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
	"context"
	"errors"
	"fmt"
	"sync"
	"unicode/utf8"

	"github.com/spellwright/speller/candidates"
	"github.com/spellwright/speller/charlm"
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

// Options configure a Corrector. The zero value works. The options that change answers (MaxDistance,
// ShortToken, KnownLogProb, MaxCandidates, NBest, Beam, WeakMargin) come, when zero, from the bundle
// (model.Bundle.Decoding: those its hyperparameters were tuned with), then from the defaults
// (DefaultDecoding); the others from the defaults. withDefaults fills them in.
type Options struct {
	MaxQueryBytes int // longest query accepted, in bytes (default 1024)
	MaxTokens     int // most tokens accepted (default 32)
	MaxDistance   int // edit distance of candidates (default 2)
	// ShortToken is the length in runes up to which a token gets candidates one edit closer than
	// MaxDistance (default 4; -1 disables): two edits turn a short word into hundreds of others, at great
	// cost and little use.
	ShortToken int
	// KnownLogProb: a token that is a vocabulary word at least this probable (log P(w)) also gets candidates
	// one edit closer: a word typed correctly is rarely two edits from the intended one, and correct words are
	// most of the traffic. Default (0): every vocabulary word (model.EveryWord); −13, about the 20,000th
	// English word, limits it to common words. Measured: no change of accuracy on the dev sets or the
	// held-out training set between the two, and less work for correct rare words.
	KnownLogProb  float64
	MaxCandidates int // candidates kept per token after ranking by P(w)·P(t|w)^λ (default 12)
	NBest         int // paths decoded, the source of alternatives (default 5)
	// Beam drops candidates whose rank log P(w) + λ·log P(t|w) is more than Beam below the typed token's
	// own, log P(t) (P_unk when unknown): context cannot make up such a gap, and for a correct common word
	// it skips nearly every alignment (default 12; negative disables).
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
	// Neighbours builds, in the background after New returns, the table of every vocabulary word's
	// candidates one edit away with their error-model scores (see neighbourTable: about 1.2 s of CPU and
	// 7 MB for 125,000 words), from which a vocabulary word typed as it is, most tokens, gets its candidates
	// without a look-up or an alignment (and so do the parts of a segmentation one edit from a vocabulary
	// word). Answers do not change; WaitNeighbours waits for it. For a server;
	// a command that corrects a few queries does better without. Only with the default Index (a custom one,
	// such as a live search index, may change under the table), and only when the options draw a vocabulary
	// word's candidates one edit away (MaxDistance 2, the default).
	Neighbours bool
	// TokenCache is how many tokens' columns a Corrector keeps (default 16,384; negative: none): a token's
	// candidates, its readings as several words and whether it is weak depend on the token alone, so a
	// token seen before costs a look-up instead of the index searches that are most of a correction's work.
	// Most tokens of new queries are words seen before. A column takes about 600 bytes over the dev sets'
	// tokens and 900 over real web queries' (the default held 15 MB after 110,533 new queries, heap
	// profile of spelld). Requests with their own protected or never-suggest terms neither use nor fill
	// it. See BENCHMARKS.md for the effect.
	TokenCache int
}

// withDefaults fills in the zero options: those that change answers from the bundle's d first.
func (o Options) withDefaults(d model.Decoding) Options {
	for _, f := range []struct{ o, d *int }{{&o.MaxDistance, &d.MaxDistance}, {&o.ShortToken, &d.ShortToken},
		{&o.MaxCandidates, &d.MaxCandidates}, {&o.NBest, &d.NBest}} {
		if *f.o == 0 {
			*f.o = *f.d
		}
	}
	for _, f := range []struct{ o, d *float64 }{{&o.KnownLogProb, &d.KnownLogProb}, {&o.Beam, &d.Beam},
		{&o.WeakMargin, &d.WeakMargin}} {
		if *f.o == 0 {
			*f.o = *f.d
		}
	}
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
		o.KnownLogProb = model.EveryWord
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
	// Verdict is what the shoppers' answers say of this correction (the model's feedback table; zero when it
	// has none): the decision applies it to the best one (Adjust), and the tuner to whichever is best under
	// the parameters it tries.
	Verdict Verdict
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
	// ActionBeforeFeedback is the action the log odds chose (ActionFor), before the shoppers' answers to this
	// correction (the model's feedback table, Adjust) changed it into Action; FeedbackApplied reports whether
	// they did.
	ActionBeforeFeedback Action
}

// FeedbackApplied reports whether the shoppers' answers to the correction changed the action.
func (r *Result) FeedbackApplied() bool { return r.Action != r.ActionBeforeFeedback }

// Corrector corrects queries with one model. It is immutable and safe for concurrent use.
type Corrector struct {
	b     *model.Bundle
	p     model.Params
	space spaceCosts
	opts  Options
	src   candidates.Sources   // the index, its wider search and the phonetic index
	sym   *candidates.SymSpell // the default index, src's, which orders its matches (nearest); nil: another
	lists *modelTerms
	shape *charlm.Model // the letters of the vocabulary's words: the shape of P_unk
	// backoff is the language model's floor under p (model.Params.MinBackoff), its logarithm computed once.
	backoff langmodel.Backoff
	cols    *lru.Cache[string, *cachedColumn] // the token cache (Options.TokenCache); nil: none
	nb      *neighbours                       // the neighbour table (Options.Neighbours); nil: none
	scrach  sync.Pool
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
// a vocabulary of 100k words, the phonetic index (always built) about 25 ms more; the neighbour table
// (Options.Neighbours) is built after New returns, in the background.
func New(b *model.Bundle, opts Options) *Corrector {
	opts = opts.withDefaults(b.Decoding)
	// The indexes read the model only: the small ones are built while the SymSpell index is.
	var (
		sounds *candidates.Phonetic
		shape  *charlm.Model
		wg     sync.WaitGroup
	)
	wg.Go(func() {
		sounds = candidates.NewPhonetic(b.LM)
		shape = newShape(b.LM)
	})
	idx := opts.Index
	var sym *candidates.SymSpell // the default index, over the model's vocabulary
	if idx == nil {
		sym = candidates.NewSymSpell(b.LM, candidates.SymSpellOptions{MaxDistance: opts.MaxDistance, NoCounts: true,
			Order: func(id uint32) float64 { return b.LM.LogUnigram(id) }})
		idx = sym
	}
	wg.Wait()
	c := &Corrector{b: b, p: b.Params, space: newSpaceCosts(b, b.Params), opts: opts,
		src: candidates.Sources{Index: idx, Phonetic: sounds}, sym: sym, lists: newModelTerms(b), shape: shape,
		backoff: langmodel.NewBackoff(b.Params.MinBackoff), cols: lru.New[string, *cachedColumn](opts.TokenCache)}
	if opts.Neighbours && sym != nil && neighboursUsable(opts) {
		c.nb = startNeighbours(b.LM, sym, b.Errors)
	}
	return c
}

// DefaultDecoding returns the defaults of the options that change answers, which a bundle made now is tuned
// with (the trainer writes them into it).
func DefaultDecoding() model.Decoding { return decodingOf(Options{}.withDefaults(model.Decoding{})) }

// Decoding returns the options in use that change answers.
func (c *Corrector) Decoding() model.Decoding { return decodingOf(c.opts) }

// Decoding returns the options that change answers of a corrector New(b, o) would make: o's, then b's, then
// the defaults.
func (o Options) Decoding(b *model.Bundle) model.Decoding {
	return decodingOf(o.withDefaults(b.Decoding))
}

// decodingOf returns the options of o that change answers (o with its defaults filled in); a KnownLogProb of
// −∞, which a caller may set, is model.EveryWord, which means the same.
func decodingOf(o Options) model.Decoding {
	return model.Decoding{MaxDistance: o.MaxDistance, ShortToken: o.ShortToken,
		KnownLogProb: max(o.KnownLogProb, model.EveryWord), MaxCandidates: o.MaxCandidates, NBest: o.NBest,
		Beam: o.Beam, WeakMargin: o.WeakMargin}
}

// Bundle returns the model the corrector uses.
func (c *Corrector) Bundle() *model.Bundle { return c.b }

// Params returns the hyperparameters in use.
func (c *Corrector) Params() model.Params { return c.p }

// WithParams returns a corrector sharing c's model, indexes and neighbour table with other hyperparameters,
// and a token cache of its own (columns are ranked with λ and P_unk).
func (c *Corrector) WithParams(p model.Params) *Corrector {
	return &Corrector{b: c.b, p: p, space: newSpaceCosts(c.b, p), opts: c.opts, src: c.src, sym: c.sym,
		lists: c.lists, shape: c.shape, backoff: langmodel.NewBackoff(p.MinBackoff),
		cols: lru.New[string, *cachedColumn](c.opts.TokenCache), nb: c.nb}
}

// tokInfo is what buildLattice learnt about a typed token.
type tokInfo struct {
	id     uint32 // vocabulary id, or langmodel.Unknown
	open   bool   // correctable and not protected: the speller may change it
	common bool   // a vocabulary word at least Options.KnownLogProb probable
	weak   bool   // outside the vocabulary, and no candidate explains it well (Options.WeakMargin)
	// unk is the part of log P_unk that depends on the token (unkLength, shape·surprise and the length term
	// of unk_length), 0 when known; length is the last of them, which does not take part in drawing the
	// candidates (see typedRank).
	unk, length float64
}

type scratch struct {
	toks     []tokenize.Token
	info     []tokInfo
	matches  []candidates.Match
	bounds   []bound
	seen     []uint32 // the words one edit further that the index visited (wider)
	best     []ranked
	lat      lattice
	terms    terms
	seg      segmenter
	buf      []byte
	variants []string
	words    arena // the states' words (lattice.words) of the current query
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
