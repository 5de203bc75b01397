package candidates

import (
	"bufio"
	"cmp"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"github.com/spellwright/speller/internal/editdist"
)

// Paths of the shared data, relative to the package directory (the repository root is ..).
const (
	unigramsPath = "../../shared/data/lm/unigrams-en-82k.txt"
	norvigPath   = "../../shared/data/misspellings/dev/norvig-test1.tsv"
)

// loadUnigrams reads the "word count" lines of the English list once. It returns nil if the file is absent
// or unreadable.
var loadUnigrams = sync.OnceValue(func() *SliceVocabulary {
	f, err := os.Open(unigramsPath)
	if err != nil {
		return nil
	}
	defer f.Close()
	v := &SliceVocabulary{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		word, cnt, ok := strings.Cut(sc.Text(), " ")
		if !ok || word == "" {
			continue
		}
		var c uint64
		fmt.Sscan(cnt, &c)
		v.Words = append(v.Words, word)
		v.Counts = append(v.Counts, c)
	}
	if sc.Err() != nil {
		return nil
	}
	return v
})

// vocabRunes caches the rune slices of the words of the vocabularies used by bruteForce.
var vocabRunes sync.Map // Vocabulary -> [][]rune

// bruteForce returns the words of v within maxDist of token, computed by OSA against every word.
func bruteForce(v Vocabulary, token string, maxDist int, minCount uint64) []Match {
	rs, ok := vocabRunes.Load(v)
	if !ok {
		words := make([][]rune, v.Len())
		for id := range words {
			words[id] = []rune(v.Word(uint32(id)))
		}
		rs, _ = vocabRunes.LoadOrStore(v, words)
	}
	words := rs.([][]rune)
	q := []rune(token)
	var out []Match
	var s editdist.Scratch
	for id, wr := range words {
		if len(wr)-len(q) > maxDist || len(q)-len(wr) > maxDist || v.Count(uint32(id)) < minCount {
			continue // OSA is at least the difference in length
		}
		if d := editdist.OSA(q, wr, maxDist, &s); d <= maxDist {
			w := v.Word(uint32(id))
			out = append(out, Match{Word: w, ID: uint32(id), Count: v.Count(uint32(id)), Distance: d})
		}
	}
	return out
}

func sortMatches(m []Match) []Match {
	slices.SortFunc(m, func(a, b Match) int {
		if a.ID != b.ID {
			if a.ID < b.ID {
				return -1
			}
			return 1
		}
		return strings.Compare(a.Word, b.Word)
	})
	return m
}

// checkAgainstBruteForce fails t if idx.Lookup(token, d) differs from brute force.
func checkAgainstBruteForce(t testing.TB, idx *SymSpell, v Vocabulary, token string, d int) {
	t.Helper()
	want := bruteForce(v, token, min(d, idx.Options().MaxDistance), idx.Options().MinCount)
	if utf8.RuneCountInString(token) > idx.Options().MaxTokenRunes {
		want = nil
	}
	got := sortMatches(idx.Lookup(nil, token, d))
	if !slices.Equal(got, want) {
		t.Fatalf("Lookup(%q, %d) with %+v:\n got %v\nwant %v\n missing %v\n extra %v", token, d,
			idx.Options(), got, want, diff(want, got), diff(got, want))
	}
}

// diff returns the matches of a not in b.
func diff(a, b []Match) []Match {
	var out []Match
	for _, m := range a {
		if !slices.Contains(b, m) {
			out = append(out, m)
		}
	}
	return out
}

var testAlphabet = []rune("abcdefghijklmnopqrstuvwxyzéèüöäßжыл日本語")

