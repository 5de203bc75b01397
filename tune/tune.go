// Package tune chooses the hyperparameters of the decision — λ, the offer threshold's intercept, log P_unk,
// the unknown-word shape and length terms, the change prior log P_typo and the auto-correct threshold (see MODEL.md; the
// threshold's slope is set to 0) — on labelled examples, and measures the choice
// by k-fold cross-validation: for each fold it tunes on the other folds and scores the fold held out; then
// it tunes on all the examples.
//
//	ex, err := eval.ReadFile("labelled.tsv")
//	rep, err := tune.Run(ctx, bundle, ex, tune.Options{Folds: 10, Seed: 1})
//	tuned, err := rep.Bundle(bundle) // the same model with rep.Summary.Params, a new version
//
// Tuning is two steps. First a climb (Climb: coordinate ascent with adaptive steps and random restarts,
// within Ranges and an evaluation budget) maximises the metric (F0.5 by default) of the corrections offered,
// over Ranges (λ, intercept, log_p_unk, log_p_typo, unk_shape, unk_length). The auto-correct threshold does not change what is offered, so
// the second step sets it: the lowest value in [intercept, MaxAutoThreshold] at which the corrections
// applied automatically to the training examples (at least MinAutoSupport of them) are right at least
// Options.AutoPrecision of the time.
//
// Every example is prepared once (its candidates do not depend on the parameters) and cached as the
// coefficients of its corrections' log odds, linear in λ, log P_unk, log P_typo, unk_shape and unk_length (see cache.go); an evaluation of
// the climb is then a pass of a few dot products per example, sharded over all cores. For 20,000 examples,
// 10 folds and the default budget (4,000 evaluations), Run takes about 4.5 s of CPU, about half of it
// correcting the examples to measure the quality before and after (BenchmarkTune20k).
package tune

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"

	"github.com/spellwright/speller/eval"
	"github.com/spellwright/speller/model"
	"github.com/spellwright/speller/spell"
)

// Ranges are the bounds the climb searches, by parameter (JSON names of model.Params):
//
//	lambda      [0.3, 3]    emission exponent λ
//	intercept   [−5, 15]    offer threshold
//	log_p_unk   [−40, −10]  log P of a word outside the vocabulary
//	log_p_typo  [−12, 0]    log prior of changing a typed token, once per change
//	unk_shape   [0, 3]      weight of an unknown token's surprise under the character model
//	unk_length  [0, 6]      nats of log P_unk an unknown token gains for each rune it is shorter than 6
//
// auto_threshold is not climbed: it is set afterwards in [intercept, MaxAutoThreshold], keeping
// AutoThreshold ≥ Intercept as model.Params.Validate requires. The slope of the threshold (per token of the
// query) is set to 0 unless it is Fixed: a threshold that grows with the query's length leaves the typo of a
// long query uncorrected, and the change prior log_p_typo already makes every change pay for itself.
var Ranges = []Dim{
	{Name: "lambda", Min: 0.3, Max: 3},
	{Name: "intercept", Min: -5, Max: 15},
	{Name: "log_p_unk", Min: -40, Max: -10},
	{Name: "log_p_typo", Min: -12, Max: 0},
	{Name: "unk_shape", Min: 0, Max: 3},
	{Name: "unk_length", Min: 0, Max: 6},
}

// MaxAutoThreshold is the highest auto-correct threshold Run chooses.
const MaxAutoThreshold = 40

func rangeOf(name string) Dim {
	for _, d := range Ranges {
		if d.Name == name {
			return d
		}
	}
	panic("tune: no range for " + name)
}

// Metric is what the climb maximises, computed on the corrections offered.
type Metric struct {
	Name string
	Beta float64 // F-beta; 0 for accuracy
	// MaxFalseRate, when positive, caps the share of correct examples offered a correction: above it the
	// score falls by FalsePenalty per unit of excess rate, so the climb keeps to the cap and within it
	// maximises the metric (with "recall": the most corrections at that rate of false ones).
	MaxFalseRate float64
}

// FalsePenalty is how fast a Metric's score falls per unit of false-correction rate above MaxFalseRate:
// one more false correction than the cap allows costs more than any recall it could buy.
const FalsePenalty = 100

