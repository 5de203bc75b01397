// Package eval measures a speller on labelled examples: rows "typed<TAB>expected", where rows with the same
// typed input are alternatives (any one is right) and an expected "_" (or equal to typed) means the input is
// already correct. It reports what a shopper would see: accuracy of the output shown, precision and recall of
// the corrections offered, false corrections of correct inputs, and latency. Answers scores another system's
// answers, written beforehand as rows "typed<TAB>output", with the same code.
//
//	ex, err := eval.ReadFile("norvig-test1.tsv")
//	m, err := eval.Run(ctx, speller, ex)
//	fmt.Println(m.Accuracy, m.F1)
package eval

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strings"
	"time"
)

// Example is one distinct input with its accepted outputs.
type Example struct {
	Typed    string
	Accepted []string // canonical forms (see Canon); includes Canon(Typed) when Correct
	Correct  bool     // the input is already correct
}

// Accepts reports whether output is one of the accepted answers.
func (e Example) Accepts(output string) bool { return slices.Contains(e.Accepted, Canon(output)) }

// Canon is the form answers are compared in: lower case, single spaces.
func Canon(s string) string { return strings.Join(strings.Fields(strings.ToLower(s)), " ") }

// Read parses examples; rows with the same typed input (compared in canonical form) are merged, in order of
// first appearance. Blank lines and lines starting with "#" are skipped; a line without a tab is an error
// naming the line.
func Read(r io.Reader) ([]Example, error) {
	var out []Example
	index := make(map[string]int)
	err := scanRows(r, "expected", func(_ int, typed, expected string) {
		key := Canon(typed)
		correct := expected == "_" || Canon(expected) == key
		if expected == "_" {
			expected = typed
		}
		i, ok := index[key]
		if !ok {
			i = len(out)
			index[key] = i
			out = append(out, Example{Typed: typed})
		}
		e := &out[i]
		e.Correct = e.Correct || correct
		if c := Canon(expected); !slices.Contains(e.Accepted, c) {
			e.Accepted = append(e.Accepted, c)
		}
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// scanRows calls fn with the line number and the two fields of every row "typed<TAB>second" of r (spaces
// around them trimmed, columns after the second ignored), skipping blank lines and lines starting with "#".
// A line without a tab, or with an empty field, is an error naming the line and the second field's name.
func scanRows(r io.Reader, second string, fn func(line int, typed, second string)) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for line := 1; sc.Scan(); line++ {
		text := sc.Text()
		if strings.TrimSpace(text) == "" || strings.HasPrefix(text, "#") {
			continue
		}
		typed, value, ok := strings.Cut(text, "\t")
		if !ok {
			return fmt.Errorf("eval: line %d: want typed<TAB>%s", line, second)
		}
		if i := strings.IndexByte(value, '\t'); i >= 0 {
			value = value[:i] // extra columns (e.g. counts) are ignored
		}
		typed, value = strings.TrimSpace(typed), strings.TrimSpace(value)
		if typed == "" || value == "" {
			return fmt.Errorf("eval: line %d: empty input or %s", line, second)
		}
		fn(line, typed, value)
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("eval: %w", err)
	}
	return nil
}

// ReadFile reads the examples in the file at path.
func ReadFile(path string) ([]Example, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("eval: %w", err)
	}
	defer f.Close()
	ex, err := Read(f)
	if err != nil {
		return nil, fmt.Errorf("%w (file %s)", err, path)
	}
	return ex, nil
}

// Outcome is what a speller did with one input.
type Outcome struct {
	Offered  bool   // a correction was offered or applied
	Output   string // what the shopper sees as the query: the correction when offered, else the input
	BestPath string // the speller's most probable reading, ignoring its thresholds
}

// Speller is what Run measures.
type Speller interface {
	Suggest(ctx context.Context, query string) (Outcome, error)
}

// Metrics summarize a run over one set of examples.
type Metrics struct {
	N                int     `json:"n"`                // distinct inputs
	NeedsCorrection  int     `json:"needs_correction"` // inputs that are not already correct
	Offered          int     `json:"offered"`          // inputs given a correction
	CorrectOffered   int     `json:"correct_offered"`  // corrections offered that are accepted
	Accuracy         float64 `json:"accuracy"`         // the output shown is accepted
	BestPathAccuracy float64 `json:"best_path_accuracy"`
	Precision        float64 `json:"precision"`
	Recall           float64 `json:"recall"`
	F1               float64 `json:"f1"`
	FalseCorrections int     `json:"false_corrections"`     // correct inputs given a correction
	FalseRate        float64 `json:"false_correction_rate"` // FalseCorrections / correct inputs
	P50us            float64 `json:"p50_us"`
	P99us            float64 `json:"p99_us"`
	Errors           int     `json:"errors"` // inputs the speller refused
}

// Score computes the metrics of outcomes (one per example, same order). Latencies may be nil.
func Score(ex []Example, out []Outcome, latencies []time.Duration) Metrics {
	var m Metrics
	m.N = len(ex)
	acc, best := 0, 0
	for i, e := range ex {
		o := out[i]
		if !e.Correct {
			m.NeedsCorrection++
		}
		if e.Accepts(o.Output) {
			acc++
		}
		if e.Accepts(o.BestPath) {
			best++
		}
		if o.Offered {
			m.Offered++
			if e.Correct {
				m.FalseCorrections++
			} else if e.Accepts(o.Output) {
				m.CorrectOffered++
			}
		}
	}
	m.Accuracy = ratio(acc, m.N)
	m.BestPathAccuracy = ratio(best, m.N)
	m.Precision = ratio(m.CorrectOffered, m.Offered)
	m.Recall = ratio(m.CorrectOffered, m.NeedsCorrection)
	if m.Precision+m.Recall > 0 {
		m.F1 = 2 * m.Precision * m.Recall / (m.Precision + m.Recall)
	}
	m.FalseRate = ratio(m.FalseCorrections, m.N-m.NeedsCorrection)
	if len(latencies) > 0 {
		l := slices.Clone(latencies)
		slices.Sort(l)
		m.P50us = quantile(l, 0.50)
		m.P99us = quantile(l, 0.99)
	}
	return m
}

// FScore is the F-beta score of precision p and recall r (beta 1: F1; 0.5 weighs precision more).
func FScore(p, r, beta float64) float64 {
	b2 := beta * beta
	if d := b2*p + r; d > 0 {
		return (1 + b2) * p * r / d
	}
	return 0
}

func ratio(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

func quantile(sorted []time.Duration, q float64) float64 {
	i := int(math.Ceil(q*float64(len(sorted)))) - 1
	i = max(0, min(i, len(sorted)-1))
	return float64(sorted[i].Nanoseconds()) / 1e3
}

// Run asks s about every example, one at a time (so latencies are not disturbed by each other), and scores
// the outcomes. An input the speller refuses counts as left unchanged and in Metrics.Errors.
func Run(ctx context.Context, s Speller, ex []Example) (Metrics, []Outcome, error) {
	out := make([]Outcome, len(ex))
	lat := make([]time.Duration, len(ex))
	errs := 0
	for i, e := range ex {
		if err := ctx.Err(); err != nil {
			return Metrics{}, nil, err
		}
		start := time.Now()
		o, err := s.Suggest(ctx, e.Typed)
		lat[i] = time.Since(start)
		if err != nil {
			if ctx.Err() != nil {
				return Metrics{}, nil, ctx.Err()
			}
			errs++
			o = Outcome{Output: e.Typed, BestPath: e.Typed}
		}
		out[i] = o
	}
	m := Score(ex, out, lat)
	m.Errors = errs
	return m, out, nil
}
