package spell

// Ranking candidates: by P(w)·P(t|w)^λ, consulting the error model only while an upper bound can still win.

import (
	"cmp"
	"math"
	"slices"

	"github.com/spellwright/speller/candidates"
	"github.com/spellwright/speller/errormodel"
	"github.com/spellwright/speller/langmodel"
)

// bound is a candidate with an upper bound of its rank, computed without the error model.
type bound struct {
	w  word
	ub float64
}

// ranked is a candidate with its emission and rank log P(w) + λ·log P(t|w).
type ranked struct {
	w     word
	em, r float64
}

// rank returns the k best matches of token by log P(w) + λ·log P(t|w) above floor, best first, appended to
// dst[:0], leaving out the token itself and never-suggest words; bounds is scratch. The error model is
// consulted in order of an upper bound of the rank, log P(w) − λ·d·MinCost (no alignment of d edits costs
// less), and not at all once the bound cannot beat the candidates kept: for short tokens with hundreds of
// matches this skips almost every alignment.
func (c *Corrector) rank(dst []ranked, bounds *[]bound, matches []candidates.Match, token string, floor float64,
	k int, tm *terms) []ranked {
	lm := c.b.LM
	bs := (*bounds)[:0]
	for _, m := range matches {
		if m.Word == token {
			continue
		}
		id := m.ID
		if id == candidates.NoID {
			id, _ = lm.ID(m.Word)
		}
		if id == langmodel.Unknown || tm.isNever(id) {
			continue // a word the language model cannot score, or one never to suggest
		}
		ub := c.upper(lm.LogUnigram(id), m.Distance)
		if ub <= floor {
			continue
		}
		bs = append(bs, bound{w: word{m.Word, id}, ub: ub})
	}
	*bounds = bs
	return c.pick(dst, bs, token, floor, k)
}

// rankNeighbours is rank of the words one edit from the vocabulary word id (the token), drawn from the
// neighbour table with their emissions, in descending order of log P(w): the same candidates as the index
// gives, so the same ranking, without the look-up, the alignments and the sort.
func (c *Corrector) rankNeighbours(dst []ranked, tab *neighbourTable, id uint32, floor float64, k int,
	tm *terms) []ranked {
	lm := c.b.LM
	o := c.inOrder(dst[:0], neighbourDistance, floor, k)
	for j := tab.start[id]; j < tab.start[id+1]; j++ {
		n := tab.ids[j]
		lu := lm.LogUnigram(n)
		if o.done(lu) {
			break
		}
		if !tm.isNever(n) {
			o.add(word{id: n}, lu, float64(tab.em[j]))
		}
	}
	return c.texts(o.best)
}

// upper is the bound of the rank of a word of log P(w) lu, d edits from the token: lu − λ·d·MinCost, as no
// alignment of d edits costs less.
func (c *Corrector) upper(lu float64, d int) float64 {
	return lu - c.p.Lambda*float64(d)*c.b.Errors.MinCost()
}

// pick returns the k best of the candidates bs by log P(w) + λ·log P(t|w) above floor, best first, appended
// to dst[:0]: in order of their bounds, aligning each while its bound can still beat the k kept.
func (c *Corrector) pick(dst []ranked, bs []bound, token string, floor float64, k int) []ranked {
	lm, em, lambda := c.b.LM, c.b.Errors, c.p.Lambda
	slices.SortFunc(bs, func(a, b bound) int { return cmp.Compare(b.ub, a.ub) })
	best := dst[:0]
	for _, b := range bs {
		if len(best) == k && b.ub <= best[k-1].r {
			break
		}
		e := em.LogProb(token, b.w.text)
		best = keep(best, k, ranked{b.w, e, lm.LogUnigram(b.w.id) + lambda*e}, floor)
	}
	return best
}

// keep returns best, the k best candidates so far (best first), with x in its place when it ranks above floor
// and above the k-th; of equal ranks, the one kept first stays first.
func keep(best []ranked, k int, x ranked, floor float64) []ranked {
	if k <= 0 || x.r <= floor || len(best) >= k && x.r <= best[k-1].r {
		return best
	}
	j := len(best)
	if j < k {
		best = append(best, ranked{})
	} else {
		j--
	}
	for j > 0 && best[j-1].r < x.r {
		best[j] = best[j-1]
		j--
	}
	best[j] = x
	return best
}

// nearest returns the k best words minDist..dist edits from token by log P(w) + λ·log P(t|w) above floor, best
// first, appended to dst[:0]: rank of the index's matches at those distances (matches and bounds are scratch).
// The default index gives its matches in descending order of log P(w) (candidates.SymSpell.LookupOrdered), so
// the search stops at the first word whose bound cannot beat the k kept (inOrder), without verifying the
// distance of the rest.
func (c *Corrector) nearest(dst []ranked, bounds *[]bound, matches *[]candidates.Match, token string,
	minDist, dist int, floor float64, k int, tm *terms) []ranked {
	if c.sym == nil {
		ms := c.src.Near((*matches)[:0], token, dist)
		if minDist > 0 {
			ms = slices.DeleteFunc(ms, func(m candidates.Match) bool { return m.Distance < minDist })
		}
		*matches = ms
		return c.rank(dst, bounds, ms, token, floor, k, tm)
	}
	o := c.inOrder(dst[:0], max(minDist, 1), floor, k) // the token itself (distance 0) is no candidate
	c.visit(&o, false, token, minDist, dist, tm, nil)
	return c.texts(o.best)
}

