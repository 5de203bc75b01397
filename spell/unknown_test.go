package spell_test

import (
	"context"
	"math"
	"testing"
	"unicode/utf8"

	"github.com/spellwright/speller/model"
	"github.com/spellwright/speller/spell"
)

// TestUnkLength: unk_length moves the log odds of a correction of an unknown token by exactly
// −unk_length·max(0, model.UnkLengthPivot − runes), the term the query as typed gains (a short unknown token
// is more probable as typed; one of the pivot's length or longer gains nothing); Decide on a prepared query
// and Correct under the same parameters agree.
func TestUnkLength(t *testing.T) {
	c := defaultCorrector(t)
	base := c.Params()
	base.UnkLength = 0
	tests := []struct {
		query, typo, want string
	}{
		{"leathqr wallet", "leathqr", "leather wallet"},       // 7 runes: less probable as typed
		{"bluetooth speakdr", "speakdr", "bluetooth speaker"}, // 7 runes
		{"vintagr dress", "vintagr", "vintage dress"},         // 7 runes
		{"coffee tablz", "tablz", "coffee table"},             // 5 runes: more probable as typed
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			p, err := c.Prepare(context.Background(), tt.query)
			if err != nil {
				t.Fatal(err)
			}
			r0 := c.Decide(p, base, spell.Request{})
			if r0.BestPath != tt.want {
				t.Fatalf("best path %q, want %q", r0.BestPath, tt.want)
			}
			dev := float64(max(0, model.UnkLengthPivot-utf8.RuneCountInString(tt.typo)))
			for _, g := range []float64{0.5, 2} {
				pg := base
				pg.UnkLength = g
				r := c.Decide(p, pg, spell.Request{})
				if r.BestPath != tt.want {
					t.Fatalf("unk_length %g: best path %q, want %q", g, r.BestPath, tt.want)
				}
				if got, want := r.LogOdds-r0.LogOdds, -g*dev; math.Abs(got-want) > 1e-9 {
					t.Errorf("unk_length %g: log odds moved by %.6f, want %.6f", g, got, want)
				}
				rc, err := c.WithParams(pg).Correct(context.Background(), spell.Request{Query: tt.query})
				if err != nil {
					t.Fatal(err)
				}
				if rc.BestPath != r.BestPath || math.Abs(rc.LogOdds-r.LogOdds) > 1e-9 {
					t.Errorf("unk_length %g: Correct says %q (%.6f), Decide %q (%.6f)", g, rc.BestPath, rc.LogOdds,
						r.BestPath, r.LogOdds)
				}
			}
		})
	}
}
