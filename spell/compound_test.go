package spell_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/spellwright/speller/data"
	"github.com/spellwright/speller/model"
	"github.com/spellwright/speller/spell"
)

// TestSplitMerge: splits, merges, re-splits and segmentation, alone, with misspelled words, and several in one
// query; and correct queries they must leave alone.
func TestSplitMerge(t *testing.T) {
	c := untuned(t)
	tests := []struct {
		name, query, want string // want "" for no correction
	}{
		{"split", "flowergirl", "flower girl"},
		{"split", "weddingdress", "wedding dress"},
		{"split keeps case", "Silverearrings", "Silver earrings"},
		{"split in a query", "flowergirl dress", "flower girl dress"},
		{"split, misspelled part", "weddingdres", "wedding dress"},
		{"split, misspelled part", "silverearings", "silver earrings"},
		{"merge", "ear ring", "earring"},
		{"merge", "cow boys", "cowboys"},
		{"re-split", "silve rearrings", "silver earrings"},
		{"re-split", "weddin gdress", "wedding dress"},
		{"several", "weddingdres and ear ring", "wedding dress and earring"},
		{"segmentation", "thebestwaytopredictthefutureistocreateit", "the best way to predict the future is to create it"},
		{"segmentation", "goldnecklaceforwomen", "gold necklace for women"},
		{"segmentation, misspelled word", "ifyoucannotfindthesizeyouwantpleasecontatourcustomerservice",
			"if you cannot find the size you want please contact our customer service"},
		{"correct", "red dress", ""},
		{"correct", "dress shoes", ""},
		{"correct", "summer dress", ""},
		{"no merge across punctuation", "ear-ring", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name+"/"+tt.query, func(t *testing.T) {
			r, err := c.Correct(context.Background(), spell.Request{Query: tt.query})
			if err != nil {
				t.Fatal(err)
			}
			if r.Correction != tt.want {
				t.Fatalf("Correct(%q) = %s %q (log odds %.2f), want %q", tt.query, r.Action, r.Correction, r.LogOdds, tt.want)
			}
			for _, tok := range r.Tokens {
				if tt.query[tok.Start:tok.End] != tok.Typed {
					t.Fatalf("token %+v: span does not match the query", tok)
				}
			}
		})
	}
}

// TestSplitMergeTokens checks the tokens of a merge (one token over both typed tokens) and of a split.
func TestSplitMergeTokens(t *testing.T) {
	c := untuned(t)
	r, err := c.Correct(context.Background(), spell.Request{Query: "red ear ring"})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Tokens) != 2 || r.Tokens[1] != (spell.Token{Typed: "ear ring", Chosen: "earring", Start: 4, End: 12, Changed: true}) {
		t.Fatalf("merge tokens %+v", r.Tokens)
	}
	r, err = c.Correct(context.Background(), spell.Request{Query: "flowergirl dress"})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Tokens) != 2 || r.Tokens[0] != (spell.Token{Typed: "flowergirl", Chosen: "flower girl", Start: 0, End: 10, Changed: true}) {
		t.Fatalf("split tokens %+v", r.Tokens)
	}
}

// TestFarCandidates: a weak token gets candidates three edits away (LookupWide) and words that sound like it
// (candidates.Phonetic; the last two, Birkbeck misspellings that LookupWide misses); with the wider searches
// off it does not.
func TestFarCandidates(t *testing.T) {
	c := untuned(t)
	narrow := spell.New(c.Bundle(), spell.Options{WeakMargin: -1}).WithParams(model.DefaultParams)
	for _, tt := range []struct{ query, want string }{
		{"ocasionly", "occasionally"},
		{"garrante", "guarantee"},
		{"miscelenious", "miscellaneous"},
		{"mistreous", "mysterious"},
		{"secsesful", "successful"},
	} {
		r, err := c.Correct(context.Background(), spell.Request{Query: tt.query})
		if err != nil {
			t.Fatal(err)
		}
		if r.BestPath != tt.want {
			t.Errorf("%q: best path %q, want %q", tt.query, r.BestPath, tt.want)
		}
		r, err = narrow.Correct(context.Background(), spell.Request{Query: tt.query})
		if err != nil {
			t.Fatal(err)
		}
		if r.BestPath == tt.want {
			t.Errorf("%q: found %q without the wider search", tt.query, tt.want)
		}
	}
}

