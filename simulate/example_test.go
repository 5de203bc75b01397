package simulate_test

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"strings"

	"github.com/spellwright/speller/querylog"
	"github.com/spellwright/speller/simulate"
)

func ExampleRun() {
	queries, err := simulate.LoadQueries(strings.NewReader("red dress\t3\nrunning shoes\t2\ndesk lamp\n"))
	if err != nil {
		panic(err)
	}
	var buf bytes.Buffer // or an *os.File
	w, err := querylog.NewWriter(&buf, querylog.WriteOptions{})
	if err != nil {
		panic(err)
	}
	stats, truth, err := simulate.Run(simulate.Options{
		Sessions:     1000,
		Seed:         1,
		Queries:      queries,
		Misspellings: map[string][]string{"dress": {"dres", "drress"}},
	}, w)
	if err != nil {
		panic(err)
	}
	if err := w.Close(); err != nil {
		panic(err)
	}
	fmt.Println(stats.Sessions, "sessions;", stats.Corrected == stats.Behaviours["corrected"], len(truth) > 0)
	// Output: 1000 sessions; true true
}

func ExampleTypo() {
	rng := rand.New(rand.NewPCG(1, 1))
	typo := simulate.Typo(rng, "headphones")
	fmt.Println(typo != "headphones", simulate.Typo(rng, "tv"))
	// Output: true tv
}

func ExampleWriteTruth() {
	simulate.WriteTruth(os.Stdout, []simulate.Truth{{Typed: "red dres", Intended: "red dress", Count: 2}})
	// Output: red dres	red dress	2
}

func ExampleMisspellingsFromPairs() {
	pairs, _ := simulate.LoadPairs(strings.NewReader("Dres\tdress\ndrees\tdress\nred dres\tred dress\n"))
	fmt.Println(simulate.MisspellingsFromPairs(pairs))
	// Output: map[dress:[drees dres]]
}
