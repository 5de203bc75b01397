package train

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"

	"github.com/spellwright/speller/logsum"
	"github.com/spellwright/speller/mine"
	"github.com/spellwright/speller/querylog"
)

// The log trainer groups searches by session while row groups arrive from several goroutines in any order:
// each row goes to one of P partition files chosen by a hash of its session id, so that all the searches of
// a session land in the same file, which is small enough to be sorted in memory later.
//
// A partition file is a sequence of frames; a frame is the rows of one partition from one batch:
//
//	frame  = uvarint(len(records)) records
//	record = flags [uvarint(len(session)) session] varint(ts − previous ts) uvarint(len(query)) query
//	         [uvarint(results)] [uvarint(clicks)] [uvarint(len(correction)) correction action feedback]
//
// flags: bit 0 the session is the previous record's (its id is left out), bit 1 results present, bit 2
// clicks present, bit 3 the page showed a correction (querylog.Row.SpellCorrection, SpellAction and
// SpellFeedback, the last two a byte each). The previous record and previous ts (0 at the start) are those of the same frame.

const (
	flagSameSession = 1 << iota
	flagResults
	flagClicks
	flagSpell
)

// spillFlushBytes is the size at which a partition's buffer is written to its file.
const spillFlushBytes = 128 << 10

// spill writes rows to partition files. Its write method is safe for concurrent use.
type spill struct {
	parts   []spillPart
	scratch sync.Pool // *spillScratch
	bytes   atomic.Int64
	rows    atomic.Int64
	// digest is an order-independent digest of the rows' content: two sums of row hashes.
	digest [2]atomic.Uint64
}

type spillPart struct {
	mu   sync.Mutex
	path string
	f    *os.File
	buf  []byte
	err  error
	rows int // records written
}

// spillScratch holds one goroutine's frames being built, one per partition.
type spillScratch struct {
	frames [][]byte
	last   []string // session of the last record of each frame
	lastTS []int64
	counts []int // records of each frame
}

// newSpill creates n empty partition files in dir.
func newSpill(dir string, n int) (*spill, error) {
	s := &spill{parts: make([]spillPart, n)}
	for i := range s.parts {
		p := &s.parts[i]
		p.path = filepath.Join(dir, fmt.Sprintf("part-%04d", i))
		f, err := os.Create(p.path)
		if err != nil {
			s.close()
			return nil, err
		}
		p.f = f
	}
	s.scratch.New = func() any {
		return &spillScratch{frames: make([][]byte, n), last: make([]string, n), lastTS: make([]int64, n), counts: make([]int, n)}
	}
	return s, nil
}

// write appends the rows of batch to their partitions; it is the callback of querylog.Read.
func (s *spill) write(batch []querylog.Row) error {
	sc := s.scratch.Get().(*spillScratch)
	defer s.scratch.Put(sc)
	n := uint64(len(s.parts))
	var d0, d1 uint64
	for i := range batch {
		r := &batch[i]
		h := logsum.Hash(r.SessionID)
		p := int(h % n)
		x, y := logsum.RowDigest(r, h)
		d0 += x
		d1 += y
		sc.frames[p] = appendRecord(sc.frames[p], r.SessionID, logsum.Search(r), sc.last[p], sc.lastTS[p])
		sc.last[p], sc.lastTS[p] = r.SessionID, r.TS
		sc.counts[p]++
	}
	var err error
	for p, fr := range sc.frames {
		if len(fr) == 0 {
			continue
		}
		if e := s.parts[p].append(fr, sc.counts[p], s); e != nil && err == nil {
			err = e
		}
		sc.frames[p], sc.last[p], sc.lastTS[p], sc.counts[p] = fr[:0], "", 0, 0
	}
	s.rows.Add(int64(len(batch)))
	s.digest[0].Add(d0)
	s.digest[1].Add(d1)
	return err
}

// appendRecord encodes the search s of session after a record of session last at lastTS (last is "" at the
// start of a frame). s is logsum.Search of a row: the one rule that turns a row into what the miner sees (a
// null count negative, a correction only when the page showed one), which decodeSpill gives back.
func appendRecord(b []byte, session string, s mine.Search, last string, lastTS int64) []byte {
	var flags byte
	same := last != "" && session == last
	if same {
		flags |= flagSameSession
	}
	if s.Results >= 0 {
		flags |= flagResults
	}
	if s.Clicks >= 0 {
		flags |= flagClicks
	}
	if s.Correction != "" {
		flags |= flagSpell
	}
	b = append(b, flags)
	if !same {
		b = binary.AppendUvarint(b, uint64(len(session)))
		b = append(b, session...)
	}
	b = binary.AppendVarint(b, s.TS-lastTS)
	b = binary.AppendUvarint(b, uint64(len(s.Query)))
	b = append(b, s.Query...)
	if s.Results >= 0 {
		b = binary.AppendUvarint(b, uint64(s.Results))
	}
	if s.Clicks >= 0 {
		b = binary.AppendUvarint(b, uint64(s.Clicks))
	}
	if flags&flagSpell != 0 {
		b = binary.AppendUvarint(b, uint64(len(s.Correction)))
		b = append(b, s.Correction...)
		b = append(b, s.Action, s.Feedback)
	}
	return b
}

