package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/spellwright/speller/model"
	"github.com/spellwright/speller/spell"
)

type correctJSON struct {
	Query        string            `json:"query"`
	Correction   string            `json:"correction"`
	Action       string            `json:"action"`
	LogOdds      float64           `json:"log_odds"`
	Confidence   float64           `json:"confidence"`
	Threshold    float64           `json:"threshold"`
	BestPath     string            `json:"best_path"`
	Tokens       []tokenJSON       `json:"tokens"`
	Alternatives []alternativeJSON `json:"alternatives"`
	// ActionBeforeFeedback is the action the log odds chose, when the model's feedback table changed it.
	ActionBeforeFeedback string `json:"action_before_feedback,omitempty"`
	Error                string `json:"error,omitempty"`
}

// tokenJSON is spell.Token in the snake_case of the other fields (and of the gRPC API's JSON mapping).
type tokenJSON struct {
	Typed   string `json:"typed"`
	Chosen  string `json:"chosen"`
	Start   int    `json:"start"`
	End     int    `json:"end"`
	Changed bool   `json:"changed"`
}

type alternativeJSON struct {
	Text    string  `json:"text"`
	Score   float64 `json:"score"`
	LogOdds float64 `json:"log_odds"`
}

func toJSON(r *spell.Result) correctJSON {
	out := correctJSON{Query: r.Query, Correction: r.Correction, Action: r.Action.String(),
		LogOdds: r.LogOdds, Confidence: r.Confidence, Threshold: r.Threshold, BestPath: r.BestPath,
		Tokens: make([]tokenJSON, len(r.Tokens)), Alternatives: make([]alternativeJSON, len(r.Alternatives))}
	for i, t := range r.Tokens {
		out.Tokens[i] = tokenJSON{t.Typed, t.Chosen, t.Start, t.End, t.Changed}
	}
	for i, a := range r.Alternatives {
		out.Alternatives[i] = alternativeJSON{a.Text, a.Score, a.LogOdds}
	}
	if r.FeedbackApplied() {
		out.ActionBeforeFeedback = r.ActionBeforeFeedback.String()
	}
	return out
}

func runCorrect(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := newFlags("correct", "[QUERY...]", stderr)
	modelPath := fs.String("model", "", "model bundle (default: the embedded English model)")
	var sets listFlag
	fs.Var(&sets, "set", "override a hyperparameter of the model, `name=value` (repeatable; names: "+strings.Join(model.ParamNames, ", ")+")")
	decoding := decodingFlag(fs, "override a decoding option of the model")
	asJSON := fs.Bool("json", false, "print one JSON object per query")
	zero := fs.Bool("zero-results", false, "the queries returned no results: apply any correction found")
	if err := parse(fs, args); err != nil {
		return err
	}
	c, err := newCorrector(ctx, *modelPath, sets, *decoding, false)
	if err != nil {
		return err
	}
	enc := json.NewEncoder(stdout)
	one := func(q string) error {
		r, err := c.Correct(ctx, spell.Request{Query: q, ZeroResults: *zero})
		if err != nil {
			if ctx.Err() != nil {
				return err
			}
			if *asJSON {
				return enc.Encode(correctJSON{Query: q, Action: spell.None.String(), Error: err.Error()})
			}
			_, werr := fmt.Fprintf(stdout, "%s\terror: %v\n", q, err)
			return werr
		}
		if *asJSON {
			return enc.Encode(toJSON(r))
		}
		out := r.Correction
		if r.Action == spell.None {
			out = r.Query
		}
		_, err = fmt.Fprintf(stdout, "%s\t%s\t%s\tlog_odds=%.2f confidence=%.3f\n", r.Query, out, r.Action, r.LogOdds, r.Confidence)
		return err
	}
	if fs.NArg() > 0 {
		for _, q := range fs.Args() {
			if err := one(q); err != nil {
				return err
			}
		}
		return nil
	}
	sc := bufio.NewScanner(stdin)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		if err := one(sc.Text()); err != nil {
			return err
		}
	}
	return sc.Err()
}
