// Package correval adapts the corrector to what scores or plays against it: eval.Speller, for the commands
// that score a model (speller eval, speller train's held-out report), and simulate.Speller, the search page
// that simulated shoppers answer; so that the serving path (spell, server, spelld) links neither.
package correval

import (
	"context"

	"github.com/spellwright/speller/eval"
	"github.com/spellwright/speller/querylog"
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

// Page is a corrector as a search page shows its answers, for simulate.Options.Speller: the correction and
// how it is shown (did you mean, or applied automatically), none for a query the corrector leaves or refuses.
type Page struct {
	Ctx context.Context
	C   *spell.Corrector
}

// Suggest implements simulate.Speller.
func (p Page) Suggest(q string) (string, querylog.SpellAction) {
	r, err := p.C.Correct(p.Ctx, spell.Request{Query: q})
	if err != nil {
		return "", querylog.ActionNone
	}
	switch r.Action {
	case spell.DidYouMean:
		return r.Correction, querylog.ActionDidYouMean
	case spell.AutoCorrect:
		return r.Correction, querylog.ActionAutoCorrect
	}
	return "", querylog.ActionNone
}
