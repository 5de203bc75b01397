package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"math"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"golang.org/x/term"

	"github.com/spellwright/speller/eval"
	"github.com/spellwright/speller/internal/correval"
	"github.com/spellwright/speller/logsum"
	"github.com/spellwright/speller/mine"
	"github.com/spellwright/speller/model"
	"github.com/spellwright/speller/querylog"
	"github.com/spellwright/speller/spell"
	"github.com/spellwright/speller/train"
)

func runTrain(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := newFlags("train", "", stderr)
	var unigrams, noisyUnigrams, corpus, queries, pairs listFlag
	fs.Var(&unigrams, "unigrams", "word-count list, lines `word count` (repeatable); background unigram counts")
	fs.Var(&noisyUnigrams, "noisy-unigrams", "word-count list from uncurated text such as the web, lines `word count` "+
		"(repeatable); like --unigrams, but its words that the training data shows to be misspellings stay out of the vocabulary")
	slip := fs.Float64("slip", 1, "weight of the error model's typing-slip prior (keyboard neighbours, doubled and dropped letters, swaps, far keys); 0: none")
	noisyRatio := fs.Float64("noisy-ratio", 100, "--noisy-unigrams: a word one edit from a word this many times more frequent is its misspelling")
	noisyMinRunes := fs.Int("noisy-min-runes", 5, "--noisy-unigrams: shortest word judged by --noisy-ratio")
	fs.Var(&corpus, "corpus", "plain text `FILE` for unigram and bigram counts (repeatable)")
	fs.Var(&queries, "queries", "queries with search counts, lines `query<TAB>count` (repeatable), words and word pairs counted")
	fs.Var(&pairs, "pairs", "misspellings, lines `typed<TAB>intended` (repeatable), for the error model")
	unigramWeight := fs.Float64("unigram-weight", 4, "total of the --unigrams counts relative to the corpus total")
	var logs, aggregates listFlag
	fs.Var(&logs, "log", "search log, Parquet `FILES` (repeatable, globs allowed): mine corrections for the error model, "+
		"count the queries for the language model and the vocabulary")
	fs.Var(&aggregates, "aggregates", "train from the sums of logs in an aggregates `DIR` (repeatable: the directories, and the sums of --log, "+
		"are added up), written by --aggregates-out or by speller-beam; the summing flags (--window, --max-session-searches, "+
		"--min-results, --holdout) are those the sums were made with")
	aggregatesOut := fs.String("aggregates-out", "", "--log or --aggregates: also write the sums of the logs to the aggregates `DIR`, "+
		"for a later --aggregates")
	aggregateShards := fs.Int("aggregate-shards", 16, "--aggregates-out: number of shard files")
	window := fs.Duration("window", mine.DefaultWindow, "--log: longest gap between a search and its correction")
	startContext := fs.Bool("start-context", false, "--log: count which words start a query (see train.LogOptions.StartContext)")
	minSupport := fs.Int64("min-support", train.DefaultMinSupport, "--log: fewest times a mined pair must occur to be kept")
	minCount := fs.Int64("min-count", train.DefaultMinCount, "--log: fewest occurrences of a token, in searches with results, to enter the vocabulary")
	minResults := fs.Int64("min-results", 1, "--log: fewest results of a search whose tokens count for the vocabulary (0: every search, even without a result count)")
	maxSearches := fs.Int("max-session-searches", mine.DefaultMaxSearches, "--log: sessions with more searches are bots and are skipped")
	maxQueries := fs.Int("max-queries", train.DefaultMaxQueries, "--log: distinct queries (and pairs) learnt from; after summing, the rarest beyond are dropped and counted")
	partitions := fs.Int("partitions", 0, "--log: number of temporary partition files (default: one per 8 MB of log)")
	tmpDir := fs.String("tmpdir", "", "--log: `DIR` for the temporary partition files (default: the system's)")
	examplesPath := fs.String("examples", "", "--log: write labelled examples for the tuner to `FILE`, lines typed<TAB>expected<TAB>count")
	maxExamples := fs.Int("max-examples", train.DefaultMaxExamples, "--log: most examples written, corrections and correct queries in the log's own mix")
	holdOut := fs.Float64("holdout", 0.05, "--log: share of sessions set aside (by a hash of the session id): their searches are not counted, and the examples "+
		"come from them only (0: none). Unless given: with --aggregates, the aggregates' share; else without --examples nothing is held out")
	balanced := fs.Bool("balanced-examples", false, "--log: write as many corrections as correct queries instead of the log's own mix")
	seed := fs.Uint64("seed", 1, "--log: seed of the examples' sample")
	maxSkipped := fs.Float64("max-skipped", train.DefaultMaxSkipped, "--log: largest share of the log's rows that may be lost, "+
		"rows skipped as malformed and rows of unreadable row groups, before training fails (0: none; 1: no limit)")
	allowUnreadable := fs.Bool("allow-unreadable", false, "--log: train without the log files that cannot be read at all "+
		"(not Parquet, truncated, wrong schema), reporting them, instead of failing")
	minedPath := fs.String("mined", "", "--log: write the kept query pairs to `FILE`, lines typed<TAB>intended<TAB>count")
	out := fs.String("out", "", "write the model bundle to `FILE` (atomically)")
	reportPath := fs.String("report", "", "write the training report as JSON to `FILE` (with --log: an object with the sources and the log report)")
	buildTime := fs.String("build-time", "", "build time stamped into the model, RFC 3339 or Unix seconds "+
		"(default: $SOURCE_DATE_EPOCH, else now); fix it for a reproducible build")
	realign := fs.Int("realign", 0, "re-align the misspelling pairs with the learned error model `N` times (hard EM)")
	name := fs.String("name", "en", "prefix of the model's version string")
	comment := fs.String("comment", "", "free-text comment stored in the model metadata")
	protect := fs.String("protect", "", "terms the speller must never change (brands, product names), one per line in `FILE`")
	neverSuggest := fs.String("never-suggest", "", "words the speller must never produce (offensive words), one per line in `FILE`")
	decoding := decodingFlag(fs, "a decoding option pinned in the model instead of the corrector's default")
	if err := parse(fs, args); err != nil {
		return err
	}
	// The decoding options the bundle pins: the corrector's defaults (what train.Counter.Bundle writes), with
	// --decoding over them, checked before the work.
	decodingOpts := spell.DefaultDecoding()
	if err := setDecoding(&decodingOpts, *decoding); err != nil {
		return err
	}
	holdOutSet := false
	fs.Visit(func(f *flag.Flag) { holdOutSet = holdOutSet || f.Name == "holdout" })
	if *out == "" || fs.NArg() > 0 {
		fs.Usage()
		return errUsage
	}
	if *aggregatesOut != "" && len(logs) == 0 && len(aggregates) == 0 {
		return fmt.Errorf("--aggregates-out: want --log or --aggregates to sum")
	}
	bt, err := parseBuildTime(*buildTime)
	if err != nil {
		return err
	}
	start := time.Now()
	c := train.NewCounter()
	for _, p := range corpus {
		if err := c.AddCorpusFile(p); err != nil {
			return err
		}
	}
	for _, p := range queries {
		if err := c.AddQueriesFile(p); err != nil {
			return err
		}
	}
	for _, p := range unigrams {
		if err := c.AddUnigramsFile(p, *unigramWeight); err != nil {
			return err
		}
	}
	for _, p := range noisyUnigrams {
		if err := c.AddNoisyUnigramsFile(p, *unigramWeight); err != nil {
			return err
		}
	}
	for _, p := range pairs {
		if err := c.AddPairsFile(p, 1); err != nil {
			return err
		}
	}
	var logRep *train.LogReport
	if len(logs) > 0 || len(aggregates) > 0 {
		opts := train.LogOptions{
			Mine:       mine.Options{Window: *window, MaxSearches: *maxSearches},
			MinSupport: *minSupport, MinCount: *minCount, MinResults: *minResults,
			MaxQueries: *maxQueries, Partitions: *partitions, TempDir: *tmpDir,
			MaxExamples: *maxExamples, Seed: *seed, StartContext: *startContext, BalancedExamples: *balanced,
			HoldOut: *holdOut, MaxSkipped: *maxSkipped,
			Read:     querylog.ReadOptions{SkipUnreadableFiles: *allowUnreadable},
			Progress: newProgress(stderr),
		}
		if !(*maxSkipped >= 0) {
			return fmt.Errorf("--max-skipped %v: want a share of 0 or more", *maxSkipped)
		}
		if opts.MaxSkipped == 0 {
			opts.MaxSkipped = -1 // none
		}
		if opts.MinResults <= 0 {
			opts.MinResults = -1 // every search
		}
		if *examplesPath == "" && !holdOutSet {
			opts.HoldOut = 0 // held-out sessions serve the examples only
		}
		var files []*os.File
		for _, f := range []struct {
			path string
			w    *io.Writer
		}{{*examplesPath, &opts.Examples}, {*minedPath, &opts.Mined}} {
			if f.path == "" {
				continue
			}
			fh, err := os.Create(f.path)
			if err != nil {
				return err
			}
			defer fh.Close()
			files = append(files, fh)
			*f.w = fh
		}
		logRep = &train.LogReport{}
		var sums *logsum.Sums
		if len(aggregates) > 0 {
			if sums, err = logsum.ReadDirs(aggregates); err != nil {
				return err
			}
			if !holdOutSet {
				opts.HoldOut = sums.Rules.HoldOut // the logs are summed as the aggregates were
			}
			if len(logs) > 0 {
				if err := sameRules(opts.Rules(), sums.Rules); err != nil {
					return err
				}
			}
		}
		if len(logs) > 0 {
			var ls *logsum.Sums
			ls, logRep, err = train.SumLogs(ctx, logs, opts)
			if err != nil {
				return logError(err, *maxSkipped)
			}
			if sums == nil {
				sums = ls
			} else if err := logsum.Disjoint(sums, ls); err != nil {
				return fmt.Errorf("--log with --aggregates: %w (a log of --log is already summed in the aggregates)", err)
			} else if err := sums.Merge(ls); err != nil {
				return fmt.Errorf("--log with --aggregates: %w", err)
			}
		}
		if *aggregatesOut != "" {
			if err := sums.WriteDir(*aggregatesOut, *aggregateShards); err != nil {
				return err
			}
		}
		if err := c.AddSums(ctx, sums, opts, logRep); err != nil {
			return logError(err, *maxSkipped)
		}
		for _, fh := range files {
			if err := fh.Close(); err != nil {
				return err
			}
		}
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	opts := train.Options{BuildTime: bt, Realign: *realign, Name: *name, Comment: *comment,
		Noisy: train.NoisyOptions{Ratio: *noisyRatio, MinRunes: *noisyMinRunes}}
	if !(*slip >= 0) || math.IsInf(*slip, 0) {
		return fmt.Errorf("--slip %v: want a weight of 0 or more", *slip)
	}
	if opts.Slip = *slip; opts.Slip == 0 {
		opts.Slip = -1 // none
	}
	for _, l := range []struct {
		path  string
		terms *[]string
	}{{*protect, &opts.Protected}, {*neverSuggest, &opts.NeverSuggest}} {
		if l.path != "" {
			if *l.terms, err = train.ReadTermsFile(l.path); err != nil {
				return err
			}
		}
	}
	b, err := c.Bundle(opts)
	if err != nil {
		return err
	}
	b.Decoding = decodingOpts
	if err := b.WriteFile(*out); err != nil {
		return err
	}
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "source\tfile\tlines\tused\tskipped")
	for _, r := range c.Reports {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%s\n", r.Kind, r.Path, r.Lines, r.Used, countsText(r.Skipped))
	}
	tw.Flush()
	if len(noisyUnigrams) > 0 {
		n := c.Noisy
		fmt.Fprintf(stdout, "noisy word lists: %d words left out as misspellings (%d listed in training pairs, "+
			"%d one edit from a much more frequent word), e.g. %s\n", n.Listed+n.Frequent, n.Listed, n.Frequent,
			strings.Join(n.Examples, ", "))
	}
	if logRep != nil {
		printLogReport(stdout, logRep, *maxSkipped)
	}
	fmt.Fprintf(stdout, "\nwrote %s: version %s, %d words, %d bigrams, %d distinct edits, in %s\n",
		*out, b.Meta.Version, b.LM.Len(), b.LM.Bigrams(), b.Errors.Counts().Edits(), time.Since(start).Round(time.Millisecond))
	if logRep != nil && logRep.HeldOut.Share > 0 && logRep.HeldOut.Sessions == 0 {
		fmt.Fprintln(stdout, "no session was held out (the log is too small for --holdout): no examples written")
	}
	if logRep != nil && logRep.HeldOut.Sessions > 0 && *examplesPath != "" {
		if err := printHeldOut(ctx, stdout, b, *examplesPath); err != nil {
			return err
		}
	}
	if *reportPath != "" {
		var v any = c.Reports
		if logRep != nil {
			v = struct {
				Sources []train.SourceReport `json:"sources"`
				Log     *train.LogReport     `json:"log"`
			}{c.Reports, logRep}
		}
		data, err := json.MarshalIndent(v, "", "  ")
		if err != nil {
			return err
		}
		if err := os.WriteFile(*reportPath, append(data, '\n'), 0o644); err != nil {
			return err
		}
	}
	return nil
}

