package spell_test

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/spellwright/speller/data"
	"github.com/spellwright/speller/internal/testmodel"
	"github.com/spellwright/speller/model"
	"github.com/spellwright/speller/spell"
)

var update = flag.Bool("update", false, "rewrite the golden files")

var (
	defaultOnce sync.Once
	defaultC    *spell.Corrector
)

// defaultCorrector is the corrector over the embedded default model, built once.
func defaultCorrector(t testing.TB) *spell.Corrector {
	defaultOnce.Do(func() {
		b, err := data.Default()
		if err != nil {
			t.Fatal(err)
		}
		defaultC = spell.New(b, spell.Options{})
	})
	if defaultC == nil {
		t.Fatal("default model failed to load")
	}
	return defaultC
}

// TestGolden records the default model's decisions on a fixed query set; run with -update after a change
// that is meant to move them, and read the diff.
func TestGolden(t *testing.T) {
	c := defaultCorrector(t)
	queries, err := os.ReadFile(filepath.Join("testdata", "queries.txt"))
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	for _, q := range strings.Split(strings.TrimRight(string(queries), "\n"), "\n") {
		r, err := c.Correct(context.Background(), spell.Request{Query: q})
		if err != nil {
			fmt.Fprintf(&out, "%q\terror: %v\n", q, err)
			continue
		}
		fmt.Fprintf(&out, "%q\t%s\t%q\tlog_odds=%.2f\n", q, r.Action, r.Correction, r.LogOdds)
	}
	golden := filepath.Join("testdata", "golden.txt")
	if *update {
		if err := os.WriteFile(golden, []byte(out.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if got := out.String(); got != string(want) {
		t.Errorf("decisions changed (go test ./spell -run Golden -update to accept):\n%s", diff(string(want), got))
	}
}

func diff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	var b strings.Builder
	for i := 0; i < max(len(w), len(g)); i++ {
		var x, y string
		if i < len(w) {
			x = w[i]
		}
		if i < len(g) {
			y = g[i]
		}
		if x != y {
			fmt.Fprintf(&b, "- %s\n+ %s\n", x, y)
		}
	}
	return b.String()
}

// untuned is the default model's corrector with model.DefaultParams, so that the engine's tests do not move
// when the shipped model is re-tuned, but for an auto-correct threshold of 6 (an untuned bundle applies
// nothing by itself) so that the tests see all three actions.
func untuned(t testing.TB) *spell.Corrector {
	p := model.DefaultParams
	p.AutoThreshold = 6
	return defaultCorrector(t).WithParams(p)
}

func TestCorrect(t *testing.T) {
	c := untuned(t)
	tests := []struct {
		query, want string
		action      spell.Action
	}{
		{"jewlery", "jewelry", spell.AutoCorrect},
		{"dresss", "dress", spell.AutoCorrect},
		{"Jewlery Box", "Jewelry Box", spell.AutoCorrect},               // case pattern kept
		{"RED DRES", "RED DRESS", spell.AutoCorrect},                    // all caps kept
		{"red  dres!", "red  dress!", spell.AutoCorrect},                // spacing and punctuation kept
		{"silvr earings 925", "silver earrings 925", spell.AutoCorrect}, // numbers untouched
		{"dress", "", spell.None},
		{"red dress", "", spell.None},
		{"iphone12 x", "", spell.None}, // numbers and single letters are never corrected
		{"www.exmaple.com", "", spell.None},
		{"jon@exmaple.com", "", spell.None},
		{"", "", spell.None},
		{"   ", "", spell.None},
		{"!!! ???", "", spell.None},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			r, err := c.Correct(context.Background(), spell.Request{Query: tt.query})
			if err != nil {
				t.Fatal(err)
			}
			if r.Action != tt.action || r.Correction != tt.want {
				t.Fatalf("Correct(%q) = %s %q (log odds %.2f), want %s %q", tt.query, r.Action, r.Correction, r.LogOdds, tt.action, tt.want)
			}
			if r.Confidence < 0 || r.Confidence > 1 {
				t.Fatalf("confidence %v out of [0,1]", r.Confidence)
			}
			for _, tok := range r.Tokens {
				if tt.query[tok.Start:tok.End] != tok.Typed {
					t.Fatalf("token %+v: span does not match the query", tok)
				}
			}
		})
	}
}

