package mine

import (
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestCompare(t *testing.T) {
	tests := []struct {
		typed, intended string
		kind            Kind
		tokens          []TokenPair
	}{
		{"jewlery box", "jewelry box", Correction, []TokenPair{{"jewlery", "jewelry"}}},
		{"Jewlery  BOX!", "jewelry box", Correction, []TokenPair{{"jewlery", "jewelry"}}},
		{"lether bots", "leather boots", Correction, []TokenPair{{"lether", "leather"}, {"bots", "boots"}}},
		{"dress", "dress", Same, nil},
		{"Red Dress", "red dress", Same, nil},
		{"red, dress", "red dress", Same, nil},
		{"dress", "red dress", Refinement, nil},
		{"red dress", "dress", Refinement, nil},
		{"red dress", "red dress long", Refinement, nil},
		{"ear ring", "earring", SplitMerge, []TokenPair{{"ear ring", "earring"}}},
		{"flowergirl dress", "flower girl dress", SplitMerge, []TokenPair{{"flowergirl", "flower girl"}}},
		{"ahat", "a hat", SplitMerge, []TokenPair{{"ahat", "a hat"}}},
		{"dres", "red dress", Unrelated, nil},  // a refinement and a typo at once
		{"size 10", "size 12", Unrelated, nil}, // numbers are not corrected
		{"dress", "shoes", Unrelated, nil},     // too far
		{"abcd", "wxyz", Unrelated, nil},       // 4 edits
		{"acommodation", "accommodation", Correction, []TokenPair{{"acommodation", "accommodation"}}},
		{"acomodatoin", "accommodation", Correction, []TokenPair{{"acomodatoin", "accommodation"}}}, // 3 edits, 13 runes
		{"acomdaton", "accommodation", Unrelated, nil},                                              // 4 edits
		{"dres", "drxyz", Unrelated, nil},                                                           // 3 edits, short word
		// every token within 2 edits, but the whole query changes too much
		{"ab cd ef", "xb yd zf", Unrelated, nil},
		{"", "dress", Unrelated, nil},
		{"!!", "dress", Unrelated, nil},
		{"dres", "", Unrelated, nil},
		{"a dres", "a dress", Correction, []TokenPair{{"dres", "dress"}}},
		{"x dress", "a dress", Unrelated, nil}, // a one-rune token is not correctable
		{"www.foo.com", "www.fo.com", Unrelated, nil},
	}
	for _, tt := range tests {
		c := Compare(tt.typed, tt.intended)
		if c.Kind != tt.kind || !reflect.DeepEqual(c.Tokens, tt.tokens) && len(c.Tokens)+len(tt.tokens) > 0 {
			t.Errorf("Compare(%q, %q) = %v %v, want %v %v", tt.typed, tt.intended, c.Kind, c.Tokens, tt.kind, tt.tokens)
		}
		if c.Kind == Correction || c.Kind == SplitMerge {
			if c.Typed != Normalize(tt.typed) || c.Intended != Normalize(tt.intended) {
				t.Errorf("Compare(%q, %q): queries %q %q", tt.typed, tt.intended, c.Typed, c.Intended)
			}
		}
	}
}

func TestMaxTokenEdits(t *testing.T) {
	for n, want := range map[int]int{1: 2, 7: 2, 8: 3, 20: 3} {
		if got := MaxTokenEdits(n); got != want {
			t.Errorf("MaxTokenEdits(%d) = %d, want %d", n, got, want)
		}
	}
}

// session builds a session from (seconds offset, query, clicks) triples.
func session(specs ...any) []Search {
	var s []Search
	for i := 0; i+2 < len(specs); i += 3 {
		s = append(s, Search{TS: int64(specs[i].(float64) * 1000), Query: specs[i+1].(string), Clicks: int64(specs[i+2].(int))})
	}
	return s
}

func TestSession(t *testing.T) {
	type pair struct{ typed, intended string }
	tests := []struct {
		name  string
		s     []Search
		bot   bool
		found []pair
		clean []int
	}{
		{"correction", session(0., "jewlery", 0, 5., "jewelry", 1), false, []pair{{"jewlery", "jewelry"}}, []int{1}},
		{"no click", session(0., "jewlery", 0, 5., "jewelry", 0), false, nil, nil},
		{"out of window", session(0., "jewlery", 0, 301., "jewelry", 1), false, nil, []int{1}},
		{"just in window", session(0., "jewlery", 0, 300., "jewelry", 1), false, []pair{{"jewlery", "jewelry"}}, []int{1}},
		{"refinement", session(0., "dress", 0, 5., "red dress", 2), false, nil, []int{1}},
		{"clicked then refined", session(0., "dress", 1, 5., "red dress", 2), false, nil, []int{1}},
		{"clicked then refined, no click", session(0., "dress", 1, 5., "red dress", 0), false, nil, nil},
		{"repeat", session(0., "dress", 1, 5., "dress", 1, 9., "dress", 1), false, nil, []int{0, 1, 2}},
		{"split", session(0., "ear ring", 0, 5., "earring", 1), false, []pair{{"ear ring", "earring"}}, []int{1}},
		{"chain", session(0., "jwlery", 0, 5., "jewlery", 0, 9., "jewelry", 1), false, []pair{{"jewlery", "jewelry"}}, []int{2}},
		{"browse", session(0., "dress", 1, 5., "garden chair", 1), false, nil, []int{0, 1}},
		{"typed clicked then corrected", session(0., "dres", 1, 5., "dress", 1), false, []pair{{"dres", "dress"}}, []int{1}},
		{"unsorted gap is ignored", session(5., "jewlery", 0, 0., "jewelry", 1), false, nil, []int{1}},
		{"fast bot", session(0., "a", 0, .1, "b", 0, .2, "c", 0, .3, "d", 0, .4, "e", 0, .5, "f", 0), true, nil, nil},
		{"few fast gaps", session(0., "dres", 0, .5, "dres", 0, 5., "dress", 1), false, []pair{{"dres", "dress"}}, []int{2}},
		{"fast gaps, but not half", session(0., "a", 0, .1, "b", 0, .2, "c", 0, .3, "d", 0, .4, "e", 0, .5, "f", 0,
			10., "g", 0, 20., "h", 0, 30., "i", 0, 40., "j", 0, 50., "k", 0, 60., "l", 0), false, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := NewMiner(Options{})
			var found []pair
			var clean []int
			ok := m.Session(tt.s, func(c *Comparison) { found = append(found, pair{c.Typed, c.Intended}) },
				func(i int) { clean = append(clean, i) })
			if ok == tt.bot {
				t.Fatalf("Session = %v, want bot %v", ok, tt.bot)
			}
			if !reflect.DeepEqual(found, tt.found) || !reflect.DeepEqual(clean, tt.clean) {
				t.Fatalf("found %v clean %v, want %v %v", found, clean, tt.found, tt.clean)
			}
			if m.Stats.Sessions != 1 || m.Stats.Searches != int64(len(tt.s)) {
				t.Fatalf("stats %+v", m.Stats)
			}
		})
	}
}