// nearestOf is nearest for a token whose vocabulary id is id (langmodel.Unknown when it has none): the words
// one edit from a vocabulary word typed as it is (not a variant of one) come from the neighbour table, once
// built, in the order the index visits them and with the same emissions, so the same ranking without the
// look-up and the alignments (rankNeighbours). The columns of tokens and the misspelled parts of
// segmentations both take them so.
func (c *Corrector) nearestOf(dst []ranked, bounds *[]bound, matches *[]candidates.Match, token string, id uint32,
	minDist, dist int, floor float64, k int, tm *terms) []ranked {
	if tab := c.nb.of(); tab != nil && minDist <= neighbourDistance && dist == neighbourDistance &&
		id != langmodel.Unknown && token == c.b.LM.Word(id) {
		return c.rankNeighbours(dst, tab, id, floor, k, tm)
	}
	return c.nearest(dst, bounds, matches, token, minDist, dist, floor, k, tm)
}

// wider returns best, the k best words within dist of token above floor (nearest), with the words one edit
// further that the index finds and those that sound like the token further than dist among them: the k best
// of what candidates.Sources.Wide gives, as rank ranks them. seen and matches are scratch.
func (c *Corrector) wider(best []ranked, bounds *[]bound, matches *[]candidates.Match, seen *[]uint32,
	token string, dist int, floor float64, k int, tm *terms) []ranked {
	if c.sym == nil {
		ms := c.src.Wide((*matches)[:0], token, dist)
		*matches = ms
		return c.rank(best, bounds, ms, token, floor, k, tm)
	}
	lm, em := c.b.LM, c.b.Errors
	o := c.inOrder(best, dist+1, floor, k)
	*seen = (*seen)[:0]
	c.visit(&o, true, token, dist+1, dist+1, tm, seen)
	*matches = c.src.SoundsLike((*matches)[:0], token, dist, func(id uint32) bool { return slices.Contains(*seen, id) })
	for _, m := range *matches {
		if lu := lm.LogUnigram(m.ID); !tm.isNever(m.ID) && c.upper(lu, m.Distance) > o.least() {
			o.add(word{m.Word, m.ID}, lu, em.LogProb(token, m.Word))
		}
	}
	return c.texts(o.best)
}

// visit ranks in o the words minDist..dist edits from token that an ordered look-up of the default index
// visits (candidates.SymSpell.LookupOrdered, or LookupWideOrdered when wide), by their key (log P(w), the
// index's order: New) and runes, until o is done; it appends their ids to seen when seen is not nil. The words
// it keeps have no text yet (texts).
func (c *Corrector) visit(o *ordered, wide bool, token string, minDist, dist int, tm *terms, seen *[]uint32) {
	em := c.b.Errors
	tr := []rune(token)
	var eb errormodel.Bound
	eb.Reset(em, tr)
	each := func(v candidates.Visit) bool {
		lu := v.Key
		if o.done(lu) {
			return false
		}
		if seen != nil {
			*seen = append(*seen, v.ID)
		}
		if v.Distance > 0 && !tm.isNever(v.ID) && c.upper(lu, v.Distance) > o.least() && // the cheap bound first
			lu+c.p.Lambda*eb.LogProb(v.Runes, v.Distance) > o.least() {
			o.add(word{id: v.ID}, lu, em.LogProbRunes(tr, v.Runes))
		}
		return true
	}
	if wide { // two static calls, so that each (and what it holds) stays on the stack
		c.sym.LookupWideOrdered(token, minDist, dist, each)
	} else {
		c.sym.LookupOrdered(token, minDist, dist, each)
	}
}

// texts fills in the text of the words of best that have none (those kept from the index's visits or the
// neighbour table), and returns best.
func (c *Corrector) texts(best []ranked) []ranked {
	for i := range best {
		if best[i].w.text == "" {
			best[i].w.text = c.b.LM.Word(best[i].w.id)
		}
	}
	return best
}

// ordered ranks candidates that come in descending order of log P(w), at least minDist edits from the
// token: each is kept by its rank log P(w) + λ·log P(t|w) as pick keeps it, and the search is done at the
// first whose bound log P(w) − λ·minDist·MinCost cannot beat the k kept, nor then any after it.
type ordered struct {
	best   []ranked
	k      int
	floor  float64
	lambda float64
	cheap  float64 // λ·minDist·MinCost: the least cost of the candidates' edits, weighted
}

// inOrder returns an ordered ranking of the k best above floor, at least minDist edits away, that adds to best
// (the k best of other candidates, best first, or none).
func (c *Corrector) inOrder(best []ranked, minDist int, floor float64, k int) ordered {
	return ordered{best: best, k: k, floor: floor, lambda: c.p.Lambda, cheap: -c.upper(0, minDist)}
}

// least is the rank a candidate must beat to be kept: the floor, or the k-th kept.
func (o *ordered) least() float64 {
	if len(o.best) >= o.k && o.k > 0 {
		return max(o.floor, o.best[o.k-1].r)
	}
	return o.floor
}

// done reports whether a candidate of log P(w) lu, and every one after it, cannot be kept.
func (o *ordered) done(lu float64) bool { return o.k <= 0 || lu-o.cheap <= o.least() }

// add keeps w, of log P(w) lu and emission e, if it ranks among the k best.
func (o *ordered) add(w word, lu, e float64) {
	o.best = keep(o.best, o.k, ranked{w, e, lu + o.lambda*e}, o.floor)
}

// floor is the lowest rank a reading of typed tokens of rank own may have: own − Options.Beam.
func (c *Corrector) floor(own float64) float64 {
	if c.opts.Beam < 0 {
		return math.Inf(-1)
	}
	return own - c.opts.Beam
}
