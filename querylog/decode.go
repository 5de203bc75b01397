package querylog

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"unicode/utf8"
	"unsafe"

	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/metadata"
)

// Skip reasons as small integers, indexes into reasonNames.
const (
	rOK uint8 = iota
	rNullSession
	rEmptyQuery
	rInvalidUTF8
	rOversize
	rBadTS
	nReasons
)

var reasonNames = [nReasons]string{"", SkipNullSession, SkipEmptyQuery, SkipInvalidUTF8, SkipOversize, SkipBadTimestamp}

// Field order of source.cols.
const (
	fSession = iota
	fTS
	fQuery
	fResults
	fClicks
	fSpellCorrection
	fSpellAction
	fSpellFeedback
	nFields
)

// decoder decodes row groups for one worker; its buffers are reused.
type decoder struct {
	opts ReadOptions
	rep  *Report

	rows    []Row
	reasons []uint8
	defs    []int16
	bvals   []parquet.ByteArray
	ivals   []int64
	i32vals []int32
	i96vals []parquet.Int96

	curs    [nFields]cursor
	lastSes string // last session id decoded, reused to avoid an allocation per row
	queries interner
}

// interner reuses the strings of recently decoded values. Values decoded from a
// dictionary page share their bytes, so the address of the bytes is a good hash key;
// the content is compared before a string is reused, so a stale slot is harmless.
type interner struct {
	slots [1 << 12]string
}

func (in *interner) get(b []byte) string {
	h := (uintptr(unsafe.Pointer(unsafe.SliceData(b)))>>3 ^ uintptr(len(b))*0x9e3779b1) & uintptr(len(in.slots)-1)
	if s := in.slots[h]; s == string(b) {
		return s
	}
	s := string(b)
	in.slots[h] = s
	return s
}

type cursor struct {
	spec   *colSpec
	cr     file.ColumnChunkReader
	maxDef int16
}

func newDecoder(opts ReadOptions, rep *Report) *decoder {
	return &decoder{
		opts:    opts,
		rep:     rep,
		defs:    make([]int16, scratchRows),
		bvals:   make([]parquet.ByteArray, scratchRows),
		ivals:   make([]int64, scratchRows),
		i32vals: make([]int32, scratchRows),
		i96vals: make([]parquet.Int96, scratchRows),
	}
}

// rowGroup decodes one row group and hands its valid rows to fn. Decoding problems are
// recorded in the report; the error returned is fn's, the context's, or that of a read of
// the file itself (a source with a readRecorder, see OpenFile), which is not a decoding
// problem: the row group was not read, not found corrupt.
func (d *decoder) rowGroup(ctx context.Context, t task, fn func([]Row) error) error {
	s := t.src
	var done int64 // rows of the group decoded
	fail := func(err error) error {
		if rerr := s.readErr(); rerr != nil {
			return fmt.Errorf("querylog: read %s: row group %d: %w", s.path, t.rg, rerr)
		}
		d.rep.Skip(SkipUnreadableRowGroup, 1)
		d.rep.RowsUnread += max(s.groupRows(t.rg)-done, 0)
		d.rep.AddError(fmt.Sprintf("querylog: read %s: row group %d: %v", s.path, t.rg, err))
		return nil
	}
	defer d.closeCursors()
	nrows, err := d.start(s, t.rg)
	if err != nil {
		return fail(err)
	}
	for done < nrows {
		if err := ctx.Err(); err != nil {
			return err
		}
		n := int(min(nrows-done, int64(d.opts.MaxBatchRows)))
		kept, err := d.chunk(n)
		if err != nil {
			return fail(err)
		}
		done += int64(n)
		if kept > 0 {
			if err := fn(d.rows[:kept]); err != nil {
				return err
			}
		}
	}
	if rerr := s.readErr(); rerr != nil { // a failed read that decoding did not notice
		return fmt.Errorf("querylog: read %s: row group %d: %w", s.path, t.rg, rerr)
	}
	d.rep.RowGroups++
	return nil
}

// start opens the column readers of row group i and returns its row count.
func (d *decoder) start(s *source, i int) (nrows int64, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic: %v", r)
		}
	}()
	rdr, err := s.open()
	if err != nil {
		return 0, err
	}
	rg := rdr.RowGroup(i)
	md := rg.MetaData()
	nrows = md.NumRows()
	if nrows < 0 {
		return 0, fmt.Errorf("negative row count %d", nrows)
	}
	var chunkBytes int64
	for f := range s.cols {
		spec := &s.cols[f]
		d.curs[f] = cursor{spec: spec}
		if spec.idx < 0 {
			continue
		}
		n, err := checkChunk(md, spec.idx, s.size, nrows)
		if err != nil {
			return 0, fmt.Errorf("column %q: %w", spec.name, err)
		}
		chunkBytes += n
		cr, err := rg.Column(spec.idx)
		if err != nil {
			return 0, fmt.Errorf("column %q: %w", spec.name, err)
		}
		d.curs[f].cr = cr
		d.curs[f].maxDef = cr.Descriptor().MaxDefinitionLevel()
	}
	// A few bytes of run-length encoding can claim any number of rows; real logs take
	// far more than a byte per row. Refuse implausible counts rather than decode them.
	if limit := maxRowsFloor + maxRowsPerByte*min(chunkBytes, s.size); nrows > limit {
		return 0, fmt.Errorf("%d rows in %d bytes of column data: implausible", nrows, chunkBytes)
	}
	return nrows, nil
}

