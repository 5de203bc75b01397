package tune

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/spellwright/speller/eval"
	"github.com/spellwright/speller/internal/testmodel"
	"github.com/spellwright/speller/model"
	"github.com/spellwright/speller/spell"
)

func TestFolds(t *testing.T) {
	for _, tc := range []struct{ n, k int }{{10, 10}, {11, 10}, {100, 3}, {7, 2}, {20000, 10}} {
		t.Run(fmt.Sprintf("%d/%d", tc.n, tc.k), func(t *testing.T) {
			folds := Folds(tc.n, tc.k, 1)
			if len(folds) != tc.k {
				t.Fatalf("%d folds", len(folds))
			}
			seen := make([]bool, tc.n)
			for _, f := range folds {
				if len(f) < tc.n/tc.k || len(f) > (tc.n+tc.k-1)/tc.k {
					t.Errorf("fold of %d", len(f))
				}
				if !slices.IsSorted(f) {
					t.Errorf("fold not sorted")
				}
				for _, i := range f {
					if seen[i] {
						t.Fatalf("%d in two folds", i)
					}
					seen[i] = true
				}
				if c := complement(tc.n, f); len(c)+len(f) != tc.n || slices.ContainsFunc(c, func(i int) bool { _, in := slices.BinarySearch(f, i); return in }) {
					t.Errorf("complement of a fold is wrong")
				}
			}
			if slices.Contains(seen, false) {
				t.Fatal("folds do not cover every example")
			}
			if !reflect.DeepEqual(folds, Folds(tc.n, tc.k, 1)) {
				t.Fatal("same seed, different folds")
			}
			if tc.n > tc.k && reflect.DeepEqual(folds, Folds(tc.n, tc.k, 2)) {
				t.Error("the seed does not change the folds")
			}
		})
	}
}

func TestParseMetric(t *testing.T) {
	q := Quality{Precision: 0.5, Recall: 1, Accuracy: 0.3}
	for _, tc := range []struct {
		name string
		want float64
	}{{"", 1.25 * 0.5 / 1.125}, {"f1", 2.0 / 3}, {"F0.5", 1.25 * 0.5 / 1.125}, {"f2", 5 * 0.5 / 3}, {"accuracy", 0.3}, {"f3", -1}} {
		m, err := ParseMetric(tc.name)
		if tc.want < 0 {
			if !errors.Is(err, ErrMetric) {
				t.Errorf("%q: err %v, want ErrMetric", tc.name, err)
			}
			continue
		}
		if err != nil || math.Abs(m.Of(q)-tc.want) > 1e-12 {
			t.Errorf("%q: %v %v, want %v", tc.name, m.Of(q), err, tc.want)
		}
	}
}

func TestAutoThreshold(t *testing.T) {
	// margins of the corrections offered, + right, - wrong, best first
	offers := func(spec string) ([]entry, []reading) {
		var es []entry
		var rs []reading
		for _, f := range strings.Fields(spec) {
			var m float64
			fmt.Sscan(f[1:], &m)
			es = append(es, entry{n: 1})
			rs = append(rs, reading{logOdds: m + 0.5, accepted: f[0] == '+'})
		}
		return es, rs
	}
	rep := func(s string, n int) string { return strings.Repeat(s+" ", n) }
	p := model.Params{Slope: 0.5, Intercept: 1}
	for _, tc := range []struct {
		name   string
		spec   string
		target float64
		want   float64
	}{
		{"none offered", "", 0.95, 1},
		{"all right", rep("+20", 10) + rep("+10", 30), 0.95, 1},
		{"wrong below", rep("+20", 25) + rep("-5", 10), 0.95, 5},
		{"few right on top", rep("+30", 5) + rep("-20", 5) + rep("-5", 30), 0.95, 30},
		{"target reached lower", rep("+20", 20) + rep("-15", 2) + rep("+10", 20), 0.95, 1},
		{"target missed lower", rep("+20", 20) + rep("-15", 3) + rep("+10", 20), 0.95, 15},
		{"lower target", rep("+20", 20) + rep("-15", 3) + rep("+10", 20) + rep("-2", 10), 0.75, 1},
		{"capped", rep("-50", 30), 0.95, 40},
		{"nothing below the intercept", rep("+20", 30) + rep("-0.5", 30), 0.95, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			es, rs := offers(tc.spec)
			tu := &tuner{entries: es}
			idx := make([]int, len(es))
			for i := range idx {
				idx[i] = i
			}
			if got := tu.autoThreshold(idx, rs, p, tc.target); got != tc.want {
				t.Errorf("auto threshold %v, want %v", got, tc.want)
			}
		})
	}
}

