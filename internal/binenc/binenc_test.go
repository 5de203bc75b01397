package binenc_test

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"testing"

	"github.com/spellwright/speller/internal/binenc"
)

// value is one typed value written by an Encoder and read back by a Decoder.
type value struct {
	name  string
	write func(e *binenc.Encoder)
	read  func(d *binenc.Decoder) any
	want  any
	size  int // encoded size in bytes
}

func uvarintValue(v uint64, size int) value {
	return value{
		name:  fmt.Sprintf("Uvarint(%d)", v),
		write: func(e *binenc.Encoder) { e.Uvarint(v) },
		read:  func(d *binenc.Decoder) any { return d.Uvarint() },
		want:  v,
		size:  size,
	}
}

func uint32Value(v uint32) value {
	return value{
		name:  fmt.Sprintf("Uint32(%#x)", v),
		write: func(e *binenc.Encoder) { e.Uint32(v) },
		read:  func(d *binenc.Decoder) any { return d.Uint32() },
		want:  v,
		size:  4,
	}
}

func uint64Value(v uint64) value {
	return value{
		name:  fmt.Sprintf("Uint64(%#x)", v),
		write: func(e *binenc.Encoder) { e.Uint64(v) },
		read:  func(d *binenc.Decoder) any { return d.Uint64() },
		want:  v,
		size:  8,
	}
}

func float64Value(v float64) value {
	return value{
		name:  fmt.Sprintf("Float64(%g)", v),
		write: func(e *binenc.Encoder) { e.Float64(v) },
		read:  func(d *binenc.Decoder) any { return math.Float64bits(d.Float64()) },
		want:  math.Float64bits(v), // compare bits: keeps -0 apart from 0
		size:  8,
	}
}

func float32Value(v float32) value {
	return value{
		name:  fmt.Sprintf("Float32(%g)", v),
		write: func(e *binenc.Encoder) { e.Float32(v) },
		read:  func(d *binenc.Decoder) any { return math.Float32bits(d.Float32()) },
		want:  math.Float32bits(v),
		size:  4,
	}
}

func stringValue(s string, size int) value {
	return value{
		name:  fmt.Sprintf("String(%.20q)", s),
		write: func(e *binenc.Encoder) { e.String(s) },
		read:  func(d *binenc.Decoder) any { return d.String() },
		want:  s,
		size:  size,
	}
}

func bytesValue(b []byte) value {
	return value{
		name:  fmt.Sprintf("Bytes(%q)", b),
		write: func(e *binenc.Encoder) { e.String(string(b)) },
		read:  func(d *binenc.Decoder) any { return string(d.Bytes()) },
		want:  string(b),
		size:  1 + len(b),
	}
}

var values = []value{
	uvarintValue(0, 1),
	uvarintValue(1, 1),
	uvarintValue(127, 1),
	uvarintValue(128, 2),
	uvarintValue(300, 2),
	uvarintValue(1<<32, 5),
	uvarintValue(math.MaxUint64, 10),
	uint32Value(0),
	uint32Value(0xdeadbeef),
	uint32Value(math.MaxUint32),
	uint64Value(0),
	uint64Value(0x0123456789abcdef),
	uint64Value(math.MaxUint64),
	float64Value(0),
	float64Value(math.Copysign(0, -1)),
	float64Value(1.5),
	float64Value(-math.Pi),
	float64Value(math.SmallestNonzeroFloat64),
	float64Value(math.MaxFloat64),
	float64Value(math.Inf(1)),
	float64Value(math.Inf(-1)),
	float32Value(0),
	float32Value(-2.25),
	float32Value(math.MaxFloat32),
	float32Value(float32(math.Inf(-1))),
	stringValue("", 1),
	stringValue("dress", 6),
	stringValue("naïve crème brûlée", 1+len("naïve crème brûlée")),
	stringValue("\x00\xff", 3),
	stringValue(string(make([]byte, 200)), 202),
	bytesValue(nil),
	bytesValue([]byte{1, 2, 3}),
}

