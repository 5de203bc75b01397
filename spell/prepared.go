package spell

// The surface of tuning: queries prepared once and decided again under other hyperparameters. (The
// corrector as an eval.Speller is internal/correval, outside the serving path.)

import (
	"context"

	"github.com/spellwright/speller/model"
	"github.com/spellwright/speller/tokenize"
)

// Prepared is a query whose candidates were drawn once, to be decided again under other hyperparameters
// without drawing them again: the tuner's cache. Candidates are ranked with the corrector's λ and P_unk when
// prepared, so decisions under very different values are an approximation (a candidate that would enter
// the top MaxCandidates only under another λ is missing).
type Prepared struct {
	query string
	toks  []tokenize.Token
	lat   lattice
}

// Prepare tokenizes the query and draws its candidates; see Prepared. It fails like Correct.
func (c *Corrector) Prepare(ctx context.Context, query string) (*Prepared, error) {
	s := new(scratch)
	var err error
	if s.toks, err = c.tokenize(nil, query); err != nil {
		return nil, err
	}
	c.setTerms(&s.terms, &Request{})
	if err := c.buildLattice(ctx, query, s); err != nil {
		return nil, err
	}
	return &Prepared{query: query, toks: s.toks, lat: s.lat}, nil
}

// Decide decodes a prepared query under params (which must be valid) as Correct would. The request's
// protected and never-suggest terms (not checked against the limits) remove the candidates they forbid;
// Correct, which draws the candidates knowing them, may find others in their place. It is safe to call
// concurrently on the same Prepared.
func (c *Corrector) Decide(p *Prepared, params model.Params, req Request) *Result {
	l := &p.lat
	var tm terms
	if c.setTerms(&tm, &req); tm.any() {
		l = l.filtered(p.toks, &tm)
	}
	return c.decide(p.query, req, p.toks, l, params)
}
