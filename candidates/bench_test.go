package candidates

import (
	"bufio"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/spellwright/speller/internal/cputime"
)

// englishOrSkip returns the 82k-word English list or skips the benchmark.
func englishOrSkip(b *testing.B) *SliceVocabulary {
	v := loadUnigrams()
	if v == nil {
		b.Skipf("English word list %s (lines \"word count\") not found; benchmark skipped", unigramsPath)
	}
	return v
}

// norvigQueries returns the misspellings (column 1) of Norvig's test set, or nil if absent.
func norvigQueries() []string {
	f, err := os.Open(norvigPath)
	if err != nil {
		return nil
	}
	defer f.Close()
	var qs []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if w, _, _ := strings.Cut(sc.Text(), "\t"); w != "" {
			qs = append(qs, strings.ToLower(w))
		}
	}
	return qs
}

// typoQueries returns n vocabulary words of minLen..maxLen runes with one or two random edits.
func typoQueries(v *SliceVocabulary, n, minLen, maxLen int) []string {
	r := rand.New(rand.NewPCG(42, 42))
	var qs []string
	for len(qs) < n {
		w := []rune(v.Words[r.IntN(len(v.Words))])
		if len(w) < minLen || len(w) > maxLen {
			continue
		}
		for range 1 + r.IntN(2) {
			w = edit(r, w, -1)
		}
		qs = append(qs, string(w))
	}
	return qs
}

func BenchmarkSymSpellBuild(b *testing.B) {
	v := englishOrSkip(b)
	b.ReportAllocs()
	var idx *SymSpell
	cpu0, n := cputime.Process(), 0
	for b.Loop() {
		idx = NewSymSpell(v, SymSpellOptions{})
		n++
	}
	if cpu := cputime.Process() - cpu0; cpu > 0 {
		b.ReportMetric(float64(cpu.Nanoseconds())/float64(n), "cpu-ns/op") // GC included
	}
	st := idx.Stats()
	b.ReportMetric(float64(st.Bytes)/(1<<20), "index-MiB")
	b.ReportMetric(float64(st.Postings), "postings")
	b.ReportMetric(float64(st.Buckets), "buckets")
}

func BenchmarkSymSpellLookup(b *testing.B) {
	v := englishOrSkip(b)
	idx := NewSymSpell(v, SymSpellOptions{})
	sets := []struct {
		name    string
		queries []string
	}{
		{"norvig", norvigQueries()},
		{"typo-len6-9", typoQueries(v, 2000, 6, 9)},
		{"typo-len2-4", typoQueries(v, 2000, 2, 4)},
		{"typo-len10-16", typoQueries(v, 2000, 10, 16)},
	}
	for _, set := range sets {
		if len(set.queries) == 0 {
			continue // norvig file absent
		}
		for _, d := range []int{1, 2} {
			b.Run(set.name+"/d="+string(rune('0'+d)), func(b *testing.B) {
				benchLookup(b, idx, set.queries, d)
			})
		}
	}
}

// benchLookup measures idx.Lookup over queries (round robin). Besides ns/op it reports cpu-ns/op (process
// CPU time per lookup), the median and 99th percentile of the per-query latency (each query timed alone, the
// minimum over up to 5 passes, to filter out preemption by other processes), and the mean number of matches.
func benchLookup(b *testing.B, idx Index, queries []string, d int) {
	dst := make([]Match, 0, 4096)
	lat := make([]time.Duration, len(queries))
	matches := 0
	start := time.Now()
	for pass := 0; pass < 5 && (pass == 0 || time.Since(start) < time.Second); pass++ {
		for i, q := range queries {
			t := time.Now()
			dst = idx.Lookup(dst[:0], q, d)
			if el := time.Since(t); pass == 0 || el < lat[i] {
				lat[i] = el
			}
			if pass == 0 {
				matches += len(dst)
			}
		}
	}
	slices.Sort(lat)
	b.ReportAllocs()
	cpu0 := cputime.Process()
	b.ResetTimer()
	i := 0
	for b.Loop() {
		dst = idx.Lookup(dst[:0], queries[i%len(queries)], d)
		i++
	}
	b.StopTimer()
	if cpu := cputime.Process() - cpu0; cpu > 0 {
		// CPU time of the process per lookup (helper goroutines and the GC included): unlike ns/op,
		// not inflated when other processes compete for the cores.
		b.ReportMetric(float64(cpu.Nanoseconds())/float64(i), "cpu-ns/op")
	}
	b.ReportMetric(float64(lat[len(lat)/2].Nanoseconds()), "p50-ns")
	b.ReportMetric(float64(lat[len(lat)*99/100].Nanoseconds()), "p99-ns")
	b.ReportMetric(float64(matches)/float64(len(queries)), "matches/op")
}
