package randedit

import (
	"math/rand/v2"
	"testing"

	"github.com/spellwright/speller/internal/editdist"
)

// TestApply: n edits move a word at most 2n edits away (OSA, which counts a transposition edited again as two
// edits), only with the letters given, and leave the argument as it was; no edit is none.
func TestApply(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	letters := []rune("xyé")
	for _, tt := range []struct {
		word string
		n    int
	}{{"", 0}, {"", 3}, {"a", 1}, {"ab", 2}, {"spelling", 1}, {"spelling", 3}, {"日本語", 2}} {
		for range 200 {
			w := []rune(tt.word)
			got := Apply(r, w, letters, tt.n)
			if string(w) != tt.word {
				t.Fatalf("Apply changed its argument %q to %q", tt.word, string(w))
			}
			if d := editdist.OSA(w, got, 100, nil); d > 2*tt.n {
				t.Fatalf("Apply(%q, %d) = %q, %d edits away", tt.word, tt.n, string(got), d)
			}
			if tt.n == 0 && string(got) != tt.word {
				t.Fatalf("Apply(%q, 0) = %q", tt.word, string(got))
			}
			for _, c := range got {
				if !containsRune([]rune(tt.word), c) && !containsRune(letters, c) {
					t.Fatalf("Apply(%q) = %q: %q is neither the word's nor a letter", tt.word, string(got), c)
				}
			}
		}
	}
}

func containsRune(rs []rune, c rune) bool {
	for _, r := range rs {
		if r == c {
			return true
		}
	}
	return false
}