// Row count limit of a row group: maxRowsFloor + maxRowsPerByte × its column bytes.
const (
	maxRowsFloor   = 1 << 16
	maxRowsPerByte = 256
)

// checkChunk verifies that the byte range of a column chunk lies in the file, so that a
// corrupt footer cannot make the reader allocate more than the file size, and returns
// the chunk's size.
func checkChunk(md *metadata.RowGroupMetaData, i int, size, nrows int64) (int64, error) {
	col, err := md.ColumnChunk(i)
	if err != nil {
		return 0, err
	}
	start := col.DataPageOffset()
	if col.HasDictionaryPage() && col.DictionaryPageOffset() > 0 && start > col.DictionaryPageOffset() {
		start = col.DictionaryPageOffset()
	}
	n := col.TotalCompressedSize()
	if start < 0 || n < 0 || start > size || n > size-start {
		return 0, fmt.Errorf("chunk [%d, +%d) outside the file (%d bytes)", start, n, size)
	}
	if nv := col.NumValues(); nv != nrows {
		return 0, fmt.Errorf("chunk has %d values for %d rows", nv, nrows)
	}
	return n, nil
}

func (d *decoder) closeCursors() {
	for f := range d.curs {
		if cr := d.curs[f].cr; cr != nil {
			cr.Close()
		}
		d.curs[f] = cursor{}
	}
}

// chunk decodes the next n rows of every column, validates them and compacts the valid
// ones to the front of d.rows, returning their number.
func (d *decoder) chunk(n int) (kept int, err error) {
	defer func() {
		if r := recover(); r != nil {
			kept, err = 0, fmt.Errorf("panic: %v", r)
		}
	}()
	if cap(d.rows) < n {
		d.rows = make([]Row, n)
		d.reasons = make([]uint8, n)
	}
	rows, reasons := d.rows[:n], d.reasons[:n]
	clear(rows)
	clear(reasons)
	// Order matters: the first reason set for a row wins.
	for _, f := range [...]int{fSession, fQuery, fTS, fResults, fClicks, fSpellCorrection, fSpellAction, fSpellFeedback} {
		if d.curs[f].cr == nil {
			continue
		}
		if err := d.fill(f, rows, reasons); err != nil {
			return 0, err
		}
	}
	var counts [nReasons]int64
	k := 0
	for i := range rows {
		if r := reasons[i]; r != rOK {
			counts[r]++
			continue
		}
		if k != i {
			rows[k] = rows[i]
		}
		k++
	}
	for r := rOK + 1; r < nReasons; r++ {
		d.rep.Skip(reasonNames[r], counts[r])
	}
	d.rep.RowsRead += int64(n)
	d.rep.RowsKept += int64(k)
	return k, nil
}

var errShortColumn = errors.New("column has fewer values than rows")

// fill decodes len(rows) values of field f into rows.
func (d *decoder) fill(f int, rows []Row, reasons []uint8) error {
	c := &d.curs[f]
	for done := 0; done < len(rows); {
		want := min(len(rows)-done, scratchRows)
		var (
			total int64
			nv    int
			err   error
		)
		defs := d.defs[:want]
		switch c.spec.kind {
		case kindByteArray:
			total, nv, err = c.cr.(*file.ByteArrayColumnChunkReader).ReadBatchInPage(int64(want), d.bvals[:want], defs, nil)
		case kindInt64:
			total, nv, err = c.cr.(*file.Int64ColumnChunkReader).ReadBatchInPage(int64(want), d.ivals[:want], defs, nil)
		case kindInt32:
			total, nv, err = c.cr.(*file.Int32ColumnChunkReader).ReadBatchInPage(int64(want), d.i32vals[:want], defs, nil)
		case kindInt96:
			total, nv, err = c.cr.(*file.Int96ColumnChunkReader).ReadBatchInPage(int64(want), d.i96vals[:want], defs, nil)
		}
		if err != nil {
			return fmt.Errorf("column %q: %w", c.spec.name, err)
		}
		if total <= 0 {
			if err := c.cr.Err(); err != nil {
				return fmt.Errorf("column %q: %w", c.spec.name, err)
			}
			return fmt.Errorf("column %q: %w", c.spec.name, errShortColumn)
		}
		if total > int64(want) || nv < 0 || nv > int(total) {
			return fmt.Errorf("column %q: reader returned %d levels and %d values for %d", c.spec.name, total, nv, want)
		}
		defs = defs[:total]
		if c.maxDef > 0 {
			nn := 0
			for _, l := range defs {
				if l == c.maxDef {
					nn++
				}
			}
			if nn != nv {
				return fmt.Errorf("column %q: %d values for %d non-null levels", c.spec.name, nv, nn)
			}
		} else if nv != int(total) {
			return fmt.Errorf("column %q: %d values for %d rows", c.spec.name, nv, total)
		}
		r := rows[done : done+int(total)]
		rs := reasons[done : done+int(total)]
		switch f {
		case fSession:
			d.fillSession(c, r, rs, defs)
		case fQuery:
			d.fillQuery(c, r, rs, defs)
		case fTS:
			d.fillTS(c, r, rs, defs)
		case fResults, fClicks:
			d.fillCount(c, f, r, defs)
		case fSpellCorrection, fSpellAction, fSpellFeedback:
			d.fillSpell(c, f, r, rs, defs)
		}
		done += int(total)
	}
	return nil
}

