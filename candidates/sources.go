package candidates

import "slices"

// Sources composes the candidate sources of a corrector behind one call per kind of search: an Index for the
// words within a distance of a token; and, for a token nothing that close explains, the words one edit further
// that the index finds when it can search there (Wide) and the words that sound like the token (Phonetic),
// whatever their distance. It is immutable and safe for concurrent use when its parts are.
type Sources struct {
	Index    Index
	Phonetic *Phonetic // nil: no search by sound
}

// MaxSoundsLikeDistance caps the distance Sources.Wide computes for the words that sound like a token.
const MaxSoundsLikeDistance = 8

// Near appends to dst every word within OSA distance dist of token (the Index's Lookup) and returns dst.
func (s Sources) Near(dst []Match, token string, dist int) []Match {
	return s.Index.Lookup(dst, token, dist)
}

// Wide appends to dst the words within dist of token and some one edit further (Wide.LookupWide at dist+1;
// an Index that cannot search there gives those within dist), then the words that sound like token further
// than dist and not already there, and returns dst. Each word comes once, but for matches without an ID
// (NoID: not from a Vocabulary), which the search by sound cannot tell apart.
func (s Sources) Wide(dst []Match, token string, dist int) []Match {
	n := len(dst)
	if w, ok := s.Index.(Wide); ok {
		dst = w.LookupWide(dst, token, dist+1)
	} else {
		dst = s.Index.Lookup(dst, token, dist)
	}
	m := len(dst)
	return s.SoundsLike(dst, token, dist, func(id uint32) bool {
		return slices.ContainsFunc(dst[n:m], func(o Match) bool { return o.ID == id })
	})
}

// SoundsLike appends to dst the words that sound like token further than dist and not found already (found
// reports those by ID), with their distance (capped, see MaxSoundsLikeDistance), and returns dst: Wide's
// second part, for a caller that searched one edit further itself. Nothing without a Phonetic index.
func (s Sources) SoundsLike(dst []Match, token string, dist int, found func(id uint32) bool) []Match {
	if s.Phonetic == nil {
		return dst
	}
	m := len(dst)
	dst = s.Phonetic.Lookup(dst, token, MaxSoundsLikeDistance)
	added := slices.DeleteFunc(dst[m:], func(x Match) bool { return x.Distance <= dist || found(x.ID) })
	return dst[:m+len(added)]
}
