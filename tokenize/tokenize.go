// Package tokenize splits a search query into tokens, normalizes them (Unicode NFKC + case folding) and
// keeps the byte span of each token in the original query, so that a corrected query keeps untouched
// tokens, spacing and punctuation as typed.
//
// A query is first split on Unicode whitespace into chunks. A chunk that is a URL or an e-mail address
// becomes a single, non-correctable token. Any other chunk is split into maximal runs of letters, marks,
// digits and inner apostrophes ("women's"); everything else (punctuation, symbols, emoji, hyphens, control
// characters, invalid UTF-8) only separates tokens. Each token carries its normalized Text, used for
// dictionary lookups, and its byte span [Start, End) in the query, used to write corrections back:
//
//	toks := tokenize.Tokenize(nil, query) // "Silver JEWLERY, size 7"
//	edit := tokenize.Edit{Start: toks[1].Start, End: toks[1].End, Text: tokenize.MatchCase("JEWLERY", "jewelry")}
//	fixed, err := tokenize.Rewrite(query, []tokenize.Edit{edit}) // "Silver JEWELRY, size 7"
//
// Tokenize is on the hot path of every query: a token whose span is ASCII never touches the Unicode
// normalization tables, and an already lower-case ASCII token reuses the query's bytes, so tokenizing a
// plain query into a reused slice does not allocate.
package tokenize

import (
	"strconv"
	"unicode"
	"unicode/utf8"
)

// Kind is the class of a token.
type Kind uint8

const (
	// Word is a run of letters (and marks, inner apostrophes); correctable when at least 2 runes.
	Word Kind = iota
	// Number is a token that contains at least one digit (sizes, SKUs, years, "500ml", "iphone12"), or any
	// other rune that is neither a letter, a mark nor an apostrophe after normalization.
	Number
	// URL is a whitespace-delimited chunk that is a URL ("http://", "https://", "www.", or host-like
	// "foo.com/...").
	URL
	// Email is a whitespace-delimited chunk that looks like local@domain.tld.
	Email
)

// String returns the name of the kind ("Word", "Number", "URL", "Email").
func (k Kind) String() string {
	switch k {
	case Word:
		return "Word"
	case Number:
		return "Number"
	case URL:
		return "URL"
	case Email:
		return "Email"
	}
	return "Kind(" + strconv.Itoa(int(k)) + ")"
}

// Token is one token of a query.
type Token struct {
	Text       string // normalized form: NFKC then full Unicode case folding (golang.org/x/text/cases Fold)
	Start, End int    // byte offsets of the token in the original query: query[Start:End] is the token as typed
	Kind       Kind
}

// Correctable reports whether the speller may change the token: a Word of at least two runes.
func (t Token) Correctable() bool {
	if t.Kind != Word {
		return false
	}
	// Count runes, but stop at two: tokens can be long.
	n := 0
	for range t.Text {
		n++
		if n >= 2 {
			return true
		}
	}
	return false
}

// Rune classes, as bits: a rune may be a letter, a mark, a number (Unicode categories L, M, N) or white
// space.
const (
	cLetter uint8 = 1 << iota
	cMark
	cNumber
	cSpace
)

// classTableSize covers Latin, Greek, Cyrillic, Armenian, Hebrew and Arabic, so that most queries never
// reach the binary searches of the unicode package.
const classTableSize = 0x800

var classTable = func() (t [classTableSize]uint8) {
	for r := range rune(classTableSize) {
		t[r] = classOf(r)
	}
	return t
}()

// classOf computes the class bits of r from the unicode tables.
func classOf(r rune) uint8 {
	var c uint8
	switch {
	case unicode.IsLetter(r):
		c = cLetter
	case unicode.IsMark(r):
		c = cMark
	case unicode.IsNumber(r):
		c = cNumber
	}
	if unicode.IsSpace(r) {
		c |= cSpace
	}
	return c
}

// class returns the class bits of r.
func class(r rune) uint8 {
	if uint32(r) < classTableSize {
		return classTable[r]
	}
	return classOf(r)
}

