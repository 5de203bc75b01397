package train

import (
	"strings"
	"testing"

	"github.com/spellwright/speller/langmodel"
)

func TestCountTextRuns(t *testing.T) {
	c := NewCounter()
	c.CountQuery("Red dress, size 10 for women", 2)
	b, err := c.Bundle(Options{MinCorpusCount: 1})
	if err == nil {
		t.Fatal("a bundle without pairs must be refused")
	}
	c.AddPair("dres", "dress", 1)
	b, err = c.Bundle(Options{MinCorpusCount: 1})
	if err != nil {
		t.Fatal(err)
	}
	id := func(w string) uint32 {
		i, ok := b.LM.ID(w)
		if !ok {
			t.Fatalf("%q not in vocabulary", w)
		}
		return i
	}
	red, dress, size, forw, women := id("red"), id("dress"), id("size"), id("for"), id("women")
	if _, ok := b.LM.ID("10"); ok {
		t.Fatal("numbers must not enter the vocabulary")
	}
	// Seen bigrams beat the unigram; pairs across the comma and the number were not counted.
	for _, p := range [][2]uint32{{langmodel.Start, red}, {red, dress}, {forw, women}} {
		if b.LM.LogProb(p[0], p[1]) <= b.LM.LogUnigram(p[1]) {
			t.Errorf("bigram %v not counted", p)
		}
	}
	for _, p := range [][2]uint32{{dress, size}, {size, forw}, {langmodel.Start, dress}} {
		if b.LM.LogProb(p[0], p[1]) > b.LM.LogUnigram(p[1]) {
			t.Errorf("bigram %v counted across a break", p)
		}
	}
}

func TestSkipReasons(t *testing.T) {
	tests := []struct {
		kind, input string
		used        int64
		skipped     map[string]int64
	}{
		{"unigrams", "dress 10\nbad\nred x\nred -1\n500ml 3\nsilver 4 extra\n\n", 1,
			map[string]int64{SkipMalformed: 2, SkipBadCount: 2, SkipNotAWord: 1}},
		{"pairs", "dres\tdress\nno tab\nsame\tsame\nabcdefgh\tzyxwvuts\nred dres\tred dress\n", 1,
			map[string]int64{SkipMalformed: 1, SkipPairSame: 1, SkipPairFar: 1, SkipNotAWord: 1}},
		{"queries", "# comment\nred dress\t3\nblue dress\nbad\tcount\n\xff\t1\n", 2,
			map[string]int64{SkipBadCount: 1, SkipInvalidUTF: 1}},
	}
	for _, tt := range tests {
		t.Run(tt.kind, func(t *testing.T) {
			c := NewCounter()
			rep := &SourceReport{}
			var err error
			switch tt.kind {
			case "unigrams":
				err = c.AddUnigrams(strings.NewReader(tt.input), 1, rep)
			case "pairs":
				err = c.AddPairs(strings.NewReader(tt.input), 1, rep)
			case "queries":
				err = c.AddQueries(strings.NewReader(tt.input), rep)
			}
			if err != nil {
				t.Fatal(err)
			}
			if rep.Used != tt.used {
				t.Errorf("used %d, want %d", rep.Used, tt.used)
			}
			for k, v := range tt.skipped {
				if rep.Skipped[k] != v {
					t.Errorf("skipped[%s] = %d, want %d (all: %v)", k, rep.Skipped[k], v, rep.Skipped)
				}
			}
			if rep.SHA256 == "" {
				t.Error("no checksum of the source")
			}
		})
	}
}

func TestLongLine(t *testing.T) {
	c := NewCounter()
	err := c.AddCorpus(strings.NewReader(strings.Repeat("a", maxLine+10)), &SourceReport{})
	if err == nil || !strings.Contains(err.Error(), "longer than") {
		t.Fatalf("err = %v", err)
	}
}

func TestBackgroundWeight(t *testing.T) {
	c := NewCounter()
	c.AddCorpus(strings.NewReader("red dress red dress red dress\n"), &SourceReport{})
	c.AddUnigrams(strings.NewReader("gown 1000\ndress 1000\n"), 1, &SourceReport{})
	c.AddPair("dres", "dress", 1)
	b, err := c.Bundle(Options{})
	if err != nil {
		t.Fatal(err)
	}
	// The list's total (2000) is scaled to the corpus total (6): gown gets 3 of 12.
	gown, ok := b.LM.ID("gown")
	if !ok || b.LM.Count(gown) != 3 {
		t.Fatalf("gown: %v count %d, want 3", ok, b.LM.Count(gown))
	}
}
