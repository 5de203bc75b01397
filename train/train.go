// Package train builds model bundles. A Counter accumulates language-model counts and error-model edit counts
// from any mix of sources — word-count lists, plain text, misspelling pairs, and (through the same counting
// functions) query logs — each weighted, and Bundle freezes them into a model.Bundle.
//
//	c := train.NewCounter()
//	err := c.AddCorpusFile("big.txt"); err = c.AddPairsFile("birkbeck.tsv")
//	b, err := c.Bundle(train.Options{})
package train

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/spellwright/speller/errormodel"
	"github.com/spellwright/speller/langmodel"
	"github.com/spellwright/speller/model"
	"github.com/spellwright/speller/spell"
	"github.com/spellwright/speller/tokenize"
)

// Skip reasons counted in a SourceReport.
const (
	SkipMalformed  = "malformed_line"
	SkipBadCount   = "bad_count"
	SkipNotAWord   = "not_a_word"
	SkipInvalidUTF = "invalid_utf8"
	SkipPairFar    = "pair_too_far_apart"
	SkipPairSame   = "pair_identical"
	SkipTooLong    = "line_too_long"
)

// SourceReport says what was read from one input and what was skipped, by reason.
type SourceReport struct {
	Kind    string           `json:"kind"` // unigrams, corpus, pairs
	Path    string           `json:"path"`
	Weight  float64          `json:"weight"`
	Lines   int64            `json:"lines"`
	Used    int64            `json:"used"`
	Skipped map[string]int64 `json:"skipped,omitempty"`
	SHA256  string           `json:"sha256"`
}

func (r *SourceReport) skip(reason string) {
	if r.Skipped == nil {
		r.Skipped = make(map[string]int64)
	}
	r.Skipped[reason]++
}

// Counter accumulates counts from several sources. Language-model counts are kept per source and mixed
// by weight when the bundle is built: the primary sources (corpus text, query logs) keep their raw counts,
// and a background word list is scaled so its total is Weight times theirs.
type Counter struct {
	primary    *langmodel.Builder // raw counts: corpus text, query lists
	logs       *langmodel.Builder // raw counts of searches (CountQuery), mixed like primary
	background []weighted         // word-count lists, each scaled at build time
	// logVocab, once a log was added (AddLogs), holds the only words of the searches allowed into the
	// vocabulary; until then they enter like the primary words.
	logVocab map[string]bool
	// typed holds the typed side of every misspelling pair added: words the noisy lists must not bring in.
	typed   map[string][]string
	errors  errormodel.Counts
	Reports []SourceReport
	// Noisy says what Bundle left out of the noisy word lists.
	Noisy NoisyReport
	// feedback is the feedback table learned from logs (AddLogs), by model.FeedbackKey.
	feedback map[uint64]model.FeedbackCount
}

type weighted struct {
	b      *langmodel.Builder
	weight float64
	noisy  bool // a list from uncurated text (AddNoisyUnigrams)
}

// NewCounter returns an empty Counter.
func NewCounter() *Counter {
	return &Counter{primary: langmodel.NewBuilder(), logs: langmodel.NewBuilder()}
}

// maxLine bounds the length of an input line.
const maxLine = 1 << 20

func scanLines(r io.Reader, rep *SourceReport, fn func(line string)) error {
	h := sha256.New()
	sc := bufio.NewScanner(io.TeeReader(r, h))
	sc.Buffer(make([]byte, 64<<10), maxLine)
	for sc.Scan() {
		rep.Lines++
		fn(sc.Text())
	}
	if err := sc.Err(); err != nil {
		if err == bufio.ErrTooLong {
			return fmt.Errorf("line %d: longer than %d bytes", rep.Lines+1, maxLine)
		}
		return err
	}
	rep.SHA256 = hex.EncodeToString(h.Sum(nil))
	return nil
}

func openSource(kind, path string, weight float64, fn func(io.Reader, *SourceReport) error, c *Counter) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("train: %w", err)
	}
	defer f.Close()
	rep := SourceReport{Kind: kind, Path: path, Weight: weight}
	if err := fn(f, &rep); err != nil {
		return fmt.Errorf("train: read %s: %w", path, err)
	}
	c.Reports = append(c.Reports, rep)
	return nil
}

// AddUnigramsFile adds a word-count list (lines "word count", space or tab separated) as background counts
// with the given weight (the list's total counts as weight times the primary sources' total).
func (c *Counter) AddUnigramsFile(path string, weight float64) error {
	return openSource("unigrams", path, weight, func(r io.Reader, rep *SourceReport) error {
		return c.AddUnigrams(r, weight, rep)
	}, c)
}