func (d *decoder) fillSession(c *cursor, rows []Row, reasons []uint8, defs []int16) {
	v := 0
	for k := range rows {
		if c.maxDef > 0 && defs[k] != c.maxDef {
			if reasons[k] == rOK {
				reasons[k] = rNullSession
			}
			continue
		}
		b := d.bvals[v]
		v++
		if len(b) == 0 {
			if reasons[k] == rOK {
				reasons[k] = rNullSession
			}
			continue
		}
		if string(b) != d.lastSes {
			d.lastSes = string(b)
		}
		rows[k].SessionID = d.lastSes
	}
}

func (d *decoder) fillQuery(c *cursor, rows []Row, reasons []uint8, defs []int16) {
	v := 0
	for k := range rows {
		if c.maxDef > 0 && defs[k] != c.maxDef {
			if reasons[k] == rOK {
				reasons[k] = rEmptyQuery
			}
			continue
		}
		b := d.bvals[v]
		v++
		if reasons[k] != rOK {
			continue // already skipped: do not allocate
		}
		switch {
		case len(b) == 0:
			reasons[k] = rEmptyQuery
		case len(b) > d.opts.MaxQueryBytes:
			reasons[k] = rOversize
		case !utf8.Valid(b):
			reasons[k] = rInvalidUTF8
		case blank(b):
			reasons[k] = rEmptyQuery
		default:
			rows[k].Query = d.queries.get(b)
		}
	}
}

// blank reports whether b holds only white space.
func blank(b []byte) bool {
	if c := b[0]; c > ' ' && c < utf8.RuneSelf {
		return false
	}
	return len(bytes.TrimSpace(b)) == 0
}

// julianUnixEpoch is the Julian day number of 1970-01-01, the epoch of INT96 timestamps.
const julianUnixEpoch = 2440588

func (d *decoder) fillTS(c *cursor, rows []Row, reasons []uint8, defs []int16) {
	v := 0
	for k := range rows {
		var ms int64
		if c.maxDef == 0 || defs[k] == c.maxDef {
			switch c.spec.kind {
			case kindInt64:
				if x := d.ivals[v]; x > 0 {
					ms = x / c.spec.tsDiv
				}
			case kindInt96:
				b := d.i96vals[v][:]
				nanos := int64(binary.LittleEndian.Uint64(b[:8]))
				day := int64(binary.LittleEndian.Uint32(b[8:]))
				ms = (day-julianUnixEpoch)*86400000 + nanos/1000000
			}
			v++
		}
		if ms < MinTS || ms >= MaxTS {
			if reasons[k] == rOK {
				reasons[k] = rBadTS
			}
			continue
		}
		rows[k].TS = ms
	}
}

func (d *decoder) fillCount(c *cursor, f int, rows []Row, defs []int16) {
	v := 0
	for k := range rows {
		if c.maxDef > 0 && defs[k] != c.maxDef {
			continue
		}
		var x int64
		if c.spec.kind == kindInt32 {
			x = int64(d.i32vals[v])
		} else {
			x = d.ivals[v]
		}
		v++
		if x < 0 {
			continue
		}
		if f == fResults {
			rows[k].Results, rows[k].HasResults = x, true
		} else {
			rows[k].Clicks, rows[k].HasClicks = x, true
		}
	}
}

// fillSpell decodes an optional spell column: the correction shown (kept when valid UTF-8 within
// MaxQueryBytes, else left empty), how it was shown, what the shopper did. Unknown values read as none.
func (d *decoder) fillSpell(c *cursor, f int, rows []Row, reasons []uint8, defs []int16) {
	v := 0
	for k := range rows {
		if c.maxDef > 0 && defs[k] != c.maxDef {
			continue
		}
		b := d.bvals[v]
		v++
		if reasons[k] != rOK || len(b) == 0 {
			continue
		}
		switch f {
		case fSpellCorrection:
			if len(b) <= d.opts.MaxQueryBytes && utf8.Valid(b) && !blank(b) {
				rows[k].SpellCorrection = d.queries.get(b)
			}
		case fSpellAction:
			rows[k].SpellAction = parseAction(b)
		case fSpellFeedback:
			rows[k].SpellFeedback = parseFeedback(b)
		}
	}
}