// append adds one frame of n records to the partition, writing the buffer out when it is large.
func (p *spillPart) append(frame []byte, n int, s *spill) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.err != nil {
		return p.err
	}
	p.rows += n
	p.buf = binary.AppendUvarint(p.buf, uint64(len(frame)))
	p.buf = append(p.buf, frame...)
	if len(p.buf) >= spillFlushBytes {
		p.flush(s)
	}
	return p.err
}

func (p *spillPart) flush(s *spill) {
	if len(p.buf) == 0 || p.err != nil {
		return
	}
	if _, err := p.f.Write(p.buf); err != nil {
		p.err = fmt.Errorf("spill: %w", err)
	}
	s.bytes.Add(int64(len(p.buf)))
	p.buf = p.buf[:0]
}

// finish writes the buffers out and closes the files.
func (s *spill) finish() error {
	var err error
	for i := range s.parts {
		p := &s.parts[i]
		p.flush(s)
		p.buf = nil
		if p.err != nil && err == nil {
			err = p.err
		}
	}
	if e := s.close(); e != nil && err == nil {
		err = e
	}
	return err
}

func (s *spill) close() error {
	var err error
	for i := range s.parts {
		if f := s.parts[i].f; f != nil {
			if e := f.Close(); e != nil && err == nil {
				err = fmt.Errorf("spill: %w", e)
			}
			s.parts[i].f = nil
		}
	}
	return err
}

// rec is a decoded row of a partition file: the search as logsum.Search makes it of the row (null counts
// -1), with its session. Its strings point into the partition's data.
type rec struct {
	hash    uint64 // logsum.Hash(session)
	session string
	mine.Search
}

var errSpillCorrupt = errors.New("corrupt partition file")

// decodeSpill appends the records of a partition file's data to dst. It never panics; malformed data gives
// an error wrapping errSpillCorrupt with the offset.
func decodeSpill(dst []rec, data string) ([]rec, error) {
	d := decoder{s: data}
	for d.off < len(d.s) {
		n := d.uvarint()
		if d.err != nil || n > uint64(len(d.s)-d.off) {
			return dst, d.fail("frame length")
		}
		end := d.off + int(n)
		var last string
		var ts int64
		for d.off < end {
			var r rec
			flags := d.s[d.off]
			d.off++
			if flags&^(flagSameSession|flagResults|flagClicks|flagSpell) != 0 {
				return dst, d.fail("flags")
			}
			if flags&flagSameSession != 0 {
				if last == "" {
					return dst, d.fail("no previous session")
				}
				r.session = last
			} else {
				r.session = d.str(end)
				if r.session == "" {
					return dst, d.fail("session")
				}
			}
			delta := d.varint()
			ts += delta
			r.TS = ts
			r.Query = d.str(end)
			r.Results, r.Clicks = -1, -1
			if flags&flagResults != 0 {
				r.Results = d.count()
			}
			if flags&flagClicks != 0 {
				r.Clicks = d.count()
			}
			if flags&flagSpell != 0 {
				r.Correction = d.str(end)
				if d.err == nil && d.off+2 <= end {
					r.Action, r.Feedback = d.s[d.off], d.s[d.off+1]
					d.off += 2
				} else {
					d.err = errVarint
				}
			}
			if d.err != nil || d.off > end {
				return dst, d.fail("record")
			}
			if r.session != last {
				r.hash = logsum.Hash(r.session)
			} else {
				r.hash = dst[len(dst)-1].hash
			}
			last = r.session
			dst = append(dst, r)
		}
	}
	return dst, nil
}

// decoder reads varints and strings from a string.
type decoder struct {
	s   string
	off int
	err error
}

func (d *decoder) fail(what string) error {
	return fmt.Errorf("%w: %s at byte %d", errSpillCorrupt, what, d.off)
}

var errVarint = errors.New("bad varint")

func (d *decoder) uvarint() uint64 {
	var x uint64
	for shift := uint(0); shift < 64; shift += 7 {
		if d.off >= len(d.s) {
			break
		}
		b := d.s[d.off]
		d.off++
		x |= uint64(b&0x7f) << shift
		if b < 0x80 {
			return x
		}
	}
	d.err = errVarint
	return 0
}

func (d *decoder) varint() int64 {
	u := d.uvarint()
	return int64(u>>1) ^ -int64(u&1)
}

// count reads a non-negative count that fits an int64.
func (d *decoder) count() int64 {
	u := d.uvarint()
	if u > 1<<62 {
		d.err = errVarint
		return 0
	}
	return int64(u)
}

// str reads a length-prefixed string that ends at or before end.
func (d *decoder) str(end int) string {
	n := d.uvarint()
	if d.err != nil || d.off > end || n > uint64(end-d.off) {
		d.err = errVarint
		return ""
	}
	s := d.s[d.off : d.off+int(n)]
	d.off += int(n)
	return s
}
