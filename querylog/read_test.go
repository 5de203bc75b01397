package querylog

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/apache/arrow-go/v18/parquet/schema"

	"github.com/spellwright/speller/internal/parquettest"
)

func sampleRows() []Row {
	return []Row{
		{SessionID: "s1", TS: baseTS, Query: "red dres", Results: 0, HasResults: true, Clicks: 0, HasClicks: true,
			SpellCorrection: "red dress", SpellAction: ActionDidYouMean, SpellFeedback: FeedbackAccepted},
		{SessionID: "s1", TS: baseTS + 4000, Query: "red dress", Results: 812, HasResults: true, Clicks: 2, HasClicks: true},
		{SessionID: "s2", TS: baseTS + 10, Query: "lamp", HasResults: false, Clicks: 1, HasClicks: true},
		{SessionID: "s2", TS: baseTS + 20, Query: "desk lamp", Results: 33, HasResults: true,
			SpellCorrection: "desk lump", SpellAction: ActionAutoCorrect, SpellFeedback: FeedbackRejected},
		{SessionID: "s3", TS: baseTS + 30, Query: "café crème ☕"},
	}
}

func TestRoundTrip(t *testing.T) {
	for _, c := range []Compression{"", CompressionSnappy, CompressionZstd, CompressionGzip, CompressionNone} {
		for _, rg := range []int{1, 2, 1000} {
			t.Run(fmt.Sprintf("%s/rg%d", c, rg), func(t *testing.T) {
				p := tmp(t, "log.parquet")
				want := sampleRows()
				writeRows(t, p, WriteOptions{Compression: c, RowGroupRows: rg}, want)
				got, rep, err := readAll(t, []string{p}, ReadOptions{Workers: 1})
				if err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(got, want) {
					t.Fatalf("got  %+v\nwant %+v", got, want)
				}
				wantRG := int64((len(want) + rg - 1) / rg)
				if rep.Files != 1 || rep.RowGroups != wantRG || rep.RowsRead != 5 || rep.RowsKept != 5 || len(rep.Skipped) != 0 || len(rep.Errors) != 0 {
					t.Fatalf("report %+v", rep)
				}
			})
		}
	}
}

