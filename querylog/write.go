package querylog

import (
	"errors"
	"fmt"
	"io"
	"slices"

	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/schema"
)

// Compression names a Parquet compression codec for [WriteOptions].
type Compression string

// Supported codecs.
const (
	CompressionSnappy Compression = "snappy"
	CompressionZstd   Compression = "zstd"
	CompressionGzip   Compression = "gzip"
	CompressionNone   Compression = "none"
)

// DefaultRowGroupRows is the number of rows per row group when WriteOptions.RowGroupRows
// is zero.
const DefaultRowGroupRows = 128 * 1024

// WriteOptions configure [NewWriter]. The zero value is ready to use.
type WriteOptions struct {
	// RowGroupRows is the number of rows buffered before a row group is written
	// (default DefaultRowGroupRows).
	RowGroupRows int
	// Compression is the codec of all columns (default CompressionSnappy).
	Compression Compression
	// OmitColumns lists columns (ColSessionID, ColTS, ...) left out of the file. It
	// exists to produce malformed files for tests.
	OmitColumns []string
}

// Writer writes rows as a log file in the package's schema. It buffers up to
// RowGroupRows rows. It is not safe for concurrent use.
type Writer struct {
	pw     *file.Writer
	opts   WriteOptions
	cols   []string // columns written, in schema order
	buf    []Row
	err    error
	closed bool

	bvals []parquet.ByteArray
	ivals []int64
	defs  []int16
}

var allCols = []string{ColSessionID, ColTS, ColQuery, ColResults, ColClicks, ColSpellCorrection, ColSpellAction, ColSpellFeedback}

// nopCloser hides the Close method of the destination: the parquet writer would
// otherwise close it.
type nopCloser struct{ io.Writer }

// NewWriter starts a log file on w. Close must be called to write the footer; it does
// not close w.
func NewWriter(w io.Writer, opts WriteOptions) (*Writer, error) {
	if opts.RowGroupRows <= 0 {
		opts.RowGroupRows = DefaultRowGroupRows
	}
	var codec compress.Compression
	switch opts.Compression {
	case "", CompressionSnappy:
		codec = compress.Codecs.Snappy
	case CompressionZstd:
		codec = compress.Codecs.Zstd
	case CompressionGzip:
		codec = compress.Codecs.Gzip
	case CompressionNone:
		codec = compress.Codecs.Uncompressed
	default:
		return nil, fmt.Errorf("querylog: unknown compression %q", opts.Compression)
	}
	for _, c := range opts.OmitColumns {
		if !slices.Contains(allCols, c) {
			return nil, fmt.Errorf("querylog: cannot omit unknown column %q", c)
		}
	}
	qw := &Writer{opts: opts}
	var fields schema.FieldList
	for _, name := range allCols {
		if slices.Contains(opts.OmitColumns, name) {
			continue
		}
		var n schema.Node
		var err error
		switch name {
		case ColSessionID, ColQuery:
			n, err = schema.NewPrimitiveNodeLogical(name, parquet.Repetitions.Required, schema.StringLogicalType{}, parquet.Types.ByteArray, -1, -1)
		case ColTS:
			n, err = schema.NewPrimitiveNodeLogical(name, parquet.Repetitions.Required, schema.NewTimestampLogicalType(true, schema.TimeUnitMillis), parquet.Types.Int64, -1, -1)
		case ColSpellCorrection, ColSpellAction, ColSpellFeedback:
			n, err = schema.NewPrimitiveNodeLogical(name, parquet.Repetitions.Optional, schema.StringLogicalType{}, parquet.Types.ByteArray, -1, -1)
		default:
			n, err = schema.NewPrimitiveNode(name, parquet.Repetitions.Optional, parquet.Types.Int64, -1, -1)
		}
		if err != nil {
			return nil, fmt.Errorf("querylog: schema: %w", err)
		}
		fields = append(fields, n)
		qw.cols = append(qw.cols, name)
	}
	root, err := schema.NewGroupNode("schema", parquet.Repetitions.Required, fields, -1)
	if err != nil {
		return nil, fmt.Errorf("querylog: schema: %w", err)
	}
	props := parquet.NewWriterProperties(
		parquet.WithCompression(codec),
		parquet.WithDictionaryDefault(true),
		parquet.WithDictionaryFor(ColTS, false),
		parquet.WithMaxRowGroupLength(int64(opts.RowGroupRows)),
	)
	pw, err := file.NewParquetWriterWithError(nopCloser{w}, root, file.WithWriterProps(props))
	if err != nil {
		return nil, fmt.Errorf("querylog: write: %w", err)
	}
	qw.pw = pw
	return qw, nil
}

