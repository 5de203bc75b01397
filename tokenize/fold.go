package tokenize

import (
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// Variants appends to dst the spellings under which a word token may be listed in a vocabulary that has
// neither apostrophes nor diacritics, in order of preference: without a possessive "'s" ("ford's" →
// "ford"), without any apostrophe ("o'neill" → "oneill"), without diacritics ("café" → "cafe"). text is a
// token's normalized Text. A plain ASCII word has none, and costs no allocation. A corrector treats the
// token as the first variant its vocabulary knows, and keeps it as typed: such a token is not misspelled.
func Variants(dst []string, text string) []string {
	plain := true
	for i := 0; i < len(text); i++ {
		if c := text[i]; c >= 0x80 || c == '\'' {
			plain = false
			break
		}
	}
	if plain {
		return dst
	}
	add := func(v string) {
		if v != "" && v != text {
			for _, d := range dst {
				if d == v {
					return
				}
			}
			dst = append(dst, v)
		}
	}
	for _, base := range []string{text, stripMarks(text)} {
		if b, suffix := Possessive(base); suffix != "" {
			add(b)
			add(noApostrophes(b)) // "o'neill's" → "oneill"
		}
		add(noApostrophes(base))
		add(base)
	}
	return dst
}

// noApostrophes returns s without its apostrophes.
func noApostrophes(s string) string {
	return strings.Map(func(r rune) rune {
		if isApostrophe(r) {
			return -1
		}
		return r
	}, s)
}

// Possessive splits a word token's normalized Text into its word and a possessive ending ("'s" or "’s"):
// ("frod", "'s") for "frod's"; (text, "") when there is none or nothing before it.
func Possessive(text string) (word, suffix string) {
	for _, suffix := range []string{"'s", "\u2019s"} {
		if w, ok := strings.CutSuffix(text, suffix); ok && w != "" {
			return w, suffix
		}
	}
	return text, ""
}

// stripMarks returns s without its combining marks, after canonical decomposition ("café" → "cafe").
func stripMarks(s string) string {
	d := norm.NFD.String(s)
	return strings.Map(func(r rune) rune {
		if unicode.Is(unicode.Mn, r) {
			return -1
		}
		return r
	}, d)
}
