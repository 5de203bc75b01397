package bleveindex

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/index/scorch"
	"github.com/blevesearch/bleve/v2/mapping"
	index "github.com/blevesearch/bleve_index_api"

	"github.com/spellwright/speller/candidates"
	"github.com/spellwright/speller/internal/editdist"
)

// bleveWords are the words of the test documents: none is an English stop word (the default mapping's
// standard analyzer drops those), all are lower case.
var bleveWords = strings.Fields(`spelling speller spell spells spelled spilling spieling selling smelling
	dwelling swelling yelling telling receive received receiver deceive relieve believe belief brief thief
	access accessed accessing accession recess excess address addressed dress press naïve naive cafe café
	weird wired wide wider weirder field fields yield shield wield algorithm logarithm rhythm arithmetic
	separate desperate temperate definitely defiantly definite infinite tomorrow morrow borrow sorrow
	occurred occur recurred accommodate accommodation commodity embarrass harass necessary unnecessary
	calendar colander cylinder independent dependent pendant pedant liaison liaisons bureaucracy democracy
	ab ba abc ca cab bac acb`)

// bleveFixture is a bleve index of docs documents whose "body" fields are random bleveWords, plus the
// document frequency of every word.
type bleveFixture struct {
	idx    bleve.Index
	df     map[string]uint64
	closed bool
}

// close closes the index (bleve panics on a second Close).
func (fx *bleveFixture) close() {
	if !fx.closed {
		fx.closed = true
		fx.idx.Close()
	}
}

func newBleveFixture(tb testing.TB, kind string, docs int, words []string) *bleveFixture {
	tb.Helper()
	m := mapping.NewIndexMapping()
	var (
		idx bleve.Index
		err error
	)
	switch kind {
	case "upsidedown":
		idx, err = bleve.NewMemOnly(m) // upsidedown + in-memory KV store: no fuzzy dictionary
	case "scorch":
		idx, err = bleve.NewUsing("", m, scorch.Name, scorch.Name, nil) // in-memory scorch
	default:
		tb.Fatalf("unknown index kind %q", kind)
	}
	if err != nil {
		tb.Fatal(err)
	}
	fx := &bleveFixture{idx: idx, df: map[string]uint64{}}
	tb.Cleanup(fx.close)
	r := rand.New(rand.NewPCG(5, 8))
	df := fx.df
	b := idx.NewBatch()
	for d := range docs {
		var body []string
		inDoc := map[string]bool{}
		for range 1 + r.IntN(12) {
			w := words[r.IntN(len(words))]
			if d < len(words) {
				w = words[d] // every word occurs at least once
			}
			body = append(body, w)
			if !inDoc[w] {
				inDoc[w] = true
				df[w]++
			}
		}
		if err := b.Index(fmt.Sprintf("doc%05d", d), map[string]any{"body": strings.Join(body, " ")}); err != nil {
			tb.Fatal(err)
		}
		if b.Size() >= 1000 {
			if err := idx.Batch(b); err != nil {
				tb.Fatal(err)
			}
			b.Reset()
		}
	}
	if err := idx.Batch(b); err != nil {
		tb.Fatal(err)
	}
	return fx
}

// newBleveFixtureDocs indexes words in order, perWord consecutive words per document (every word then has
// document frequency 1, or more if it occurs twice in the list).
func newBleveFixtureDocs(tb testing.TB, kind string, words []string, perDoc int) *bleveFixture {
	tb.Helper()
	fx := newBleveFixture(tb, kind, 0, nil)
	b := fx.idx.NewBatch()
	for i := 0; i < len(words); i += perDoc {
		body := strings.Join(words[i:min(i+perDoc, len(words))], " ")
		if err := b.Index(fmt.Sprintf("doc%06d", i), map[string]any{"body": body}); err != nil {
			tb.Fatal(err)
		}
		if b.Size() >= 200 {
			if err := fx.idx.Batch(b); err != nil {
				tb.Fatal(err)
			}
			b.Reset()
		}
	}
	if err := fx.idx.Batch(b); err != nil {
		tb.Fatal(err)
	}
	return fx
}

