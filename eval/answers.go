package eval

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
)

// ErrNoAnswer is the error (wrapped) of Answers.Suggest for an input the answers file does not hold.
var ErrNoAnswer = errors.New("no answer for this input")

// Answers is a speller that answers from a table written beforehand: what another system (a web API, another
// library) answered for each typed input, so that its outputs are scored by exactly the code that scores
// ours. Such a system says only what it would show, so an answer is offered when it differs from the input
// (compared in canonical form, see Canon), and it is also the best path:
//
//	Outcome{Output: output, BestPath: output, Offered: Canon(output) != Canon(typed)}
//
// An input missing from the table is refused with ErrNoAnswer, so Run leaves it as typed and counts it in
// Metrics.Errors; Missing lists such inputs beforehand. Answers is safe for concurrent use once read.
type Answers struct {
	out map[string]string // Canon(typed) → output

	Rows          int // data rows read
	Duplicates    int // rows whose typed input (in canonical form) an earlier row already answered; ignored
	Conflicts     int // duplicates whose output differs (in canonical form) from the earlier row's
	FirstConflict int // line number of the first conflicting row, 0 if none
}

// ReadAnswers parses an answers table: rows "typed<TAB>output", keyed by the typed input in canonical form.
// Blank lines and lines starting with "#" are skipped; columns after the second are ignored; spaces around
// fields are trimmed. A line without a tab, or with an empty input or output, is an error naming the line.
//
// When the same typed input has several rows, the first row's output is kept and the others are counted in
// Duplicates; those whose output differs from the kept one (in canonical form) are also counted in Conflicts,
// with the line of the first in FirstConflict. A conflict is not an error, so that an answers file of a
// system that is not deterministic can still be scored; callers should report the count.
func ReadAnswers(r io.Reader) (*Answers, error) {
	a := &Answers{out: make(map[string]string)}
	err := scanRows(r, "output", func(line int, typed, output string) {
		a.Rows++
		key := Canon(typed)
		if prev, ok := a.out[key]; ok {
			a.Duplicates++
			if Canon(prev) != Canon(output) {
				a.Conflicts++
				if a.FirstConflict == 0 {
					a.FirstConflict = line
				}
			}
			return
		}
		a.out[key] = output
	})
	if err != nil {
		return nil, fmt.Errorf("%w (answers)", err)
	}
	return a, nil
}

// ReadAnswersFile reads the answers table in the file at path (see ReadAnswers).
func ReadAnswersFile(path string) (*Answers, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("eval: %w", err)
	}
	defer f.Close()
	a, err := ReadAnswers(f)
	if err != nil {
		return nil, fmt.Errorf("%w (file %s)", err, path)
	}
	return a, nil
}

// Len is the number of distinct typed inputs answered.
func (a *Answers) Len() int { return len(a.out) }

// Lookup returns the output for the typed input (compared in canonical form) and whether there is one.
func (a *Answers) Lookup(typed string) (string, bool) {
	out, ok := a.out[Canon(typed)]
	return out, ok
}

// Suggest answers query from the table; see Answers.
func (a *Answers) Suggest(ctx context.Context, query string) (Outcome, error) {
	if err := ctx.Err(); err != nil {
		return Outcome{}, err
	}
	out, ok := a.Lookup(query)
	if !ok {
		return Outcome{}, fmt.Errorf("eval: %q: %w", query, ErrNoAnswer)
	}
	return Outcome{Offered: Canon(out) != Canon(query), Output: out, BestPath: out}, nil
}

// Missing returns the typed inputs of ex that the table does not answer, in the order of ex.
func (a *Answers) Missing(ex []Example) []string {
	var missing []string
	for _, e := range ex {
		if _, ok := a.Lookup(e.Typed); !ok {
			missing = append(missing, e.Typed)
		}
	}
	return missing
}
