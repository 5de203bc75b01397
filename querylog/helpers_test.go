package querylog

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"testing"

	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/schema"
)

// baseTS is 2026-01-01T00:00:00Z in Unix milliseconds.
const baseTS int64 = 1767225600000

// writeRows writes rows to path with opts.
func writeRows(t testing.TB, path string, opts WriteOptions, rows []Row) {
	t.Helper()
	var buf bytes.Buffer
	w, err := NewWriter(&buf, opts)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Write(rows...); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// collector gathers the batches handed to a Read callback.
type collector struct {
	mu      sync.Mutex
	rows    []Row
	batches [][]Row
}

func (c *collector) fn(batch []Row) error {
	cp := append([]Row(nil), batch...)
	c.mu.Lock()
	c.rows = append(c.rows, cp...)
	c.batches = append(c.batches, cp)
	c.mu.Unlock()
	return nil
}

func readAll(t testing.TB, paths []string, opts ReadOptions) ([]Row, *Report, error) {
	t.Helper()
	var c collector
	rep, err := Read(context.Background(), paths, opts, c.fn)
	return c.rows, rep, err
}

func sortRows(rows []Row) {
	sort.SliceStable(rows, func(i, j int) bool {
		if rows[i].SessionID != rows[j].SessionID {
			return rows[i].SessionID < rows[j].SessionID
		}
		return rows[i].TS < rows[j].TS
	})
}

// lowCol is a column of a file written with the low-level arrow-go API.
type lowCol struct {
	node  schema.Node
	write func(cw file.ColumnChunkWriter) error
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// byteCol is a BYTE_ARRAY string column; nulls (when non-nil) makes it optional.
func byteCol(name string, vals []string, nulls []bool) lowCol {
	rep := parquet.Repetitions.Required
	if nulls != nil {
		rep = parquet.Repetitions.Optional
	}
	node := must(schema.NewPrimitiveNodeLogical(name, rep, schema.StringLogicalType{}, parquet.Types.ByteArray, -1, -1))
	return lowCol{node: node, write: func(cw file.ColumnChunkWriter) error {
		var vs []parquet.ByteArray
		var defs []int16
		for i, v := range vals {
			if nulls != nil {
				if nulls[i] {
					defs = append(defs, 0)
					continue
				}
				defs = append(defs, 1)
			}
			vs = append(vs, parquet.ByteArray(v))
		}
		_, err := cw.(*file.ByteArrayColumnChunkWriter).WriteBatch(vs, defs, nil)
		return err
	}}
}

// int64Col is an INT64 column with logical type lt (nil for none).
func int64Col(name string, lt schema.LogicalType, vals []int64, nulls []bool) lowCol {
	rep := parquet.Repetitions.Required
	if nulls != nil {
		rep = parquet.Repetitions.Optional
	}
	var node schema.Node
	if lt == nil {
		node = must(schema.NewPrimitiveNode(name, rep, parquet.Types.Int64, -1, -1))
	} else {
		node = must(schema.NewPrimitiveNodeLogical(name, rep, lt, parquet.Types.Int64, -1, -1))
	}
	return lowCol{node: node, write: func(cw file.ColumnChunkWriter) error {
		var vs []int64
		var defs []int16
		for i, v := range vals {
			if nulls != nil {
				if nulls[i] {
					defs = append(defs, 0)
					continue
				}
				defs = append(defs, 1)
			}
			vs = append(vs, v)
		}
		_, err := cw.(*file.Int64ColumnChunkWriter).WriteBatch(vs, defs, nil)
		return err
	}}
}

func int32Col(name string, vals []int32) lowCol {
	node := must(schema.NewPrimitiveNode(name, parquet.Repetitions.Required, parquet.Types.Int32, -1, -1))
	return lowCol{node: node, write: func(cw file.ColumnChunkWriter) error {
		_, err := cw.(*file.Int32ColumnChunkWriter).WriteBatch(vals, nil, nil)
		return err
	}}
}

func int96Col(name string, ms []int64) lowCol {
	node := must(schema.NewPrimitiveNode(name, parquet.Repetitions.Required, parquet.Types.Int96, -1, -1))
	return lowCol{node: node, write: func(cw file.ColumnChunkWriter) error {
		vs := make([]parquet.Int96, len(ms))
		for i, m := range ms {
			days := m / 86400000
			vs[i] = parquet.NewInt96([3]uint32{0, 0, uint32(days + julianUnixEpoch)})
			vs[i].SetNanoSeconds((m - days*86400000) * 1000000)
		}
		_, err := cw.(*file.Int96ColumnChunkWriter).WriteBatch(vs, nil, nil)
		return err
	}}
}

// writeLowLevel writes one row group made of cols to path.
func writeLowLevel(t testing.TB, path string, cols ...lowCol) {
	t.Helper()
	var fields schema.FieldList
	for _, c := range cols {
		fields = append(fields, c.node)
	}
	root := must(schema.NewGroupNode("schema", parquet.Repetitions.Required, fields, -1))
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	pw := file.NewParquetWriter(f, root, file.WithWriterProps(parquet.NewWriterProperties(parquet.WithCompression(compress.Codecs.Snappy))))
	rg, err := pw.AppendRowGroupChecked()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cols {
		cw, err := rg.NextColumn()
		if err != nil {
			t.Fatal(err)
		}
		if err := c.write(cw); err != nil {
			t.Fatal(err)
		}
	}
	if err := rg.Close(); err != nil {
		t.Fatal(err)
	}
	if err := pw.Close(); err != nil { // closes f
		t.Fatal(err)
	}
}

func tmp(t testing.TB, name string) string { return filepath.Join(t.TempDir(), name) }