// sameRules returns an error naming the flags that differ when the logs would be summed with rules logs and
// the aggregates were summed with rules agg: their sums could not be merged.
func sameRules(logs, agg logsum.Rules) error {
	if logs == agg {
		return nil
	}
	minResults := func(n int64) string { return strconv.FormatInt(max(n, 0), 10) }
	var diff []string
	for _, d := range []struct{ name, log, agg string }{
		{"--window", logs.Mine.Window.String(), agg.Mine.Window.String()},
		{"--max-session-searches", strconv.Itoa(logs.Mine.MaxSearches), strconv.Itoa(agg.Mine.MaxSearches)},
		{"--min-results", minResults(logs.MinResults), minResults(agg.MinResults)},
		{"--holdout", strconv.FormatFloat(logs.HoldOut, 'g', -1, 64), strconv.FormatFloat(agg.HoldOut, 'g', -1, 64)},
		{"(fast gap)", logs.Mine.FastGap.String(), agg.Mine.FastGap.String()},
		{"(fast gaps)", strconv.Itoa(logs.Mine.MaxFastGaps), strconv.Itoa(agg.Mine.MaxFastGaps)},
		{"(longest query)", strconv.Itoa(logs.MaxQueryBytes), strconv.Itoa(agg.MaxQueryBytes)},
	} {
		if d.log != d.agg {
			diff = append(diff, fmt.Sprintf("%s %s, the aggregates' %s", d.name, d.log, d.agg))
		}
	}
	return fmt.Errorf("--log with --aggregates: %w: %s; give --log the summing flags the aggregates were made with",
		logsum.ErrRulesDiffer, strings.Join(diff, "; "))
}

