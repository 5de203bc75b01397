// Command speller-beam sums search logs on Apache Beam: the mining and counting of `speller train --log`, on
// Dataflow, Flink, Spark or locally on Prism, written as an aggregates directory that
// `speller train --aggregates DIR` turns into the model (see package pipeline and the README).
//
//	speller-beam --log 'gs://logs/2026-12-05/*.parquet' --out gs://sums/2026-12-05 --runner dataflow \
//	    --project P --region europe-west1 --staging_location gs://tmp/staging
package main

import (
	"context"
	"flag"
	"fmt"
	"maps"
	"os"
	"slices"
	"strings"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/x/beamx"

	"github.com/spellwright/speller/beam/pipeline"
	"github.com/spellwright/speller/logsum"
	"github.com/spellwright/speller/mine"
)

// listFlag is a repeatable string flag.
type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(s string) error { *l = append(*l, s); return nil }

var (
	logs       listFlag
	out        = flag.String("out", "", "aggregates `DIR` to write (local, gs:// or s3://)")
	shards     = flag.Int("shards", pipeline.DefaultShards, "number of shard files of the aggregates")
	window     = flag.Duration("window", mine.DefaultWindow, "longest gap between a search and its correction (as speller train)")
	maxSearch  = flag.Int("max-session-searches", mine.DefaultMaxSearches, "sessions with more searches are bots (as speller train)")
	minResults = flag.Int64("min-results", 1, "fewest results of a search whose tokens count for the vocabulary; 0: every search (as speller train)")
	holdOut    = flag.Float64("holdout", 0, "share of sessions summed apart for the examples (as speller train --holdout; the local default applies only with --examples)")
	maxQuery   = flag.Int("max-query-bytes", logsum.DefaultMaxQueryBytes, "longest query kept, in bytes")
	flushAt    = flag.Int("flush-entries", pipeline.DefaultFlushEntries, "distinct entries a worker sums before it emits them")
)

func main() {
	flag.Var(&logs, "log", "search log, Parquet `FILES` (repeatable, globs allowed; local, gs:// or s3://)")
	flag.Parse()
	beam.Init() // a worker binary runs as a worker from here on
	if err := run(context.Background()); err != nil {
		fmt.Fprintln(os.Stderr, "speller-beam:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context) error {
	if len(logs) == 0 || *out == "" || flag.NArg() > 0 {
		flag.Usage()
		return fmt.Errorf("want --log and --out")
	}
	rules := logsum.Rules{Mine: mine.Options{Window: *window, MaxSearches: *maxSearch}, MinResults: *minResults,
		HoldOut: *holdOut, MaxQueryBytes: *maxQuery}
	if rules.MinResults <= 0 {
		rules.MinResults = -1 // every search, as speller train
	}
	// A run that fails must not leave an earlier run's totals, which would read as complete; every file of this
	// run carries its run id (pipeline.Config.Run), so an earlier run's shards cannot pass for this run's either.
	if err := pipeline.RemoveTotals(ctx, *out); err != nil {
		return err
	}
	p, s := beam.NewPipelineWithRoot()
	if err := pipeline.Build(s, pipeline.Config{Logs: logs, Out: *out, Shards: *shards, Rules: rules, FlushEntries: *flushAt}); err != nil {
		return err
	}
	res, err := beamx.RunWithMetrics(ctx, p)
	if err != nil {
		return err
	}
	// What was read and skipped, as the local trainer's report says it (runners that report metrics).
	if res != nil {
		totals := map[string]int64{}
		for _, c := range res.Metrics().AllMetrics().Counters() {
			if c.Key.Namespace == "speller" {
				totals[c.Key.Name] += c.Result()
			}
		}
		names := slices.Sorted(maps.Keys(totals))
		for _, n := range names {
			fmt.Printf("%-28s %d\n", n, totals[n])
		}
	}
	fmt.Printf("wrote %s (%d shards)\n", *out, *shards)
	return nil
}
