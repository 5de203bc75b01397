package main

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"sync/atomic"

	spellerv1 "github.com/spellwright/speller/proto/speller/v1"
)

// Orders of the query stream (--order).
const (
	// orderCycle sends the queries in turn, again and again: after the first pass every query repeats, so a
	// server's response cache holding them all answers everything (the best case).
	orderCycle = "cycle"
	// orderOnce sends each distinct query once: traffic that never repeats (the worst case for caches; the
	// words still repeat across queries). The run stops when every query was sent.
	orderOnce = "once"
	// orderZipf draws the queries by a Zipf law over the distinct queries, P(rank k) ∝ 1/k^s, the rank being a
	// query's place in the shuffled list: a few head queries very often, a long tail once, as in search logs.
	orderZipf = "zipf"
)

// zipfDraws is the length of the precomputed sequence of Zipf draws; it is replayed from the start when a run
// sends more (the law is the same, the repeat share a little higher).
const zipfDraws = 1 << 21

// stream hands out the requests of a run in its order, safely from many goroutines, and counts the requests
// whose query was sent before in the run.
type stream struct {
	order   string
	reqs    []*spellerv1.CorrectRequest
	draws   []int32 // zipf: the indexes of reqs to send, in turn
	ids     []int32 // the distinct query of each of reqs (cycle may hold a query twice)
	next    atomic.Uint64
	sent    []atomic.Uint32 // bit set of the distinct queries sent so far
	repeats atomic.Int64
}

// newStream returns the stream of qs in the given order; once and zipf use each distinct query once in the
// list (its first place). s is the Zipf exponent (> 0), seed fixes the draws.
func newStream(order string, qs []string, s float64, seed uint64) (*stream, error) {
	if len(qs) == 0 {
		return nil, fmt.Errorf("no queries")
	}
	switch order {
	case orderCycle:
	case orderOnce, orderZipf:
		seen := make(map[string]bool, len(qs))
		qs = slices.DeleteFunc(slices.Clone(qs), func(q string) bool {
			dup := seen[q]
			seen[q] = true
			return dup
		})
	default:
		return nil, fmt.Errorf("--order %q: want %s, %s or %s", order, orderCycle, orderOnce, orderZipf)
	}
	st := &stream{order: order, reqs: make([]*spellerv1.CorrectRequest, len(qs)), ids: make([]int32, len(qs))}
	id := make(map[string]int32, len(qs))
	for i, q := range qs {
		st.reqs[i] = &spellerv1.CorrectRequest{Query: q}
		if _, ok := id[q]; !ok {
			id[q] = int32(len(id))
		}
		st.ids[i] = id[q]
	}
	st.sent = make([]atomic.Uint32, (len(id)+31)/32)
	if order == orderZipf {
		if !(s > 0) || math.IsInf(s, 0) {
			return nil, fmt.Errorf("--zipf-s %v: want a positive exponent", s)
		}
		st.draws = zipf(len(qs), s, zipfDraws, seed)
	}
	return st, nil
}

// zipf returns n draws from {0, ..., size-1} with P(k) ∝ 1/(k+1)^s, by inverting the cumulative distribution.
func zipf(size int, s float64, n int, seed uint64) []int32 {
	cdf := make([]float64, size)
	total := 0.0
	for k := range cdf {
		total += math.Pow(float64(k+1), -s)
		cdf[k] = total
	}
	rng := rand.New(rand.NewPCG(seed, 2))
	out := make([]int32, n)
	for i := range out {
		u := rng.Float64() * total
		out[i] = int32(min(sort.SearchFloat64s(cdf, u), size-1))
	}
	return out
}

// take returns the next request, or false when the stream is exhausted (order once, every query sent).
func (st *stream) take() (*spellerv1.CorrectRequest, bool) {
	n := st.next.Add(1) - 1
	var i int
	switch st.order {
	case orderOnce:
		if n >= uint64(len(st.reqs)) {
			return nil, false
		}
		i = int(n)
	case orderZipf:
		i = int(st.draws[n%uint64(len(st.draws))])
	default:
		i = int(n % uint64(len(st.reqs)))
	}
	d := st.ids[i]
	bit := uint32(1) << (d % 32)
	if st.sent[d/32].Or(bit)&bit != 0 {
		st.repeats.Add(1)
	}
	return st.reqs[i], true
}

// taken returns the number of requests handed out (not counting refusals of an exhausted stream).
func (st *stream) taken() int64 {
	n := int64(st.next.Load())
	if st.order == orderOnce {
		n = min(n, int64(len(st.reqs)))
	}
	return n
}

// distinct returns the number of distinct queries the stream draws from.
func (st *stream) distinct() int {
	n := int32(0)
	for _, d := range st.ids {
		n = max(n, d+1)
	}
	return int(n)
}