// logError adds to an error of the log trainer the flag that would let training go on.
func logError(err error, maxSkipped float64) error {
	switch {
	case errors.Is(err, querylog.ErrUnreadableFile), errors.As(err, new(*querylog.SchemaError)):
		return fmt.Errorf("%w\n(--allow-unreadable trains without the files that cannot be read)", err)
	case errors.Is(err, train.ErrTooManySkipped):
		return fmt.Errorf("%w\n(--max-skipped %g; raise it to train on what is left)", err, maxSkipped)
	}
	return err
}

func parseBuildTime(s string) (time.Time, error) {
	if s == "" {
		s = os.Getenv("SOURCE_DATE_EPOCH")
	}
	if s == "" {
		return time.Now().UTC(), nil
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return time.Unix(n, 0).UTC(), nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("--build-time %q: want RFC 3339 or Unix seconds", s)
	}
	return t.UTC(), nil
}

// countsText formats counts by name as "a=1, b=2", sorted by name; "-" when there are none.
func countsText(m map[string]int64) string {
	if len(m) == 0 {
		return "-"
	}
	keys := slices.Sorted(maps.Keys(m))
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s=%d", k, m[k])
	}
	return strings.Join(parts, ", ")
}

// printLogReport prints what the log trainer read, skipped, found and kept; maxSkipped is the share of
// rows that could have been lost (--max-skipped).
func printLogReport(w io.Writer, r *train.LogReport, maxSkipped float64) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	row := func(name string, v any, note string) { fmt.Fprintf(tw, "%s\t%12v\t%s\n", name, v, note) }
	fmt.Fprintf(w, "\nlog: %d file(s), %d partitions, %d MB spilled\n", len(r.Files), r.Partitions, r.SpillBytes>>20)
	row("rows read", r.Read.RowsRead, "")
	row("rows kept", r.Read.RowsKept, "")
	reasons := make([]string, 0, len(r.Read.Skipped))
	for k := range r.Read.Skipped {
		reasons = append(reasons, k)
	}
	sort.Strings(reasons)
	for _, k := range reasons {
		unit := "rows"
		if k == querylog.SkipUnreadableRowGroup {
			unit = "row groups"
		}
		row("skipped: "+k, r.Read.Skipped[k], unit)
	}
	if r.Read.RowsUnread > 0 {
		row("rows unread", r.Read.RowsUnread, "in unreadable row groups")
	}
	row("rows lost", fmt.Sprintf("%.2f%%", 100*r.Read.SkippedShare()), fmt.Sprintf("of %d rows (--max-skipped %.2f%%)", r.Read.Rows(), 100*maxSkipped))
	if r.Read.FilesFailed > 0 {
		row("files failed", r.Read.FilesFailed, "rows not known, not counted (--allow-unreadable)")
	}
	for _, e := range r.Read.Errors {
		row("error", "", e)
	}
	if r.Read.ErrorsDropped > 0 {
		row("errors not shown", r.Read.ErrorsDropped, "")
	}
	s := r.Sessions
	row("sessions", s.Sessions, "")
	row("bot sessions skipped", s.Bots, fmt.Sprintf("%d searches", s.BotSearches))
	row("candidate pairs", s.Candidates, fmt.Sprintf("%d repeats, %d refinements, %d unrelated, %d corrections, %d splits/merges",
		s.Repeats, s.Refinements, s.Unrelated, s.Corrections, s.SplitMerges))
	row("clean clicks", s.CleanClicks, "")
	q := r.Queries
	row("distinct queries", q.Distinct, fmt.Sprintf("%d searches; pruned %d (%d searches)", q.Searches, q.PrunedDistinct, q.PrunedSearches))
	p := r.Pairs
	row("query pairs mined", p.Mined, fmt.Sprintf("%d distinct", p.MinedDistinct))
	row("query pairs kept", p.Kept, fmt.Sprintf("%d distinct; %d below support, %d real-word changes", p.KeptDistinct, p.BelowSupport, p.RealWord))
	row("token pairs mined", p.Tokens, fmt.Sprintf("%d distinct", p.TokensDistinct))
	row("token pairs to the error model", p.TokensKept, fmt.Sprintf("%d distinct", p.TokensFed))
	row("split/merge pairs kept", len(p.SplitMerge), "distinct, not used by the error model yet")
	row("vocabulary", r.Vocabulary, fmt.Sprintf("words; %d corrected misspellings left out", r.Misspellings))
	if f := r.Feedback; f.DidYouMean+f.AutoCorrect > 0 {
		row("corrections shown", f.DidYouMean+f.AutoCorrect, fmt.Sprintf("%d did you mean (%d accepted), %d automatic (%d refused), %d distinct",
			f.DidYouMean, f.Accepted, f.AutoCorrect, f.Rejected, f.Corrections))
		row("feedback table", f.QueryEntries+f.TokenEntries, fmt.Sprintf("%d corrections, %d changed tokens", f.QueryEntries, f.TokenEntries))
	}
	if h := r.HeldOut; h.Share > 0 {
		row("held-out sessions", h.Sessions, fmt.Sprintf("%.1f%% of sessions, %d searches, %d query pairs: the examples, never counted", 100*h.Share, h.Searches, h.Pairs))
	}
	if e := r.Examples; e.Corrections+e.Correct > 0 {
		mix := "balanced"
		if e.CorrectionShare > 0 {
			mix = fmt.Sprintf("the log's mix, %.1f%% corrections", 100*e.CorrectionShare)
		}
		row("examples", e.Corrections+e.Correct, fmt.Sprintf("%d corrections, %d correct (%s); candidates from feedback: %d accepted, %d refused",
			e.Corrections, e.Correct, mix, e.FeedbackAccepted, e.FeedbackRejected))
	}
	for _, st := range r.Stages {
		row("stage "+st.Name, fmt.Sprintf("%.2fs", st.Seconds), "")
	}
	tw.Flush()
}

