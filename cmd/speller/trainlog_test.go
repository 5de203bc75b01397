package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

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
		"--out", model, "--report", report, "--examples", examples, "--max-examples", "200", "--build-time", "1700000000")
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

	// Without a results column, --min-results 0 counts every search for the vocabulary; a truncated file
	// beside good ones is skipped and reported.
	report := filepath.Join(dir, "r.json")
	_, stderr, code := runSpeller(t, "", "train", "--out", filepath.Join(dir, "y.model"), "--report", report, "--min-results", "0",
		"--log", noResults, "--log", good, "--log", truncated)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	r, data := readReport(t, report)
	if r.Log.Vocabulary == 0 || !strings.Contains(string(data), `"files_failed": 1`) || !strings.Contains(string(data), "truncated.parquet") {
		t.Fatalf("report:\n%s", data)
	}
}

// TestTrainLogGolden compares the report of a training on a tiny simulated log with a golden file; run the
// test with -update to rewrite it.
func TestTrainLogGolden(t *testing.T) {
	dir := t.TempDir()
	log, _ := simulateLog(t, dir, "tiny", "--sessions", "400", "--seed", "11", "--garbage", "0.02", "--row-group-rows", "300")
	report := filepath.Join(dir, "report.json")
	_, stderr, code := runSpeller(t, "", "train", "--log", log, "--out", filepath.Join(dir, "m.model"), "--report", report,
		"--min-support", "1", "--min-count", "2", "--build-time", "1700000000")
	if code != 0 {
		t.Fatalf("train: exit %d: %s", code, stderr)
	}
	_, data := readReport(t, report)
	// Times and temporary paths change from run to run.
	data = regexp.MustCompile(`"seconds": [0-9.e+-]+`).ReplaceAll(data, []byte(`"seconds": 0`))
	data = bytes.ReplaceAll(data, []byte(dir+"/"), nil)
	golden := filepath.Join("testdata", "trainlog-report.golden")
	if *update {
		if err := os.WriteFile(golden, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(data, want) {
		t.Errorf("report differs from %s (run with -update to accept):\n%s", golden, data)
	}
}
