package model

import (
	"bytes"
	"compress/gzip"
	"io"

	"github.com/spellwright/speller/internal/binenc"
)

// Wrap frames raw section bytes as a file, so fuzzing reaches the section decoders past the checksum.
func Wrap(raw []byte) []byte {
	b, err := frame(raw)
	if err != nil {
		panic(err)
	}
	return b
}

// DecodeTerms exposes decodeTerms to the tests.
var DecodeTerms = decodeTerms

// DecodeFeedback exposes decodeFeedback to the tests.
var DecodeFeedback = decodeFeedback

// Rewrite returns the file of b with the bytes of its section name replaced by data (checksum and all
// valid), so that a test reaches the decoder of one section with bytes WriteTo would not write.
func Rewrite(b *Bundle, name string, data []byte) []byte {
	var file bytes.Buffer
	if _, err := b.WriteTo(&file); err != nil {
		panic(err)
	}
	zr, err := gzip.NewReader(bytes.NewReader(file.Bytes()[20 : file.Len()-4]))
	if err != nil {
		panic(err)
	}
	raw, err := io.ReadAll(zr)
	if err != nil {
		panic(err)
	}
	d := binenc.NewDecoder(raw)
	var e binenc.Encoder
	n := d.Len(2)
	e.Uvarint(uint64(n))
	for range n {
		s, v := d.String(), d.Bytes()
		if s == name {
			v = data
		}
		e.String(s)
		e.String(string(v))
	}
	if err := d.Finish(); err != nil {
		panic(err)
	}
	return Wrap(e.Bytes())
}
