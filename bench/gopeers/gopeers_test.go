package gopeers

import (
	"bufio"
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/sajari/fuzzy"

	"github.com/spellwright/speller/data"
	"github.com/spellwright/speller/spell"
	"github.com/spellwright/speller/tokenize"
)

// typoQueries is the dev set of real queries with one typo each, beside the repository.
var typoQueries = filepath.Join("..", "..", "..", "shared", "data", "queries", "msmarco-a-typo.tsv")

// queries returns the distinct typed queries of the dev set, and their word tokens.
func queries(b *testing.B) ([]string, []string) {
	f, err := os.Open(typoQueries)
	if os.IsNotExist(err) {
		b.Skipf("%s not found: the evaluation data is expected beside the repository (see README)", typoQueries)
	}
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	var qs, toks []string
	seen := map[string]bool{}
	var tt []tokenize.Token
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		q, _, _ := strings.Cut(sc.Text(), "\t")
		if q == "" || seen[q] {
			continue
		}
		seen[q] = true
		qs = append(qs, q)
		tt = tokenize.Tokenize(tt[:0], q)
		for _, t := range tt {
			if t.Kind == tokenize.Word {
				toks = append(toks, t.Text)
			}
		}
	}
	if err := sc.Err(); err != nil {
		b.Fatal(err)
	}
	return qs, toks
}

var (
	modelOnce sync.Once
	corrector *spell.Corrector
	peer      *fuzzy.Model
)

// models builds the speller (without its token cache: every token searched anew; with the neighbour table,
// an index of the vocabulary built at load as the peer's map of deletes is) and the peer, trained on the
// default model's words and counts, edit depth 2 (the speller's MaxDistance).
func models(b *testing.B) (*spell.Corrector, *fuzzy.Model) {
	modelOnce.Do(func() {
		bundle, err := data.Default()
		if err != nil {
			b.Fatal(err)
		}
		corrector = spell.New(bundle, spell.Options{TokenCache: -1, Neighbours: true})
		if err := corrector.WaitNeighbours(context.Background()); err != nil {
			b.Fatal(err)
		}
		peer = fuzzy.NewModel()
		peer.SetThreshold(1)
		peer.SetDepth(2)
		peer.SetUseAutocomplete(false)
		for id := range bundle.LM.Len() {
			peer.SetCount(bundle.LM.Word(uint32(id)), int(bundle.LM.Count(uint32(id))), true)
		}
	})
	return corrector, peer
}

// BenchmarkPeerFuzzy is sajari/fuzzy's SpellCheck of each token of the queries, in turn: one op is one token.
func BenchmarkPeerFuzzy(b *testing.B) {
	_, toks := queries(b)
	_, p := models(b)
	i := 0
	for b.Loop() {
		p.SpellCheck(toks[i%len(toks)])
		i++
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N), "ns/token")
}

// BenchmarkSpeller is the speller's Correct of each query, in turn: one op is one query, ns/token its cost
// over the query's word tokens.
func BenchmarkSpeller(b *testing.B) {
	qs, toks := queries(b)
	c, _ := models(b)
	ctx := context.Background()
	i := 0
	for b.Loop() {
		if _, err := c.Correct(ctx, spell.Request{Query: qs[i%len(qs)]}); err != nil {
			b.Fatal(err)
		}
		i++
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)*float64(len(qs))/float64(len(toks)), "ns/token")
}
