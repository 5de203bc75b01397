package querylog_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync/atomic"

	"github.com/spellwright/speller/querylog"
)

func Example() {
	dir, _ := os.MkdirTemp("", "querylog")
	defer os.RemoveAll(dir)

	// Write a small log.
	f, _ := os.Create(filepath.Join(dir, "day1.parquet"))
	w, err := querylog.NewWriter(f, querylog.WriteOptions{})
	if err != nil {
		panic(err)
	}
	const t0 = 1767225600000 // 2026-01-01T00:00:00Z
	w.Write(
		querylog.Row{SessionID: "s1", TS: t0, Query: "red dres", Results: 0, HasResults: true, Clicks: 0, HasClicks: true},
		querylog.Row{SessionID: "s1", TS: t0 + 6000, Query: "red dress", Results: 412, HasResults: true, Clicks: 1, HasClicks: true},
		querylog.Row{SessionID: "", TS: t0, Query: "no session"}, // skipped when read
	)
	if err := w.Close(); err != nil {
		panic(err)
	}
	f.Close()

	// Read every log of the directory; fn runs on several goroutines.
	var clicks atomic.Int64
	rep, err := querylog.Read(context.Background(), []string{filepath.Join(dir, "*.parquet")}, querylog.ReadOptions{},
		func(batch []querylog.Row) error {
			for _, r := range batch {
				if r.HasClicks {
					clicks.Add(r.Clicks)
				}
			}
			return nil
		})
	if err != nil {
		panic(err)
	}
	fmt.Println(rep.RowsKept, "rows,", clicks.Load(), "click,", rep.Skipped[querylog.SkipNullSession], "skipped")
	// Output: 2 rows, 1 click, 1 skipped
}
