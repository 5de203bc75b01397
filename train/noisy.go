package train

import (
	"math"
	"slices"
	"sort"

	"github.com/spellwright/speller/internal/editdist"
)

// Noisy word lists. A word-count list gathered from uncurated text (the web's most frequent words) has the
// abbreviations, names and brands queries are made of, which a dictionary lacks (ny, ok, aol, keto), and
// also the misspellings people make most often (recieve, definately, jewlery): a misspelling in the
// vocabulary is a word the speller will not correct. Bundle leaves out of the vocabulary the words that only
// a noisy list has (AddNoisyUnigrams) and that the training data shows to be misspellings:
//
//   - the typed side of a training pair (AddPair) whose intended side is at least NoisyOptions.ListedRatio
//     times more frequent: the pair lists it as a misspelling, and the web does not use it as a word of its
//     own (misspelling lists also hold real words and abbreviations: "mom" for "mum", "wy" for "why");
//   - a word of at least NoisyOptions.MinRunes runes one edit away from a word at least NoisyOptions.Ratio
//     times more frequent: P(w')  < P(w)/Ratio, about the share of w's occurrences a single typing slip
//     turns into w' (10⁻³ for a typo in one word in a hundred, one slip in ten of them this one), so its
//     count is explained by the misspelling of w.
//
// Words of a curated list (AddUnigrams) or of the primary sources are never left out, nor words of fewer
// than minNoisyRunes runes: a two-letter word among the web's most frequent is an abbreviation, a state, a
// unit ("wy", "nm", "ft"), even when a misspelling list has it ("wy" for "why").

// NoisyOptions configure the misspelling filter of noisy word lists. The zero value selects the defaults.
type NoisyOptions struct {
	// Ratio: a noisy word one edit from a word Ratio times more frequent is a misspelling of it (default 100).
	Ratio float64
	// MinRunes: shorter noisy words are never judged by frequency ratio (default 5): short words have many
	// neighbours, and abbreviations are short.
	MinRunes int
	// ListedRatio: the typed side of a training pair is a misspelling when its intended side is ListedRatio
	// times more frequent (default 3).
	ListedRatio float64
}

func (o NoisyOptions) withDefaults() NoisyOptions {
	if o.Ratio <= 0 {
		o.Ratio = 100
	}
	if o.MinRunes <= 0 {
		o.MinRunes = 5
	}
	if o.ListedRatio <= 0 {
		o.ListedRatio = 3
	}
	return o
}

// NoisyReport counts the words a noisy list lost to the filter, with examples.
type NoisyReport struct {
	Listed   int      `json:"listed_misspellings"` // typed sides of training pairs
	Frequent int      `json:"near_frequent_word"`  // one edit from a much more frequent word
	Examples []string `json:"examples,omitempty"`  // a few of them, "word→likely intended"
}

// misspelledNoisy returns the words of the noisy lists that are misspellings (see the comment above):
// candidates are the noisy-only words, counts the mixed unigram count of every word, curated the words
// that are never left out.
func misspelledNoisy(noisyOnly []string, counts map[string]float64, typed map[string][]string, opts NoisyOptions,
	rep *NoisyReport) map[string]bool {
	opts = opts.withDefaults()
	// Every word of the vocabulary by its one-deletion variants (and itself): two words within one edit
	// share a key. Built over all words, so a noisy word can be judged against any more frequent word.
	// Only words frequent enough to explain some noisy word are indexed: at least Ratio times the rarest.
	least := math.Inf(1)
	for _, w := range noisyOnly {
		least = min(least, counts[w])
	}
	keys := make(map[string][]string)
	words := make([]string, 0, len(noisyOnly))
	for w, n := range counts {
		if n >= opts.Ratio*least {
			words = append(words, w)
		}
	}
	sort.Strings(words) // deterministic
	for _, w := range words {
		for _, k := range deletions(w) {
			keys[k] = append(keys[k], w)
		}
	}
	out := make(map[string]bool)
	var ra, rb []rune
	var s editdist.Scratch
	sort.Strings(noisyOnly)
	for _, w := range noisyOnly {
		ra = append(ra[:0], []rune(w)...)
		if len(ra) < minNoisyRunes {
			continue
		}
		if listed := slices.ContainsFunc(typed[w], func(v string) bool {
			return counts[v] >= opts.ListedRatio*counts[w]
		}); listed {
			out[w] = true
			rep.Listed++
			rep.example(w, "")
			continue
		}
		if len(ra) < opts.MinRunes {
			continue
		}
		c := counts[w]
		best, bestCount := "", 0.0
		for _, k := range deletions(w) {
			for _, v := range keys[k] {
				if v == w || counts[v] < opts.Ratio*c || counts[v] <= bestCount {
					continue
				}
				rb = append(rb[:0], []rune(v)...)
				if editdist.OSA(ra, rb, 1, &s) <= 1 {
					best, bestCount = v, counts[v]
				}
			}
		}
		if best != "" {
			out[w] = true
			rep.Frequent++
			rep.example(w, best)
		}
	}
	return out
}

const maxNoisyExamples = 20

// minNoisyRunes is the length of the shortest noisy word that may be judged a misspelling.
const minNoisyRunes = 3

func (r *NoisyReport) example(w, intended string) {
	if len(r.Examples) < maxNoisyExamples {
		if intended != "" {
			w += "→" + intended
		}
		r.Examples = append(r.Examples, w)
	}
}

// deletions returns w and the strings made by deleting one of its runes.
func deletions(w string) []string {
	rs := []rune(w)
	out := make([]string, 0, len(rs)+1)
	out = append(out, w)
	for i := range rs {
		out = append(out, string(rs[:i])+string(rs[i+1:]))
	}
	return out
}
