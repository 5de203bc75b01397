package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spellwright/speller/model"
	"github.com/spellwright/speller/tune"
)

// tuneRows are labelled queries for the default model: misspellings with their corrections, and correct
// queries, some with a count column as `speller train --examples` writes them.
const tuneRows = `jewlery	jewelry	12
jewelery	jewelry
dresss	dress	3
dres	dress
earings	earrings	5
erings	earrings
baske	basket
flower girl baske	flower girl basket	2
buttor dish	butter dish
lether boots	leather boots
lether	leather
silvr necklace	silver necklace
neckalce	necklace
braclet	bracelet	7
bracelett	bracelet
sandels	sandals
wallit	wallet
candel	candle
candle holdr	candle holder
pilow	pillow
blanket	_
red dress	_	40
dress	_
silver necklace	_
leather wallet	_	9
wedding ring	_
nike	_
zara	_
vans	_
etsy	_
crocs	_
hoodie	_
onesie	_
macrame	_
boho	_
tote bag	_
mug	_
`

func TestTuneEndToEnd(t *testing.T) {
	dir := t.TempDir()
	examples := filepath.Join(dir, "labelled.tsv")
	if err := os.WriteFile(examples, []byte(tuneRows), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "tuned.model")
	plots := filepath.Join(dir, "plots")
	args := []string{"tune", "--examples", examples, "--out", out, "--folds", "3", "--budget", "80", "--seed", "7", "--plot", plots}
	stdout, stderr, code := runSpeller(t, "", args...)
	if code != 0 {
		t.Fatalf("tune: exit %d: %s", code, stderr)
	}
	for _, want := range []string{"fold", "f0.5 before", "false rate", "mean ± sd", "chosen on all", "before (start)", "after (chosen)",
		"auto precision", "wrote " + out} {
		if !strings.Contains(stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, stdout)
		}
	}
	if strings.Contains(stderr, "\r") {
		t.Errorf("progress line written to a pipe: %q", stderr)
	}
	for _, name := range []string{"climb.svg", "thresholds.svg"} {
		if fi, err := os.Stat(filepath.Join(plots, name)); err != nil || fi.Size() < 1000 {
			t.Errorf("plot %s: %v", name, err)
		}
	}

	b, err := model.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	var s tune.Summary
	if err := json.Unmarshal(b.Meta.Extra["tune"], &s); err != nil {
		t.Fatalf("summary in the bundle: %v", err)
	}
	if b.Params != s.Params || len(s.FoldScores) != 3 || s.Examples != 37 || s.Seed != 7 || s.Budget != 80 ||
		len(s.Files) != 1 || !strings.Contains(b.Meta.Version, "-tuned-") {
		t.Fatalf("bundle %s, params %+v, summary %+v", b.Meta.Version, b.Params, s)
	}

	// The same seed gives the same file; --json prints the summary.
	again := filepath.Join(dir, "again.model")
	stdout, stderr, code = runSpeller(t, "", "tune", "--out", again, "--folds", "3", "--budget", "80", "--seed", "7", "--json", examples)
	if code != 0 {
		t.Fatalf("tune --json: exit %d: %s", code, stderr)
	}
	var js tune.Summary
	if err := json.Unmarshal([]byte(stdout), &js); err != nil || js.Params != s.Params || js.Mean != s.Mean {
		t.Fatalf("--json summary %+v (%v), want params %+v", js, err, s.Params)
	}
	x, _ := os.ReadFile(out)
	y, _ := os.ReadFile(again)
	if !bytes.Equal(x, y) {
		t.Error("two tunings with the same seed wrote different files")
	}

	// eval and correct use the tuned hyperparameters, and eval says which.
	stdout, stderr, code = runSpeller(t, "", "eval", "--model", out, "--json", examples)
	var m struct {
		Model  string       `json:"model"`
		Params model.Params `json:"params"`
	}
	if code != 0 || json.Unmarshal([]byte(stdout), &m) != nil || m.Params != s.Params || m.Model != b.Meta.Version {
		t.Fatalf("eval --json: exit %d, %s %s", code, stdout, stderr)
	}
	stdout, _, _ = runSpeller(t, "", "eval", "--model", out, examples)
	if want := fmt.Sprintf("intercept=%g", s.Params.Intercept); !strings.Contains(stdout, want) {
		t.Errorf("eval does not show %s:\n%s", want, stdout)
	}
	stdout, stderr, code = runSpeller(t, "", "correct", "--model", out, "--json", "jewlery")
	var r struct{ Threshold float64 }
	if code != 0 || json.Unmarshal([]byte(stdout), &r) != nil ||
		math.Abs(r.Threshold-(s.Params.Slope+s.Params.Intercept)) > 1e-9 {
		t.Fatalf("correct: exit %d, %s %s; want threshold %v", code, stdout, stderr, s.Params.Slope+s.Params.Intercept)
	}
}

func TestTuneUsage(t *testing.T) {
	dir := t.TempDir()
	examples := filepath.Join(dir, "labelled.tsv")
	os.WriteFile(examples, []byte(tuneRows), 0o644)
	out := filepath.Join(dir, "m.model")
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"tune"}, 2, "usage: speller tune"},
		{[]string{"tune", examples}, 2, "auto-precision"},
		{[]string{"tune", "--out", out}, 2, "intercept [-5, 15]"},
		{[]string{"tune", "--out", out, "--folds", "1", examples}, 1, "speller tune: tune: 1 folds"},
		{[]string{"tune", "--out", out, "--metric", "f7", examples}, 1, "unknown metric"},
		{[]string{"tune", "--out", out, "--fix", "gamma", examples}, 1, "unknown parameter"},
		{[]string{"tune", "--out", out, filepath.Join(dir, "missing.tsv")}, 1, "no such file"},
	} {
		_, stderr, code := runSpeller(t, "", tc.args...)
		if code != tc.code || !strings.Contains(stderr, tc.want) {
			t.Errorf("speller %v: exit %d, want %d with %q:\n%s", tc.args, code, tc.code, tc.want, stderr)
		}
	}
	if _, err := os.Stat(out); err == nil {
		t.Error("a failed tuning wrote a model")
	}
}
