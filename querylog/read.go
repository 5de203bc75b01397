package querylog

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/metadata"
	"github.com/apache/arrow-go/v18/parquet/schema"
)

// ReadOptions configure [Read]. The zero value is ready to use.
type ReadOptions struct {
	// Workers is the number of goroutines decoding row groups and calling the
	// callback (default runtime.GOMAXPROCS(0)).
	Workers int
	// MaxQueryBytes is the longest query kept, in bytes (default 1024); longer
	// queries are skipped as SkipOversize.
	MaxQueryBytes int
	// MaxBatchRows caps the rows decoded at once (default 262144). A row group with
	// more rows is handed to the callback in several consecutive batches, in order,
	// by the same goroutine. It bounds the memory used per worker.
	MaxBatchRows int
	// MaxErrors caps Report.Errors (default DefaultMaxErrors).
	MaxErrors int
	// SkipUnreadableFiles makes Read go on without the files that cannot be
	// opened, whose footer cannot be parsed (not Parquet, truncated) or whose
	// schema does not fit, counting them in Report.FilesFailed. By default such a
	// file makes Read return an error (wrapping ErrUnreadableFile, or a
	// *SchemaError) before any row is read.
	SkipUnreadableFiles bool
}

// ErrUnreadableFile is wrapped by the error Read returns when a file cannot be opened
// or its footer cannot be parsed.
var ErrUnreadableFile = errors.New("unreadable log file")

const (
	defaultMaxQueryBytes = 1024
	defaultMaxBatchRows  = 1 << 18
	scratchRows          = 4096
	// limits on what a corrupt file may make the reader allocate
	maxPageBytes = 64 << 20
)

func (o ReadOptions) withDefaults() ReadOptions {
	if o.Workers <= 0 {
		o.Workers = runtime.GOMAXPROCS(0)
	}
	if o.MaxQueryBytes <= 0 {
		o.MaxQueryBytes = defaultMaxQueryBytes
	}
	if o.MaxBatchRows <= 0 {
		o.MaxBatchRows = defaultMaxBatchRows
	}
	if o.MaxErrors <= 0 {
		o.MaxErrors = DefaultMaxErrors
	}
	return o
}

// Read reads the log files named by paths and calls fn with the valid rows.
//
// Each element of paths is a file name or a filepath.Glob pattern; a pattern (or name)
// that matches no file is an error, and a file named twice is read once. The footers
// of all files are read first: a file that cannot be opened or whose footer cannot be
// parsed makes Read return an error wrapping ErrUnreadableFile that names every such
// file, and a file that lacks a required column or has a column of the wrong type
// makes Read return a *SchemaError, before any row is read; with
// opts.SkipUnreadableFiles, such files are recorded in the Report and skipped instead.
//
// The row groups of all files are then decoded by a pool of opts.Workers goroutines.
// fn is called from several goroutines concurrently and must be safe for that. Each
// call receives rows of a single row group, in file order (all of it, unless it has
// more than opts.MaxBatchRows rows, in which case the same goroutine makes several
// calls in order). The batch slice is reused after fn returns: copy the rows (they
// are plain values, their strings may be kept) if they are needed later.
//
// Invalid rows are skipped and counted in the Report by reason. A row group that
// cannot be decoded is counted as SkipUnreadableRowGroup, the rows of it that were
// not decoded (as the footer counts them) in Report.RowsUnread, its error is added to
// Report.Errors and reading goes on with the next row group; rows of the group
// already handed to fn (when it was split into several batches) stay handed.
//
// Read returns an error when a file is unreadable (see above), when no file could be read, when ctx is cancelled
// (ctx.Err()), or when fn returns an error (that error, after which fn is not called
// again). The returned Report is never nil.
func Read(ctx context.Context, paths []string, opts ReadOptions, fn func(batch []Row) error) (*Report, error) {
	opts = opts.withDefaults()
	rep := NewReport(opts.MaxErrors)
	files, err := expandPaths(paths)
	if err != nil {
		return rep, err
	}
	props := readerProps()

	// Phase 1: footers and schemas.
	var srcs []*source
	var firstErr error
	for _, p := range files {
		if err := ctx.Err(); err != nil {
			return rep, err
		}
		s, err := openFooter(p, props)
		if err != nil {
			var se *SchemaError
			if errors.As(err, &se) && !opts.SkipUnreadableFiles {
				return rep, err
			}
			rep.FilesFailed++
			rep.AddError(err.Error())
			if firstErr == nil {
				firstErr = err
			}
			continue
		}
		rep.Files++
		srcs = append(srcs, s)
	}
	if rep.FilesFailed > 0 && !opts.SkipUnreadableFiles {
		return rep, fmt.Errorf("querylog: %w (%d of %d files): %s", ErrUnreadableFile, rep.FilesFailed, len(files),
			strings.Join(rep.Errors, "; "))
	}
	if len(srcs) == 0 {
		if len(files) == 1 {
			return rep, firstErr
		}
		return rep, fmt.Errorf("querylog: none of %d files could be read; first error: %w", len(files), firstErr)
	}

	// Phase 2: row groups.
	cctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	tasks := make(chan task)
	go func() {
		defer close(tasks)
		for _, s := range srcs {
			for i := 0; i < s.numRG; i++ {
				select {
				case tasks <- task{src: s, rg: i}:
				case <-cctx.Done():
					return
				}
			}
		}
	}()

	var wg sync.WaitGroup
	reports := make([]*Report, opts.Workers)
	for w := range opts.Workers {
		reports[w] = NewReport(opts.MaxErrors)
		wg.Add(1)
		go func(wr *Report) {
			defer wg.Done()
			d := newDecoder(opts, wr)
			for t := range tasks {
				if cctx.Err() == nil {
					if err := d.rowGroup(cctx, t, fn); err != nil {
						cancel(err)
					}
				}
				t.src.release()
			}
		}(reports[w])
	}
	wg.Wait()
	for _, s := range srcs {
		s.close() // sources whose tasks were never sent after a cancellation
	}
	for _, r := range reports {
		rep.Merge(r)
	}
	if cctx.Err() != nil {
		if err := ctx.Err(); err != nil {
			return rep, err
		}
		return rep, context.Cause(cctx)
	}
	return rep, nil
}