// fixtureRows returns labelled rows over the fixture model's vocabulary: misspellings of its words (an
// inner letter dropped, two inner letters swapped), alone and in two-word queries, each with its correction
// (wanted) or marked correct (unwanted: they are then brands, names, rare words), plus, when unwanted, the
// vocabulary's words and phrases themselves.
func fixtureRows(wanted bool) string {
	var rows []string
	seen := make(map[string]bool)
	add := func(typed, want string) {
		if !seen[typed] {
			seen[typed] = true
			rows = append(rows, typed+"\t"+want)
		}
	}
	for _, sentence := range strings.Split(strings.ReplaceAll(testmodel.Corpus, "\n", " "), ".") {
		words := strings.Fields(sentence)
		for i, w := range words {
			if len(w) < 4 {
				continue
			}
			typos := []string{w[:1] + w[2:], w[:1] + w[2:3] + w[1:2] + w[3:]}
			for _, typo := range typos {
				if typo == w {
					continue
				}
				q, want := typo, w
				if i > 0 {
					q, want = words[i-1]+" "+typo, words[i-1]+" "+w
				}
				if wanted {
					add(typo, w)
					add(q, want)
				} else {
					add(typo, "_")
					add(q, "_")
					add(w, "_")
					add(want, "_")
				}
			}
		}
	}
	return strings.Join(rows, "\n") + "\n"
}

// typoRows returns labelled rows over the vocabulary of b: n misspellings (one to three random edits of
// frequent words of five letters or more, none a word of the vocabulary), with their correction when
// wanted; otherwise the misspellings marked correct (unknown words: brands, names), frequent words and
// rare words of the vocabulary, all marked correct.
func typoRows(b *model.Bundle, n int, wanted bool) string {
	lm := b.LM
	ids := make([]uint32, 0, lm.Len())
	for id := range uint32(lm.Len()) {
		if w := lm.Word(id); len(w) >= 5 && letters(w) {
			ids = append(ids, id)
		}
	}
	slices.SortStableFunc(ids, func(a, b uint32) int { return cmp.Compare(lm.Count(b), lm.Count(a)) })
	r := rand.New(rand.NewPCG(3, 3))
	seen := make(map[string]bool)
	var rows []string
	for _, id := range ids {
		if len(rows) >= n {
			break
		}
		w := []byte(lm.Word(id))
		for range 1 + r.IntN(3) {
			i := 1 + r.IntN(len(w)-1)
			c := byte('a' + r.IntN(26))
			switch r.IntN(4) {
			case 0:
				w = slices.Delete(w, i, i+1)
			case 1:
				w = slices.Insert(w, i, c)
			case 2:
				w[i] = c
			default:
				w[i-1], w[i] = w[i], w[i-1]
			}
		}
		typo := string(w)
		if _, known := lm.ID(typo); known || seen[typo] {
			continue
		}
		seen[typo] = true
		if wanted {
			rows = append(rows, typo+"\t"+lm.Word(id))
		} else {
			rows = append(rows, typo+"\t_", lm.Word(id)+"\t_", lm.Word(ids[len(ids)-1-len(rows)])+"\t_")
		}
	}
	return strings.Join(rows, "\n") + "\n"
}

func readRows(t testing.TB, rows string) []eval.Example {
	t.Helper()
	ex, err := eval.Read(strings.NewReader(rows))
	if err != nil {
		t.Fatal(err)
	}
	return ex
}