// edit applies one random OSA edit to w, at a position chosen near pos with some probability.
func edit(r *rand.Rand, w []rune, nearPos int) []rune {
	w = slices.Clone(w)
	i := r.IntN(len(w) + 1)
	if nearPos >= 0 && r.IntN(2) == 0 {
		i = min(max(nearPos+r.IntN(5)-2, 0), len(w))
	}
	c := testAlphabet[r.IntN(len(testAlphabet))]
	if r.IntN(3) == 0 {
		c = testAlphabet[r.IntN(26)]
	}
	switch op := r.IntN(4); {
	case op == 0 || len(w) == 0: // insert
		return slices.Insert(w, i, c)
	case op == 1: // delete
		i = min(i, len(w)-1)
		return slices.Delete(w, i, i+1)
	case op == 2: // substitute
		i = min(i, len(w)-1)
		w[i] = c
		return w
	default: // transpose
		if len(w) < 2 {
			return w
		}
		i = min(i, len(w)-2)
		w[i], w[i+1] = w[i+1], w[i]
		return w
	}
}

func randomWord(r *rand.Rand, n int, alpha []rune) string {
	w := make([]rune, n)
	for i := range w {
		w[i] = alpha[r.IntN(len(alpha))]
	}
	return string(w)
}

// testVocabulary builds a vocabulary of real-looking words: the most frequent words of the English list
// when available, random words of every length 1..30 over a mixed ASCII/non-ASCII alphabet, short words,
// and typo'd variants of all of these (edits near the prefix boundary included).
func testVocabulary(r *rand.Rand, size int, english bool) *SliceVocabulary {
	v := &SliceVocabulary{}
	seen := map[string]bool{}
	add := func(w string) {
		if !seen[w] {
			seen[w] = true
			v.Words = append(v.Words, w)
			v.Counts = append(v.Counts, uint64(r.IntN(1000)))
		}
	}
	if en := loadUnigrams(); english && en != nil {
		for _, w := range en.Words[:min(size/3, len(en.Words))] {
			add(w)
		}
		for range size / 6 { // some rare, long words
			add(en.Words[r.IntN(len(en.Words))])
		}
	}
	for len(v.Words) < size/2 {
		n := 1 + r.IntN(14)
		if r.IntN(8) == 0 {
			n = 15 + r.IntN(16)
		}
		if r.IntN(5) == 0 {
			n = 2 + r.IntN(2)
		}
		alpha := testAlphabet[:26]
		if r.IntN(6) == 0 {
			alpha = testAlphabet
		}
		if r.IntN(10) == 0 {
			alpha = []rune("ab") // runs of equal runes, many shared deletes
		}
		add(randomWord(r, n, alpha))
	}
	base := slices.Clone(v.Words)
	for len(v.Words) < size {
		w := []rune(base[r.IntN(len(base))])
		for range 1 + r.IntN(2) {
			w = edit(r, w, 7)
		}
		add(string(w))
	}
	return v
}

// testQueries returns typo'd vocabulary words (1–3 edits, many near rune 7), random strings, short and
// empty tokens, and non-ASCII tokens.
func testQueries(r *rand.Rand, v *SliceVocabulary, n int) []string {
	qs := []string{"", "a", "ab", "é", "日本", "\xff", "a\xffb"}
	for len(qs) < n {
		switch k := r.IntN(10); {
		case k < 7:
			w := []rune(v.Words[r.IntN(len(v.Words))])
			for range r.IntN(4) {
				near := -1
				if r.IntN(2) == 0 {
					near = 7
				}
				w = edit(r, w, near)
			}
			qs = append(qs, string(w))
		case k < 9:
			qs = append(qs, randomWord(r, 1+r.IntN(4), testAlphabet[:26]))
		default:
			qs = append(qs, randomWord(r, 1+r.IntN(20), testAlphabet))
		}
	}
	return qs
}