var (
	listsOnce sync.Once
	listsC    *spell.Corrector
)

// listsCorrector is the default model with a protected and a never-suggest list.
func listsCorrector(t *testing.T) *spell.Corrector {
	listsOnce.Do(func() {
		b, err := data.Default()
		if err != nil {
			t.Fatal(err)
		}
		b.Protected = []string{"jewlery", "Gold Fish"}
		b.NeverSuggest = []string{"necklace", "DRESS"}
		listsC = spell.New(b, spell.Options{})
	})
	if listsC == nil {
		t.Fatal("model failed to load")
	}
	return listsC
}

// TestTerms: protected tokens are never changed, never-suggest words never produced (not as corrections, not
// in alternatives, not as parts of splits), from the model's lists and the request's, in Correct and Decide
// (which may differ otherwise: Decide removes the states the request forbids from the prepared candidates,
// where Correct draws others in their place).
func TestTerms(t *testing.T) {
	plain, lists := defaultCorrector(t), listsCorrector(t)
	tests := []struct {
		name  string
		c     *spell.Corrector
		req   spell.Request
		want  string // the correction, "" for none
		never string // a word no alternative may hold
	}{
		{"model: protected", lists, spell.Request{Query: "jewlery box"}, "", ""},
		{"model: protected, neighbour corrected", lists, spell.Request{Query: "jewlery bracelte"}, "jewlery bracelet", ""},
		{"model: protected term of two words", lists, spell.Request{Query: "gold fish"}, "", ""},
		{"model: never suggested", lists, spell.Request{Query: "necklase"}, "", "necklace"},
		{"model: never a split part", lists, spell.Request{Query: "weddingdress"}, "", "dress"},
		{"model: typed never-suggest word kept", lists, spell.Request{Query: "red dress"}, "", ""},
		{"request: protected", plain, spell.Request{Query: "jewlery box", Protected: []string{"JEWLERY"}}, "", ""},
		{"request: protected, no merge", plain, spell.Request{Query: "ear ring", Protected: []string{"ring"}}, "", "earring"},
		{"request: protected, no split", plain, spell.Request{Query: "flowergirl", Protected: []string{"flowergirl"}}, "", ""},
		{"request: never suggested", plain, spell.Request{Query: "jewlery box", NeverSuggest: []string{"jewelry"}}, "", "jewelry"},
		{"request: never a split part", plain, spell.Request{Query: "flowergirl", NeverSuggest: []string{"girl"}}, "", "girl"},
		{"request: never a merge", plain, spell.Request{Query: "ear ring", NeverSuggest: []string{"earring"}}, "", "earring"},
		{"request adds to the model", lists, spell.Request{Query: "jewlery bx", Protected: []string{"bx"}}, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := tt.c.Correct(context.Background(), tt.req)
			if err != nil {
				t.Fatal(err)
			}
			check := func(how string, r *spell.Result) {
				t.Helper()
				if tt.want != "" && r.Correction != tt.want {
					t.Errorf("%s: %s %q, want %q", how, r.Action, r.Correction, tt.want)
				}
				if tt.want == "" && tt.never == "" && r.Action != spell.None {
					t.Errorf("%s: %s %q, want no correction", how, r.Action, r.Correction)
				}
				for _, a := range r.Alternatives {
					if tt.never != "" && strings.Contains(" "+a.Text+" ", " "+tt.never+" ") {
						t.Errorf("%s: alternative %q has %q", how, a.Text, tt.never)
					}
				}
			}
			check("Correct", r)
			p, err := tt.c.Prepare(context.Background(), tt.req.Query)
			if err != nil {
				t.Fatal(err)
			}
			check("Decide", tt.c.Decide(p, tt.c.Params(), tt.req))
		})
	}
}