// decode decodes the rune at s[i:end]. Invalid UTF-8 yields (utf8.RuneError, 1).
func decode(s string, i, end int) (rune, int) {
	if c := s[i]; c < utf8.RuneSelf {
		return rune(c), 1
	}
	return utf8.DecodeRuneInString(s[i:end])
}

// isSeparator reports whether the rune separates chunks: whitespace or an invalid byte.
func isSeparator(r rune, size int) bool {
	if r == utf8.RuneError && size == 1 {
		return true
	}
	return class(r)&cSpace != 0
}

// isApostrophe reports whether r is an apostrophe that may join two letters.
func isApostrophe(r rune) bool { return r == '\'' || r == '\u2019' }

// Tokenize appends the tokens of query to dst and returns it. Never panics, on any input (invalid UTF-8 is
// treated as separators; callers reject invalid UTF-8 earlier but the tokenizer must be safe).
func Tokenize(dst []Token, query string) []Token {
	i := 0
	for i < len(query) {
		r, size := decode(query, i, len(query))
		if isSeparator(r, size) {
			i += size
			continue
		}
		cs := i
		mayBeLink := false
		for i < len(query) {
			r, size = decode(query, i, len(query))
			if isSeparator(r, size) {
				break
			}
			switch r {
			case '.', '@', ':':
				mayBeLink = true
			}
			i += size
		}
		if mayBeLink {
			if s, e, kind, ok := classifyChunk(query, cs, i); ok {
				dst = append(dst, Token{Text: Normalize(query[s:e]), Start: s, End: e, Kind: kind})
				continue
			}
		}
		dst = splitChunk(dst, query, cs, i)
	}
	return dst
}

// splitChunk appends the tokens of the chunk query[start:end], which holds no separator.
func splitChunk(dst []Token, query string, start, end int) []Token {
	i := start
	for i < end {
		r, size := decode(query, i, end)
		if class(r)&(cLetter|cMark|cNumber) == 0 {
			i += size
			continue
		}
		ts := i
		ascii := true
		prevLetterish := false // the previous rune is a letter or a mark
		for i < end {
			r, size = decode(query, i, end)
			if c := class(r); c&(cLetter|cMark|cNumber) != 0 {
				if size > 1 {
					ascii = false
				}
				prevLetterish = c&(cLetter|cMark) != 0
				i += size
				continue
			}
			if isApostrophe(r) && prevLetterish && i+size < end {
				if next, _ := decode(query, i+size, end); class(next)&cLetter != 0 {
					if size > 1 {
						ascii = false
					}
					prevLetterish = false // the letter that follows is consumed next
					i += size
					continue
				}
			}
			break
		}
		var tok Token
		if ascii {
			tok = asciiToken(query, ts, i)
		} else {
			tok = unicodeToken(query, ts, i)
		}
		if tok.Text != "" {
			dst = append(dst, tok)
		}
	}
	return dst
}

// asciiToken builds the token for an all-ASCII span of letters, digits and inner apostrophes without
// going through the normalization tables: NFKC is the identity on ASCII and case folding is lowering.
func asciiToken(query string, start, end int) Token {
	span := query[start:end]
	kind := Word
	upper := false
	for j := 0; j < len(span); j++ {
		c := span[j]
		if c >= '0' && c <= '9' {
			kind = Number
		} else if c >= 'A' && c <= 'Z' {
			upper = true
		}
	}
	text := span
	if upper {
		text = lowerASCII(span)
	}
	return Token{Text: text, Start: start, End: end, Kind: kind}
}

// unicodeToken builds the token for a span that holds non-ASCII runes.
func unicodeToken(query string, start, end int) Token {
	text := Normalize(query[start:end])
	kind := Word
	hasLetter := false
	for _, r := range text {
		switch c := class(r); {
		case c&cLetter != 0:
			hasLetter = true
		case r == '\'' || c&cMark != 0:
		default:
			kind = Number
		}
	}
	if !hasLetter {
		kind = Number
	}
	return Token{Text: text, Start: start, End: end, Kind: kind}
}