// TestThresholdsFollowData tunes the default model on misspellings whose corrections are all wanted, and
// on unknown, rare and frequent words that must all be left alone. The thresholds are compared with λ,
// P_unk and unk_shape fixed: they scale the log odds, and a free climb may trade a lower λ for a higher intercept (on the
// misspellings it does: λ 0.33, intercept 9). Tuned freely, it must still get more corrections right where
// they are wanted and offer fewer where they are not.
func TestThresholdsFollowData(t *testing.T) {
	b := defaultModel(t)
	def := b.Params
	for _, tc := range []struct {
		name   string
		wanted bool
		metric string // F1 is 0 wherever nothing needs a correction: accuracy guides the climb there
		fixed  []string
	}{
		{"always wanted, thresholds", true, "f1", []string{"lambda", "log_p_unk", "unk_shape"}},
		{"always wanted", true, "f1", nil},
		{"never wanted, thresholds", false, "accuracy", []string{"lambda", "log_p_unk", "unk_shape"}},
		{"never wanted", false, "accuracy", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ex := readRows(t, typoRows(b, 300, tc.wanted))
			rep, err := Run(context.Background(), b, ex, Options{Folds: 3, Seed: 1, Metric: tc.metric, Budget: 200, Fixed: tc.fixed})
			if err != nil {
				t.Fatal(err)
			}
			s := rep.Summary
			p := s.Params
			t.Logf("%d examples: %s → %s; %s %.3f → %.3f (cross-validated %.3f → %.3f)", len(ex), FormatParams(def),
				FormatParams(p), s.Metric, s.Before.Score, s.After.Score, s.MeanBefore, s.Mean)
			if s.After.Score < s.Before.Score || s.Mean < s.MeanBefore {
				t.Errorf("tuning made %s worse", s.Metric)
			}
			if p.AutoThreshold < p.Intercept || p.Validate() != nil {
				t.Errorf("invalid parameters %+v", p)
			}
			// Where corrections are wanted, more of them are right (the climb may also offer fewer wrong
			// ones); where they are not, fewer are offered.
			if tc.wanted && s.After.CorrectOffered <= s.Before.CorrectOffered || !tc.wanted && s.After.Offered >= s.Before.Offered {
				t.Errorf("offered %d → %d, right %d → %d", s.Before.Offered, s.After.Offered, s.Before.CorrectOffered,
					s.After.CorrectOffered)
			}
			if tc.fixed == nil {
				return
			}
			if p.Lambda != def.Lambda || p.LogPUnk != def.LogPUnk {
				t.Errorf("fixed parameters moved: %s", FormatParams(p))
			}
			// One token per query, one change: a correction is offered when its log odds without the change
			// prior pass slope + intercept − log_p_typo.
			if thr, was := p.Slope+p.Intercept-p.LogPTypo, def.Slope+def.Intercept-def.LogPTypo; tc.wanted && !(thr < was) ||
				!tc.wanted && !(thr > was) {
				t.Errorf("threshold of one change %.3f (default %.3f): %s", thr, was, FormatParams(p))
			}
		})
	}
}

// TestCacheMatchesDecide checks the cached coefficients against Decide on the prepared queries, and the
// counts against eval.Score, at random points of the ranges.
func TestCacheMatchesDecide(t *testing.T) {
	b := testmodel.Build(t, "x")
	ex := readRows(t, fixtureRows(true)+fixtureRows(false)+"the quick brown fox jumps over the lazy dgo\tdog\n")
	tu, err := newTuner(context.Background(), b, ex, spell.Options{}, 2, nil)
	if err != nil {
		t.Fatal(err)
	}
	c := spell.New(b, spell.Options{})
	prepared := make([]*spell.Prepared, len(ex))
	all := make([]int, len(ex))
	for i, e := range ex {
		all[i] = i
		if prepared[i], err = c.Prepare(context.Background(), e.Typed); err != nil {
			t.Fatal(err)
		}
	}
	r := rand.New(rand.NewPCG(1, 1))
	for range 30 {
		p := model.Params{}
		for _, d := range Ranges {
			*p.Ptr(d.Name) = d.Min + r.Float64()*(d.Max-d.Min)
		}
		p.AutoThreshold = p.Intercept + r.Float64()*10
		p.Slope = r.Float64() - 0.5 // the tuner sets 0; the rule takes any
		outcomes := make([]eval.Outcome, len(ex))
		var tl tally
		for i, e := range ex {
			res := c.Decide(prepared[i], p, spell.Request{Query: e.Typed})
			est := tu.estimate(i, p)
			tl.add(&tu.entries[i], est, p)
			offered := res.Action != spell.None
			// The tuner predicts the corrector's action with the corrector's own rule (spell.ActionFor).
			estAction := spell.ActionFor(p, tu.entries[i].n, est.logOdds, math.IsInf(est.logOdds, -1), false)
			if res.Action != estAction ||
				offered && (est.accepted != e.Accepts(res.Correction) || math.Abs(est.logOdds-res.LogOdds) > 1e-6) {
				t.Fatalf("%q under %s: Decide %s %q %.6f, cache %s %.6f", e.Typed, FormatParams(p),
					res.Action, res.Correction, res.LogOdds, estAction, est.logOdds)
			}
			outcomes[i] = eval.Outcome{Offered: offered, Output: e.Typed, BestPath: res.BestPath}
			if offered {
				outcomes[i].Output = res.Correction
			}
		}
		want := eval.Score(ex, outcomes, nil)
		got := tl.quality(Metrics[0])
		if got.Precision != want.Precision || got.Recall != want.Recall || got.F1 != want.F1 ||
			got.Accuracy != want.Accuracy || got.FalseCorrections != want.FalseCorrections || got.Offered != want.Offered {
			t.Fatalf("under %s: tally %+v, eval.Score %+v", FormatParams(p), got, want)
		}
		if par := tu.estimateTally(p, all); par != tl {
			t.Fatalf("parallel tally %+v, serial %+v", par, tl)
		}
	}
}

