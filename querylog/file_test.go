package querylog

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// TestOpenFileMatchesRead: reading every row group of a file through OpenFile gives the rows and the counts
// of Read, garbage rows included.
func TestOpenFileMatchesRead(t *testing.T) {
	path := filepath.Join(t.TempDir(), "log.parquet")
	rows := append(sampleRows(), Row{SessionID: "", TS: 1_700_000_000_000, Query: "x"}, Row{SessionID: "s9", TS: 5, Query: "bad ts"})
	writeRows(t, path, WriteOptions{RowGroupRows: 2}, rows)
	want, wantRep, err := readAll(t, []string{path}, ReadOptions{Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	f, err := OpenFile(bytes.NewReader(data), int64(len(data)), path, ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if f.NumRowGroups() < 2 {
		t.Fatalf("%d row groups, want several", f.NumRowGroups())
	}
	var c collector
	rep := NewReport(0)
	rep.Files = 1
	for i := range f.NumRowGroups() {
		if err := f.ReadRowGroup(context.Background(), i, rep, c.fn); err != nil {
			t.Fatal(err)
		}
	}
	sortRows(want)
	sortRows(c.rows)
	if !reflect.DeepEqual(c.rows, want) || !reflect.DeepEqual(rep, wantRep) {
		t.Fatalf("OpenFile read %d rows, report %v; Read %d rows, report %v", len(c.rows), rep, len(want), wantRep)
	}
	if err := f.ReadRowGroup(context.Background(), f.NumRowGroups(), rep, c.fn); err == nil {
		t.Error("row group out of range: no error")
	}
}

func TestOpenFileErrors(t *testing.T) {
	if _, err := OpenFile(bytes.NewReader([]byte("not parquet at all")), 18, "x", ReadOptions{}); !errors.Is(err, ErrUnreadableFile) {
		t.Errorf("not Parquet: %v, want ErrUnreadableFile", err)
	}
	path := filepath.Join(t.TempDir(), "log.parquet")
	writeRows(t, path, WriteOptions{OmitColumns: []string{ColQuery}}, sampleRows())
	data, _ := os.ReadFile(path)
	var se *SchemaError
	if _, err := OpenFile(bytes.NewReader(data), int64(len(data)), path, ReadOptions{}); !errors.As(err, &se) {
		t.Errorf("no query column: %v, want a *SchemaError", err)
	}
}
