package spell_test

import (
	"bufio"
	"context"
	"crypto/sha256"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/spellwright/speller/internal/shareddata"
	"github.com/spellwright/speller/spell"
)

// devAnswerFiles are the dev sets whose answers TestDevAnswers pins: the real queries and the word lists.
var devAnswerFiles = []string{
	"queries/msmarco-a-clean.tsv", "queries/msmarco-a-typo.tsv", "queries/trec-dl-clean.tsv", "queries/trec-dl-typo.tsv",
	"misspellings/dev/norvig-test1.tsv", "misspellings/dev/norvig-test2.tsv", "misspellings/dev/wikipedia.tsv",
	"misspellings/dev/symspell-noisy-1000.tsv", "misspellings/dev/symspell-compound.tsv",
}

// devAnswerBlock is the number of queries per digest: a changed answer is located to a block of that many.
const devAnswerBlock = 1000

// devInputs returns the distinct typed inputs of a dev file (first column), in order of first appearance.
func devInputs(tb testing.TB, rel string) []string {
	dir := shareddata.Dir()
	if _, err := os.Stat(dir); dir == "" || os.IsNotExist(err) {
		tb.Skipf("no evaluation data at %q (see README)", dir)
	}
	f, err := os.Open(filepath.Join(dir, rel)) // with the data there, a missing file fails the test
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	var out []string
	seen := make(map[string]bool)
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<16), 1<<20)
	for sc.Scan() {
		typed, _, _ := strings.Cut(sc.Text(), "\t")
		if typed == "" || strings.HasPrefix(typed, "#") || seen[typed] {
			continue
		}
		seen[typed] = true
		out = append(out, typed)
	}
	if err := sc.Err(); err != nil {
		tb.Fatal(err)
	}
	return out
}

// answer renders what a user of r sees and the numbers behind it, at a precision that floating-point
// reassociation does not move.
func answer(r *spell.Result) string {
	return fmt.Sprintf("%s\t%s\t%s\t%.4f\t%d", r.Action, r.Correction, r.BestPath, r.LogOdds, len(r.Alternatives))
}

// TestDevAnswers pins every answer of the default model on the dev sets (the engine, without the token
// cache, drawing every candidate from the index; the same with the neighbour table; and spelld's corrector,
// with the table and the token cache, whose columns outlive the query that drew them): an optimisation must
// not change one. The golden file holds a SHA-256 digest per block of devAnswerBlock distinct inputs of each
// file (the data itself is not copied into the project). Run with -update after a change meant to move
// answers, and say so in BENCHMARKS.md.
func TestDevAnswers(t *testing.T) {
	if raceEnabled {
		t.Skip("answers are checked without the race detector (40,000 queries)")
	}
	if testing.Short() {
		t.Skip("-short")
	}
	golden := filepath.Join("testdata", "dev-answers.golden")
	for _, tc := range []struct {
		name string
		c    *spell.Corrector
	}{{"engine", engineCorrector(t)}, {"neighbours", neighbourCorrector(t)}, {"server", serverCorrector(t)}} {
		t.Run(tc.name, func(t *testing.T) {
			got := devAnswers(t, tc.c)
			if *update {
				if tc.name == "engine" {
					if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
						t.Fatal(err)
					}
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatal(err)
			}
			if got != string(want) {
				t.Errorf("answers on the dev sets changed (file, first input of the block, inputs, digest; "+
					"go test ./spell -run DevAnswers -update to accept):\n%s", diff(string(want), got))
			}
		})
	}
}

// devAnswers returns the digests of c's answers on the dev sets, one line per block.
func devAnswers(t *testing.T, c *spell.Corrector) string {
	var out strings.Builder
	for _, rel := range devAnswerFiles {
		inputs := devInputs(t, rel)
		for start := 0; start < len(inputs); start += devAnswerBlock {
			block := inputs[start:min(start+devAnswerBlock, len(inputs))]
			h := sha256.New()
			for _, q := range block {
				r, err := c.Correct(context.Background(), spell.Request{Query: q})
				if err != nil {
					fmt.Fprintf(h, "%s\terror %v\n", q, err)
					continue
				}
				fmt.Fprintf(h, "%s\t%s\n", q, answer(r))
			}
			fmt.Fprintf(&out, "%s\t%d\t%d\t%x\n", rel, start, len(block), h.Sum(nil)[:12])
		}
	}
	return out.String()
}

// BenchmarkRealQueries corrects real web queries with one typo each (MS MARCO, the dev set), a stream that
// does not repeat: "engine" without the token cache, "tokencache" with the default one (tokens repeat across
// queries even when queries do not); "neighbours" without the token cache, with the neighbour table (a
// vocabulary word typed as it is drawn from memory); "both" with the two, as spelld runs. It reports the cost
// per query and per token, and the 50th and 99th percentiles of a query's latency (one pass over the queries:
// -benchtime 33482x).
func BenchmarkRealQueries(b *testing.B) {
	inputs := devInputs(b, "queries/msmarco-a-typo.tsv")
	tokens := 0
	for _, q := range inputs {
		tokens += len(strings.Fields(q))
	}
	for _, bc := range []struct {
		name string
		c    *spell.Corrector
	}{{"engine", engineCorrector(b)}, {"neighbours", neighbourCorrector(b)}, {"tokencache", defaultCorrector(b)},
		{"both", serverCorrector(b)}} {
		b.Run(bc.name, func(b *testing.B) {
			ctx := context.Background()
			b.ReportAllocs()
			var lat []time.Duration // (b.N is not known before b.Loop)
			i := 0
			for b.Loop() {
				start := time.Now()
				if _, err := bc.c.Correct(ctx, spell.Request{Query: inputs[i%len(inputs)]}); err != nil {
					b.Fatal(err)
				}
				if len(lat) < 1<<20 {
					lat = append(lat, time.Since(start))
				}
				i++
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)*float64(len(inputs))/float64(tokens), "ns/token")
			slices.Sort(lat)
			for _, q := range []struct {
				unit string
				at   float64
			}{{"p50-µs", 0.5}, {"p99-µs", 0.99}} {
				b.ReportMetric(float64(lat[int(q.at*float64(len(lat)-1))].Nanoseconds())/1e3, q.unit)
			}
		})
	}
}