// TestRunBundle tunes the fixture model, writes the tuned bundle, reads it back and checks what it carries
// (the decoding options it was tuned with among them); a second run with the same seed gives the same bytes.
func TestRunBundle(t *testing.T) {
	b := testmodel.Build(t, "x")
	ex := readRows(t, fixtureRows(true)+strings.Join([]string{"red dress\t_", "gold\t_", "jewelry box\t_", "dres\tdress",
		"flower girl baskt\tflower girl basket", "nike\t_", "zara\t_"}, "\n"))
	dir := t.TempDir()
	var files [2][]byte
	for k := range files {
		rep, err := Run(context.Background(), b, ex, Options{Folds: 4, Seed: 5, Budget: 120, Workers: 1 + k,
			Spell: spell.Options{Beam: 10}})
		if err != nil {
			t.Fatal(err)
		}
		rep.Summary.Files = []string{"labelled.tsv"}
		tuned, err := rep.Bundle(b)
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		if _, err := tuned.WriteTo(&buf); err != nil {
			t.Fatal(err)
		}
		files[k] = buf.Bytes()
		if k == 1 {
			if err := rep.WritePlots(dir); err != nil {
				t.Fatal(err)
			}
		}
	}
	if !bytes.Equal(files[0], files[1]) {
		t.Fatal("two runs with the same seed (and 1 and 2 workers) write different bundles")
	}
	got, err := model.Read(bytes.NewReader(files[0]))
	if err != nil {
		t.Fatal(err)
	}
	var s Summary
	if err := json.Unmarshal(got.Meta.Extra["tune"], &s); err != nil {
		t.Fatalf("summary: %v", err)
	}
	if got.Params != s.Params || s.Start != b.Params || len(s.FoldScores) != 4 || s.Examples != len(ex) ||
		s.Metric != "f0.5" || s.Seed != 5 || s.Budget != 120 || s.Evals == 0 {
		t.Errorf("params %+v, summary %+v", got.Params, s)
	}
	if !strings.HasPrefix(got.Meta.Version, b.Meta.Version+"-tuned-") || len(got.Meta.Version) != len(b.Meta.Version)+15 ||
		!slices.Contains(got.Meta.Sources, "tune:labelled.tsv") || got.LM.Len() != b.LM.Len() {
		t.Errorf("meta %+v", got.Meta)
	}
	wantDecoding := b.Decoding
	wantDecoding.Beam = 10
	if got.Decoding != wantDecoding {
		t.Errorf("decoding %+v, want the bundle's with the tuner's beam: %+v", got.Decoding, wantDecoding)
	}
	// Tuning a tuned model again replaces the suffix.
	again, err := (&Report{Summary: s}).Bundle(got)
	if err != nil || again.Meta.Version != got.Meta.Version {
		t.Errorf("retuned version %q, want %q (%v)", again.Meta.Version, got.Meta.Version, err)
	}
	for name, wants := range map[string][]string{
		"climb.svg":      {"<polyline", "best so far", "random restart", ">evaluation<"},
		"thresholds.svg": {"<polyline", ">precision<", ">recall<", "auto-correct: ", "offer (did you mean): "},
	} {
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		d := xml.NewDecoder(bytes.NewReader(data))
		for {
			if _, err := d.Token(); err == io.EOF {
				break
			} else if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
		}
		for _, want := range wants {
			if !bytes.Contains(data, []byte(want)) {
				t.Errorf("%s lacks %q", name, want)
			}
		}
	}
}

