package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/spellwright/speller/internal/parquettest"
	"github.com/spellwright/speller/querylog"
	"github.com/spellwright/speller/simulate"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// Fixtures of the log trainer, shared with package train's tests.
const (
	fixtureQueries      = "../../train/testdata/queries.txt"
	fixtureMisspellings = "../../train/testdata/misspellings.tsv"
)

// simulateLog writes a simulated log through the binary and returns its path and the truth file's.
func simulateLog(t *testing.T, dir, name string, args ...string) (string, string) {
	t.Helper()
	out, truth := filepath.Join(dir, name+".parquet"), filepath.Join(dir, name+".truth.tsv")
	args = append([]string{"simulate", "--out", out, "--truth", truth, "--queries", fixtureQueries,
		"--misspellings", fixtureMisspellings}, args...)
	stdout, stderr, code := runSpeller(t, "", args...)
	if code != 0 || !strings.Contains(stdout, "wrote "+out) {
		t.Fatalf("simulate: exit %d: %s%s", code, stdout, stderr)
	}
	return out, truth
}

// logReport is the part of train's JSON report the tests read.
type logReport struct {
	Sources []map[string]any `json:"sources"`
	Log     struct {
		Read struct {
			RowsRead int64            `json:"rows_read"`
			RowsKept int64            `json:"rows_kept"`
			Skipped  map[string]int64 `json:"skipped"`
		} `json:"read"`
		Sessions struct {
			Bots int64 `json:"bot_sessions"`
		} `json:"sessions"`
		Pairs struct {
			Kept      int64 `json:"kept"`
			TokensFed int64 `json:"tokens_fed_distinct"`
		} `json:"pairs"`
		Vocabulary int `json:"vocabulary"`
		Examples   struct {
			Corrections     int     `json:"corrections"`
			Correct         int     `json:"correct"`
			CorrectionShare float64 `json:"correction_share"`
		} `json:"examples"`
		Stages []struct {
			Name string `json:"name"`
		} `json:"stages"`
	} `json:"log"`
}

func readReport(t *testing.T, path string) (logReport, []byte) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var r logReport
	if err := json.Unmarshal(data, &r); err != nil {
		t.Fatalf("report: %v\n%s", err, data)
	}
	return r, data
}

// TestSimulateTrainEval generates a log with garbage rows, trains from it with a background list, and uses
// the model and the labelled examples.
func TestSimulateTrainEval(t *testing.T) {
	dir := t.TempDir()
	log, truth := simulateLog(t, dir, "log", "--sessions", "5000", "--seed", "3", "--garbage", "0.02")
	again, _ := simulateLog(t, dir, "again", "--sessions", "5000", "--seed", "3", "--garbage", "0.02")
	a, _ := os.ReadFile(log)
	b, _ := os.ReadFile(again)
	if !bytes.Equal(a, b) {
		t.Fatal("simulate is not deterministic for a seed")
	}
	if data, err := os.ReadFile(truth); err != nil || !strings.Contains(string(data), "\t") {
		t.Fatalf("truth file: %v %q", err, data)
	}
	model, report, examples := filepath.Join(dir, "m.model"), filepath.Join(dir, "r.json"), filepath.Join(dir, "ex.tsv")
	stdout, stderr, code := runSpeller(t, "", "train", "--log", filepath.Join(dir, "l*.parquet"), "--unigrams", "testdata/unigrams.txt",
		"--out", model, "--report", report, "--examples", examples, "--max-examples", "200", "--build-time", "1700000000",
		"--max-skipped", "0.05") // 2% garbage rows
	if code != 0 {
		t.Fatalf("train: exit %d: %s", code, stderr)
	}
	for _, want := range []string{"rows read", "skipped: invalid_utf8", "bot sessions skipped", "query pairs kept", "stage sessions", "wrote " + model, "held-out sessions", "held-out examples", "false-correction rate"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("train output lacks %q:\n%s", want, stdout)
		}
	}
	if !strings.Contains(stderr, "stage=sessions") {
		t.Errorf("no progress log lines on a non-terminal stderr:\n%s", stderr)
	}
	r, _ := readReport(t, report)
	for _, reason := range []string{querylog.SkipEmptyQuery, querylog.SkipInvalidUTF8, querylog.SkipNullSession,
		querylog.SkipBadTimestamp, querylog.SkipOversize} {
		if r.Log.Read.Skipped[reason] == 0 {
			t.Errorf("no row skipped as %s: %v", reason, r.Log.Read.Skipped)
		}
	}
	if r.Log.Sessions.Bots == 0 || r.Log.Pairs.TokensFed == 0 || r.Log.Vocabulary == 0 || len(r.Log.Stages) != 4 {
		t.Errorf("report: %+v", r.Log)
	}
	if len(r.Sources) != 2 || r.Sources[1]["kind"] != "log" {
		t.Errorf("sources: %v", r.Sources)
	}
	ex, err := os.ReadFile(examples)
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(ex), "\n"); n != r.Log.Examples.Corrections+r.Log.Examples.Correct || n == 0 ||
		r.Log.Examples.Corrections == 0 || r.Log.Examples.CorrectionShare <= 0 || !strings.Contains(string(ex), "\t_\t") {
		t.Errorf("examples %+v:\n%s", r.Log.Examples, ex)
	}
	// The model corrects a misspelling of the log, and eval reads the examples (count column included).
	stdout, _, code = runSpeller(t, "", "correct", "--model", model, "lether boots")
	if code != 0 || !strings.Contains(stdout, "leather boots") {
		t.Errorf("correct: %s", stdout)
	}
	stdout, stderr, code = runSpeller(t, "", "eval", "--model", model, "--json", examples)
	if code != 0 || !strings.Contains(stdout, `"accuracy"`) {
		t.Errorf("eval of the examples: exit %d: %s%s", code, stdout, stderr)
	}
}

