package querylog

import (
	"context"
	"fmt"
	"io"
	"sync"
)

// File is one log file read a row group at a time: the unit of work of a distributed runner, which reads each
// row group of a file on whichever worker it sends it to, through an io.ReaderAt (a local file, a ranged read
// of an object in a bucket). Read, which reads whole sets of files on one machine, shares its decoder.
//
//	f, err := querylog.OpenFile(r, size, "gs://logs/day.parquet", querylog.ReadOptions{})
//	for i := range f.NumRowGroups() { err = f.ReadRowGroup(ctx, i, rep, fn) }
type File struct {
	src  *source
	opts ReadOptions
}

// OpenFile reads the footer of the log file r, of size bytes, and checks its schema; name is the file's name in
// errors and reports. A file whose footer cannot be read gives an error wrapping ErrUnreadableFile; one whose
// schema does not fit, a *SchemaError; a failed read of r (an error of r other than io.EOF at the end of the
// file), that error, wrapped. Only the ReadOptions that apply to one row group count (Workers and
// SkipUnreadableFiles do not).
func OpenFile(r io.ReaderAt, size int64, name string, opts ReadOptions) (*File, error) {
	opts = opts.withDefaults()
	rec := &readRecorder{r: r, size: size}
	s, err := footer(io.NewSectionReader(rec, 0, size), size, name, readerProps())
	if rerr := rec.take(); rerr != nil {
		return nil, fmt.Errorf("querylog: read %s: footer: %w", name, rerr)
	}
	if err != nil {
		if _, ok := err.(*SchemaError); ok {
			return nil, err
		}
		return nil, &unreadable{err}
	}
	s.ra, s.reads = io.NewSectionReader(rec, 0, size), rec
	return &File{src: s, opts: opts}, nil
}

// readRecorder is the io.ReaderAt through which a File reads: it records the first error of the reader it
// wraps, so that a failed read (a network error of a ranged read from a bucket, say), which the Parquet
// decoder reports as a decoding error, is not taken for a corrupt row group. io.EOF at the end of the file
// is no error: a ReaderAt may return it with the file's last bytes, or for a read past the end. io.EOF
// before the end of the file (size) is: the read was cut short.
type readRecorder struct {
	r    io.ReaderAt
	size int64

	mu  sync.Mutex
	err error
}

func (x *readRecorder) ReadAt(p []byte, off int64) (int, error) {
	n, err := x.r.ReadAt(p, off)
	switch {
	case err == nil:
	case err == io.EOF:
		if n < len(p) && off+int64(n) < x.size {
			x.record(fmt.Errorf("read of %d bytes at offset %d: %d bytes before the end of the file (%d bytes): %w",
				len(p), off, n, x.size, io.ErrUnexpectedEOF))
		}
	default:
		x.record(fmt.Errorf("read of %d bytes at offset %d: %w", len(p), off, err))
	}
	return n, err
}

func (x *readRecorder) record(err error) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.err == nil {
		x.err = err
	}
}

// take returns the error recorded since the last take, and forgets it.
func (x *readRecorder) take() error {
	x.mu.Lock()
	defer x.mu.Unlock()
	err := x.err
	x.err = nil
	return err
}

// unreadable wraps a footer error so that it also matches ErrUnreadableFile.
type unreadable struct{ err error }

func (u *unreadable) Error() string   { return u.err.Error() }
func (u *unreadable) Unwrap() []error { return []error{ErrUnreadableFile, u.err} }

// NumRowGroups returns the number of row groups of the file.
func (f *File) NumRowGroups() int { return f.src.numRG }

// ReadRowGroup decodes row group i and calls fn with its valid rows, in one batch or, beyond
// ReadOptions.MaxBatchRows, several in order; the batch is reused after fn returns. What it reads and skips is
// counted in rep, as Read counts it: a row group whose data cannot be decoded is counted there
// (SkipUnreadableRowGroup, Report.RowsUnread, Report.Errors), not returned. The error is fn's, the context's,
// or that of a failed read of the file's io.ReaderAt (see OpenFile), wrapped: then the row group was not read,
// and the rows fn was given are those of a part of it only (discard them); a later call may read it. On any
// error rep is left as it was. Not safe for concurrent use on one File: open the file once per goroutine.
func (f *File) ReadRowGroup(ctx context.Context, i int, rep *Report, fn func(batch []Row) error) error {
	if i < 0 || i >= f.src.numRG {
		return fmt.Errorf("querylog: read %s: row group %d of %d", f.src.path, i, f.src.numRG)
	}
	f.src.readErr() // forget the errors of earlier calls
	part := NewReport(rep.maxErrors)
	d := newDecoder(f.opts, part)
	if err := d.rowGroup(ctx, task{src: f.src, rg: i}, fn); err != nil {
		return err
	}
	rep.Merge(part)
	return nil
}
