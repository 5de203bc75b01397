package tokenize_test

import (
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/spellwright/speller/tokenize"
)

func TestVariants(t *testing.T) {
	tests := []struct {
		name, text string
		want       []string // exact result, in order; nil: none
		has        []string // when want is nil and has is set: the result holds these, in this relative order
	}{
		{"plain ascii", "dress", nil, nil},
		{"empty", "", nil, nil},
		{"digits and hyphen", "t-shirt", nil, nil},
		{"possessive", "ford's", []string{"ford", "fords"}, nil},
		{"possessive, curly apostrophe", "ford\u2019s", []string{"ford", "fords"}, nil},
		{"inner apostrophe", "o'neill", []string{"oneill"}, nil},
		{"inner apostrophe, curly", "o\u2019neill", []string{"oneill"}, nil},
		{"possessive of a name with an apostrophe", "o'neill's", []string{"o'neill", "oneill", "oneills"}, nil},
		{"two apostrophes", "rock'n'roll", []string{"rocknroll"}, nil},
		{"diacritic, composed", "café", []string{"cafe"}, nil},
		{"diacritic, decomposed", "cafe\u0301", []string{"cafe"}, nil},
		{"diaeresis", "naïve", []string{"naive"}, nil},
		// The documented order: the possessive first, then without apostrophes, then without diacritics.
		{"possessive with diacritic", "josé's", []string{"josé", "josés", "jose", "joses", "jose's"}, nil},
		{"apostrophe and diacritic", "l'oréal", nil, []string{"loréal", "loreal"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tokenize.Variants(nil, tt.text)
			if tt.has == nil {
				if !slices.Equal(got, tt.want) {
					t.Fatalf("Variants(%q) = %q, want %q", tt.text, got, tt.want)
				}
			} else {
				last := -1
				for _, h := range tt.has {
					i := slices.Index(got, h)
					if i < 0 || i < last {
						t.Fatalf("Variants(%q) = %q, want %q among them in this order", tt.text, got, tt.has)
					}
					last = i
				}
			}
			checkVariants(t, tt.text, got)

			// Appends to dst, leaving what it held.
			prefix := []string{"\x00kept"}
			if got2 := tokenize.Variants(slices.Clone(prefix), tt.text); !slices.Equal(got2, append(prefix, got...)) {
				t.Fatalf("Variants(%q, %q) = %q, want the prefix then %q", prefix, tt.text, got2, got)
			}
		})
	}
}

func TestPossessive(t *testing.T) {
	for _, tt := range []struct{ text, word, suffix string }{
		{"frod's", "frod", "'s"},
		{"frod\u2019s", "frod", "\u2019s"},
		{"o'neill's", "o'neill", "'s"},
		{"'s", "'s", ""},
		{"dress", "dress", ""},
		{"dresses", "dresses", ""},
		{"", "", ""},
	} {
		if w, s := tokenize.Possessive(tt.text); w != tt.word || s != tt.suffix {
			t.Errorf("Possessive(%q) = %q, %q; want %q, %q", tt.text, w, s, tt.word, tt.suffix)
		}
	}
}

func TestVariantsPlainNoAlloc(t *testing.T) {
	dst := make([]string, 0, 4)
	for _, text := range []string{"dress", "flower", "500ml", "t-shirt", ""} {
		allocs := testing.AllocsPerRun(100, func() { dst = tokenize.Variants(dst[:0], text) })
		if allocs != 0 {
			t.Errorf("Variants(%q) allocates %v times, want 0", text, allocs)
		}
		if len(dst) != 0 {
			t.Errorf("Variants(%q) = %q, want none", text, dst)
		}
	}
}

// checkVariants checks the invariants of Variants' result for text (a valid UTF-8 string): every variant
// non-empty, valid UTF-8, different from text, no two equal; none for plain ASCII without an apostrophe.
func checkVariants(t *testing.T, text string, got []string) {
	t.Helper()
	seen := make(map[string]bool, len(got))
	for _, v := range got {
		switch {
		case v == "":
			t.Fatalf("Variants(%q) = %q: an empty variant", text, got)
		case !utf8.ValidString(v):
			t.Fatalf("Variants(%q) = %q: variant %q is not valid UTF-8", text, got, v)
		case v == text:
			t.Fatalf("Variants(%q) = %q: a variant equals the input", text, got)
		case seen[v]:
			t.Fatalf("Variants(%q) = %q: %q twice", text, got, v)
		}
		seen[v] = true
	}
	plain := true
	for i := 0; i < len(text); i++ {
		if text[i] >= utf8.RuneSelf || text[i] == '\'' {
			plain = false
		}
	}
	if plain && len(got) > 0 {
		t.Fatalf("Variants(%q) = %q: a plain ASCII word has none", text, got)
	}
}

func FuzzVariants(f *testing.F) {
	for _, s := range []string{
		"", "dress", "ford's", "ford\u2019s", "o'neill", "o'neill's", "café", "cafe\u0301", "josé's", "'s", "'",
		"''", "\u2019s", "rock'n'roll", "l'oréal", "\u0301", "e\u0301's", "한국", "ǆ", "a\xffb's", "\xe2\x80",
		"Ford's CAFÉ", "ﬁne", "women's t-shirt",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := tokenize.Variants(nil, s) // must not panic, on any input
		if utf8.ValidString(s) {
			checkVariants(t, s, got)
		}
		// The input the corrector gives it: the normalized text of a word token.
		for _, tok := range tokenize.Tokenize(nil, s) {
			if tok.Kind != tokenize.Word {
				continue
			}
			checkVariants(t, tok.Text, tokenize.Variants(nil, tok.Text))
		}
		// A possessive always yields the word without it, first.
		if base, ok := strings.CutSuffix(s, "'s"); ok && base != "" && utf8.ValidString(s) {
			if v := tokenize.Variants(nil, s); len(v) == 0 || v[0] != base {
				t.Fatalf("Variants(%q) = %q, want %q first", s, v, base)
			}
		}
	})
}
