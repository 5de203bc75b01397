package bleveindex_test

import (
	"cmp"
	"fmt"
	"slices"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/mapping"

	"github.com/spellwright/speller/candidates"
	"github.com/spellwright/speller/candidates/bleveindex"
)

func ExampleIndex() {
	idx, err := bleve.NewMemOnly(mapping.NewIndexMapping())
	if err != nil {
		panic(err)
	}
	defer idx.Close()
	for i, body := range []string{"spelling matters", "selling spelling books", "smelling roses"} {
		if err := idx.Index(fmt.Sprint(i), map[string]string{"body": body}); err != nil {
			panic(err)
		}
	}
	cands, err := bleveindex.New(idx, "body", bleveindex.Options{})
	if err != nil {
		panic(err)
	}
	matches := cands.Lookup(nil, "speling", 2)
	slices.SortFunc(matches, func(a, b candidates.Match) int { // nearest first, then most frequent
		return cmp.Or(cmp.Compare(a.Distance, b.Distance), cmp.Compare(b.Count, a.Count), cmp.Compare(a.Word, b.Word))
	})
	for _, m := range matches {
		fmt.Println(m.Word, m.Distance, m.Count) // Count is the document frequency
	}
	// Output:
	// spelling 1 2
	// selling 2 1
	// smelling 2 1
}
