package tune

import (
	"context"
	"math/rand/v2"
	"slices"
)

// Dim is one coordinate of a search: a named closed range and the first step taken along it.
type Dim struct {
	Name string  `json:"name"`
	Min  float64 `json:"min"`
	Max  float64 `json:"max"`
	Step float64 `json:"step,omitempty"` // first step (0: a tenth of the range)
}

func (d Dim) step() float64 {
	if d.Step > 0 {
		return d.Step
	}
	return (d.Max - d.Min) / 10
}

// minStep is the step below which a coordinate is considered settled: a thousandth of the range.
func (d Dim) minStep() float64 { return (d.Max - d.Min) / 1000 }

func (d Dim) clamp(v float64) float64 { return min(max(v, d.Min), d.Max) }

// ClimbOptions configure Climb. The zero value works.
type ClimbOptions struct {
	Budget   int    // evaluations of the objective, all runs together (default 400)
	Restarts int    // runs from random points after the run from the start (default 3; negative: none)
	Seed     uint64 // seeds the restarts' random points
	// OnEval, when set, is called after every evaluation, from the goroutine that called Climb.
	OnEval func(Point)
}

func (o ClimbOptions) withDefaults() ClimbOptions {
	if o.Budget <= 0 {
		o.Budget = 400
	}
	if o.Restarts == 0 {
		o.Restarts = 3
	} else if o.Restarts < 0 {
		o.Restarts = 0
	}
	return o
}

// Point is one evaluation of a climb.
type Point struct {
	Eval  int     `json:"eval"`  // 1-based number of the evaluation
	Run   int     `json:"run"`   // 0 for the run from the start, i for the i-th restart
	Score float64 `json:"score"` // the objective at the point evaluated
	Best  float64 `json:"best"`  // the best score so far, all runs together
}

// Climbed is the outcome of Climb.
type Climbed struct {
	X     []float64 // the best point evaluated
	Score float64   // the objective at X
	Evals int       // evaluations made (at most the budget)
	Trace []Point   // every evaluation, in order
}

// Climb maximises f over the box dims by coordinate ascent with adaptive steps. From start (clamped into
// the box), it tries each coordinate in turn one step up and one step down (the last successful direction
// first) and moves on strict improvement; a coordinate's step doubles when it moved and halves when it did
// not, and a run ends when every step is below a thousandth of its range. On a plateau (both points as
// good as the current one) the step doubles instead, until it has spanned the range once in the run:
// objectives counted over examples are flat between the examples' thresholds. The first run starts at start;
// then Restarts runs start from points drawn uniformly in the box. Each run gets an equal share of what is
// left of the budget, so a run that settles early leaves more to the next. f is never called outside the
// box, at most Budget times, and the result is a deterministic function of f, start and the options.
// f should be cheap: Climb calls it serially. Climb stops with ctx.Err() when ctx ends.
func Climb(ctx context.Context, f func(x []float64) float64, dims []Dim, start []float64, o ClimbOptions) (Climbed, error) {
	o = o.withDefaults()
	c := &climber{ctx: ctx, f: f, dims: dims, o: o}
	rng := rand.New(rand.NewPCG(o.Seed, 0x636c696d62)) // "climb"
	runs := o.Restarts + 1
	if len(dims) == 0 {
		runs = 1 // nothing to climb: one evaluation of start
	}
	for run := 0; run < runs && c.out.Evals < o.Budget; run++ {
		x := make([]float64, len(dims))
		for j, d := range dims {
			if run == 0 {
				x[j] = d.clamp(start[j])
			} else {
				x[j] = d.Min + rng.Float64()*(d.Max-d.Min)
			}
		}
		limit := c.out.Evals + (o.Budget-c.out.Evals)/(runs-run)
		if err := c.run(x, run, limit); err != nil {
			return Climbed{}, err
		}
	}
	return c.out, nil
}

type climber struct {
	ctx  context.Context
	f    func([]float64) float64
	dims []Dim
	o    ClimbOptions
	out  Climbed
}

// eval scores x and keeps it when it is the best so far (the first of equals).
func (c *climber) eval(x []float64, run int) (float64, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	s := c.f(x)
	c.out.Evals++
	if c.out.X == nil || s > c.out.Score {
		c.out.X, c.out.Score = slices.Clone(x), s
	}
	p := Point{Eval: c.out.Evals, Run: run, Score: s, Best: c.out.Score}
	c.out.Trace = append(c.out.Trace, p)
	if c.o.OnEval != nil {
		c.o.OnEval(p)
	}
	return s, nil
}

// run climbs from x until its steps settle or the evaluation count reaches limit.
func (c *climber) run(x []float64, run, limit int) error {
	if c.out.Evals >= limit {
		return nil
	}
	fx, err := c.eval(x, run)
	if err != nil {
		return err
	}
	steps := make([]float64, len(c.dims))
	dirs := make([]float64, len(c.dims))
	wide := make([]bool, len(c.dims)) // the step has spanned the range once in this run
	for j, d := range c.dims {
		steps[j], dirs[j] = d.step(), 1
	}
	y := make([]float64, len(x))
	for {
		active := false
		for j, d := range c.dims {
			if steps[j] <= d.minStep() {
				continue
			}
			active = true
			moved, flat := false, true
			for _, dir := range []float64{dirs[j], -dirs[j]} {
				if c.out.Evals >= limit {
					return nil
				}
				copy(y, x)
				y[j] = d.clamp(x[j] + dir*steps[j])
				if y[j] == x[j] {
					continue // against a bound
				}
				fy, err := c.eval(y, run)
				if err != nil {
					return err
				}
				if fy > fx {
					copy(x, y)
					fx, dirs[j], moved = fy, dir, true
					break
				}
				flat = flat && fy == fx
			}
			switch {
			case moved || flat && !wide[j]:
				steps[j] = min(2*steps[j], d.Max-d.Min)
				wide[j] = wide[j] || steps[j] == d.Max-d.Min
			default:
				steps[j] /= 2
			}
		}
		if !active {
			return nil
		}
	}
}
