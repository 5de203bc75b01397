package main

import (
	"bufio"
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/spellwright/speller/internal/randedit"
)

// builtinQueries are the queries sent when no query file is given and the shared misspelling lists are not
// there: shopping queries as shoppers type them, about a third of them misspelled, of one to four words.
var builtinQueries = []string{
	"running shoes",
	"runing shoes for men",
	"wireless headphones",
	"wireles headphnes",
	"iphone charger cable",
	"samsung galaxy case",
	"laptop backpack",
	"lapto bakpack",
	"coffee maker",
	"cofee maker with grinder",
	"stainless steel water bottle",
	"stainles steel water botle",
	"yoga mat",
	"womens winter jacket",
	"womens wintr jaket",
	"kids rain boots",
	"bluetooth speaker waterproof",
	"bluetoth speaker",
	"electric toothbrush",
	"electirc toothbrush heads",
	"vacuum cleaner",
	"vaccum cleaner cordless",
	"air fryer",
	"air fryer accessories",
	"king size duvet cover",
	"kitchen knife set",
	"kitchen knive set",
	"mens leather wallet",
	"mens lether wallet",
	"gaming keyboard",
	"mechanical keybord",
	"usb c hub",
	"external hard drive 2tb",
	"baby stroller",
	"baby strolller",
	"sunglasses polarized",
	"sunglases polarised",
	"desk lamp",
	"office chair ergonomic",
	"ofice chair",
	"garden hose",
	"dog food grain free",
	"cat litter",
	"cat liter box",
	"jewelry box",
	"jewlery box",
	"diamond earrings",
	"diamon earings",
	"tv wall mount",
	"television stand",
	"christmas lights outdoor",
	"chrismas lights",
	"protein powder chocolate",
	"protien powder",
}

// sharedQueryGlob is where the default query files live, relative to the repository root.
const sharedQueryGlob = "../shared/data/misspellings/dev/*.tsv"

// repoModule is the module whose go.mod marks the repository root.
const repoModule = "github.com/spellwright/speller"

// querySeed fixes the shuffle, so that every run sends the queries in the same order.
const querySeed = 20261123

// loadQueries returns the queries to send and a description of where they came from. With patterns (files
// or globs), it reads them and fails when one matches nothing or holds no query. Without, it reads the
// shared misspelling lists next to the repository root found from dir, or falls back to builtinQueries.
// Queries from files are mixed and shuffled with a fixed seed.
// misspelled is the share of rows whose typed side is sent; the others send their expected side (the query
// the shopper meant, a correct query), chosen by a seeded draw per row.
func loadQueries(patterns []string, dir string, misspelled float64) ([]string, string, error) {
	var files []string
	if len(patterns) == 0 {
		if root := findRepoRoot(dir); root != "" {
			files, _ = filepath.Glob(filepath.Join(root, sharedQueryGlob))
		}
		if len(files) == 0 {
			return builtinQueries, fmt.Sprintf("built-in list (%d shopping queries)", len(builtinQueries)), nil
		}
	}
	for _, p := range patterns {
		m, err := filepath.Glob(p)
		if err != nil {
			return nil, "", fmt.Errorf("--queries %s: %w", p, err)
		}
		if len(m) == 0 {
			if _, err := os.Stat(p); err != nil {
				return nil, "", fmt.Errorf("--queries: %w", err)
			}
			m = []string{p}
		}
		files = append(files, m...)
	}
	var qs []string
	pick := rand.New(rand.NewPCG(querySeed, 1))
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, "", fmt.Errorf("--queries: %w", err)
		}
		got := parseTSV(b)
		if len(got) == 0 {
			return nil, "", fmt.Errorf("--queries %s: no queries (lines typed<TAB>expected)", f)
		}
		for _, row := range got {
			if row[1] != "" && row[1] != "_" && pick.Float64() >= misspelled {
				qs = append(qs, row[1])
			} else {
				qs = append(qs, row[0])
			}
		}
	}
	rand.New(rand.NewPCG(querySeed, 0)).Shuffle(len(qs), func(i, j int) { qs[i], qs[j] = qs[j], qs[i] })
	names := make([]string, len(files))
	for i, f := range files {
		names[i] = filepath.Base(f)
	}
	return qs, fmt.Sprintf("%d queries from %s (typed side of %.0f%% of the rows, expected side of the others), shuffled (seed %d)",
		len(qs), strings.Join(names, ", "), 100*misspelled, querySeed), nil
}

// typoLetters are the letters withTypos inserts and substitutes.
var typoLetters = []rune("abcdefghijklmnopqrstuvwxyz")

// withTypos returns qs and n variants of each, shuffled with seed: a variant has one random edit
// (randedit.Apply: a substitution, insertion, deletion or transposition) in one of the query's words of three
// letters or more, drawn with seed too, its words joined by single spaces. A query without such a word has
// no variant. It makes more distinct queries of the same kind than the files hold, for --order once, which
// sends once a variant that happens to equal another query or its own (a letter replaced by itself, two equal
// letters swapped); --order cycle sends it again.
func withTypos(qs []string, n int, seed uint64) []string {
	out := slices.Clone(qs)
	r := rand.New(rand.NewPCG(seed, 2))
	var long []int
	for _, q := range qs {
		words := strings.Fields(q)
		long = long[:0]
		for i, w := range words {
			if utf8.RuneCountInString(w) >= 3 {
				long = append(long, i)
			}
		}
		if len(long) == 0 {
			continue
		}
		for range n {
			v := slices.Clone(words)
			i := long[r.IntN(len(long))]
			v[i] = string(randedit.Apply(r, []rune(v[i]), typoLetters, 1))
			out = append(out, strings.Join(v, " "))
		}
	}
	rand.New(rand.NewPCG(seed, 3)).Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out
}

// parseTSV returns the (typed, expected) columns of the lines typed<TAB>expected, skipping blank lines and #
// comments; expected is "" when the line has one column.
func parseTSV(b []byte) [][2]string {
	var out [][2]string
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "#") {
			continue
		}
		typed, expected, _ := strings.Cut(line, "\t")
		expected, _, _ = strings.Cut(expected, "\t")
		if typed = strings.TrimSpace(typed); typed != "" {
			out = append(out, [2]string{typed, strings.TrimSpace(expected)})
		}
	}
	return out
}

// findRepoRoot returns the nearest directory at or above dir whose go.mod declares repoModule, or "".
func findRepoRoot(dir string) string {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return ""
	}
	for {
		if b, err := os.ReadFile(filepath.Join(dir, "go.mod")); err == nil {
			for line := range strings.Lines(string(b)) {
				if strings.TrimSpace(line) == "module "+repoModule {
					return dir
				}
			}
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
}
