package tokenize

import (
	"strings"
	"sync"
	"unicode/utf8"

	"golang.org/x/text/cases"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"
)

// scratch holds the per-call state of the slow normalization path. A cases.Caser may be stateful and must
// not be shared between goroutines, so each scratch owns one; the buffers are reused between calls. The
// caser is kept as an interface value so that passing it to transform.Append does not box it each time.
type scratch struct {
	fold transform.SpanningTransformer
	iter norm.Iter // holds the NFKC reorder buffer, which would escape to the heap in norm.Form.AppendString
	nfkc []byte
	out  []byte
}

// maxScratch caps the buffers kept in the pool, so that one huge input does not pin memory.
const maxScratch = 4 << 10

var scratchPool = sync.Pool{New: func() any {
	return &scratch{
		fold: cases.Fold(),
		nfkc: make([]byte, 0, 128),
		out:  make([]byte, 0, 128),
	}
}}

// Normalize returns NFKC + case-folded s (the same normalization Tokenize applies to each token), used by the
// trainer for vocabulary words. The typographic apostrophe ’ (U+2019) becomes ' so that "women’s" and
// "women's" are the same word. If s is already normalized, s itself is returned without allocating.
func Normalize(s string) string {
	// ASCII fast path: NFKC is the identity and full case folding maps only A-Z.
	upper := false
	for j := 0; j < len(s); j++ {
		c := s[j]
		if c >= utf8.RuneSelf {
			return normalizeUnicode(s)
		}
		if c >= 'A' && c <= 'Z' {
			upper = true
		}
	}
	if !upper {
		return s
	}
	return lowerASCII(s)
}

// lowerASCII returns the ASCII string s with A-Z lowered, in one allocation.
func lowerASCII(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for j := 0; j < len(s); j++ {
		c := s[j]
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		b.WriteByte(c)
	}
	return b.String()
}

// normalizeUnicode is the general path of Normalize: NFKC, ’ to ', then full case folding, through pooled
// buffers so that the only allocation is the result (none when s is already normalized).
func normalizeUnicode(s string) string {
	sc := scratchPool.Get().(*scratch)
	defer func() {
		if cap(sc.nfkc) <= maxScratch && cap(sc.out) <= maxScratch {
			scratchPool.Put(sc)
		}
	}()

	a := sc.nfkc[:0]
	if norm.NFKC.QuickSpanString(s) == len(s) {
		a = append(a, s...)
	} else {
		sc.iter.InitString(norm.NFKC, s)
		for !sc.iter.Done() {
			a = append(a, sc.iter.Next()...)
		}
	}
	a = replaceApostrophes(a)
	sc.nfkc = a

	res := a
	if n, err := sc.fold.Span(a, true); n != len(a) || err != nil {
		out, _, _ := transform.Append(sc.fold, sc.out[:0], a)
		sc.out = out
		res = out
	}
	if string(res) == s { // no allocation: the comparison does not keep the conversion
		return s
	}
	return string(res)
}

// replaceApostrophes rewrites every U+2019 in b as ' in place and returns the shortened slice.
func replaceApostrophes(b []byte) []byte {
	const q0, q1, q2 = 0xE2, 0x80, 0x99 // UTF-8 of U+2019
	w := 0
	for r := 0; r < len(b); {
		if b[r] == q0 && r+2 < len(b) && b[r+1] == q1 && b[r+2] == q2 {
			b[w] = '\''
			w++
			r += 3
			continue
		}
		b[w] = b[r]
		w++
		r++
	}
	return b[:w]
}