func TestRunErrors(t *testing.T) {
	b := testmodel.Build(t, "x")
	ex := readRows(t, "dres\tdress\ngold\t_\nsilvr\tsilver\n")
	for _, tc := range []struct {
		name string
		o    Options
		want string
	}{
		{"one fold", Options{Folds: 1}, "at least 2"},
		{"more folds than examples", Options{Folds: 4}, "3 examples for 4 folds"},
		{"metric", Options{Folds: 2, Metric: "f9"}, "unknown metric"},
		{"auto precision", Options{Folds: 2, AutoPrecision: 1.5}, "auto precision"},
	} {
		if _, err := Run(context.Background(), b, ex, tc.o); err == nil || !strings.Contains(err.Error(), tc.want) ||
			!strings.HasPrefix(err.Error(), "tune: ") {
			t.Errorf("%s: err %v, want %q", tc.name, err, tc.want)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Run(ctx, b, ex, Options{Folds: 2}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: err %v", err)
	}
}

// TestTuneTrainingData tunes the default model on labelled examples made from the training misspelling
// lists (not the evaluation sets): the metric tuned (F0.5) must rise on the examples tuned on, and not fall on
// held-out folds beyond noise (the default parameters are close to the optimum: the gain held out is small).
func TestTuneTrainingData(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	ex := trainingExamples(t, 2000, 2000)
	rep, err := Run(context.Background(), defaultModel(t), ex, Options{Folds: 5, Seed: 1, Budget: 200})
	if err != nil {
		t.Fatal(err)
	}
	s := rep.Summary
	t.Logf("%s cross-validated %.4f ± %.4f → %.4f ± %.4f; on all %.4f → %.4f (F1 %.4f → %.4f); %s", s.Metric,
		s.MeanBefore, s.SDBefore, s.Mean, s.SD, s.Before.Score, s.After.Score, s.Before.F1, s.After.F1,
		FormatParams(s.Params))
	if s.After.Score <= s.Before.Score || s.Mean < s.MeanBefore-0.005 {
		t.Errorf("tuning did not raise %s", s.Metric)
	}
}

func ExampleFolds() {
	for _, f := range Folds(10, 3, 1) {
		fmt.Println(len(f))
	}
	// Output:
	// 4
	// 3
	// 3
}

// TestTallyFeedback: the tuner counts the decision the corrector makes, feedback included: a correction of a
// correct query that the shoppers keep refusing is not a false correction.
func TestTallyFeedback(t *testing.T) {
	p := model.Params{Intercept: 1, AutoThreshold: 10}
	e := &entry{n: 1, correct: true}
	var plain, refused tally
	plain.add(e, reading{logOdds: 50}, p)
	refused.add(e, reading{logOdds: 50, verdict: spell.VerdictOf(model.FeedbackCount{AutoCorrect: 10, Rejected: 8})}, p)
	if plain.wrongOnCorrect != 1 || plain.auto != 1 || refused.wrongOnCorrect != 0 || refused.offered != 0 || refused.accepted != 1 {
		t.Fatalf("without feedback %+v, refused %+v", plain, refused)
	}
}

// TestHeldOut: the cross-validated quality is what the corrector itself does when each example is decided with
// the parameters tuned without its fold (pooled over the folds, scored by eval.Score), not the quality on the
// examples the final parameters were chosen on.
func TestHeldOut(t *testing.T) {
	b := testmodel.Build(t, "x")
	ex := readRows(t, fixtureRows(true)+fixtureRows(false)+strings.Join([]string{"red dress\t_", "gold\t_",
		"jewelry box\t_", "dres\tdress", "flower girl baskt\tflower girl basket", "nike\t_", "zara\t_"}, "\n"))
	o := Options{Folds: 4, Seed: 3, Budget: 80, Workers: 2}
	rep, err := Run(context.Background(), b, ex, o)
	if err != nil {
		t.Fatal(err)
	}
	s := rep.Summary
	c := spell.New(b, spell.Options{})
	var pooled []eval.Example
	var outcomes []eval.Outcome
	for f, test := range Folds(len(ex), o.Folds, o.Seed) {
		fc := c.WithParams(s.FoldScores[f].Params)
		for _, i := range test {
			res, err := fc.Correct(context.Background(), spell.Request{Query: ex[i].Typed})
			if err != nil {
				t.Fatal(err)
			}
			out := eval.Outcome{Offered: res.Action != spell.None, Output: ex[i].Typed, BestPath: res.BestPath}
			if out.Offered {
				out.Output = res.Correction
			}
			pooled, outcomes = append(pooled, ex[i]), append(outcomes, out)
		}
	}
	want, got := eval.Score(pooled, outcomes, nil), s.HeldOut
	if got.N != len(ex) || got.N != want.N || got.Offered != want.Offered || got.CorrectOffered != want.CorrectOffered ||
		got.FalseCorrections != want.FalseCorrections || got.Precision != want.Precision || got.Recall != want.Recall {
		t.Errorf("held out %+v, the corrector with each fold's parameters %+v", got, want)
	}
}