func TestRoundTrip(t *testing.T) {
	for _, v := range values {
		t.Run(v.name, func(t *testing.T) {
			var e binenc.Encoder
			v.write(&e)
			if got := len(e.Bytes()); got != v.size {
				t.Errorf("encoded size = %d, want %d", got, v.size)
			}
			d := binenc.NewDecoder(e.Bytes())
			if got := v.read(d); got != v.want {
				t.Errorf("decoded %v, want %v", got, v.want)
			}
			if err := d.Finish(); err != nil {
				t.Errorf("Finish() = %v, want nil", err)
			}
		})
	}
}

// TestRoundTripSequence writes every value in one buffer and reads them back in order.
func TestRoundTripSequence(t *testing.T) {
	var e binenc.Encoder
	total := 0
	for _, v := range values {
		v.write(&e)
		total += v.size
	}
	if len(e.Bytes()) != total {
		t.Fatalf("encoded %d bytes, want %d", len(e.Bytes()), total)
	}
	d := binenc.NewDecoder(e.Bytes())
	for i, v := range values {
		if got := v.read(d); got != v.want {
			t.Errorf("value %d %s: decoded %v, want %v", i, v.name, got, v.want)
		}
		if d.Err() != nil {
			t.Fatalf("value %d %s: Err() = %v", i, v.name, d.Err())
		}
	}
	if d.Remaining() != 0 {
		t.Errorf("Remaining() = %d after reading everything, want 0", d.Remaining())
	}
	if err := d.Finish(); err != nil {
		t.Errorf("Finish() = %v", err)
	}
}

func TestZeroEncoder(t *testing.T) {
	var e binenc.Encoder
	if b := e.Bytes(); len(b) != 0 {
		t.Errorf("zero Encoder Bytes() = %v, want empty", b)
	}
	d := binenc.NewDecoder(nil)
	if err := d.Finish(); err != nil {
		t.Errorf("Finish() on empty input = %v, want nil", err)
	}
}

// TestTruncated cuts each encoded value short at every length and checks that decoding reports an error
// wrapping ErrCorrupt and returns a zero value.
func TestTruncated(t *testing.T) {
	for _, v := range values {
		var e binenc.Encoder
		v.write(&e)
		full := e.Bytes()
		for n := 0; n < len(full); n++ {
			// A string whose length prefix is intact but whose bytes are cut is also truncated.
			d := binenc.NewDecoder(full[:n:n])
			got := v.read(d)
			err := d.Err()
			if err == nil {
				t.Errorf("%s cut to %d of %d bytes: decoded %v with no error", v.name, n, len(full), got)
				continue
			}
			if !errors.Is(err, binenc.ErrCorrupt) {
				t.Errorf("%s cut to %d bytes: Err() = %v, want it to wrap ErrCorrupt", v.name, n, err)
			}
			if err2 := d.Finish(); err2 != err {
				t.Errorf("%s cut to %d bytes: Finish() = %v, want the first error %v", v.name, n, err2, err)
			}
		}
	}
}

func TestErrorIsSticky(t *testing.T) {
	var e binenc.Encoder
	e.Uint32(7)
	e.Uvarint(9)
	e.String("abc")
	b := e.Bytes()

	d := binenc.NewDecoder(b)
	_ = d.Uint64() // only 4+1+4 = 9 bytes: succeeds, reading 8
	if d.Err() != nil {
		t.Fatalf("Uint64 on 9 bytes: %v", d.Err())
	}
	_ = d.Uint32() // 1 byte left: fails
	first := d.Err()
	if first == nil {
		t.Fatal("Uint32 on 1 byte: no error")
	}
	if got := d.Uvarint(); got != 0 {
		t.Errorf("Uvarint after an error = %d, want 0", got)
	}
	if got := d.String(); got != "" {
		t.Errorf("String after an error = %q, want \"\"", got)
	}
	if got := d.Bytes(); got != nil {
		t.Errorf("Bytes after an error = %v, want nil", got)
	}
	if got := d.Len(1); got != 0 {
		t.Errorf("Len after an error = %d, want 0", got)
	}
	if got := d.Float64(); got != 0 {
		t.Errorf("Float64 after an error = %v, want 0", got)
	}
	if got := d.Float32(); got != 0 {
		t.Errorf("Float32 after an error = %v, want 0", got)
	}
	d.Fail("another problem")
	if d.Err() != first {
		t.Errorf("Err() = %v after more reads, want the first error %v", d.Err(), first)
	}
}

