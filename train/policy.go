package train

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/spellwright/speller/logsum"
	"github.com/spellwright/speller/mine"
	"github.com/spellwright/speller/model"
	"github.com/spellwright/speller/querylog"
	"github.com/spellwright/speller/spell"
	"github.com/spellwright/speller/tokenize"
)

// The policy: what the model learns from the sums of a log (package logsum), whichever runner made them.

// AddSums adds the sums of a log (SumLogs, logsum.ReadDirs, a Beam pipeline) to the counter, as AddLogs
// describes: it fails when more rows were lost than opts.MaxSkipped (ErrTooManySkipped); keeps the
// opts.MaxQueries most searched queries, most mined pairs and most shown corrections (a deterministic top-K,
// ties by key); counts the queries, the log vocabulary and the error-model pairs; builds the feedback table;
// writes the mined pairs and the examples opts asks for; and adds a source report whose hash is that of the
// rows read. The summing rules are those of the sums: opts' Mine, MinResults and HoldOut are not read. It
// consumes s (the top-K cut is made in place) and fills rep (the stages StageCount and StageExamples).
func (c *Counter) AddSums(ctx context.Context, s *logsum.Sums, opts LogOptions, rep *LogReport) error {
	opts = opts.withDefaults()
	rep.Files = s.Input.Files
	rep.Read = s.Input.Read
	rep.HeldOut.Share = s.Rules.HoldOut
	if err := checkSkipped(s.Input.Read, opts.MaxSkipped); err != nil {
		return err
	}
	pr := newProgressor(opts.Progress)
	defer pr.stop()

	// Stage 3: counts.
	t0 := time.Now()
	pr.set(StageCount, nil, 0)
	ex := c.countLogs(s, opts, rep)
	rep.stage(StageCount, t0)
	pr.done(0)
	if err := ctx.Err(); err != nil {
		return err
	}

	// Stage 4: examples and mined pairs.
	t0 = time.Now()
	pr.set(StageExamples, nil, 0)
	if opts.Mined != nil {
		if err := writePairs(opts.Mined, ex.corrections); err != nil {
			return fmt.Errorf("train: write mined pairs: %w", err)
		}
	}
	if opts.Examples != nil {
		if err := ex.write(opts.Examples, opts.MaxExamples, opts.Seed, opts.BalancedExamples, &rep.Examples); err != nil {
			return fmt.Errorf("train: write examples: %w", err)
		}
	}
	rep.stage(StageExamples, t0)
	pr.done(0)

	// The source's hash, which enters the model's version, is that of the rows kept, in any order: the same
	// log written with another codec, row group size or file split gives the same model.
	read := s.Input.Read
	digest := sha256.Sum256(fmt.Appendf(nil, "log rows %d %x %x", read.RowsKept, s.Input.Digest[0], s.Input.Digest[1]))
	src := SourceReport{Kind: "log", Path: strings.Join(s.Input.Files, ","), Weight: 1, Lines: read.RowsRead,
		Used: read.RowsKept, SHA256: hex.EncodeToString(digest[:])}
	for k, v := range read.Skipped {
		if k != querylog.SkipUnreadableRowGroup {
			if src.Skipped == nil {
				src.Skipped = map[string]int64{}
			}
			src.Skipped[k] = v
		}
	}
	c.Reports = append(c.Reports, src)
	return nil
}

// examples holds the candidates of the labelled examples.
type examples struct {
	corrections []PairCount // kept query pairs, sorted
	correct     []PairCount // clean queries (Intended "_"), sorted
}

