// Package pipeline is the log trainer's summing on Apache Beam: it reads the row groups of Parquet search logs
// (package querylog, through an io.ReaderAt: local disk, gs://, s3://), groups the searches by session, sorts
// and mines each session and adds it up with the local trainer's own functions (mine.SortSession,
// logsum.Summer), sums the entries by key, and writes an aggregates directory (package logsum) that
// `speller train --aggregates DIR` turns into a model: the same model as `speller train --log`.
//
//	p, s := beam.NewPipelineWithRoot()
//	pipeline.Build(s, pipeline.Config{Logs: []string{"gs://logs/2026-12-05/*.parquet"}, Out: "gs://sums/2026-12-05"})
//	err := beamx.Run(ctx, p)
//
// Every file written carries one logsum.RunID, chosen at Build: a directory holding files of two runs does not
// read as one. Call RemoveTotals before running, so that a run that fails midway leaves no totals.agg.
//
// Stages: row groups (Impulse, one element per row group, reshuffled) → rows, keyed by session (counters for
// what was skipped) → GroupByKey → sums of a bundle of sessions, as entries keyed by logsum.Entry.Key →
// CombinePerKey → shards (GroupByKey on logsum.ShardOf) → one file per shard; the totals (input, miner counts)
// are combined globally and written last, once every shard is written.
//
// The shuffled keys (session ids, entry keys) are []byte, never string: an entry key is binary (a pair's key
// holds the uvarint length of its first query, not UTF-8 from 128 bytes on), and Beam codes a string as
// UTF-8 text, which a runner in another language may check or rewrite.
package pipeline

import (
	"context"
	"fmt"
	"io"
	"os"
	"path"
	"reflect"
	"strings"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/io/filesystem"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/log"

	"github.com/spellwright/speller/logsum"
	"github.com/spellwright/speller/mine"
	"github.com/spellwright/speller/querylog"
)

// Config configures Build.
type Config struct {
	// Logs are the Parquet log files: paths or globs, local, gs:// or s3://.
	Logs []string
	// Out is the aggregates directory written (local, gs:// or s3://).
	Out string
	// Shards is the number of shard files (default 64): each is written by one worker.
	Shards int
	// Rules are the summing rules (logsum.Rules): the same as those of the local trainer's flags.
	Rules logsum.Rules
	// FlushEntries bounds the distinct entries a worker holds per bundle before it emits them (default
	// 200,000): memory per worker against pre-shuffle combining.
	FlushEntries int
	// Run is the run id written in every file (default: a random one, chosen by Build).
	Run logsum.RunID
}

// Defaults of Config.
const (
	DefaultShards       = 64
	DefaultFlushEntries = 200_000
)

func init() {
	for _, t := range []any{(*expandFn)(nil), (*readFn)(nil), (*sumFn)(nil), (*shardFn)(nil), (*markFn)(nil), (*writeShardFn)(nil),
		(*writeTotalsFn)(nil), (*task)(nil), (*search)(nil), (*logsum.Value)(nil), (*entry)(nil)} {
		beam.RegisterType(reflect.TypeOf(t).Elem())
	}
	beam.RegisterFunction(addValues)
	beam.RegisterFunction(mergeTotals)
}