func TestSymSpellExact(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 11))
	v := testVocabulary(r, 8000, true)
	queries := testQueries(r, v, 4000)
	// Brute force once per query at the largest distance; smaller distances and MinCount are filters of it
	// (OSA returns exact distances up to its max).
	all := make([][]Match, len(queries))
	for i, q := range queries {
		all[i] = bruteForce(v, q, 3, 0)
	}
	configs := []SymSpellOptions{
		{}, // defaults: MaxDistance 2, PrefixLength 7
		{PrefixLength: 3},
		{PrefixLength: 5, MaxDistance: 3},
		{MaxDistance: 1, PrefixLength: 4},
		{MinCount: 500, MaxTokenRunes: 12},
		{NoCounts: true},
	}
	for _, o := range configs {
		t.Run(fmt.Sprintf("%+v", o), func(t *testing.T) {
			idx := NewSymSpell(v, o)
			o := idx.Options()
			checked, found := 0, 0
			for i, q := range queries {
				for d := 0; d <= 3; d++ {
					var want []Match
					if utf8.RuneCountInString(q) <= o.MaxTokenRunes {
						for _, m := range all[i] {
							if m.Distance <= min(d, o.MaxDistance) && m.Count >= o.MinCount {
								if o.NoCounts {
									m.Count = 0
								}
								want = append(want, m)
							}
						}
					}
					got := sortMatches(idx.Lookup(nil, q, d))
					if !slices.Equal(got, want) {
						t.Fatalf("Lookup(%q, %d):\n got %v\nwant %v\n missing %v\n extra %v", q, d, got, want,
							diff(want, got), diff(got, want))
					}
					checked++
					found += len(got)
				}
			}
			t.Logf("%d words, %d (token, maxDist) lookups equal to brute force (%d matches); %+v",
				v.Len(), checked, found, idx.Stats())
		})
	}
}

// TestSymSpellExactNoDepth is TestSymSpellExact's check on an index whose postings hold no depth, as for a
// vocabulary of more than 2^30 words: every delete's postings are verified, whatever their depth.
func TestSymSpellExactNoDepth(t *testing.T) {
	defer func(old uint) { maxDepthIDBits = old }(maxDepthIDBits)
	maxDepthIDBits = 0
	r := rand.New(rand.NewPCG(9, 13))
	v := testVocabulary(r, 3000, true)
	idx := NewSymSpell(v, SymSpellOptions{})
	if idx.depthBits != 0 {
		t.Fatalf("depthBits %d, want 0", idx.depthBits)
	}
	for _, q := range testQueries(r, v, 1500) {
		for d := 0; d <= 2; d++ {
			var want []Match
			for _, m := range bruteForce(v, q, 2, 0) {
				if m.Distance <= d {
					want = append(want, m)
				}
			}
			if got := sortMatches(idx.Lookup(nil, q, d)); !slices.Equal(got, want) {
				t.Fatalf("Lookup(%q, %d) without depths:\n got %v\nwant %v", q, d, got, want)
			}
		}
	}
}

// TestSymSpellExactEnglish checks typo'd words of the full 82k English list at maxDist 2.
func TestSymSpellExactEnglish(t *testing.T) {
	v := loadUnigrams()
	if v == nil {
		t.Skip("no English word list at " + unigramsPath)
	}
	if testing.Short() {
		t.Skip("slow brute force")
	}
	idx := NewSymSpell(v, SymSpellOptions{})
	r := rand.New(rand.NewPCG(3, 5))
	n := 400
	for i := range n {
		w := []rune(v.Words[r.IntN(len(v.Words))])
		for range 1 + i%3 {
			w = edit(r, w, 7)
		}
		checkAgainstBruteForce(t, idx, v, string(w), 2)
	}
}

