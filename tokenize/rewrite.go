package tokenize

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Edit replaces query[Start:End] with Text.
type Edit struct {
	Start, End int
	Text       string
}

// Rewrite applies edits (sorted by Start, non-overlapping; returns an error otherwise or if a span is out of
// range) to query and returns the new string; everything outside the edits is kept byte for byte.
// An edit with Start == End inserts Text. With no edits, query itself is returned.
func Rewrite(query string, edits []Edit) (string, error) {
	if len(edits) == 0 {
		return query, nil
	}
	n := len(query)
	prev := 0
	for i, e := range edits {
		if e.Start < 0 || e.End < e.Start || e.End > len(query) {
			return "", fmt.Errorf("tokenize: edit %d span [%d:%d] out of range for query of %d bytes", i, e.Start, e.End, len(query))
		}
		if e.Start < prev {
			return "", fmt.Errorf("tokenize: edit %d span [%d:%d] overlaps or precedes the previous edit ending at %d", i, e.Start, e.End, prev)
		}
		n += len(e.Text) - (e.End - e.Start)
		prev = e.End
	}
	var b strings.Builder
	b.Grow(n)
	prev = 0
	for _, e := range edits {
		b.WriteString(query[prev:e.Start])
		b.WriteString(e.Text)
		prev = e.End
	}
	b.WriteString(query[prev:])
	return b.String(), nil
}

// MatchCase returns replacement with the case pattern of typed: all upper ("JEWLERY" -> "JEWELRY") when typed
// has at least two letters and all are upper, title ("Jewlery" -> "Jewelry") when only the first letter is upper,
// else replacement unchanged (replacements are lower-case already). Multi-word replacements ("flower girl")
// title-case only the first word. Letters without case (CJK, for instance) are ignored when reading typed.
func MatchCase(typed, replacement string) string {
	letters, upper := 0, 0
	firstUpper := false
	for _, r := range typed {
		isUp := unicode.IsUpper(r) || unicode.IsTitle(r)
		if !isUp && !unicode.IsLower(r) {
			continue // not a cased letter
		}
		letters++
		if isUp {
			upper++
			if letters == 1 {
				firstUpper = true
			}
		}
	}
	switch {
	case letters >= 2 && upper == letters:
		return strings.ToUpper(replacement)
	case firstUpper && upper == 1:
		return titleFirst(replacement)
	}
	return replacement
}

// titleFirst title-cases the first letter of s.
func titleFirst(s string) string {
	for i, r := range s {
		if !unicode.IsLetter(r) {
			continue
		}
		t := unicode.ToTitle(r)
		if t == r {
			return s
		}
		return s[:i] + string(t) + s[i+utf8.RuneLen(r):]
	}
	return s
}
