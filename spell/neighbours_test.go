package spell_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/spellwright/speller/candidates"
	"github.com/spellwright/speller/internal/testmodel"
	"github.com/spellwright/speller/model"
	"github.com/spellwright/speller/spell"
)

// TestNeighbours checks that the neighbour table changes no answer: a corrector with it answers exactly like
// one without it, while the table is being built (queries running beside the build) and once it is, with and
// without a request's own terms (a never-suggest word must not come out of the table either). The default
// model's table takes about a second to build; under the race detector the fixture model stands in for it.
func TestNeighbours(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("testdata", "queries.txt"))
	if err != nil {
		t.Fatal(err)
	}
	queries := append(strings.Split(strings.TrimRight(string(raw), "\n"), "\n"),
		"jewlery box", "the dress", "gold earings", "dres for the shop", "leather boots", "butter dish", "a cat")
	var b *model.Bundle
	if raceEnabled {
		b = testmodel.Build(t, "neighbours")
	} else {
		b = defaultCorrector(t).Bundle()
	}
	plain := spell.New(b, spell.Options{TokenCache: -1})
	c := spell.New(b, spell.Options{TokenCache: -1, Neighbours: true})
	ctx := context.Background()
	check := func(stage string) error {
		for _, q := range queries {
			for _, req := range []spell.Request{{Query: q}, {Query: q, NeverSuggest: []string{"dress", "the", "box"}}} {
				got, gerr := c.Correct(ctx, req)
				want, werr := plain.Correct(ctx, req)
				if (gerr == nil) != (werr == nil) || !reflect.DeepEqual(got, want) {
					return errors.New(stage + ": " + req.Query + ": the answers differ with the neighbour table")
				}
			}
		}
		return nil
	}
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for range 4 {
		wg.Go(func() { errs <- check("during the build") })
	}
	if err := c.WaitNeighbours(ctx); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	if err := check("after the build"); err != nil {
		t.Error(err)
	}
	// WithParams shares the table: the same answers as a corrector without it under the same parameters.
	p := b.Params
	p.LogPTypo, p.Intercept = -2, 0.5
	c, plain = c.WithParams(p), plain.WithParams(p)
	if err := check("with other parameters"); err != nil {
		t.Error(err)
	}
	// Other options that draw a vocabulary word's candidates one edit away: the table holds for them too.
	for _, o := range []spell.Options{{MaxDistance: 1, KnownLogProb: -13}, {ShortToken: -1}, {Beam: -1, MaxCandidates: 3}} {
		o.TokenCache = -1
		plain = spell.New(b, o)
		o.Neighbours = true
		c = spell.New(b, o)
		if err := c.WaitNeighbours(ctx); err != nil {
			t.Fatal(err)
		}
		if err := check("options " + fmt.Sprintf("%+v", o)); err != nil {
			t.Error(err)
		}
	}
}

// TestWaitNeighbours: a corrector without the table does not wait; one building it waits until it is built
// or the context ends.
func TestWaitNeighbours(t *testing.T) {
	b := testmodel.Build(t, "wait")
	canceled, cancel := context.WithCancel(context.Background())
	cancel()
	if c := spell.New(b, spell.Options{}); c.HasNeighbours() || c.WaitNeighbours(canceled) != nil {
		t.Errorf("without the table: HasNeighbours %v, WaitNeighbours %v", c.HasNeighbours(), c.WaitNeighbours(canceled))
	}
	c := spell.New(b, spell.Options{Neighbours: true})
	if !c.HasNeighbours() {
		t.Error("HasNeighbours false with the table asked for")
	}
	if err := c.WaitNeighbours(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := c.WaitNeighbours(canceled); err != nil {
		t.Errorf("the table built, a canceled wait: %v", err)
	}
	if raceEnabled {
		return
	}
	def := defaultCorrector(t).Bundle()
	big := spell.New(def, spell.Options{Neighbours: true}) // about a second to build
	if err := big.WaitNeighbours(canceled); !errors.Is(err, context.Canceled) {
		t.Errorf("building, a canceled wait: %v, want context.Canceled", err)
	}
	// No table where it would never be used (candidates two edits from every word), nor over an index of the
	// caller's, which may change under it: nothing to wait for.
	for name, o := range map[string]spell.Options{
		"max distance 3": {Neighbours: true, MaxDistance: 3},
		"own index":      {Neighbours: true, Index: candidates.NewSymSpell(def.LM, candidates.SymSpellOptions{})},
	} {
		if c := spell.New(def, o); c.HasNeighbours() || c.WaitNeighbours(canceled) != nil {
			t.Errorf("%s: a table is built", name)
		}
	}
}

// BenchmarkNeighbours measures building the default model's neighbour table: New with it, waited for, less
// what New costs without it is BenchmarkNew.
func BenchmarkNeighbours(b *testing.B) {
	bundle := defaultCorrector(b).Bundle()
	b.ReportAllocs()
	for b.Loop() {
		if err := spell.New(bundle, spell.Options{Neighbours: true}).WaitNeighbours(context.Background()); err != nil {
			b.Fatal(err)
		}
	}
}
