package bleveindex

import (
	"bufio"
	"os"
	"strings"
	"testing"

	"github.com/spellwright/speller/candidates"
)

// Evaluation data, relative to this package (tests that need it skip without it).
const (
	unigramsPath = "../../../shared/data/lm/unigrams-en-82k.txt"
	norvigPath   = "../../../shared/data/misspellings/dev/norvig-test1.tsv"
)

// column reads the first column (up to a space or tab) of every line of path, lower-cased, or skips b.
func column(b *testing.B, path string) []string {
	f, err := os.Open(path)
	if err != nil {
		b.Skipf("%v; benchmark skipped", err)
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if w, _, _ := strings.Cut(strings.ReplaceAll(sc.Text(), "\t", " "), " "); w != "" {
			out = append(out, strings.ToLower(w))
		}
	}
	return out
}

// BenchmarkLookup indexes the English word list (documents of 50 consecutive words) into an in-memory bleve
// index and looks up the misspellings of Norvig's test set, as candidates' BenchmarkSymSpellLookup does.
// scorch uses the fuzzy (automaton) dictionary; upsidedown (bleve.NewMemOnly) scans the whole dictionary per
// lookup, so it gets only the 10k most frequent words (its cost is linear in the number of terms).
func BenchmarkLookup(b *testing.B) {
	words, queries := column(b, unigramsPath), column(b, norvigPath)
	for _, kind := range []string{"scorch", "upsidedown-10k"} {
		b.Run(kind, func(b *testing.B) {
			words := words
			if kind != "scorch" {
				kind, words = "upsidedown", words[:10000]
			}
			fx := newBleveFixtureDocs(b, kind, words, 50)
			idx, err := New(fx.idx, "body", Options{})
			if err != nil {
				b.Fatal(err)
			}
			for _, d := range []int{1, 2} {
				b.Run("norvig/d="+string(rune('0'+d)), func(b *testing.B) {
					dst, matches, i := []candidates.Match(nil), 0, 0
					b.ReportAllocs()
					for b.Loop() {
						dst = idx.Lookup(dst[:0], queries[i%len(queries)], d)
						matches += len(dst)
						i++
					}
					b.ReportMetric(float64(matches)/float64(i), "matches/op")
				})
			}
		})
	}
}
