package querylog

import (
	"bytes"
	"context"
	"errors"
	"io"
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

var errNetwork = errors.New("connection reset by peer")

// flakyReader reads data, failing the reads while fail is set: with errNetwork, or, when short, cut short
// with io.EOF before the end of the file, as a truncated transfer reads.
type flakyReader struct {
	data  []byte
	fail  bool
	short bool
	reads int
}

func (r *flakyReader) ReadAt(p []byte, off int64) (int, error) {
	r.reads++
	if off >= int64(len(r.data)) {
		return 0, io.EOF
	}
	n := copy(p, r.data[off:])
	if r.fail {
		if r.short {
			return n / 2, io.EOF
		}
		return 0, errNetwork
	}
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

// TestReadRowGroupTransientError: a failed read of the file is the error of ReadRowGroup, not an unreadable
// row group, and leaves the report as it was; the same File reads the row group once the reads succeed.
func TestReadRowGroupTransientError(t *testing.T) {
	path := filepath.Join(t.TempDir(), "log.parquet")
	writeRows(t, path, WriteOptions{RowGroupRows: 3}, sampleRows())
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	want := func(i int) ([]Row, *Report) {
		f, err := OpenFile(bytes.NewReader(data), int64(len(data)), path, ReadOptions{})
		if err != nil {
			t.Fatal(err)
		}
		var c collector
		rep := NewReport(0)
		if err := f.ReadRowGroup(context.Background(), i, rep, c.fn); err != nil {
			t.Fatal(err)
		}
		return c.rows, rep
	}
	for _, tt := range []struct {
		name  string
		short bool
		want  error
	}{
		{"network error", false, errNetwork},
		{"read cut short", true, io.ErrUnexpectedEOF},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := &flakyReader{data: data, short: tt.short}
			f, err := OpenFile(r, int64(len(data)), path, ReadOptions{})
			if err != nil {
				t.Fatal(err)
			}
			for i := range f.NumRowGroups() {
				r.fail = true
				rep := NewReport(0)
				var c collector
				err := f.ReadRowGroup(context.Background(), i, rep, c.fn)
				if !errors.Is(err, tt.want) {
					t.Fatalf("row group %d, reads failing: %v, want %v", i, err, tt.want)
				}
				if !reflect.DeepEqual(rep, NewReport(0)) {
					t.Errorf("row group %d, reads failing: report %v, want it untouched", i, rep)
				}
				r.fail = false
				c = collector{}
				if err := f.ReadRowGroup(context.Background(), i, rep, c.fn); err != nil {
					t.Fatalf("row group %d, reads succeeding again: %v", i, err)
				}
				wantRows, wantRep := want(i)
				if !reflect.DeepEqual(c.rows, wantRows) || !reflect.DeepEqual(rep, wantRep) {
					t.Fatalf("row group %d read again: %d rows, report %v; want %d rows, report %v", i, len(c.rows), rep, len(wantRows), wantRep)
				}
			}
		})
	}
	r := &flakyReader{data: data, fail: true}
	if _, err := OpenFile(r, int64(len(data)), path, ReadOptions{}); !errors.Is(err, errNetwork) || errors.Is(err, ErrUnreadableFile) {
		t.Errorf("OpenFile, reads failing: %v, want errNetwork, not ErrUnreadableFile", err)
	}
}

// TestReadRowGroupCorrupt: a row group whose data cannot be decoded, read without error, is counted in the
// report, not returned.
func TestReadRowGroupCorrupt(t *testing.T) {
	path := filepath.Join(t.TempDir(), "log.parquet")
	writeRows(t, path, WriteOptions{RowGroupRows: 3}, sampleRows())
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for i := 4; i < 40; i++ { // the first row group's first page: its header and values
		data[i] ^= 0xa5
	}
	f, err := OpenFile(bytes.NewReader(data), int64(len(data)), path, ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	rep := NewReport(0)
	var c collector
	if err := f.ReadRowGroup(context.Background(), 0, rep, c.fn); err != nil {
		t.Fatalf("corrupt row group: %v, want it counted", err)
	}
	if rep.Skipped[SkipUnreadableRowGroup] != 1 || len(rep.Errors) != 1 {
		t.Fatalf("corrupt row group: report %v", rep)
	}
}
