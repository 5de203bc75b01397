// Package alphabet maps characters to small dense classes, for tables indexed by character: the most
// frequent characters of some text each get a class of their own, every other character shares one. The
// error model and the character model index their tables with it.
//
//	c := alphabet.New(freq, 2, 64, 1) // classes 0 and 1 are the caller's; 1 for every other character
//	table[c.Of('e')]
package alphabet

import (
	"cmp"
	"slices"
)

// Classes maps characters to classes. It is immutable once built (but for Set) and safe for concurrent
// reads. Of costs an array load for ASCII and a map look-up otherwise.
type Classes struct {
	ascii [128]uint8
	of    map[rune]uint8 // non-ASCII characters with a class of their own
	n     int
	other uint8
}

// New gives a class of its own to each of the most frequent characters of freq, most frequent first (ties
// by character), numbered from first until there are max classes in all; every other character maps to
// other. Classes below first are the caller's: Set maps characters to them. max is at most 256.
func New(freq map[rune]float64, first, max int, other uint8) *Classes {
	rs := make([]rune, 0, len(freq))
	for r := range freq {
		rs = append(rs, r)
	}
	slices.SortFunc(rs, func(a, b rune) int { return cmp.Or(cmp.Compare(freq[b], freq[a]), cmp.Compare(a, b)) })
	c := &Classes{of: make(map[rune]uint8), n: first, other: other}
	for i := range c.ascii {
		c.ascii[i] = other
	}
	for _, r := range rs {
		if c.n == max {
			break
		}
		c.put(r, uint8(c.n))
		c.n++
	}
	return c
}

func (c *Classes) put(r rune, class uint8) {
	if r >= 0 && r < 128 {
		c.ascii[r] = class
	} else {
		c.of[r] = class
	}
}

// Set maps r to class, one of the caller's (below New's first). Call it before the Classes are shared.
func (c *Classes) Set(r rune, class uint8) { c.put(r, class) }

// Of returns the class of r.
func (c *Classes) Of(r rune) uint8 {
	if r >= 0 && r < 128 {
		return c.ascii[r]
	}
	if k, ok := c.of[r]; ok {
		return k
	}
	return c.other
}

// Len returns the number of classes, the caller's included.
func (c *Classes) Len() int { return c.n }

// Each calls fn with every character that has a class other than other, and its class.
func (c *Classes) Each(fn func(r rune, class uint8)) {
	for r, k := range c.ascii {
		if k != c.other {
			fn(rune(r), k)
		}
	}
	for r, k := range c.of {
		fn(r, k)
	}
}
