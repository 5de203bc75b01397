package main

import (
	"math"
	"slices"
	"sync/atomic"
	"time"
)

// recorder holds one latency slot per measured request in a slice allocated once, up front, so that
// recording costs one store and no lock: a request takes its slot (take) when it is sent and writes its
// latency there (set) when the answer arrives. Slots of failed requests keep the value failed. Untouched
// pages of the slice are never committed by the OS, so a large bound costs address space, not memory.
type recorder struct {
	ns   []int64
	next atomic.Int64
}

// failed marks the slot of a request that got an error: its latency is not part of the distribution.
const failed = -1

func newRecorder(max int) *recorder { return &recorder{ns: make([]int64, max)} }

// take returns the next free slot, or -1 when the recorder is full.
func (r *recorder) take() int {
	i := r.next.Add(1) - 1
	if i >= int64(len(r.ns)) {
		return -1
	}
	return int(i)
}

// set records the outcome of the request in slot i.
func (r *recorder) set(i int, d time.Duration, ok bool) {
	if ok {
		r.ns[i] = max(int64(d), 0)
	} else {
		r.ns[i] = failed
	}
}

// taken is the number of slots handed out: the requests measured.
func (r *recorder) taken() int { return int(min(r.next.Load(), int64(len(r.ns)))) }

// latencies returns the latencies of the successful requests among the first n slots, sorted.
func (r *recorder) latencies(n int) []int64 {
	out := make([]int64, 0, n)
	for _, v := range r.ns[:n] {
		if v != failed {
			out = append(out, v)
		}
	}
	slices.Sort(out)
	return out
}

// percentile returns the p-th percentile (0 < p <= 100) of sorted by the nearest-rank method: the smallest
// value such that at least p% of the values are at most it. It returns 0 for no values.
func percentile(sorted []int64, p float64) int64 {
	n := len(sorted)
	if n == 0 {
		return 0
	}
	rank := int(math.Ceil(p / 100 * float64(n))) // 1-based
	rank = min(max(rank, 1), n)
	return sorted[rank-1]
}

// Latency is a latency distribution in microseconds.
type Latency struct {
	Count int     `json:"count"`
	Mean  float64 `json:"mean"`
	P50   float64 `json:"p50"`
	P90   float64 `json:"p90"`
	P99   float64 `json:"p99"`
	P999  float64 `json:"p999"`
	Max   float64 `json:"max"`
}

// summarize describes sorted latencies in nanoseconds, in microseconds rounded to 0.1.
func summarize(sorted []int64) Latency {
	us := func(ns int64) float64 { return math.Round(float64(ns)/100) / 10 }
	l := Latency{Count: len(sorted)}
	if len(sorted) == 0 {
		return l
	}
	var sum float64
	for _, v := range sorted {
		sum += float64(v)
	}
	l.Mean = math.Round(sum/float64(len(sorted))/100) / 10
	l.P50 = us(percentile(sorted, 50))
	l.P90 = us(percentile(sorted, 90))
	l.P99 = us(percentile(sorted, 99))
	l.P999 = us(percentile(sorted, 99.9))
	l.Max = us(sorted[len(sorted)-1])
	return l
}
