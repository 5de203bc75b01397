package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/spellwright/speller/internal/correval"
	"github.com/spellwright/speller/querylog"
	"github.com/spellwright/speller/simulate"
)

func runSimulate(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := newFlags("simulate", "", stderr)
	out := fs.String("out", "", "write the log to `FILE.parquet` (atomically)")
	sessions := fs.Int("sessions", 1000, "number of sessions")
	seed := fs.Int64("seed", 1, "random seed: the log is a function of the flags and the input files")
	queriesPath := fs.String("queries", "", "intended queries, lines `query[<TAB>weight]`")
	corpusPath := fs.String("corpus", "", "plain text `FILE` to cut the intended queries from (instead of --queries)")
	corpusQueries := fs.Int("corpus-queries", 5000, "--corpus: number of queries cut from the text")
	var misspellings listFlag
	fs.Var(&misspellings, "misspellings", "real misspellings, lines `typed<TAB>intended` (repeatable, globs allowed); single words are used")
	queryPairs := fs.String("query-pairs", "", "real whole-query corrections, lines `typed<TAB>intended`; a fifth of the corrected sessions use them")
	typoRate := fs.Float64("typo-rate", 0.35, "probability that a word of a misspelled query gets an error")
	spaceRate := fs.Float64("space-rate", 0, "probability that a misspelled query's error is a misplaced space instead (words run together or split)")
	realShare := fs.Float64("real-error-share", 0.7, "probability of using a real misspelling of a word when it has some")
	garbage := fs.Float64("garbage", 0, "probability of a malformed row after each search")
	truthPath := fs.String("truth", "", "write the injected corrections to `FILE`, lines typed<TAB>intended<TAB>count")
	start := fs.String("start", "2026-01-01T00:00:00Z", "time of the first session (RFC 3339); sessions spread over 24 h")
	rowGroup := fs.Int("row-group-rows", querylog.DefaultRowGroupRows, "rows per Parquet row group")
	compression := fs.String("compression", string(querylog.CompressionSnappy), "Parquet codec: snappy, zstd, gzip or none")
	serve := fs.String("serve", "", "a model bundle serving the searches (`FILE`, or \"default\" for the embedded model): the log records what the page showed and what the shoppers did (spell_* columns)")
	var sets listFlag
	fs.Var(&sets, "set", "--serve: override a hyperparameter of the serving model, `name=value` (repeatable)")
	accept := fs.Float64("accept", 0.5, "--serve: probability that a shopper takes a right \"did you mean\"")
	reject := fs.Float64("reject", 0.5, "--serve: probability of clicking \"search instead\" under a wrong automatic correction")
	noise := fs.Float64("noise", 0.02, "--serve: probability of taking a wrong \"did you mean\" or refusing a right automatic correction")
	mixFlags := map[string]*float64{}
	def := simulate.DefaultMix
	for i, w := range []float64{def.Correct, def.Corrected, def.Abandoned, def.ClickedAnyway, def.Refinement, def.Repeat, def.Bot, def.Browse} {
		name := simulate.Behaviours[i]
		mixFlags[name] = fs.Float64("mix-"+name, w, "relative frequency of "+name+" sessions")
	}
	if err := parse(fs, args); err != nil {
		return err
	}
	if *out == "" || fs.NArg() > 0 || (*queriesPath == "") == (*corpusPath == "") {
		fs.Usage()
		return errUsage
	}
	t0, err := time.Parse(time.RFC3339, *start)
	if err != nil {
		return fmt.Errorf("--start %q: want RFC 3339", *start)
	}
	opts := simulate.Options{
		Sessions: *sessions, Seed: *seed, Start: t0, TypoRate: *typoRate, SpaceRate: *spaceRate, RealErrorShare: *realShare, GarbageRate: *garbage,
		Mix: simulate.Mix{
			Correct: *mixFlags["correct"], Corrected: *mixFlags["corrected"], Abandoned: *mixFlags["abandoned"],
			ClickedAnyway: *mixFlags["clicked_anyway"], Refinement: *mixFlags["refinement"], Repeat: *mixFlags["repeat"],
			Bot: *mixFlags["bot"], Browse: *mixFlags["browse"],
		},
	}
	if opts.RealErrorShare == 0 {
		opts.RealErrorShare = -1 // simulate reads 0 as its default; a negative share means none
	}
	if opts.Mix == (simulate.Mix{}) {
		return errors.New("the --mix-* weights are all zero")
	}
	if *queriesPath != "" {
		err = readWith(*queriesPath, func(r io.Reader) (err error) { opts.Queries, err = simulate.LoadQueries(r); return })
	} else {
		err = readWith(*corpusPath, func(r io.Reader) (err error) {
			opts.Queries, err = simulate.QueriesFromCorpus(r, *corpusQueries, *seed)
			return
		})
	}
	if err != nil {
		return err
	}
	var pairs []simulate.Pair
	for _, pattern := range misspellings {
		files, err := filepath.Glob(pattern)
		if err != nil || len(files) == 0 {
			return fmt.Errorf("--misspellings %s: no such file", pattern)
		}
		for _, f := range files {
			err := readWith(f, func(r io.Reader) error {
				p, err := simulate.LoadPairs(r)
				pairs = append(pairs, p...)
				return err
			})
			if err != nil {
				return err
			}
		}
	}
	opts.Misspellings = simulate.MisspellingsFromPairs(pairs)
	if *queryPairs != "" {
		if err := readWith(*queryPairs, func(r io.Reader) (err error) { opts.QueryPairs, err = simulate.LoadPairs(r); return }); err != nil {
			return err
		}
	}
	if *serve != "" {
		path := *serve
		if path == "default" {
			path = ""
		}
		c, err := newCorrector(ctx, path, sets, nil, true)
		if err != nil {
			return err
		}
		opts.Speller = correval.Page{Ctx: ctx, C: c}
		opts.Users = simulate.Users{Accept: *accept, Reject: *reject, Noise: *noise}
		for _, p := range []*float64{&opts.Users.Accept, &opts.Users.Reject, &opts.Users.Noise} {
			if *p == 0 {
				*p = -1 // simulate reads 0 as its default; a negative probability means never
			}
		}
	}
	if err := ctx.Err(); err != nil {
		return err
	}

	began := time.Now()
	var stats *simulate.Stats
	var truth []simulate.Truth
	err = writeAtomically(*out, func(w io.Writer) error {
		qw, err := querylog.NewWriter(w, querylog.WriteOptions{RowGroupRows: *rowGroup, Compression: querylog.Compression(*compression)})
		if err != nil {
			return err
		}
		stats, truth, err = simulate.Run(opts, qw)
		if cerr := qw.Close(); err == nil {
			err = cerr
		}
		return err
	})
	if err != nil {
		return err
	}
	if *truthPath != "" {
		if err := writeAtomically(*truthPath, func(w io.Writer) error { return simulate.WriteTruth(w, truth) }); err != nil {
			return err
		}
	}
	fmt.Fprintf(stdout, "wrote %s: %d sessions, %d rows (%d corrections, %d refinements, %d bots, %d garbage rows) in %s\n%s\n",
		*out, stats.Sessions, stats.Rows, stats.Corrected, stats.Refinements, stats.Bots, stats.Garbage,
		time.Since(began).Round(time.Millisecond), stats)
	return nil
}

// readWith opens path and calls fn with it, naming the file in an error.
func readWith(path string, fn func(io.Reader) error) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := fn(bufio.NewReaderSize(f, 1<<16)); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

// writeAtomically writes path through a temporary file in the same directory, renamed when fn succeeds.
func writeAtomically(path string, fn func(io.Writer) error) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	if err := f.Chmod(0o644); err != nil {
		f.Close()
		return err
	}
	bw := bufio.NewWriterSize(f, 1<<20)
	if err := fn(bw); err != nil {
		f.Close()
		return err
	}
	if err := bw.Flush(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}