// countLogs feeds the sums, cut to their top MaxQueries, to the counter: language-model counts, the log
// vocabulary and the error-model pairs; it fills the report and returns the example candidates.
func (c *Counter) countLogs(s *logsum.Sums, opts LogOptions, rep *LogReport) *examples {
	rep.Sessions = s.Mined
	pruned := s.Counts.TopK(opts.MaxQueries)
	s.Held.TopK(opts.MaxQueries)
	rep.Queries = QueryReport{Distinct: int64(len(s.Queries)), PrunedDistinct: pruned.Queries, PrunedSearches: pruned.Searches}
	good := map[string]int64{} // token → occurrences in searches with results
	var toks []tokenize.Token
	var run []string
	var clicked []string // queries with clean clicks
	for q, st := range s.Queries {
		rep.Queries.Searches += st.Searches
		toks, run = c.countText(c.logs, q, float64(st.Searches), opts.StartContext, toks, run) // CountQuery, keeping the tokens
		if st.Clean > 0 {
			clicked = append(clicked, q)
		}
		if st.Good == 0 {
			continue
		}
		for _, t := range toks {
			if t.Kind == tokenize.Word {
				good[t.Text] += st.Good
			}
		}
	}
	vocab := map[string]bool{}
	for w, n := range good {
		if n >= opts.MinCount {
			vocab[w] = true
		}
	}
	minCount := float64(opts.MinCount)
	plausible := func(p mine.TokenPair) bool {
		return mine.Plausible(float64(good[p.Typed]), float64(good[p.Intended]), minCount, opts.RealWordShare)
	}

	// Query pairs, in a fixed order.
	pairs := make([]PairCount, 0, len(s.Pairs))
	for k, n := range s.Pairs {
		pairs = append(pairs, PairCount{k[0], k[1], *n})
	}
	slices.SortFunc(pairs, comparePairs)
	pr := &rep.Pairs
	pr.PrunedDistinct = pruned.Pairs
	ex := &examples{}
	typedSide := map[string]bool{}
	tokens := map[mine.TokenPair]int64{} // support of the token pairs, over all query pairs
	m := mine.NewMiner(s.Rules.Mine)
	comps := make([]mine.Comparison, len(pairs))
	for i, p := range pairs {
		pr.Mined += p.Count
		pr.MinedDistinct++
		typedSide[p.Typed] = true
		cp := m.Compare(p.Typed, p.Intended)
		comps[i] = mine.Comparison{Kind: cp.Kind, Tokens: slices.Clone(cp.Tokens)}
		for _, tp := range cp.Tokens {
			tokens[tp] += p.Count
			if cp.Kind == mine.Correction {
				pr.Tokens += p.Count
			}
		}
	}
	var splits []PairCount
	for i, p := range pairs {
		cp := &comps[i]
		supported, real := p.Count >= opts.MinSupport, false
		if !supported {
			// a rarer query pair is kept when each of its changes was mined often enough
			supported = len(cp.Tokens) > 0
			for _, tp := range cp.Tokens {
				supported = supported && tokens[tp] >= opts.MinSupport
			}
		}
		if cp.Kind == mine.Correction {
			for _, tp := range cp.Tokens {
				real = real || !plausible(tp)
			}
		}
		switch {
		case !supported:
			pr.BelowSupport++
		case real:
			pr.RealWord++
		default:
			pr.Kept += p.Count
			pr.KeptDistinct++
			ex.corrections = append(ex.corrections, p)
			if cp.Kind == mine.SplitMerge {
				splits = append(splits, PairCount{cp.Tokens[0].Typed, cp.Tokens[0].Intended, p.Count})
			}
		}
	}

	// Token pairs of the corrections, in a fixed order.
	var fed []PairCount
	for tp, n := range tokens {
		if strings.Contains(tp.Typed, " ") || strings.Contains(tp.Intended, " ") {
			continue // a split or merge
		}
		pr.TokensDistinct++
		if n >= opts.MinSupport && plausible(tp) {
			fed = append(fed, PairCount{tp.Typed, tp.Intended, n})
		}
	}
	slices.SortFunc(fed, comparePairs)
	for _, p := range fed {
		if c.AddPair(p.Typed, p.Intended, float64(p.Count)) == "" {
			pr.TokensKept += p.Count
			pr.TokensFed++
		}
		// A token that shoppers correct is a misspelling, even when its searches returned results.
		if vocab[p.Typed] {
			delete(vocab, p.Typed)
			rep.Misspellings++
		}
	}
	splitPairs := mergeCounts(splits)
	for _, p := range splitPairs {
		c.AddPair(p.Typed, p.Intended, float64(p.Count))
	}
	if c.logVocab == nil {
		c.logVocab = map[string]bool{}
	}
	for w := range vocab {
		c.logVocab[w] = true
	}
	rep.Vocabulary = len(vocab)
	pr.Top = topPairs(fed, 20)
	pr.SplitMerge = topPairs(splitPairs, maxSplitMergeReport)

	fb := newFeedbackCounts(s.Feedback, m)
	c.addFeedback(fb, &rep.Feedback)
	if s.Rules.HoldOut > 0 { // the examples come from held-out sessions only, even when a small log had none
		return heldExamples(&s.Held, m, plausible, typedSide, rep)
	}

	// Correct queries: clicked and never reformulated, in the vocabulary, and never the typed side of a
	// mined pair.
	clean := map[string]int64{}
	for _, q := range clicked {
		toks = tokenize.Tokenize(toks[:0], q)
		known := len(toks) > 0
		for _, t := range toks {
			if t.Kind == tokenize.Word && !c.logVocab[t.Text] && !c.inBackground(t.Text) {
				known = false
				break
			}
		}
		if known {
			clean[normalized(toks)] += s.Queries[q].Clean
		}
	}
	fb.examples(ex, clean, typedSide, &rep.Examples)
	ex.correct = correctExamples(ex.correct, clean, typedSide, opts.MinSupport)
	return ex
}