// dictBruteForce scans the whole field dictionary and returns the terms within maxDist (OSA), sorted.
func dictBruteForce(t *testing.T, idx bleve.Index, field, token string, maxDist int, opts Options) []candidates.Match {
	t.Helper()
	adv, _ := idx.Advanced()
	r, err := adv.Reader()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	fd, err := r.FieldDict(field)
	if err != nil {
		t.Fatal(err)
	}
	defer fd.Close()
	q := []rune(token)
	prefix := string(q[:min(opts.Prefix, len(q))])
	var out []candidates.Match
	for {
		e, err := fd.Next()
		if err != nil {
			t.Fatal(err)
		}
		if e == nil {
			break
		}
		if !strings.HasPrefix(e.Term, prefix) || e.Count < max(opts.MinDocFreq, 1) {
			continue
		}
		if d := editdist.OSA(q, []rune(e.Term), maxDist, nil); d <= maxDist {
			out = append(out, candidates.Match{Word: e.Term, ID: candidates.NoID, Count: e.Count, Distance: d})
		}
	}
	return sortByWord(out)
}

func sortByWord(m []candidates.Match) []candidates.Match {
	slices.SortFunc(m, func(a, b candidates.Match) int { return strings.Compare(a.Word, b.Word) })
	return m
}

func TestLookup(t *testing.T) {
	for _, kind := range []string{"upsidedown", "scorch"} {
		t.Run(kind, func(t *testing.T) {
			fx := newBleveFixture(t, kind, 400, bleveWords)
			bl, err := New(fx.idx, "body", Options{})
			if err != nil {
				t.Fatal(err)
			}
			if bl.plainLev {
				t.Errorf("%s: fuzzy automaton probed as plain Levenshtein; bleve v2.6.3 scorch counts transpositions", kind)
			}

			// Expected terms, distances and document frequencies, from the words written into the documents.
			for _, tc := range []struct {
				token string
				d     int
				words []string
			}{
				{"speling", 2, []string{"selling", "smelling", "spelling", "spieling", "spilling", "swelling"}},
				{"speling", 1, []string{"spelling", "spieling"}},
				{"recieve", 1, []string{"receive", "relieve"}}, // receive by a transposition
				// A transposition plus a deletion: OSA 2, plain Levenshtein 3. Scorch's automaton counts
				// transpositions, so it is found at 2.
				{"reciev", 2, []string{"receive", "relieve"}},
				{"adress", 1, []string{"address", "dress"}},
				{"wierd", 2, []string{"field", "weird", "wider", "wield", "wired", "yield"}},
				{"cafe", 1, []string{"cafe", "café"}},
				{"ca", 1, []string{"ba", "ca", "cab"}},
				{"ca", 2, []string{"ab", "acb", "ba", "bac", "ca", "cab", "cafe", "café"}}, // not abc: OSA 3
			} {
				var want []candidates.Match
				for _, w := range tc.words {
					want = append(want, candidates.Match{Word: w, ID: candidates.NoID, Count: fx.df[w],
						Distance: editdist.OSA([]rune(tc.token), []rune(w), tc.d, nil)})
				}
				if got := sortByWord(bl.Lookup(nil, tc.token, tc.d)); !slices.Equal(got, want) {
					t.Errorf("Lookup(%q, %d) =\n %v\nwant\n %v", tc.token, tc.d, got, want)
				}
			}
			// Exact lookups.
			if got := bl.Lookup(nil, "naïve", 0); len(got) != 1 || got[0] != (candidates.Match{Word: "naïve", ID: candidates.NoID, Count: fx.df["naïve"], Distance: 0}) {
				t.Errorf("Lookup(naïve, 0) = %v", got)
			}
			if got := bl.Lookup(nil, "naïv", 0); len(got) != 0 {
				t.Errorf("Lookup(naïv, 0) = %v", got)
			}
			// maxDist is clamped to 2.
			if a, b := bl.Lookup(nil, "wierd", 7), bl.Lookup(nil, "wierd", 2); len(a) != len(b) {
				t.Errorf("maxDist 7 not clamped: %v vs %v", a, b)
			}

			// Against a full dictionary scan, for every word with and without typos, several options.
			r := rand.New(rand.NewPCG(1, 3))
			for _, opts := range []Options{{}, {MinDocFreq: 8}, {Prefix: 1}, {Prefix: 2, MinDocFreq: 3}} {
				b, err := New(fx.idx, "body", opts)
				if err != nil {
					t.Fatal(err)
				}
				for _, w := range bleveWords {
					q := []rune(w)
					for range r.IntN(3) {
						q = typo(r, q)
					}
					for d := 0; d <= 2; d++ {
						got, err := b.LookupErr(nil, string(q), d)
						if err != nil {
							t.Fatal(err)
						}
						want := dictBruteForce(t, fx.idx, "body", string(q), d, opts)
						if got = sortByWord(got); !slices.Equal(got, want) {
							t.Errorf("%+v Lookup(%q, %d) =\n %v\nwant\n %v", opts, string(q), d, got, want)
						}
					}
				}
			}
		})
	}
}

