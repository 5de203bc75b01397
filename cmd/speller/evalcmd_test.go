package main

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spellwright/speller/internal/shareddata"
)

// evalResult is the JSON speller eval prints per file; latency and answers-file fields are pointers so that
// a test can tell absent from zero.
type evalResult struct {
	File            string   `json:"file"`
	Answers         *string  `json:"answers"`
	Missing         *int     `json:"missing"`
	Conflicts       *int     `json:"conflicts"`
	Model           *string  `json:"model"`
	N               int      `json:"n"`
	NeedsCorrection int      `json:"needs_correction"`
	Accuracy        float64  `json:"accuracy"`
	BestPath        float64  `json:"best_path_accuracy"`
	Precision       float64  `json:"precision"`
	Recall          float64  `json:"recall"`
	F1              float64  `json:"f1"`
	FalseCorr       int      `json:"false_corrections"`
	FalseRate       float64  `json:"false_correction_rate"`
	Errors          int      `json:"errors"`
	P50us           *float64 `json:"p50_us"`
	P99us           *float64 `json:"p99_us"`
}

func evalJSONResults(t *testing.T, args ...string) []evalResult {
	t.Helper()
	out, stderr, code := runSpeller(t, "", append([]string{"eval", "--json"}, args...)...)
	if code != 0 {
		t.Fatalf("speller eval --json %v: exit %d: %s", args, code, stderr)
	}
	var rs []evalResult
	dec := json.NewDecoder(strings.NewReader(out))
	for dec.More() {
		var r evalResult
		if err := dec.Decode(&r); err != nil {
			t.Fatalf("%v in\n%s", err, out)
		}
		rs = append(rs, r)
	}
	return rs
}

func near(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

// TestEvalAnswers scores a peer's answers file on two small fixtures through the binary: a clean set (one
// query changed of four; a case-only change is no change) and a typo set (two restored of four, one wrong
// correction, one input without an answer).
func TestEvalAnswers(t *testing.T) {
	const answers = "testdata/peer.answers.tsv"
	out, stderr, code := runSpeller(t, "", "eval", "--answers", answers, "testdata/peer-clean.tsv", "testdata/peer-typo.tsv")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	wantHeader := "answers testdata/peer.answers.tsv  (10 rows, 8 distinct inputs; 1 rows answer an input already " +
		"answered differently, first at line 12: the first answer is kept; no latency measured)"
	if lines[0] != wantHeader || strings.Contains(out, "lambda") {
		t.Errorf("header %q, want %q", lines[0], wantHeader)
	}
	rows := map[string][]string{}
	var columns []string
	for _, l := range lines[1:] {
		f := strings.Fields(l)
		switch {
		case len(f) > 0 && f[0] == "file":
			columns = f
		case len(f) > 0 && strings.HasPrefix(f[0], "testdata/"):
			rows[f[0]] = f[1:]
		}
	}
	if !strings.Contains(strings.Join(columns, " "), "false corr. changed p50 µs p99 µs") {
		t.Errorf("columns %q", columns)
	}
	// n, needs corr., accuracy, best path, precision, recall, F1, false corr., changed, p50, p99
	want := map[string]string{
		"testdata/peer-clean.tsv": "4 0 0.750 0.750 0.000 0.000 0.000 1 0.250 - -",
		"testdata/peer-typo.tsv":  "4 4 0.500 0.500 0.667 0.500 0.571 0 - - -",
	}
	for file, w := range want {
		if got := strings.Join(rows[file], " "); got != w {
			t.Errorf("%s: row %q, want %q\n%s", file, got, w, out)
		}
	}
	wantNote := `testdata/peer-typo.tsv: MISSING 1 of 4 inputs have no answer in testdata/peer.answers.tsv ` +
		`(scored as left unchanged, counted in errors), e.g. "flowr girl"`
	if lines[len(lines)-1] != wantNote || strings.Count(out, "MISSING") != 1 {
		t.Errorf("last line %q, want %q", lines[len(lines)-1], wantNote)
	}

	// The same numbers in JSON, without latencies.
	rs := evalJSONResults(t, "--answers", answers, "testdata/peer-clean.tsv", "testdata/peer-typo.tsv")
	if len(rs) != 2 {
		t.Fatalf("%d JSON objects, want 2", len(rs))
	}
	for _, r := range rs {
		if r.Answers == nil || *r.Answers != answers || r.Missing == nil || r.Conflicts == nil || *r.Conflicts != 1 ||
			r.Model != nil || r.P50us != nil || r.P99us != nil {
			t.Errorf("%s: JSON answers/missing/conflicts/model/latency fields wrong: %+v", r.File, r)
		}
	}
	clean, typo := rs[0], rs[1]
	if clean.N != 4 || clean.NeedsCorrection != 0 || !near(clean.Accuracy, 0.75) || clean.FalseCorr != 1 ||
		!near(clean.FalseRate, 0.25) || *clean.Missing != 0 || clean.Errors != 0 {
		t.Errorf("clean: %+v", clean)
	}
	if typo.N != 4 || typo.NeedsCorrection != 4 || !near(typo.Accuracy, 0.5) || !near(typo.Precision, 2.0/3) ||
		!near(typo.Recall, 0.5) || !near(typo.F1, 4.0/7) || typo.FalseRate != 0 || *typo.Missing != 1 || typo.Errors != 1 {
		t.Errorf("typo: %+v", typo)
	}
}

func TestEvalAnswersErrors(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.answers.tsv")
	os.WriteFile(bad, []byte("red dress\tred dress\nno tab here\n"), 0o644)
	other := filepath.Join(dir, "other.answers.tsv")
	os.WriteFile(other, []byte("something else\tsomething else\n"), 0o644)
	tests := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"--answers", bad, "testdata/peer-clean.tsv"}, 1, "line 2"},
		{[]string{"--answers", filepath.Join(dir, "none.tsv"), "testdata/peer-clean.tsv"}, 1, "no such file"},
		{[]string{"--answers", other, "testdata/peer-clean.tsv"}, 1, "no answer for any of the 4 inputs"},
		{[]string{"--answers", "testdata/peer.answers.tsv", "--model", "x.model", "testdata/peer-clean.tsv"}, 2,
			"--model cannot be used with --answers"},
		{[]string{"--answers", "testdata/peer.answers.tsv", "--set", "lambda=1", "testdata/peer-clean.tsv"}, 2,
			"--set cannot be used with --answers"},
		{[]string{"--answers", "testdata/peer.answers.tsv"}, 2, "usage"},
	}
	for _, tt := range tests {
		_, stderr, code := runSpeller(t, "", append([]string{"eval"}, tt.args...)...)
		if code != tt.code || !strings.Contains(stderr, tt.want) {
			t.Errorf("speller eval %v: exit %d, stderr %q; want exit %d mentioning %q", tt.args, code, stderr, tt.code, tt.want)
		}
	}
	// In JSON, a missing input is also said on stderr.
	_, stderr, code := runSpeller(t, "", "eval", "--json", "--answers", "testdata/peer.answers.tsv", "testdata/peer-typo.tsv")
	if code != 0 || !strings.Contains(stderr, "MISSING 1 of 4") {
		t.Errorf("exit %d, stderr %q", code, stderr)
	}
}