// Metrics lists the metrics ParseMetric knows.
var Metrics = []Metric{{Name: "f0.5", Beta: 0.5}, {Name: "f1", Beta: 1}, {Name: "f2", Beta: 2},
	{Name: "accuracy"}, {Name: "recall", Beta: -1}}

// ErrMetric is returned (wrapped) for an unknown metric name.
var ErrMetric = errors.New("unknown metric")

// ParseMetric returns the metric called name ("" is the first of Metrics, f0.5).
func ParseMetric(name string) (Metric, error) {
	if name == "" {
		return Metrics[0], nil
	}
	for _, m := range Metrics {
		if strings.EqualFold(m.Name, name) {
			return m, nil
		}
	}
	names := make([]string, len(Metrics))
	for i, m := range Metrics {
		names[i] = m.Name
	}
	return Metric{}, fmt.Errorf("tune: %w %q (known: %s)", ErrMetric, name, strings.Join(names, ", "))
}

// Of returns the metric of q: the F-beta score of its precision and recall, or its accuracy (the output
// shown is an accepted answer).
func (m Metric) Of(q Quality) float64 {
	var v float64
	switch {
	case m.Beta == 0:
		v = q.Accuracy
	case m.Beta < 0:
		v = q.Recall
	default:
		v = eval.FScore(q.Precision, q.Recall, m.Beta)
	}
	if m.MaxFalseRate > 0 && q.FalseRate > m.MaxFalseRate {
		v -= FalsePenalty * (q.FalseRate - m.MaxFalseRate)
	}
	return v
}

// Quality is what shoppers see on a set of examples under some parameters. The rates are those of
// eval.Metrics; AutoPrecision is the share of the corrections applied automatically that are right.
type Quality struct {
	N                int     `json:"n"`
	NeedsCorrection  int     `json:"needs_correction"`
	Offered          int     `json:"offered"`
	CorrectOffered   int     `json:"correct_offered"`
	FalseCorrections int     `json:"false_corrections"`
	AutoCorrected    int     `json:"auto_corrected"`
	Precision        float64 `json:"precision"`
	Recall           float64 `json:"recall"`
	F1               float64 `json:"f1"`
	Accuracy         float64 `json:"accuracy"`
	AutoPrecision    float64 `json:"auto_precision"`
	FalseRate        float64 `json:"false_correction_rate"` // FalseCorrections / correct examples
	Score            float64 `json:"score"`                 // the metric tuned
}

// Options configure Run. The zero value works.
type Options struct {
	Folds int    // cross-validation folds, at least 2 (default 10)
	Seed  uint64 // seeds the split into folds and the climbs' restarts
	// Metric is "f0.5" (default: a wrong correction costs a search team more than a missed one), "f1", "f2",
	// "accuracy" or "recall".
	Metric string
	// MaxFalseRate caps the false-correction rate the climb accepts (Metric.MaxFalseRate); 0: no cap.
	MaxFalseRate  float64
	Budget        int     // objective evaluations per climb (default 400)
	Restarts      int     // random restarts per climb (default 3; negative: none)
	AutoPrecision float64 // target precision of automatic corrections, in (0, 1] (default 0.95)
	// Fixed names parameters (JSON names) kept at the bundle's values: not climbed, or for
	// auto_threshold, not set by the precision rule (but raised to the intercept when below it).
	Fixed   []string
	Workers int // goroutines (default GOMAXPROCS)
	// Spell configures the corrector the examples are decided with; use what the server uses. Its NBest
	// is raised for the probes, which does not change decisions.
	Spell spell.Options
	// Progress, when set, is called as the work advances, serially.
	Progress func(Progress)
}

func (o Options) withDefaults() Options {
	if o.Folds == 0 {
		o.Folds = 10
	}
	if o.Budget <= 0 {
		o.Budget = 400
	}
	if o.Restarts == 0 {
		o.Restarts = 3
	}
	if o.AutoPrecision == 0 {
		o.AutoPrecision = 0.95
	}
	return o
}

// Progress reports how far Run is.
type Progress struct {
	Stage       string  // "prepare" or "climb"
	Fold, Folds int     // climb: the fold tuned, 1-based; Folds+1 for the final climb on all examples
	Done, Total int     // prepare: examples; climb: evaluations
	Best        float64 // climb: the best score so far
}