// TestTrainLogErrors feeds the trainer broken inputs: every case must end with a clear message, never a
// panic.
func TestTrainLogErrors(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, omit ...string) string {
		path := filepath.Join(dir, name)
		f, err := os.Create(path)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		w, err := querylog.NewWriter(f, querylog.WriteOptions{OmitColumns: omit})
		if err != nil {
			t.Fatal(err)
		}
		qf, _ := os.Open(fixtureQueries)
		qs, err := simulate.LoadQueries(qf)
		qf.Close()
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := simulate.Run(simulate.Options{Sessions: 2000, Seed: 1, Queries: qs}, w); err != nil {
			t.Fatal(err)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		return path
	}
	noSession := write("nosession.parquet", querylog.ColSessionID)
	noResults := write("noresults.parquet", querylog.ColResults)
	good := write("good.parquet")
	data, _ := os.ReadFile(good)
	truncated := filepath.Join(dir, "truncated.parquet")
	os.WriteFile(truncated, data[:len(data)*2/3], 0o644)
	notParquet := filepath.Join(dir, "text.parquet")
	os.WriteFile(notParquet, []byte("session_id,ts,query\na,1,dress\n"), 0o644)

	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"missing column", []string{noSession}, 1, `missing required column "session_id"`},
		{"truncated", []string{truncated}, 1, "truncated.parquet"},
		{"not parquet", []string{notParquet}, 1, "text.parquet"},
		{"no such file", []string{filepath.Join(dir, "nope*.parquet")}, 1, "no such file"},
		{"truncated beside a good file", []string{good, "--log", truncated}, 1, "unreadable log file (1 of 2 files): querylog: read " + truncated},
		{"not parquet beside a good file", []string{good, "--log", notParquet}, 1, "text.parquet"},
		{"wrong schema beside a good file", []string{good, "--log", noSession}, 1, "--allow-unreadable trains without"},
		{"missing beside a good file", []string{good, "--log", filepath.Join(dir, "nope.parquet"), "--allow-unreadable"}, 1, "nope.parquet: no such file"},
		{"bad max-skipped", []string{good, "--max-skipped", "-0.5"}, 1, "--max-skipped -0.5"},
		{"bad window", []string{good, "--window", "soon"}, 2, "invalid value"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"train", "--out", filepath.Join(dir, "x.model"), "--log"}, tt.args...)
			_, stderr, code := runSpeller(t, "", args...)
			if code != tt.code || !strings.Contains(stderr, tt.want) || strings.Contains(stderr, "panic") {
				t.Fatalf("exit %d, want %d with %q:\n%s", code, tt.code, tt.want, stderr)
			}
		})
	}
	if _, err := os.Stat(filepath.Join(dir, "x.model")); err == nil {
		t.Error("a failed training wrote a model")
	}

	// Without a results column, --min-results 0 counts every search for the vocabulary; with
	// --allow-unreadable, a truncated file and one of the wrong schema beside good ones are skipped and
	// reported.
	report := filepath.Join(dir, "r.json")
	stdout, stderr, code := runSpeller(t, "", "train", "--out", filepath.Join(dir, "y.model"), "--report", report, "--min-results", "0",
		"--log", noResults, "--log", good, "--log", truncated, "--log", noSession, "--allow-unreadable")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	r, data := readReport(t, report)
	if r.Log.Vocabulary == 0 || !strings.Contains(string(data), `"files_failed": 2`) || !strings.Contains(string(data), "truncated.parquet") {
		t.Fatalf("report:\n%s", data)
	}
	for _, want := range []string{"files failed", "truncated.parquet", `missing required column "session_id"`} {
		if !strings.Contains(stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, stdout)
		}
	}
}

