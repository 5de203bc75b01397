package train

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"unsafe"

	"github.com/spellwright/speller/logsum"
	"github.com/spellwright/speller/mine"
)

// The local engine's second stage: each partition file (see spill.go) is sorted into sessions, each session
// into mine.Order, and summed by a logsum.Summer; the partitions' sums are merged into those of the log.

// processPartitions sorts and sums the partitions, workers at a time, and merges their sums in partition
// order while the next ones are processed. At most workers+1 sums wait to be merged.
func processPartitions(ctx context.Context, sp *spill, rules logsum.Rules, workers int, pr *progressor) (*logsum.Sums, error) {
	var done atomic.Int64
	n := len(sp.parts)
	pr.set(StageSessions, &done, int64(n))
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	type result struct {
		sums *logsum.Sums
		err  error
	}
	results := make([]chan result, n)
	for i := range results {
		results[i] = make(chan result, 1)
	}
	ahead := make(chan struct{}, workers+1)
	jobs := make(chan int)
	go func() {
		defer close(jobs)
		for p := range n {
			select {
			case ahead <- struct{}{}:
			case <-ctx.Done():
				return
			}
			select {
			case jobs <- p:
			case <-ctx.Done():
				return
			}
		}
	}()
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w := newPartWorker(rules)
			for p := range jobs {
				var r result
				if r.err = ctx.Err(); r.err == nil {
					r.sums, r.err = w.process(sp.parts[p].path, sp.parts[p].rows)
				}
				os.Remove(sp.parts[p].path)
				done.Add(1)
				results[p] <- r
			}
		}()
	}
	defer wg.Wait()
	total := logsum.New(rules)
	for p := range n {
		var r result
		select {
		case r = <-results[p]:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		if r.err != nil {
			if errors.Is(r.err, context.Canceled) || errors.Is(r.err, context.DeadlineExceeded) {
				return nil, r.err
			}
			return nil, fmt.Errorf("train: partition %d: %w", p, r.err)
		}
		if err := total.Merge(r.sums); err != nil {
			return nil, fmt.Errorf("train: partition %d: %w", p, err)
		}
		<-ahead
	}
	pr.done(done.Load())
	return total, nil
}

// partWorker sorts and sums partitions; its buffers are reused.
type partWorker struct {
	rules    logsum.Rules
	summer   *logsum.Summer
	recs     []rec
	lastLen  int // distinct queries of the last partition
	keys     []sortKey
	tmp      []sortKey // radixSort's buffer
	sorted   []rec
	searches []mine.Search
}

func newPartWorker(rules logsum.Rules) *partWorker {
	return &partWorker{rules: rules, summer: logsum.NewSummer(logsum.New(rules))}
}

// sortKey orders the records of a partition.
type sortKey struct {
	hash uint64
	ts   int64
	i    uint32
}

// radixSort sorts keys by hash (a stable LSD radix sort, 16 bits a pass) with tmp as its buffer, which it
// returns grown for reuse.
func radixSort(keys, tmp []sortKey) []sortKey {
	if cap(tmp) < len(keys) {
		tmp = make([]sortKey, len(keys))
	}
	tmp = tmp[:len(keys)]
	src, dst := keys, tmp
	var count [1 << 16]int
	for shift := uint(0); shift < 64; shift += 16 {
		clear(count[:])
		for i := range src {
			count[uint16(src[i].hash>>shift)]++
		}
		sum := 0
		for b, c := range count {
			count[b] = sum
			sum += c
		}
		for i := range src {
			b := uint16(src[i].hash >> shift)
			dst[count[b]] = src[i]
			count[b]++
		}
		src, dst = dst, src
	}
	// four passes: the result is back in keys
	return tmp
}

// process reads, sorts and sums one partition file of n records.
func (w *partWorker) process(path string, n int) (*logsum.Sums, error) {
	if cap(w.recs) < n {
		w.recs, w.sorted, w.keys = make([]rec, 0, n), make([]rec, 0, n), make([]sortKey, 0, n)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	// The records' strings point into data, which is never written again; the sums' new query strings keep
	// pointing into it until they are merged (logsum.Sums.Merge copies them).
	w.recs, err = decodeSpill(w.recs[:0], unsafe.String(unsafe.SliceData(data), len(data)))
	if err != nil {
		return nil, err
	}
	recs := w.recs
	// Sort small keys rather than the records: by session hash, then within a session by mine.Order (time
	// first). Sessions whose hashes collide are sorted apart afterwards.
	w.keys = w.keys[:0]
	for i := range recs {
		w.keys = append(w.keys, sortKey{recs[i].hash, recs[i].TS, uint32(i)})
	}
	w.tmp = radixSort(w.keys, w.tmp)
	for i := 0; i < len(w.keys); {
		j, mixed := i+1, false
		for j < len(w.keys) && w.keys[j].hash == w.keys[i].hash {
			mixed = mixed || recs[w.keys[j].i].session != recs[w.keys[i].i].session
			j++
		}
		if j-i > 1 {
			slices.SortFunc(w.keys[i:j], func(a, b sortKey) int {
				if mixed {
					if c := strings.Compare(recs[a.i].session, recs[b.i].session); c != 0 {
						return c
					}
				}
				if a.ts != b.ts {
					return cmp.Compare(a.ts, b.ts) // mine.Order's first field, without loading the records
				}
				return mine.Order(&recs[a.i].Search, &recs[b.i].Search)
			})
		}
		i = j
	}
	w.sorted = w.sorted[:0]
	for _, k := range w.keys {
		w.sorted = append(w.sorted, recs[k.i])
	}
	recs = w.sorted
	sums := logsum.New(w.rules)
	sums.Queries = make(map[string]*logsum.QueryStat, w.lastLen)
	w.summer.Reset(sums)
	for i := 0; i < len(recs); {
		j := i + 1
		for j < len(recs) && recs[j].hash == recs[i].hash && recs[j].session == recs[i].session {
			j++
		}
		w.searches = w.searches[:0]
		for k := i; k < j; k++ {
			w.searches = append(w.searches, recs[k].Search)
		}
		w.summer.Session(recs[i].hash, w.searches)
		i = j
	}
	w.summer.Flush()
	clear(w.recs) // drop the references to the partition's data
	clear(w.sorted)
	clear(w.searches[:cap(w.searches)])
	w.lastLen = len(sums.Queries)
	return sums, nil
}