// TestPlainLevenshtein simulates a fuzzy dictionary that counts transpositions as 2: Lookup then asks
// for one more fuzziness, which keeps maxDist 1 exact and loses only transposition-plus-edit words at 2.
func TestPlainLevenshtein(t *testing.T) {
	fx := newBleveFixture(t, "scorch", 400, bleveWords)
	bl, err := New(fx.idx, "body", Options{})
	if err != nil {
		t.Fatal(err)
	}
	bl.plainLev = true
	r := rand.New(rand.NewPCG(2, 7))
	for _, w := range bleveWords {
		q := []rune(w)
		for range 1 + r.IntN(2) {
			q = typo(r, q)
		}
		for d := 0; d <= 2; d++ {
			got := sortByWord(bl.Lookup(nil, string(q), d))
			want := dictBruteForce(t, fx.idx, "body", string(q), d, Options{})
			if d < 2 && !slices.Equal(got, want) {
				t.Errorf("Lookup(%q, %d) =\n %v\nwant\n %v", string(q), d, got, want)
			}
			for _, m := range got {
				if !slices.Contains(want, m) {
					t.Errorf("Lookup(%q, %d): unexpected %+v", string(q), d, m)
				}
			}
		}
	}
}

// TestAgreesWithSymSpell checks that both backends return the same words, distances and counts over
// the same word list (SymSpell built from the field's terms with their document frequencies). For scorch
// this relies on its transposition-aware automaton; see Index.
func TestAgreesWithSymSpell(t *testing.T) {
	r := rand.New(rand.NewPCG(12, 13))
	words := slices.Clone(bleveWords)
	for range 300 {
		w := []rune(words[r.IntN(len(bleveWords))])
		w = typo(r, w)
		if s := string(w); !slices.Contains(words, s) && !strings.ContainsAny(s, " ") {
			words = append(words, s)
		}
	}
	for _, kind := range []string{"upsidedown", "scorch"} {
		t.Run(kind, func(t *testing.T) {
			fx := newBleveFixture(t, kind, 1500, words)
			bl, err := New(fx.idx, "body", Options{})
			if err != nil {
				t.Fatal(err)
			}
			// The vocabulary is the field's term dictionary (the analyzer may split or drop some words).
			v := &candidates.SliceVocabulary{}
			for _, m := range dictBruteForce(t, fx.idx, "body", "", 1000, Options{}) {
				v.Words = append(v.Words, m.Word)
				v.Counts = append(v.Counts, m.Count)
			}
			ss := candidates.NewSymSpell(v, candidates.SymSpellOptions{})
			n := 0
			for _, w := range v.Words {
				q := []rune(w)
				for range 1 + r.IntN(3) {
					q = typo(r, q)
				}
				for d := 0; d <= 2; d++ {
					got := sortByWord(bl.Lookup(nil, string(q), d))
					want := ss.Lookup(nil, string(q), d)
					for i := range want {
						want[i].ID = candidates.NoID
					}
					if want = sortByWord(want); !slices.Equal(got, want) {
						t.Errorf("Lookup(%q, %d): bleve\n %v\nsymspell\n %v", string(q), d, got, want)
					}
					n++
				}
			}
			t.Logf("%d terms, %d lookups agree", v.Len(), n)
		})
	}
}

// failingIndex wraps a bleve index so that its readers fail: Reader itself, or the dictionary after a few
// entries.
type failingIndex struct {
	bleveIndex // not "bleve.Index": an embedded field named Index would hide the Index method
	adv        failingAdvanced
}

type bleveIndex = bleve.Index

func (f *failingIndex) Advanced() (index.Index, error) { return &f.adv, nil }

type failingAdvanced struct {
	index.Index
	failReader bool
	failAfter  int // dictionary entries before Next fails
}

var errInjected = fmt.Errorf("injected failure")

func (f *failingAdvanced) Reader() (index.IndexReader, error) {
	if f.failReader {
		return nil, errInjected
	}
	r, err := f.Index.Reader()
	return &failingReader{IndexReader: r, failAfter: f.failAfter}, err
}

