package spell

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/spellwright/speller/candidates"
	"github.com/spellwright/speller/data"
	"github.com/spellwright/speller/internal/randedit"
)

// TestNearestAsRank: the rankings in the index's order (nearest, wider: ordered look-ups, early stops, the
// error-model bound) keep the same words with the same ranks as rank over every match of the index's
// searches (Sources.Near, Sources.Wide), for typo'd tokens of every length, distance ranges, numbers kept,
// floors, and requests with never-suggest words; of exactly equal ranks either may come first.
func TestNearestAsRank(t *testing.T) {
	b, err := data.Default()
	if err != nil {
		t.Fatal(err)
	}
	c := New(b, Options{TokenCache: -1})
	if c.sym == nil {
		t.Fatal("the default corrector has no ordered index")
	}
	lm := b.LM
	tm := &terms{model: c.lists}
	r := rand.New(rand.NewPCG(1, 2))
	var (
		bounds       []bound
		ms1, ms2     []candidates.Match
		seen         []uint32
		checked, top int
	)
	n := 1500
	if testing.Short() {
		n = 300
	}
	for i := range n {
		w := []rune(lm.Word(uint32(r.IntN(lm.Len()))))
		if i%3 == 0 {
			w = w[:min(len(w), 1+r.IntN(3))] // short tokens reach hundreds of words
		}
		tok := string(randedit.Apply(r, w, []rune("abcdefghijklmnopqrstuvwxyz"), 1+r.IntN(3)))
		if tok == "" {
			continue
		}
		tm.never = tm.never[:0]
		if i%5 == 0 { // never-suggest words among the matches
			for _, m := range c.src.Near(nil, tok, 2) {
				if r.IntN(3) == 0 {
					tm.never = append(tm.never, m.ID)
				}
			}
		}
		k := []int{1, 2, 3, 12}[r.IntN(4)]
		floor := []float64{math.Inf(-1), -30, -20, -15}[r.IntN(4)]
		for _, d := range [][2]int{{0, 1}, {0, 2}, {1, 1}, {2, 2}} {
			got := slices.Clone(c.nearest(nil, &bounds, &ms1, tok, d[0], d[1], floor, k, tm))
			ms := slices.DeleteFunc(c.src.Near(nil, tok, d[1]), func(m candidates.Match) bool { return m.Distance < d[0] })
			want := c.rank(nil, &bounds, ms, tok, floor, k, tm)
			if !sameRanking(got, want) {
				t.Fatalf("nearest(%q, %d..%d, floor %v, k %d):\n got %v\nwant %v", tok, d[0], d[1], floor, k, got, want)
			}
			checked++
			top += len(got)
			if d == [2]int{0, 2} {
				got := c.wider(got, &bounds, &ms2, &seen, tok, 2, floor, k, tm)
				want := c.rank(nil, &bounds, c.src.Wide(nil, tok, 2), tok, floor, k, tm)
				if !sameRanking(got, want) {
					t.Fatalf("wider(%q, floor %v, k %d):\n got %v\nwant %v", tok, floor, k, got, want)
				}
			}
		}
	}
	if top == 0 {
		t.Fatal("no candidate kept")
	}
	t.Logf("%d rankings, %d candidates kept", checked, top)
}

// sameRanking reports whether a and b hold the same ranks and emissions, in order, with the same word at each
// place but among exactly equal ranks.
func sameRanking(a, b []ranked) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].r != b[i].r || a[i].w != b[i].w && !slices.ContainsFunc(b, func(x ranked) bool { return x.w == a[i].w && x.r == a[i].r }) {
			return false
		}
	}
	return true
}