// correctExamples appends to dst the clean queries (normalized, with their counts) seen at least minSupport
// times and never the typed side of a pair, as correct examples, sorted.
func correctExamples(dst []PairCount, clean map[string]int64, typedSide map[string]bool, minSupport int64) []PairCount {
	for q, n := range clean {
		if n >= minSupport && !typedSide[q] {
			dst = append(dst, PairCount{q, "_", n})
		}
	}
	slices.SortFunc(dst, comparePairs)
	return dst
}

// heldExamples returns the example candidates of the held-out sessions: their mined corrections (and splits
// and merges) but those that change a word into another that is as much a word (the same plausibility test
// as the training pairs, on the training counts), and their clicked queries that were never reformulated
// and are never the typed side of a pair, whatever their words: the held-out sessions are traffic the model
// never counted, rare words and all. Every observation counts, without the support the training pairs need.
func heldExamples(held *logsum.Counts, m *mine.Miner, plausible func(mine.TokenPair) bool, typedSide map[string]bool,
	rep *LogReport) *examples {
	ex := &examples{}
	h := &rep.HeldOut
	h.Sessions = held.Sessions
	for _, st := range held.Queries {
		h.Searches += st.Searches
	}
	for k, n := range held.Pairs {
		h.Pairs += *n
		typedSide[k[0]] = true
		cp := m.Compare(k[0], k[1])
		if cp.Kind != mine.Correction && cp.Kind != mine.SplitMerge {
			continue
		}
		if cp.Kind == mine.Correction && slices.ContainsFunc(cp.Tokens, func(tp mine.TokenPair) bool { return !plausible(tp) }) {
			continue
		}
		ex.corrections = append(ex.corrections, PairCount{k[0], k[1], *n})
	}
	var toks []tokenize.Token
	clean := map[string]int64{}
	for q, st := range held.Queries {
		if st.Clean > 0 {
			toks = tokenize.Tokenize(toks[:0], q)
			if len(toks) > 0 {
				clean[normalized(toks)] += st.Clean
			}
		}
	}
	newFeedbackCounts(held.Feedback, m).examples(ex, clean, typedSide, &rep.Examples)
	ex.correct = correctExamples(ex.correct, clean, typedSide, 0)
	ex.corrections = mergeCounts(ex.corrections)
	return ex
}

// feedbackCounts are the shoppers' answers to the corrections shown, by normalized query and correction.
type feedbackCounts struct {
	queries map[[2]string]model.FeedbackCount
	m       *mine.Miner
}

// newFeedbackCounts normalizes the queries and corrections of the answers counted by logsum.Summer.
func newFeedbackCounts(raw map[[2]string]*model.FeedbackCount, m *mine.Miner) *feedbackCounts {
	f := &feedbackCounts{queries: map[[2]string]model.FeedbackCount{}, m: m}
	var toks []tokenize.Token
	for k, c := range raw {
		toks = tokenize.Tokenize(toks[:0], k[0])
		q := normalized(toks)
		toks = tokenize.Tokenize(toks[:0], k[1])
		corr := normalized(toks)
		if q == "" || corr == "" || q == corr {
			continue
		}
		x := f.queries[[2]string{q, corr}]
		x.Add(*c)
		f.queries[[2]string{q, corr}] = x
	}
	return f
}

// FeedbackReport counts the shoppers' answers to the corrections shown (the spell_* columns of the log) in
// the sessions the model learns from, and the feedback table made of them (model.Feedback).
type FeedbackReport struct {
	DidYouMean  int64 `json:"did_you_mean"` // searches offered a correction
	Accepted    int64 `json:"accepted"`     // of them, the shopper took it
	AutoCorrect int64 `json:"auto_correct"` // searches corrected automatically
	Rejected    int64 `json:"rejected"`     // of them, the shopper searched instead for the query as typed
	Corrections int   `json:"corrections"`  // distinct (query, correction) answered
	// QueryEntries and TokenEntries are the entries of the table, whole corrections and changed tokens (see
	// Counter.addFeedback).
	QueryEntries int `json:"query_entries"`
	TokenEntries int `json:"token_entries"`
}