// Fold is the cross-validation of one fold.
type Fold struct {
	Fold       int          `json:"fold"`        // 1-based
	Train      int          `json:"train"`       // examples tuned on
	Test       int          `json:"test"`        // examples held out
	Before     float64      `json:"before"`      // the metric on the held-out fold with the starting parameters
	After      float64      `json:"after"`       // with the parameters tuned on the other folds
	TrainScore float64      `json:"train_score"` // the climb's best: the metric on the training folds, from the cache
	Params     model.Params `json:"params"`
}

// Summary is the record of a tuning, stored in the tuned bundle's Meta.Extra["tune"].
type Summary struct {
	Metric          string       `json:"metric"`
	Folds           int          `json:"folds"`
	Seed            uint64       `json:"seed"`
	Budget          int          `json:"budget"`
	Restarts        int          `json:"restarts"`
	AutoPrecision   float64      `json:"auto_precision_target"`
	Files           []string     `json:"files,omitempty"` // set by the caller
	Examples        int          `json:"examples"`
	NeedsCorrection int          `json:"needs_correction"`
	Refused         int          `json:"refused,omitempty"` // examples the corrector refused, left as typed
	Ranges          []Dim        `json:"ranges"`            // the dimensions climbed
	Fixed           []string     `json:"fixed,omitempty"`   // parameters kept at their start values
	FoldScores      []Fold       `json:"fold_scores"`
	Mean            float64      `json:"mean"`        // of the held-out scores, after tuning
	SD              float64      `json:"sd"`          // their sample standard deviation
	MeanBefore      float64      `json:"mean_before"` // of the held-out scores with the starting parameters
	SDBefore        float64      `json:"sd_before"`
	Start           model.Params `json:"start"`  // the input bundle's parameters
	Params          model.Params `json:"params"` // chosen on all examples
	Before          Quality      `json:"before"` // on all examples, with Start
	After           Quality      `json:"after"`  // on all examples, with Params
	Evals           int          `json:"evals"`  // objective evaluations, all climbs
	// HeldOut is cross-validated: every example decided with the parameters tuned on the other folds (pooled
	// over the folds). After is measured on the examples Params were chosen on, and so flatters them; HeldOut
	// is the estimate of what users of the tuned bundle get on traffic like the examples.
	HeldOut Quality `json:"held_out"`
}

// SweepPoint is the quality of the offers at one offer-threshold intercept, the other parameters as chosen.
type SweepPoint struct {
	Intercept float64 `json:"intercept"`
	Offered   int     `json:"offered"`
	Precision float64 `json:"precision"` // 0 when nothing is offered
	Recall    float64 `json:"recall"`
	Score     float64 `json:"score"`
}

// Report is the outcome of Run.
type Report struct {
	Summary Summary
	// Decoding are the corrector's options that change answers, those the parameters were tuned with
	// (Options.Spell over the bundle's own, spell.Options.Decoding); Bundle pins them in the tuned bundle.
	Decoding model.Decoding
	Climb    []Point      // the final climb, on all examples
	Sweep    []SweepPoint // the intercept from Ranges' minimum to past the auto threshold, on all examples
}

