package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spellwright/speller/data"
	"github.com/spellwright/speller/eval"
	"github.com/spellwright/speller/model"
	"github.com/spellwright/speller/spell"
	"github.com/spellwright/speller/tune"
)

// tuneNotes explains the command after its flags.
func tuneNotes() string {
	var ranges, kept []string
	for _, d := range tune.Ranges {
		ranges = append(ranges, fmt.Sprintf("%s [%g, %g]", d.Name, d.Min, d.Max))
	}
	for _, name := range model.ParamNames {
		if name != "auto_threshold" && !slices.ContainsFunc(tune.Ranges, func(d tune.Dim) bool { return d.Name == name }) {
			kept = append(kept, name)
		}
	}
	keptNote := ""
	if len(kept) > 0 {
		keptNote = "; " + strings.Join(kept, ", ") + " as in the model"
	}
	return fmt.Sprintf(`
Examples are rows typed<TAB>expected as for "speller eval": rows with the same typed input are
alternatives, "_" means the input is already correct, a third column (a count) is ignored: every
distinct input weighs the same. Never tune on the files you evaluate on.

For each of --folds folds, the hyperparameters are tuned on the other folds and scored on the fold held
out; then they are tuned on all examples and written with the model into --out (a new version; the
summary is stored in the bundle's metadata, extra "tune").

Tuning climbs (coordinate ascent, adaptive steps, random restarts, --budget evaluations per climb) the
metric of the corrections offered, within
  %s
(slope set to 0 unless fixed%s).
The auto-correct threshold is then the lowest value in [intercept, %d] at which at least %d corrections
applied automatically to the training examples are right at least --auto-precision of the time (else
above them all).
`, strings.Join(ranges, "  "), keptNote, tune.MaxAutoThreshold, tune.MinAutoSupport)
}

func runTune(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := newFlags("tune", "[FILE.tsv...]", stderr)
	modelPath := fs.String("model", "", "model bundle to tune (default: the embedded English model)")
	var files listFlag
	fs.Var(&files, "examples", "labelled examples `FILE`, rows typed<TAB>expected[<TAB>count] (repeatable; files may also be given as arguments)")
	out := fs.String("out", "", "write the tuned model bundle to `FILE` (atomically)")
	folds := fs.Int("folds", 10, "cross-validation folds (at least 2)")
	seed := fs.Uint64("seed", 1, "seed of the split into folds and of the random restarts")
	metric := fs.String("metric", "f0.5", "metric maximised: f0.5 (precision weighs more), f1, f2, accuracy or recall")
	maxFalse := fs.Float64("max-false-rate", 0, "cap on the share of correct examples offered a correction (e.g. 0.01 with --metric recall); 0: none")
	budget := fs.Int("budget", 400, "evaluations of the metric per climb")
	restarts := fs.Int("restarts", 3, "random restarts per climb")
	autoPrecision := fs.Float64("auto-precision", 0.95, "target precision of the corrections applied automatically")
	fixed := fs.String("fix", "", "comma-separated hyperparameters kept at the model's values (names: "+strings.Join(model.ParamNames, ", ")+")")
	decoding := decodingFlag(fs, "tune under this decoding option instead of the model's, and pin it in the tuned bundle")
	plotDir := fs.String("plot", "", "write climb.svg and thresholds.svg into `DIR`")
	asJSON := fs.Bool("json", false, "print the summary as JSON instead of tables")
	usage := fs.Usage
	fs.Usage = func() { usage(); io.WriteString(stderr, tuneNotes()) }
	if err := parse(fs, args); err != nil {
		return err
	}
	files = append(files, fs.Args()...)
	if *out == "" || len(files) == 0 {
		fs.Usage()
		return errUsage
	}
	start := time.Now()
	b, err := data.Load(*modelPath)
	if err != nil {
		return err
	}
	if err := setDecoding(&b.Decoding, *decoding); err != nil {
		return err
	}
	ex, err := readExamples(files)
	if err != nil {
		return err
	}
	o := tune.Options{Folds: *folds, Seed: *seed, Metric: *metric, Budget: *budget, Restarts: *restarts,
		AutoPrecision: *autoPrecision, MaxFalseRate: *maxFalse, Spell: spell.Options{Neighbours: true}}
	if *restarts == 0 {
		o.Restarts = -1
	}
	if *fixed != "" {
		o.Fixed = strings.Split(*fixed, ",")
	}
	if !*asJSON {
		fmt.Fprintf(stdout, "tuning %s on %d examples from %s: metric %s, %d folds, budget %d, seed %d\n\n",
			b.Meta.Version, len(ex), strings.Join(files, ", "), *metric, *folds, *budget, *seed)
	}
	progress := newTuneProgress(stderr)
	o.Progress = progress.show
	rep, err := tune.Run(ctx, b, ex, o)
	progress.clear()
	if err != nil {
		return err
	}
	rep.Summary.Files = files
	tuned, err := rep.Bundle(b)
	if err != nil {
		return err
	}
	if err := tuned.WriteFile(*out); err != nil {
		return err
	}
	if *plotDir != "" {
		if err := rep.WritePlots(*plotDir); err != nil {
			return err
		}
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rep.Summary)
	}
	printTune(stdout, rep.Summary)
	fmt.Fprintf(stdout, "\nwrote %s: version %s, in %s\n", *out, tuned.Meta.Version, time.Since(start).Round(time.Millisecond))
	if *plotDir != "" {
		fmt.Fprintf(stdout, "plots: %s/climb.svg, %s/thresholds.svg\n", *plotDir, *plotDir)
	}
	return nil
}

