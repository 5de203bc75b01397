package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/spellwright/speller/train"
)

func runTrain(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := newFlags("train", "", stderr)
	var unigrams, corpus, queries, pairs listFlag
	fs.Var(&unigrams, "unigrams", "word-count list, lines `word count` (repeatable); background unigram counts")
	fs.Var(&corpus, "corpus", "plain text `FILE` for unigram and bigram counts (repeatable)")
	fs.Var(&queries, "queries", "queries with search counts, lines `query<TAB>count` (repeatable), words and word pairs counted")
	fs.Var(&pairs, "pairs", "misspellings, lines `typed<TAB>intended` (repeatable), for the error model")
	unigramWeight := fs.Float64("unigram-weight", 4, "total of the --unigrams counts relative to the corpus total")
	out := fs.String("out", "", "write the model bundle to `FILE` (atomically)")
	reportPath := fs.String("report", "", "write the training report as JSON to `FILE`")
	buildTime := fs.String("build-time", "", "build time stamped into the model, RFC 3339 or Unix seconds "+
		"(default: $SOURCE_DATE_EPOCH, else now); fix it for a reproducible build")
	realign := fs.Int("realign", 0, "re-align the misspelling pairs with the learned error model `N` times (hard EM)")
	name := fs.String("name", "en", "prefix of the model's version string")
	comment := fs.String("comment", "", "free-text comment stored in the model metadata")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *out == "" || fs.NArg() > 0 {
		fs.Usage()
		return errUsage
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
	for _, p := range pairs {
		if err := c.AddPairsFile(p, 1); err != nil {
			return err
		}
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	b, err := c.Bundle(train.Options{BuildTime: bt, Realign: *realign, Name: *name, Comment: *comment})
	if err != nil {
		return err
	}
	if err := b.WriteFile(*out); err != nil {
		return err
	}
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "source\tfile\tlines\tused\tskipped")
	for _, r := range c.Reports {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%v\n", r.Kind, r.Path, r.Lines, r.Used, r.Skipped)
	}
	tw.Flush()
	fmt.Fprintf(stdout, "\nwrote %s: version %s, %d words, %d bigrams, %d distinct edits, in %s\n",
		*out, b.Meta.Version, b.LM.Len(), b.LM.Bigrams(), b.Errors.Counts().Edits(), time.Since(start).Round(time.Millisecond))
	if *reportPath != "" {
		data, err := json.MarshalIndent(c.Reports, "", "  ")
		if err != nil {
			return err
		}
		if err := os.WriteFile(*reportPath, append(data, '\n'), 0o644); err != nil {
			return err
		}
	}
	return nil
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
