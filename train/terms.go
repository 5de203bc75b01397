package train

import (
	"bufio"
	"fmt"
	"hash"
	"io"
	"os"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/spellwright/speller/tokenize"
)

// ReadTermsFile reads a term list for Options.Protected or Options.NeverSuggest; see ReadTerms.
func ReadTermsFile(path string) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("train: %w", err)
	}
	defer f.Close()
	terms, err := ReadTerms(f)
	if err != nil {
		return nil, fmt.Errorf("train: read %s: %w", path, err)
	}
	return terms, nil
}

// ReadTerms reads a term list: one term per line, normalized as the tokenizer normalizes queries (NFKC,
// case folding, single spaces); blank lines and lines starting with "#" are skipped. It returns the distinct
// terms, sorted. A line that is not valid UTF-8 is an error naming the line.
func ReadTerms(r io.Reader) ([]string, error) {
	var terms []string
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), maxLine)
	for line := 1; sc.Scan(); line++ {
		text := strings.TrimSpace(sc.Text())
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		if !utf8.ValidString(text) {
			return nil, fmt.Errorf("line %d: not valid UTF-8", line)
		}
		terms = append(terms, strings.Join(strings.Fields(tokenize.Normalize(text)), " "))
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	slices.Sort(terms)
	return slices.Compact(terms), nil
}

// hashTerms adds the term lists to a bundle's version hash; nothing when both are empty, so that a bundle
// without lists keeps the version it had before they existed.
func hashTerms(h hash.Hash, protected, never []string) {
	if len(protected) == 0 && len(never) == 0 {
		return
	}
	fmt.Fprintf(h, "protected %q\nnever_suggest %q\n", protected, never)
}
