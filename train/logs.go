package train

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/spellwright/speller/internal/hashmix"
	"github.com/spellwright/speller/mine"
	"github.com/spellwright/speller/model"
	"github.com/spellwright/speller/querylog"
	"github.com/spellwright/speller/spell"
	"github.com/spellwright/speller/tokenize"
)

// LogOptions configure AddLogs. The zero value works; zero fields take the defaults given.
type LogOptions struct {
	// Mine holds the session rules: correction window and bot detection (see package mine).
	Mine mine.Options
	// MinSupport is how many times a pair must be mined to be kept (default 2). A token pair's count is
	// summed over all the query pairs that contain it; a query pair mined fewer times is still kept when
	// every one of its token pairs reaches MinSupport. It is also the fewest clean clicks of a correct
	// example.
	MinSupport int64
	// MinCount is how often a token must occur in searches that returned at least MinResults results to
	// enter the vocabulary (default 3).
	MinCount int64
	// MinResults is the fewest results of a search whose tokens count towards the vocabulary (default 1);
	// a negative value counts every search, including those whose result count is null.
	MinResults int64
	// RealWordShare is the share of mine.Plausible (default mine.DefaultRealWordShare).
	RealWordShare float64
	// MaxQueries bounds the distinct queries (and, separately, the distinct mined pairs) held in memory
	// (default 2,000,000). Beyond it the rarest are dropped and counted in the report.
	MaxQueries int
	// Partitions is the number of temporary partition files (default: one per 8 MB of input, 4 to 1024).
	Partitions int
	// PartitionWorkers is the number of partitions processed at once (default 2: memory grows with it).
	PartitionWorkers int
	// TempDir is where the partition files go (default os.TempDir()); they are removed before AddLogs
	// returns.
	TempDir string
	// StartContext counts which words start a query (the bigram after the start symbol). Off by default: with
	// absolute discounting, a word never seen first in a query then gets a small share of its probability
	// as the first word, and single-word misspellings are then corrected towards words that start queries
	// rather than the words meant (on the dev sets, −0.05 to −0.14 accuracy on a simulated log).
	StartContext bool
	// Read configures the Parquet reader (its Workers default to GOMAXPROCS). A file that cannot be read
	// at all is an error unless Read.SkipUnreadableFiles is set.
	Read querylog.ReadOptions
	// MaxSkipped is the largest share of the log's rows that may be lost, rows the reader skipped (null
	// session, empty query, invalid UTF-8, oversize, bad timestamp) and rows of row groups it could not
	// decode together (querylog.Report.SkippedShare), before AddLogs fails with ErrTooManySkipped
	// (default DefaultMaxSkipped; negative: none may be lost; 1 or more: no limit). Rows of files that
	// could not be opened are not known and not counted.
	MaxSkipped float64

	// Examples, if set, receives labelled examples for the tuner, lines typed<TAB>expected<TAB>count: mined
	// corrections and clicked queries that were never reformulated (expected "_"), at most MaxExamples
	// (default 20,000), sampled by count with Seed, in the traffic's own mix of the two kinds (the share of
	// mined corrections among the searches that gave either), or half of each with BalancedExamples.
	Examples         io.Writer
	MaxExamples      int
	Seed             uint64
	BalancedExamples bool
	// HoldOut is the share of sessions set aside, chosen by a fixed hash of the session id (the same sessions
	// on every run): their searches enter no count, vocabulary or mined pair, and the examples come from them
	// only, so that the tuner sees what the service will see, queries and words the model never counted
	// (0: none; the examples then come from the sessions the model learnt from). In [0, 0.5].
	HoldOut float64
	// Mined, if set, receives every query pair kept, lines typed<TAB>intended<TAB>count, sorted.
	Mined io.Writer

	// Progress, if set, is called from one goroutine a few times a second and at the end of each stage.
	Progress func(Progress)
}

// Progress is the state of a running AddLogs.
type Progress struct {
	Stage string // StageRead, StageSessions, StageCount, StageExamples
	Done  int64  // rows read (StageRead) or partitions done (StageSessions)
	Total int64  // partitions (StageSessions); 0 when unknown
	Final bool   // the stage is over
}

// Stages of AddLogs, in order.
const (
	StageRead     = "read"     // decode the Parquet files and partition the rows by session
	StageSessions = "sessions" // sort each partition by session and time, mine, aggregate queries
	StageCount    = "count"    // language-model counts, vocabulary, error-model pairs
	StageExamples = "examples" // labelled examples
)