func TestResultDetail(t *testing.T) {
	c := untuned(t)
	r, err := c.Correct(context.Background(), spell.Request{Query: "flower girl baske", MaxAlternatives: 2})
	if err != nil {
		t.Fatal(err)
	}
	if r.Correction != "flower girl basket" || r.BestPath != r.Correction {
		t.Fatalf("got %q (best path %q)", r.Correction, r.BestPath)
	}
	if len(r.Tokens) != 3 || r.Tokens[2].Typed != "baske" || r.Tokens[2].Chosen != "basket" || !r.Tokens[2].Changed || r.Tokens[0].Changed {
		t.Fatalf("tokens %+v", r.Tokens)
	}
	if len(r.Alternatives) == 0 || len(r.Alternatives) > 2 || r.Alternatives[0].Text != r.Correction {
		t.Fatalf("alternatives %+v", r.Alternatives)
	}
	for i := 1; i < len(r.Alternatives); i++ {
		if r.Alternatives[i].Score > r.Alternatives[i-1].Score {
			t.Fatalf("alternatives not sorted: %+v", r.Alternatives)
		}
	}
	if r.LogOdds <= r.AutoThreshold || r.AutoThreshold <= r.Threshold {
		t.Fatalf("log odds %v, thresholds %v/%v", r.LogOdds, r.Threshold, r.AutoThreshold)
	}
}

func TestZeroResults(t *testing.T) {
	c := defaultCorrector(t)
	// A correct but rare word against a frequent neighbour: nothing is offered normally, but when the
	// query found nothing the best correction is applied.
	q := "dresss"
	p := c.Params()
	p.Intercept, p.AutoThreshold = 100, 200
	strict := c.WithParams(p)
	r, err := strict.Correct(context.Background(), spell.Request{Query: q})
	if err != nil || r.Action != spell.None {
		t.Fatalf("strict thresholds: %v %v", r.Action, err)
	}
	r, err = strict.Correct(context.Background(), spell.Request{Query: q, ZeroResults: true})
	if err != nil || r.Action != spell.AutoCorrect || r.Correction != "dress" {
		t.Fatalf("zero results: %v %q %v", r.Action, r.Correction, err)
	}
	r, err = strict.Correct(context.Background(), spell.Request{Query: "dress", ZeroResults: true})
	if err != nil || r.Action != spell.AutoCorrect && r.Action != spell.None {
		t.Fatalf("zero results on a correct word: %v %v", r.Action, err)
	}
}

func TestBadInput(t *testing.T) {
	c := defaultCorrector(t)
	small := spell.New(c.Bundle(), spell.Options{MaxQueryBytes: 64, MaxTokens: 4})
	tests := []struct {
		name  string
		c     *spell.Corrector
		query string
		want  error
	}{
		{"invalid utf8", c, "dres\xff\xfe", spell.ErrInvalidUTF8},
		{"100 KB", c, strings.Repeat("a", 100<<10), spell.ErrTooLong},
		{"1000 tokens", c, strings.Repeat("ab ", 1000)[:1000], spell.ErrTooMany},
		{"configured bytes", small, strings.Repeat("x", 65), spell.ErrTooLong},
		{"configured tokens", small, "a b c d e", spell.ErrTooMany},
		{"control characters", c, "dres\x00\x01\x1b[31m", nil},
		{"emoji", c, "red dres 👗🔥", nil},
		{"cjk", c, "連衣裙 dres", nil},
		{"rtl", c, "فستان dres", nil},
		{"long word", c, strings.Repeat("abcdefghij", 50), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := tt.c.Correct(context.Background(), spell.Request{Query: tt.query})
			if !errors.Is(err, tt.want) {
				t.Fatalf("error %v, want %v", err, tt.want)
			}
			if err != nil && !strings.Contains(err.Error(), "limit") && tt.want != spell.ErrInvalidUTF8 {
				t.Fatalf("error %q does not state the limit", err)
			}
			if err == nil && r == nil {
				t.Fatal("nil result without error")
			}
		})
	}
}

func TestCancelled(t *testing.T) {
	c := defaultCorrector(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := c.Correct(ctx, spell.Request{Query: "jewlery"}); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
}

// TestConcurrent runs many queries from several goroutines; run with -race.
func TestConcurrent(t *testing.T) {
	c := defaultCorrector(t)
	queries := []string{"jewlery", "flower girl baske", "red dress", "silvr earings", "teh quick brwn fox"}
	want := make([]string, len(queries))
	for i, q := range queries {
		r, _ := c.Correct(context.Background(), spell.Request{Query: q})
		want[i] = r.Correction
	}
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 50; i++ {
				k := (g + i) % len(queries)
				r, err := c.Correct(context.Background(), spell.Request{Query: queries[k]})
				if err != nil || r.Correction != want[k] {
					t.Errorf("%q: %v %q, want %q", queries[k], err, r.Correction, want[k])
					return
				}
			}
		}()
	}
	wg.Wait()
}

