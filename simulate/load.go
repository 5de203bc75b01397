package simulate

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"unicode"
)

// Query is an intended query with its popularity (relative weight, > 0).
type Query struct {
	Text   string
	Weight float64
}

// Pair is a real (typed, intended) pair: a misspelled word or query and what was meant.
type Pair struct {
	Typed, Intended string
}

const maxLine = 1 << 20

// LoadQueries reads intended queries, one per line, each optionally followed by a tab
// and a positive weight (default 1). Blank lines and lines starting with "#" are
// skipped; surrounding white space is trimmed. Errors name the line.
func LoadQueries(r io.Reader) ([]Query, error) {
	var out []Query
	err := eachLine(r, func(n int, line string) error {
		text, w, hasW := strings.Cut(line, "\t")
		text = strings.TrimSpace(text)
		if text == "" {
			return fmt.Errorf("simulate: queries line %d: empty query", n)
		}
		q := Query{Text: text, Weight: 1}
		if hasW {
			f, err := strconv.ParseFloat(strings.TrimSpace(w), 64)
			if err != nil || !(f > 0) || math.IsInf(f, 0) {
				return fmt.Errorf("simulate: queries line %d: bad weight %q (want a positive number)", n, w)
			}
			q.Weight = f
		}
		out = append(out, q)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// LoadPairs reads typed<TAB>intended lines and lower-cases both sides. Blank lines and
// lines starting with "#" are skipped. Errors name the line.
func LoadPairs(r io.Reader) ([]Pair, error) {
	var out []Pair
	err := eachLine(r, func(n int, line string) error {
		parts := strings.Split(line, "\t")
		if len(parts) != 2 {
			return fmt.Errorf("simulate: pairs line %d: want typed<TAB>intended, got %d field(s)", n, len(parts))
		}
		p := Pair{Typed: strings.ToLower(strings.TrimSpace(parts[0])), Intended: strings.ToLower(strings.TrimSpace(parts[1]))}
		if p.Typed == "" || p.Intended == "" {
			return fmt.Errorf("simulate: pairs line %d: empty field", n)
		}
		out = append(out, p)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// eachLine calls fn with the 1-based number and text of every line of r that is neither
// blank nor a comment.
func eachLine(r io.Reader, fn func(n int, line string) error) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), maxLine)
	n := 0
	for sc.Scan() {
		n++
		line := strings.TrimRight(sc.Text(), "\r")
		if t := strings.TrimSpace(line); t == "" || strings.HasPrefix(t, "#") {
			continue
		}
		if err := fn(n, line); err != nil {
			return err
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("simulate: line %d: %w", n+1, err)
	}
	return nil
}

// MisspellingsFromPairs keeps the single-word pairs (no white space on either side,
// typed different from intended) and returns intended → typed list, each list
// deduplicated and sorted.
func MisspellingsFromPairs(p []Pair) map[string][]string {
	m := map[string][]string{}
	for _, x := range p {
		t, i := strings.ToLower(x.Typed), strings.ToLower(x.Intended)
		if t == "" || i == "" || t == i || strings.ContainsFunc(t+i, unicode.IsSpace) {
			continue
		}
		m[i] = append(m[i], t)
	}
	for k, v := range m {
		slices.Sort(v)
		m[k] = slices.Compact(v)
	}
	return m
}

// stopwords are function words that a query window may not start or end with, so that
// queries cut from prose look like searches ("holmes red room") rather than fragments
// ("of the").
var stopwords = map[string]bool{}

func init() {
	for _, w := range strings.Fields(`a an the of and or but to in on at by for with from as is was were be been are
		it its he she they we you i his her him them their our my your me us this that these those which who whom
		not no so if then than there here had has have do did does will would shall should can could may might must
		said upon into out up all any some what when where how very one`) {
		stopwords[w] = true
	}
}

// QueriesFromCorpus cuts n queries from plain text: windows of 1–4 consecutive words
// (mostly 2–3), where a word is a lower-cased run of letters. Windows starting or
// ending with a function word are avoided, and every query is distinct. Each query
// gets a Zipf-like popularity: the query of random rank k has weight 1/k. The result
// depends only on the text, n and seed.
func QueriesFromCorpus(r io.Reader, n int, seed int64) ([]Query, error) {
	if n <= 0 {
		return nil, fmt.Errorf("simulate: QueriesFromCorpus: n = %d, want > 0", n)
	}
	words, err := corpusWords(r)
	if err != nil {
		return nil, err
	}
	if len(words) == 0 {
		return nil, errors.New("simulate: QueriesFromCorpus: no word in the text")
	}
	rng := rand.New(rand.NewPCG(uint64(seed), 0xc0270515))
	seen := map[string]bool{}
	out := make([]Query, 0, n)
	for attempts := 0; len(out) < n && attempts < 50*n+1000; attempts++ {
		var k int
		switch x := rng.Float64(); {
		case x < 0.10:
			k = 1
		case x < 0.55:
			k = 2
		case x < 0.90:
			k = 3
		default:
			k = 4
		}
		k = min(k, len(words))
		start := rng.IntN(len(words) - k + 1)
		win := words[start : start+k]
		// the last tries accept any window, so that small texts still give n queries
		strict := attempts < 40*n
		if strict && (stopwords[win[0]] || stopwords[win[k-1]] || (k == 1 && len(win[0]) < 3)) {
			continue
		}
		q := strings.Join(win, " ")
		if seen[q] {
			continue
		}
		seen[q] = true
		out = append(out, Query{Text: q})
	}
	if len(out) < n {
		return nil, fmt.Errorf("simulate: QueriesFromCorpus: only %d distinct queries in the text, %d wanted", len(out), n)
	}
	ranks := rng.Perm(n)
	for i := range out {
		out[i].Weight = 1 / float64(ranks[i]+1)
	}
	return out, nil
}

// corpusWords splits text into lower-cased runs of letters.
func corpusWords(r io.Reader) ([]string, error) {
	br := bufio.NewReader(r)
	var words []string
	var cur strings.Builder
	flush := func() {
		if cur.Len() > 0 {
			words = append(words, cur.String())
			cur.Reset()
		}
	}
	for {
		c, _, err := br.ReadRune()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("simulate: read corpus: %w", err)
		}
		if unicode.IsLetter(c) {
			cur.WriteRune(unicode.ToLower(c))
		} else {
			flush()
		}
	}
	flush()
	return words, nil
}