// Defaults of LogOptions.
const (
	DefaultMinSupport  = 2
	DefaultMinCount    = 3
	DefaultMaxQueries  = 2_000_000
	DefaultMaxExamples = 20_000
	// DefaultMaxSkipped is the default LogOptions.MaxSkipped: more than 1% of the rows lost means a damaged
	// or misencoded log (a corrupt row group, timestamps in the wrong unit), not the usual stray row.
	DefaultMaxSkipped = 0.01
)

// ErrTooManySkipped is wrapped by the error AddLogs returns when a larger share of the log's rows than
// LogOptions.MaxSkipped was skipped or unreadable.
var ErrTooManySkipped = errors.New("too many log rows skipped")

func (o LogOptions) withDefaults() LogOptions {
	if o.MinSupport <= 0 {
		o.MinSupport = DefaultMinSupport
	}
	if o.MinCount <= 0 {
		o.MinCount = DefaultMinCount
	}
	if o.MinResults == 0 {
		o.MinResults = 1
	}
	if o.RealWordShare <= 0 {
		o.RealWordShare = mine.DefaultRealWordShare
	}
	if o.MaxQueries <= 0 {
		o.MaxQueries = DefaultMaxQueries
	}
	if o.PartitionWorkers <= 0 {
		o.PartitionWorkers = min(2, runtime.GOMAXPROCS(0))
	}
	if o.MaxExamples <= 0 {
		o.MaxExamples = DefaultMaxExamples
	}
	if o.MaxSkipped == 0 {
		o.MaxSkipped = DefaultMaxSkipped
	}
	return o
}

// LogReport says what AddLogs read, skipped, found and kept.
type LogReport struct {
	Files      []string         `json:"files"`
	Read       *querylog.Report `json:"read"` // rows read, kept and skipped by reason
	Partitions int              `json:"partitions"`
	SpillBytes int64            `json:"spill_bytes"` // size of the partition files
	Sessions   mine.Stats       `json:"sessions"`
	Queries    QueryReport      `json:"queries"`
	Pairs      PairReport       `json:"pairs"`
	Vocabulary int              `json:"vocabulary"` // words of the log vocabulary
	// Misspellings counts the tokens left out of the vocabulary, though frequent enough in searches with
	// results, because they are the typed side of a token pair given to the error model.
	Misspellings int `json:"misspellings"`
	// HeldOut counts the sessions set aside for the examples (LogOptions.HoldOut) and their searches.
	HeldOut HeldOutReport `json:"held_out"`
	// Feedback counts the shoppers' answers to the corrections shown and the table made of them.
	Feedback FeedbackReport `json:"feedback"`
	Examples ExampleReport  `json:"examples"`
	Stages   []Stage        `json:"stages"`
}

// QueryReport counts the aggregated queries.
type QueryReport struct {
	Searches       int64 `json:"searches"`        // searches counted (bots excluded)
	Distinct       int64 `json:"distinct"`        // distinct queries counted
	PrunedDistinct int64 `json:"pruned_distinct"` // distinct queries dropped to stay within MaxQueries
	PrunedSearches int64 `json:"pruned_searches"` // their searches
}

// PairReport counts the mined pairs. Query pairs are whole (typed, intended) queries; token pairs the changed
// tokens of the corrections among them.
type PairReport struct {
	Mined          int64 `json:"mined"`               // query pairs found, before the support threshold
	MinedDistinct  int64 `json:"mined_distinct"`      // distinct ones
	BelowSupport   int64 `json:"below_support"`       // distinct query pairs mined fewer than MinSupport times
	RealWord       int64 `json:"real_word"`           // distinct query pairs refused by mine.Plausible
	Kept           int64 `json:"kept"`                // query pairs kept (occurrences)
	KeptDistinct   int64 `json:"kept_distinct"`       // distinct ones
	Tokens         int64 `json:"tokens"`              // token pairs of the corrections (occurrences)
	TokensDistinct int64 `json:"tokens_distinct"`     // distinct ones
	TokensKept     int64 `json:"tokens_kept"`         // token pairs given to the error model (occurrences)
	TokensFed      int64 `json:"tokens_fed_distinct"` // distinct ones
	PrunedDistinct int64 `json:"pruned_distinct"`     // distinct query pairs dropped to stay within MaxQueries
	// SplitMerge are the kept split and merge pairs, most frequent first; the error model learns the cost of
	// a space typed, left out or moved from them.
	SplitMerge []PairCount `json:"split_merge"`
	// Top are the most frequent token pairs given to the error model (at most 20).
	Top []PairCount `json:"top"`
}

// PairCount is a pair and how many times it was mined.
type PairCount struct {
	Typed    string `json:"typed"`
	Intended string `json:"intended"`
	Count    int64  `json:"count"`
}

