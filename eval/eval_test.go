package eval_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/spellwright/speller/eval"
)

func TestCanon(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"dress", "dress"},
		{"  Red   DRESS ", "red dress"},
		{"flower\tgirl\nbasket", "flower girl basket"},
		{"NAÏVE", "naïve"},
	}
	for _, tt := range tests {
		if got := eval.Canon(tt.in); got != tt.want {
			t.Errorf("Canon(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestRead(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []eval.Example
	}{
		{"empty", "", nil},
		{"comments and blank lines", "# a comment\n\n   \n#typed\texpected\n", nil},
		{"one correction", "jewlery\tjewelry\n", []eval.Example{
			{Typed: "jewlery", Accepted: []string{"jewelry"}},
		}},
		{"no final newline", "jewlery\tjewelry", []eval.Example{
			{Typed: "jewlery", Accepted: []string{"jewelry"}},
		}},
		{"underscore marks correct", "dress\t_\n", []eval.Example{
			{Typed: "dress", Accepted: []string{"dress"}, Correct: true},
		}},
		{"typed equal to expected marks correct", "Red Dress\tred  dress\n", []eval.Example{
			{Typed: "Red Dress", Accepted: []string{"red dress"}, Correct: true},
		}},
		{"alternatives grouped in order of first appearance", "jewlery\tjewelry\ndresss\tdress\njewlery\tjewellery\n", []eval.Example{
			{Typed: "jewlery", Accepted: []string{"jewelry", "jewellery"}},
			{Typed: "dresss", Accepted: []string{"dress"}},
		}},
		{"grouping ignores case and spaces", "Jewlery\tjewelry\njewlery \tJEWELRY\n JEWLERY\tJewellery\n", []eval.Example{
			{Typed: "Jewlery", Accepted: []string{"jewelry", "jewellery"}},
		}},
		{"correct and a correction", "dress\t_\ndress\tdresses\n", []eval.Example{
			{Typed: "dress", Accepted: []string{"dress", "dresses"}, Correct: true},
		}},
		{"a correction then correct", "dress\tdresses\ndress\tDress\n", []eval.Example{
			{Typed: "dress", Accepted: []string{"dresses", "dress"}, Correct: true},
		}},
		{"extra columns ignored", "dresss\tdress\t12\tnote\n", []eval.Example{
			{Typed: "dresss", Accepted: []string{"dress"}},
		}},
		{"spaces around fields trimmed", "  flowr girl \t flower girl  \n", []eval.Example{
			{Typed: "flowr girl", Accepted: []string{"flower girl"}},
		}},
		{"CRLF line ends", "dress\t_\r\nsheos\tshoes\r\n", []eval.Example{
			{Typed: "dress", Accepted: []string{"dress"}, Correct: true},
			{Typed: "sheos", Accepted: []string{"shoes"}},
		}},
		{"non-ASCII", "naive\tNaïve\n", []eval.Example{
			{Typed: "naive", Accepted: []string{"naïve"}},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := eval.Read(strings.NewReader(tt.in))
			if err != nil {
				t.Fatalf("Read(%q): %v", tt.in, err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Read(%q) =\n%+v\nwant\n%+v", tt.in, got, tt.want)
			}
		})
	}
}

func TestReadErrors(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"missing tab", "jewlery\tjewelry\n# comment\n\njewlery jewelry\n", "line 4"},
		{"missing tab on line 1", "dress", "line 1"},
		{"empty input", "dress\t_\n\tdress\n", "line 2: empty input"},
		{"blank input", "   \t dress\n", "line 1: empty input"},
		{"line too long", "a\t" + strings.Repeat("b", 2<<20) + "\n", "too long"},
	}
	for _, tt := range tests {
		got, err := eval.Read(strings.NewReader(tt.in))
		if err == nil {
			t.Errorf("%s: Read = %v, want an error", tt.name, got)
			continue
		}
		if !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "eval: ") {
			t.Errorf("%s: Read error %q, want it to start with \"eval: \" and mention %q", tt.name, err, tt.want)
		}
		if got != nil {
			t.Errorf("%s: Read returned %v with its error", tt.name, got)
		}
	}
}

func TestReadFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "set.tsv")
	if err := os.WriteFile(path, []byte("jewlery\tjewelry\ndress\t_\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	ex, err := eval.ReadFile(path)
	if err != nil || len(ex) != 2 {
		t.Fatalf("ReadFile = %v, %v; want 2 examples", ex, err)
	}

	bad := filepath.Join(dir, "bad.tsv")
	if err := os.WriteFile(bad, []byte("dress\t_\nno tab\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := eval.ReadFile(bad); err == nil || !strings.Contains(err.Error(), "line 2") || !strings.Contains(err.Error(), bad) {
		t.Errorf("ReadFile(bad) error = %v, want it to name line 2 and the file", err)
	}
	if _, err := eval.ReadFile(filepath.Join(dir, "missing.tsv")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("ReadFile(missing) error = %v, want os.ErrNotExist", err)
	}
}

func TestAccepts(t *testing.T) {
	e := eval.Example{Typed: "jewlery", Accepted: []string{"jewelry", "jewellery"}}
	for _, out := range []string{"jewelry", " JEWELRY ", "Jewellery"} {
		if !e.Accepts(out) {
			t.Errorf("Accepts(%q) = false, want true", out)
		}
	}
	for _, out := range []string{"jewlery", "", "jewelry box"} {
		if e.Accepts(out) {
			t.Errorf("Accepts(%q) = true, want false", out)
		}
	}
}

// scoreExamples and scoreOutcomes are hand-made: the expected metrics are worked out below.
var scoreExamples = []eval.Example{
	{Typed: "jewlery", Accepted: []string{"jewelry"}},
	{Typed: "dresss", Accepted: []string{"dress"}},
	{Typed: "buttor", Accepted: []string{"butter"}},
	{Typed: "dress", Accepted: []string{"dress"}, Correct: true},
	{Typed: "nike", Accepted: []string{"nike"}, Correct: true},
	{Typed: "sandels", Accepted: []string{"sandals", "sandal"}},
	{Typed: "Sheos", Accepted: []string{"shoes"}},
}

var scoreOutcomes = []eval.Outcome{
	{Offered: true, Output: "jewelry", BestPath: "jewelry"}, // right correction
	{Offered: true, Output: "dresses", BestPath: "dress"},   // wrong correction; best path right
	{Output: "buttor", BestPath: "butter"},                  // missed: below threshold
	{Output: "dress", BestPath: "dress"},                    // correct left alone
	{Offered: true, Output: "nice", BestPath: "nice"},       // false correction
	{Output: "sandels", BestPath: "sandels"},                // missed
	{Offered: true, Output: "Shoes", BestPath: "shoes"},     // right (case does not matter)
}

func TestScore(t *testing.T) {
	lat := []time.Duration{ // sorted: 1..10 ms
		5 * time.Millisecond, 1 * time.Millisecond, 9 * time.Millisecond, 3 * time.Millisecond,
		7 * time.Millisecond, 2 * time.Millisecond, 8 * time.Millisecond, 4 * time.Millisecond,
		6 * time.Millisecond, 10 * time.Millisecond,
	}
	orig := slices.Clone(lat)
	got := eval.Score(scoreExamples, scoreOutcomes, lat)
	// 7 inputs, 5 need a correction; 4 offered, of which 2 right (jewlery, Sheos) and 1 false (nike).
	// Shown output accepted: jewlery, dress, Sheos = 3 of 7. Best path accepted: all but nike, sandels = 5.
	p, r := 2.0/4, 2.0/5
	want := eval.Metrics{
		N:                7,
		NeedsCorrection:  5,
		Offered:          4,
		CorrectOffered:   2,
		Accuracy:         3.0 / 7,
		BestPathAccuracy: 5.0 / 7,
		Precision:        p,
		Recall:           r,
		F1:               2 * p * r / (p + r), // 4/9
		FalseCorrections: 1,
		FalseRate:        1.0 / 2,
		P50us:            5000,  // nearest rank: the 5th of 10
		P99us:            10000, // the 10th of 10
	}
	if !metricsEqual(got, want) {
		t.Errorf("Score =\n%+v\nwant\n%+v", got, want)
	}
	if math.Abs(got.F1-4.0/9) > 1e-12 {
		t.Errorf("F1 = %v, want 4/9", got.F1)
	}
	if !slices.Equal(lat, orig) {
		t.Error("Score reordered the caller's latencies")
	}
}

func metricsEqual(a, b eval.Metrics) bool {
	fa, fb := reflect.ValueOf(a), reflect.ValueOf(b)
	for i := range fa.NumField() {
		x, y := fa.Field(i), fb.Field(i)
		if x.CanFloat() {
			if math.Abs(x.Float()-y.Float()) > 1e-12 || math.IsNaN(x.Float()) != math.IsNaN(y.Float()) {
				return false
			}
		} else if x.Int() != y.Int() {
			return false
		}
	}
	return true
}

func TestScoreEdgeCases(t *testing.T) {
	us := func(d ...time.Duration) []time.Duration { return d }
	tests := []struct {
		name string
		ex   []eval.Example
		out  []eval.Outcome
		lat  []time.Duration
		want eval.Metrics
	}{
		{"nothing", nil, nil, nil, eval.Metrics{}},
		{"all correct, left alone",
			[]eval.Example{{Typed: "dress", Accepted: []string{"dress"}, Correct: true}},
			[]eval.Outcome{{Output: "dress", BestPath: "dress"}}, nil,
			eval.Metrics{N: 1, Accuracy: 1, BestPathAccuracy: 1}},
		{"all misspelt, all fixed",
			[]eval.Example{{Typed: "dresss", Accepted: []string{"dress"}}, {Typed: "sheos", Accepted: []string{"shoes"}}},
			[]eval.Outcome{{Offered: true, Output: "dress", BestPath: "dress"}, {Offered: true, Output: "shoes", BestPath: "shoes"}},
			nil,
			eval.Metrics{N: 2, NeedsCorrection: 2, Offered: 2, CorrectOffered: 2, Accuracy: 1, BestPathAccuracy: 1,
				Precision: 1, Recall: 1, F1: 1}},
		{"every correct input corrected",
			[]eval.Example{{Typed: "nike", Accepted: []string{"nike"}, Correct: true}},
			[]eval.Outcome{{Offered: true, Output: "nice", BestPath: "nice"}}, nil,
			eval.Metrics{N: 1, Offered: 1, FalseCorrections: 1, FalseRate: 1}},
		{"one latency",
			[]eval.Example{{Typed: "dress", Accepted: []string{"dress"}, Correct: true}},
			[]eval.Outcome{{Output: "dress", BestPath: "dress"}}, us(1500 * time.Microsecond),
			eval.Metrics{N: 1, Accuracy: 1, BestPathAccuracy: 1, P50us: 1500, P99us: 1500}},
		{"three latencies",
			nil, nil, us(300*time.Microsecond, 100*time.Microsecond, 200*time.Microsecond),
			eval.Metrics{P50us: 200, P99us: 300}},
		{"sub-microsecond latency",
			nil, nil, us(1500 * time.Nanosecond),
			eval.Metrics{P50us: 1.5, P99us: 1.5}},
	}
	// 200 latencies 1..200 µs: p50 is the 100th, p99 the 198th.
	var many []time.Duration
	for i := 200; i >= 1; i-- {
		many = append(many, time.Duration(i)*time.Microsecond)
	}
	tests = append(tests, struct {
		name string
		ex   []eval.Example
		out  []eval.Outcome
		lat  []time.Duration
		want eval.Metrics
	}{"200 latencies", nil, nil, many, eval.Metrics{P50us: 100, P99us: 198}})

	for _, tt := range tests {
		if got := eval.Score(tt.ex, tt.out, tt.lat); !metricsEqual(got, tt.want) {
			t.Errorf("%s: Score =\n%+v\nwant\n%+v", tt.name, got, tt.want)
		}
	}
}

func TestFScore(t *testing.T) {
	tests := []struct {
		p, r, beta, want float64
	}{
		{0, 0, 1, 0},
		{1, 0, 1, 0},
		{0, 1, 1, 0},
		{1, 1, 1, 1},
		{1, 1, 0.5, 1},
		{0.5, 0.5, 1, 0.5},
		{0.5, 0.4, 1, 4.0 / 9},
		{1.0 / 3, 1.0 / 4, 1, 2.0 / 7},
		{0.5, 0.25, 0.5, 1.25 * 0.125 / (0.25*0.5 + 0.25)}, // precision weighs more: 5/12
		{0.5, 0.25, 2, 5 * 0.125 / (4*0.5 + 0.25)},         // recall weighs more: 5/18
		{0.8, 0.2, 0.5, 0.5},
	}
	for _, tt := range tests {
		if got := eval.FScore(tt.p, tt.r, tt.beta); math.Abs(got-tt.want) > 1e-12 {
			t.Errorf("FScore(%v, %v, %v) = %v, want %v", tt.p, tt.r, tt.beta, got, tt.want)
		}
	}
	// F1 of Score is FScore with beta 1; beta below 1 favours the more precise of two spellers.
	m := eval.Score(scoreExamples, scoreOutcomes, nil)
	if got := eval.FScore(m.Precision, m.Recall, 1); math.Abs(got-m.F1) > 1e-12 {
		t.Errorf("FScore(P, R, 1) = %v, Score's F1 = %v", got, m.F1)
	}
	if a, b := eval.FScore(0.9, 0.5, 0.5), eval.FScore(0.5, 0.9, 0.5); !(a > b) {
		t.Errorf("FScore(0.9, 0.5, 0.5) = %v, not above FScore(0.5, 0.9, 0.5) = %v", a, b)
	}
}

// fakeSpeller answers from a table of outcomes; inputs listed in fail are refused.
type fakeSpeller struct {
	out   map[string]eval.Outcome
	fail  map[string]bool
	calls atomic.Int32
	// onCall, if set, runs before each answer with the number of the call (from 1).
	onCall func(n int)
}

func (f *fakeSpeller) Suggest(ctx context.Context, q string) (eval.Outcome, error) {
	n := int(f.calls.Add(1))
	if f.onCall != nil {
		f.onCall(n)
	}
	if err := ctx.Err(); err != nil {
		return eval.Outcome{}, err
	}
	if f.fail[q] {
		return eval.Outcome{Offered: true, Output: "garbage"}, errors.New("speller: refused")
	}
	if o, ok := f.out[q]; ok {
		return o, nil
	}
	return eval.Outcome{Output: q, BestPath: q}, nil
}

func newFake() *fakeSpeller {
	f := &fakeSpeller{out: make(map[string]eval.Outcome)}
	for i, e := range scoreExamples {
		f.out[e.Typed] = scoreOutcomes[i]
	}
	return f
}

func TestRun(t *testing.T) {
	f := newFake()
	m, out, err := eval.Run(context.Background(), f, scoreExamples)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(out, scoreOutcomes) {
		t.Errorf("Run outcomes = %v, want %v", out, scoreOutcomes)
	}
	want := eval.Score(scoreExamples, scoreOutcomes, nil)
	m.P50us, m.P99us = 0, 0
	if !metricsEqual(m, want) {
		t.Errorf("Run metrics =\n%+v\nwant\n%+v", m, want)
	}
	if int(f.calls.Load()) != len(scoreExamples) {
		t.Errorf("Suggest called %d times, want %d", f.calls.Load(), len(scoreExamples))
	}
}

func TestRunErrors(t *testing.T) {
	f := newFake()
	// Refusing "jewlery" (a right correction) and "nike" (a false correction): both count as unchanged.
	f.fail = map[string]bool{"jewlery": true, "nike": true}
	m, out, err := eval.Run(context.Background(), f, scoreExamples)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	if m.Errors != 2 {
		t.Errorf("Errors = %d, want 2", m.Errors)
	}
	for i, e := range scoreExamples {
		if f.fail[e.Typed] {
			want := eval.Outcome{Output: e.Typed, BestPath: e.Typed}
			if out[i] != want {
				t.Errorf("outcome of refused %q = %+v, want %+v", e.Typed, out[i], want)
			}
		}
	}
	// 7 inputs, 5 need correction; offered: dresss (wrong), Sheos (right).
	p, r := 1.0/2, 1.0/5
	want := eval.Metrics{
		N: 7, NeedsCorrection: 5, Offered: 2, CorrectOffered: 1,
		Accuracy:         3.0 / 7, // dress, nike (unchanged now), Sheos
		BestPathAccuracy: 5.0 / 7, // dresss, buttor, dress, nike, Sheos
		Precision:        p, Recall: r, F1: 2 * p * r / (p + r),
		Errors: 2,
	}
	m.P50us, m.P99us = 0, 0
	if !metricsEqual(m, want) {
		t.Errorf("Run metrics with refusals =\n%+v\nwant\n%+v", m, want)
	}
}

func TestRunCanceled(t *testing.T) {
	// Canceled before the start.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	f := newFake()
	m, out, err := eval.Run(ctx, f, scoreExamples)
	if !errors.Is(err, context.Canceled) || out != nil || m != (eval.Metrics{}) {
		t.Errorf("Run(canceled) = %+v, %v, %v; want zero metrics, nil, context.Canceled", m, out, err)
	}
	if f.calls.Load() != 0 {
		t.Errorf("Suggest called %d times after cancellation, want 0", f.calls.Load())
	}

	// Canceled during a call: the speller's error is the cancellation, not a refusal.
	ctx, cancel = context.WithCancel(context.Background())
	defer cancel()
	f = newFake()
	f.onCall = func(n int) {
		if n == 3 {
			cancel()
		}
	}
	m, out, err = eval.Run(ctx, f, scoreExamples)
	if !errors.Is(err, context.Canceled) || out != nil || m != (eval.Metrics{}) {
		t.Errorf("Run(canceled during call 3) = %+v, %v, %v; want zero metrics, nil, context.Canceled", m, out, err)
	}
	if n := f.calls.Load(); n != 3 {
		t.Errorf("Suggest called %d times, want 3", n)
	}

	// A deadline is reported as such.
	ctx, cancel2 := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	defer cancel2()
	if _, _, err := eval.Run(ctx, newFake(), scoreExamples); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Run(past deadline) error = %v, want context.DeadlineExceeded", err)
	}
}

func TestRunLatency(t *testing.T) {
	f := newFake()
	f.onCall = func(n int) {
		if n == 2 {
			time.Sleep(3 * time.Millisecond)
		}
	}
	m, _, err := eval.Run(context.Background(), f, scoreExamples)
	if err != nil {
		t.Fatal(err)
	}
	// p99 of 7 is the slowest call.
	if m.P99us < 3000 {
		t.Errorf("P99us = %v, want at least 3000 (one call slept 3 ms)", m.P99us)
	}
	if m.P50us < 0 || m.P50us > m.P99us {
		t.Errorf("P50us = %v, want in [0, P99us = %v]", m.P50us, m.P99us)
	}
}

func FuzzRead(f *testing.F) {
	f.Add("jewlery\tjewelry\njewlery\tjewellery\ndress\t_\n# c\n\nRed Dress\tred dress\textra\n")
	f.Add("no tab\n")
	f.Add("\t\n")
	f.Add("a\tb\r\nA\tB\n")
	f.Fuzz(func(t *testing.T, in string) {
		ex, err := eval.Read(strings.NewReader(in))
		if err != nil {
			if !strings.HasPrefix(err.Error(), "eval: ") || ex != nil {
				t.Fatalf("Read error %q with %d examples", err, len(ex))
			}
			return
		}
		keys := make(map[string]bool)
		for _, e := range ex {
			k := eval.Canon(e.Typed)
			if e.Typed == "" || e.Typed != strings.TrimSpace(e.Typed) {
				t.Fatalf("example with typed input %q", e.Typed)
			}
			if keys[k] {
				t.Fatalf("two examples for %q", k)
			}
			keys[k] = true
			if len(e.Accepted) == 0 {
				t.Fatalf("example %q accepts nothing", e.Typed)
			}
			seen := make(map[string]bool)
			for _, a := range e.Accepted {
				if a != eval.Canon(a) || seen[a] {
					t.Fatalf("example %q: accepted %q not canonical or repeated", e.Typed, e.Accepted)
				}
				seen[a] = true
			}
			if e.Correct && !e.Accepts(e.Typed) {
				t.Fatalf("correct example %q does not accept itself: %q", e.Typed, e.Accepted)
			}
		}
	})
}

func ExampleRead() {
	const set = `# typed	expected
jewlery	jewelry
jewlery	jewellery
dress	_
Dresss	dress
`
	ex, err := eval.Read(strings.NewReader(set))
	if err != nil {
		panic(err)
	}
	for _, e := range ex {
		fmt.Println(e.Typed, e.Accepted, e.Correct)
	}
	// Output:
	// jewlery [jewelry jewellery] false
	// dress [dress] true
	// Dresss [dress] false
}

func ExampleScore() {
	ex := []eval.Example{
		{Typed: "jewlery", Accepted: []string{"jewelry"}},
		{Typed: "dresss", Accepted: []string{"dress"}},
		{Typed: "nike", Accepted: []string{"nike"}, Correct: true},
	}
	out := []eval.Outcome{
		{Offered: true, Output: "jewelry", BestPath: "jewelry"},
		{Output: "dresss", BestPath: "dress"},
		{Offered: true, Output: "nice", BestPath: "nice"},
	}
	m := eval.Score(ex, out, nil)
	fmt.Printf("accuracy %.2f precision %.2f recall %.2f F1 %.2f false corrections %d\n",
		m.Accuracy, m.Precision, m.Recall, m.F1, m.FalseCorrections)
	// Output:
	// accuracy 0.33 precision 0.50 recall 0.50 F1 0.50 false corrections 1
}
