package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/spellwright/speller/eval"
	"github.com/spellwright/speller/model"
)

type evalJSON struct {
	File   string       `json:"file"`
	Model  string       `json:"model"`
	Params model.Params `json:"params"`
	eval.Metrics
}

func runEval(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := newFlags("eval", "FILE.tsv...", stderr)
	modelPath := fs.String("model", "", "model bundle (default: the embedded English model)")
	var sets listFlag
	fs.Var(&sets, "set", "override a hyperparameter of the model, `name=value` (repeatable; names: "+strings.Join(model.ParamNames, ", ")+")")
	asJSON := fs.Bool("json", false, "print one JSON object per file")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return errUsage
	}
	c, err := newCorrector(*modelPath, sets)
	if err != nil {
		return err
	}
	p := c.Params()
	if !*asJSON {
		fmt.Fprintf(stdout, "model %s  lambda=%g slope=%g intercept=%g auto_threshold=%g log_p_unk=%g log_p_space=%g\n\n",
			c.Bundle().Meta.Version, p.Lambda, p.Slope, p.Intercept, p.AutoThreshold, p.LogPUnk, p.LogPSpace)
	}
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	if !*asJSON {
		fmt.Fprintln(tw, "file\tn\tneeds corr.\taccuracy\tbest path\tprecision\trecall\tF1\tfalse corr.\tp50 µs\tp99 µs\t")
	}
	enc := json.NewEncoder(stdout)
	for _, path := range fs.Args() {
		ex, err := eval.ReadFile(path)
		if err != nil {
			return err
		}
		m, _, err := eval.Run(ctx, c, ex)
		if err != nil {
			return err
		}
		if *asJSON {
			if err := enc.Encode(evalJSON{File: path, Model: c.Bundle().Meta.Version, Params: p, Metrics: m}); err != nil {
				return err
			}
			continue
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%.3f\t%.3f\t%.3f\t%.3f\t%.3f\t%d\t%.0f\t%.0f\t\n", path, m.N, m.NeedsCorrection,
			m.Accuracy, m.BestPathAccuracy, m.Precision, m.Recall, m.F1, m.FalseCorrections, m.P50us, m.P99us)
	}
	return tw.Flush()
}
