package spell_test

import (
	"context"
	"testing"

	"github.com/spellwright/speller/spell"
)

// TestRealQueries: queries of the web (not of a shop) on the embedded default model, for the behaviours the
// change prior, the typing-slip prior (neighbouring keys and far ones), the backoff floor, the misspelling
// filter of the web word list and the spellings without apostrophes or diacritics were made for. Decisions
// only, not log odds.
func TestRealQueries(t *testing.T) {
	c := defaultCorrector(t)
	tests := []struct {
		name, query string
		want        string            // "" for no correction (Action None)
		kept        []string          // typed tokens the correction must leave as typed
		changed     map[string]string // typed token → its correction
	}{
		// Correct queries of words a shop's vocabulary lacks (abbreviations, "ok", "ny"), left alone.
		{"abbreviation", "is milk ok for cats", "", nil, nil},
		{"abbreviations", "ga dept of transportation", "", nil, nil},
		{"state abbreviation", "snow tubing in ny", "", nil, nil},
		// A word with a diacritic, known without it.
		{"diacritic", "café au lait", "", nil, nil},
		{"diacritic, upper case", "Café au lait", "", nil, nil},
		// A context seen before few words does not make the right one improbable (backoff floor).
		{"backoff floor", "phone number", "", nil, nil},
		// A possessive, known without its "'s": kept as typed, apostrophe and all, the typo next to it corrected.
		{"possessive kept", "who are harrison ford's chkldren", "who are harrison ford's children",
			[]string{"who", "are", "harrison", "ford's"}, map[string]string{"chkldren": "children"}},
		{"possessive kept, curly apostrophe", "who are harrison ford\u2019s chkldren",
			"who are harrison ford\u2019s children", []string{"ford\u2019s"}, map[string]string{"chkldren": "children"}},
		// A misspelled possessive is corrected as its word and keeps its ending.
		{"possessive corrected", "walmrat's hours", "walmart's hours",
			[]string{"hours"}, map[string]string{"walmrat's": "walmart's"}},
		// Typing slips: two letters swapped, in a short query and in a long one.
		{"swapped letters", "onxard area code phone number", "oxnard area code phone number",
			[]string{"area", "code", "phone", "number"}, map[string]string{"onxard": "oxnard"}},
		{"swapped letters, long query", "how old do you have to be to get a job in diaho",
			"how old do you have to be to get a job in idaho", []string{"old", "job", "in"},
			map[string]string{"diaho": "idaho"}},
		// Typing slips far from the intended key (errormodel.Options.Far): a letter substituted, a letter typed in.
		{"far-key substitution", "leathqr wallet", "leather wallet", []string{"wallet"},
			map[string]string{"leathqr": "leather"}},
		{"far-key insertion", "baby strolxer", "baby stroller", []string{"baby"},
			map[string]string{"strolxer": "stroller"}},
	}
	for _, tt := range tests {
		t.Run(tt.name+"/"+tt.query, func(t *testing.T) {
			r, err := c.Correct(context.Background(), spell.Request{Query: tt.query})
			if err != nil {
				t.Fatal(err)
			}
			if tt.want == "" {
				if r.Action != spell.None || r.Correction != "" {
					t.Fatalf("Correct(%q) = %s %q (log odds %.2f, threshold %.2f), want no correction", tt.query,
						r.Action, r.Correction, r.LogOdds, r.Threshold)
				}
				return
			}
			if r.Action == spell.None || r.Correction != tt.want {
				t.Fatalf("Correct(%q) = %s %q (log odds %.2f, threshold %.2f), want %q", tt.query, r.Action,
					r.Correction, r.LogOdds, r.Threshold, tt.want)
			}
			byTyped := make(map[string]spell.Token, len(r.Tokens))
			for _, tok := range r.Tokens {
				byTyped[tok.Typed] = tok
			}
			for _, typed := range tt.kept {
				if tok, ok := byTyped[typed]; !ok || tok.Changed || tok.Chosen != typed {
					t.Errorf("token %q: %+v (found: %v), want it kept as typed", typed, tok, ok)
				}
			}
			for typed, chosen := range tt.changed {
				if tok, ok := byTyped[typed]; !ok || !tok.Changed || tok.Chosen != chosen {
					t.Errorf("token %q: %+v (found: %v), want it changed to %q", typed, tok, ok, chosen)
				}
			}
		})
	}
}