// ExampleReport counts the labelled examples written.
type ExampleReport struct {
	Corrections int `json:"corrections"` // typed → corrected rows written
	Correct     int `json:"correct"`     // query → _ rows written
	// Candidates of each kind before sampling.
	CorrectionCandidates int `json:"correction_candidates"`
	CorrectCandidates    int `json:"correct_candidates"`
	// FeedbackAccepted and FeedbackRejected count the searches whose answers became candidates: accepted
	// offers (corrections) and refused automatic corrections (correct queries).
	FeedbackAccepted int `json:"feedback_accepted"`
	FeedbackRejected int `json:"feedback_rejected"`
	// CorrectionShare is the share of corrections the examples keep (the traffic's mix); 0 when balanced.
	CorrectionShare float64 `json:"correction_share,omitempty"`
}

// Stage is the wall time of one stage of AddLogs.
type Stage struct {
	Name    string  `json:"name"`
	Seconds float64 `json:"seconds"`
}

// maxSplitMergeReport bounds PairReport.SplitMerge.
const maxSplitMergeReport = 100

// AddLogs trains from search logs (Parquet files, see package querylog; paths may be globs): it mines
// corrections from the sessions (package mine) and feeds their token pairs to the error model (AddPair),
// counts every distinct query once with its number of searches (CountQuery), and restricts the words of the
// searches that enter the vocabulary to the log's vocabulary: tokens seen at least MinCount times in
// searches that returned at least MinResults results, except the typed tokens of the pairs given to the
// error model (words of background lists and curated text still enter as before).
//
// When the log has the spell_* columns (what the page showed and what the shopper did, see package querylog),
// the answers of the sessions it learns from (never the held-out ones) become the bundle's feedback table
// (model.Feedback; see Counter.addFeedback), and those of the held-out sessions labelled examples.
//
// Rows are partitioned by session into temporary files, which are then sorted and mined one or two at a
// time, so memory grows with the size of a partition (the input size divided by the number of partitions)
// and MaxQueries, not with the number of rows. Rows the reader rejects are counted in the report; a file
// lacking a required column is an error. The report is returned even with an error, as far as it got.
func (c *Counter) AddLogs(ctx context.Context, paths []string, opts LogOptions) (*LogReport, error) {
	opts = opts.withDefaults()
	rep := &LogReport{Read: querylog.NewReport(opts.Read.MaxErrors)}
	if !(opts.HoldOut >= 0 && opts.HoldOut <= 0.5) {
		return rep, fmt.Errorf("train: held-out share %v: want a value in [0, 0.5]", opts.HoldOut)
	}
	rep.HeldOut.Share = opts.HoldOut
	files, size, err := logFiles(paths)
	if err != nil {
		return rep, err
	}
	rep.Files = files
	rep.Partitions = opts.Partitions
	if rep.Partitions <= 0 {
		rep.Partitions = int(min(max(size/(8<<20), 4), 1024))
	}
	dir, err := os.MkdirTemp(opts.TempDir, "speller-logs-")
	if err != nil {
		return rep, fmt.Errorf("train: %w", err)
	}
	defer os.RemoveAll(dir)
	pr := newProgressor(opts.Progress)
	defer pr.stop()

	// Stage 1: read and partition.
	t0 := time.Now()
	sp, err := newSpill(dir, rep.Partitions)
	if err != nil {
		return rep, fmt.Errorf("train: %w", err)
	}
	pr.set(StageRead, &sp.rows, 0)
	readRep, err := querylog.Read(ctx, files, opts.Read, sp.write)
	if readRep != nil {
		rep.Read = readRep
	}
	if ferr := sp.finish(); err == nil && ferr != nil {
		err = ferr
	}
	rep.SpillBytes = sp.bytes.Load()
	rep.stage(StageRead, t0)
	pr.done(sp.rows.Load())
	if err != nil {
		return rep, fmt.Errorf("train: %w", err)
	}
	if err := checkSkipped(rep.Read, opts.MaxSkipped); err != nil {
		return rep, err
	}

	// Stage 2: sessions.
	t0 = time.Now()
	agg, err := c.processPartitions(ctx, sp, opts, rep, pr)
	rep.stage(StageSessions, t0)
	if err != nil {
		return rep, err
	}

	// Stage 3: counts.
	t0 = time.Now()
	pr.set(StageCount, nil, 0)
	ex := c.countLogs(agg, opts, rep)
	rep.stage(StageCount, t0)
	pr.done(0)
	if err := ctx.Err(); err != nil {
		return rep, err
	}

	// Stage 4: examples and mined pairs.
	t0 = time.Now()
	pr.set(StageExamples, nil, 0)
	if opts.Mined != nil {
		if err := writePairs(opts.Mined, ex.corrections); err != nil {
			return rep, fmt.Errorf("train: write mined pairs: %w", err)
		}
	}
	if opts.Examples != nil {
		if err := ex.write(opts.Examples, opts.MaxExamples, opts.Seed, opts.BalancedExamples, &rep.Examples); err != nil {
			return rep, fmt.Errorf("train: write examples: %w", err)
		}
	}
	rep.stage(StageExamples, t0)
	pr.done(0)

	// The source's hash, which enters the model's version, is that of the rows kept, in any order: the same
	// log written with another codec, row group size or file split gives the same model.
	digest := sha256.Sum256(fmt.Appendf(nil, "log rows %d %x %x", rep.Read.RowsKept, sp.digest[0].Load(), sp.digest[1].Load()))
	src := SourceReport{Kind: "log", Path: strings.Join(files, ","), Weight: 1, Lines: rep.Read.RowsRead,
		Used: rep.Read.RowsKept, SHA256: hex.EncodeToString(digest[:])}
	for k, v := range rep.Read.Skipped {
		if k != querylog.SkipUnreadableRowGroup {
			if src.Skipped == nil {
				src.Skipped = map[string]int64{}
			}
			src.Skipped[k] = v
		}
	}
	c.Reports = append(c.Reports, src)
	return rep, nil
}