func TestSymSpellBasics(t *testing.T) {
	v := &SliceVocabulary{
		Words:  []string{"spelling", "spell", "spilling", "spieling", "selling", "the", "teh", "a", "naïve", "日本語", ""},
		Counts: []uint64{10, 20, 5, 1, 7, 100, 1, 50, 3, 4, 0},
	}
	idx := NewSymSpell(v, SymSpellOptions{})
	got := sortMatches(idx.Lookup(nil, "speling", 2))
	want := []Match{
		{"spelling", 0, 10, 1},
		{"spilling", 2, 5, 2},
		{"spieling", 3, 1, 1},
		{"selling", 4, 7, 2},
	}
	if !slices.Equal(got, want) {
		t.Errorf("Lookup(speling, 2) = %v, want %v", got, want)
	}
	if got := idx.Lookup(nil, "speling", 1); len(got) != 2 {
		t.Errorf("Lookup(speling, 1) = %v, want spelling and spieling", got)
	}
	if got := idx.Lookup(nil, "spelling", 0); len(got) != 1 || got[0].Word != "spelling" || got[0].Distance != 0 {
		t.Errorf("Lookup(spelling, 0) = %v", got)
	}
	// Transposition costs 1.
	if got := sortMatches(idx.Lookup(nil, "hte", 1)); len(got) != 1 || got[0].Word != "the" {
		t.Errorf("Lookup(hte, 1) = %v", got)
	}
	// Non-ASCII: distance in runes.
	if got := idx.Lookup(nil, "naive", 1); len(got) != 1 || got[0].Word != "naïve" || got[0].Distance != 1 {
		t.Errorf("Lookup(naive, 1) = %v", got)
	}
	if got := idx.Lookup(nil, "本日語", 1); len(got) != 1 || got[0].Word != "日本語" {
		t.Errorf("Lookup(本日語, 1) = %v", got)
	}
	// maxDist above the built maximum is clamped; negative is 0.
	if a, b := idx.Lookup(nil, "speling", 5), idx.Lookup(nil, "speling", 2); len(a) != len(b) {
		t.Errorf("maxDist 5 not clamped to 2: %d vs %d matches", len(a), len(b))
	}
	if got := idx.Lookup(nil, "spell", -1); len(got) != 1 {
		t.Errorf("Lookup(spell, -1) = %v", got)
	}
	// dst is appended to.
	dst := []Match{{Word: "keep"}}
	if got := idx.Lookup(dst, "teh", 0); len(got) != 2 || got[0].Word != "keep" || got[1].Word != "teh" {
		t.Errorf("Lookup appended wrongly: %v", got)
	}
	// MinCount leaves out rare words.
	idx2 := NewSymSpell(v, SymSpellOptions{MinCount: 5})
	if got := sortMatches(idx2.Lookup(nil, "speling", 2)); len(got) != 3 {
		t.Errorf("MinCount 5: %v, want 3 words without spieling", got)
	}
	// Long tokens return nothing.
	if got := idx.Lookup(nil, strings.Repeat("a", 65), 2); got != nil {
		t.Errorf("long token: %v", got)
	}
	// Empty vocabulary.
	empty := NewSymSpell(&SliceVocabulary{}, SymSpellOptions{})
	if got := empty.Lookup(nil, "a", 2); got != nil {
		t.Errorf("empty vocabulary: %v", got)
	}
}

func TestSymSpellOptionsDefaults(t *testing.T) {
	o := SymSpellOptions{}.withDefaults()
	if o.MaxDistance != 2 || o.PrefixLength != 7 || o.MinCount != 0 || o.MaxTokenRunes != 64 {
		t.Errorf("defaults = %+v", o)
	}
	o = SymSpellOptions{MaxDistance: 9, PrefixLength: 1}.withDefaults()
	if o.MaxDistance != 3 || o.PrefixLength != 4 {
		t.Errorf("clamping = %+v", o)
	}
}

// TestDeleterComplete checks that the delete generator yields every distinct delete (by hash) exactly once,
// tagged with the number of runes deleted.
func TestDeleterComplete(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 1))
	var g deleter
	for range 2000 {
		p := []rune(randomWord(r, r.IntN(9), []rune("aab")))
		d := r.IntN(4)
		got := g.gen(p, d, nil)
		slices.Sort(got)
		if n := len(slices.Compact(slices.Clone(got))); n != len(got) {
			t.Fatalf("deletes of %q up to %d: %d duplicates", string(p), d, len(got)-n)
		}
		// all subsets of at most d positions
		var want []uint64
		for m := uint64(0); m < 1<<len(p); m++ {
			if popcount(m) <= d {
				g.p, g.mask = p, m
				want = append(want, g.hash(popcount(m)))
			}
		}
		slices.Sort(want)
		want = slices.Compact(want)
		if !slices.Equal(got, want) {
			t.Fatalf("deletes of %q up to %d: got %d distinct, want %d", string(p), d, len(got), len(want))
		}
	}
}

