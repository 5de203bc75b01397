package querylog

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// FuzzRead feeds arbitrary bytes to Read as a Parquet file: it must return (an error or
// a report), never panic or hang.
func FuzzRead(f *testing.F) {
	var buf bytes.Buffer
	w, _ := NewWriter(&buf, WriteOptions{RowGroupRows: 3, Compression: CompressionNone})
	w.Write(sampleRows()...)
	w.Close()
	valid := buf.Bytes()
	f.Add(valid)
	f.Add(valid[:len(valid)/2])
	f.Add(append([]byte("PAR1"), valid[len(valid)/2:]...))
	buf.Reset()
	w, _ = NewWriter(&buf, WriteOptions{Compression: CompressionSnappy, OmitColumns: []string{ColClicks}})
	w.Write(sampleRows()...)
	w.Close()
	f.Add(buf.Bytes())
	f.Add([]byte("PAR1\x00\x00\x00\x00PAR1"))
	f.Add([]byte{})

	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		p := filepath.Join(dir, "fuzz.parquet")
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		start := time.Now()
		rep, err := Read(ctx, []string{p}, ReadOptions{Workers: 2}, func(b []Row) error {
			for _, r := range b {
				if r.SessionID == "" || r.Query == "" || r.TS < MinTS || r.TS >= MaxTS {
					t.Fatalf("invalid row passed to fn: %+v", r)
				}
			}
			return nil
		})
		if d := time.Since(start); d > 5*time.Second {
			t.Fatalf("Read took %v", d)
		}
		if rep == nil {
			t.Fatal("nil report")
		}
		if err == nil && rep.Files != 1 {
			t.Fatalf("no error but report %v", rep)
		}
	})
}
