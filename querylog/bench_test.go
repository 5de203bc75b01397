package querylog

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"testing"
	"time"

	"github.com/spellwright/speller/internal/cputime"
)

// BenchmarkRead reads a 1 M-row file; rows/s is the throughput over all workers.
func BenchmarkRead(b *testing.B) {
	p := filepath.Join(b.TempDir(), "bench.parquet")
	const n = 1 << 20
	writeRows(b, p, WriteOptions{}, manyRows(n, 9))
	for _, workers := range []int{1, 0} {
		name := fmt.Sprintf("workers=%d", workers)
		if workers == 0 {
			name = "workers=GOMAXPROCS"
		}
		b.Run(name, func(b *testing.B) {
			start, cpu0 := time.Now(), cputime.Process()
			for b.Loop() {
				rep, err := Read(context.Background(), []string{p}, ReadOptions{Workers: workers}, func([]Row) error { return nil })
				if err != nil || rep.RowsKept != n {
					b.Fatal(err, rep)
				}
			}
			b.ReportMetric(float64(n)*float64(b.N)/time.Since(start).Seconds(), "rows/s")
			if cpu := cputime.Process() - cpu0; cpu > 0 {
				b.ReportMetric(float64(n)*float64(b.N)/cpu.Seconds(), "rows/cpu-s")
			}
		})
	}
}

// BenchmarkWrite writes 1 M rows to io.Discard.
func BenchmarkWrite(b *testing.B) {
	rows := manyRows(1<<20, 10)
	start := time.Now()
	for b.Loop() {
		w, err := NewWriter(io.Discard, WriteOptions{})
		if err != nil {
			b.Fatal(err)
		}
		if err := w.Write(rows...); err != nil {
			b.Fatal(err)
		}
		if err := w.Close(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(rows))*float64(b.N)/time.Since(start).Seconds(), "rows/s")
}