// Run tunes b's parameters on ex and cross-validates the tuning; see the package comment. The choices
// (the climb and the auto threshold) are made from the cache; the qualities reported (before and after, on
// held-out folds and on all examples) are measured by correcting the examples with the parameters in
// question, as a server with them would. Run is deterministic for equal inputs and options (whatever the
// number of workers) and returns ctx.Err() when ctx ends first.
func Run(ctx context.Context, b *model.Bundle, ex []eval.Example, o Options) (*Report, error) {
	o = o.withDefaults()
	metric, err := ParseMetric(o.Metric)
	if err != nil {
		return nil, err
	}
	if !(o.MaxFalseRate >= 0 && o.MaxFalseRate < 1) {
		return nil, fmt.Errorf("tune: max false-correction rate %v: want a value in [0, 1)", o.MaxFalseRate)
	}
	metric.MaxFalseRate = o.MaxFalseRate
	switch {
	case o.Folds < 2:
		return nil, fmt.Errorf("tune: %d folds: want at least 2", o.Folds)
	case len(ex) < o.Folds:
		return nil, fmt.Errorf("tune: %d examples for %d folds", len(ex), o.Folds)
	case !(o.AutoPrecision > 0 && o.AutoPrecision <= 1):
		return nil, fmt.Errorf("tune: auto precision %v: want a value in (0, 1]", o.AutoPrecision)
	}
	if err := b.Params.Validate(); err != nil {
		return nil, fmt.Errorf("tune: %w", err)
	}
	for _, name := range o.Fixed {
		if !slices.Contains(model.ParamNames, name) {
			return nil, fmt.Errorf("tune: cannot fix unknown parameter %q (known: %s)", name, strings.Join(model.ParamNames, ", "))
		}
	}
	var prep func(int)
	if o.Progress != nil {
		prep = func(done int) { o.Progress(Progress{Stage: "prepare", Done: done, Total: len(ex)}) }
	}
	t, err := newTuner(ctx, b, ex, o.Spell, o.Workers, prep)
	if err != nil {
		return nil, err
	}
	r := &run{t: t, o: o, metric: metric, start: b.Params,
		dims: slices.DeleteFunc(slices.Clone(Ranges), func(d Dim) bool { return slices.Contains(o.Fixed, d.Name) })}
	all := make([]int, len(ex))
	for i := range all {
		all[i] = i
	}
	before, err := t.decode(ctx, r.start, all)
	if err != nil {
		return nil, err
	}
	s := Summary{Metric: metric.Name, Folds: o.Folds, Seed: o.Seed, Budget: o.Budget, Restarts: max(o.Restarts, 0),
		AutoPrecision: o.AutoPrecision, Examples: len(ex), Refused: t.refused, Ranges: r.dims, Fixed: o.Fixed, Start: r.start,
		Before: t.readingTally(r.start, all, before).quality(metric)}
	s.NeedsCorrection = s.Before.NeedsCorrection
	var afterScores, beforeScores []float64
	var heldOut tally
	for f, test := range Folds(len(ex), o.Folds, o.Seed) {
		train := complement(len(ex), test)
		p, c, err := r.fit(ctx, train, foldSeed(o.Seed, f+1), f+1)
		if err != nil {
			return nil, err
		}
		testBefore := make([]reading, len(test))
		for k, i := range test {
			testBefore[k] = before[i]
		}
		testAfter, err := t.decode(ctx, p, test)
		if err != nil {
			return nil, err
		}
		tested := t.readingTally(p, test, testAfter)
		heldOut.merge(tested)
		fs := Fold{Fold: f + 1, Train: len(train), Test: len(test), TrainScore: c.Score, Params: p,
			Before: t.readingTally(r.start, test, testBefore).quality(metric).Score,
			After:  tested.quality(metric).Score}
		s.FoldScores = append(s.FoldScores, fs)
		afterScores = append(afterScores, fs.After)
		beforeScores = append(beforeScores, fs.Before)
	}
	s.Mean, s.SD = meanSD(afterScores)
	s.MeanBefore, s.SDBefore = meanSD(beforeScores)
	s.HeldOut = heldOut.quality(metric)
	p, climbed, err := r.fit(ctx, all, o.Seed, o.Folds+1)
	if err != nil {
		return nil, err
	}
	s.Params = p
	after, err := t.decode(ctx, p, all)
	if err != nil {
		return nil, err
	}
	s.After = t.readingTally(p, all, after).quality(metric)
	s.Evals = r.evals
	return &Report{Summary: s, Decoding: o.Spell.Decoding(b), Climb: climbed.Trace, Sweep: r.sweep(p, all, after)}, nil
}

// run is the state of one Run.
type run struct {
	t      *tuner
	o      Options
	metric Metric
	start  model.Params
	dims   []Dim
	evals  int
}

// params returns the start parameters with the climbed ones set to x, rounded to 3 decimals (finer than
// any climb's last steps, and readable), AutoThreshold kept at least Intercept.
func (r *run) params(x []float64) model.Params {
	p := r.start
	for j, d := range r.dims {
		*p.Ptr(d.Name) = math.Round(x[j]*1000) / 1000
	}
	if !slices.Contains(r.o.Fixed, "slope") {
		p.Slope = 0
	}
	p.AutoThreshold = max(p.AutoThreshold, p.Intercept)
	return p
}

