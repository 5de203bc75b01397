package candidates_test

import (
	"cmp"
	"fmt"
	"slices"

	"github.com/spellwright/speller/candidates"
)

// byDistance orders matches by distance, then by decreasing count (the order a speller would try them in),
// then by word.
func byDistance(a, b candidates.Match) int {
	return cmp.Or(cmp.Compare(a.Distance, b.Distance), cmp.Compare(b.Count, a.Count), cmp.Compare(a.Word, b.Word))
}

func ExampleSymSpell() {
	vocab := &candidates.SliceVocabulary{
		Words:  []string{"spelling", "spell", "selling", "spilling", "the", "naïve"},
		Counts: []uint64{120, 300, 80, 40, 10000, 7},
	}
	idx := candidates.NewSymSpell(vocab, candidates.SymSpellOptions{}) // MaxDistance 2, PrefixLength 7

	matches := idx.Lookup(nil, "speling", 2)
	slices.SortFunc(matches, byDistance)
	for _, m := range matches {
		fmt.Println(m.Word, m.Distance, m.Count)
	}
	// A transposition is one edit; distances are counted in runes.
	fmt.Println(idx.Lookup(nil, "teh", 1))
	fmt.Println(idx.Lookup(nil, "naive", 1))
	// Output:
	// spelling 1 120
	// selling 2 80
	// spilling 2 40
	// [{the 4 10000 1}]
	// [{naïve 5 7 1}]
}

func ExampleSymSpell_Lookup() {
	vocab := &candidates.SliceVocabulary{Words: []string{"receive", "relieve", "recipe", "deceive"}}
	idx := candidates.NewSymSpell(vocab, candidates.SymSpellOptions{})

	var buf []candidates.Match // reuse buf across calls: Lookup then allocates nothing
	for _, token := range []string{"recieve", "recive"} {
		buf = idx.Lookup(buf[:0], token, 1)
		slices.SortFunc(buf, func(a, b candidates.Match) int { return cmp.Compare(a.Word, b.Word) })
		for _, m := range buf {
			fmt.Printf("%s -> %s (%d)\n", token, m.Word, m.Distance)
		}
	}
	// Output:
	// recieve -> receive (1)
	// recieve -> relieve (1)
	// recive -> receive (1)
	// recive -> recipe (1)
}
