package train

import (
	"context"
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

	"github.com/spellwright/speller/logsum"
	"github.com/spellwright/speller/mine"
	"github.com/spellwright/speller/querylog"
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
	// MaxQueries bounds the distinct queries (and, separately, the distinct mined pairs and corrections shown)
	// the model learns from (default 2,000,000): after summing, the rarest beyond it are dropped (a
	// deterministic top-K, logsum.Counts.TopK) and counted in the report.
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

// The rules of summing are Mine, MinResults, HoldOut and Read.MaxQueryBytes (LogOptions.Rules); AddSums takes
// them from the sums it is given. The rest is the policy of AddSums, or how SumLogs runs.

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
	StageSessions = "sessions" // sort each partition into sessions (mine.Order), mine and sum them (logsum)
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
// It is SumLogs then AddSums: the sums of the log (package logsum), then the policy that turns them into
// counts; a distributed runner makes the same sums. The report is returned even with an error, as far as it
// got.
func (c *Counter) AddLogs(ctx context.Context, paths []string, opts LogOptions) (*LogReport, error) {
	sums, rep, err := SumLogs(ctx, paths, opts)
	if err != nil {
		return rep, err
	}
	return rep, c.AddSums(ctx, sums, opts, rep)
}

// Rules returns the summing rules of o (see logsum.Rules).
func (o LogOptions) Rules() logsum.Rules {
	return logsum.Rules{Mine: o.Mine, MinResults: o.MinResults, HoldOut: o.HoldOut, MaxQueryBytes: o.Read.MaxQueryBytes}.WithDefaults()
}

// SumLogs reads search logs and returns their sums (package logsum), made with opts.Rules(); the report counts
// what was read and the stages StageRead and StageSessions.
//
// Rows are partitioned by session into temporary files, which are then sorted (mine.Order) and summed
// (logsum.Summer) one or two at a time, so memory grows with the size of a partition (the input size divided
// by the number of partitions) and with the distinct queries and pairs of the log, not with the number of
// rows. Rows the reader rejects are counted in the report; a file lacking a required column is an error, and
// so is a larger share of rows skipped than MaxSkipped (ErrTooManySkipped).
func SumLogs(ctx context.Context, paths []string, opts LogOptions) (*logsum.Sums, *LogReport, error) {
	opts = opts.withDefaults()
	rep := &LogReport{Read: querylog.NewReport(opts.Read.MaxErrors)}
	rules := opts.Rules()
	if err := rules.Check(); err != nil {
		return nil, rep, fmt.Errorf("train: %w", err)
	}
	rep.HeldOut.Share = opts.HoldOut
	files, size, err := logFiles(paths)
	if err != nil {
		return nil, rep, err
	}
	rep.Files = files
	rep.Partitions = opts.Partitions
	if rep.Partitions <= 0 {
		rep.Partitions = int(min(max(size/(8<<20), 4), 1024))
	}
	dir, err := os.MkdirTemp(opts.TempDir, "speller-logs-")
	if err != nil {
		return nil, rep, fmt.Errorf("train: %w", err)
	}
	defer os.RemoveAll(dir)
	pr := newProgressor(opts.Progress)
	defer pr.stop()

	// Stage 1: read and partition.
	t0 := time.Now()
	sp, err := newSpill(dir, rep.Partitions)
	if err != nil {
		return nil, rep, fmt.Errorf("train: %w", err)
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
		return nil, rep, fmt.Errorf("train: %w", err)
	}
	if err := checkSkipped(rep.Read, opts.MaxSkipped); err != nil {
		return nil, rep, err
	}

	// Stage 2: sessions.
	t0 = time.Now()
	sums, err := processPartitions(ctx, sp, rules, opts.PartitionWorkers, pr)
	rep.stage(StageSessions, t0)
	if err != nil {
		return nil, rep, err
	}
	sums.AddInput(files, rep.Read, [2]uint64{sp.digest[0].Load(), sp.digest[1].Load()})
	return sums, rep, nil
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
