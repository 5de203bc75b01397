package candidates

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"slices"

	"github.com/spellwright/speller/internal/editdist"
)

// Phonetic finds the vocabulary words that sound like a token: those with the same phonetic key (see Key),
// whatever their edit distance. Poor spellers write what they hear ("nesessery" for "necessary",
// "imidietly" for "immediately"), often three and more edits from the word but with its consonants. It is
// immutable and safe for concurrent use.
//
// The keys of all words are kept in one byte array, the word ids sorted by key (about 1.1 MB for 82k English
// words, built in ≈ 25 ms with a handful of allocations); a lookup is one key computation and a binary
// search, plus an OSA distance per word returned (≈ 2 µs).
type Phonetic struct {
	v     Vocabulary
	keys  []byte   // the keys of all words, by id
	start []uint32 // the key of word id is keys[start[id]:start[id+1]]
	ids   []uint32 // the ids of the words with a key, sorted by key
}

// NewPhonetic indexes the words of v by phonetic key. v must not change afterwards.
func NewPhonetic(v Vocabulary) *Phonetic {
	n := v.Len()
	p := &Phonetic{v: v, start: make([]uint32, n+1), ids: make([]uint32, 0, n)}
	for id := range n {
		before := len(p.keys)
		p.keys = AppendKey(p.keys, v.Word(uint32(id)))
		if len(p.keys) > before {
			p.ids = append(p.ids, uint32(id))
		}
		p.start[id+1] = uint32(len(p.keys))
	}
	// Sort by the first eight bytes of the key (most keys are shorter), then by the whole key.
	head := make([]uint64, n)
	for _, id := range p.ids {
		var b [8]byte
		copy(b[:], p.key(id))
		head[id] = binary.BigEndian.Uint64(b[:])
	}
	slices.SortFunc(p.ids, func(a, b uint32) int {
		if c := cmp.Compare(head[a], head[b]); c != 0 {
			return c
		}
		if c := bytes.Compare(p.key(a), p.key(b)); c != 0 {
			return c
		}
		return cmp.Compare(a, b)
	})
	return p
}

func (p *Phonetic) key(id uint32) []byte { return p.keys[p.start[id]:p.start[id+1]] }

// Lookup appends to dst the words with the phonetic key of token and returns dst; Match.Distance is their OSA
// distance to the token, capped at maxDist+1 (a word further away is reported at maxDist+1). A token without
// a key (not ASCII letters) returns dst unchanged.
func (p *Phonetic) Lookup(dst []Match, token string, maxDist int) []Match {
	var kb [64]byte
	k := AppendKey(kb[:0], token)
	if len(k) == 0 {
		return dst
	}
	i, _ := slices.BinarySearchFunc(p.ids, k, func(id uint32, k []byte) int { return bytes.Compare(p.key(id), k) })
	var q []rune
	var s editdist.Scratch
	for ; i < len(p.ids) && bytes.Equal(p.key(p.ids[i]), k); i++ {
		if q == nil {
			q = []rune(token)
		}
		id := p.ids[i]
		w := p.v.Word(id)
		dst = append(dst, Match{Word: w, ID: id, Count: p.v.Count(id), Distance: editdist.OSA(q, []rune(w), maxDist, &s)})
	}
	return dst
}

// Key returns the phonetic key of an English word: a consonant skeleton in the manner of Metaphone. Letters
// that spell the same sound map to one code (c/k/q/ck → k, c before e, i, y → s, ph → f, sh, ch, ti and si
// before a vowel → x, th → 0, x → ks, z → s, dg → j), silent letters go (initial k, g, p, w before n or r,
// gh, h and w not before a vowel), vowels go except a leading one (kept as "a"), and repeated codes collapse
// ("necessary" and "nesessery" both give "nsr"). It returns "" for a word with a character that is not an ASCII
// letter or an apostrophe.
func Key(word string) string { return string(AppendKey(nil, word)) }

// AppendKey appends the phonetic key of word (see Key) to dst and returns it; dst unchanged when word has
// no key. It allocates nothing for words of up to 64 bytes beyond growing dst.
func AppendKey(dst []byte, word string) []byte {
	var wb [64]byte
	w := wb[:0]
	for i := 0; i < len(word); i++ {
		c := word[i]
		switch {
		case c >= 'a' && c <= 'z':
			w = append(w, c)
		case c >= 'A' && c <= 'Z':
			w = append(w, c+'a'-'A')
		case c == '\'':
		default:
			return dst
		}
	}
	if len(w) == 0 {
		return dst
	}
	if len(w) >= 2 { // silent first letters
		switch string(w[:2]) {
		case "kn", "gn", "pn", "wr", "ps":
			w = w[1:]
		case "wh":
			w = append(w[:1], w[2:]...)
		}
	}
	if w[0] == 'x' {
		w[0] = 's'
	}
	isVowel := func(c byte) bool { return c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u' || c == 'y' }
	at := func(i int) byte {
		if i < len(w) {
			return w[i]
		}
		return 0
	}
	last := byte(0)
	emit := func(c byte) {
		if c != last {
			dst = append(dst, c)
		}
		last = c
	}
	for i := 0; i < len(w); i++ {
		c, next := w[i], at(i+1)
		switch {
		case isVowel(c):
			if i == 0 {
				emit('a')
			}
		case c == 'c' && next == 'k', c == 'q':
			emit('k')
			if c == 'c' {
				i++
			}
		case c == 'c' && next == 'h', c == 's' && next == 'h':
			emit('x')
			i++
		case c == 'c' && (next == 'e' || next == 'i' || next == 'y'):
			emit('s')
		case c == 'c':
			emit('k')
		case c == 'p' && next == 'h':
			emit('f')
			i++
		case c == 't' && next == 'h':
			emit('0')
			i++
		case (c == 't' || c == 's') && next == 'i' && isVowel(at(i+2)):
			emit('x')
		case c == 'd' && next == 'g':
			emit('j')
			i++
		case c == 'g' && next == 'h':
			i++ // silent, or f: either way no stable sound
		case c == 'h', c == 'w':
			if isVowel(next) && (i == 0 || !isVowel(w[i-1])) {
				emit(c)
			}
		case c == 'x':
			emit('k')
			emit('s')
		case c == 'z':
			emit('s')
		default:
			emit(c)
		}
	}
	return dst
}