func TestTermLimits(t *testing.T) {
	c := spell.New(defaultCorrector(t).Bundle(), spell.Options{MaxTerms: 2, MaxQueryBytes: 16})
	for _, tt := range []struct {
		req  spell.Request
		want error
	}{
		{spell.Request{Query: "dres", Protected: []string{"a", "b"}, NeverSuggest: []string{"c"}}, spell.ErrTooMany},
		{spell.Request{Query: "dres", Protected: []string{strings.Repeat("x", 17)}}, spell.ErrTooLong},
		{spell.Request{Query: "dres", NeverSuggest: []string{"x\xff"}}, spell.ErrInvalidUTF8},
		{spell.Request{Query: "dres", Protected: []string{"a"}, NeverSuggest: []string{"b"}}, nil},
	} {
		if _, err := c.Correct(context.Background(), tt.req); !errors.Is(err, tt.want) {
			t.Errorf("%+v: %v, want %v", tt.req, err, tt.want)
		}
	}
}

// TestDecideSpaceParam: deciding a prepared query under another log_p_space prices its split and merge states
// again, as a corrector built with that value would.
func TestDecideSpaceParam(t *testing.T) {
	c := untuned(t)
	for _, q := range []string{"ear ring", "flowergirl dress", "silve rearrings", "thebestwaytopredictthefuture"} {
		p, err := c.Prepare(context.Background(), q)
		if err != nil {
			t.Fatal(err)
		}
		for _, space := range []float64{-1, -3, -8} {
			params := c.Params()
			params.LogPSpace = space
			want, err := c.WithParams(params).Correct(context.Background(), spell.Request{Query: q})
			if err != nil {
				t.Fatal(err)
			}
			got := c.Decide(p, params, spell.Request{Query: q})
			if got.Correction != want.Correction || got.BestPath != want.BestPath || !near(got.LogOdds, want.LogOdds) {
				t.Errorf("%q, log_p_space %v: Decide %q %q %.4f, Correct %q %q %.4f", q, space, got.Correction,
					got.BestPath, got.LogOdds, want.Correction, want.BestPath, want.LogOdds)
			}
		}
	}
}

func near(a, b float64) bool { return a-b < 1e-9 && b-a < 1e-9 }

// TestV1Bundle: a bundle that predates log_p_space and the term lists works with the defaults.
func TestV1Bundle(t *testing.T) {
	b, err := model.Open("../model/testdata/v1.model")
	if err != nil {
		t.Fatal(err)
	}
	c := spell.New(b, spell.Options{})
	if c.Params().LogPSpace != model.DefaultParams.LogPSpace {
		t.Fatalf("log_p_space %v", c.Params().LogPSpace)
	}
	if _, err := c.Correct(context.Background(), spell.Request{Query: "jewlerybox"}); err != nil {
		t.Fatal(err)
	}
}

// BenchmarkSegment60 is a 60-character query typed without spaces, clean and with a typo: the segmentation
// must stay within a budget of 2 ms (about 0.8 ms on a quiet machine, both).
func BenchmarkSegment60(b *testing.B) {
	c := engineCorrector(b)
	for _, q := range []struct{ name, query, want string }{
		{"clean", "ifyoucannotfindthesizeyouwantpleasecontactourcustomerservice",
			"if you cannot find the size you want please contact our customer service"},
		{"typo", "ifyoucannotfindthesizeyouwantpleasecontaxtourcustomerservice",
			"if you cannot find the size you want please contact our customer service"},
	} {
		b.Run(q.name, func(b *testing.B) {
			if len(q.query) != 60 {
				b.Fatalf("query of %d characters", len(q.query))
			}
			b.ReportAllocs()
			for b.Loop() {
				r, err := c.Correct(context.Background(), spell.Request{Query: q.query})
				if err != nil || r.Correction != q.want {
					b.Fatalf("%q: %q, %v", q.query, r.Correction, err)
				}
			}
		})
	}
}
