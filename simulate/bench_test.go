package simulate

import (
	"io"
	"testing"
	"time"

	"github.com/spellwright/speller/querylog"
)

// BenchmarkRun generates 10k sessions per iteration into a Parquet writer on io.Discard.
func BenchmarkRun(b *testing.B) {
	opts := fixtureOptions(b, 10000, 1)
	opts.GarbageRate = 0.01
	rows := 0
	start := time.Now()
	for b.Loop() {
		w, err := querylog.NewWriter(io.Discard, querylog.WriteOptions{})
		if err != nil {
			b.Fatal(err)
		}
		stats, _, err := Run(opts, w)
		if err != nil {
			b.Fatal(err)
		}
		if err := w.Close(); err != nil {
			b.Fatal(err)
		}
		rows += stats.Rows
	}
	sec := time.Since(start).Seconds()
	b.ReportMetric(float64(opts.Sessions*b.N)/sec, "sessions/s")
	b.ReportMetric(float64(rows)/sec, "rows/s")
}

// BenchmarkGenerate measures the generator alone (rows discarded).
func BenchmarkGenerate(b *testing.B) {
	opts := fixtureOptions(b, 10000, 1)
	rows := 0
	start := time.Now()
	for b.Loop() {
		stats, _, err := Run(opts, discard{})
		if err != nil {
			b.Fatal(err)
		}
		rows += stats.Rows
	}
	sec := time.Since(start).Seconds()
	b.ReportMetric(float64(opts.Sessions*b.N)/sec, "sessions/s")
	b.ReportMetric(float64(rows)/sec, "rows/s")
}

type discard struct{}

func (discard) Write(...querylog.Row) error { return nil }