// AddNoisyUnigramsFile adds a word-count list gathered from uncurated text, such as the web's most frequent
// words, like AddUnigramsFile, except that the words only it has are left out of the vocabulary when the
// training data shows them to be misspellings (see NoisyOptions).
func (c *Counter) AddNoisyUnigramsFile(path string, weight float64) error {
	return openSource("noisy_unigrams", path, weight, func(r io.Reader, rep *SourceReport) error {
		return c.AddNoisyUnigrams(r, weight, rep)
	}, c)
}

// AddNoisyUnigrams reads a noisy word-count list; see AddNoisyUnigramsFile.
func (c *Counter) AddNoisyUnigrams(r io.Reader, weight float64, rep *SourceReport) error {
	if err := c.AddUnigrams(r, weight, rep); err != nil {
		return err
	}
	c.background[len(c.background)-1].noisy = true
	return nil
}

// AddUnigrams reads a word-count list; see AddUnigramsFile.
func (c *Counter) AddUnigrams(r io.Reader, weight float64, rep *SourceReport) error {
	b := langmodel.NewBuilder()
	var toks []tokenize.Token
	err := scanLines(r, rep, func(line string) {
		f := strings.Fields(line)
		if len(f) == 0 {
			return
		}
		if len(f) != 2 {
			rep.skip(SkipMalformed)
			return
		}
		n, err := strconv.ParseFloat(f[1], 64)
		if err != nil || !(n > 0) || math.IsInf(n, 0) {
			rep.skip(SkipBadCount)
			return
		}
		w, ok := singleWord(f[0], &toks)
		if !ok {
			rep.skip(SkipNotAWord)
			return
		}
		b.AddUnigram(w, n)
		rep.Used++
	})
	if err != nil {
		return err
	}
	c.background = append(c.background, weighted{b: b, weight: weight})
	return nil
}

// singleWord normalizes s and reports whether it is exactly one word token.
func singleWord(s string, toks *[]tokenize.Token) (string, bool) {
	*toks = tokenize.Tokenize((*toks)[:0], s)
	if len(*toks) != 1 || (*toks)[0].Kind != tokenize.Word || (*toks)[0].Start != 0 || (*toks)[0].End != len(s) {
		return "", false
	}
	return (*toks)[0].Text, true
}

// AddCorpusFile counts the words and word pairs of a plain-text file.
func (c *Counter) AddCorpusFile(path string) error {
	return openSource("corpus", path, 1, func(r io.Reader, rep *SourceReport) error {
		return c.AddCorpus(r, rep)
	}, c)
}

// AddCorpus counts the words and word pairs of plain text, line by line; see countText.
func (c *Counter) AddCorpus(r io.Reader, rep *SourceReport) error {
	var toks []tokenize.Token
	var run []string
	return scanLines(r, rep, func(line string) {
		toks, run = c.countText(c.primary, line, 1, false, toks, run)
		rep.Used++
	})
}

// AddQueriesFile counts a list of queries, lines "query<TAB>count" (count 1 when absent).
func (c *Counter) AddQueriesFile(path string) error {
	return openSource("queries", path, 1, func(r io.Reader, rep *SourceReport) error {
		return c.AddQueries(r, rep)
	}, c)
}

// AddQueries reads a list of queries; see AddQueriesFile. Blank lines and lines starting with "#" are
// skipped. The queries' words and word pairs are counted, but not which words start a query: a short list
// would make every other first word improbable; start-of-query statistics come from logs (CountQuery).
func (c *Counter) AddQueries(r io.Reader, rep *SourceReport) error {
	var toks []tokenize.Token
	var run []string
	return scanLines(r, rep, func(line string) {
		if strings.TrimSpace(line) == "" || strings.HasPrefix(line, "#") {
			return
		}
		q, count, hasCount := strings.Cut(line, "\t")
		n := 1.0
		if hasCount {
			v, err := strconv.ParseFloat(strings.TrimSpace(count), 64)
			if err != nil || !(v > 0) || math.IsInf(v, 0) {
				rep.skip(SkipBadCount)
				return
			}
			n = v
		}
		if !utf8.ValidString(q) {
			rep.skip(SkipInvalidUTF)
			return
		}
		toks, run = c.countText(c.primary, q, n, false, toks, run)
		rep.Used++
	})
}

// CountQuery counts one search for query (weight searches): its words, its word pairs, and its first word
// after the start of a query. The log trainer counts every search through here.
func (c *Counter) CountQuery(query string, weight float64) {
	c.countText(c.logs, query, weight, true, nil, nil)
}

