package train

import (
	"cmp"
	"io"
	"math"
	"math/rand/v2"
	"slices"
)

// write writes at most limit examples to w, lines typed<TAB>expected<TAB>count, each kind sampled without
// replacement with probabilities proportional to the counts, reproducibly from seed. With balanced, as many
// corrections as correct queries (limit/2 of each when there are enough; when one kind is short, as many of
// the other; when one kind is absent, up to limit/2 of the other). Otherwise the traffic's own mix: the
// corrections are the same share of the examples as mined corrections are of the searches that gave either
// kind (by count), so that a tuner's precision and false corrections are those of the traffic; when one kind
// is short, the other is cut to keep the share. Rows are written corrections first, each kind sorted.
func (ex *examples) write(w io.Writer, limit int, seed uint64, balanced bool, rep *ExampleReport) error {
	rep.CorrectionCandidates, rep.CorrectCandidates = len(ex.corrections), len(ex.correct)
	nc, nk := len(ex.corrections), len(ex.correct)
	var kc, kk int
	switch {
	case nc == 0 || nk == 0:
		kc, kk = limit/2, limit/2
	case balanced:
		kc = min(nc, nk, limit/2)
		kk = kc
	default:
		share := total(ex.corrections) / (total(ex.corrections) + total(ex.correct))
		rep.CorrectionShare = share
		kc = int(math.Round(share * float64(limit)))
		kk = limit - kc
		if kc > nc { // too few corrections: fewer correct queries too
			kc, kk = nc, int(math.Round(float64(nc)*(1-share)/share))
		}
		if kk > nk {
			kk, kc = nk, int(math.Round(float64(nk)*share/(1-share)))
		}
		kc = max(min(kc, nc), 1)
		kk = max(min(kk, limit-kc), 0)
	}
	rng := rand.New(rand.NewPCG(seed, 0x5eed_e8a3))
	corr := sampleByCount(ex.corrections, kc, rng)
	ok := sampleByCount(ex.correct, kk, rng)
	rep.Corrections, rep.Correct = len(corr), len(ok)
	return writePairs(w, append(corr, ok...))
}

// total returns the sum of the counts of p.
func total(p []PairCount) float64 {
	var n float64
	for _, x := range p {
		n += float64(max(x.Count, 1))
	}
	return n
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