// readerProps returns the Parquet reader's properties, with the limits on what a corrupt file may make it
// allocate.
func readerProps() *parquet.ReaderProperties {
	props := parquet.NewReaderProperties(memory.NewGoAllocator())
	props.MaxCompressedPageSize = maxPageBytes
	props.MaxUncompressedPageSize = maxPageBytes
	return props
}

func expandPaths(paths []string) ([]string, error) {
	if len(paths) == 0 {
		return nil, errors.New("querylog: no input path")
	}
	var out []string
	seen := map[string]bool{}
	for _, p := range paths {
		m, err := filepath.Glob(p)
		if err != nil {
			return nil, fmt.Errorf("querylog: bad pattern %q: %w", p, err)
		}
		if len(m) == 0 {
			return nil, fmt.Errorf("querylog: %q matches no file", p)
		}
		for _, f := range m {
			if !seen[f] {
				seen[f] = true
				out = append(out, f)
			}
		}
	}
	return out, nil
}

// colKind is how a column's values are decoded.
type colKind uint8

const (
	kindByteArray colKind = iota
	kindInt64
	kindInt32
	kindInt96
)

// colSpec is where one of the five log columns is in a file and how to decode it.
type colSpec struct {
	name  string
	idx   int // -1 when absent
	kind  colKind
	tsDiv int64 // for ts stored as INT64: divisor from the stored unit to milliseconds
}

type task struct {
	src *source
	rg  int
}

// source is one file being read. Its reader is opened by the first worker that needs
// it and closed when its last row group is done.
type source struct {
	path  string
	size  int64
	md    *metadata.FileMetaData
	props *parquet.ReaderProperties
	cols  [nFields]colSpec // session, ts, query, results, clicks, spell correction, action, feedback
	numRG int

	mu      sync.Mutex // guards f and rdr
	f       *os.File
	ra      parquet.ReaderAtSeeker // the file, when it was given as an io.ReaderAt (OpenFile)
	reads   *readRecorder          // ra's reader, which records its errors (OpenFile)
	rdr     *file.Reader
	pending atomic.Int64
}

func openFooter(path string, props *parquet.ReaderProperties) (*source, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("querylog: read %s: %w", path, err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("querylog: read %s: %w", path, err)
	}
	if st.IsDir() {
		return nil, fmt.Errorf("querylog: read %s: is a directory", path)
	}
	return footer(f, st.Size(), path, props)
}

// footer reads the footer of the file r of size bytes, named path in errors, and resolves its columns.
func footer(r parquet.ReaderAtSeeker, size int64, path string, props *parquet.ReaderProperties) (s *source, err error) {
	defer func() {
		if r := recover(); r != nil {
			s, err = nil, fmt.Errorf("querylog: read %s: footer: panic: %v", path, r)
		}
	}()
	rdr, err := file.NewParquetReader(r, file.WithReadProps(props))
	if err != nil {
		return nil, fmt.Errorf("querylog: read %s: footer: %w", path, err)
	}
	md := rdr.MetaData()
	md.WriterVersion() // computed lazily: do it before the metadata is shared by goroutines
	s = &source{path: path, size: size, md: md, props: props, numRG: md.NumRowGroups()}
	if err := s.resolve(md.Schema); err != nil {
		return nil, err
	}
	s.pending.Store(int64(s.numRG))
	return s, nil
}

