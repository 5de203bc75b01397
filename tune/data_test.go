package tune

import (
	"bufio"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/spellwright/speller/data"
	"github.com/spellwright/speller/eval"
	"github.com/spellwright/speller/internal/shareddata"
	"github.com/spellwright/speller/model"
)

// trainingRows builds labelled rows from the training misspelling lists — never from the evaluation sets:
// nMis misspellings (single words, lower-cased, letters only, one row per typed word, typed<TAB>intended)
// and nCorrect correct words (word<TAB>_: intended words of other rows, then frequent words of the unigram
// list), each drawn with a fixed seed. It skips the test when the shared data is absent.
func trainingRows(tb testing.TB, nMis, nCorrect int) string {
	tb.Helper()
	shared := shareddata.Path(tb)
	used := make(map[string]bool)
	var mis, correct []string
	for _, f := range []string{"birkbeck.tsv", "codespell.tsv"} {
		for _, line := range lines(tb, filepath.Join(shared, "misspellings", "train", f)) {
			typed, want, ok := strings.Cut(strings.ToLower(line), "\t")
			if !ok || typed == want || !letters(typed) || !letters(want) || used[typed] {
				continue
			}
			used[typed] = true
			mis = append(mis, typed+"\t"+want)
		}
	}
	for _, row := range mis {
		_, want, _ := strings.Cut(row, "\t")
		if !used[want] {
			used[want] = true
			correct = append(correct, want+"\t_")
		}
	}
	r := rand.New(rand.NewPCG(7, 11))
	r.Shuffle(len(mis), func(i, j int) { mis[i], mis[j] = mis[j], mis[i] })
	r.Shuffle(len(correct), func(i, j int) { correct[i], correct[j] = correct[j], correct[i] })
	correct = correct[:min(len(correct), nCorrect/2)]
	for _, line := range lines(tb, filepath.Join(shared, "lm", "unigrams-en-82k.txt")) {
		if len(correct) >= nCorrect {
			break
		}
		w, _, _ := strings.Cut(line, " ")
		if len(w) >= 3 && letters(w) && !used[w] {
			used[w] = true
			correct = append(correct, w+"\t_")
		}
	}
	rows := append(mis[:min(len(mis), nMis)], correct...)
	r.Shuffle(len(rows), func(i, j int) { rows[i], rows[j] = rows[j], rows[i] })
	return strings.Join(rows, "\n") + "\n"
}

// trainingExamples is trainingRows read as examples.
func trainingExamples(tb testing.TB, nMis, nCorrect int) []eval.Example {
	tb.Helper()
	ex, err := eval.Read(strings.NewReader(trainingRows(tb, nMis, nCorrect)))
	if err != nil {
		tb.Fatal(err)
	}
	return ex
}

func lines(tb testing.TB, path string) []string {
	tb.Helper()
	f, err := os.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		out = append(out, sc.Text())
	}
	if err := sc.Err(); err != nil {
		tb.Fatal(err)
	}
	return out
}

func letters(s string) bool {
	for _, c := range s {
		if c < 'a' || c > 'z' {
			return false
		}
	}
	return s != ""
}

var (
	defaultOnce   sync.Once
	defaultBundle *model.Bundle
)

// defaultModel returns the embedded default model, decoded once.
func defaultModel(tb testing.TB) *model.Bundle {
	tb.Helper()
	defaultOnce.Do(func() {
		b, err := data.Default()
		if err != nil {
			tb.Fatal(err)
		}
		defaultBundle = b
	})
	if defaultBundle == nil {
		tb.Fatal("default model failed to load")
	}
	return defaultBundle
}