// Write buffers rows and writes a row group each time RowGroupRows rows are buffered.
// Rows are written as given: an invalid row (empty session id, zero timestamp, ...) is
// written as is; results and clicks are null when HasResults / HasClicks is false, and the
// spell columns when they hold their zero value.
func (w *Writer) Write(rows ...Row) error {
	if w.err != nil {
		return w.err
	}
	if w.closed {
		return errors.New("querylog: write after Close")
	}
	for len(rows) > 0 {
		n := min(len(rows), w.opts.RowGroupRows-len(w.buf))
		w.buf = append(w.buf, rows[:n]...)
		rows = rows[n:]
		if len(w.buf) >= w.opts.RowGroupRows {
			if err := w.flush(); err != nil {
				return err
			}
		}
	}
	return nil
}

// Close writes the buffered rows and the footer. It does not close the underlying
// io.Writer.
func (w *Writer) Close() error {
	if w.closed {
		return w.err
	}
	w.closed = true
	if w.err == nil && len(w.buf) > 0 {
		w.flush()
	}
	if err := w.pw.Close(); err != nil && w.err == nil {
		w.err = fmt.Errorf("querylog: write: %w", err)
	}
	return w.err
}

// flush writes the buffered rows as one row group.
func (w *Writer) flush() (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("querylog: write: panic: %v", r)
		}
		if err != nil {
			w.err = err
		}
	}()
	rows := w.buf
	w.buf = w.buf[:0]
	rg, err := w.pw.AppendRowGroupChecked()
	if err != nil {
		return fmt.Errorf("querylog: write: %w", err)
	}
	for _, name := range w.cols {
		cw, err := rg.NextColumn()
		if err != nil {
			return fmt.Errorf("querylog: write column %q: %w", name, err)
		}
		switch name {
		case ColSessionID, ColQuery:
			w.bvals = w.bvals[:0]
			for i := range rows {
				s := rows[i].Query
				if name == ColSessionID {
					s = rows[i].SessionID
				}
				w.bvals = append(w.bvals, parquet.ByteArray(s))
			}
			_, err = cw.(*file.ByteArrayColumnChunkWriter).WriteBatch(w.bvals, nil, nil)
		case ColTS:
			w.ivals = w.ivals[:0]
			for i := range rows {
				w.ivals = append(w.ivals, rows[i].TS)
			}
			_, err = cw.(*file.Int64ColumnChunkWriter).WriteBatch(w.ivals, nil, nil)
		case ColResults, ColClicks:
			w.ivals, w.defs = w.ivals[:0], w.defs[:0]
			for i := range rows {
				v, ok := rows[i].Results, rows[i].HasResults
				if name == ColClicks {
					v, ok = rows[i].Clicks, rows[i].HasClicks
				}
				if ok {
					w.ivals = append(w.ivals, v)
					w.defs = append(w.defs, 1)
				} else {
					w.defs = append(w.defs, 0)
				}
			}
			_, err = cw.(*file.Int64ColumnChunkWriter).WriteBatch(w.ivals, w.defs, nil)
		case ColSpellCorrection, ColSpellAction, ColSpellFeedback:
			w.bvals, w.defs = w.bvals[:0], w.defs[:0]
			for i := range rows {
				var s string
				switch name {
				case ColSpellCorrection:
					s = rows[i].SpellCorrection
				case ColSpellAction:
					s = rows[i].SpellAction.String()
				default:
					s = rows[i].SpellFeedback.String()
				}
				if s != "" {
					w.bvals = append(w.bvals, parquet.ByteArray(s))
					w.defs = append(w.defs, 1)
				} else {
					w.defs = append(w.defs, 0)
				}
			}
			_, err = cw.(*file.ByteArrayColumnChunkWriter).WriteBatch(w.bvals, w.defs, nil)
		}
		if err != nil {
			return fmt.Errorf("querylog: write column %q: %w", name, err)
		}
	}
	if err := rg.Close(); err != nil {
		return fmt.Errorf("querylog: write: %w", err)
	}
	clear(rows) // drop string references
	return nil
}