func TestBadVarint(t *testing.T) {
	tests := []struct {
		name string
		in   []byte
	}{
		{"empty", nil},
		{"unterminated", []byte{0x80}},
		{"unterminated long", []byte{0xff, 0xff, 0xff}},
		{"overflow", []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02}},
		{"eleven bytes", []byte{0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01}},
	}
	for _, tt := range tests {
		d := binenc.NewDecoder(tt.in)
		if v := d.Uvarint(); v != 0 || !errors.Is(d.Err(), binenc.ErrCorrupt) {
			t.Errorf("%s: Uvarint(%x) = %d, err %v; want 0 and ErrCorrupt", tt.name, tt.in, v, d.Err())
		}
	}
}

func TestNaNRejected(t *testing.T) {
	var e binenc.Encoder
	e.Float64(math.NaN())
	d := binenc.NewDecoder(e.Bytes())
	if v := d.Float64(); v != 0 || !errors.Is(d.Err(), binenc.ErrCorrupt) {
		t.Errorf("Float64(NaN) = %v, err %v; want 0 and ErrCorrupt", v, d.Err())
	}

	var e32 binenc.Encoder
	e32.Float32(float32(math.NaN()))
	d = binenc.NewDecoder(e32.Bytes())
	if v := d.Float32(); v != 0 || !errors.Is(d.Err(), binenc.ErrCorrupt) {
		t.Errorf("Float32(NaN) = %v, err %v; want 0 and ErrCorrupt", v, d.Err())
	}

	// Every NaN payload, not only the canonical one.
	var eb binenc.Encoder
	eb.Uint64(0x7ff0000000000001)
	d = binenc.NewDecoder(eb.Bytes())
	if d.Float64(); d.Err() == nil {
		t.Error("Float64 of a signalling NaN: no error")
	}
}

func TestLen(t *testing.T) {
	tests := []struct {
		name    string
		count   uint64
		rest    int // bytes after the count
		minSize int
		want    int
		wantErr bool
	}{
		{"zero", 0, 0, 1, 0, false},
		{"fits exactly", 3, 3, 1, 3, false},
		{"fits with room", 2, 10, 4, 2, false},
		{"fits exactly size 4", 3, 12, 4, 3, false},
		{"one too many", 4, 3, 1, 0, true},
		{"one too many size 4", 4, 15, 4, 0, true},
		{"huge", math.MaxUint64, 100, 1, 0, true},
		{"huge beyond int", 1 << 62, 8, 1, 0, true},
		{"minSize 0 means 1", 5, 4, 0, 0, true},
		{"minSize negative means 1", 4, 4, -3, 4, false},
		{"zero count with no input left", 0, 0, 8, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var e binenc.Encoder
			e.Uvarint(tt.count)
			b := append(e.Bytes(), make([]byte, tt.rest)...)
			d := binenc.NewDecoder(b)
			got := d.Len(tt.minSize)
			if got != tt.want {
				t.Errorf("Len(%d) with count %d and %d bytes left = %d, want %d", tt.minSize, tt.count, tt.rest, got, tt.want)
			}
			if err := d.Err(); (err != nil) != tt.wantErr {
				t.Errorf("Err() = %v, want error: %v", err, tt.wantErr)
			} else if err != nil && !errors.Is(err, binenc.ErrCorrupt) {
				t.Errorf("Err() = %v, want it to wrap ErrCorrupt", err)
			}
			if !tt.wantErr && d.Remaining() != tt.rest {
				t.Errorf("Remaining() = %d, want %d", d.Remaining(), tt.rest)
			}
		})
	}
}

func TestBytesAliasesInput(t *testing.T) {
	var e binenc.Encoder
	e.String("abc")
	e.String("de")
	in := e.Bytes()
	d := binenc.NewDecoder(in)
	b := d.Bytes()
	if string(b) != "abc" || cap(b) != 3 {
		t.Fatalf("Bytes() = %q (cap %d), want \"abc\" (cap 3)", b, cap(b))
	}
	// The capacity is clipped, so appending to the result cannot overwrite the rest of the input.
	_ = append(b, 'X')
	if got := d.String(); got != "de" {
		t.Errorf("second String() = %q after appending to the first, want \"de\"", got)
	}
}