// TestEvalChangedColumn checks the model's table keeps its header and latency and gains the changed column.
func TestEvalChangedColumn(t *testing.T) {
	out, stderr, code := runSpeller(t, "", "eval", "testdata/peer-clean.tsv", "testdata/peer-typo.tsv")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !strings.HasPrefix(out, "model ") || !strings.Contains(out, "lambda=") || !strings.Contains(out, "changed") {
		t.Fatalf("output:\n%s", out)
	}
	for _, l := range strings.Split(out, "\n") {
		f := strings.Fields(l)
		if len(f) == 12 && f[0] == "testdata/peer-clean.tsv" && (f[9] == "-" || f[10] == "-") {
			t.Errorf("clean row without changed rate or latency: %q", l)
		}
		if len(f) == 12 && f[0] == "testdata/peer-typo.tsv" && (f[9] != "-" || f[10] == "-") {
			t.Errorf("typo row (no correct input) with a changed rate, or without latency: %q", l)
		}
	}
	for _, r := range evalJSONResults(t, "testdata/peer-clean.tsv") {
		if r.Model == nil || r.P50us == nil || r.P99us == nil || r.Answers != nil || r.Missing != nil {
			t.Errorf("model JSON: %+v", r)
		}
	}
}

// TestEvalAnswersPeers scores the Bing Spell Check API's answers on the MS MARCO query sets, which the shared
// data documents: Bing changes 2.0% of the clean queries and restores 88.5% of the typo queries.
func TestEvalAnswersPeers(t *testing.T) {
	queries := shareddata.Path(t, "queries")
	peers := shareddata.Path(t, "queries", "peers")
	tests := []struct {
		set, metric string
		want, tol   float64
	}{
		{"msmarco-a-clean", "changed", 0.020, 0.002},
		{"msmarco-a-typo", "accuracy", 0.885, 0.01},
	}
	for _, tt := range tests {
		rs := evalJSONResults(t, "--answers", filepath.Join(peers, tt.set+".bing.tsv"), filepath.Join(queries, tt.set+".tsv"))
		if len(rs) != 1 {
			t.Fatalf("%s: %d results", tt.set, len(rs))
		}
		r := rs[0]
		got := r.Accuracy
		if tt.metric == "changed" {
			got = r.FalseRate
		}
		t.Logf("bing on %s: n %d, changed %.4f, accuracy %.4f, precision %.4f, recall %.4f, missing %d, conflicts %d",
			tt.set, r.N, r.FalseRate, r.Accuracy, r.Precision, r.Recall, *r.Missing, *r.Conflicts)
		if math.Abs(got-tt.want) > tt.tol {
			t.Errorf("bing on %s: %s %.4f, want %.3f ± %.3f", tt.set, tt.metric, got, tt.want, tt.tol)
		}
		if *r.Missing != 0 || *r.Conflicts != 0 || r.Errors != 0 {
			t.Errorf("bing on %s: %d missing, %d conflicts, %d errors; want none", tt.set, *r.Missing, *r.Conflicts, r.Errors)
		}
	}
}
