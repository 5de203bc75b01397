package spell_test

import (
	"context"
	"runtime/debug"
	"testing"

	"github.com/spellwright/speller/data"
	"github.com/spellwright/speller/model"
	"github.com/spellwright/speller/spell"
)

// TestAdjust is the feedback rule on its edges: thin feedback (fewer impressions than FeedbackSupport) and
// feedback that contradicts itself change nothing, nor does any feedback on a query that found nothing.
func TestAdjust(t *testing.T) {
	for _, tt := range []struct {
		name string
		a    spell.Action
		c    model.FeedbackCount
		zero bool
		want spell.Action
	}{
		{"none stays none", spell.None, model.FeedbackCount{AutoCorrect: 50, Rejected: 50}, false, spell.None},
		{"thin rejections", spell.AutoCorrect, model.FeedbackCount{AutoCorrect: 2, Rejected: 2}, false, spell.AutoCorrect},
		{"thin acceptances", spell.DidYouMean, model.FeedbackCount{DidYouMean: 2, Accepted: 2}, false, spell.DidYouMean},
		{"rarely rejected", spell.AutoCorrect, model.FeedbackCount{AutoCorrect: 100, Rejected: 10}, false, spell.AutoCorrect},
		{"often rejected: offered", spell.AutoCorrect, model.FeedbackCount{AutoCorrect: 40, Rejected: 12}, false, spell.DidYouMean},
		{"mostly rejected: nothing", spell.AutoCorrect, model.FeedbackCount{AutoCorrect: 10, Rejected: 8}, false, spell.None},
		{"mostly rejected offer", spell.DidYouMean, model.FeedbackCount{AutoCorrect: 10, Rejected: 8}, false, spell.None},
		{"often rejected offer stays", spell.DidYouMean, model.FeedbackCount{AutoCorrect: 40, Rejected: 12}, false, spell.DidYouMean},
		{"mostly accepted: applied", spell.DidYouMean, model.FeedbackCount{DidYouMean: 10, Accepted: 7}, false, spell.AutoCorrect},
		{"accepted auto stays", spell.AutoCorrect, model.FeedbackCount{DidYouMean: 10, Accepted: 7}, false, spell.AutoCorrect},
		{"rarely accepted", spell.DidYouMean, model.FeedbackCount{DidYouMean: 100, Accepted: 20}, false, spell.DidYouMean},
		{"contradiction", spell.AutoCorrect, model.FeedbackCount{DidYouMean: 10, Accepted: 8, AutoCorrect: 10, Rejected: 8}, false, spell.AutoCorrect},
		{"contradicted offer", spell.DidYouMean, model.FeedbackCount{DidYouMean: 10, Accepted: 8, AutoCorrect: 10, Rejected: 8}, false, spell.DidYouMean},
		{"zero results", spell.AutoCorrect, model.FeedbackCount{AutoCorrect: 10, Rejected: 10}, true, spell.AutoCorrect},
	} {
		if got := spell.Adjust(tt.a, spell.VerdictOf(tt.c), tt.zero); got != tt.want {
			t.Errorf("%s: Adjust(%s, %+v, zero %v) = %s, want %s", tt.name, tt.a, tt.c, tt.zero, got, tt.want)
		}
	}
}

// feedbackCorrector is the default model, applying corrections at log odds 5, with a feedback table.
func feedbackCorrector(t testing.TB, fb map[uint64]model.FeedbackCount) *spell.Corrector {
	b, err := data.Default()
	if err != nil {
		t.Fatal(err)
	}
	b.Params.AutoThreshold = 5
	b.Feedback = model.NewFeedback(fb)
	return spell.New(b, spell.Options{})
}