func TestFinishTrailing(t *testing.T) {
	var e binenc.Encoder
	e.Uvarint(1)
	e.Uvarint(2)
	d := binenc.NewDecoder(e.Bytes())
	d.Uvarint()
	err := d.Finish()
	if !errors.Is(err, binenc.ErrCorrupt) {
		t.Errorf("Finish() with a byte left = %v, want ErrCorrupt", err)
	}
}

func TestFail(t *testing.T) {
	d := binenc.NewDecoder([]byte{1, 2})
	d.Uvarint()
	d.Fail("value out of range")
	err := d.Err()
	if !errors.Is(err, binenc.ErrCorrupt) {
		t.Fatalf("Err() after Fail = %v, want ErrCorrupt", err)
	}
	for _, want := range []string{"value out of range", "byte 1"} {
		if !bytes.Contains([]byte(err.Error()), []byte(want)) {
			t.Errorf("Err() = %q, want it to mention %q", err, want)
		}
	}
}

func Example() {
	var e binenc.Encoder
	e.Uvarint(2)
	e.String("red")
	e.String("dress")
	e.Float64(0.25)

	d := binenc.NewDecoder(e.Bytes())
	n := d.Len(1)
	for range n {
		fmt.Println(d.String())
	}
	fmt.Println(d.Float64())
	fmt.Println(d.Finish())

	// A truncated input is reported once, at the end.
	d = binenc.NewDecoder(e.Bytes()[:7])
	d.Len(1)
	_ = d.String()
	_ = d.String()
	fmt.Println(d.Finish())
	// Output:
	// red
	// dress
	// 0.25
	// <nil>
	// corrupt data: count 5 exceeds the remaining input at byte 6
}

// FuzzDecoder interprets the first bytes of the input as a program of reads over the rest. Whatever the
// input, the decoder must not panic, never return more bytes than it holds, and report errors wrapping
// ErrCorrupt.
func FuzzDecoder(f *testing.F) {
	var e binenc.Encoder
	e.Uvarint(300)
	e.Uint32(7)
	e.Uint64(8)
	e.Float64(1.5)
	e.Float32(2.5)
	e.String("dress")
	f.Add([]byte{0, 1, 2, 3, 4, 5, 6}, e.Bytes())
	f.Add([]byte{6, 6, 6}, []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01})
	f.Add([]byte{5}, []byte{3, 'a'})
	f.Add([]byte{}, []byte{})
	f.Fuzz(func(t *testing.T, prog, in []byte) {
		d := binenc.NewDecoder(in)
		for _, op := range prog {
			before := d.Remaining()
			switch op % 8 {
			case 0:
				d.Uvarint()
			case 1:
				d.Uint32()
			case 2:
				d.Uint64()
			case 3:
				if v := d.Float64(); math.IsNaN(v) {
					t.Fatal("Float64 returned NaN")
				}
			case 4:
				if v := d.Float32(); v != v {
					t.Fatal("Float32 returned NaN")
				}
			case 5:
				if b := d.Bytes(); len(b) > before {
					t.Fatalf("Bytes returned %d bytes with %d left", len(b), before)
				}
			case 6:
				n := d.Len(int(op/8) + 1)
				if n < 0 || n*(int(op/8)+1) > d.Remaining() {
					t.Fatalf("Len(%d) = %d with %d bytes left", op/8+1, n, d.Remaining())
				}
			case 7:
				_ = d.String()
			}
			if d.Remaining() > before || d.Remaining() < 0 {
				t.Fatalf("Remaining went from %d to %d", before, d.Remaining())
			}
			if err := d.Err(); err != nil && !errors.Is(err, binenc.ErrCorrupt) {
				t.Fatalf("Err() = %v, does not wrap ErrCorrupt", err)
			}
		}
		if err := d.Finish(); err != nil && !errors.Is(err, binenc.ErrCorrupt) {
			t.Fatalf("Finish() = %v, does not wrap ErrCorrupt", err)
		}
	})
}

func BenchmarkDecoder(b *testing.B) {
	var e binenc.Encoder
	for i := range 100 {
		e.Uvarint(uint64(i * 1000))
		e.Float64(float64(i))
		e.String("dress")
	}
	in := e.Bytes()
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	for b.Loop() {
		d := binenc.NewDecoder(in)
		for range 100 {
			d.Uvarint()
			d.Float64()
			d.Bytes()
		}
		if d.Finish() != nil {
			b.Fatal(d.Err())
		}
	}
}
