package tune

import (
	"context"
	"math"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/spellwright/speller/eval"
	"github.com/spellwright/speller/model"
	"github.com/spellwright/speller/spell"
)

// The climb needs the decision on every training example at every point it evaluates: 20,000 examples,
// 10 folds and 400 evaluations per climb make nearly 10^8 decisions, a minute of spell.Decide (about 1.3 µs
// each) on two cores. The cache below turns each example into a few numbers once.
//
// A path's score is Σ log P_LM + λ·Σ log P_err + τ·changes + Σ_unknown (u + β·z + γ·ℓ), where every transition
// into a word outside the vocabulary scores u = log P_unk plus β = unk_shape times the token's surprise z and
// γ = unk_length times its length term ℓ, and every change of a typed token τ = log_p_typo: it is linear in
// the parameters x = (λ, u, τ, β, γ) (Linear), and
// so is the log odds of a correction against the query as typed, lo(x) = a + Σ_j c_j·x_j. The corrector
// offers the best path when it is not the query as typed (some lo > 0) and its log odds exceed
// slope·n + intercept. Knowing (a, c) for each correction of an example, its decision under any parameters
// is a maximum over a few dot products: nanoseconds.
//
// The coefficients are measured through spell's public API: Decide with a long n-best list at x and at x
// moved along each parameter in turn gives the log odds of each correction it lists at six points, hence
// (a, c) exactly. When the list is complete (fewer paths than asked for, the case of nearly every query of
// one or two words) the cache decides exactly as Decide does. Otherwise the probes are repeated at the
// corners and the centre of the (λ, log_p_unk, log_p_typo) box and the cache knows the corrections that win
// there; one that wins only elsewhere is missed, an approximation. The candidates themselves were drawn and
// ranked under the starting λ and P_unk (see spell.Prepared), another. So the cache only makes the choices:
// every figure Run reports comes from the corrector itself with the parameters in question. Measured on
// 4,000 examples of the training lists at 10 random points of the ranges: the cache and Decide on the
// prepared queries disagreed on 0 of 40,000 decisions, the cache and Correct with those parameters on 0.2%.
const probeNBest = 16 // paths decoded by a probe

// Linear are the parameters the log odds are linear in, with the step of their probes.
var Linear = []struct {
	Name string
	Step float64
}{{"lambda", 0.5}, {"log_p_unk", -1}, {"log_p_typo", -1}, {"unk_shape", 0.5}, {"unk_length", 0.5}}

// nLinear is len(Linear).
const nLinear = 5

// correction is one correction of an example, as the coefficients of its log odds.
type correction struct {
	a        float64
	c        [nLinear]float64
	accepted bool // an accepted answer of the example
	verdict  spell.Verdict
}

// entry is an example ready for tuning.
type entry struct {
	n        int  // typed tokens
	correct  bool // the query is already correct
	refused  bool // the corrector refused the query (left as typed, as eval.Run counts it)
	from, to int  // its corrections: tuner.corr[from:to]
}

// reading is the best correction of an example under fixed λ and log P_unk: enough to decide the example
// under any thresholds.
type reading struct {
	logOdds  float64       // −Inf when the query as typed is the best path
	accepted bool          // the best correction is an accepted answer
	verdict  spell.Verdict // what the shoppers' answers say of it (the model's feedback table)
}

// tuner holds the examples, prepared and cached.
type tuner struct {
	c       *spell.Corrector
	ex      []eval.Example
	entries []entry
	corr    []correction
	workers int
	refused int // examples the corrector refused (never corrected)
}

// newTuner prepares every example once, in parallel. progress, when not nil, is called with the number of
// examples done, serially.
func newTuner(ctx context.Context, b *model.Bundle, ex []eval.Example, so spell.Options, workers int, progress func(done int)) (*tuner, error) {
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	so.NBest = max(so.NBest, probeNBest)
	t := &tuner{c: spell.New(b, so), ex: ex, entries: make([]entry, len(ex)), workers: workers}
	if err := t.c.WaitNeighbours(ctx); err != nil { // when so asks for the table, draw with it from the start
		return nil, err
	}
	corrs := make([][]correction, len(ex))
	var (
		next, done atomic.Int64
		mu         sync.Mutex
	)
	const chunk = 64
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for {
				lo := int(next.Add(chunk)) - chunk
				if lo >= len(ex) || ctx.Err() != nil {
					return
				}
				hi := min(lo+chunk, len(ex))
				for i := lo; i < hi; i++ {
					corrs[i] = t.prepare(ctx, i)
				}
				d := int(done.Add(int64(hi - lo)))
				if progress != nil {
					mu.Lock()
					progress(d)
					mu.Unlock()
				}
			}
		})
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	for i, cs := range corrs {
		e := &t.entries[i]
		e.from = len(t.corr)
		t.corr = append(t.corr, cs...)
		e.to = len(t.corr)
		if e.refused {
			t.refused++
		}
	}
	return t, nil
}

