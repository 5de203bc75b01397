package tune

import (
	"bufio"
	"encoding/xml"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// WritePlots writes two SVG charts of the report into dir (created when missing): climb.svg, the metric at
// each evaluation of the final climb and the best so far, with the restarts marked; thresholds.svg,
// precision, recall and the metric on all examples as the offer threshold's intercept moves, the other
// parameters as chosen, with the chosen intercept, the auto-correct threshold, the starting intercept and
// the auto precision target marked.
func (r *Report) WritePlots(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("tune: %w", err)
	}
	for _, c := range []*chart{r.climbChart(), r.thresholdChart()} {
		path := filepath.Join(dir, c.file)
		f, err := os.Create(path)
		if err != nil {
			return fmt.Errorf("tune: %w", err)
		}
		w := bufio.NewWriter(f)
		c.writeSVG(w)
		if err := w.Flush(); err != nil {
			f.Close()
			return fmt.Errorf("tune: write %s: %w", path, err)
		}
		if err := f.Close(); err != nil {
			return fmt.Errorf("tune: write %s: %w", path, err)
		}
	}
	return nil
}

func (r *Report) climbChart() *chart {
	s := r.Summary
	c := &chart{file: "climb.svg",
		title:  fmt.Sprintf("Climb on all %d examples: %s at each evaluation (%d restarts)", s.Examples, s.Metric, s.Restarts),
		xlabel: "evaluation", ylabel: s.Metric,
	}
	evals := line{name: "score tried (worse: on the axis)", color: "#999999", dots: true}
	best := line{name: "best so far", color: "#1f77b4", width: 2.5}
	run := 0
	for _, p := range r.Climb {
		evals.x, evals.y = append(evals.x, float64(p.Eval)), append(evals.y, p.Score)
		best.x, best.y = append(best.x, float64(p.Eval)), append(best.y, p.Best)
		if p.Run != run {
			run = p.Run
			label := ""
			if run == 1 {
				label = "random restart"
			}
			c.marks = append(c.marks, mark{at: float64(p.Eval) - 0.5, label: label, color: "#bbbbbb", dash: "4 3"})
		}
	}
	c.xmin, c.xmax = 0, float64(max(len(r.Climb), 1))
	// Show the best four fifths of the scores tried and the whole best-so-far line: points far below (a
	// restart in a desert) would squash the climb into a line; they are drawn on the axis.
	lo := slices.Clone(evals.y)
	slices.Sort(lo)
	if len(lo) > 0 {
		lo = append(lo[len(lo)/5:len(lo)/5+1], best.y[0])
	}
	c.ymin, c.ymax = bounds(append(lo, best.y...))
	for i, y := range evals.y {
		evals.y[i] = max(y, c.ymin)
	}
	c.lines = []line{evals, best}
	return c
}

func (r *Report) thresholdChart() *chart {
	s := r.Summary
	p := s.Params
	c := &chart{file: "thresholds.svg",
		title: fmt.Sprintf("Offers on all %d examples against the intercept (slope %.3g, λ %.3g, log_p_unk %.3g)",
			s.Examples, p.Slope, p.Lambda, p.LogPUnk),
		xlabel: "intercept of the threshold: offered when log_odds > slope·n_tokens + intercept",
		ylabel: "precision, recall, " + s.Metric, ymin: 0, ymax: 1,
	}
	prec := line{name: "precision", color: "#2ca02c", width: 2}
	rec := line{name: "recall", color: "#ff7f0e", width: 2}
	sc := line{name: s.Metric, color: "#1f77b4", width: 2, dash: "6 3"}
	for _, pt := range r.Sweep {
		precision := pt.Precision
		if pt.Offered == 0 {
			precision = math.NaN() // undefined: a gap
		}
		prec.x, prec.y = append(prec.x, pt.Intercept), append(prec.y, precision)
		rec.x, rec.y = append(rec.x, pt.Intercept), append(rec.y, pt.Recall)
		sc.x, sc.y = append(sc.x, pt.Intercept), append(sc.y, pt.Score)
	}
	c.lines = []line{prec, rec, sc}
	if len(r.Sweep) > 0 {
		c.xmin, c.xmax = r.Sweep[0].Intercept, r.Sweep[len(r.Sweep)-1].Intercept
	}
	c.marks = []mark{
		{at: s.Start.Intercept, label: fmt.Sprintf("intercept before: %.3g", s.Start.Intercept), color: "#7f7f7f", dash: "2 3"},
		{at: p.Intercept, label: fmt.Sprintf("offer (did you mean): %.3g", p.Intercept), color: "#d62728"},
		{at: p.AutoThreshold, label: fmt.Sprintf("auto-correct: %.3g", p.AutoThreshold), color: "#9467bd"},
		{at: s.AutoPrecision, horizontal: true, label: fmt.Sprintf("auto precision target %.3g", s.AutoPrecision),
			color: "#9467bd", dash: "2 3"},
	}
	return c
}

