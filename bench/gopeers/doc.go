// Package gopeers measures the speller beside a context-free Go spelling library on the same tokens and the
// same word counts: github.com/sajari/fuzzy, a SymSpell-style corrector that looks each word up alone. It is
// its own module, so that the project does not depend on the peer:
//
//	cd bench/gopeers && go test -run '^$' -bench . -benchtime 20000x
//
// The tokens are those of the real web queries with one typo each (../shared/data/queries/msmarco-a-typo.tsv,
// the dev set; the benchmark skips without it), the word counts those of the embedded default model. The peer
// corrects each token alone; the speller corrects each query (candidates, splits, merges, the language model
// over the whole query), and its cost is divided by the query's tokens.
package gopeers