// linear returns the values of the Linear parameters in p.
func linear(p model.Params) [nLinear]float64 {
	var x [nLinear]float64
	for j, l := range Linear {
		x[j] = *p.Ptr(l.Name)
	}
	return x
}

// prepare prepares example i and measures the coefficients of its corrections.
func (t *tuner) prepare(ctx context.Context, i int) []correction {
	ex := t.ex[i]
	e := &t.entries[i]
	e.correct = ex.Correct
	p, err := t.c.Prepare(ctx, ex.Typed)
	if err != nil {
		e.refused = true
		return nil
	}
	start := t.c.Params()
	probes := [][nLinear]float64{linear(start)}
	var out []correction
	var texts []string
	for i := 0; i < len(probes); i++ {
		x := probes[i]
		r0 := t.probe(p, ex.Typed, x)
		e.n = int(math.Round(r0.Threshold)) // the probe's slope is 1 and intercept 0
		var moved [nLinear]*spell.Result
		for j, l := range Linear {
			xj := x
			xj[j] += l.Step
			moved[j] = t.probe(p, ex.Typed, xj)
		}
	alts:
		for _, alt := range r0.Alternatives {
			if contains(texts, alt.Text) {
				continue
			}
			c := correction{a: alt.LogOdds, accepted: ex.Accepts(alt.Text), verdict: alt.Verdict}
			for j, l := range Linear {
				lo, ok := logOdds(moved[j], alt.Text)
				if !ok {
					continue alts
				}
				c.c[j] = (lo - alt.LogOdds) / l.Step
				c.a -= c.c[j] * x[j]
			}
			if !finite(c.a) || !finite(c.c[:]...) {
				continue
			}
			texts = append(texts, alt.Text)
			out = append(out, c)
		}
		if i == 0 && len(r0.Alternatives) >= probeNBest-1 { // the list may be cut: probe the box
			l, u, c := rangeOf("lambda"), rangeOf("log_p_unk"), rangeOf("log_p_typo")
			at := func(lv, uv, cv float64) [nLinear]float64 {
				y := x
				y[0], y[1], y[2] = lv, uv, cv
				return y
			}
			for _, lv := range []float64{l.Min, l.Max} {
				for _, uv := range []float64{u.Min, u.Max} {
					for _, cv := range []float64{c.Min, c.Max} {
						probes = append(probes, at(lv, uv, cv))
					}
				}
			}
			probes = append(probes, at((l.Min+l.Max)/2, (u.Min+u.Max)/2, (c.Min+c.Max)/2))
		}
	}
	return out
}

func finite(v ...float64) bool {
	for _, x := range v {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return false
		}
	}
	return true
}

// probe decodes p with the Linear parameters at x, the others as the corrector's, with the threshold
// slope·n + intercept = n.
func (t *tuner) probe(p *spell.Prepared, query string, x [nLinear]float64) *spell.Result {
	params := t.c.Params()
	for j, l := range Linear {
		*params.Ptr(l.Name) = x[j]
	}
	params.Slope, params.Intercept, params.AutoThreshold = 1, 0, 0
	return t.c.Decide(p, params, spell.Request{Query: query, MaxAlternatives: probeNBest})
}

func logOdds(r *spell.Result, text string) (float64, bool) {
	for _, a := range r.Alternatives {
		if a.Text == text {
			return a.LogOdds, true
		}
	}
	return 0, false
}

func contains(s []string, x string) bool {
	for _, y := range s {
		if y == x {
			return true
		}
	}
	return false
}

// estimate returns the reading of example i under p's Linear parameters from the cache.
func (t *tuner) estimate(i int, p model.Params) reading {
	x := linear(p)
	e := &t.entries[i]
	r := reading{logOdds: math.Inf(-1)}
	best := 0.0 // the query as typed; it wins ties, as in the decoder
	for _, c := range t.corr[e.from:e.to] {
		lo := c.a
		for j := range c.c {
			lo += c.c[j] * x[j]
		}
		if lo > best {
			best, r = lo, reading{logOdds: lo, accepted: c.accepted, verdict: c.verdict}
		}
	}
	return r
}

