package train_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/spellwright/speller/train"
)

var buildTime = time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)

// TestNoisyUnigramsFilter: Bundle leaves out of the vocabulary the words only a noisy list has that the training
// data shows to be misspellings, and keeps the others. The noisy list is one source, so the ratios of its
// counts are those Bundle compares (it is scaled as a whole).
func TestNoisyUnigramsFilter(t *testing.T) {
	const (
		// Frequent words, in the noisy list.
		frequent = "receive 1000000\ndefinitely 1000000\nthe 5000000\njewelry 2000000\nrecipe 1000\n"
		// Noisy-only words judged by the filter.
		judged = "recieve 900\n" + // 1111 times rarer than "receive", one edit: out
			"definately 2000\n" + // 500 times rarer than "definitely": out at the default ratio, 100
			"thw 10\n" + // 500000 times rarer than "the", but three runes: kept
			"jewlery 50000\n" + // the typed side of a pair (40 times rarer only): out
			"teh 40000\n" + // typed side of a pair, though short: out
			"recipie 5\n" + // 200 times rarer than "recipe": out at 100, kept at 1000
			"colour 3\n" + // in the curated list too: kept
			"speling 4\n" + // in the corpus (twice): kept
			"keto 30000\n" // nothing near it: kept
	)
	tests := []struct {
		name  string
		opts  train.NoisyOptions
		out   []string // left out of the vocabulary
		kept  []string
		rep   train.NoisyReport // Examples: those it must hold
		extra func(t *testing.T, c *train.Counter)
	}{
		{
			name: "defaults",
			out:  []string{"recieve", "jewlery", "teh", "definately", "recipie"},
			kept: []string{"thw", "colour", "speling", "keto", "receive", "definitely", "the", "jewelry", "recipe",
				"color", "spelling", "dress"},
			rep: train.NoisyReport{Listed: 2, Frequent: 3,
				Examples: []string{"jewlery", "teh", "recieve→receive", "definately→definitely", "recipie→recipe"}},
		},
		{
			name: "ratio 1000",
			opts: train.NoisyOptions{Ratio: 1000},
			out:  []string{"recieve", "jewlery", "teh"},
			kept: []string{"definately", "thw", "recipie", "colour", "speling", "keto"},
			rep:  train.NoisyReport{Listed: 2, Frequent: 1, Examples: []string{"recieve→receive"}},
		},
		{
			name: "shorter words judged",
			opts: train.NoisyOptions{MinRunes: 3},
			out:  []string{"recieve", "jewlery", "teh", "thw", "definately", "recipie"},
			kept: []string{"colour", "speling", "keto"},
			rep:  train.NoisyReport{Listed: 2, Frequent: 4, Examples: []string{"thw→the"}},
		},
		{
			name: "higher ratio",
			opts: train.NoisyOptions{Ratio: 2000},
			out:  []string{"jewlery", "teh"},
			kept: []string{"recieve", "definately", "thw", "recipie"},
			rep:  train.NoisyReport{Listed: 2, Frequent: 0},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := train.NewCounter()
			if err := c.AddCorpus(strings.NewReader("speling speling spelling dress\nspelling dress\n"),
				&train.SourceReport{}); err != nil {
				t.Fatal(err)
			}
			if err := c.AddUnigrams(strings.NewReader("colour 10\ncolor 100000\n"), 0.5, &train.SourceReport{}); err != nil {
				t.Fatal(err)
			}
			if err := c.AddNoisyUnigrams(strings.NewReader(frequent+judged), 1, &train.SourceReport{}); err != nil {
				t.Fatal(err)
			}
			for _, p := range [][2]string{{"jewlery", "jewelry"}, {"teh", "the"}, {"dres", "dress"}} {
				if reason := c.AddPair(p[0], p[1], 1); reason != "" {
					t.Fatalf("AddPair%q: %s", p, reason)
				}
			}
			b, err := c.Bundle(train.Options{BuildTime: buildTime, Noisy: tt.opts})
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range tt.out {
				if _, ok := b.LM.ID(w); ok {
					t.Errorf("%q is in the vocabulary, want it left out", w)
				}
			}
			for _, w := range tt.kept {
				if _, ok := b.LM.ID(w); !ok {
					t.Errorf("%q was left out of the vocabulary, want it kept", w)
				}
			}
			got := c.Noisy
			if got.Listed != tt.rep.Listed || got.Frequent != tt.rep.Frequent {
				t.Errorf("Noisy report: %d listed, %d near a frequent word; want %d, %d (%+v)", got.Listed,
					got.Frequent, tt.rep.Listed, tt.rep.Frequent, got)
			}
			if len(got.Examples) != got.Listed+got.Frequent {
				t.Errorf("Noisy report examples %q, want one per word left out (%d)", got.Examples,
					got.Listed+got.Frequent)
			}
			for _, ex := range tt.rep.Examples {
				if !slices.Contains(got.Examples, ex) {
					t.Errorf("Noisy report examples %q, want %q among them", got.Examples, ex)
				}
			}
			if _, ok := b.Meta.Extra["noisy_unigrams"]; !ok {
				t.Error("the bundle's metadata has no noisy_unigrams report")
			}
		})
	}
}

// TestNoisyUnigramsOnlyNoisy: the filter applies to the words of noisy lists only; the same words in a
// curated list all enter the vocabulary, and the report is empty.
func TestNoisyUnigramsOnlyNoisy(t *testing.T) {
	c := train.NewCounter()
	if err := c.AddUnigrams(strings.NewReader("receive 1000000\nrecieve 10\njewlery 5\n"), 1, &train.SourceReport{}); err != nil {
		t.Fatal(err)
	}
	c.AddPair("jewlery", "jewelry", 1)
	b, err := c.Bundle(train.Options{BuildTime: buildTime})
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{"receive", "recieve", "jewlery"} {
		if _, ok := b.LM.ID(w); !ok {
			t.Errorf("%q of a curated list was left out", w)
		}
	}
	if c.Noisy.Listed != 0 || c.Noisy.Frequent != 0 || len(c.Noisy.Examples) != 0 {
		t.Errorf("Noisy report %+v without a noisy list, want empty", c.Noisy)
	}
	if _, ok := b.Meta.Extra["noisy_unigrams"]; ok {
		t.Error("noisy_unigrams report in the metadata without a noisy list")
	}
}