// addFeedback adds the answers to the counter's feedback table: per correction, and per token pair it changed
// (its splits and merges included), the entries that can change a decision (spell.Adjust): a changed token
// the shoppers keep refusing (spell.Verdict.Wrong), a correction they keep refusing or taking (Wrong or
// Right, both at once included: it then keeps its tokens' feedback from applying), and a correction with
// enough support of either kind (model.FeedbackSupport) one of whose tokens is refused, which it overrules.
// Thinner or neutral entries would change nothing.
func (c *Counter) addFeedback(f *feedbackCounts, rep *FeedbackReport) {
	tokens := map[[2]string]model.FeedbackCount{}
	changed := map[[2]string][]mine.TokenPair{}
	for k, n := range f.queries {
		rep.DidYouMean += int64(n.DidYouMean)
		rep.Accepted += int64(n.Accepted)
		rep.AutoCorrect += int64(n.AutoCorrect)
		rep.Rejected += int64(n.Rejected)
		rep.Corrections++
		if cp := f.m.Compare(k[0], k[1]); cp.Kind == mine.Correction || cp.Kind == mine.SplitMerge {
			changed[k] = slices.Clone(cp.Tokens)
			for _, tp := range cp.Tokens {
				x := tokens[[2]string{tp.Typed, tp.Intended}]
				x.Add(n)
				tokens[[2]string{tp.Typed, tp.Intended}] = x
			}
		}
	}
	add := func(level byte, k [2]string, n model.FeedbackCount) {
		if c.feedback == nil {
			c.feedback = map[uint64]model.FeedbackCount{}
		}
		key := model.FeedbackKey(level, k[0], k[1])
		x := c.feedback[key]
		x.Add(n)
		c.feedback[key] = x
	}
	refused := map[[2]string]bool{}
	for k, n := range tokens {
		if v := spell.VerdictOf(n); v.Wrong() && !v.Right() {
			refused[k] = true
			add(model.LevelToken, k, n)
			rep.TokenEntries++
		}
	}
	for k, n := range f.queries {
		v := spell.VerdictOf(n)
		keep := v.Wrong() || v.Right()
		if !keep && v != (spell.Verdict{}) {
			for _, tp := range changed[k] {
				keep = keep || refused[[2]string{tp.Typed, tp.Intended}]
			}
		}
		if keep {
			add(model.LevelQuery, k, n)
			rep.QueryEntries++
		}
	}
}

// examples adds the answers as labelled examples: an accepted offer is a correction (typed → correction; the
// typed query is then never a correct one), a refused automatic correction a correct query (counted into
// clean, typed → _).
func (f *feedbackCounts) examples(ex *examples, clean map[string]int64, typedSide map[string]bool, rep *ExampleReport) {
	for k, n := range f.queries {
		if n.Accepted > 0 {
			ex.corrections = append(ex.corrections, PairCount{k[0], k[1], int64(n.Accepted)})
			typedSide[k[0]] = true
			rep.FeedbackAccepted += int(n.Accepted)
		}
		if n.Rejected > 0 {
			clean[k[0]] += int64(n.Rejected)
			rep.FeedbackRejected += int(n.Rejected)
		}
	}
}

// normalized returns the tokens' texts joined by single spaces (mine.Normalize of the tokenized query).
func normalized(toks []tokenize.Token) string {
	var b strings.Builder
	for i, t := range toks {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(t.Text)
	}
	return b.String()
}

// inBackground reports whether a background word list has w.
func (c *Counter) inBackground(w string) bool {
	for _, bg := range c.background {
		if bg.b.Count(w) > 0 {
			return true
		}
	}
	return false
}

func comparePairs(x, y PairCount) int {
	return cmp.Or(strings.Compare(x.Typed, y.Typed), strings.Compare(x.Intended, y.Intended))
}

// mergeCounts sums the counts of equal pairs.
func mergeCounts(p []PairCount) []PairCount {
	slices.SortFunc(p, comparePairs)
	var out []PairCount
	for _, x := range p {
		if n := len(out); n > 0 && comparePairs(out[n-1], x) == 0 {
			out[n-1].Count += x.Count
		} else {
			out = append(out, x)
		}
	}
	return out
}

// topPairs returns the n most frequent pairs, ties in pair order.
func topPairs(p []PairCount, n int) []PairCount {
	s := append([]PairCount{}, p...)
	slices.SortStableFunc(s, func(x, y PairCount) int { return cmp.Compare(y.Count, x.Count) })
	if len(s) > n {
		s = s[:n]
	}
	return s
}
