package alphabet_test

import (
	"testing"

	"github.com/spellwright/speller/internal/alphabet"
)

func TestClasses(t *testing.T) {
	freq := map[rune]float64{'e': 10, 'a': 10, 'z': 1, 'é': 5, '中': 0.5}
	c := alphabet.New(freq, 2, 5, 1) // room for three characters of their own
	c.Set('^', 0)
	for _, tt := range []struct {
		r    rune
		want uint8
	}{
		{'a', 2}, {'e', 3}, // equal counts: by character
		{'é', 4},           // non-ASCII
		{'z', 1}, {'中', 1}, // past the last class: other
		{'q', 1}, {-1, 1}, // unseen, invalid
		{'^', 0}, // the caller's
	} {
		if got := c.Of(tt.r); got != tt.want {
			t.Errorf("Of(%q) = %d, want %d", tt.r, got, tt.want)
		}
	}
	if c.Len() != 5 {
		t.Errorf("Len = %d, want 5", c.Len())
	}
	seen := map[rune]uint8{}
	c.Each(func(r rune, k uint8) { seen[r] = k })
	if len(seen) != 4 || seen['é'] != 4 || seen['^'] != 0 {
		t.Errorf("Each: %v", seen)
	}
	if got := alphabet.New(nil, 2, 64, 1); got.Len() != 2 || got.Of('a') != 1 {
		t.Errorf("empty: Len %d, Of('a') %d", got.Len(), got.Of('a'))
	}
}
