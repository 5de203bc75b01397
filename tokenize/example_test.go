package tokenize_test

import (
	"fmt"

	"github.com/spellwright/speller/tokenize"
)

func ExampleTokenize() {
	query := "Silver JEWLERY, ｓｉｚｅ 7 – see www.shop.com!"
	toks := tokenize.Tokenize(nil, query)
	for _, t := range toks {
		fmt.Printf("%-8q %-6v %q correctable=%v\n", t.Text, t.Kind, query[t.Start:t.End], t.Correctable())
	}

	// Correct the second token, keeping its case and everything around it as typed.
	typed := query[toks[1].Start:toks[1].End]
	edit := tokenize.Edit{Start: toks[1].Start, End: toks[1].End, Text: tokenize.MatchCase(typed, "jewelry")}
	fixed, err := tokenize.Rewrite(query, []tokenize.Edit{edit})
	fmt.Println(fixed, err)
	// Output:
	// "silver" Word   "Silver" correctable=true
	// "jewlery" Word   "JEWLERY" correctable=true
	// "size"   Word   "ｓｉｚｅ" correctable=true
	// "7"      Number "7" correctable=false
	// "see"    Word   "see" correctable=true
	// "www.shop.com" URL    "www.shop.com" correctable=false
	// Silver JEWELRY, ｓｉｚｅ 7 – see www.shop.com! <nil>
}
