package candidates

import (
	"slices"
	"sort"
	"testing"
)

// lookupOnly hides the wider search of an index: an Index that is not Wide.
type lookupOnly struct{ Index }

// TestSources: Near is the index's look-up; Wide adds what the index finds one edit further (when it can
// search there) and the words that sound alike further than the distance (SoundsLike), each word once.
func TestSources(t *testing.T) {
	v := &SliceVocabulary{Words: []string{"necessary", "nursery", "dress", "immediately", "dresser", "press"},
		Counts: []uint64{6, 5, 4, 3, 2, 1}}
	sym := NewSymSpell(v, SymSpellOptions{})
	ph := NewPhonetic(v)
	words := func(ms []Match) []string {
		var out []string
		for _, m := range ms {
			out = append(out, m.Word)
		}
		sort.Strings(out)
		return out
	}
	for _, tt := range []struct {
		name        string
		src         Sources
		token       string
		dist        int
		near, wide  []string
		wideMaxDist int // the largest distance Wide may report
	}{
		{"symspell and sounds", Sources{sym, ph}, "dres", 1, []string{"dress"}, []string{"dress", "press"}, 2},
		{"by sound only", Sources{sym, ph}, "nesessery", 1, nil, []string{"necessary"}, MaxSoundsLikeDistance + 1},
		{"no phonetic index", Sources{sym, nil}, "dres", 1, []string{"dress"}, []string{"dress", "press"}, 2},
		{"an index that is not Wide", Sources{lookupOnly{sym}, ph}, "dres", 1, []string{"dress"}, []string{"dress"}, 1},
		{"found one edit further and by sound: once", Sources{sym, ph}, "nesesary", 1, nil, []string{"necessary"}, 2},
		{"sound-alike within the distance comes once", Sources{lookupOnly{sym}, ph}, "dresss", 1, []string{"dress"},
			[]string{"dress"}, 1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := words(tt.src.Near(nil, tt.token, tt.dist)); !slices.Equal(got, tt.near) {
				t.Errorf("Near = %q, want %q", got, tt.near)
			}
			prefix := []Match{{Word: "kept", ID: NoID}}
			got := tt.src.Wide(slices.Clone(prefix), tt.token, tt.dist)
			if got[0] != prefix[0] {
				t.Fatalf("Wide overwrote dst: %+v", got[0])
			}
			if w := words(got[1:]); !slices.Equal(w, tt.wide) {
				t.Errorf("Wide = %q, want %q", w, tt.wide)
			}
			for _, m := range got[1:] {
				if m.Distance > tt.wideMaxDist || m.Word != v.Words[m.ID] {
					t.Errorf("Wide match %+v", m)
				}
			}
			// SoundsLike is Wide's second part: beyond the distance, less what was found.
			for _, m := range tt.src.SoundsLike(nil, tt.token, tt.dist, func(uint32) bool { return false }) {
				if m.Distance <= tt.dist || !slices.Contains(tt.wide, m.Word) {
					t.Errorf("SoundsLike match %+v: within the distance, or not in Wide", m)
				}
			}
			if ms := tt.src.SoundsLike(nil, tt.token, tt.dist, func(uint32) bool { return true }); len(ms) != 0 {
				t.Errorf("SoundsLike gave %+v, all found already", ms)
			}
		})
	}
}