func TestTinyModel(t *testing.T) {
	c := spell.New(testmodel.Build(t, "tiny"), spell.Options{})
	r, err := c.Correct(context.Background(), spell.Request{Query: "lether boots"})
	if err != nil {
		t.Fatal(err)
	}
	if r.BestPath != "leather boots" {
		t.Fatalf("best path %q, want leather boots", r.BestPath)
	}
}

func FuzzCorrect(f *testing.F) {
	for _, q := range []string{"jewlery", "flower girl baske", "", "a", "ab cd", "500ml dres", "www.x.com", "dres\xff"} {
		f.Add(q, false)
	}
	c := spell.New(testmodel.Build(f, "fuzz"), spell.Options{})
	f.Fuzz(func(t *testing.T, q string, zero bool) {
		r, err := c.Correct(context.Background(), spell.Request{Query: q, ZeroResults: zero})
		if err != nil {
			if !errors.Is(err, spell.ErrInvalidUTF8) && !errors.Is(err, spell.ErrTooLong) && !errors.Is(err, spell.ErrTooMany) {
				t.Fatalf("unexpected error %v", err)
			}
			return
		}
		if r.Action != spell.None && r.Correction == "" {
			t.Fatalf("%s without a correction", r.Action)
		}
		if r.Action == spell.None && r.Correction != "" {
			t.Fatalf("NONE with correction %q", r.Correction)
		}
	})
}

func Example() {
	b, err := data.Default()
	if err != nil {
		panic(err)
	}
	c := spell.New(b, spell.Options{})
	r, err := c.Correct(context.Background(), spell.Request{Query: "silvr earings"})
	if err != nil {
		panic(err)
	}
	fmt.Println(r.Action, r.Correction)
	// Output: DID_YOU_MEAN silver earrings
}

var (
	engineOnce sync.Once
	engineC    *spell.Corrector
)

// engineCorrector is the default model's corrector without the token cache, built once: what a query costs
// the first time its tokens are seen, which the benchmarks measure (the queries repeat).
func engineCorrector(t testing.TB) *spell.Corrector {
	engineOnce.Do(func() { engineC = spell.New(defaultCorrector(t).Bundle(), spell.Options{TokenCache: -1}) })
	return engineC
}

var (
	neighbourOnce sync.Once
	neighbourC    *spell.Corrector
)

var (
	serverOnce sync.Once
	serverC    *spell.Corrector
)

// serverCorrector has the token cache and the neighbour table, built: spelld's corrector.
func serverCorrector(t testing.TB) *spell.Corrector {
	serverOnce.Do(func() {
		serverC = spell.New(defaultCorrector(t).Bundle(), spell.Options{Neighbours: true})
		if err := serverC.WaitNeighbours(context.Background()); err != nil {
			t.Fatal(err)
		}
	})
	return serverC
}

// neighbourCorrector is the engine (no token cache) with the neighbour table, built.
func neighbourCorrector(t testing.TB) *spell.Corrector {
	neighbourOnce.Do(func() {
		neighbourC = spell.New(defaultCorrector(t).Bundle(), spell.Options{TokenCache: -1, Neighbours: true})
		if err := neighbourC.WaitNeighbours(context.Background()); err != nil {
			t.Fatal(err)
		}
	})
	return neighbourC
}

// benchmarkQueries measures Correct over queries in turn: "engine", every token searched anew (no token
// cache), and "cached", every token found in the token cache (the queries repeat).
func benchmarkQueries(b *testing.B, queries []string) {
	for _, bc := range []struct {
		name string
		c    *spell.Corrector
	}{{"engine", engineCorrector(b)}, {"cached", defaultCorrector(b)}} {
		b.Run(bc.name, func(b *testing.B) {
			ctx := context.Background()
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				if _, err := bc.c.Correct(ctx, spell.Request{Query: queries[i%len(queries)]}); err != nil {
					b.Fatal(err)
				}
				i++
			}
		})
	}
}