// resolve finds the log columns in sc and checks their types.
func (s *source) resolve(sc *schema.Schema) error {
	names := [nFields]string{ColSessionID, ColTS, ColQuery, ColResults, ColClicks, ColSpellCorrection, ColSpellAction, ColSpellFeedback}
	for i, name := range names {
		c := colSpec{name: name, idx: -1}
		idx := sc.ColumnIndexByName(name)
		if idx < 0 {
			if i <= 2 {
				return &SchemaError{File: s.path, Column: name, Err: ErrMissingColumn}
			}
			s.cols[i] = c
			continue
		}
		col := sc.Column(idx)
		bad := func(want string) error {
			return &SchemaError{File: s.path, Column: name, Err: ErrColumnType,
				Detail: fmt.Sprintf("found %s, want %s", describe(col), want)}
		}
		c.idx = idx
		if col.MaxRepetitionLevel() > 0 || col.MaxDefinitionLevel() > 1 || len(col.ColumnPath()) != 1 {
			return bad("a top-level non-repeated column")
		}
		lt := col.LogicalType()
		switch name {
		case ColSessionID, ColQuery, ColSpellCorrection, ColSpellAction, ColSpellFeedback:
			if col.PhysicalType() != parquet.Types.ByteArray || !stringish(lt) {
				return bad("BYTE_ARRAY (string)")
			}
			c.kind = kindByteArray
		case ColTS:
			const want = "INT64 TIMESTAMP, INT96 or INT64 Unix milliseconds"
			switch col.PhysicalType() {
			case parquet.Types.Int64:
				c.kind = kindInt64
				switch t := lt.(type) {
				case nil, schema.NoLogicalType:
					c.tsDiv = 1
				case schema.IntLogicalType:
					if t.BitWidth() != 64 || !t.IsSigned() {
						return bad(want)
					}
					c.tsDiv = 1
				case schema.TimestampLogicalType:
					c.tsDiv = unitDiv(t.TimeUnit())
				default:
					return bad(want)
				}
				if c.tsDiv == 0 {
					return bad(want)
				}
			case parquet.Types.Int96:
				c.kind = kindInt96
			default:
				return bad(want)
			}
		case ColResults, ColClicks:
			const want = "INT64 or INT32 integer"
			switch col.PhysicalType() {
			case parquet.Types.Int64:
				c.kind = kindInt64
			case parquet.Types.Int32:
				c.kind = kindInt32
			default:
				return bad(want)
			}
			switch lt.(type) {
			case nil, schema.NoLogicalType, schema.IntLogicalType:
			default:
				return bad(want)
			}
		}
		s.cols[i] = c
	}
	return nil
}

func stringish(lt schema.LogicalType) bool {
	switch lt.(type) {
	case nil, schema.NoLogicalType, schema.StringLogicalType, schema.EnumLogicalType:
		return true
	}
	return false
}

func unitDiv(u schema.TimeUnitType) int64 {
	switch u {
	case schema.TimeUnitMillis:
		return 1
	case schema.TimeUnitMicros:
		return 1000
	case schema.TimeUnitNanos:
		return 1000000
	}
	return 0
}

func describe(c *schema.Column) string {
	s := c.PhysicalType().String()
	if lt := c.LogicalType(); lt != nil {
		if _, none := lt.(schema.NoLogicalType); !none {
			s += " (" + lt.String() + ")"
		}
	}
	if c.MaxRepetitionLevel() > 0 {
		s = "repeated " + s
	}
	if len(c.ColumnPath()) != 1 {
		s += " nested at " + c.Path()
	}
	return s
}

// open returns the file reader, opening it on first use. A failure is not kept: the next call tries again
// (the failure of a ranged read over a network is often transient).
func (s *source) open() (rdr *file.Reader, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.rdr != nil {
		return s.rdr, nil
	}
	defer func() {
		if r := recover(); r != nil {
			rdr, err = nil, fmt.Errorf("panic: %v", r)
		}
	}()
	if s.ra != nil {
		if s.rdr, err = file.NewParquetReader(s.ra, file.WithReadProps(s.props), file.WithMetadata(s.md)); err != nil {
			return nil, err
		}
		return s.rdr, nil
	}
	f, err := os.Open(s.path)
	if err != nil {
		return nil, err
	}
	rdr, err = file.NewParquetReader(f, file.WithReadProps(s.props), file.WithMetadata(s.md))
	if err != nil {
		f.Close()
		return nil, err
	}
	s.f, s.rdr = f, rdr
	return rdr, nil
}

// readErr returns the first error of the file's own reads since the last call and forgets it; nil for a
// source without a readRecorder.
func (s *source) readErr() error {
	if s.reads == nil {
		return nil
	}
	return s.reads.take()
}

// groupRows returns the row count of row group i that the footer states (0 if it
// cannot be had).
func (s *source) groupRows(i int) (n int64) {
	defer func() {
		if recover() != nil {
			n = 0
		}
	}()
	return s.md.RowGroup(i).NumRows()
}

// release marks one row group done, closing the file after the last.
func (s *source) release() {
	if s.pending.Add(-1) == 0 {
		s.close()
	}
}

func (s *source) close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.f != nil {
		s.f.Close()
		s.f, s.rdr = nil, nil
	}
}
