package simulate

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/spellwright/speller/internal/shareddata"
	"github.com/spellwright/speller/querylog"
)

func fixtureQueries(t testing.TB) []Query {
	t.Helper()
	f, err := os.Open("testdata/queries.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	qs, err := LoadQueries(f)
	if err != nil {
		t.Fatal(err)
	}
	return qs
}

func fixturePairs(t testing.TB) []Pair {
	t.Helper()
	f, err := os.Open("testdata/pairs.tsv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	ps, err := LoadPairs(f)
	if err != nil {
		t.Fatal(err)
	}
	return ps
}

func fixtureOptions(t testing.TB, sessions int, seed int64) Options {
	pairs := fixturePairs(t)
	return Options{
		Sessions:     sessions,
		Seed:         seed,
		Queries:      fixtureQueries(t),
		Misspellings: MisspellingsFromPairs(pairs),
		QueryPairs:   pairs,
	}
}

// runToFile runs the simulation into a Parquet file and returns its path.
func runToFile(t testing.TB, opts Options) (string, *Stats, []Truth) {
	t.Helper()
	p := filepath.Join(t.TempDir(), "log.parquet")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	w, err := querylog.NewWriter(f, querylog.WriteOptions{RowGroupRows: 4096})
	if err != nil {
		t.Fatal(err)
	}
	stats, truth, err := Run(opts, w)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return p, stats, truth
}

// readLog reads a log back in file order.
func readLog(t testing.TB, p string) ([]querylog.Row, *querylog.Report) {
	t.Helper()
	var rows []querylog.Row
	rep, err := querylog.Read(context.Background(), []string{p}, querylog.ReadOptions{Workers: 1}, func(b []querylog.Row) error {
		rows = append(rows, b...)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return rows, rep
}

func TestLoadQueries(t *testing.T) {
	qs := fixtureQueries(t)
	if len(qs) != 30 {
		t.Fatalf("%d queries", len(qs))
	}
	if qs[0] != (Query{"red dress", 40}) {
		t.Errorf("first query %+v", qs[0])
	}
	for _, q := range qs {
		if q.Text == "blender" && q.Weight != 1 {
			t.Errorf("default weight %v", q.Weight)
		}
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name, input, want string
		pairs             bool
	}{
		{"bad weight", "shoes\t3\n# c\n\nhat\tmany\n", "queries line 4: bad weight", false},
		{"zero weight", "shoes\t0\n", "queries line 1: bad weight", false},
		{"negative weight", "a\t1\nb\t-2\n", "queries line 2: bad weight", false},
		{"infinite weight", "a\tInf\n", "queries line 1", false},
		{"empty query", "shoes\n\t5\n", "queries line 2: empty query", false},
		{"one field", "dres\tdress\nshoos\n", "pairs line 2: want typed<TAB>intended, got 1 field", true},
		{"three fields", "a\tb\tc\n", "pairs line 1: want typed<TAB>intended, got 3 field", true},
		{"empty typed", "x\ty\n\n \tdress\n", "pairs line 3: empty field", true},
		{"line too long", "a\tb\n" + strings.Repeat("x", maxLine+10), "line 2", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var err error
			if tc.pairs {
				_, err = LoadPairs(strings.NewReader(tc.input))
			} else {
				_, err = LoadQueries(strings.NewReader(tc.input))
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want one containing %q", err, tc.want)
			}
		})
	}
}

func TestLoadPairsAndMisspellings(t *testing.T) {
	ps := fixturePairs(t)
	if len(ps) != 18 {
		t.Fatalf("%d pairs", len(ps))
	}
	if ps[13] != (Pair{"umbrela", "umbrella"}) {
		t.Errorf("pairs are not lower-cased: %+v", ps[13])
	}
	m := MisspellingsFromPairs(ps)
	want := map[string][]string{
		"dress":      {"drees", "dres"},
		"shoes":      {"shoos", "shose"},
		"wallet":     {"walet", "wallett"},
		"headphones": {"headfones", "hedphones"},
		"jacket":     {"jackett", "jaket"},
		"kettle":     {"kettel"},
		"necklace":   {"necklase"},
		"umbrella":   {"umbrela"},
		"blender":    {"blendr"},
	}
	if !reflect.DeepEqual(m, want) {
		t.Fatalf("got %v", m)
	}
	// duplicates are removed
	m = MisspellingsFromPairs([]Pair{{"b", "a"}, {"c", "a"}, {"b", "a"}, {"B", "A"}})
	if !reflect.DeepEqual(m, map[string][]string{"a": {"b", "c"}}) {
		t.Fatalf("got %v", m)
	}
}

func TestQueriesFromCorpus(t *testing.T) {
	text, err := os.ReadFile("testdata/corpus.txt")
	if err != nil {
		t.Fatal(err)
	}
	const n = 40
	qs, err := QueriesFromCorpus(bytes.NewReader(text), n, 1)
	if err != nil {
		t.Fatal(err)
	}
	again, _ := QueriesFromCorpus(bytes.NewReader(text), n, 1)
	other, _ := QueriesFromCorpus(bytes.NewReader(text), n, 2)
	if !reflect.DeepEqual(qs, again) {
		t.Fatal("not deterministic")
	}
	if reflect.DeepEqual(qs, other) {
		t.Fatal("seed ignored")
	}
	seen := map[string]bool{}
	weights := map[float64]bool{}
	lengths := map[int]int{}
	for _, q := range qs {
		words := strings.Fields(q.Text)
		lengths[len(words)]++
		if len(words) < 1 || len(words) > 4 || strings.Join(words, " ") != q.Text {
			t.Errorf("query %q", q.Text)
		}
		for _, r := range q.Text {
			if r != ' ' && (r < 'a' || r > 'z') {
				t.Errorf("query %q has %q", q.Text, r)
			}
		}
		if seen[q.Text] {
			t.Errorf("duplicate %q", q.Text)
		}
		seen[q.Text] = true
		weights[q.Weight] = true
	}
	for k := 1; k <= n; k++ {
		if !weights[1/float64(k)] {
			t.Errorf("no query of weight 1/%d", k)
		}
	}
	if lengths[2]+lengths[3] < n/2 {
		t.Errorf("window lengths %v: want mostly 2–3 words", lengths)
	}
	for _, tc := range []struct {
		text string
		n    int
	}{{"one two", 10}, {"", 1}, {"... 123 ...", 1}, {"words here", 0}} {
		if _, err := QueriesFromCorpus(strings.NewReader(tc.text), tc.n, 1); err == nil {
			t.Errorf("QueriesFromCorpus(%q, %d) succeeded", tc.text, tc.n)
		}
	}
}

func TestTypo(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	words := []string{"dress", "shoes", "abc", "aaa", "zzzz", "mississippi", "café", "naïve", "x1y", "héé", "headphones", "qqq"}
	kinds := map[string]int{}
	for _, w := range words {
		for range 2000 {
			got := Typo(rng, w)
			if got == "" || got == w {
				t.Fatalf("Typo(%q) = %q", w, got)
			}
			if d := len([]rune(got)) - len([]rune(w)); d < -2 || d > 2 {
				t.Fatalf("Typo(%q) = %q: more than two edits", w, got)
			}
			switch d := len([]rune(got)) - len([]rune(w)); {
			case d < 0:
				kinds["shorter"]++
			case d > 0:
				kinds["longer"]++
			default:
				kinds["same length"]++
			}
		}
	}
	for _, k := range []string{"shorter", "longer", "same length"} {
		if kinds[k] == 0 {
			t.Errorf("no %s typo: %v", k, kinds)
		}
	}
	for _, w := range []string{"", "a", "ab", "é!"} {
		if got := Typo(rng, w); got != w {
			t.Errorf("short word %q changed to %q", w, got)
		}
	}
	// Substitutions and insertions use keyboard neighbours (of neighbours, after two edits), and in a minority
	// of typos any letter: a third of the substitutions, three in ten insertions.
	near := map[rune]bool{'g': true}
	for _, n := range qwerty['g'] {
		near[n] = true
		for _, nn := range qwerty[n] {
			near[nn] = true
		}
	}
	far, n := 0, 4000
	for range n {
		got := []rune(Typo(rng, "ggggg"))
		for _, r := range got {
			if r < 'a' || r > 'z' {
				t.Fatalf("Typo(ggggg) = %q: %q is not a letter", string(got), r)
			}
		}
		if slices.ContainsFunc(got, func(r rune) bool { return !near[r] }) {
			far++
		}
	}
	// Far keys: 0.10 + 0.03 of first edits draw any letter, of which 26-|near| in 26 fall outside near:
	// about 0.08 of the typos (0.065 without the far insertions, 0.015 without the far substitutions).
	if share := float64(far) / float64(n); share < 0.07 || share > 0.09 {
		t.Errorf("%.3f of Typo(ggggg) hold a key far from g, want about 0.08", share)
	}
}

func TestDeterminism(t *testing.T) {
	hash := func(opts Options) ([32]byte, []Truth, *Stats) {
		var buf bytes.Buffer
		w, err := querylog.NewWriter(&buf, querylog.WriteOptions{RowGroupRows: 1000})
		if err != nil {
			t.Fatal(err)
		}
		stats, truth, err := Run(opts, w)
		if err != nil {
			t.Fatal(err)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		return sha256.Sum256(buf.Bytes()), truth, stats
	}
	opts := fixtureOptions(t, 3000, 42)
	opts.GarbageRate = 0.02
	h1, t1, s1 := hash(opts)
	h2, t2, s2 := hash(opts)
	if h1 != h2 || !reflect.DeepEqual(t1, t2) || !reflect.DeepEqual(s1, s2) {
		t.Fatal("two runs with the same options differ")
	}
	opts.Seed = 43
	h3, t3, _ := hash(opts)
	if h1 == h3 || reflect.DeepEqual(t1, t3) {
		t.Fatal("the seed does not change the output")
	}
}

func TestMixProportions(t *testing.T) {
	tests := []struct {
		name string
		mix  Mix
	}{
		{"default", Mix{}},
		{"custom", Mix{Correct: 1, Corrected: 2, Bot: 1}}, // normalised: 0.25, 0.5, 0.25
		{"browse and repeat", Mix{Repeat: 0.3, Browse: 0.3, Refinement: 0.4}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			opts := fixtureOptions(t, 20000, 7)
			opts.Mix = tc.mix
			p, stats, truth := runToFile(t, opts)
			mix := tc.mix
			if mix == (Mix{}) {
				mix = DefaultMix
			}
			sum := 0.0
			for _, v := range mix.weights() {
				sum += v
			}
			for i, v := range mix.weights() {
				got := float64(stats.Behaviours[Behaviours[i]]) / float64(stats.Sessions)
				if math.Abs(got-v/sum) > 0.015 {
					t.Errorf("%s: %.4f of sessions, want %.4f", Behaviours[i], got, v/sum)
				}
			}
			if stats.Sessions != 20000 || stats.Corrected != stats.Behaviours["corrected"] || stats.Bots != stats.Behaviours["bot"] ||
				stats.Refinements != stats.Behaviours["refinement"] ||
				stats.Misspelled != stats.Behaviours["corrected"]+stats.Behaviours["abandoned"]+stats.Behaviours["clicked_anyway"] {
				t.Errorf("stats %v", stats)
			}
			total := 0
			for _, x := range truth {
				total += x.Count
			}
			if total != stats.Corrected {
				t.Errorf("truth counts %d corrections, stats %d", total, stats.Corrected)
			}
			// Sessions seen in the log: bots are recognisable by their volume and pace.
			rows, _ := readLog(t, p)
			if len(rows) != stats.Rows {
				t.Fatalf("%d rows read, %d written", len(rows), stats.Rows)
			}
			bots, sessions := 0, 0
			for _, s := range splitSessions(rows) {
				sessions++
				clicks := int64(0)
				for _, r := range s {
					clicks += r.Clicks
				}
				if len(s) >= 10 && clicks == 0 && s[len(s)-1].TS-s[0].TS < int64(len(s))*1000 {
					bots++
				}
			}
			if sessions != stats.Sessions || bots != stats.Bots {
				t.Errorf("log has %d sessions and %d bots; stats say %d and %d", sessions, bots, stats.Sessions, stats.Bots)
			}
		})
	}
}

// splitSessions cuts a log in file order into runs of one session.
func splitSessions(rows []querylog.Row) [][]querylog.Row {
	var out [][]querylog.Row
	for i := 0; i < len(rows); {
		j := i + 1
		for j < len(rows) && rows[j].SessionID == rows[i].SessionID {
			j++
		}
		out = append(out, rows[i:j])
		i = j
	}
	return out
}

// TestTruthInLog checks that every truth pair is written as two consecutive searches of
// one session, the first without a click and the second with one, a few seconds apart.
func TestTruthInLog(t *testing.T) {
	opts := fixtureOptions(t, 5000, 3)
	p, stats, truth := runToFile(t, opts)
	rows, rep := readLog(t, p)
	if rep.SkippedRows() != 0 {
		t.Fatalf("clean log has skipped rows: %v", rep)
	}
	seen := map[[2]string]int{}
	ids := map[string]bool{}
	for _, s := range splitSessions(rows) {
		if ids[s[0].SessionID] {
			t.Fatalf("session %s is not contiguous", s[0].SessionID)
		}
		ids[s[0].SessionID] = true
		for i, r := range s {
			if i > 0 && r.TS < s[i-1].TS {
				t.Fatalf("session %s goes back in time", r.SessionID)
			}
			if !r.HasResults || !r.HasClicks || r.Clicks > 3 || r.Results > 2000 {
				t.Fatalf("implausible row %+v", r)
			}
		}
		for i := 1; i < len(s); i++ {
			a, b := s[i-1], s[i]
			if a.Clicks == 0 && b.Clicks > 0 && a.Query != b.Query {
				if gap := b.TS - a.TS; gap < 3000 || gap > 40000 {
					t.Fatalf("gap of %d ms in a human session", gap)
				}
				seen[[2]string{a.Query, b.Query}]++
			}
		}
	}
	if len(truth) == 0 || stats.Corrected < 500 {
		t.Fatalf("only %d corrections", stats.Corrected)
	}
	fromPairs, multiWord := 0, 0
	pairSet := map[Pair]bool{}
	for _, p := range opts.QueryPairs {
		pairSet[p] = true
	}
	for _, x := range truth {
		if x.Typed == x.Intended || x.Count < 1 {
			t.Fatalf("bad truth %+v", x)
		}
		if seen[[2]string{x.Typed, x.Intended}] < x.Count {
			t.Fatalf("truth %+v appears %d times in the log", x, seen[[2]string{x.Typed, x.Intended}])
		}
		if pairSet[Pair{x.Typed, x.Intended}] {
			fromPairs += x.Count
		}
		if strings.Contains(x.Intended, " ") {
			multiWord += x.Count
		}
	}
	// About a fifth of corrections come from whole-query pairs (some pairs also arise
	// from the word-level process).
	if share := float64(fromPairs) / float64(stats.Corrected); share < 0.15 || share > 0.4 {
		t.Errorf("%.2f of corrections from query pairs", share)
	}
	if multiWord == 0 {
		t.Error("no multi-word correction")
	}
}

// TestTypoRealShare checks that real misspellings are used about RealErrorShare of the
// time for words that have some.
func TestTypoRealShare(t *testing.T) {
	opts := Options{
		Sessions:     4000,
		Queries:      []Query{{"dress", 1}},
		Misspellings: map[string][]string{"dress": {"dres", "drees"}},
		Mix:          Mix{Corrected: 1},
	}
	_, truth := runCollect(t, opts)
	real := 0
	for _, x := range truth {
		if x.Typed == "dres" || x.Typed == "drees" {
			real += x.Count
		}
	}
	// Typo can also produce dres and drees (a deletion, a doubled letter).
	if share := float64(real) / 4000; share < 0.7 || share > 0.8 {
		t.Errorf("real misspellings used %.2f of the time", share)
	}
	opts.RealErrorShare = -1
	_, truth = runCollect(t, opts)
	for _, x := range truth {
		if x.Typed == "dres" && x.Count > 4000/5 {
			t.Errorf("RealErrorShare < 0 still uses real misspellings: %+v", x)
		}
	}
}

type memWriter struct {
	rows []querylog.Row
	fail error
}

func (m *memWriter) Write(rows ...querylog.Row) error {
	if m.fail != nil {
		return m.fail
	}
	m.rows = append(m.rows, rows...)
	return nil
}

func runCollect(t testing.TB, opts Options) ([]querylog.Row, []Truth) {
	t.Helper()
	var m memWriter
	_, truth, err := Run(opts, &m)
	if err != nil {
		t.Fatal(err)
	}
	return m.rows, truth
}

func TestGarbage(t *testing.T) {
	for _, rate := range []float64{0, 0.05} {
		opts := fixtureOptions(t, 4000, 5)
		opts.GarbageRate = rate
		p, stats, _ := runToFile(t, opts)
		rows, rep := readLog(t, p)
		negative := 0
		for _, r := range rows {
			if !r.HasResults {
				negative++ // negative results are read as null
			}
		}
		if rate == 0 {
			if stats.Garbage != 0 || len(rep.Skipped) != 0 || negative != 0 {
				t.Fatalf("garbage without GarbageRate: %v %v", stats, rep)
			}
			continue
		}
		for _, reason := range []string{querylog.SkipEmptyQuery, querylog.SkipInvalidUTF8, querylog.SkipNullSession, querylog.SkipBadTimestamp, querylog.SkipOversize} {
			if rep.Skipped[reason] == 0 {
				t.Errorf("no row skipped as %s: %v", reason, rep)
			}
		}
		if int(rep.SkippedRows())+negative != stats.Garbage || negative == 0 {
			t.Errorf("%d skipped + %d negative results != %d garbage rows", rep.SkippedRows(), negative, stats.Garbage)
		}
		want := rate * float64(stats.Rows-stats.Garbage)
		if math.Abs(float64(stats.Garbage)-want) > 0.2*want {
			t.Errorf("%d garbage rows, want about %.0f", stats.Garbage, want)
		}
		if int(rep.RowsRead) != stats.Rows {
			t.Errorf("read %d rows, wrote %d", rep.RowsRead, stats.Rows)
		}
	}
}

func TestRunErrors(t *testing.T) {
	qs := []Query{{"red dress", 1}}
	tests := []struct {
		name string
		opts Options
	}{
		{"no queries", Options{}},
		{"zero weight", Options{Queries: []Query{{"a", 0}}}},
		{"empty query", Options{Queries: []Query{{" ", 1}}}},
		{"negative mix", Options{Queries: qs, Mix: Mix{Correct: 1, Bot: -1}}},
		{"garbage rate", Options{Queries: qs, GarbageRate: 1}},
		{"typo rate", Options{Queries: qs, TypoRate: 2}},
		{"sessions", Options{Queries: qs, Sessions: -1}},
		{"start", Options{Queries: qs, Start: querylog.Row{TS: 1}.Time()}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, _, err := Run(tc.opts, &memWriter{}); err == nil {
				t.Fatal("no error")
			}
		})
	}
	boom := errors.New("disk full")
	if _, _, err := Run(Options{Queries: qs}, &memWriter{fail: boom}); !errors.Is(err, boom) {
		t.Fatalf("writer error not returned: %v", err)
	}
}

// TestNoMisspellableQuery: with only short words, misspelling behaviours fall back to
// correct searches.
func TestNoMisspellableQuery(t *testing.T) {
	var m memWriter
	stats, truth, err := Run(Options{Sessions: 200, Queries: []Query{{"tv", 1}, {"ps 5", 1}}, Mix: Mix{Corrected: 1, Abandoned: 1}}, &m)
	if err != nil {
		t.Fatal(err)
	}
	if len(truth) != 0 || stats.Misspelled != 0 || stats.Behaviours["correct"] != 200 {
		t.Fatalf("stats %v truth %v", stats, truth)
	}
}

func TestWriteTruth(t *testing.T) {
	var b strings.Builder
	if err := WriteTruth(&b, []Truth{{"dres", "dress", 3}, {"runing shoes", "running shoes", 1}}); err != nil {
		t.Fatal(err)
	}
	if want := "dres\tdress\t3\nruning shoes\trunning shoes\t1\n"; b.String() != want {
		t.Fatalf("got %q", b.String())
	}
}

// TestSharedData generates 5k sessions from the shared corpus and Birkbeck misspellings.
func TestSharedData(t *testing.T) {
	corpus := shareddata.Path(t, "corpus", "big.txt")
	birkbeck := shareddata.Path(t, "misspellings", "train", "birkbeck.tsv")
	cf, err := os.Open(corpus)
	if err != nil {
		t.Fatal(err)
	}
	defer cf.Close()
	qs, err := QueriesFromCorpus(cf, 5000, 1)
	if err != nil {
		t.Fatal(err)
	}
	bf, err := os.Open(birkbeck)
	if err != nil {
		t.Fatal(err)
	}
	defer bf.Close()
	pairs, err := LoadPairs(bf)
	if err != nil {
		t.Fatal(err)
	}
	miss := MisspellingsFromPairs(pairs)
	if len(miss) < 1000 {
		t.Fatalf("only %d words with misspellings", len(miss))
	}
	opts := Options{Sessions: 5000, Seed: 1, Queries: qs, Misspellings: miss, QueryPairs: pairs, GarbageRate: 0.01}
	p, stats, truth := runToFile(t, opts)
	rows, rep := readLog(t, p)
	if int(rep.RowsRead) != stats.Rows || len(rows) == 0 {
		t.Fatalf("read %v, stats %v", rep, stats)
	}
	realUsed := 0
	for _, x := range truth {
		tw, iw := strings.Fields(x.Typed), strings.Fields(x.Intended)
		if len(tw) != len(iw) {
			continue
		}
		for k := range tw {
			if tw[k] != iw[k] && contains(miss[iw[k]], tw[k]) {
				realUsed += x.Count
				break
			}
		}
	}
	if realUsed == 0 {
		t.Fatal("no Birkbeck misspelling in the log")
	}
	t.Logf("stats %v; %d truth pairs; %d corrections use a real misspelling; %s", stats, len(truth), realUsed, rep)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// TestSpaceErrors checks that with SpaceRate 1 every injected correction of a generated query (not a
// whole-query pair) that can take a space error differs from its intended query only by spaces.
func TestSpaceErrors(t *testing.T) {
	opts := fixtureOptions(t, 3000, 7)
	opts.QueryPairs = nil
	opts.SpaceRate = 1
	var w memWriter
	_, truth, err := Run(opts, &w)
	if err != nil {
		t.Fatal(err)
	}
	if len(truth) == 0 {
		t.Fatal("no corrections injected")
	}
	squash := func(s string) string { return strings.ReplaceAll(s, " ", "") }
	spaced := 0
	possible := 0
	for _, tr := range truth {
		words := strings.Fields(tr.Intended)
		canSpace := len(words) >= 2
		for _, w := range words {
			canSpace = canSpace || len([]rune(w)) >= 6
		}
		if !canSpace {
			continue
		}
		possible++
		if squash(tr.Typed) != squash(tr.Intended) {
			t.Fatalf("%q → %q: more than a space moved", tr.Typed, tr.Intended)
		}
		spaced++
	}
	if possible == 0 || spaced != possible {
		t.Fatalf("%d of %d possible corrections are space errors", spaced, possible)
	}
	if _, err := newGenerator(Options{Queries: opts.Queries, SpaceRate: -1}); err == nil {
		t.Fatal("negative SpaceRate accepted")
	}
}