// countText counts the runs of words of text with weight into b. Runs are broken at sentence punctuation and at
// tokens that are not words (numbers, URLs), so no bigram spans them; the first run is counted after Start
// when atStart is set. toks and run are scratch buffers, returned for reuse.
func (c *Counter) countText(b *langmodel.Builder, text string, weight float64, atStart bool, toks []tokenize.Token, run []string) ([]tokenize.Token, []string) {
	toks = tokenize.Tokenize(toks[:0], text)
	run = run[:0]
	first := atStart
	flush := func() {
		b.AddTokens(run, weight, first && len(run) > 0)
		if len(run) > 0 {
			first = false
		}
		run = run[:0]
	}
	for i, t := range toks {
		if i > 0 && breaksRun(text[toks[i-1].End:t.Start]) {
			flush()
		}
		if t.Kind != tokenize.Word {
			flush()
			first = false
			continue
		}
		run = append(run, t.Text)
	}
	flush()
	return toks, run
}

func breaksRun(gap string) bool { return strings.ContainsAny(gap, ".!?;:,()[]{}\"") }

// AddPairsFile adds misspelling pairs (lines "typed<TAB>intended") to the error model.
func (c *Counter) AddPairsFile(path string, weight float64) error {
	return openSource("pairs", path, weight, func(r io.Reader, rep *SourceReport) error {
		return c.AddPairs(r, weight, rep)
	}, c)
}

// AddPairs reads misspelling pairs; see AddPairsFile. Both sides must be single words; pairs more than
// errormodel.MaxPairDistance edits apart are skipped.
func (c *Counter) AddPairs(r io.Reader, weight float64, rep *SourceReport) error {
	var toks []tokenize.Token
	return scanLines(r, rep, func(line string) {
		typed, intended, ok := strings.Cut(line, "\t")
		if !ok || strings.Contains(intended, "\t") {
			rep.skip(SkipMalformed)
			return
		}
		t, ok1 := singleWord(strings.TrimSpace(typed), &toks)
		w, ok2 := singleWord(strings.TrimSpace(intended), &toks)
		if !ok1 || !ok2 {
			rep.skip(SkipNotAWord)
			return
		}
		if reason := c.AddPair(t, w, weight); reason != "" {
			rep.skip(reason)
			return
		}
		rep.Used++
	})
}

// AddPair adds one normalized (typed, intended) word pair to the error model and returns "" or the reason
// it was skipped. The log trainer feeds mined corrections through here. A pair whose sides differ by spaces,
// a split or a merge ("flowergirl" → "flower girl", "ear ring" → "earring"), counts its space edits like any
// other edit: from them the error model learns the cost of a space typed, left out or moved
// (errormodel.Model.SpaceLogProb), which otherwise is the log_p_space prior.
func (c *Counter) AddPair(typed, intended string, weight float64) string {
	if typed == intended {
		return SkipPairSame
	}
	if !c.errors.Add(typed, intended, weight) {
		return SkipPairFar
	}
	if c.typed == nil {
		c.typed = make(map[string][]string)
	}
	if ws := c.typed[typed]; len(ws) < maxIntended && !slices.Contains(ws, intended) {
		c.typed[typed] = append(ws, intended)
	}
	return ""
}

// maxIntended bounds the intended words kept per typed word of the pairs (Counter.typed).
const maxIntended = 8

// Options configure Bundle. The zero value works.
type Options struct {
	// MinCorpusCount is how often a word of the primary sources must occur to enter the vocabulary when no
	// background list has it (default 2). Words of a background list always enter. Once a log was added
	// (AddLogs), the words of the searches enter only through the log's vocabulary (LogOptions.MinCount).
	MinCorpusCount float64
	// Params are the hyperparameters written into the bundle (default model.DefaultParams).
	Params *model.Params
	// BuildTime stamps the bundle (default: now). Set it for reproducible builds.
	BuildTime time.Time
	// Realign is the number of re-alignment passes of the error model's pairs (errormodel.Counts.Realign);
	// negative means none (default 0: none).
	Realign int
	// Name prefixes the version string (default "en").
	Name    string
	Comment string
	// Protected and NeverSuggest go into the bundle (model.Bundle.Protected, NeverSuggest): terms the speller
	// never changes, and words it never produces. ReadTermsFile reads them. They count in the version hash.
	Protected, NeverSuggest []string
	// Slip is the weight of the error model's typing-slip prior (errormodel.Options.Slip): 0 selects
	// errormodel.DefaultSlip, a negative value none. With a prior, its far-key slips weigh
	// errormodel.DefaultFar (errormodel.Options.Far).
	Slip float64
	// Noisy configures the misspelling filter of the noisy word lists (AddNoisyUnigrams).
	Noisy NoisyOptions
}