// checkSkipped returns an error wrapping ErrTooManySkipped, which says what was lost and why, when more
// than maxShare of the rows r counts were skipped or unreadable.
func checkSkipped(r *querylog.Report, maxShare float64) error {
	share := r.SkippedShare()
	if share <= max(maxShare, 0) {
		return nil
	}
	var what []string
	if n := r.Skipped[querylog.SkipUnreadableRowGroup]; n > 0 {
		what = append(what, fmt.Sprintf("%d rows in %d unreadable row groups", r.RowsUnread, n))
	}
	reasons := make([]string, 0, len(r.Skipped))
	for k := range r.Skipped {
		if k != querylog.SkipUnreadableRowGroup {
			reasons = append(reasons, k)
		}
	}
	slices.Sort(reasons)
	for _, k := range reasons {
		what = append(what, fmt.Sprintf("%d rows %s", r.Skipped[k], k))
	}
	if r.FilesFailed > 0 {
		what = append(what, fmt.Sprintf("%d unreadable files (rows not known, not counted)", r.FilesFailed))
	}
	errs := ""
	if len(r.Errors) > 0 {
		errs = "; errors: " + strings.Join(r.Errors, "; ")
	}
	return fmt.Errorf("train: %w: %d of %d rows (%.2f%%), more than the %.2f%% allowed: %s%s", ErrTooManySkipped,
		r.SkippedRows()+r.RowsUnread, r.Rows(), 100*share, 100*max(maxShare, 0), strings.Join(what, ", "), errs)
}

func (r *LogReport) stage(name string, start time.Time) {
	r.Stages = append(r.Stages, Stage{name, time.Since(start).Seconds()})
}

// logFiles expands the paths (globs allowed), drops duplicates and returns the files and their total size.
func logFiles(paths []string) ([]string, int64, error) {
	if len(paths) == 0 {
		return nil, 0, errors.New("train: no log file")
	}
	var files []string
	var size int64
	seen := map[string]bool{}
	for _, p := range paths {
		m, err := filepath.Glob(p)
		if err != nil {
			return nil, 0, fmt.Errorf("train: bad pattern %q: %w", p, err)
		}
		if len(m) == 0 {
			return nil, 0, fmt.Errorf("train: %s: no such file", p)
		}
		for _, f := range m {
			if seen[f] {
				continue
			}
			seen[f] = true
			fi, err := os.Stat(f)
			if err != nil {
				return nil, 0, fmt.Errorf("train: %w", err)
			}
			if fi.IsDir() {
				return nil, 0, fmt.Errorf("train: %s is a directory", f)
			}
			size += fi.Size()
			files = append(files, f)
		}
	}
	return files, size, nil
}

// HeldOutReport counts what the held-out sessions held.
type HeldOutReport struct {
	Share    float64 `json:"share"`
	Sessions int64   `json:"sessions"` // sessions mined (not bots)
	Searches int64   `json:"searches"`
	Pairs    int64   `json:"pairs"` // query pairs mined in them
}

// heldOut reports whether the session of hash h (hashString of its id) is held out at share.
func heldOut(h uint64, share float64) bool {
	return share > 0 && float64(hashmix.Mix(h^0x6865_6c64_6f75_74)%1_000_000) < share*1_000_000
}

