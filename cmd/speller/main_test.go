package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/spellwright/speller/data"
	"github.com/spellwright/speller/internal/shareddata"
)

var speller string // the binary under test

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "speller-test")
	if err != nil {
		panic(err)
	}
	speller = filepath.Join(dir, "speller")
	if out, err := exec.Command("go", "build", "-o", speller, ".").CombinedOutput(); err != nil {
		panic("go build: " + err.Error() + "\n" + string(out))
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// runSpeller runs the binary and returns stdout, stderr and the exit code.
func runSpeller(t *testing.T, stdin string, args ...string) (string, string, int) {
	t.Helper()
	return runSpellerIn(t, "", stdin, args...)
}

// runSpellerIn is runSpeller in the directory dir ("": the test's).
func runSpellerIn(t *testing.T, dir, stdin string, args ...string) (string, string, int) {
	t.Helper()
	cmd := exec.Command(speller, args...)
	cmd.Dir = dir
	cmd.Stdin = strings.NewReader(stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return out.String(), errb.String(), code
}

func TestCorrectArgs(t *testing.T) {
	out, stderr, code := runSpeller(t, "", "correct", "jewlery", "dresss")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	offered := func(line, prefix string) bool { // DID_YOU_MEAN or AUTO_CORRECT: the tuned model decides
		return strings.HasPrefix(line, prefix+"\tDID_YOU_MEAN") || strings.HasPrefix(line, prefix+"\tAUTO_CORRECT")
	}
	if len(lines) != 2 || !offered(lines[0], "jewlery\tjewelry") || !offered(lines[1], "dresss\tdress") {
		t.Fatalf("output:\n%s", out)
	}
}

func TestCorrectJSONStdin(t *testing.T) {
	out, stderr, code := runSpeller(t, "flower girl baske\nred dress\ndres\xff\n", "correct", "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	dec := json.NewDecoder(strings.NewReader(out))
	var got []map[string]any
	for dec.More() {
		var m map[string]any
		if err := dec.Decode(&m); err != nil {
			t.Fatal(err)
		}
		got = append(got, m)
	}
	if len(got) != 3 {
		t.Fatalf("%d objects, want 3:\n%s", len(got), out)
	}
	for _, key := range []string{"query", "correction", "action", "log_odds", "alternatives"} {
		if _, ok := got[0][key]; !ok {
			t.Fatalf("missing key %q in %v", key, got[0])
		}
	}
	if got[0]["correction"] != "flower girl basket" || got[1]["action"] != "NONE" {
		t.Fatalf("got %v", got)
	}
	// Nested objects use the same snake_case keys.
	alt := got[0]["alternatives"].([]any)[0].(map[string]any)
	tok := got[0]["tokens"].([]any)[2].(map[string]any)
	if alt["text"] != "flower girl basket" || alt["log_odds"] == nil || tok["typed"] != "baske" ||
		tok["chosen"] != "basket" || tok["start"] != 12.0 || tok["changed"] != true {
		t.Fatalf("alternative %v, token %v", alt, tok)
	}
	if e, _ := got[2]["error"].(string); !strings.Contains(e, "UTF-8") {
		t.Fatalf("invalid UTF-8 line: %v", got[2])
	}
}

func TestUsage(t *testing.T) {
	for _, args := range [][]string{{}, {"nope"}, {"eval"}, {"train"}, {"correct", "--bogus"}} {
		if _, _, code := runSpeller(t, "", args...); code != 2 {
			t.Errorf("speller %v: exit %d, want 2", args, code)
		}
	}
	if _, _, code := runSpeller(t, "", "correct", "-h"); code != 0 {
		t.Errorf("correct -h: exit %d, want 0", code)
	}
	_, stderr, code := runSpeller(t, "", "correct", "--model", "/nonexistent.model", "x")
	if code != 1 || !strings.Contains(stderr, "no such file") {
		t.Errorf("missing model: exit %d, %s", code, stderr)
	}
	_, stderr, code = runSpeller(t, "", "correct", "--set", "lambda=-1", "x")
	if code != 1 || !strings.Contains(stderr, "lambda") {
		t.Errorf("bad --set: exit %d, %s", code, stderr)
	}
}

func TestCorruptModel(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bad.model")
	os.WriteFile(path, []byte("SPELLMDL garbage"), 0o644)
	_, stderr, code := runSpeller(t, "", "correct", "--model", path, "x")
	if code != 1 || !strings.Contains(stderr, "model") {
		t.Fatalf("exit %d: %s", code, stderr)
	}
}

// TestVersion checks that --version names the module, the revision and the embedded model's version.
func TestVersion(t *testing.T) {
	b, err := data.Default()
	if err != nil {
		t.Fatal(err)
	}
	for _, arg := range []string{"--version", "version"} {
		out, stderr, code := runSpeller(t, "", arg)
		if code != 0 {
			t.Fatalf("%s: exit %d: %s", arg, code, stderr)
		}
		for _, want := range []*regexp.Regexp{
			regexp.MustCompile(`(?m)^module +github\.com/spellwright/speller \S+$`),
			regexp.MustCompile(`(?m)^revision +([0-9a-f]{40} \(.+\)|unknown \(.+\))$`),
			regexp.MustCompile(`(?m)^go +go1\.\d+`),
			regexp.MustCompile(`(?m)^default model +` + regexp.QuoteMeta(b.Meta.Version) + ` \(built `),
		} {
			if !want.MatchString(out) {
				t.Errorf("%s: output does not match %s:\n%s", arg, want, out)
			}
		}
	}
}

// TestTrainOutputGolden compares what speller train prints about its sources, every skip reason by name,
// with a golden file; run the test with -update to rewrite it.
func TestTrainOutputGolden(t *testing.T) {
	dir := t.TempDir()
	out, stderr, code := runSpeller(t, "", "train", "--corpus", "testdata/corpus.txt", "--unigrams", "testdata/unigrams.txt",
		"--pairs", "testdata/pairs.tsv", "--pairs", "testdata/pairs-skips.tsv", "--out", filepath.Join(dir, "m.model"),
		"--build-time", "1700000000")
	if code != 0 {
		t.Fatalf("train: exit %d: %s", code, stderr)
	}
	checkGolden(t, "train-output.golden", stableOutput(out, dir))
}

// TestTrainCorrectEval trains a model from the fixtures through the binary, then uses it.
func TestTrainCorrectEval(t *testing.T) {
	dir := t.TempDir()
	modelPath := filepath.Join(dir, "m.model")
	reportPath := filepath.Join(dir, "report.json")
	out, stderr, code := runSpeller(t, "", "train", "--corpus", "testdata/corpus.txt", "--unigrams", "testdata/unigrams.txt",
		"--pairs", "testdata/pairs.tsv", "--out", modelPath, "--report", reportPath, "--build-time", "1700000000")
	if code != 0 {
		t.Fatalf("train: exit %d: %s", code, stderr)
	}
	if !strings.Contains(out, "wrote "+modelPath) || !strings.Contains(out, "malformed_line") {
		t.Fatalf("train output:\n%s", out)
	}
	var report []map[string]any
	if b, err := os.ReadFile(reportPath); err != nil || json.Unmarshal(b, &report) != nil || len(report) != 3 {
		t.Fatalf("report: %v %s", err, b)
	}
	out, _, code = runSpeller(t, "", "correct", "--model", modelPath, "lether bots")
	if code != 0 || !strings.Contains(out, "leather boots") {
		t.Fatalf("correct with trained model: %s", out)
	}
	out, stderr, code = runSpeller(t, "", "eval", "--model", modelPath, "--json", "testdata/labelled.tsv")
	if code != 0 {
		t.Fatalf("eval: exit %d: %s", code, stderr)
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(out), &m); err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"file", "n", "needs_correction", "accuracy", "best_path_accuracy", "precision",
		"recall", "f1", "false_corrections", "p50_us", "p99_us", "params"} {
		if _, ok := m[key]; !ok {
			t.Errorf("eval JSON lacks %q: %v", key, m)
		}
	}
	if m["n"] != 5.0 || m["needs_correction"] != 3.0 || m["accuracy"].(float64) < 0.8 {
		t.Fatalf("eval: %v", m)
	}
	// The same inputs and build time give the same bytes.
	again := filepath.Join(dir, "again.model")
	runSpeller(t, "", "train", "--corpus", "testdata/corpus.txt", "--unigrams", "testdata/unigrams.txt",
		"--pairs", "testdata/pairs.tsv", "--out", again, "--build-time", "1700000000")
	a, _ := os.ReadFile(modelPath)
	b, _ := os.ReadFile(again)
	if !bytes.Equal(a, b) {
		t.Fatal("training is not reproducible")
	}
}

// TestDevTargets checks the quality targets of the default model on the shared evaluation sets.
func TestDevTargets(t *testing.T) {
	dev := shareddata.Path(t, "misspellings", "dev")
	// The default model is tuned for F0.5 on examples from held-out sessions in the traffic's mix (about one
	// correction in seven): it offers a correction only on strong evidence, which single misspelled words out
	// of context (the word lists) often lack. The web word list also holds the web's common misspellings as
	// words ("seperate"). See BENCHMARKS.md, "Real queries".
	targets := map[string]float64{"norvig-test1.tsv": 0.64, "norvig-test2.tsv": 0.69, "wikipedia.tsv": 0.69,
		"symspell-compound.tsv": 0.69, "symspell-noisy-1000.tsv": 0.49,
		// Real queries: accuracy is the share of correct queries left alone, of typo queries restored.
		"msmarco-a-clean.tsv": 0.98, "msmarco-a-typo.tsv": 0.50}
	queries := filepath.Join(dev, "..", "..", "queries")
	args := []string{"eval", "--json"}
	for f := range targets {
		dir := dev
		if strings.HasPrefix(f, "msmarco") || strings.HasPrefix(f, "trec") {
			dir = queries
		}
		args = append(args, filepath.Join(dir, f))
	}
	out, stderr, code := runSpeller(t, "", args...)
	if code != 0 {
		t.Fatalf("eval: exit %d: %s", code, stderr)
	}
	dec := json.NewDecoder(strings.NewReader(out))
	for dec.More() {
		var m struct {
			File     string  `json:"file"`
			Accuracy float64 `json:"accuracy"`
		}
		if err := dec.Decode(&m); err != nil {
			t.Fatal(err)
		}
		if want := targets[filepath.Base(m.File)]; m.Accuracy < want {
			t.Errorf("%s: accuracy %.3f, want ≥ %.2f", m.File, m.Accuracy, want)
		}
	}
}