// Bundle mixes the counts and freezes them into a model bundle. The version string is the name, the build
// date and a hash of the inputs, so equal inputs and build time give an equal bundle.
func (c *Counter) Bundle(opts Options) (*model.Bundle, error) {
	if opts.MinCorpusCount <= 0 {
		opts.MinCorpusCount = 2
	}
	if opts.BuildTime.IsZero() {
		opts.BuildTime = time.Now().UTC()
	}
	if opts.Name == "" {
		opts.Name = "en"
	}
	params := model.DefaultParams
	if opts.Params != nil {
		params = *opts.Params
	}
	if err := params.Validate(); err != nil {
		return nil, err
	}
	mixed := langmodel.NewBuilder()
	primaryTotal := c.primary.Total() + c.logs.Total()
	mixed.Merge(c.primary, 1)
	mixed.Merge(c.logs, 1)
	inBackground := make(map[string]bool)
	noisy := make(map[string]bool) // words only noisy lists have
	for _, bg := range c.background {
		t := bg.b.Total()
		if t == 0 {
			continue
		}
		base := primaryTotal
		if base == 0 {
			base = 1e6 // no primary source: any common scale
		}
		mixed.Merge(bg.b, bg.weight*base/t)
		if bg.noisy {
			bg.b.Each(func(w string, _ float64) { noisy[w] = true })
		}
	}
	for _, bg := range c.background {
		if !bg.noisy {
			bg.b.Each(func(w string, _ float64) { inBackground[w] = true })
		}
	}
	inPrimary := func(w string) bool {
		if c.logVocab == nil {
			return c.primary.Count(w)+c.logs.Count(w) >= opts.MinCorpusCount
		}
		return c.logVocab[w] || c.primary.Count(w) >= opts.MinCorpusCount
	}
	var noisyRep NoisyReport
	if len(noisy) > 0 {
		var only []string
		for w := range noisy {
			if !inBackground[w] && !inPrimary(w) {
				only = append(only, w)
			}
		}
		counts := make(map[string]float64, mixed.Len())
		mixed.Each(func(w string, n float64) { counts[w] = n })
		misspelled := misspelledNoisy(only, counts, c.typed, opts.Noisy, &noisyRep)
		for w := range noisy {
			if !misspelled[w] {
				inBackground[w] = true
			}
		}
	}
	lm := mixed.Build(langmodel.BuildOptions{Keep: func(w string, _ float64) bool {
		return inBackground[w] || inPrimary(w)
	}})
	if lm.Len() == 0 {
		return nil, fmt.Errorf("train: no words: the sources gave an empty vocabulary")
	}
	if c.errors.Pairs == 0 {
		return nil, fmt.Errorf("train: no misspelling pairs: the error model would be empty")
	}
	if opts.Realign > 0 {
		c.errors.Realign(opts.Realign, errormodel.Options{})
	}
	slip := opts.Slip
	switch {
	case slip == 0:
		slip = errormodel.DefaultSlip
	case slip < 0:
		slip = 0
	case math.IsNaN(slip) || math.IsInf(slip, 0):
		return nil, fmt.Errorf("train: typing-slip weight %v", slip)
	}
	h := sha256.New()
	// The options that change the bundle count in its version, beside the sources.
	no := opts.Noisy.withDefaults()
	far := 0.0
	if slip > 0 {
		far = errormodel.DefaultFar
	}
	fmt.Fprintf(h, "slip %g far %g noisy %g %d %g realign %d\n", slip, far, no.Ratio, no.MinRunes, no.ListedRatio, opts.Realign)
	var sources []string
	for _, r := range c.Reports {
		fmt.Fprintf(h, "%s %s %g\n", r.Kind, r.SHA256, r.Weight)
		sources = append(sources, fmt.Sprintf("%s:%s (weight %g, sha256 %.12s)", r.Kind, r.Path, r.Weight, r.SHA256))
	}
	hashTerms(h, opts.Protected, opts.NeverSuggest)
	feedback := model.NewFeedback(c.feedback)
	if feedback.Len() > 0 { // a bundle without feedback keeps its version
		enc, _ := feedback.MarshalBinary()
		fmt.Fprintf(h, "feedback %x\n", sha256.Sum256(enc))
	}
	report, err := json.Marshal(c.Reports)
	if err != nil {
		return nil, err
	}
	sort.Strings(sources)
	extra := map[string]json.RawMessage{"train": report}
	if len(noisy) > 0 {
		if extra["noisy_unigrams"], err = json.Marshal(noisyRep); err != nil {
			return nil, err
		}
	}
	c.Noisy = noisyRep
	return &model.Bundle{
		Meta: model.Metadata{
			Version:   fmt.Sprintf("%s-%s-%s", opts.Name, opts.BuildTime.UTC().Format("20060102"), hex.EncodeToString(h.Sum(nil))[:8]),
			BuildTime: opts.BuildTime.UTC(),
			Sources:   sources,
			Comment:   opts.Comment,
			Extra:     extra,
		},
		Params:       params,
		LM:           lm,
		Errors:       c.errors.Model(errormodel.Options{Slip: slip, Far: far}),
		Protected:    opts.Protected,
		NeverSuggest: opts.NeverSuggest,
		Feedback:     feedback,
		Decoding:     spell.DefaultDecoding(),
	}, nil
}