// queryStat counts the searches of one query.
type queryStat struct {
	n     int64 // searches
	good  int64 // searches with at least MinResults results
	clean int64 // clean clicks (see package mine)
}

// aggregate holds the queries and mined pairs of some partitions.
type aggregate struct {
	queries map[string]*queryStat
	pairs   map[[2]string]*int64 // pointers, so that counting never rewrites a key (see found)
	// feedback counts the shoppers' answers per (query, correction shown), as typed and shown.
	feedback map[[2]string]*model.FeedbackCount
	stats    mine.Stats
	// held, when sessions are held out, aggregates them apart; sessions counts the sessions mined.
	held     *aggregate
	sessions int64

	prunedQ, prunedQN, prunedP, prunedF int64
}

// newAggregate returns an empty aggregate with room for n queries.
func newAggregate(n int) *aggregate {
	return &aggregate{queries: make(map[string]*queryStat, n), pairs: map[[2]string]*int64{},
		feedback: map[[2]string]*model.FeedbackCount{}}
}

// merge adds o to a and prunes a to max entries. The query strings of o may point into a partition's data:
// a keeps copies.
func (a *aggregate) merge(o *aggregate, max int) {
	for q, st := range o.queries {
		if x := a.queries[q]; x != nil {
			x.n += st.n
			x.good += st.good
			x.clean += st.clean
		} else {
			a.queries[strings.Clone(q)] = st
		}
	}
	for k, n := range o.pairs {
		if x := a.pairs[k]; x != nil {
			*x += *n
		} else {
			a.pairs[k] = n
		}
	}
	for k, n := range o.feedback {
		if x := a.feedback[k]; x != nil {
			x.Add(*n)
		} else {
			a.feedback[k] = n
		}
	}
	a.stats.Add(o.stats)
	a.sessions += o.sessions
	if o.held != nil {
		if a.held == nil {
			a.held = newAggregate(len(o.held.queries))
		}
		a.held.merge(o.held, max)
	}
	a.prunedQ += o.prunedQ
	a.prunedQN += o.prunedQN
	a.prunedP += o.prunedP
	a.prunedF += o.prunedF
	a.prune(max)
}

// prune drops the rarest queries and pairs (ties broken by key, so the result does not depend on map order)
// when there are more than max, down to three quarters of max, and counts what it dropped.
func (a *aggregate) prune(max int) {
	if len(a.queries) > max {
		n, searches := pruneMap(a.queries, max*3/4, func(s *queryStat) int64 { return s.n }, strings.Compare)
		a.prunedQ += n
		a.prunedQN += searches
	}
	if len(a.pairs) > max {
		n, _ := pruneMap(a.pairs, max*3/4, func(n *int64) int64 { return *n }, func(x, y [2]string) int {
			return cmp.Or(strings.Compare(x[0], y[0]), strings.Compare(x[1], y[1]))
		})
		a.prunedP += n
	}
	if len(a.feedback) > max {
		n, _ := pruneMap(a.feedback, max*3/4, func(c *model.FeedbackCount) int64 { return int64(c.DidYouMean) + int64(c.AutoCorrect) },
			func(x, y [2]string) int { return cmp.Or(strings.Compare(x[0], y[0]), strings.Compare(x[1], y[1])) })
		a.prunedF += n
	}
}

// pruneMap deletes the len(m)−keep entries of m of least weight and returns how many and their total weight.
func pruneMap[K comparable, V any](m map[K]V, keep int, weight func(V) int64, compare func(K, K) int) (int64, int64) {
	type kw struct {
		k K
		w int64
	}
	all := make([]kw, 0, len(m))
	for k, v := range m {
		all = append(all, kw{k, weight(v)})
	}
	slices.SortFunc(all, func(x, y kw) int { return cmp.Or(cmp.Compare(x.w, y.w), compare(x.k, y.k)) })
	var n, total int64
	for _, e := range all[:len(all)-keep] {
		delete(m, e.k)
		n++
		total += e.w
	}
	return n, total
}

