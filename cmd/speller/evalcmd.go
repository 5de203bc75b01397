package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/spellwright/speller/eval"
	"github.com/spellwright/speller/internal/correval"
	"github.com/spellwright/speller/model"
)

type evalJSON struct {
	File     string         `json:"file"`
	Model    string         `json:"model"`
	Params   model.Params   `json:"params"`
	Decoding model.Decoding `json:"decoding"` // the options the corrector ran with (the bundle's over its defaults)
	eval.Metrics
}

// answersJSON is the JSON of an answers file scored on one evaluation file. No latency is measured, so
// p50_us and p99_us are omitted: the nil fields below hide the embedded Metrics' fields of the same names.
type answersJSON struct {
	File      string `json:"file"`
	Answers   string `json:"answers"`   // the answers file scored
	Missing   int    `json:"missing"`   // inputs of File it has no answer for: left as typed, counted in errors
	Conflicts int    `json:"conflicts"` // typed inputs it answers twice differently (the first answer is kept)
	eval.Metrics
	P50us *float64 `json:"p50_us,omitempty"`
	P99us *float64 `json:"p99_us,omitempty"`
}

// evalScorer is what eval scores on each file: the model's corrector, or the answers of another system.
type evalScorer interface {
	eval.Speller
	// check is called with each file's examples before they are scored; it returns a note to print under
	// the table ("" for none) and the number of inputs without an answer.
	check(path string, ex []eval.Example) (note string, missing int, err error)
}

type modelScorer struct{ eval.Speller }

func (modelScorer) check(string, []eval.Example) (string, int, error) { return "", 0, nil }

type answersScorer struct {
	*eval.Answers
	path string
}

func (a answersScorer) check(path string, ex []eval.Example) (string, int, error) {
	missing := a.Missing(ex)
	switch {
	case len(missing) == 0:
		return "", 0, nil
	case len(missing) == len(ex):
		return "", len(missing), fmt.Errorf("%s has no answer for any of the %d inputs of %s (answers for another file?)",
			a.path, len(ex), path)
	}
	eg := missing[:min(3, len(missing))]
	for i, s := range eg {
		eg[i] = fmt.Sprintf("%q", s)
	}
	return fmt.Sprintf("%s: MISSING %d of %d inputs have no answer in %s (scored as left unchanged, counted in errors), e.g. %s",
		path, len(missing), len(ex), a.path, strings.Join(eg, ", ")), len(missing), nil
}

func runEval(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := newFlags("eval", "FILE.tsv...", stderr)
	modelPath := fs.String("model", "", "model bundle (default: the embedded English model)")
	var sets listFlag
	fs.Var(&sets, "set", "override a hyperparameter of the model, `name=value` (repeatable; names: "+strings.Join(model.ParamNames, ", ")+")")
	decoding := decodingFlag(fs, "override a decoding option of the model")
	answersPath := fs.String("answers", "", "score another system's answers instead of a model: a `FILE` of rows typed<TAB>output "+
		"(first answer kept for a repeated input); inputs it lacks are left as typed and reported")
	asJSON := fs.Bool("json", false, "print one JSON object per file")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return errUsage
	}
	var bad []string
	fs.Visit(func(f *flag.Flag) {
		if *answersPath != "" && (f.Name == "model" || f.Name == "set" || f.Name == "decoding") {
			bad = append(bad, "--"+f.Name)
		}
	})
	if len(bad) > 0 {
		fmt.Fprintf(stderr, "speller eval: %s cannot be used with --answers (no model is run)\n", strings.Join(bad, ", "))
		return errUsage
	}

	var (
		scorer evalScorer
		header string
		encode func(path string, m eval.Metrics, missing int) any
	)
	if *answersPath != "" {
		a, err := eval.ReadAnswersFile(*answersPath)
		if err != nil {
			return err
		}
		scorer = answersScorer{a, *answersPath}
		header = fmt.Sprintf("answers %s  (%d rows, %d distinct inputs", *answersPath, a.Rows, a.Len())
		if a.Conflicts > 0 {
			header += fmt.Sprintf("; %d rows answer an input already answered differently, first at line %d: "+
				"the first answer is kept", a.Conflicts, a.FirstConflict)
		}
		header += "; no latency measured)"
		encode = func(path string, m eval.Metrics, missing int) any {
			return answersJSON{File: path, Answers: *answersPath, Missing: missing, Conflicts: a.Conflicts, Metrics: m}
		}
	} else {
		c, err := newCorrector(ctx, *modelPath, sets, *decoding, true)
		if err != nil {
			return err
		}
		p := c.Params()
		scorer = modelScorer{correval.Speller{C: c}}
		header = "model " + c.Bundle().Meta.Version + " "
		for _, name := range model.ParamNames {
			header += fmt.Sprintf(" %s=%g", name, *p.Ptr(name))
		}
		header += "\ndecoding " + c.Decoding().String()
		encode = func(path string, m eval.Metrics, _ int) any {
			return evalJSON{File: path, Model: c.Bundle().Meta.Version, Params: p, Decoding: c.Decoding(), Metrics: m}
		}
	}
	if !*asJSON {
		fmt.Fprintf(stdout, "%s\n\n", header)
	}
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	if !*asJSON {
		fmt.Fprintln(tw, "file\tn\tneeds corr.\taccuracy\tbest path\tprecision\trecall\tF1\tfalse corr.\tchanged\tp50 µs\tp99 µs\t")
	}
	enc := json.NewEncoder(stdout)
	var notes []string
	for _, path := range fs.Args() {
		ex, err := eval.ReadFile(path)
		if err != nil {
			return err
		}
		note, missing, err := scorer.check(path, ex)
		if err != nil {
			return err
		}
		if note != "" {
			notes = append(notes, note)
		}
		m, _, err := eval.Run(ctx, scorer, ex)
		if err != nil {
			return err
		}
		if *asJSON {
			if err := enc.Encode(encode(path, m, missing)); err != nil {
				return err
			}
			continue
		}
		// changed: the share of correct inputs whose output was changed (false_correction_rate), "-" when the
		// file has no correct input.
		changed := "-"
		if m.N > m.NeedsCorrection {
			changed = fmt.Sprintf("%.3f", m.FalseRate)
		}
		p50, p99 := fmt.Sprintf("%.0f", m.P50us), fmt.Sprintf("%.0f", m.P99us)
		if *answersPath != "" {
			p50, p99 = "-", "-"
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%.3f\t%.3f\t%.3f\t%.3f\t%.3f\t%d\t%s\t%s\t%s\t\n", path, m.N, m.NeedsCorrection,
			m.Accuracy, m.BestPathAccuracy, m.Precision, m.Recall, m.F1, m.FalseCorrections, changed, p50, p99)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if len(notes) > 0 {
		if *asJSON { // the JSON has them as "missing"; say it where a person will see it too
			fmt.Fprintf(stderr, "speller eval: %s\n", strings.Join(notes, "\nspeller eval: "))
		} else {
			fmt.Fprintf(stdout, "\n%s\n", strings.Join(notes, "\n"))
		}
	}
	return nil
}
