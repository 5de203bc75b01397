package correval_test

import (
	"context"
	"testing"

	"github.com/spellwright/speller/data"
	"github.com/spellwright/speller/eval"
	"github.com/spellwright/speller/internal/correval"
	"github.com/spellwright/speller/querylog"
	"github.com/spellwright/speller/spell"
)

// TestSuggest scores the default model as a user sees it: a correction offered replaces the query, a query
// left alone stays as typed, and a refused query is an error.
func TestSuggest(t *testing.T) {
	b, err := data.Default()
	if err != nil {
		t.Fatal(err)
	}
	s := correval.Speller{C: spell.New(b, spell.Options{})}
	ctx := context.Background()
	for _, tt := range []struct {
		query string
		want  eval.Outcome
	}{
		{"jewlery box", eval.Outcome{Offered: true, Output: "jewelry box", BestPath: "jewelry box"}},
		{"red dress", eval.Outcome{Output: "red dress", BestPath: "red dress"}},
	} {
		got, err := s.Suggest(ctx, tt.query)
		if err != nil || got != tt.want {
			t.Errorf("Suggest(%q) = %+v, %v; want %+v", tt.query, got, err, tt.want)
		}
	}
	if _, err := s.Suggest(ctx, "x\xff"); err == nil {
		t.Error("Suggest(invalid UTF-8) = nil error")
	}
}

// TestPage is what a search page shows: the default model offers "jewelry box" (did you mean), leaves "red
// dress" alone, and refuses invalid UTF-8 (nothing shown).
func TestPage(t *testing.T) {
	b, err := data.Default()
	if err != nil {
		t.Fatal(err)
	}
	p := correval.Page{Ctx: context.Background(), C: spell.New(b, spell.Options{})}
	for _, tt := range []struct {
		query, want string
		action      querylog.SpellAction
	}{
		{"jewlery box", "jewelry box", querylog.ActionDidYouMean},
		{"red dress", "", querylog.ActionNone},
		{"x\xff", "", querylog.ActionNone},
	} {
		if got, action := p.Suggest(tt.query); got != tt.want || action != tt.action {
			t.Errorf("Suggest(%q) = %q, %v; want %q, %v", tt.query, got, action, tt.want, tt.action)
		}
	}
}