// Build adds the pipeline to s.
func Build(s beam.Scope, cfg Config) error {
	if cfg.Shards <= 0 {
		cfg.Shards = DefaultShards
	}
	if cfg.FlushEntries <= 0 {
		cfg.FlushEntries = DefaultFlushEntries
	}
	if cfg.Run == (logsum.RunID{}) {
		cfg.Run = logsum.NewRunID()
	}
	cfg.Rules = cfg.Rules.WithDefaults()
	if err := cfg.Rules.Check(); err != nil {
		return err
	}
	if len(cfg.Logs) == 0 || cfg.Out == "" {
		return fmt.Errorf("speller-beam: want logs and an output directory")
	}
	s = s.Scope("speller")
	imp := beam.Impulse(s)
	tasks, inputTotals := beam.ParDo2(s, &expandFn{Logs: cfg.Logs, Rules: cfg.Rules, Shards: cfg.Shards, Run: cfg.Run}, imp)
	tasks = beam.Reshuffle(s, tasks)
	rows, readTotals := beam.ParDo2(s, &readFn{Rules: cfg.Rules, Shards: cfg.Shards, Run: cfg.Run}, tasks)
	sessions := beam.GroupByKey(s, rows)
	entries, sumTotals := beam.ParDo2(s, &sumFn{Rules: cfg.Rules, Shards: cfg.Shards, Run: cfg.Run, FlushEntries: cfg.FlushEntries}, sessions)
	summed := beam.CombinePerKey(s, addValues, entries)
	sharded := beam.Flatten(s, beam.ParDo(s, &shardFn{Shards: cfg.Shards}, summed), beam.ParDo(s, &markFn{Shards: cfg.Shards}, imp))
	written := beam.ParDo(s, &writeShardFn{Out: cfg.Out, Rules: cfg.Rules, Shards: cfg.Shards, Run: cfg.Run}, beam.GroupByKey(s, sharded))
	totals := beam.Combine(s, mergeTotals, beam.Flatten(s, inputTotals, readTotals, sumTotals))
	beam.ParDo0(s, &writeTotalsFn{Out: cfg.Out, Run: cfg.Run}, totals, beam.SideInput{Input: written})
	return nil
}

// task is one row group of one file.
type task struct {
	Path  string
	Group int
}

// entry is a logsum.Entry as the shuffle carries it: its key as bytes.
type entry struct {
	Key   []byte
	Value logsum.Value
}

// search is a row as the sessions' grouping carries it (mine.Search, with wide integer fields; the query and
// the correction are valid UTF-8, as querylog reads them).
type search struct {
	TS, Results, Clicks int64
	Query, Correction   string
	Action, Feedback    int64
}

func (x *search) mine() mine.Search {
	return mine.Search{TS: x.TS, Query: x.Query, Results: x.Results, Clicks: x.Clicks, Correction: x.Correction,
		Action: uint8(x.Action), Feedback: uint8(x.Feedback)}
}

// expandFn lists the log files and their row groups; its totals hold the files, in order.
type expandFn struct {
	Logs   []string
	Rules  logsum.Rules
	Shards int
	Run    logsum.RunID
}

func (f *expandFn) ProcessElement(ctx context.Context, _ []byte, emit func(task), emitTotals func([]byte)) error {
	files, err := expand(ctx, f.Logs)
	if err != nil {
		return err
	}
	sums := logsum.New(f.Rules)
	rep := querylog.NewReport(0)
	for _, p := range files {
		ra, size, err := openAt(ctx, p)
		if err != nil {
			return fmt.Errorf("speller-beam: %w", err)
		}
		lf, err := querylog.OpenFile(ra, size, p, querylog.ReadOptions{MaxQueryBytes: f.Rules.MaxQueryBytes})
		ra.Close()
		if err != nil {
			return err
		}
		rep.Files++
		for g := range lf.NumRowGroups() {
			emit(task{p, g})
		}
	}
	sums.AddInput(files, rep, [2]uint64{})
	emitTotals(logsum.EncodeTotals(sums, f.Run, f.Shards))
	return nil
}

// Counters of what the reader read and skipped, as the local trainer's report counts them.
var (
	rowsRead    = beam.NewCounter("speller", "rows_read")
	rowsKept    = beam.NewCounter("speller", "rows_kept")
	rowsUnread  = beam.NewCounter("speller", "rows_unread")
	sessionsCtr = beam.NewCounter("speller", "sessions")
	botsCtr     = beam.NewCounter("speller", "bot_sessions")
)

// readFn reads one row group and emits its valid rows keyed by session id; its totals count what was read
// and skipped, and the rows' digest. A failed read of the file (a network error of a ranged read) is its
// error, so that the runner retries the row group; only a row group whose data is corrupt is counted as
// unreadable.
type readFn struct {
	Rules  logsum.Rules
	Shards int
	Run    logsum.RunID
}