func popcount(m uint64) int {
	n := 0
	for ; m != 0; m &= m - 1 {
		n++
	}
	return n
}

func TestSymSpellZeroAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("sync.Pool drops items under the race detector")
	}
	r := rand.New(rand.NewPCG(2, 2))
	v := testVocabulary(r, 3000, true)
	idx := NewSymSpell(v, SymSpellOptions{})
	dst := make([]Match, 0, 1024)
	queries := testQueries(r, v, 50)
	for _, q := range queries {
		idx.Lookup(dst[:0], q, 2)
	}
	i := 0
	allocs := testing.AllocsPerRun(1000, func() {
		idx.Lookup(dst[:0], queries[i%len(queries)], 2)
		i++
	})
	if allocs != 0 {
		t.Errorf("Lookup allocates %v times per call with a large enough dst", allocs)
	}
}

func TestSymSpellConcurrent(t *testing.T) {
	r := rand.New(rand.NewPCG(4, 4))
	v := testVocabulary(r, 3000, true)
	idx := NewSymSpell(v, SymSpellOptions{})
	queries := testQueries(r, v, 400)
	want := make([][]Match, len(queries))
	for i, q := range queries {
		want[i] = sortMatches(idx.Lookup(nil, q, 2))
	}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			var dst []Match
			for i := range queries {
				j := (i + g*37) % len(queries)
				dst = sortMatches(idx.Lookup(dst[:0], queries[j], 2))
				if !slices.Equal(dst, want[j]) {
					t.Errorf("concurrent Lookup(%q) = %v, want %v", queries[j], dst, want[j])
					return
				}
			}
		})
	}
	wg.Wait()
}

// fuzzVocabulary is the fixed vocabulary of FuzzSymSpellLookup.
var fuzzVocabulary = func() *SliceVocabulary {
	r := rand.New(rand.NewPCG(9, 9))
	v := testVocabulary(r, 600, false)
	v.Words = append(v.Words, "", "a", "ab", "ba", "abc", "ca", "日本語", "naïve", "\uFFFD", "a\uFFFDb",
		strings.Repeat("ab", 40), strings.Repeat("x", 63), strings.Repeat("x", 66))
	for len(v.Counts) < len(v.Words) {
		v.Counts = append(v.Counts, 1)
	}
	return v
}()

var fuzzIndex = sync.OnceValue(func() *SymSpell { return NewSymSpell(fuzzVocabulary, SymSpellOptions{}) })

func FuzzSymSpellLookup(f *testing.F) {
	for _, s := range []string{"", "a", "ba", "speling", "teh", "日本", "naive", "\xff\xfe", "a\xffb",
		strings.Repeat("x", 64), strings.Repeat("x", 65), strings.Repeat("ab", 39) + "b", strings.Repeat("é", 200)} {
		f.Add(s, uint8(2))
	}
	f.Add("accomodation", uint8(1))
	f.Fuzz(func(t *testing.T, token string, d uint8) {
		checkAgainstBruteForce(t, fuzzIndex(), fuzzVocabulary, token, int(d%4))
		var got []Match
		fuzzIndex().LookupOrdered(token, 0, int(d%4), func(v Visit) bool {
			got = append(got, fuzzIndex().visited(v))
			return true
		})
		want := sortMatches(fuzzIndex().Lookup(nil, token, int(d%4)))
		if !slices.Equal(sortMatches(got), want) {
			t.Fatalf("LookupOrdered(%q, 0, %d) = %v, Lookup gives %v", token, d%4, got, want)
		}
	})
}