// TestTokenCache checks that the token cache changes no answer: a corrector with it, asked every query
// twice (the second time from the cache), answers exactly like one without it, with and without a
// request's own terms (which bypass the cache).
func TestTokenCache(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("testdata", "queries.txt"))
	if err != nil {
		t.Fatal(err)
	}
	queries := append(strings.Split(strings.TrimRight(string(raw), "\n"), "\n"),
		"jewlery box jewlery", "box jewlery", "whereis th elove", "th elove whereis", "sekretplan", "the sekretplan",
		"wiht plenyt ofca chese", "chese ofca wiht", "ins pird hmi", "hmi ins pird", "fxo qarter jumsp", "jumsp fxo qarter")
	b := defaultCorrector(t).Bundle()
	cached, plain := spell.New(b, spell.Options{}), engineCorrector(t)
	ctx := context.Background()
	for pass := range 2 {
		for _, q := range queries {
			for _, req := range []spell.Request{{Query: q}, {Query: q, Protected: []string{"jewlery"}, NeverSuggest: []string{"the"}}} {
				got, gerr := cached.Correct(ctx, req)
				want, werr := plain.Correct(ctx, req)
				if (gerr == nil) != (werr == nil) || !reflect.DeepEqual(got, want) {
					t.Fatalf("pass %d, %+v: with the token cache\n%+v, %v\nwithout\n%+v, %v", pass, req, got, gerr, want, werr)
				}
			}
		}
	}
}

// BenchmarkCorrect1 is a one-token query (the misspellings of Norvig's test sets have this shape).
func BenchmarkCorrect1(b *testing.B) {
	benchmarkQueries(b, []string{"jewlery", "necklase", "accomodation", "dresss", "recieve", "buttor", "earings", "basicly"})
}

// BenchmarkCorrect4 is a four-token query with two misspellings.
func BenchmarkCorrect4(b *testing.B) {
	benchmarkQueries(b, []string{"flower girl baske wicker", "silvr earings for women", "red dres with pockts", "leather jackett for men"})
}

// BenchmarkCorrectCorrect is a correct two-token query (the common case).
func BenchmarkCorrectCorrect(b *testing.B) {
	benchmarkQueries(b, []string{"red dress", "silver earrings", "leather jacket", "coffee table"})
}

func BenchmarkNew(b *testing.B) {
	bundle, err := data.Default()
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		spell.New(bundle, spell.Options{})
	}
}

// TestPrepareDecide checks that deciding a prepared query with the corrector's own parameters gives what
// Correct gives, and that other thresholds move only the action.
func TestPrepareDecide(t *testing.T) {
	c := defaultCorrector(t)
	for _, q := range []string{"jewlery", "flower girl baske", "red dress", "silvr earings 925", ""} {
		p, err := c.Prepare(context.Background(), q)
		if err != nil {
			t.Fatal(err)
		}
		want, _ := c.Correct(context.Background(), spell.Request{Query: q})
		got := c.Decide(p, c.Params(), spell.Request{Query: q})
		if got.Correction != want.Correction || got.Action != want.Action || got.LogOdds != want.LogOdds {
			t.Errorf("%q: Decide = %s %q %.3f, Correct = %s %q %.3f", q, got.Action, got.Correction, got.LogOdds,
				want.Action, want.Correction, want.LogOdds)
		}
		strict := c.Params()
		strict.Intercept, strict.AutoThreshold = 1000, 1000
		if r := c.Decide(p, strict, spell.Request{Query: q}); r.Action != spell.None || r.BestPath != want.BestPath {
			t.Errorf("%q with strict thresholds: %s, best path %q", q, r.Action, r.BestPath)
		}
	}
	if _, err := c.Prepare(context.Background(), "x\xff"); !errors.Is(err, spell.ErrInvalidUTF8) {
		t.Fatalf("Prepare(invalid) = %v", err)
	}
}

// TestActionFor is the decision rule on its edges: the lines are strict, the query as typed being the best
// reading means nothing, and a query that found nothing gets any correction found.
func TestActionFor(t *testing.T) {
	p := model.Params{Slope: 0.5, Intercept: 2, AutoThreshold: 10}
	for _, tt := range []struct {
		n         int
		logOdds   float64
		typedBest bool
		zero      bool
		want      spell.Action
	}{
		{2, 3, false, false, spell.None},          // the offer line is 0.5·2 + 2 = 3: strictly above
		{2, 3.01, false, false, spell.DidYouMean}, // above it
		{2, 11, false, false, spell.DidYouMean},   // the auto line is 11
		{2, 11.01, false, false, spell.AutoCorrect},
		{10, 7, false, false, spell.None}, // a long query: 0.5·10 + 2 = 7
		{2, 50, true, false, spell.None},  // the query as typed is the best reading
		{2, -5, true, true, spell.AutoCorrect},
		{0, math.Inf(-1), true, false, spell.None},
	} {
		if got := spell.ActionFor(p, tt.n, tt.logOdds, tt.typedBest, tt.zero); got != tt.want {
			t.Errorf("ActionFor(n=%d, log odds %v, typed best %v, zero results %v) = %s, want %s", tt.n, tt.logOdds,
				tt.typedBest, tt.zero, got, tt.want)
		}
	}
}
