package train

import (
	"cmp"
	"io"
	"math"
	"math/rand/v2"
	"slices"
)

// write writes at most limit examples to w, lines typed<TAB>expected<TAB>count: as many corrections as correct
// queries (limit/2 of each when there are enough; when one kind is short, as many of the other, so the set
// stays balanced; when one kind is absent, up to limit/2 of the other), each kind sampled without replacement
// with probabilities proportional to the counts, reproducibly from seed. Rows are written corrections first,
// each kind sorted.
func (ex *examples) write(w io.Writer, limit int, seed uint64, rep *ExampleReport) error {
	rep.CorrectionCandidates, rep.CorrectCandidates = len(ex.corrections), len(ex.correct)
	k := min(len(ex.corrections), len(ex.correct), limit/2)
	if len(ex.corrections) == 0 || len(ex.correct) == 0 {
		k = limit / 2
	}
	rng := rand.New(rand.NewPCG(seed, 0x5eed_e8a3))
	corr := sampleByCount(ex.corrections, k, rng)
	ok := sampleByCount(ex.correct, k, rng)
	rep.Corrections, rep.Correct = len(corr), len(ok)
	return writePairs(w, append(corr, ok...))
}

// sampleByCount returns k of the pairs (all when there are no more), drawn without replacement with
// probabilities proportional to their counts (Efraimidis–Spirakis: the k largest u^(1/count)), in their
// original order.
func sampleByCount(p []PairCount, k int, rng *rand.Rand) []PairCount {
	if len(p) <= k {
		return slices.Clone(p)
	}
	type keyed struct {
		key float64
		i   int
	}
	keys := make([]keyed, len(p))
	for i, x := range p {
		// log(u)/count orders like u^(1/count) and keeps precision
		keys[i] = keyed{math.Log(1-rng.Float64()) / float64(max(x.Count, 1)), i}
	}
	slices.SortFunc(keys, func(a, b keyed) int { return cmp.Or(cmp.Compare(b.key, a.key), cmp.Compare(a.i, b.i)) })
	idx := make([]int, k)
	for j := range idx {
		idx[j] = keys[j].i
	}
	slices.Sort(idx)
	out := make([]PairCount, k)
	for j, i := range idx {
		out[j] = p[i]
	}
	return out
}