// bounds returns a range covering ys with a little room.
func bounds(ys []float64) (lo, hi float64) {
	lo, hi = math.Inf(1), math.Inf(-1)
	for _, y := range ys {
		if !math.IsNaN(y) {
			lo, hi = min(lo, y), max(hi, y)
		}
	}
	if lo > hi {
		return 0, 1
	}
	pad := max((hi-lo)*0.05, 0.01)
	return lo - pad, hi + pad
}

// chart is a line chart with reference lines, drawn as SVG.
type chart struct {
	file                   string
	title, xlabel, ylabel  string
	xmin, xmax, ymin, ymax float64
	lines                  []line
	marks                  []mark
}

type line struct {
	name, color string
	width       float64
	dash        string
	dots        bool // points, not a line
	x, y        []float64
}

// mark is a reference line: vertical at x = at, or horizontal at y = at.
type mark struct {
	at          float64
	horizontal  bool
	label       string
	color, dash string
}

const (
	svgW, svgH                         = 900, 480
	padLeft, padRight, padTop, padBott = 70, 250, 40, 60
)

func (c *chart) writeSVG(w io.Writer) {
	if c.xmax <= c.xmin {
		c.xmax = c.xmin + 1
	}
	if c.ymax <= c.ymin {
		c.ymax = c.ymin + 1
	}
	pw, ph := float64(svgW-padLeft-padRight), float64(svgH-padTop-padBott)
	px := func(x float64) float64 { return padLeft + (x-c.xmin)/(c.xmax-c.xmin)*pw }
	py := func(y float64) float64 { return padTop + (c.ymax-y)/(c.ymax-c.ymin)*ph }
	fmt.Fprintf(w, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif" font-size="12">`+"\n",
		svgW, svgH, svgW, svgH)
	fmt.Fprintf(w, `<rect width="%d" height="%d" fill="white"/>`+"\n", svgW, svgH)
	fmt.Fprintf(w, `<text x="%d" y="22" font-size="14" font-weight="bold">%s</text>`+"\n", padLeft, esc(c.title))
	// Grid, ticks and axes.
	xt, xstep := ticks(c.xmin, c.xmax, 8)
	for _, t := range xt {
		x := px(t)
		fmt.Fprintf(w, `<line x1="%.1f" y1="%d" x2="%.1f" y2="%.1f" stroke="#eeeeee"/>`+"\n", x, padTop, x, padTop+ph)
		fmt.Fprintf(w, `<text x="%.1f" y="%.1f" text-anchor="middle">%s</text>`+"\n", x, padTop+ph+16, tickLabel(t, xstep))
	}
	yt, ystep := ticks(c.ymin, c.ymax, 6)
	for _, t := range yt {
		y := py(t)
		fmt.Fprintf(w, `<line x1="%d" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#eeeeee"/>`+"\n", padLeft, y, padLeft+pw, y)
		fmt.Fprintf(w, `<text x="%d" y="%.1f" text-anchor="end">%s</text>`+"\n", padLeft-6, y+4, tickLabel(t, ystep))
	}
	fmt.Fprintf(w, `<rect x="%d" y="%d" width="%.1f" height="%.1f" fill="none" stroke="#333333"/>`+"\n", padLeft, padTop, pw, ph)
	fmt.Fprintf(w, `<text x="%.1f" y="%d" text-anchor="middle">%s</text>`+"\n", padLeft+pw/2, svgH-18, esc(c.xlabel))
	fmt.Fprintf(w, `<text transform="translate(18 %.1f) rotate(-90)" text-anchor="middle">%s</text>`+"\n", padTop+ph/2, esc(c.ylabel))
	// Data, clipped to the plot area.
	fmt.Fprintf(w, `<clipPath id="area"><rect x="%d" y="%d" width="%.1f" height="%.1f"/></clipPath>`+"\n", padLeft, padTop, pw, ph)
	fmt.Fprintln(w, `<g clip-path="url(#area)">`)
	for _, m := range c.marks {
		if m.horizontal {
			fmt.Fprintf(w, `<line x1="%d" y1="%.1f" x2="%.1f" y2="%.1f" %s/>`+"\n", padLeft, py(m.at), padLeft+pw, py(m.at), stroke(m.color, 1.5, m.dash))
		} else {
			fmt.Fprintf(w, `<line x1="%.1f" y1="%d" x2="%.1f" y2="%.1f" %s/>`+"\n", px(m.at), padTop, px(m.at), padTop+ph, stroke(m.color, 1.5, m.dash))
		}
	}
	for _, l := range c.lines {
		if l.dots {
			for i := range l.x {
				fmt.Fprintf(w, `<circle cx="%.1f" cy="%.1f" r="1.8" fill="%s"/>`+"\n", px(l.x[i]), py(l.y[i]), l.color)
			}
			continue
		}
		// One polyline per run of defined values: NaN leaves a gap.
		var pts strings.Builder
		flush := func() {
			if pts.Len() > 0 {
				fmt.Fprintf(w, `<polyline fill="none" points="%s" %s/>`+"\n", strings.TrimSpace(pts.String()), stroke(l.color, l.width, l.dash))
				pts.Reset()
			}
		}
		for i := range l.x {
			if math.IsNaN(l.y[i]) {
				flush()
				continue
			}
			fmt.Fprintf(&pts, "%.1f,%.1f ", px(l.x[i]), py(l.y[i]))
		}
		flush()
	}
	fmt.Fprintln(w, `</g>`)
	// Legend, right of the plot.
	lx, ly := float64(svgW-padRight+16), float64(padTop+8)
	entry := func(color string, width float64, dash string, dots bool, label string) {
		if dots {
			fmt.Fprintf(w, `<circle cx="%.1f" cy="%.1f" r="3" fill="%s"/>`+"\n", lx+12, ly, color)
		} else {
			fmt.Fprintf(w, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" %s/>`+"\n", lx, ly, lx+24, ly, stroke(color, width, dash))
		}
		fmt.Fprintf(w, `<text x="%.1f" y="%.1f">%s</text>`+"\n", lx+30, ly+4, esc(label))
		ly += 20
	}
	for _, l := range c.lines {
		entry(l.color, max(l.width, 1.5), l.dash, l.dots, l.name)
	}
	for _, m := range c.marks {
		if m.label != "" {
			entry(m.color, 1.5, m.dash, false, m.label)
		}
	}
	fmt.Fprintln(w, `</svg>`)
}

func stroke(color string, width float64, dash string) string {
	if width == 0 {
		width = 1.5
	}
	s := fmt.Sprintf(`stroke="%s" stroke-width="%.1f"`, color, width)
	if dash != "" {
		s += fmt.Sprintf(` stroke-dasharray="%s"`, dash)
	}
	return s
}

func esc(s string) string {
	var b strings.Builder
	xml.EscapeText(&b, []byte(s))
	return b.String()
}

// ticks returns round values between lo and hi, about n of them, and their step.
func ticks(lo, hi float64, n int) ([]float64, float64) {
	step := niceStep((hi - lo) / float64(n))
	var out []float64
	for k := math.Ceil(lo / step); k*step <= hi+step*1e-9; k++ {
		out = append(out, k*step+0) // +0: no "-0"
	}
	return out, step
}

// niceStep rounds raw up to 1, 2 or 5 times a power of ten.
func niceStep(raw float64) float64 {
	if raw <= 0 || math.IsNaN(raw) || math.IsInf(raw, 0) {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(raw)))
	for _, m := range []float64{1, 2, 5} {
		if raw <= m*p {
			return m * p
		}
	}
	return 10 * p
}

// tickLabel formats a tick with as many decimals as its step needs.
func tickLabel(v, step float64) string {
	dec := max(0, int(-math.Floor(math.Log10(step))))
	return strconv.FormatFloat(v, 'f', dec, 64)
}