// fit tunes on the examples idx: a climb, then the auto threshold, both from the cache. It returns the
// parameters, the climb and its best score.
func (r *run) fit(ctx context.Context, idx []int, seed uint64, fold int) (model.Params, Climbed, error) {
	x0 := make([]float64, len(r.dims))
	for j, d := range r.dims {
		x0[j] = *r.start.Ptr(d.Name)
	}
	obj := func(x []float64) float64 {
		p := r.params(x)
		return r.t.estimateTally(p, idx).quality(r.metric).Score
	}
	co := ClimbOptions{Budget: r.o.Budget, Restarts: r.o.Restarts, Seed: seed}
	if r.o.Progress != nil {
		co.OnEval = func(pt Point) {
			r.o.Progress(Progress{Stage: "climb", Fold: fold, Folds: r.o.Folds, Done: pt.Eval, Total: r.o.Budget, Best: pt.Best})
		}
	}
	c, err := Climb(ctx, obj, r.dims, x0, co)
	if err != nil {
		return model.Params{}, Climbed{}, err
	}
	r.evals += c.Evals
	p := r.params(c.X)
	if !slices.Contains(r.o.Fixed, "auto_threshold") {
		rs := make([]reading, len(idx))
		for k, i := range idx {
			rs[k] = r.t.estimate(i, p)
		}
		p.AutoThreshold = r.t.autoThreshold(idx, rs, p, r.o.AutoPrecision)
	}
	return p, c, nil
}

// MinAutoSupport is the fewest corrections a set applied automatically must hold for its precision to
// count: the top few corrections alone say little about the precision of a threshold.
const MinAutoSupport = 20

// autoThreshold returns the lowest auto-correct threshold in [p.Intercept, MaxAutoThreshold] at which the
// corrections applied automatically to examples idx (readings rs) are right at least target of the time:
// the corrections offered are sorted by log_odds − slope·n, and the threshold is set just below the longest
// prefix (ties kept together) of at least MinAutoSupport corrections whose precision reaches the target.
// When there is none, no correction is applied automatically: the threshold is set above them all, or at
// MaxAutoThreshold.
func (t *tuner) autoThreshold(idx []int, rs []reading, p model.Params, target float64) float64 {
	type offer struct {
		m     float64
		right bool
	}
	var offers []offer
	for k, i := range idx {
		e := &t.entries[i]
		lo := rs[k].logOdds
		if spell.ActionFor(p, e.n, lo, math.IsInf(lo, -1), false) != spell.None {
			line, _ := spell.Thresholds(p, e.n)
			offers = append(offers, offer{lo - line + p.Intercept, !e.correct && rs[k].accepted}) // the margin as an intercept
		}
	}
	if len(offers) == 0 {
		return p.Intercept
	}
	slices.SortStableFunc(offers, func(a, b offer) int { return cmp.Compare(b.m, a.m) })
	thr, right := offers[0].m, 0
	for j, of := range offers {
		if of.right {
			right++
		}
		if j+1 < len(offers) && offers[j+1].m == of.m || j+1 < MinAutoSupport {
			continue
		}
		if float64(right) >= target*float64(j+1)-1e-9 {
			thr = p.Intercept
			if j+1 < len(offers) {
				thr = offers[j+1].m
			}
		}
	}
	// Rounded up to 3 decimals: readable, and the same corrections are applied automatically (barring
	// margins closer than that).
	return min(max(math.Ceil(thr*1000)/1000, p.Intercept), MaxAutoThreshold)
}

// sweep returns the quality of the offers on examples idx (readings rs under p) as the intercept moves.
func (r *run) sweep(p model.Params, idx []int, rs []reading) []SweepPoint {
	const n = 240
	lo := rangeOf("intercept").Min
	hi := min(max(rangeOf("intercept").Max, p.AutoThreshold+5), MaxAutoThreshold)
	out := make([]SweepPoint, 0, n+1)
	for k := 0; k <= n; k++ {
		q := p
		q.Intercept = lo + (hi-lo)*float64(k)/n
		q.AutoThreshold = max(q.AutoThreshold, q.Intercept)
		qu := r.t.readingTally(q, idx, rs).quality(r.metric)
		out = append(out, SweepPoint{Intercept: q.Intercept, Offered: qu.Offered, Precision: qu.Precision, Recall: qu.Recall, Score: qu.Score})
	}
	return out
}