// processPartitions sorts and mines the partitions, PartitionWorkers at a time, and merges their aggregates
// in partition order, so that the result does not depend on scheduling, while the next ones are processed.
// At most PartitionWorkers+1 aggregates wait to be merged.
func (c *Counter) processPartitions(ctx context.Context, sp *spill, opts LogOptions, rep *LogReport, pr *progressor) (*aggregate, error) {
	var done atomic.Int64
	n := len(sp.parts)
	pr.set(StageSessions, &done, int64(n))
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	type result struct {
		agg *aggregate
		err error
	}
	results := make([]chan result, n)
	for i := range results {
		results[i] = make(chan result, 1)
	}
	ahead := make(chan struct{}, opts.PartitionWorkers+1)
	jobs := make(chan int)
	go func() {
		defer close(jobs)
		for p := range n {
			select {
			case ahead <- struct{}{}:
			case <-ctx.Done():
				return
			}
			select {
			case jobs <- p:
			case <-ctx.Done():
				return
			}
		}
	}()
	var wg sync.WaitGroup
	for range opts.PartitionWorkers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w := newPartWorker(opts)
			for p := range jobs {
				var r result
				if r.err = ctx.Err(); r.err == nil {
					r.agg, r.err = w.process(sp.parts[p].path, sp.parts[p].rows)
				}
				os.Remove(sp.parts[p].path)
				done.Add(1)
				results[p] <- r
			}
		}()
	}
	defer wg.Wait()
	total := newAggregate(0)
	for p := range n {
		var r result
		select {
		case r = <-results[p]:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		if r.err != nil {
			if errors.Is(r.err, context.Canceled) || errors.Is(r.err, context.DeadlineExceeded) {
				return nil, r.err
			}
			return nil, fmt.Errorf("train: partition %d: %w", p, r.err)
		}
		total.merge(r.agg, opts.MaxQueries)
		<-ahead
	}
	pr.done(done.Load())
	rep.Sessions = total.stats
	return total, nil
}

// partWorker sorts and mines partitions; its buffers are reused.
type partWorker struct {
	opts     LogOptions
	miner    *mine.Miner
	recs     []rec
	lastLen  int // distinct queries of the last partition
	keys     []sortKey
	tmp      []sortKey // radixSort's buffer
	sorted   []rec
	searches []mine.Search
	clean    []bool
	agg      *aggregate
	cur      *aggregate // the aggregate of the session being mined: agg, or agg.held
}

func newPartWorker(opts LogOptions) *partWorker {
	return &partWorker{opts: opts, miner: mine.NewMiner(opts.Mine)}
}

// sortKey orders the records of a partition.
type sortKey struct {
	hash uint64
	ts   int64
	i    uint32
}

// radixSort sorts keys by hash (a stable LSD radix sort, 16 bits a pass) with tmp as its buffer, which it
// returns grown for reuse.
func radixSort(keys, tmp []sortKey) []sortKey {
	if cap(tmp) < len(keys) {
		tmp = make([]sortKey, len(keys))
	}
	tmp = tmp[:len(keys)]
	src, dst := keys, tmp
	var count [1 << 16]int
	for shift := uint(0); shift < 64; shift += 16 {
		clear(count[:])
		for i := range src {
			count[uint16(src[i].hash>>shift)]++
		}
		sum := 0
		for b, c := range count {
			count[b] = sum
			sum += c
		}
		for i := range src {
			b := uint16(src[i].hash >> shift)
			dst[count[b]] = src[i]
			count[b]++
		}
		src, dst = dst, src
	}
	// four passes: the result is back in keys
	return tmp
}