// printTune prints the folds, the chosen values and the quality before and after.
func printTune(w io.Writer, s tune.Summary) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "fold\ttrain\ttest\t%s before\t%s after\t", s.Metric, s.Metric)
	for _, name := range model.ParamNames {
		fmt.Fprintf(tw, "%s\t", name)
	}
	fmt.Fprintln(tw)
	row := func(p model.Params) {
		for _, name := range model.ParamNames {
			fmt.Fprintf(tw, "%s\t", strconv.FormatFloat(*p.Ptr(name), 'g', 4, 64))
		}
		fmt.Fprintln(tw)
	}
	for _, f := range s.FoldScores {
		fmt.Fprintf(tw, "%d\t%d\t%d\t%.4f\t%.4f\t", f.Fold, f.Train, f.Test, f.Before, f.After)
		row(f.Params)
	}
	fmt.Fprintf(tw, "mean ± sd\t\t\t%.4f ± %.4f\t%.4f ± %.4f\t%s\n", s.MeanBefore, s.SDBefore, s.Mean, s.SD,
		strings.Repeat("\t", len(model.ParamNames)))
	fmt.Fprintf(tw, "start\t\t\t\t\t")
	row(s.Start)
	fmt.Fprintf(tw, "chosen on all\t\t\t\t\t")
	row(s.Params)
	tw.Flush()
	fmt.Fprintf(w, "\non all %d examples (%d need a correction", s.Examples, s.NeedsCorrection)
	if s.Refused > 0 {
		fmt.Fprintf(w, ", %d refused by the corrector", s.Refused)
	}
	fmt.Fprintln(w, "):")
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "params\tprecision\trecall\tF1\taccuracy\toffered\tfalse corr.\tfalse rate\tauto corr.\tauto precision\t")
	for _, q := range []struct {
		name string
		q    tune.Quality
	}{{"before (start)", s.Before}, {"after (chosen)", s.After}, {"held out (folds)", s.HeldOut}} {
		autoPrecision := "-"
		if q.q.AutoCorrected > 0 {
			autoPrecision = fmt.Sprintf("%.4f", q.q.AutoPrecision)
		}
		fmt.Fprintf(tw, "%s\t%.4f\t%.4f\t%.4f\t%.4f\t%d\t%d\t%.4f\t%d\t%s\t\n", q.name, q.q.Precision, q.q.Recall, q.q.F1,
			q.q.Accuracy, q.q.Offered, q.q.FalseCorrections, q.q.FalseRate, q.q.AutoCorrected, autoPrecision)
	}
	tw.Flush()
}

// readExamples reads labelled files and merges inputs that occur in several (their accepted answers are
// pooled, as eval.Read pools the rows of one file).
func readExamples(paths []string) ([]eval.Example, error) {
	var out []eval.Example
	index := make(map[string]int)
	for _, path := range paths {
		ex, err := eval.ReadFile(path)
		if err != nil {
			return nil, err
		}
		for _, e := range ex {
			key := eval.Canon(e.Typed)
			i, ok := index[key]
			if !ok {
				index[key] = len(out)
				out = append(out, e)
				continue
			}
			m := &out[i]
			m.Correct = m.Correct || e.Correct
			for _, a := range e.Accepted {
				if !slices.Contains(m.Accepted, a) {
					m.Accepted = append(m.Accepted, a)
				}
			}
		}
	}
	return out, nil
}

// tuneProgress draws a one-line progress report on a terminal, at most ten times a second.
type tuneProgress struct {
	w    io.Writer // nil when not a terminal
	last time.Time
}

func newTuneProgress(stderr io.Writer) *tuneProgress {
	if f, ok := stderr.(*os.File); ok {
		if fi, err := f.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
			return &tuneProgress{w: stderr}
		}
	}
	return &tuneProgress{}
}

func (p *tuneProgress) show(pr tune.Progress) {
	if p.w == nil || time.Since(p.last) < 100*time.Millisecond && pr.Done != pr.Total {
		return
	}
	p.last = time.Now()
	switch pr.Stage {
	case "prepare":
		fmt.Fprintf(p.w, "\r\033[Ktune: preparing examples %d/%d", pr.Done, pr.Total)
	default:
		fold := fmt.Sprintf("fold %d/%d", pr.Fold, pr.Folds)
		if pr.Fold > pr.Folds {
			fold = "all examples"
		}
		fmt.Fprintf(p.w, "\r\033[Ktune: %s: evaluation %d/%d, best %.4f", fold, pr.Done, pr.Total, pr.Best)
	}
}

func (p *tuneProgress) clear() {
	if p.w != nil {
		fmt.Fprint(p.w, "\r\033[K")
	}
}