// TestTrainLogMaxSkipped damages a row group of a log: the loss, above --max-skipped, fails the training
// with a message that says what was lost and why; below it, training succeeds and reports the loss.
func TestTrainLogMaxSkipped(t *testing.T) {
	dir := t.TempDir()
	log, _ := simulateLog(t, dir, "log", "--sessions", "1000", "--seed", "5", "--row-group-rows", "500")
	lost, err := parquettest.CorruptRowGroup(log, 1, 2)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		args []string
		code int
		want []string // in stderr when the code is not 0, else in stdout
	}{
		{"default", nil, 1, []string{"too many log rows skipped", fmt.Sprintf("%d rows in 1 unreadable row groups", lost),
			"log.parquet: row group 1", "more than the 1.00% allowed", "--max-skipped 0.01"}},
		{"none allowed", []string{"--max-skipped", "0"}, 1, []string{"more than the 0.00% allowed"}},
		{"allowed", []string{"--max-skipped", "0.5"}, 0, []string{"rows unread", fmt.Sprintf("%12d  in unreadable row groups", lost),
			"skipped: unreadable_row_group", "(--max-skipped 50.00%)", "log.parquet: row group 1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			model := filepath.Join(dir, tt.name+".model")
			args := append([]string{"train", "--log", log, "--out", model, "--build-time", "1700000000"}, tt.args...)
			stdout, stderr, code := runSpeller(t, "", args...)
			if code != tt.code {
				t.Fatalf("exit %d, want %d:\n%s%s", code, tt.code, stdout, stderr)
			}
			out := stdout
			if code != 0 {
				out = stderr
			}
			for _, w := range tt.want {
				if !strings.Contains(out, w) {
					t.Errorf("output lacks %q:\n%s", w, out)
				}
			}
			if _, err := os.Stat(model); (err == nil) != (code == 0) {
				t.Errorf("exit %d, model written: %v", code, err == nil)
			}
		})
	}
}

// TestTrainLogGolden compares the report and the output of a training on a tiny simulated log with golden
// files; run the test with -update to rewrite them.
func TestTrainLogGolden(t *testing.T) {
	dir := t.TempDir()
	log, _ := simulateLog(t, dir, "tiny", "--sessions", "400", "--seed", "11", "--garbage", "0.02", "--row-group-rows", "300")
	// Run in dir, with relative paths: the output's columns do not depend on the temporary directory's name.
	stdout, stderr, code := runSpellerIn(t, dir, "", "train", "--log", filepath.Base(log), "--out", "m.model", "--report", "report.json",
		"--min-support", "1", "--min-count", "2", "--build-time", "1700000000", "--max-skipped", "0.05")
	if code != 0 {
		t.Fatalf("train: exit %d: %s", code, stderr)
	}
	_, data := readReport(t, filepath.Join(dir, "report.json"))
	// Times change from run to run.
	data = regexp.MustCompile(`"seconds": [0-9.e+-]+`).ReplaceAll(data, []byte(`"seconds": 0`))
	checkGolden(t, "trainlog-report.golden", data)
	checkGolden(t, "trainlog-output.golden", stableOutput(stdout, dir))
}