// decode returns the readings of examples idx under p, corrected as a corrector with p corrects them
// (candidates drawn anew, ranked with p's λ and P_unk), in parallel.
func (t *tuner) decode(ctx context.Context, p model.Params, idx []int) ([]reading, error) {
	c := t.c.WithParams(p)
	out := make([]reading, len(idx))
	t.shard(len(idx), func(_, lo, hi int) {
		for k := lo; k < hi && ctx.Err() == nil; k++ {
			ex := t.ex[idx[k]]
			out[k] = reading{logOdds: math.Inf(-1)}
			r, err := c.Correct(ctx, spell.Request{Query: ex.Typed})
			if err == nil && r.BestPath != ex.Typed && len(r.Alternatives) > 0 {
				out[k] = reading{logOdds: r.LogOdds, accepted: ex.Accepts(r.Alternatives[0].Text), verdict: r.Alternatives[0].Verdict}
			}
		}
	})
	return out, ctx.Err()
}

// estimateTally counts the decisions on examples idx under p, from the cache.
func (t *tuner) estimateTally(p model.Params, idx []int) tally {
	parts := make([]tally, t.workers)
	t.shard(len(idx), func(w, lo, hi int) {
		var tl tally
		for _, i := range idx[lo:hi] {
			tl.add(&t.entries[i], t.estimate(i, p), p)
		}
		parts[w] = tl
	})
	var tl tally
	for _, p := range parts {
		tl.merge(p)
	}
	return tl
}

// readingTally counts the decisions on examples idx (readings rs) under p's thresholds.
func (t *tuner) readingTally(p model.Params, idx []int, rs []reading) tally {
	var tl tally
	for k, i := range idx {
		tl.add(&t.entries[i], rs[k], p)
	}
	return tl
}

// shard splits [0, n) into t.workers consecutive ranges and calls fn(worker, lo, hi) on each, in parallel;
// small n runs in the calling goroutine.
func (t *tuner) shard(n int, fn func(w, lo, hi int)) {
	const minShard = 1024
	w := min(t.workers, max(1, n/minShard))
	if w == 1 {
		fn(0, 0, n)
		return
	}
	var wg sync.WaitGroup
	for k := 1; k < w; k++ {
		wg.Go(func() { fn(k, k*n/w, (k+1)*n/w) })
	}
	fn(0, 0, n/w)
	wg.Wait()
}

// tally counts decisions on a set of examples.
type tally struct {
	n, needs, offered, right, wrongOnCorrect, accepted, auto, autoRight int
}

// add counts the decision on e (best correction r) under p.
func (t *tally) add(e *entry, r reading, p model.Params) {
	t.n++
	if !e.correct {
		t.needs++
	}
	action := spell.Adjust(spell.ActionFor(p, e.n, r.logOdds, math.IsInf(r.logOdds, -1), false), r.verdict, false)
	if action == spell.None {
		if e.correct {
			t.accepted++
		}
		return
	}
	t.offered++
	if r.accepted {
		t.accepted++
	}
	right := !e.correct && r.accepted
	switch {
	case e.correct:
		t.wrongOnCorrect++
	case right:
		t.right++
	}
	if action == spell.AutoCorrect {
		t.auto++
		if right {
			t.autoRight++
		}
	}
}

func (t *tally) merge(o tally) {
	t.n += o.n
	t.needs += o.needs
	t.offered += o.offered
	t.right += o.right
	t.wrongOnCorrect += o.wrongOnCorrect
	t.accepted += o.accepted
	t.auto += o.auto
	t.autoRight += o.autoRight
}

// quality turns the counts into rates, defined as eval.Score defines them (which would need an Outcome per
// example, too slow for the climb; a test checks that the two agree).
func (t tally) quality(m Metric) Quality {
	q := Quality{N: t.n, NeedsCorrection: t.needs, Offered: t.offered, CorrectOffered: t.right,
		FalseCorrections: t.wrongOnCorrect, AutoCorrected: t.auto,
		Precision: ratio(t.right, t.offered), Recall: ratio(t.right, t.needs), Accuracy: ratio(t.accepted, t.n),
		AutoPrecision: ratio(t.autoRight, t.auto), FalseRate: ratio(t.wrongOnCorrect, t.n-t.needs)}
	q.F1 = eval.FScore(q.Precision, q.Recall, 1)
	q.Score = m.Of(q)
	return q
}

func ratio(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}