// TestFeedbackDecision runs the rule inside the corrector: query-level and token-level entries demote and
// promote, thin and contradictory ones change nothing, and the result says when feedback changed the action.
func TestFeedbackDecision(t *testing.T) {
	q, tk := model.LevelQuery, model.LevelToken
	c := feedbackCorrector(t, map[uint64]model.FeedbackCount{
		model.FeedbackKey(q, "jewlery box", "jewelry box"):       {AutoCorrect: 20, Rejected: 15},
		model.FeedbackKey(tk, "dresss", "dress"):                 {AutoCorrect: 30, Rejected: 10},
		model.FeedbackKey(q, "silvr earings", "silver earrings"): {AutoCorrect: 2, Rejected: 2},
		model.FeedbackKey(q, "flowergirl", "flower girl"):        {AutoCorrect: 20, Rejected: 15, DidYouMean: 20, Accepted: 15},
		model.FeedbackKey(tk, "baske", "basket"):                 {DidYouMean: 20, Accepted: 18},
	})
	plain := feedbackCorrector(t, nil)
	for _, tt := range []struct {
		query  string
		want   spell.Action
		change bool
	}{
		{"jewlery box", spell.None, true},               // users keep refusing it
		{"red dresss", spell.DidYouMean, true},          // its change dresss → dress is often refused
		{"silvr earings", spell.AutoCorrect, false},     // thin
		{"flowergirl", spell.AutoCorrect, false},        // contradictory
		{"flower girl baske", spell.AutoCorrect, false}, // a token-level acceptance promotes nothing
		{"jewlery", spell.AutoCorrect, false},           // no entry
	} {
		before, err := plain.Correct(context.Background(), spell.Request{Query: tt.query})
		if err != nil {
			t.Fatal(err)
		}
		if before.Action != spell.AutoCorrect {
			t.Fatalf("%q: %s without feedback; the test expects an automatic correction", tt.query, before.Action)
		}
		r, err := c.Correct(context.Background(), spell.Request{Query: tt.query})
		if err != nil {
			t.Fatal(err)
		}
		if r.Action != tt.want || r.FeedbackApplied() != tt.change || r.ActionBeforeFeedback != before.Action {
			t.Errorf("%q: %s (before feedback %s, applied %v), want %s (applied %v)", tt.query, r.Action,
				r.ActionBeforeFeedback, r.FeedbackApplied(), tt.want, tt.change)
		}
		if (r.Action == spell.None) != (r.Correction == "") {
			t.Errorf("%q: action %s with correction %q", tt.query, r.Action, r.Correction)
		}
		// The zero-results rule stands.
		z, _ := c.Correct(context.Background(), spell.Request{Query: tt.query, ZeroResults: true})
		if z.Action != spell.AutoCorrect || z.FeedbackApplied() {
			t.Errorf("%q with zero results: %s, applied %v", tt.query, z.Action, z.FeedbackApplied())
		}
	}
	// An offer users keep taking is applied.
	off := feedbackCorrector(t, map[uint64]model.FeedbackCount{
		model.FeedbackKey(q, "jewlery", "jewelry"): {DidYouMean: 20, Accepted: 15},
	})
	r, _ := off.Correct(context.Background(), spell.Request{Query: "jewlery"})
	if r.Action != spell.AutoCorrect {
		t.Fatalf("jewlery: %s", r.Action)
	}
}

// TestFeedbackNoAllocation checks that consulting the feedback table allocates nothing on the correction
// path: the same queries allocate as much with a table as without.
func TestFeedbackNoAllocation(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts are not stable under the race detector (sync.Pool drops items at random)")
	}
	fb := map[uint64]model.FeedbackCount{}
	for i := range 1000 {
		fb[uint64(i)*0x9e3779b97f4a7c15] = model.FeedbackCount{AutoCorrect: 10, Rejected: 1}
	}
	with, without := feedbackCorrector(t, fb), feedbackCorrector(t, nil)
	// No collection while counting: one would empty the corrector's pool of scratch space, and the next call
	// would allocate it again, on one side only.
	defer debug.SetGCPercent(debug.SetGCPercent(-1))
	for _, q := range []string{"jewlery box", "red dresss", "flower girl baske", "silvr earings"} {
		a := testing.AllocsPerRun(20, func() { with.Correct(context.Background(), spell.Request{Query: q}) })
		b := testing.AllocsPerRun(20, func() { without.Correct(context.Background(), spell.Request{Query: q}) })
		if a != b {
			t.Errorf("%q: %v allocations with the feedback table, %v without", q, a, b)
		}
	}
}

// BenchmarkFeedback corrects queries with a feedback table of 100,000 entries and without one: the lookups
// add no allocation (compare allocs/op) and a binary search per changed span.
func BenchmarkFeedback(b *testing.B) {
	fb := map[uint64]model.FeedbackCount{}
	for i := range 100_000 {
		fb[uint64(i)*0x9e3779b97f4a7c15] = model.FeedbackCount{AutoCorrect: 10, Rejected: 1}
	}
	for _, bc := range []struct {
		name string
		fb   map[uint64]model.FeedbackCount
	}{{"table", fb}, {"none", nil}} {
		c := feedbackCorrector(b, bc.fb)
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				for _, q := range []string{"jewlery box", "red dresss", "flower girl baske"} {
					c.Correct(context.Background(), spell.Request{Query: q})
				}
			}
		})
	}
}