// failingReader hides any fuzzy dictionary of the wrapped reader, so Index scans FieldDict.
type failingReader struct {
	index.IndexReader
	failAfter int
}

func (r *failingReader) FieldDict(field string) (index.FieldDict, error) {
	fd, err := r.IndexReader.FieldDict(field)
	return &failingDict{FieldDict: fd, left: r.failAfter}, err
}

type failingDict struct {
	index.FieldDict
	left int
}

func (d *failingDict) Next() (*index.DictEntry, error) {
	if d.left == 0 {
		return nil, errInjected
	}
	d.left--
	return d.FieldDict.Next()
}

func TestErrors(t *testing.T) {
	if _, err := New(nil, "body", Options{}); err == nil {
		t.Error("New(nil) succeeded")
	}
	fx := newBleveFixture(t, "scorch", 50, bleveWords)
	if _, err := New(fx.idx, "", Options{}); err == nil {
		t.Error("New with empty field succeeded")
	}
	// A field without terms returns nothing.
	other, err := New(fx.idx, "nosuchfield", Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got, err := other.LookupErr(nil, "spelling", 2); len(got) != 0 || err != nil {
		t.Errorf("missing field: %v, %v", got, err)
	}

	// Reader failure: LookupErr reports it, Lookup returns dst unchanged.
	adv, _ := fx.idx.Advanced()
	fi := &failingIndex{bleveIndex: fx.idx, adv: failingAdvanced{Index: adv}}
	bl, err := New(fi, "body", Options{})
	if err != nil {
		t.Fatal(err)
	}
	fi.adv.failReader = true
	if _, err := New(fi, "body", Options{}); err == nil {
		t.Error("New with a failing reader succeeded")
	}
	if _, err := bl.LookupErr(nil, "spelling", 2); err != errInjected {
		t.Errorf("LookupErr with a failing reader: err = %v", err)
	}
	dst := []candidates.Match{{Word: "keep"}}
	if got := bl.Lookup(dst, "spelling", 2); len(got) != 1 {
		t.Errorf("Lookup with a failing reader = %v", got)
	}
	// Failure in the middle of the dictionary: the matches found before it are returned.
	full, _ := New(fx.idx, "body", Options{})
	all := full.Lookup(nil, "spelling", 2)
	fi.adv.failReader, fi.adv.failAfter = false, 1000
	if got, err := bl.LookupErr(nil, "spelling", 2); err != nil || !slices.Equal(sortByWord(got), sortByWord(all)) {
		t.Errorf("scan path: %v, %v; want %v", got, err, all)
	}
	fi.adv.failAfter = 20
	got, err := bl.LookupErr(nil, "spelling", 2)
	if err != errInjected {
		t.Errorf("LookupErr with a failing dictionary: err = %v", err)
	}
	if len(got) >= len(all) {
		t.Errorf("failing dictionary: %d matches, want a part of %v", len(got), all)
	}
	for _, m := range got {
		if !slices.Contains(all, m) {
			t.Errorf("failing dictionary: unexpected %+v", m)
		}
	}

	// New on a closed index fails.
	fx.close()
	if _, err := New(fx.idx, "body", Options{}); err == nil {
		t.Error("New on a closed index succeeded")
	}
}

// Interface check: scorch readers offer the fuzzy dictionary this package relies on.
var _ index.IndexReaderFuzzy = (interface {
	index.IndexReader
	index.IndexReaderFuzzy
})(nil)

// typoAlphabet is what typo inserts and substitutes: mostly ASCII letters, some of the fixture's non-ASCII.
var typoAlphabet = []rune("abcdefghijklmnopqrstuvwxyzïé")

// typo applies one random OSA edit (insertion, deletion, substitution or transposition) to w.
func typo(r *rand.Rand, w []rune) []rune {
	w = slices.Clone(w)
	c := typoAlphabet[r.IntN(len(typoAlphabet))]
	switch op := r.IntN(4); {
	case op == 0 || len(w) == 0:
		return slices.Insert(w, r.IntN(len(w)+1), c)
	case op == 1:
		i := r.IntN(len(w))
		return slices.Delete(w, i, i+1)
	case op == 2:
		w[r.IntN(len(w))] = c
		return w
	case len(w) >= 2:
		i := r.IntN(len(w) - 1)
		w[i], w[i+1] = w[i+1], w[i]
	}
	return w
}