// TestSymSpellLookupWide: within MaxDistance LookupWide is Lookup (exact); one edit further it returns only
// words at that distance, each once, among them every word whose window the token keeps (its three edits
// beyond the first PrefixLength runes).
func TestSymSpellLookupWide(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	v := testVocabulary(r, 3000, true)
	idx := NewSymSpell(v, SymSpellOptions{})
	found, far := 0, 0
	check := func(q string) []Match {
		t.Helper()
		got := sortMatches(idx.LookupWide(nil, q, 3))
		seen := map[uint32]bool{}
		for _, m := range got {
			if seen[m.ID] {
				t.Fatalf("LookupWide(%q, 3): %q twice", q, m.Word)
			}
			seen[m.ID] = true
			if d := editdist.OSA([]rune(q), []rune(m.Word), 3, nil); d != m.Distance || d > 3 {
				t.Fatalf("LookupWide(%q, 3): %q at distance %d, reported %d", q, m.Word, d, m.Distance)
			}
		}
		for _, m := range idx.Lookup(nil, q, 2) {
			if !seen[m.ID] {
				t.Fatalf("LookupWide(%q, 3) misses %q at distance %d", q, m.Word, m.Distance)
			}
		}
		return got
	}
	for _, q := range testQueries(r, v, 600) {
		for d := 0; d <= 2; d++ {
			got := sortMatches(idx.LookupWide(nil, q, d))
			want := sortMatches(idx.Lookup(nil, q, d))
			if !slices.Equal(got, want) {
				t.Fatalf("LookupWide(%q, %d) = %v, Lookup = %v", q, d, got, want)
			}
		}
		found += len(check(q)) - len(idx.Lookup(nil, q, 2))
		far += len(bruteForce(v, q, 3, 0)) - len(idx.Lookup(nil, q, 2))
	}
	if far == 0 || found == 0 {
		t.Fatalf("no words three edits away (%d found of %d)", found, far)
	}
	t.Logf("at distance 3: %d of %d words found (%.0f%%)", found, far, 100*float64(found)/float64(far))
	tested, kept := 0, 0
	for id, w := range v.Words {
		rw := []rune(w)
		if len(rw) < 10 || tested == 200 {
			continue
		}
		tested++
		q := rw
		for range 3 {
			q = edit(r, q, 8+r.IntN(len(rw)-8))
		}
		if len(q) < 8 || string(q[:7]) != string(rw[:7]) || editdist.OSA(q, rw, 3, nil) != 3 {
			continue
		}
		kept++
		if !slices.ContainsFunc(check(string(q)), func(m Match) bool { return m.ID == uint32(id) }) {
			t.Errorf("LookupWide(%q, 3) misses %q", string(q), w)
		}
	}
	if kept < 20 {
		t.Fatalf("only %d words three edits away with their window kept", kept)
	}
}

