package model

import (
	"fmt"
	"slices"

	"github.com/spellwright/speller/internal/binenc"
	"github.com/spellwright/speller/internal/hashmix"
)

// Feedback is what shoppers answered to the corrections they were shown, learned from the spell_* columns of
// a search log (package querylog): per correction, how often it was offered ("Did you mean X?") and taken,
// and how often it was applied automatically and refused ("Search instead for Y"). A correction is keyed by
// the normalized query and the normalized correction (FeedbackKey), at the level of the whole query
// (LevelQuery) and of each changed span of tokens (LevelToken). It is immutable and safe for concurrent use;
// Lookup is a binary search over a sorted slice of hashes and does not allocate. The nil *Feedback is the
// empty table.
type Feedback struct {
	keys   []uint64 // sorted, distinct
	counts []FeedbackCount
}

// FeedbackCount counts the answers to one correction.
type FeedbackCount struct {
	DidYouMean  uint32 // times offered as "Did you mean"
	Accepted    uint32 // of those, times the shopper clicked it
	AutoCorrect uint32 // times applied automatically
	Rejected    uint32 // of those, times the shopper clicked "Search instead"
}

// Add adds o to c, saturating.
func (c *FeedbackCount) Add(o FeedbackCount) {
	sat := func(a, b uint32) uint32 {
		if s := a + b; s >= a {
			return s
		}
		return ^uint32(0)
	}
	c.DidYouMean, c.Accepted = sat(c.DidYouMean, o.DidYouMean), sat(c.Accepted, o.Accepted)
	c.AutoCorrect, c.Rejected = sat(c.AutoCorrect, o.AutoCorrect), sat(c.Rejected, o.Rejected)
}

// FeedbackSupport is the fewest impressions of a kind (offers, or automatic corrections) whose answers count:
// thinner feedback changes no decision, and the trainer keeps no entry with less of both kinds.
const FeedbackSupport = 3

// Levels of a feedback key.
const (
	LevelQuery byte = 'q' // the whole query and the whole correction
	LevelToken byte = 't' // a changed span of typed tokens and the words that replace it
)

// FeedbackHash computes a FeedbackKey piece by piece, without allocating:
//
//	k := model.NewFeedbackHash(model.LevelQuery).String("jewlery").Sep().String("jewelry").Sum()
//
// equals FeedbackKey(LevelQuery, "jewlery", "jewelry"). Pieces are concatenated: String("a b") and
// String("a").String(" ").String("b") give the same key.
type FeedbackHash uint64

// NewFeedbackHash starts a key of the given level.
func NewFeedbackHash(level byte) FeedbackHash {
	return FeedbackHash(14695981039346656037).Byte(level)
}

// Byte adds one byte.
func (h FeedbackHash) Byte(b byte) FeedbackHash {
	return (h ^ FeedbackHash(b)) * 1099511628211
}

// String adds the bytes of s.
func (h FeedbackHash) String(s string) FeedbackHash {
	for i := 0; i < len(s); i++ {
		h = (h ^ FeedbackHash(s[i])) * 1099511628211
	}
	return h
}

// Sep ends the typed side of the key.
func (h FeedbackHash) Sep() FeedbackHash { return h.Byte(0) }

// Sum returns the key: 40 bits of the hash, so that the table stays small (about 5 bytes a key, delta-encoded).
// Two corrections of a table of n entries share a key with probability about n/2⁴⁰ (one in 60 million
// lookups for 20,000 entries), which can at worst apply the feedback of another correction.
func (h FeedbackHash) Sum() uint64 { return hashmix.Mix(uint64(h)) >> 24 }

// FeedbackKey is the key of the correction of typed into correction at a level. Both are normalized as the
// tokenizer normalizes tokens, joined by single spaces.
func FeedbackKey(level byte, typed, correction string) uint64 {
	return NewFeedbackHash(level).String(typed).Sep().String(correction).Sum()
}

// NewFeedback builds a table from counts by key.
func NewFeedback(m map[uint64]FeedbackCount) *Feedback {
	if len(m) == 0 {
		return nil
	}
	f := &Feedback{keys: make([]uint64, 0, len(m)), counts: make([]FeedbackCount, 0, len(m))}
	for k := range m {
		f.keys = append(f.keys, k)
	}
	slices.Sort(f.keys)
	for _, k := range f.keys {
		f.counts = append(f.counts, m[k])
	}
	return f
}

// Len returns the number of corrections in the table.
func (f *Feedback) Len() int {
	if f == nil {
		return 0
	}
	return len(f.keys)
}

// Lookup returns the counts of a key (FeedbackKey), and whether the table has it.
func (f *Feedback) Lookup(key uint64) (FeedbackCount, bool) {
	if f == nil {
		return FeedbackCount{}, false
	}
	if i, ok := slices.BinarySearch(f.keys, key); ok {
		return f.counts[i], true
	}
	return FeedbackCount{}, false
}

// MarshalBinary encodes the table: a uvarint count, then per entry the key as a uvarint difference from the
// previous (the first from 0) and the four counts as uvarints.
func (f *Feedback) MarshalBinary() ([]byte, error) {
	var e binenc.Encoder
	e.Uvarint(uint64(f.Len()))
	var prev uint64
	for i := range f.Len() {
		e.Uvarint(f.keys[i] - prev)
		prev = f.keys[i]
		c := f.counts[i]
		e.Uvarint(uint64(c.DidYouMean))
		e.Uvarint(uint64(c.Accepted))
		e.Uvarint(uint64(c.AutoCorrect))
		e.Uvarint(uint64(c.Rejected))
	}
	return e.Bytes(), nil
}

// decodeFeedback decodes a table written by MarshalBinary. Keys must increase; a count must fit 32 bits, and
// acceptances and rejections may not outnumber the impressions they answer.
func decodeFeedback(b []byte) (*Feedback, error) {
	d := binenc.NewDecoder(b)
	n := d.Len(5)
	if n == 0 {
		if err := d.Finish(); err != nil {
			return nil, fmt.Errorf("model: feedback: %w", err)
		}
		return nil, nil
	}
	f := &Feedback{keys: make([]uint64, 0, n), counts: make([]FeedbackCount, 0, n)}
	var prev uint64
	for i := 0; i < n && d.Err() == nil; i++ {
		delta := d.Uvarint()
		var c [4]uint64
		for j := range c {
			c[j] = d.Uvarint()
		}
		if d.Err() != nil {
			break
		}
		key := prev + delta
		if (i > 0 && delta == 0) || key < prev {
			return nil, fmt.Errorf("model: feedback: %w: entry %d out of order", ErrCorrupt, i)
		}
		if max(c[0], c[1], c[2], c[3]) > 1<<32-1 || c[1] > c[0] || c[3] > c[2] {
			return nil, fmt.Errorf("model: feedback: %w: entry %d counts %v", ErrCorrupt, i, c)
		}
		prev = key
		f.keys = append(f.keys, key)
		f.counts = append(f.counts, FeedbackCount{uint32(c[0]), uint32(c[1]), uint32(c[2]), uint32(c[3])})
	}
	if err := d.Finish(); err != nil {
		return nil, fmt.Errorf("model: feedback: %w", err)
	}
	return f, nil
}