// newProgress returns the progress callback of the log trainer: a progress line redrawn on stderr when it
// is a terminal, else a log line per stage and every few seconds.
func newProgress(stderr io.Writer) func(train.Progress) {
	f, ok := stderr.(*os.File)
	if ok && term.IsTerminal(int(f.Fd())) {
		start := time.Now()
		return func(p train.Progress) {
			line := fmt.Sprintf("%-9s %s", p.Stage, progressText(p))
			if p.Total > 0 {
				const width = 30
				n := int(min(p.Done, p.Total) * width / p.Total)
				line += " [" + strings.Repeat("#", n) + strings.Repeat(" ", width-n) + "]"
			}
			line += fmt.Sprintf(" %s", time.Since(start).Round(100*time.Millisecond))
			end := ""
			if p.Final {
				end = "\n"
			}
			fmt.Fprintf(f, "\r\033[K%s%s", line, end)
		}
	}
	log := slog.New(slog.NewTextHandler(stderr, nil))
	var last time.Time
	return func(p train.Progress) {
		if !p.Final && time.Since(last) < 5*time.Second {
			return
		}
		last = time.Now()
		msg := "train: log stage running"
		if p.Final {
			msg = "train: log stage done"
		}
		log.Info(msg, "stage", p.Stage, "progress", progressText(p))
	}
}

func progressText(p train.Progress) string {
	switch {
	case p.Stage == train.StageRead:
		return fmt.Sprintf("%d rows", p.Done)
	case p.Total > 0:
		return fmt.Sprintf("%d/%d partitions", p.Done, p.Total)
	}
	return ""
}

// printHeldOut prints what the model just written does, with the hyperparameters it has, on the examples of
// the held-out sessions: the figure its users would get before any tuning.
func printHeldOut(ctx context.Context, w io.Writer, b *model.Bundle, path string) error {
	ex, err := eval.ReadFile(path)
	if err != nil {
		return err
	}
	c, err := correctorOf(ctx, b, true)
	if err != nil {
		return err
	}
	m, _, err := eval.Run(ctx, correval.Speller{C: c}, ex)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "on the %d held-out examples (%d need a correction), untuned: precision %.4f, recall %.4f, "+
		"false-correction rate %.4f (%d of %d correct queries)\n", m.N, m.NeedsCorrection, m.Precision, m.Recall,
		m.FalseRate, m.FalseCorrections, m.N-m.NeedsCorrection)
	return nil
}