func TestWriterOptions(t *testing.T) {
	if _, err := NewWriter(new(strings.Builder), WriteOptions{Compression: "lzo"}); err == nil {
		t.Error("unknown compression accepted")
	}
	if _, err := NewWriter(new(strings.Builder), WriteOptions{OmitColumns: []string{"nope"}}); err == nil {
		t.Error("unknown omitted column accepted")
	}
	var sb strings.Builder
	w, err := NewWriter(&sb, WriteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := w.Write(Row{}); err == nil {
		t.Error("Write after Close accepted")
	}
	// An empty file is a valid log with no rows.
	p := tmp(t, "empty.parquet")
	if err := os.WriteFile(p, []byte(sb.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	rows, rep, err := readAll(t, []string{p}, ReadOptions{})
	if err != nil || len(rows) != 0 || rep.Files != 1 {
		t.Fatalf("empty file: rows=%d rep=%v err=%v", len(rows), rep, err)
	}
}

func TestGlobs(t *testing.T) {
	dir := t.TempDir()
	for i, name := range []string{"a1.parquet", "a2.parquet", "b1.parquet"} {
		writeRows(t, filepath.Join(dir, name), WriteOptions{}, []Row{{SessionID: name, TS: baseTS + int64(i), Query: "q"}})
	}
	tests := []struct {
		name     string
		paths    []string
		want     int
		errorHas string
	}{
		{"one glob", []string{filepath.Join(dir, "a*.parquet")}, 2, ""},
		{"all", []string{filepath.Join(dir, "*.parquet")}, 3, ""},
		{"glob and name", []string{filepath.Join(dir, "b1.parquet"), filepath.Join(dir, "a?.parquet")}, 3, ""},
		{"duplicates read once", []string{filepath.Join(dir, "*"), filepath.Join(dir, "a1.parquet")}, 3, ""},
		{"no match", []string{filepath.Join(dir, "a*.parquet"), filepath.Join(dir, "z*.parquet")}, 0, "matches no file"},
		{"missing file", []string{filepath.Join(dir, "nope.parquet")}, 0, "matches no file"},
		{"bad pattern", []string{filepath.Join(dir, "[")}, 0, "bad pattern"},
		{"nothing", nil, 0, "no input"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rows, _, err := readAll(t, tc.paths, ReadOptions{})
			if tc.errorHas != "" {
				if err == nil || !strings.Contains(err.Error(), tc.errorHas) {
					t.Fatalf("err = %v, want one containing %q", err, tc.errorHas)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(rows) != tc.want {
				t.Fatalf("got %d rows, want %d", len(rows), tc.want)
			}
		})
	}
}

// TestParallel reads several files of several row groups with several workers and
// checks that every row arrives once and that each batch is a run of one row group in
// file order.
func TestParallel(t *testing.T) {
	dir := t.TempDir()
	const files, groups, perGroup = 4, 5, 1000
	for f := range files {
		var rows []Row
		for i := range groups * perGroup {
			rows = append(rows, Row{
				SessionID: fmt.Sprintf("f%d-s%d", f, i/7), // sessions of 7 searches, some crossing groups
				TS:        baseTS + int64(i)*1000,
				Query:     fmt.Sprintf("f%d q%d", f, i),
				Results:   int64(i), HasResults: true,
			})
		}
		writeRows(t, filepath.Join(dir, fmt.Sprintf("part-%d.parquet", f)), WriteOptions{RowGroupRows: perGroup}, rows)
	}
	var c collector
	var calls atomic.Int64
	var active, maxActive atomic.Int64
	rep, err := Read(context.Background(), []string{filepath.Join(dir, "*.parquet")}, ReadOptions{Workers: 4}, func(b []Row) error {
		n := active.Add(1)
		for {
			m := maxActive.Load()
			if n <= m || maxActive.CompareAndSwap(m, n) {
				break
			}
		}
		calls.Add(1)
		defer active.Add(-1)
		return c.fn(b)
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := len(c.rows); got != files*groups*perGroup || rep.RowsKept != int64(got) || rep.RowGroups != files*groups {
		t.Fatalf("rows=%d report=%v", got, rep)
	}
	if calls.Load() != files*groups {
		t.Fatalf("%d calls, want one per row group (%d)", calls.Load(), files*groups)
	}
	seen := map[string]bool{}
	for _, b := range c.batches {
		if len(b) != perGroup {
			t.Fatalf("batch of %d rows", len(b))
		}
		first := int(b[0].Results)
		if first%perGroup != 0 {
			t.Fatalf("batch starts at row %d", first)
		}
		prefix := strings.SplitN(b[0].SessionID, "-", 2)[0]
		for i, r := range b {
			if int(r.Results) != first+i || !strings.HasPrefix(r.SessionID, prefix+"-") || r.TS != baseTS+int64(first+i)*1000 {
				t.Fatalf("batch out of order at %d: %+v", i, r)
			}
			if seen[r.Query] {
				t.Fatalf("row %q twice", r.Query)
			}
			seen[r.Query] = true
		}
	}
	t.Logf("max concurrent callbacks: %d", maxActive.Load())
}

func TestMaxBatchRows(t *testing.T) {
	p := tmp(t, "log.parquet")
	var rows []Row
	for i := range 1000 {
		rows = append(rows, Row{SessionID: "s", TS: baseTS + int64(i), Query: fmt.Sprint(i)})
	}
	writeRows(t, p, WriteOptions{RowGroupRows: 600}, rows)
	var c collector
	rep, err := Read(context.Background(), []string{p}, ReadOptions{Workers: 1, MaxBatchRows: 256}, c.fn)
	if err != nil {
		t.Fatal(err)
	}
	var sizes []int
	for _, b := range c.batches {
		sizes = append(sizes, len(b))
	}
	if !reflect.DeepEqual(sizes, []int{256, 256, 88, 256, 144}) || !reflect.DeepEqual(c.rows, rows) || rep.RowGroups != 2 {
		t.Fatalf("batch sizes %v, report %v", sizes, rep)
	}
}

func TestMissingRequiredColumn(t *testing.T) {
	for _, col := range []string{ColSessionID, ColTS, ColQuery} {
		t.Run(col, func(t *testing.T) {
			dir := t.TempDir()
			good := filepath.Join(dir, "a.parquet")
			bad := filepath.Join(dir, "b.parquet")
			writeRows(t, good, WriteOptions{}, sampleRows())
			writeRows(t, bad, WriteOptions{OmitColumns: []string{col}}, sampleRows())
			called := false
			_, err := Read(context.Background(), []string{good, bad}, ReadOptions{}, func([]Row) error { called = true; return nil })
			want := fmt.Sprintf("querylog: read %s: missing required column %q", bad, col)
			if err == nil || err.Error() != want {
				t.Fatalf("err = %v, want %q", err, want)
			}
			var se *SchemaError
			if !errors.As(err, &se) || !errors.Is(err, ErrMissingColumn) || se.Column != col || se.File != bad {
				t.Fatalf("err %#v is not the right *SchemaError", err)
			}
			if called {
				t.Fatal("rows were read before the schema error")
			}
		})
	}
}

func TestMissingOptionalColumns(t *testing.T) {
	for _, omit := range [][]string{{ColResults}, {ColClicks}, {ColResults, ColClicks},
		{ColSpellCorrection, ColSpellAction, ColSpellFeedback}, {ColSpellFeedback}} {
		t.Run(strings.Join(omit, "+"), func(t *testing.T) {
			p := tmp(t, "log.parquet")
			writeRows(t, p, WriteOptions{OmitColumns: omit}, sampleRows())
			got, rep, err := readAll(t, []string{p}, ReadOptions{Workers: 1})
			if err != nil {
				t.Fatal(err)
			}
			want := sampleRows()
			for i := range want {
				for _, c := range omit {
					switch c {
					case ColResults:
						want[i].Results, want[i].HasResults = 0, false
					case ColClicks:
						want[i].Clicks, want[i].HasClicks = 0, false
					case ColSpellCorrection:
						want[i].SpellCorrection = ""
					case ColSpellAction:
						want[i].SpellAction = ActionNone
					case ColSpellFeedback:
						want[i].SpellFeedback = FeedbackNone
					}
				}
			}
			if !reflect.DeepEqual(got, want) || rep.RowsKept != 5 {
				t.Fatalf("got %+v\nwant %+v", got, want)
			}
		})
	}
}

func TestWrongColumnType(t *testing.T) {
	n := 2
	sess := byteCol(ColSessionID, []string{"a", "b"}, nil)
	query := byteCol(ColQuery, []string{"x", "y"}, nil)
	ts := int64Col(ColTS, nil, []int64{baseTS, baseTS}, nil)
	tests := []struct {
		name string
		col  string
		cols []lowCol
	}{
		{"ts as string", ColTS, []lowCol{sess, query, byteCol(ColTS, []string{"2026", "2026"}, nil)}},
		{"ts as int32", ColTS, []lowCol{sess, query, int32Col(ColTS, []int32{1, 2})}},
		{"ts as time", ColTS, []lowCol{sess, query, int64Col(ColTS, schema.NewTimeLogicalType(true, schema.TimeUnitMicros), []int64{1, 2}, nil)}},
		{"query as int", ColQuery, []lowCol{sess, ts, int64Col(ColQuery, nil, []int64{1, 2}, nil)}},
		{"session as int", ColSessionID, []lowCol{int32Col(ColSessionID, []int32{1, 2}), query, ts}},
		{"results as string", ColResults, []lowCol{sess, query, ts, byteCol(ColResults, []string{"1", "2"}, nil)}},
		{"clicks as timestamp", ColClicks, []lowCol{sess, query, ts, int64Col(ColClicks, schema.NewTimestampLogicalType(true, schema.TimeUnitMillis), []int64{1, 2}, nil)}},
	}
	_ = n
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := tmp(t, "log.parquet")
			writeLowLevel(t, p, tc.cols...)
			_, _, err := readAll(t, []string{p}, ReadOptions{})
			var se *SchemaError
			if !errors.As(err, &se) || !errors.Is(err, ErrColumnType) || se.Column != tc.col {
				t.Fatalf("err = %v, want a type error on %q", err, tc.col)
			}
			if !strings.Contains(err.Error(), p) || !strings.Contains(err.Error(), tc.col) {
				t.Fatalf("error %q does not name the file and column", err)
			}
		})
	}
}

// TestTimestampVariants reads ts stored as plain INT64 milliseconds, as timestamps of
// every unit and as INT96, with the other columns written by the low-level API.
func TestTimestampVariants(t *testing.T) {
	ms := []int64{baseTS, baseTS + 1234, baseTS + 86400000*3 + 7}
	scale := func(k int64) []int64 {
		out := make([]int64, len(ms))
		for i, m := range ms {
			out[i] = m * k
		}
		return out
	}
	tests := []struct {
		name string
		ts   lowCol
	}{
		{"int64 unix ms", int64Col(ColTS, nil, ms, nil)},
		{"int64 signed int logical", int64Col(ColTS, schema.NewIntLogicalType(64, true), ms, nil)},
		{"timestamp millis", int64Col(ColTS, schema.NewTimestampLogicalType(true, schema.TimeUnitMillis), ms, nil)},
		{"timestamp micros", int64Col(ColTS, schema.NewTimestampLogicalType(true, schema.TimeUnitMicros), scale(1000), nil)},
		{"timestamp micros local", int64Col(ColTS, schema.NewTimestampLogicalType(false, schema.TimeUnitMicros), scale(1000), nil)},
		{"timestamp nanos", int64Col(ColTS, schema.NewTimestampLogicalType(true, schema.TimeUnitNanos), scale(1000000), nil)},
		{"optional timestamp micros", int64Col(ColTS, schema.NewTimestampLogicalType(true, schema.TimeUnitMicros), scale(1000), []bool{false, false, false})},
		{"int96", int96Col(ColTS, ms)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := tmp(t, "log.parquet")
			writeLowLevel(t, p,
				tc.ts, // column order does not matter
				byteCol(ColQuery, []string{"a", "b", "c"}, nil),
				byteCol("extra", []string{"x", "y", "z"}, nil), // ignored
				byteCol(ColSessionID, []string{"s", "s", "t"}, nil),
				int32Col(ColResults, []int32{5, -1, 7}),
			)
			got, rep, err := readAll(t, []string{p}, ReadOptions{Workers: 1})
			if err != nil {
				t.Fatal(err)
			}
			want := []Row{
				{SessionID: "s", TS: ms[0], Query: "a", Results: 5, HasResults: true},
				{SessionID: "s", TS: ms[1], Query: "b"},
				{SessionID: "t", TS: ms[2], Query: "c", Results: 7, HasResults: true},
			}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("got  %+v\nwant %+v (%v)", got, want, rep)
			}
		})
	}
}

// TestGarbageRows checks that each kind of invalid row is skipped under its reason.
func TestGarbageRows(t *testing.T) {
	good := func(q string) Row { return Row{SessionID: "s", TS: baseTS, Query: q} }
	rows := []Row{
		good("ok one"),
		{SessionID: "", TS: baseTS, Query: "no session"},
		{SessionID: "s", TS: baseTS, Query: ""},
		{SessionID: "s", TS: baseTS, Query: " \t\n "},
		{SessionID: "s", TS: baseTS, Query: "\u00a0\u2003"}, // Unicode spaces only
		{SessionID: "s", TS: baseTS, Query: "bad \xff\xfe utf8"},
		{SessionID: "s", TS: baseTS, Query: strings.Repeat("x", 1025)},
		{SessionID: "s", TS: 0, Query: "zero ts"},
		{SessionID: "s", TS: -5, Query: "negative ts"},
		{SessionID: "s", TS: MinTS - 1, Query: "1999"},
		{SessionID: "s", TS: MaxTS, Query: "2100"},
		{SessionID: "", TS: 0, Query: ""}, // counted once, as null_session
		{SessionID: "s", TS: baseTS, Query: "negative counts", Results: -3, HasResults: true, Clicks: -1, HasClicks: true},
		good(strings.Repeat("y", 1024)),
		good("ok two"),
	}
	p := tmp(t, "log.parquet")
	writeRows(t, p, WriteOptions{}, rows)
	got, rep, err := readAll(t, []string{p}, ReadOptions{Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	want := []Row{good("ok one"), good("negative counts"), good(strings.Repeat("y", 1024)), good("ok two")}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %+v", got)
	}
	wantSkips := map[string]int64{SkipNullSession: 2, SkipEmptyQuery: 3, SkipInvalidUTF8: 1, SkipOversize: 1, SkipBadTimestamp: 4}
	if !reflect.DeepEqual(rep.Skipped, wantSkips) || rep.RowsRead != int64(len(rows)) || rep.RowsKept != 4 || rep.SkippedRows() != 11 {
		t.Fatalf("report %v, want skips %v", rep, wantSkips)
	}
	// A larger MaxQueryBytes keeps the long query.
	got, _, _ = readAll(t, []string{p}, ReadOptions{MaxQueryBytes: 2000})
	if len(got) != 5 {
		t.Fatalf("MaxQueryBytes 2000: %d rows", len(got))
	}
}

// TestNulls reads a file whose string and timestamp columns are optional and hold nulls.
func TestNulls(t *testing.T) {
	p := tmp(t, "log.parquet")
	writeLowLevel(t, p,
		byteCol(ColSessionID, []string{"s", "", "s", "s", "s"}, []bool{false, true, false, false, false}),
		byteCol(ColQuery, []string{"a", "b", "", "d", "e"}, []bool{false, false, true, false, false}),
		int64Col(ColTS, schema.NewTimestampLogicalType(true, schema.TimeUnitMillis), []int64{baseTS, baseTS, baseTS, 0, baseTS + 1}, []bool{false, false, false, true, false}),
		int64Col(ColClicks, nil, []int64{0, 0, 0, 0, 3}, []bool{true, false, false, false, false}),
	)
	got, rep, err := readAll(t, []string{p}, ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want := []Row{{SessionID: "s", TS: baseTS, Query: "a"}, {SessionID: "s", TS: baseTS + 1, Query: "e", Clicks: 3, HasClicks: true}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %+v", got)
	}
	if w := map[string]int64{SkipNullSession: 1, SkipEmptyQuery: 1, SkipBadTimestamp: 1}; !reflect.DeepEqual(rep.Skipped, w) {
		t.Fatalf("skipped %v, want %v", rep.Skipped, w)
	}
}

func manyRows(n int, seed uint64) []Row {
	r := rand.New(rand.NewPCG(seed, 1))
	rows := make([]Row, n)
	for i := range rows {
		rows[i] = Row{
			SessionID: fmt.Sprintf("%016x", r.Uint64()%uint64(n/4+1)),
			TS:        baseTS + int64(i)*250,
			Query:     fmt.Sprintf("query %d %s", r.IntN(5000), strings.Repeat("w", r.IntN(12))),
			Results:   int64(r.IntN(2000)), HasResults: r.IntN(10) > 0,
			Clicks: int64(r.IntN(3)), HasClicks: r.IntN(2) == 0,
		}
		if !rows[i].HasResults {
			rows[i].Results = 0 // nulls read back as zero
		}
		if !rows[i].HasClicks {
			rows[i].Clicks = 0
		}
	}
	return rows
}

// TestTruncatedFile cuts a file in the middle: its footer is gone, so the file is an
// error (recorded, and returned since it is the only file), never a panic.
func TestTruncatedFile(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "cut.parquet")
	writeRows(t, p, WriteOptions{RowGroupRows: 1000}, manyRows(5000, 1))
	data, _ := os.ReadFile(p)
	for _, cut := range []int{len(data) / 2, len(data) - 1, len(data) - 9, 12, 4, 0} {
		if err := os.WriteFile(p, data[:cut], 0o644); err != nil {
			t.Fatal(err)
		}
		_, rep, err := readAll(t, []string{p}, ReadOptions{})
		if err == nil || !strings.Contains(err.Error(), p) {
			t.Fatalf("cut at %d: err = %v", cut, err)
		}
		if rep.FilesFailed != 1 || len(rep.Errors) != 1 {
			t.Fatalf("cut at %d: report %v", cut, rep)
		}
	}
	// Next to a good file, the broken one is an error naming it before any row is read,
	// unless unreadable files are skipped: then it is reported and the good one read.
	writeRows(t, filepath.Join(dir, "good.parquet"), WriteOptions{}, sampleRows())
	rows, rep, err := readAll(t, []string{filepath.Join(dir, "*.parquet")}, ReadOptions{})
	if !errors.Is(err, ErrUnreadableFile) || !strings.Contains(err.Error(), "cut.parquet") || !strings.Contains(err.Error(), "1 of 2 files") ||
		len(rows) != 0 || rep.RowsRead != 0 {
		t.Fatalf("rows=%d report=%v err=%v", len(rows), rep, err)
	}
	rows, rep, err = readAll(t, []string{filepath.Join(dir, "*.parquet")}, ReadOptions{SkipUnreadableFiles: true})
	if err != nil || len(rows) != 5 || rep.Files != 1 || rep.FilesFailed != 1 || !strings.Contains(rep.Errors[0], "cut.parquet") {
		t.Fatalf("rows=%d report=%v err=%v", len(rows), rep, err)
	}
	// So is a file of the wrong schema.
	os.Remove(p)
	writeRows(t, filepath.Join(dir, "noquery.parquet"), WriteOptions{OmitColumns: []string{ColQuery}}, sampleRows())
	if _, _, err := readAll(t, []string{filepath.Join(dir, "*.parquet")}, ReadOptions{}); !errors.Is(err, ErrMissingColumn) {
		t.Fatalf("wrong schema beside a good file: err=%v", err)
	}
	rows, rep, err = readAll(t, []string{filepath.Join(dir, "*.parquet")}, ReadOptions{SkipUnreadableFiles: true})
	if err != nil || len(rows) != 5 || rep.FilesFailed != 1 || !strings.Contains(rep.Errors[0], "missing required column") {
		t.Fatalf("rows=%d report=%v err=%v", len(rows), rep, err)
	}
}

// TestCorruptRowGroup damages the pages of one row group: that row group is counted
// unreadable and the others are read.
func TestCorruptRowGroup(t *testing.T) {
	p := tmp(t, "log.parquet")
	rows := manyRows(4000, 2)
	writeRows(t, p, WriteOptions{RowGroupRows: 1000}, rows)
	if n, err := parquettest.CorruptRowGroup(p, 1, 2); err != nil || n != 1000 { // query column of the second group
		t.Fatal(n, err)
	}
	got, rep, err := readAll(t, []string{p}, ReadOptions{Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Skipped[SkipUnreadableRowGroup] != 1 || rep.RowGroups != 3 || len(got) != 3000 || len(rep.Errors) != 1 ||
		rep.RowsUnread != 1000 || rep.Rows() != 4000 || rep.SkippedShare() != 0.25 {
		t.Fatalf("rows=%d report=%v", len(got), rep)
	}
	if !strings.Contains(rep.Errors[0], p) || !strings.Contains(rep.Errors[0], "row group 1") {
		t.Fatalf("error %q does not name the file and row group", rep.Errors[0])
	}
	sortRows(got)
	want := append(append([]Row(nil), rows[:1000]...), rows[2000:]...)
	sortRows(want)
	if !reflect.DeepEqual(got, want) {
		t.Fatal("rows of the readable groups differ")
	}
}

func TestRandomBytes(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 7))
	for _, n := range []int{0, 1, 8, 100, 10000} {
		data := make([]byte, n)
		for i := range data {
			data[i] = byte(r.Uint32())
		}
		if n >= 8 { // magic numbers but garbage inside
			copy(data, "PAR1")
			copy(data[n-4:], "PAR1")
		}
		p := tmp(t, "junk.parquet")
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		_, rep, err := readAll(t, []string{p}, ReadOptions{})
		if err == nil || rep.FilesFailed != 1 {
			t.Fatalf("%d random bytes: err=%v report=%v", n, err, rep)
		}
	}
	// A directory matched by a glob is a file error too.
	dir := t.TempDir()
	os.Mkdir(filepath.Join(dir, "sub"), 0o755)
	if _, _, err := readAll(t, []string{filepath.Join(dir, "*")}, ReadOptions{}); err == nil {
		t.Fatal("directory read as a log")
	}
}

func TestContextCancellation(t *testing.T) {
	p := tmp(t, "log.parquet")
	writeRows(t, p, WriteOptions{RowGroupRows: 100}, manyRows(5000, 3))

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	calls := 0
	if _, err := Read(ctx, []string{p}, ReadOptions{}, func([]Row) error { calls++; return nil }); !errors.Is(err, context.Canceled) || calls != 0 {
		t.Fatalf("cancelled before: err=%v calls=%d", err, calls)
	}

	ctx, cancel = context.WithCancel(context.Background())
	defer cancel()
	var n atomic.Int64
	rep, err := Read(ctx, []string{p}, ReadOptions{Workers: 2}, func([]Row) error {
		if n.Add(1) == 3 {
			cancel()
		}
		return nil
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v", err)
	}
	if n.Load() >= 50 || rep == nil {
		t.Fatalf("%d calls after cancellation of a 50-group file", n.Load())
	}
}

func TestCallbackError(t *testing.T) {
	p := tmp(t, "log.parquet")
	writeRows(t, p, WriteOptions{RowGroupRows: 100}, manyRows(5000, 4))
	stop := errors.New("stop here")
	var mu sync.Mutex
	calls := 0
	_, err := Read(context.Background(), []string{p}, ReadOptions{Workers: 3}, func([]Row) error {
		mu.Lock()
		defer mu.Unlock()
		calls++
		if calls == 2 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) {
		t.Fatalf("err = %v", err)
	}
	if calls > 6 {
		t.Fatalf("%d calls after the error", calls)
	}
}

func TestReportMerge(t *testing.T) {
	a, b := NewReport(2), NewReport(0)
	a.Files, a.RowsRead = 1, 10
	a.Skip(SkipEmptyQuery, 2)
	a.AddError("e1")
	b.Files, b.RowsRead, b.RowsKept, b.RowsUnread = 2, 5, 5, 5
	b.Skip(SkipEmptyQuery, 1)
	b.Skip(SkipBadTimestamp, 4)
	b.Skip(SkipOversize, 0)
	b.AddError("e2")
	b.AddError("e3")
	a.Merge(b)
	a.Merge(nil)
	if a.Files != 3 || a.RowsRead != 15 || a.RowsKept != 5 || a.RowsUnread != 5 || a.SkippedShare() != 0.6 ||
		!reflect.DeepEqual(a.Skipped, map[string]int64{SkipEmptyQuery: 3, SkipBadTimestamp: 4}) ||
		!reflect.DeepEqual(a.Errors, []string{"e1", "e2"}) || a.ErrorsDropped != 1 {
		t.Fatalf("merged %+v", a)
	}
	if s := a.String(); !strings.Contains(s, "empty_query=3") || !strings.Contains(s, "errors=3") || !strings.Contains(s, "rows_unread=5") {
		t.Fatalf("String() = %q", s)
	}
}

// TestSpellColumnValues reads the spell columns as a search team may write them: unknown values, "none",
// an invalid correction and nulls read as nothing shown, and never make a row invalid.
func TestSpellColumnValues(t *testing.T) {
	p := tmp(t, "log.parquet")
	n := 5
	sess := []string{"a", "a", "b", "c", "d"}
	ts := []int64{baseTS, baseTS + 1, baseTS + 2, baseTS + 3, baseTS + 4}
	queries := []string{"jewlery", "dres", "lamp", "sofa", "tabel"}
	writeLowLevel(t, p,
		byteCol(ColSessionID, sess, nil),
		int64Col(ColTS, schema.NewTimestampLogicalType(true, schema.TimeUnitMillis), ts, nil),
		byteCol(ColQuery, queries, nil),
		byteCol(ColSpellCorrection, []string{"jewelry", "dress", "", "\xff", "table"}, []bool{false, false, true, false, false}),
		byteCol(ColSpellAction, []string{"did_you_mean", "AUTO", "none", "auto_correct", "auto_correct"}, nil),
		byteCol(ColSpellFeedback, []string{"accepted", "rejected", "", "clicked", ""}, []bool{false, false, true, false, true}),
	)
	got, rep, err := readAll(t, []string{p}, ReadOptions{Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	if rep.RowsKept != int64(n) {
		t.Fatalf("kept %d rows, want %d: %+v", rep.RowsKept, n, rep)
	}
	want := []struct {
		corr string
		a    SpellAction
		f    SpellFeedback
	}{
		{"jewelry", ActionDidYouMean, FeedbackAccepted},
		{"dress", ActionNone, FeedbackRejected},
		{"", ActionNone, FeedbackNone},
		{"", ActionAutoCorrect, FeedbackNone},
		{"table", ActionAutoCorrect, FeedbackNone},
	}
	for i, w := range want {
		r := got[i]
		if r.SpellCorrection != w.corr || r.SpellAction != w.a || r.SpellFeedback != w.f {
			t.Errorf("row %d (%s): got %q %v %v, want %q %v %v", i, r.Query, r.SpellCorrection, r.SpellAction,
				r.SpellFeedback, w.corr, w.a, w.f)
		}
	}
}
