package errormodel_test

import (
	"fmt"

	"github.com/spellwright/speller/errormodel"
)

func ExampleAlign() {
	for _, p := range [][2]string{
		{"adress", "address"}, // typed, intended
		{"dresss", "dress"},
		{"jewlery", "jewelry"},
		{"xdress", "dress"},
		{"naive", "naïve"},
	} {
		for _, op := range errormodel.Align(p[0], p[1]) {
			fmt.Printf("%s for %s: %v %c %c\n", p[0], p[1], op.Kind, op.X, op.Y)
		}
	}
	// Output:
	// adress for address: del d d
	// dresss for dress: ins s s
	// jewlery for jewelry: trans e l
	// xdress for dress: ins ^ x
	// naive for naïve: sub ï i
}

func ExampleModel_LogProb() {
	var c errormodel.Counts
	c.Add("jewlery", "jewelry", 20)
	c.Add("dresss", "dress", 10)
	c.Add("adress", "address", 5)
	m := c.Model(errormodel.Options{})

	fmt.Println(m.LogProb("dress", "dress"))
	fmt.Println(m.LogProb("dresss", "dress") < 0)
	// A doubling learnt from the logs is more likely than an unseen insertion.
	fmt.Println(m.LogProb("dresss", "dress") > m.LogProb("dressz", "dress"))
	// Two edits are less likely than one.
	fmt.Println(m.LogProb("jewlry", "jewelry") < m.LogProb("jewlery", "jewelry"))
	// Output:
	// 0
	// true
	// true
	// true
}

func ExampleModel_Explain() {
	var c errormodel.Counts
	c.Add("jewlery", "jewelry", 20)
	m := c.Model(errormodel.Options{})
	for _, op := range m.Explain("jewlery", "jewelry") {
		// Seen in 20 of the 20 occurrences of "el" in the intended words: a likely edit.
		fmt.Printf("%v %c%c likely: %v\n", op.Kind, op.X, op.Y, m.Prob(op) > 0.5)
	}
	// Output:
	// trans el likely: true
}