// TestSymSpellLookupOrdered: LookupOrdered visits exactly the words Lookup returns at distances minDist..maxDist,
// each once, by descending Order key and then ascending id, and stops when the visit says so; with and
// without a key of the caller's (here one that disagrees with the counts, with ties).
func TestSymSpellLookupOrdered(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 8))
	v := testVocabulary(r, 4000, true)
	queries := testQueries(r, v, 1500)
	keys := []struct {
		name  string
		order func(id uint32) float64
		key   func(id uint32) float64
	}{
		{"counts", nil, func(id uint32) float64 { return float64(v.Count(id)) }},
		{"custom", func(id uint32) float64 { return float64(id % 97) }, func(id uint32) float64 { return float64(id % 97) }},
	}
	for _, k := range keys {
		t.Run(k.name, func(t *testing.T) {
			idx := NewSymSpell(v, SymSpellOptions{Order: k.order})
			visited := 0
			for _, q := range queries {
				for _, dd := range [][2]int{{0, 2}, {1, 1}, {1, 2}, {2, 2}, {0, 3} /* clamped to 2 */} {
					var want []Match
					for _, m := range idx.Lookup(nil, q, dd[1]) {
						if m.Distance >= dd[0] {
							want = append(want, m)
						}
					}
					slices.SortFunc(want, func(a, b Match) int {
						if c := cmp.Compare(k.key(b.ID), k.key(a.ID)); c != 0 {
							return c
						}
						return cmp.Compare(a.ID, b.ID)
					})
					var got []Match
					idx.LookupOrdered(q, dd[0], dd[1], func(vi Visit) bool {
						if vi.Key != k.key(vi.ID) {
							t.Fatalf("LookupOrdered(%q) visits id %d with key %v, want %v", q, vi.ID, vi.Key, k.key(vi.ID))
						}
						got = append(got, idx.visited(vi))
						return true
					})
					if !slices.Equal(got, want) {
						t.Fatalf("LookupOrdered(%q, %d, %d):\n got %v\nwant %v", q, dd[0], dd[1], got, want)
					}
					visited += len(got)
					if len(want) > 1 { // stop after the first
						n := 0
						idx.LookupOrdered(q, dd[0], dd[1], func(Visit) bool { n++; return false })
						if n != 1 {
							t.Fatalf("LookupOrdered(%q) visited %d words after a stop", q, n)
						}
					}
				}
			}
			if visited == 0 {
				t.Fatal("no word visited")
			}
		})
	}
}

// visited returns the Match that Lookup gives for the word of a visit, checking its runes.
func (s *SymSpell) visited(v Visit) Match {
	w := s.v.Word(v.ID)
	if string(v.Runes) != w {
		panic(fmt.Sprintf("visit of %q holds the runes %q", w, string(v.Runes)))
	}
	return Match{Word: w, ID: v.ID, Count: s.v.Count(v.ID), Distance: v.Distance}
}

// TestSymSpellLookupWideOrdered: LookupWideOrdered visits what LookupWide returns, distances 3 included, in the
// order of the key; and a visit's runes cannot be appended to over the next word's.
func TestSymSpellLookupWideOrdered(t *testing.T) {
	r := rand.New(rand.NewPCG(6, 9))
	v := testVocabulary(r, 4000, true)
	idx := NewSymSpell(v, SymSpellOptions{})
	far := 0
	for _, q := range testQueries(r, v, 800) {
		for _, dd := range [][2]int{{0, 3}, {3, 3}, {2, 3}} {
			var want []Match
			for _, m := range idx.LookupWide(nil, q, dd[1]) {
				if m.Distance >= dd[0] {
					want = append(want, m)
				}
			}
			slices.SortFunc(want, func(a, b Match) int {
				if c := cmp.Compare(b.Count, a.Count); c != 0 {
					return c
				}
				return cmp.Compare(a.ID, b.ID)
			})
			var got []Match
			idx.LookupWideOrdered(q, dd[0], dd[1], func(vi Visit) bool {
				got = append(got, idx.visited(vi))
				if vi.Distance == 3 {
					far++
				}
				_ = append(vi.Runes, 'x') // must not write into the index
				return true
			})
			if !slices.Equal(got, want) {
				t.Fatalf("LookupWideOrdered(%q, %d, %d):\n got %v\nwant %v", q, dd[0], dd[1], got, want)
			}
		}
	}
	if far == 0 {
		t.Fatal("no word visited three edits away")
	}
	checkAgainstBruteForce(t, idx, v, "speling", 2) // the appends above left the index intact
	for id := range v.Len() {
		if got := idx.visitedRunes(uint32(id)); got != v.Words[id] {
			t.Fatalf("word %d reads %q after the visits, want %q", id, got, v.Words[id])
		}
	}
}

// visitedRunes returns the runes the index holds for word id, as a string.
func (s *SymSpell) visitedRunes(id uint32) string {
	for rank, x := range s.ids {
		if x == id {
			return string(s.word(uint32(rank)))
		}
	}
	return ""
}