// process reads, sorts and mines one partition file of n records.
func (w *partWorker) process(path string, n int) (*aggregate, error) {
	if cap(w.recs) < n {
		w.recs, w.sorted, w.keys = make([]rec, 0, n), make([]rec, 0, n), make([]sortKey, 0, n)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	// The records' strings point into data, which is never written again; the aggregate's new query strings
	// keep pointing into it until merge copies them.
	w.recs, err = decodeSpill(w.recs[:0], unsafe.String(unsafe.SliceData(data), len(data)))
	if err != nil {
		return nil, err
	}
	recs := w.recs
	// Sort small keys rather than the records: by session hash, time, then the other fields so that the
	// order is total. Sessions whose hashes collide are sorted apart afterwards.
	w.keys = w.keys[:0]
	for i := range recs {
		w.keys = append(w.keys, sortKey{recs[i].hash, recs[i].ts, uint32(i)})
	}
	byRest := func(a, b sortKey) int {
		x, y := &recs[a.i], &recs[b.i]
		return cmp.Or(strings.Compare(x.query, y.query), cmp.Compare(x.results, y.results), cmp.Compare(x.clicks, y.clicks),
			strings.Compare(x.correction, y.correction), cmp.Compare(x.action, y.action), cmp.Compare(x.feedback, y.feedback))
	}
	w.tmp = radixSort(w.keys, w.tmp)
	for i := 0; i < len(w.keys); {
		j, mixed := i+1, false
		for j < len(w.keys) && w.keys[j].hash == w.keys[i].hash {
			mixed = mixed || recs[w.keys[j].i].session != recs[w.keys[i].i].session
			j++
		}
		if j-i > 1 {
			slices.SortFunc(w.keys[i:j], func(a, b sortKey) int {
				if mixed {
					if c := strings.Compare(recs[a.i].session, recs[b.i].session); c != 0 {
						return c
					}
				}
				if a.ts != b.ts {
					return cmp.Compare(a.ts, b.ts)
				}
				return byRest(a, b)
			})
		}
		i = j
	}
	w.sorted = w.sorted[:0]
	for _, k := range w.keys {
		w.sorted = append(w.sorted, recs[k.i])
	}
	recs = w.sorted
	w.agg = newAggregate(w.lastLen)
	w.miner.Stats = mine.Stats{}
	for i := 0; i < len(recs); {
		j := i + 1
		for j < len(recs) && recs[j].hash == recs[i].hash && recs[j].session == recs[i].session {
			j++
		}
		w.session(recs[i:j])
		i = j
	}
	w.agg.stats = w.miner.Stats
	clear(w.recs) // drop the references to the partition's data
	clear(w.sorted)
	clear(w.searches[:cap(w.searches)])
	a := w.agg
	w.agg = nil
	w.lastLen = len(a.queries)
	return a, nil
}

// session mines one session and counts its searches, into the held-out aggregate when it is held out.
func (w *partWorker) session(s []rec) {
	w.cur = w.agg
	if heldOut(s[0].hash, w.opts.HoldOut) {
		if w.agg.held == nil {
			w.agg.held = newAggregate(0)
		}
		w.cur = w.agg.held
	}
	w.searches = w.searches[:0]
	for i := range s {
		w.searches = append(w.searches, mine.Search{TS: s[i].ts, Query: s[i].query, Clicks: max(s[i].clicks, 0)})
	}
	w.clean = slices.Grow(w.clean[:0], len(s))[:len(s)]
	clear(w.clean)
	if !w.miner.Session(w.searches, w.found, w.cleanClick) {
		return // a bot
	}
	w.cur.sessions++
	for i := range s {
		q := s[i].query
		st := w.cur.queries[q]
		if st == nil {
			st = &queryStat{}
			w.cur.queries[q] = st // q points into the partition's data until merge copies it
		}
		st.n++
		if w.opts.MinResults < 0 || s[i].results >= w.opts.MinResults {
			st.good++
		}
		if w.clean[i] {
			st.clean++
		}
		if s[i].correction != "" && s[i].action != querylog.ActionNone {
			w.answer(&s[i])
		}
	}
	if len(w.agg.queries) > w.opts.MaxQueries || len(w.agg.pairs) > w.opts.MaxQueries || len(w.agg.feedback) > w.opts.MaxQueries {
		w.agg.prune(w.opts.MaxQueries)
	}
}

// found counts a mined pair. Its strings may point into the partition's data: a new key gets copies, and an
// existing one is counted through its pointer, since assigning to a map entry also rewrites its key, which
// would then keep the partition's data alive.
func (w *partWorker) found(c *mine.Comparison) {
	if n := w.cur.pairs[[2]string{c.Typed, c.Intended}]; n != nil {
		*n++
	} else {
		w.cur.pairs[[2]string{strings.Clone(c.Typed), strings.Clone(c.Intended)}] = new(int64(1))
	}
}

func (w *partWorker) cleanClick(i int) { w.clean[i] = true }

// answer counts the correction the page showed for a search and what the shopper did with it (keys are
// copied as in found).
func (w *partWorker) answer(r *rec) {
	var c model.FeedbackCount
	switch r.action {
	case querylog.ActionDidYouMean:
		c.DidYouMean = 1
		if r.feedback == querylog.FeedbackAccepted {
			c.Accepted = 1
		}
	case querylog.ActionAutoCorrect:
		c.AutoCorrect = 1
		if r.feedback == querylog.FeedbackRejected {
			c.Rejected = 1
		}
	default:
		return
	}
	if n := w.cur.feedback[[2]string{r.query, r.correction}]; n != nil {
		n.Add(c)
	} else {
		w.cur.feedback[[2]string{strings.Clone(r.query), strings.Clone(r.correction)}] = &c
	}
}

// examples holds the candidates of the labelled examples.
type examples struct {
	corrections []PairCount // kept query pairs, sorted
	correct     []PairCount // clean queries (Intended "_"), sorted
}

// countLogs feeds the aggregate to the counter: language-model counts, the log vocabulary and the
// error-model pairs; it fills the report and returns the example candidates.
func (c *Counter) countLogs(agg *aggregate, opts LogOptions, rep *LogReport) *examples {
	rep.Queries = QueryReport{Distinct: int64(len(agg.queries)), PrunedDistinct: agg.prunedQ, PrunedSearches: agg.prunedQN}
	good := map[string]int64{} // token → occurrences in searches with results
	var toks []tokenize.Token
	var run []string
	var clicked []string // queries with clean clicks
	for q, st := range agg.queries {
		rep.Queries.Searches += st.n
		toks, run = c.countText(c.logs, q, float64(st.n), opts.StartContext, toks, run) // CountQuery, keeping the tokens
		if st.clean > 0 {
			clicked = append(clicked, q)
		}
		if st.good == 0 {
			continue
		}
		for _, t := range toks {
			if t.Kind == tokenize.Word {
				good[t.Text] += st.good
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
	pairs := make([]PairCount, 0, len(agg.pairs))
	for k, n := range agg.pairs {
		pairs = append(pairs, PairCount{k[0], k[1], *n})
	}
	slices.SortFunc(pairs, comparePairs)
	pr := &rep.Pairs
	pr.PrunedDistinct = agg.prunedP
	ex := &examples{}
	typedSide := map[string]bool{}
	tokens := map[mine.TokenPair]int64{} // support of the token pairs, over all query pairs
	m := mine.NewMiner(opts.Mine)
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

	fb := newFeedbackCounts(agg.feedback, m)
	c.addFeedback(fb, &rep.Feedback)
	if opts.HoldOut > 0 { // the examples come from held-out sessions only, even when a small log had none
		held := agg.held
		if held == nil {
			held = newAggregate(0)
		}
		return heldExamples(held, m, plausible, typedSide, rep)
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
			clean[normalized(toks)] += agg.queries[q].clean
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
func heldExamples(held *aggregate, m *mine.Miner, plausible func(mine.TokenPair) bool, typedSide map[string]bool,
	rep *LogReport) *examples {
	ex := &examples{}
	h := &rep.HeldOut
	h.Sessions = held.sessions
	for _, st := range held.queries {
		h.Searches += st.n
	}
	for k, n := range held.pairs {
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
	for q, st := range held.queries {
		if st.clean > 0 {
			toks = tokenize.Tokenize(toks[:0], q)
			if len(toks) > 0 {
				clean[normalized(toks)] += st.clean
			}
		}
	}
	newFeedbackCounts(held.feedback, m).examples(ex, clean, typedSide, &rep.Examples)
	ex.correct = correctExamples(ex.correct, clean, typedSide, 0)
	ex.corrections = mergeCounts(ex.corrections)
	return ex
}

// feedbackCounts are the shoppers' answers to the corrections shown, by normalized query and correction.
type feedbackCounts struct {
	queries map[[2]string]model.FeedbackCount
	m       *mine.Miner
}

// newFeedbackCounts normalizes the queries and corrections of the answers counted by partWorker.answer.
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

func writePairs(w io.Writer, pairs []PairCount) error {
	var b []byte
	for _, p := range pairs {
		b = fmt.Appendf(b, "%s\t%s\t%d\n", p.Typed, p.Intended, p.Count)
		if len(b) > 64<<10 {
			if _, err := w.Write(b); err != nil {
				return err
			}
			b = b[:0]
		}
	}
	_, err := w.Write(b)
	return err
}

// progressor calls LogOptions.Progress from one goroutine.
type progressor struct {
	fn    func(Progress)
	mu    sync.Mutex
	stage string
	count *atomic.Int64
	total int64
	quit  chan struct{}
	wg    sync.WaitGroup
}

func newProgressor(fn func(Progress)) *progressor {
	p := &progressor{fn: fn, quit: make(chan struct{})}
	if fn == nil {
		return p
	}
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		t := time.NewTicker(200 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-p.quit:
				return
			case <-t.C:
				p.mu.Lock()
				if p.stage != "" {
					pg := Progress{Stage: p.stage, Total: p.total}
					if p.count != nil {
						pg.Done = p.count.Load()
					}
					p.fn(pg)
				}
				p.mu.Unlock()
			}
		}
	}()
	return p
}

// set starts a stage whose progress is read from count (nil: none).
func (p *progressor) set(stage string, count *atomic.Int64, total int64) {
	p.mu.Lock()
	p.stage, p.count, p.total = stage, count, total
	p.mu.Unlock()
}

// done ends the current stage with its final count.
func (p *progressor) done(n int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.fn != nil && p.stage != "" {
		p.fn(Progress{Stage: p.stage, Done: n, Total: p.total, Final: true})
	}
	p.stage, p.count = "", nil
}

func (p *progressor) stop() {
	close(p.quit)
	p.wg.Wait()
}
