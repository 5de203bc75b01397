// Package correval adapts the corrector to eval.Speller, for the commands that score a model (speller eval,
// speller train's held-out report), so that the serving path (spell, server, spelld) does not link the
// evaluation package.
package correval

import (
	"context"

	"github.com/spellwright/speller/eval"
	"github.com/spellwright/speller/spell"
)

// Speller is a corrector scored as a user sees it: the correction when one is offered (did you mean or
// auto-correct), else the query as typed.
type Speller struct{ C *spell.Corrector }

// Suggest implements eval.Speller.
func (s Speller) Suggest(ctx context.Context, query string) (eval.Outcome, error) {
	r, err := s.C.Correct(ctx, spell.Request{Query: query})
	if err != nil {
		return eval.Outcome{}, err
	}
	o := eval.Outcome{Output: query, BestPath: r.BestPath}
	if r.Action != spell.None {
		o.Offered, o.Output = true, r.Correction
	}
	return o, nil
}
