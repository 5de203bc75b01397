package eval_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spellwright/speller/eval"
)

func TestReadAnswers(t *testing.T) {
	tests := []struct {
		name                  string
		in                    string
		want                  map[string]string // typed (any spelling) → output
		rows, dups, conflicts int
		firstConflict         int
	}{
		{name: "empty", in: "", want: map[string]string{}},
		{name: "comments and blank lines", in: "# typed\toutput\n\n  \t \n#x\ty\n", want: map[string]string{}},
		{name: "one row", in: "jewlery\tjewelry\n", want: map[string]string{"jewlery": "jewelry"}, rows: 1},
		{name: "no final newline", in: "jewlery\tjewelry", want: map[string]string{"jewlery": "jewelry"}, rows: 1},
		{name: "unchanged", in: "dress\tdress\n", want: map[string]string{"dress": "dress"}, rows: 1},
		{name: "keyed in canonical form", in: "  Red   DRESS \tred dress\n",
			want: map[string]string{"red dress": "red dress", "RED DRESS": "red dress", "Red  Dress": "red dress"}, rows: 1},
		{name: "extra columns ignored", in: "dresss\tdress\t0.93\tnote\n", want: map[string]string{"dresss": "dress"}, rows: 1},
		{name: "spaces around fields trimmed", in: " flowr girl \t flower girl  \n",
			want: map[string]string{"flowr girl": "flower girl"}, rows: 1},
		{name: "CRLF line ends", in: "dress\tdress\r\nsheos\tshoes\r\n",
			want: map[string]string{"dress": "dress", "sheos": "shoes"}, rows: 2},
		{name: "non-ASCII", in: "NAIVE\tNaïve\n", want: map[string]string{"naive": "Naïve"}, rows: 1},
		{name: "same answer twice is a duplicate, not a conflict", in: "sheos\tshoes\nSheos\tSHOES\n",
			want: map[string]string{"sheos": "shoes"}, rows: 2, dups: 1},
		{name: "conflict keeps the first", in: "a\tb\nsheos\tshoes\n\nsheos\tshoe\nsheos\tshows\nSHEOS\tshoes\n",
			want: map[string]string{"sheos": "shoes", "a": "b"}, rows: 5, dups: 3, conflicts: 2, firstConflict: 4},
	}
	for _, tt := range tests {
		a, err := eval.ReadAnswers(strings.NewReader(tt.in))
		if err != nil {
			t.Errorf("%s: ReadAnswers: %v", tt.name, err)
			continue
		}
		distinct := make(map[string]bool)
		for typed, want := range tt.want {
			distinct[eval.Canon(typed)] = true
			if got, ok := a.Lookup(typed); !ok || got != want {
				t.Errorf("%s: Lookup(%q) = %q, %v; want %q, true", tt.name, typed, got, ok, want)
			}
		}
		if a.Len() != len(distinct) {
			t.Errorf("%s: Len = %d, want %d", tt.name, a.Len(), len(distinct))
		}
		if a.Rows != tt.rows || a.Duplicates != tt.dups || a.Conflicts != tt.conflicts || a.FirstConflict != tt.firstConflict {
			t.Errorf("%s: rows %d, duplicates %d, conflicts %d (first at line %d); want %d, %d, %d (%d)", tt.name,
				a.Rows, a.Duplicates, a.Conflicts, a.FirstConflict, tt.rows, tt.dups, tt.conflicts, tt.firstConflict)
		}
		if _, ok := a.Lookup("not in the table"); ok {
			t.Errorf("%s: Lookup of an unknown input succeeded", tt.name)
		}
	}
}

func TestReadAnswersErrors(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"missing tab", "jewlery\tjewelry\n# comment\n\njewlery jewelry\n", "line 4: want typed<TAB>output"},
		{"missing tab on line 1", "dress", "line 1"},
		{"empty input", "dress\tdress\n\tdress\n", "line 2: empty input"},
		{"empty output", "dress\t \n", "line 1: empty input or output"},
		{"empty output before extra column", "dress\t\t3\n", "line 1: empty input or output"},
		{"line too long", "a\t" + strings.Repeat("b", 2<<20) + "\n", "too long"},
	}
	for _, tt := range tests {
		a, err := eval.ReadAnswers(strings.NewReader(tt.in))
		if err == nil {
			t.Errorf("%s: ReadAnswers = %+v, want an error", tt.name, a)
			continue
		}
		if !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "eval: ") {
			t.Errorf("%s: error %q, want it to start with \"eval: \" and mention %q", tt.name, err, tt.want)
		}
		if a != nil {
			t.Errorf("%s: ReadAnswers returned %+v with its error", tt.name, a)
		}
	}
}

func TestReadAnswersFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "x.answers.tsv")
	if err := os.WriteFile(path, []byte("jewlery\tjewelry\ndress\tdress\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	a, err := eval.ReadAnswersFile(path)
	if err != nil || a.Len() != 2 {
		t.Fatalf("ReadAnswersFile = %+v, %v; want 2 answers", a, err)
	}
	bad := filepath.Join(dir, "bad.tsv")
	if err := os.WriteFile(bad, []byte("dress\tdress\nno tab\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := eval.ReadAnswersFile(bad); err == nil || !strings.Contains(err.Error(), "line 2") || !strings.Contains(err.Error(), bad) {
		t.Errorf("ReadAnswersFile(bad) error = %v, want it to name line 2 and the file", err)
	}
	if _, err := eval.ReadAnswersFile(filepath.Join(dir, "missing.tsv")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("ReadAnswersFile(missing) error = %v, want os.ErrNotExist", err)
	}
}

func TestAnswersSuggest(t *testing.T) {
	a, err := eval.ReadAnswers(strings.NewReader("jewlery\tjewelry\nDress\tdress\nnike\tnice\nred dress\tRed  Dress\n"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		query string
		want  eval.Outcome
	}{
		{"jewlery", eval.Outcome{Offered: true, Output: "jewelry", BestPath: "jewelry"}},
		{"JEWLERY", eval.Outcome{Offered: true, Output: "jewelry", BestPath: "jewelry"}},
		{"dress", eval.Outcome{Output: "dress", BestPath: "dress"}},               // case only: not a change
		{"red dress", eval.Outcome{Output: "Red  Dress", BestPath: "Red  Dress"}}, // nor are spaces
		{"nike", eval.Outcome{Offered: true, Output: "nice", BestPath: "nice"}},
	}
	for _, tt := range tests {
		got, err := a.Suggest(context.Background(), tt.query)
		if err != nil || got != tt.want {
			t.Errorf("Suggest(%q) = %+v, %v; want %+v", tt.query, got, err, tt.want)
		}
	}
	if _, err := a.Suggest(context.Background(), "sheos"); !errors.Is(err, eval.ErrNoAnswer) || !strings.Contains(err.Error(), `"sheos"`) {
		t.Errorf("Suggest(unknown) error = %v, want ErrNoAnswer naming the input", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := a.Suggest(ctx, "jewlery"); !errors.Is(err, context.Canceled) {
		t.Errorf("Suggest(canceled) error = %v, want context.Canceled", err)
	}
}

// TestAnswersRun scores an answers table with Run: the same metrics as Score on the outcomes it implies, and
// the inputs it lacks are errors, left as typed.
func TestAnswersRun(t *testing.T) {
	ex, err := eval.Read(strings.NewReader("jewlery\tjewelry\ndresss\tdress\nsheos\tshoes\nnike\t_\nboots\t_\nbag\t_\n"))
	if err != nil {
		t.Fatal(err)
	}
	a, err := eval.ReadAnswers(strings.NewReader(
		"jewlery\tjewelry\ndresss\tdresses\nnike\tnice\nboots\tBoots\nunused\tused\n"))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := a.Missing(ex), []string{"sheos", "bag"}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("Missing = %q, want %q", got, want)
	}
	m, out, err := eval.Run(context.Background(), a, ex)
	if err != nil {
		t.Fatal(err)
	}
	wantOut := []eval.Outcome{
		{Offered: true, Output: "jewelry", BestPath: "jewelry"},
		{Offered: true, Output: "dresses", BestPath: "dresses"},
		{Output: "sheos", BestPath: "sheos"}, // missing
		{Offered: true, Output: "nice", BestPath: "nice"},
		{Output: "Boots", BestPath: "Boots"},
		{Output: "bag", BestPath: "bag"}, // missing
	}
	if fmt.Sprint(out) != fmt.Sprint(wantOut) {
		t.Errorf("outcomes\n%+v\nwant\n%+v", out, wantOut)
	}
	// 6 inputs, 3 need correction; offered 3: jewlery (right), dresss (wrong), nike (false correction).
	p, r := 1.0/3, 1.0/3
	want := eval.Metrics{
		N: 6, NeedsCorrection: 3, Offered: 3, CorrectOffered: 1,
		Accuracy:         3.0 / 6, // jewlery, boots, bag
		BestPathAccuracy: 3.0 / 6,
		Precision:        p, Recall: r, F1: 2 * p * r / (p + r),
		FalseCorrections: 1, FalseRate: 1.0 / 3,
		Errors: 2,
	}
	m.P50us, m.P99us = 0, 0
	if !metricsEqual(m, want) {
		t.Errorf("Run metrics =\n%+v\nwant\n%+v", m, want)
	}
}

func FuzzReadAnswers(f *testing.F) {
	f.Add("jewlery\tjewelry\nJewlery\tjewellery\ndress\tdress\n# c\n\nRed Dress\tred dress\textra\n")
	f.Add("no tab\n")
	f.Add("\t\n")
	f.Add("a\t\n")
	f.Add("a\tb\r\nA\tB\n")
	f.Add("a  b\tc\n A B \td\n#\n \t \n")
	f.Add("\xff\t\xfe\n")
	f.Fuzz(func(t *testing.T, in string) {
		a, err := eval.ReadAnswers(strings.NewReader(in))
		if err != nil {
			if !strings.HasPrefix(err.Error(), "eval: ") || a != nil {
				t.Fatalf("ReadAnswers error %q with %+v", err, a)
			}
			if !strings.Contains(err.Error(), "line ") && !strings.Contains(err.Error(), "too long") {
				t.Fatalf("error %q names no line", err)
			}
			return
		}
		if a.Rows != a.Len()+a.Duplicates || a.Conflicts > a.Duplicates || (a.Conflicts > 0) != (a.FirstConflict > 0) {
			t.Fatalf("rows %d, distinct %d, duplicates %d, conflicts %d (first at line %d)",
				a.Rows, a.Len(), a.Duplicates, a.Conflicts, a.FirstConflict)
		}
		// Every data row is answered: by its own output if it is the first for its input.
		first := make(map[string]bool)
		for line := range strings.Lines(in) {
			line = strings.TrimSuffix(line, "\n")
			line = strings.TrimSuffix(line, "\r") // as bufio.ScanLines does
			if strings.TrimSpace(line) == "" || strings.HasPrefix(line, "#") {
				continue
			}
			typed, rest, _ := strings.Cut(line, "\t")
			output, _, _ := strings.Cut(rest, "\t")
			got, ok := a.Lookup(typed)
			if !ok {
				t.Fatalf("row %q not answered", line)
			}
			if k := eval.Canon(typed); !first[k] {
				first[k] = true
				if got != strings.TrimSpace(output) {
					t.Fatalf("row %q answered %q", line, got)
				}
			}
			o, err := a.Suggest(context.Background(), typed)
			if err != nil || o.Output != got || o.BestPath != got || o.Offered != (eval.Canon(got) != eval.Canon(typed)) {
				t.Fatalf("Suggest(%q) = %+v, %v; answer %q", typed, o, err, got)
			}
		}
		if len(first) != a.Len() {
			t.Fatalf("%d distinct inputs in the text, %d answered", len(first), a.Len())
		}
	})
}

func ExampleAnswers() {
	const answers = `# what another system answered: typed	output
jewlery	jewelry
nike	nice
dress	Dress
`
	a, err := eval.ReadAnswers(strings.NewReader(answers))
	if err != nil {
		panic(err)
	}
	ex, err := eval.Read(strings.NewReader("jewlery\tjewelry\nnike\t_\ndress\t_\nsheos\tshoes\n"))
	if err != nil {
		panic(err)
	}
	fmt.Println("missing:", a.Missing(ex))
	m, _, err := eval.Run(context.Background(), a, ex)
	if err != nil {
		panic(err)
	}
	fmt.Printf("accuracy %.2f changed %.2f precision %.2f recall %.2f errors %d\n",
		m.Accuracy, m.FalseRate, m.Precision, m.Recall, m.Errors)
	// Output:
	// missing: [sheos]
	// accuracy 0.50 changed 0.50 precision 0.50 recall 0.50 errors 1
}