// Folds splits the indices 0..n-1 into k folds: a permutation drawn from seed is dealt round-robin, so
// fold sizes differ by at most one. Each fold is sorted.
func Folds(n, k int, seed uint64) [][]int {
	perm := rand.New(rand.NewPCG(seed, 0x666f6c6473)).Perm(n) // "folds"
	folds := make([][]int, k)
	for j, i := range perm {
		folds[j%k] = append(folds[j%k], i)
	}
	for _, f := range folds {
		slices.Sort(f)
	}
	return folds
}

// complement returns the indices 0..n-1 not in the sorted fold.
func complement(n int, fold []int) []int {
	out := make([]int, 0, n-len(fold))
	k := 0
	for i := range n {
		if k < len(fold) && fold[k] == i {
			k++
			continue
		}
		out = append(out, i)
	}
	return out
}

// foldSeed derives the restarts' seed of fold f from seed.
func foldSeed(seed uint64, f int) uint64 { return seed ^ uint64(f)*0x9e3779b97f4a7c15 }

// meanSD returns the mean and the sample standard deviation of xs.
func meanSD(xs []float64) (mean, sd float64) {
	if len(xs) == 0 {
		return 0, 0
	}
	for _, x := range xs {
		mean += x
	}
	mean /= float64(len(xs))
	if len(xs) < 2 {
		return mean, 0
	}
	var ss float64
	for _, x := range xs {
		ss += (x - mean) * (x - mean)
	}
	return mean, math.Sqrt(ss / float64(len(xs)-1))
}

// tunedSuffix separates a tuned bundle's version from the hash of its parameters.
const tunedSuffix = "-tuned-"

// Bundle returns a copy of b that carries the tuned parameters, a new version — b's (without an earlier
// tuning's suffix) + "-tuned-" + the first 8 hex digits of the SHA-256 of the parameters' JSON — and the
// summary as JSON in Meta.Extra["tune"], and the decoding options the tuning used. The build time is b's, so
// equal tunings give equal files. The language and error models are shared with b.
func (r *Report) Bundle(b *model.Bundle) (*model.Bundle, error) {
	p := r.Summary.Params
	if err := p.Validate(); err != nil {
		return nil, fmt.Errorf("tune: %w", err)
	}
	pj, err := json.Marshal(p)
	if err != nil {
		return nil, fmt.Errorf("tune: encode params: %w", err)
	}
	sj, err := json.Marshal(r.Summary)
	if err != nil {
		return nil, fmt.Errorf("tune: encode summary: %w", err)
	}
	sum := sha256.Sum256(pj)
	out := *b
	out.Params = p
	if r.Decoding != (model.Decoding{}) { // a report made by Run (not by hand) has them
		out.Decoding = r.Decoding
	}
	base, _, _ := strings.Cut(b.Meta.Version, tunedSuffix)
	out.Meta.Version = base + tunedSuffix + hex.EncodeToString(sum[:4])
	out.Meta.Sources = slices.Clone(b.Meta.Sources)
	for _, f := range r.Summary.Files {
		out.Meta.Sources = append(out.Meta.Sources, "tune:"+f)
	}
	out.Meta.Extra = make(map[string]json.RawMessage, len(b.Meta.Extra)+1)
	for k, v := range b.Meta.Extra {
		out.Meta.Extra[k] = v
	}
	out.Meta.Extra["tune"] = sj
	return &out, nil
}

// FormatParams formats p as name=value pairs in the order of model.ParamNames.
func FormatParams(p model.Params) string {
	parts := make([]string, len(model.ParamNames))
	for i, name := range model.ParamNames {
		parts[i] = name + "=" + strconv.FormatFloat(*p.Ptr(name), 'g', 4, 64)
	}
	return strings.Join(parts, " ")
}
