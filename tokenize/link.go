package tokenize

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// classifyChunk decides whether the chunk query[cs:ce] (no whitespace, valid UTF-8) is a URL or an e-mail
// address once surrounding punctuation is stripped. It returns the span of the link without that
// punctuation.
func classifyChunk(query string, cs, ce int) (s, e int, kind Kind, ok bool) {
	s, e = trimPunct(query, cs, ce)
	if s >= e {
		return 0, 0, 0, false
	}
	c := query[s:e]
	if isURL(c) {
		return s, e, URL, true
	}
	if isEmail(c) {
		return s, e, Email, true
	}
	return 0, 0, 0, false
}

// trimPunct strips leading opening quotes/brackets and trailing sentence punctuation, closing quotes and
// unbalanced closing brackets from query[s:e].
func trimPunct(query string, s, e int) (int, int) {
	for s < e {
		r, size := utf8.DecodeRuneInString(query[s:e])
		if !strings.ContainsRune("([{<\"'“‘«¿¡", r) {
			break
		}
		s += size
	}
	for s < e {
		r, size := utf8.DecodeLastRuneInString(query[s:e])
		if strings.ContainsRune(".,;:!?\"'”’»…", r) {
			e -= size
			continue
		}
		if open := opener(r); open != 0 && strings.Count(query[s:e], string(open)) < strings.Count(query[s:e], string(r)) {
			e -= size
			continue
		}
		break
	}
	return s, e
}

// opener returns the opening bracket matching the closing bracket r, or 0.
func opener(r rune) rune {
	switch r {
	case ')':
		return '('
	case ']':
		return '['
	case '}':
		return '{'
	case '>':
		return '<'
	}
	return 0
}

// hasPrefixFold reports whether s starts with the lower-case ASCII prefix p, ignoring ASCII case.
func hasPrefixFold(s, p string) bool {
	if len(s) < len(p) {
		return false
	}
	for i := 0; i < len(p); i++ {
		c := s[i]
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != p[i] {
			return false
		}
	}
	return true
}

// isURL reports whether c is a URL: scheme://..., www.host..., or a host name followed by a path, query,
// fragment or port, or a bare host name with a common top-level domain ("example.com").
func isURL(c string) bool {
	if i := strings.Index(c, "://"); i > 0 && isScheme(c[:i]) {
		return len(c) > i+len("://")
	}
	if hasPrefixFold(c, "www.") {
		return len(c) > len("www.")
	}
	host := hostPart(c)
	if !isHost(host) {
		return false
	}
	if len(host) < len(c) {
		return true // followed by "/", "?", "#" or ":port"
	}
	return commonTLD[strings.ToLower(c[strings.LastIndexByte(c, '.')+1:])]
}

// hostPart returns the prefix of c before any path, query, fragment or port.
func hostPart(c string) string {
	if i := strings.IndexAny(c, "/?#:"); i >= 0 {
		return c[:i]
	}
	return c
}

// isScheme reports whether s is a URL scheme: a letter followed by letters, digits, '+', '-' or '.'.
func isScheme(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i] | 0x20
		switch {
		case c >= 'a' && c <= 'z':
		case i > 0 && (s[i] >= '0' && s[i] <= '9' || s[i] == '+' || s[i] == '-' || s[i] == '.'):
		default:
			return false
		}
	}
	return len(s) > 0
}

// isHost reports whether h is a dotted host name of at least two labels of letters, digits and hyphens,
// whose last label (the top-level domain) is at least two letters.
func isHost(h string) bool {
	labels := 0
	for {
		dot := strings.IndexByte(h, '.')
		label := h
		if dot >= 0 {
			label = h[:dot]
		}
		if label == "" {
			return false
		}
		labels++
		if dot < 0 {
			return labels >= 2 && isTLD(label)
		}
		for _, r := range label {
			if !(r == '-' || unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r)) {
				return false
			}
		}
		h = h[dot+1:]
	}
}

// isTLD reports whether s is a plausible top-level domain: at least two letters.
func isTLD(s string) bool {
	n := 0
	for _, r := range s {
		if !unicode.IsLetter(r) && !unicode.IsMark(r) {
			return false
		}
		n++
	}
	return n >= 2
}

// commonTLD lists the top-level domains that make a bare "name.tld" (no path) a URL. Others ("node.js",
// "st.louis") stay words so the speller can still look at them.
var commonTLD = map[string]bool{
	"com": true, "net": true, "org": true, "edu": true, "gov": true, "io": true, "uk": true, "de": true,
	"fr": true, "nl": true, "ca": true, "au": true, "jp": true, "cn": true, "ru": true, "br": true,
	"info": true, "biz": true, "app": true, "dev": true, "ai": true, "tv": true, "shop": true,
}

// isEmail reports whether c looks like local@domain.tld.
func isEmail(c string) bool {
	at := strings.IndexByte(c, '@')
	if at <= 0 || strings.IndexByte(c[at+1:], '@') >= 0 {
		return false
	}
	local := c[:at]
	if local[0] == '.' || local[len(local)-1] == '.' {
		return false
	}
	for _, r := range local {
		if !(unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r) || strings.ContainsRune(".!#$%&'*+-/=?^_`{|}~", r)) {
			return false
		}
	}
	return isHost(c[at+1:])
}