func TestBotBySize(t *testing.T) {
	m := NewMiner(Options{MaxSearches: 3})
	s := session(0., "a", 0, 10., "b", 0, 20., "c", 0, 30., "d", 1)
	if !m.Bot(s) || m.Bot(s[:3]) {
		t.Fatal("MaxSearches not applied")
	}
	if m.Session(s, nil, nil) || m.Stats.Bots != 1 || m.Stats.BotSearches != 4 {
		t.Fatalf("stats %+v", m.Stats)
	}
}

func TestWindowOption(t *testing.T) {
	m := NewMiner(Options{Window: 10 * time.Second})
	n := 0
	m.Session(session(0., "dres", 0, 11., "dress", 1), func(*Comparison) { n++ }, nil)
	m.Session(session(0., "dres", 0, 10., "dress", 1), func(*Comparison) { n++ }, nil)
	if n != 1 || m.Stats.Candidates != 1 || m.Stats.Corrections != 1 || m.Stats.CleanClicks != 2 {
		t.Fatalf("found %d, stats %+v", n, m.Stats)
	}
}

func TestPlausible(t *testing.T) {
	tests := []struct {
		typed, intended float64
		want            bool
	}{
		{0, 100, true},   // unseen typo
		{2, 100, true},   // rare: not a vocabulary word
		{20, 100, true},  // a frequent misspelling, still much rarer
		{30, 100, false}, // two common words: a reformulation
		{100, 50, false},
		{2, 0, true},
	}
	for _, tt := range tests {
		if got := Plausible(tt.typed, tt.intended, 3, DefaultRealWordShare); got != tt.want {
			t.Errorf("Plausible(%v, %v) = %v", tt.typed, tt.intended, got)
		}
	}
}

func TestKindString(t *testing.T) {
	if Correction.String() != "correction" || SplitMerge.String() != "split_merge" || Kind(99).String() != "unknown" {
		t.Fatal("Kind.String")
	}
}

func BenchmarkSession(b *testing.B) {
	s := session(0., "lether bots", 0, 5., "leather boots", 1, 20., "leather boots brown", 1, 40., "wallet", 1)
	m := NewMiner(Options{})
	for b.Loop() {
		m.Session(s, func(*Comparison) {}, func(int) {})
	}
}

func FuzzCompare(f *testing.F) {
	for _, s := range [][2]string{{"jewlery box", "jewelry box"}, {"ear ring", "earring"}, {"dress", "red dress"}, {"", "x"}, {"\xff", "ÿ"}} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		c := Compare(a, b)
		switch c.Kind {
		case Correction:
			if len(c.Tokens) == 0 || c.Typed == c.Intended {
				t.Fatalf("Compare(%q, %q) = %+v", a, b, c)
			}
		case SplitMerge:
			if len(c.Tokens) != 1 || strings.ReplaceAll(c.Typed, " ", "") != strings.ReplaceAll(c.Intended, " ", "") {
				t.Fatalf("Compare(%q, %q) = %+v", a, b, c)
			}
		case Same:
			if Normalize(a) != Normalize(b) {
				t.Fatalf("Compare(%q, %q) = same", a, b)
			}
		}
	})
}