// stableOutput returns the output of speller train without what changes from run to run: the temporary
// directory dir and times.
func stableOutput(out, dir string) []byte {
	out = strings.ReplaceAll(out, dir+"/", "")
	out = regexp.MustCompile(`(?m)^(stage \S+\s+)[0-9.]+s`).ReplaceAllString(out, "${1}0.00s")
	out = regexp.MustCompile(`, in [0-9.]+[µnm]?s\n`).ReplaceAllString(out, ", in 0s\n")
	return []byte(out)
}

// checkGolden compares got with testdata/name, which -update rewrites.
func checkGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	golden := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("output differs from %s (run with -update to accept):\n%s", golden, got)
	}
}

// TestTrainLogFeedback: a log simulated with the embedded model serving records the corrections shown and
// the answers, and train --log learns its feedback table from them.
func TestTrainLogFeedback(t *testing.T) {
	dir := t.TempDir()
	log, _ := simulateLog(t, dir, "served", "--sessions", "3000", "--seed", "5", "--serve", "default",
		"--set", "auto_threshold=5", "--reject", "0.9")
	model := filepath.Join(dir, "fb.model")
	stdout, stderr, code := runSpeller(t, "", "train", "--log", log, "--out", model)
	if code != 0 {
		t.Fatalf("train: exit %d: %s", code, stderr)
	}
	for _, want := range []string{"corrections shown", "feedback table"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("train output lacks %q:\n%s", want, stdout)
		}
	}
}

// TestTrainAggregatesInputs: --log beside --aggregates made with a hold-out sums the log with the aggregates'
// hold-out (no --examples needed) and trains the model of one run over both logs; flags that differ from the
// aggregates' are named; an input given twice (a directory twice, a copy of one, a log already summed in the
// aggregates) is refused rather than counted twice.
func TestTrainAggregatesInputs(t *testing.T) {
	dir := t.TempDir()
	a, _ := simulateLog(t, dir, "a", "--sessions", "1500", "--seed", "1")
	b, _ := simulateLog(t, dir, "b", "--sessions", "1500", "--seed", "2")
	aggA := filepath.Join(dir, "aggA")
	model := func(name string) string { return filepath.Join(dir, name+".model") }
	run := func(args ...string) (string, int) {
		t.Helper()
		_, stderr, code := runSpeller(t, "", append([]string{"train", "--build-time", "2026-11-23T00:00:00Z"}, args...)...)
		return stderr, code
	}
	if stderr, code := run("--log", a, "--examples", filepath.Join(dir, "ex.tsv"), "--aggregates-out", aggA, "--out", model("a")); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if stderr, code := run("--log", b, "--aggregates", aggA, "--out", model("ab")); code != 0 {
		t.Fatalf("--log beside --aggregates made with --holdout: exit %d: %s", code, stderr)
	}
	if stderr, code := run("--log", a, "--log", b, "--holdout", "0.05", "--out", model("both")); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	ab, _ := os.ReadFile(model("ab"))
	both, _ := os.ReadFile(model("both"))
	if len(ab) == 0 || !bytes.Equal(ab, both) {
		t.Error("--log b --aggregates A (A of log a) trains another model than --log a --log b with A's hold-out")
	}

	copyA := filepath.Join(dir, "copyA")
	if err := os.CopyFS(copyA, os.DirFS(aggA)); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"other hold-out", []string{"--log", b, "--aggregates", aggA, "--holdout", "0"}, "--holdout 0, the aggregates' 0.05"},
		{"other window", []string{"--log", b, "--aggregates", aggA, "--window", "1m"}, "--window 1m0s, the aggregates' "},
		{"directory twice", []string{"--aggregates", aggA, "--aggregates", aggA + "/"}, "given twice"},
		{"a copy of a directory", []string{"--aggregates", aggA, "--aggregates", copyA}, "the same input twice: log file " + a},
		{"log already in the aggregates", []string{"--log", a, "--aggregates", aggA}, "a log of --log is already summed in the aggregates"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stderr, code := run(append(tt.args, "--out", model("x"))...)
			if code != 1 || !strings.Contains(stderr, tt.want) {
				t.Fatalf("exit %d, want 1 with %q:\n%s", code, tt.want, stderr)
			}
		})
	}
}
