package querylog

import (
	"context"
	"fmt"
	"io"
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
// schema does not fit, a *SchemaError. Only the ReadOptions that apply to one row group count (Workers and
// SkipUnreadableFiles do not).
func OpenFile(r io.ReaderAt, size int64, name string, opts ReadOptions) (*File, error) {
	opts = opts.withDefaults()
	s, err := footer(io.NewSectionReader(r, 0, size), size, name, readerProps())
	if err != nil {
		if _, ok := err.(*SchemaError); ok {
			return nil, err
		}
		return nil, &unreadable{err}
	}
	s.ra = io.NewSectionReader(r, 0, size)
	return &File{src: s, opts: opts}, nil
}

// unreadable wraps a footer error so that it also matches ErrUnreadableFile.
type unreadable struct{ err error }

func (u *unreadable) Error() string   { return u.err.Error() }
func (u *unreadable) Unwrap() []error { return []error{ErrUnreadableFile, u.err} }

// NumRowGroups returns the number of row groups of the file.
func (f *File) NumRowGroups() int { return f.src.numRG }

// ReadRowGroup decodes row group i and calls fn with its valid rows, in one batch or, beyond
// ReadOptions.MaxBatchRows, several in order; the batch is reused after fn returns. What it reads and skips is
// counted in rep, as Read counts it: a row group that cannot be decoded is counted there
// (SkipUnreadableRowGroup, Report.RowsUnread, Report.Errors), not returned. The error is fn's or the
// context's. Not safe for concurrent use on one File: open the file once per goroutine.
func (f *File) ReadRowGroup(ctx context.Context, i int, rep *Report, fn func(batch []Row) error) error {
	if i < 0 || i >= f.src.numRG {
		return fmt.Errorf("querylog: read %s: row group %d of %d", f.src.path, i, f.src.numRG)
	}
	d := newDecoder(f.opts, rep)
	return d.rowGroup(ctx, task{src: f.src, rg: i}, fn)
}
