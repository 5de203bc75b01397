package tune

import (
	"context"
	"errors"
	"math"
	"slices"
	"testing"
)

var box = []Dim{{Name: "a", Min: 0.3, Max: 3}, {Name: "b", Min: -5, Max: 15}, {Name: "c", Min: -40, Max: -10}}

// bowl is a smooth function with its maximum, 0, at opt.
func bowl(opt ...float64) func([]float64) float64 {
	return func(x []float64) float64 {
		s := 0.0
		for j := range x {
			d := (x[j] - opt[j]) / (box[j].Max - box[j].Min)
			s -= d * d
		}
		return s
	}
}

func TestClimbFindsOptimum(t *testing.T) {
	for _, tc := range []struct {
		name  string
		f     func([]float64) float64
		start []float64
		want  []float64 // the maximiser within the box
	}{
		{"inside", bowl(1.7, 4, -22), []float64{1, 1.5, -24}, []float64{1.7, 4, -22}},
		{"far from start", bowl(2.9, 14, -11), []float64{0.3, -5, -40}, []float64{2.9, 14, -11}},
		{"beyond the box", bowl(5, 20, -50), []float64{1, 1.5, -24}, []float64{3, 15, -40}},
		{"start outside", bowl(1, 0, -30), []float64{-10, 100, 0}, []float64{1, 0, -30}},
		{"tilted ridge", func(x []float64) float64 {
			u, v := x[0]/2.7+x[1]/20, x[0]/2.7-x[1]/20
			return -math.Pow(u-0.8, 2) - 10*math.Pow(v+0.1, 2) - math.Pow((x[2]+25)/30, 2)
		}, []float64{1, 1.5, -24}, []float64{(0.8 - 0.1) / 2 * 2.7, (0.8 + 0.1) / 2 * 20, -25}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			calls := 0
			f := func(x []float64) float64 {
				calls++
				for j, d := range box {
					if x[j] < d.Min || x[j] > d.Max {
						t.Fatalf("evaluated outside the box: %v", x)
					}
				}
				return tc.f(x)
			}
			c, err := Climb(context.Background(), f, box, tc.start, ClimbOptions{Seed: 1})
			if err != nil {
				t.Fatal(err)
			}
			if calls != c.Evals || calls > 400 || len(c.Trace) != calls {
				t.Errorf("%d calls, Evals %d, trace %d, budget 400", calls, c.Evals, len(c.Trace))
			}
			for j, d := range box {
				if tol := (d.Max - d.Min) / 100; math.Abs(c.X[j]-tc.want[j]) > tol {
					t.Errorf("%s = %.4f, want %.4f ± %.4f (score %.6f, %d evals)", d.Name, c.X[j], tc.want[j], tol, c.Score, c.Evals)
				}
			}
			if c.Score != tc.f(c.X) {
				t.Errorf("Score %v is not f(X) %v", c.Score, tc.f(c.X))
			}
		})
	}
}

func TestClimbBudget(t *testing.T) {
	// A staircase keeps rewarding moves, so the climb never settles before the budget ends.
	f := func(x []float64) float64 { return math.Floor(x[0]*1e6) + math.Floor(x[1]*1e6) }
	for _, budget := range []int{1, 2, 7, 50, 333} {
		for _, restarts := range []int{-1, 1, 5} {
			calls := 0
			c, err := Climb(context.Background(), func(x []float64) float64 { calls++; return f(x) }, box[:2],
				[]float64{1, 1}, ClimbOptions{Budget: budget, Restarts: restarts})
			if err != nil {
				t.Fatal(err)
			}
			if calls > budget || c.Evals != calls {
				t.Errorf("budget %d, restarts %d: %d calls, Evals %d", budget, restarts, calls, c.Evals)
			}
			for i, p := range c.Trace {
				if p.Eval != i+1 || (i > 0 && p.Best < c.Trace[i-1].Best) || p.Best < p.Score {
					t.Fatalf("budget %d: trace[%d] = %+v", budget, i, p)
				}
			}
		}
	}
}

func TestClimbDeterministic(t *testing.T) {
	// Two peaks, the higher one away from the start: only restarts find it.
	f := func(x []float64) float64 {
		return math.Max(-math.Pow(x[0]-1, 2)-math.Pow((x[1]-10)/10, 2), 0.5-math.Pow(x[0]-2.5, 2)*0.3-math.Pow((x[1]+3)/15, 2))
	}
	run := func(seed uint64) Climbed {
		c, err := Climb(context.Background(), f, box[:2], []float64{1, 1.5}, ClimbOptions{Seed: seed, Budget: 200})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	a, b, other := run(42), run(42), run(43)
	if !slices.Equal(a.X, b.X) || !slices.Equal(a.Trace, b.Trace) {
		t.Fatal("two climbs with the same seed differ")
	}
	if slices.Equal(a.Trace, other.Trace) {
		t.Error("the seed does not change the restarts")
	}
	if math.Abs(a.X[0]-2.5) > 0.05 || math.Abs(a.X[1]+3) > 0.2 {
		t.Errorf("missed the higher peak (2.5, -3): %v", a.X)
	}
}

func TestClimbCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	calls := 0
	f := func(x []float64) float64 {
		if calls++; calls == 10 {
			cancel()
		}
		return -x[0] * x[0]
	}
	if _, err := Climb(ctx, f, box[:1], []float64{1}, ClimbOptions{}); !errors.Is(err, context.Canceled) || calls != 10 {
		t.Fatalf("err %v after %d calls, want context.Canceled after 10", err, calls)
	}
}
