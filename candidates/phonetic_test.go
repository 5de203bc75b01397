package candidates

import (
	"slices"
	"testing"
)

func TestKey(t *testing.T) {
	for _, tt := range []struct{ a, b string }{ // words that sound alike get one key
		{"necessary", "nesessery"},
		{"immediately", "imidietly"},
		{"successful", "secsesful"},
		{"acquaintance", "aquaintence"},
		{"miscellaneous", "micilanious"},
		{"night", "nite"},
		{"phone", "fone"},
		{"knight", "nite"},
		{"Photograph", "fotograf"},
	} {
		if ka, kb := Key(tt.a), Key(tt.b); ka != kb || ka == "" {
			t.Errorf("Key(%q) = %q, Key(%q) = %q", tt.a, ka, tt.b, kb)
		}
	}
	if Key("dress") == Key("press") || Key("cat") != Key("cut") {
		t.Errorf("consonants tell words apart, vowels do not: %q %q, %q %q", Key("dress"), Key("press"), Key("cat"), Key("cut"))
	}
	for _, w := range []string{"", "café", "500ml", "a-b"} {
		if k := Key(w); k != "" {
			t.Errorf("Key(%q) = %q, want none", w, k)
		}
	}
}

func TestPhoneticLookup(t *testing.T) {
	v := &SliceVocabulary{Words: []string{"necessary", "nursery", "dress", "immediately", "café"}, Counts: []uint64{5, 4, 3, 2, 1}}
	p := NewPhonetic(v)
	got := p.Lookup(nil, "nesessery", 8)
	if len(got) != 1 || got[0] != (Match{Word: "necessary", ID: 0, Count: 5, Distance: 2}) {
		t.Fatalf("Lookup(nesessery) = %+v", got)
	}
	if got := p.Lookup(nil, "imidietly", 2); len(got) != 1 || got[0].Word != "immediately" || got[0].Distance != 3 {
		t.Fatalf("Lookup(imidietly, 2) = %+v, want immediately at the cap 3", got)
	}
	if got := p.Lookup([]Match{{Word: "x"}}, "café", 2); !slices.Equal(got, []Match{{Word: "x"}}) {
		t.Fatalf("a token without a key: %+v", got)
	}
}

func BenchmarkPhonetic(b *testing.B) {
	v := englishOrSkip(b)
	b.Run("build", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			NewPhonetic(v)
		}
	})
	p := NewPhonetic(v)
	queries := []string{"nesessery", "imidietly", "secsesful", "aquaintence", "micilanious", "fotograf"}
	b.Run("lookup", func(b *testing.B) {
		b.ReportAllocs()
		var dst []Match
		i := 0
		for b.Loop() {
			dst = p.Lookup(dst[:0], queries[i%len(queries)], 8)
			i++
		}
	})
}
