package server

import (
	"unsafe"

	spellerv1 "github.com/spellwright/speller/proto/speller/v1"
)

// entryOverhead is the memory of a response cache entry besides its key's bytes and its response: the
// cache's entry (key, answer, cost, links) and its share of the shard's map (key and pointer slots, at the
// map's usual load).
const entryOverhead = int64(unsafe.Sizeof(struct {
	key        cacheKey
	val        answer
	cost       int64
	prev, next uintptr
}{})) + int64(unsafe.Sizeof(cacheKey{})+unsafe.Sizeof(uintptr(0)))*3/2

// Sizes of the structs of a response, for entryBytes.
var (
	responseSize    = int64(unsafe.Sizeof(spellerv1.CorrectResponse{}))
	tokenSize       = int64(unsafe.Sizeof(spellerv1.TokenCorrection{}))
	alternativeSize = int64(unsafe.Sizeof(spellerv1.Alternative{}))
	pointerSize     = int64(unsafe.Sizeof(uintptr(0)))
)

// entryBytes estimates the memory a response cache entry holds: the entry, the query, and the response as Go
// holds it in memory (its structs, slices and strings; several times its encoded size, proto.Size). The
// model version is the model's own string, shared by every response, and is not counted. It is what the
// cache's byte budget (Options.CacheBytes) bounds; BenchmarkCacheEntryBytes compares it with the heap.
func entryBytes(k cacheKey, a answer) int64 {
	r := a.resp
	n := entryOverhead + int64(len(k.query)) + responseSize + int64(len(r.Correction))
	n += int64(cap(r.Tokens)) * pointerSize
	for _, t := range r.Tokens {
		n += tokenSize + int64(len(t.Typed)+len(t.Chosen))
	}
	n += int64(cap(r.Alternatives)) * pointerSize
	for _, alt := range r.Alternatives {
		n += alternativeSize + int64(len(alt.Text))
	}
	return n
}
