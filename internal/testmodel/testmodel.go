// Package testmodel builds a tiny model bundle from fixture data for tests of the packages that consume one.
//
//	b := testmodel.Bundle(t) // the same bundle on every call
package testmodel

import (
	"strings"
	"testing"
	"time"

	"github.com/spellwright/speller/model"
	"github.com/spellwright/speller/train"
)

// Corpus is the fixture text: shopping queries and a little prose, written for these tests.
const Corpus = `red dress. black dress. summer dress for women. dress shoes. dress shirt.
silver earrings. gold earrings. pearl earrings. earrings for women. hoop earrings.
jewelry box. silver jewelry. gold jewelry. handmade jewelry. jewelry box for women.
flower girl basket. flower girl dress. gift basket. picnic basket. laundry basket.
butter dish. soap dish. dish rack. butter knife. peanut butter.
the quick brown fox jumps over the lazy dog. the dog sleeps. the fox runs.
where is the love. the love of my life. is the shop open. the shop is open.
leather bag. leather boots. leather jacket. rain boots. winter boots.
`

// Pairs are fixture misspellings, typed<TAB>intended.
const Pairs = "jewlery\tjewelry\njewelery\tjewelry\ndres\tdress\ndresss\tdress\nearings\tearrings\nerrings\tearrings\n" +
	"basket\tbasket\nbaskt\tbasket\nbutton\tbutton\nbuter\tbutter\nlether\tleather\nleathr\tleather\nbots\tboots\n" +
	"teh\tthe\nhte\tthe\nlvoe\tlove\nshp\tshop\nsilvr\tsilver\ngld\tgold\nflowr\tflower\ngril\tgirl\n"

// Build returns a new bundle built from the fixtures, named name (the prefix of its version).
func Build(tb testing.TB, name string) *model.Bundle {
	tb.Helper()
	c := train.NewCounter()
	if err := c.AddCorpus(strings.NewReader(Corpus), &train.SourceReport{}); err != nil {
		tb.Fatal(err)
	}
	if err := c.AddPairs(strings.NewReader(Pairs), 1, &train.SourceReport{}); err != nil {
		tb.Fatal(err)
	}
	b, err := c.Bundle(train.Options{Name: name, MinCorpusCount: 1,
		BuildTime: time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		tb.Fatal(err)
	}
	return b
}
