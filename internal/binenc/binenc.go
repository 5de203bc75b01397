// Package binenc is the small binary encoding shared by the model bundle's sections: little-endian fixed-width
// numbers, uvarints and length-prefixed byte strings, with a decoder that never panics and never allocates more
// than the input could hold.
//
//	var e binenc.Encoder
//	e.Uvarint(3); e.String("dress")
//	d := binenc.NewDecoder(e.Bytes()); n := d.Uvarint(); s := d.String(); err := d.Err()
package binenc

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
)

// ErrCorrupt is returned (wrapped) by a Decoder that ran past its input or read an impossible value.
var ErrCorrupt = errors.New("corrupt data")

// Encoder appends values to a byte slice. The zero value is ready to use.
type Encoder struct {
	buf []byte
}

// Bytes returns the encoded bytes.
func (e *Encoder) Bytes() []byte { return e.buf }

// Uvarint appends v as an unsigned varint.
func (e *Encoder) Uvarint(v uint64) { e.buf = binary.AppendUvarint(e.buf, v) }

// Uint32 appends v as 4 little-endian bytes.
func (e *Encoder) Uint32(v uint32) { e.buf = binary.LittleEndian.AppendUint32(e.buf, v) }

// Uint64 appends v as 8 little-endian bytes.
func (e *Encoder) Uint64(v uint64) { e.buf = binary.LittleEndian.AppendUint64(e.buf, v) }

// Float64 appends v as its IEEE 754 bits.
func (e *Encoder) Float64(v float64) { e.Uint64(math.Float64bits(v)) }

// Float32 appends v as its IEEE 754 bits.
func (e *Encoder) Float32(v float32) { e.Uint32(math.Float32bits(v)) }

// String appends a length-prefixed string.
func (e *Encoder) String(s string) {
	e.Uvarint(uint64(len(s)))
	e.buf = append(e.buf, s...)
}

// Decoder reads values written by an Encoder. After the first error every read returns a zero value and Err
// reports the error, so callers check once at the end.
type Decoder struct {
	buf []byte
	off int
	err error
}

// NewDecoder returns a Decoder over b.
func NewDecoder(b []byte) *Decoder { return &Decoder{buf: b} }

// Err returns the first error met, wrapping ErrCorrupt.
func (d *Decoder) Err() error { return d.err }

// Remaining returns the number of unread bytes.
func (d *Decoder) Remaining() int { return len(d.buf) - d.off }

// Fail records a corruption found by the caller (an out-of-range value) at the current position.
func (d *Decoder) Fail(what string) { d.fail(what) }

func (d *Decoder) fail(what string) {
	if d.err == nil {
		d.err = fmt.Errorf("%w: %s at byte %d", ErrCorrupt, what, d.off)
	}
}

// Uvarint reads an unsigned varint.
func (d *Decoder) Uvarint() uint64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Uvarint(d.buf[d.off:])
	if n <= 0 {
		d.fail("bad varint")
		return 0
	}
	d.off += n
	return v
}

// Len reads a uvarint count of items of at least minSize bytes each and checks that so many items can still
// be in the input, so that a corrupt count cannot make the caller allocate without bound.
func (d *Decoder) Len(minSize int) int {
	v := d.Uvarint()
	if d.err != nil {
		return 0
	}
	if minSize < 1 {
		minSize = 1
	}
	if v > uint64(d.Remaining()/minSize) {
		d.fail(fmt.Sprintf("count %d exceeds the remaining input", v))
		return 0
	}
	return int(v)
}

// Uint32 reads 4 little-endian bytes.
func (d *Decoder) Uint32() uint32 {
	if d.err != nil {
		return 0
	}
	if d.Remaining() < 4 {
		d.fail("truncated uint32")
		return 0
	}
	v := binary.LittleEndian.Uint32(d.buf[d.off:])
	d.off += 4
	return v
}

// Uint64 reads 8 little-endian bytes.
func (d *Decoder) Uint64() uint64 {
	if d.err != nil {
		return 0
	}
	if d.Remaining() < 8 {
		d.fail("truncated uint64")
		return 0
	}
	v := binary.LittleEndian.Uint64(d.buf[d.off:])
	d.off += 8
	return v
}

// Float64 reads an IEEE 754 float64 and rejects NaN.
func (d *Decoder) Float64() float64 {
	v := math.Float64frombits(d.Uint64())
	if math.IsNaN(v) {
		d.fail("NaN")
		return 0
	}
	return v
}

// Float32 reads an IEEE 754 float32 and rejects NaN.
func (d *Decoder) Float32() float32 {
	v := math.Float32frombits(d.Uint32())
	if v != v {
		d.fail("NaN")
		return 0
	}
	return v
}

// Bytes reads a length-prefixed byte string; the result aliases the input.
func (d *Decoder) Bytes() []byte {
	n := d.Len(1)
	if d.err != nil {
		return nil
	}
	b := d.buf[d.off : d.off+n : d.off+n]
	d.off += n
	return b
}

// String reads a length-prefixed string.
func (d *Decoder) String() string { return string(d.Bytes()) }

// Finish records an error if input is left over.
func (d *Decoder) Finish() error {
	if d.err == nil && d.Remaining() != 0 {
		d.fail(fmt.Sprintf("%d trailing bytes", d.Remaining()))
	}
	return d.err
}