func (f *readFn) ProcessElement(ctx context.Context, t task, emit func([]byte, search), emitTotals func([]byte)) error {
	ra, size, err := openAt(ctx, t.Path)
	if err != nil {
		return fmt.Errorf("speller-beam: %w", err)
	}
	defer ra.Close()
	lf, err := querylog.OpenFile(ra, size, t.Path, querylog.ReadOptions{MaxQueryBytes: f.Rules.MaxQueryBytes})
	if err != nil {
		return err
	}
	rep := querylog.NewReport(0)
	var digest [2]uint64
	err = lf.ReadRowGroup(ctx, t.Group, rep, func(batch []querylog.Row) error {
		for i := range batch {
			r := &batch[i]
			x, y := logsum.RowDigest(r, logsum.Hash(r.SessionID))
			digest[0] += x
			digest[1] += y
			m := logsum.Search(r)
			emit([]byte(r.SessionID), search{TS: m.TS, Results: m.Results, Clicks: m.Clicks, Query: m.Query,
				Correction: m.Correction, Action: int64(m.Action), Feedback: int64(m.Feedback)})
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, e := range rep.Errors {
		log.Warnf(ctx, "%s", e)
	}
	rowsRead.Inc(ctx, rep.RowsRead)
	rowsKept.Inc(ctx, rep.RowsKept)
	rowsUnread.Inc(ctx, rep.RowsUnread)
	for k, v := range rep.Skipped {
		beam.NewCounter("speller", "skipped_"+k).Inc(ctx, v)
	}
	sums := logsum.New(f.Rules)
	sums.AddInput(nil, rep, digest)
	emitTotals(logsum.EncodeTotals(sums, f.Run, f.Shards))
	return nil
}

// sumFn sorts each session by mine.Order and sums it with a logsum.Summer; it emits the sums of the bundle
// as entries (and totals) when they grow beyond FlushEntries and at the end of the bundle.
type sumFn struct {
	Rules        logsum.Rules
	Shards       int
	Run          logsum.RunID
	FlushEntries int

	sums     *logsum.Sums
	summer   *logsum.Summer
	searches []mine.Search
}

func (f *sumFn) StartBundle(_ context.Context, _ func([]byte, logsum.Value), _ func([]byte)) {
	f.sums = logsum.New(f.Rules)
	f.summer = logsum.NewSummer(f.sums)
}

func (f *sumFn) ProcessElement(ctx context.Context, id []byte, rows func(*search) bool, emit func([]byte, logsum.Value), emitTotals func([]byte)) {
	f.searches = f.searches[:0]
	var x search
	for rows(&x) {
		f.searches = append(f.searches, x.mine())
	}
	mine.SortSession(f.searches)
	f.summer.Session(logsum.Hash(string(id)), f.searches)
	if len(f.sums.Queries)+len(f.sums.Pairs)+len(f.sums.Feedback)+len(f.sums.Held.Queries) >= f.FlushEntries {
		f.flush(ctx, emit, emitTotals)
	}
}

func (f *sumFn) FinishBundle(ctx context.Context, emit func([]byte, logsum.Value), emitTotals func([]byte)) {
	f.flush(ctx, emit, emitTotals)
}

func (f *sumFn) flush(ctx context.Context, emit func([]byte, logsum.Value), emitTotals func([]byte)) {
	f.summer.Flush()
	f.sums.Entries(func(e logsum.Entry) { emit([]byte(e.Key), e.Value) })
	sessionsCtr.Inc(ctx, f.sums.Mined.Sessions)
	botsCtr.Inc(ctx, f.sums.Mined.Bots)
	emitTotals(logsum.EncodeTotals(f.sums, f.Run, f.Shards))
	f.sums = logsum.New(f.Rules)
	f.summer.Reset(f.sums)
}

// addValues adds two values of one key.
func addValues(a, b logsum.Value) logsum.Value { return a.Plus(b) }

// mergeTotals merges two totals (logsum.EncodeTotals) of one run.
func mergeTotals(a, b []byte) []byte {
	x, run, n, err := logsum.DecodeTotals(a)
	if err != nil {
		panic(fmt.Sprintf("speller-beam: totals: %v", err)) // written by this pipeline: a bug
	}
	y, runY, _, err := logsum.DecodeTotals(b)
	if err != nil {
		panic(fmt.Sprintf("speller-beam: totals: %v", err))
	}
	if run != runY {
		panic(fmt.Sprintf("speller-beam: totals of runs %s and %s", run, runY))
	}
	if err := x.Merge(y); err != nil {
		panic(fmt.Sprintf("speller-beam: totals: %v", err))
	}
	return logsum.EncodeTotals(x, run, n)
}

// shardFn keys the summed entries by shard.
type shardFn struct {
	Shards int
}

func (f *shardFn) ProcessElement(key []byte, v logsum.Value, emit func(int, entry)) {
	emit(logsum.ShardOf(string(key), f.Shards), entry{Key: key, Value: v})
}

// markFn emits an empty entry for every shard, so that every shard file is written, even an empty one.
type markFn struct {
	Shards int
}

func (f *markFn) ProcessElement(_ []byte, emit func(int, entry)) {
	for i := range f.Shards {
		emit(i, entry{})
	}
}

// writeShardFn writes one shard file.
type writeShardFn struct {
	Out    string
	Rules  logsum.Rules
	Shards int
	Run    logsum.RunID
}

func (f *writeShardFn) ProcessElement(ctx context.Context, shard int, entries func(*entry) bool, emit func(int)) error {
	var all []logsum.Entry
	var e entry
	for entries(&e) {
		if len(e.Key) > 0 { // not markFn's
			all = append(all, logsum.Entry{Key: string(e.Key), Value: e.Value})
		}
	}
	b, err := logsum.EncodeShard(logsum.Shard{Run: f.Run, Rules: f.Rules, Index: shard, Shards: f.Shards, Entries: all})
	if err != nil {
		return err
	}
	if err := writeFile(ctx, join(f.Out, logsum.ShardName(shard, f.Shards)), b); err != nil {
		return err
	}
	emit(shard)
	return nil
}

// writeTotalsFn writes the totals file, once the shards are written (its side input).
type writeTotalsFn struct {
	Out string
	Run logsum.RunID
}

func (f *writeTotalsFn) ProcessElement(ctx context.Context, totals []byte, written func(*int) bool) error {
	_, run, shards, err := logsum.DecodeTotals(totals)
	if err != nil {
		return err
	}
	if run != f.Run {
		return fmt.Errorf("speller-beam: totals of run %s, want %s", run, f.Run)
	}
	n := 0
	var i int
	for written(&i) {
		n++
	}
	if n != shards {
		return fmt.Errorf("speller-beam: %d of %d shards written", n, shards)
	}
	return writeFile(ctx, join(f.Out, logsum.TotalsFile), totals)
}

// RemoveTotals removes the totals file of the aggregates directory out, if there is one: call it before
// running the pipeline, so that a run that fails midway does not leave the totals of an earlier run next to
// some of its own shards.
func RemoveTotals(ctx context.Context, out string) error {
	p := join(out, logsum.TotalsFile)
	fs, err := filesystem.New(ctx, p)
	if err != nil {
		return fmt.Errorf("speller-beam: %s: %w", p, err)
	}
	defer fs.Close()
	m, err := fs.List(ctx, p)
	if err != nil {
		return fmt.Errorf("speller-beam: %s: %w", p, err)
	}
	if len(m) == 0 {
		return nil
	}
	rm, ok := fs.(filesystem.Remover)
	if !ok {
		return fmt.Errorf("speller-beam: %s: the file system cannot remove files: remove it before running", p)
	}
	if err := rm.Remove(ctx, p); err != nil {
		return fmt.Errorf("speller-beam: remove %s: %w", p, err)
	}
	return nil
}

// join joins a directory (a path or a URL) and a file name.
func join(dir, name string) string {
	if scheme(dir) == "" {
		return path.Join(dir, name)
	}
	return strings.TrimSuffix(dir, "/") + "/" + name
}

// writeFile writes b to p through Beam's file systems.
func writeFile(ctx context.Context, p string, b []byte) error {
	if scheme(p) == "" {
		if err := os.MkdirAll(path.Dir(p), 0o755); err != nil {
			return err
		}
	}
	fs, err := filesystem.New(ctx, p)
	if err != nil {
		return err
	}
	defer fs.Close()
	w, err := fs.OpenWrite(ctx, p)
	if err != nil {
		return fmt.Errorf("speller-beam: write %s: %w", p, err)
	}
	if _, err := io.Copy(w, strings.NewReader(string(b))); err != nil {
		w.Close()
		return fmt.Errorf("speller-beam: write %s: %w", p, err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("speller-beam: write %s: %w", p, err)
	}
	return nil
}
