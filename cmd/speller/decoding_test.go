package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spellwright/speller/model"
)

// TestDecodingFlag sets a decoding option through the binary: correct and eval run with it (weak_margin=-1
// turns off the searches that read a run-together string as several words), train and tune pin it in the
// bundles they write, and a bad option is refused before any work.
func TestDecodingFlag(t *testing.T) {
	const query = "howtomakepancakes"
	correction := func(args ...string) string {
		t.Helper()
		out, stderr, code := runSpeller(t, "", append(append([]string{"correct", "--json"}, args...), query)...)
		var r struct{ Correction string }
		if code != 0 || json.Unmarshal([]byte(out), &r) != nil {
			t.Fatalf("correct %v: exit %d: %s %s", args, code, out, stderr)
		}
		return r.Correction
	}
	if got := correction(); got != "how to make pancakes" {
		t.Fatalf("correct %s = %q, want the segmentation", query, got)
	}
	if got := correction("--decoding", "weak_margin=-1"); got != "" {
		t.Errorf("correct --decoding weak_margin=-1 %s = %q, want none", query, got)
	}

	dir := t.TempDir()
	examples := filepath.Join(dir, "ex.tsv")
	if err := os.WriteFile(examples, []byte(query+"\thow to make pancakes\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	evalOf := func(args ...string) (model.Decoding, float64) {
		t.Helper()
		out, stderr, code := runSpeller(t, "", append(append([]string{"eval", "--json"}, args...), examples)...)
		var m struct {
			Decoding model.Decoding `json:"decoding"`
			Accuracy float64        `json:"accuracy"`
		}
		if code != 0 || json.Unmarshal([]byte(out), &m) != nil {
			t.Fatalf("eval %v: exit %d: %s %s", args, code, out, stderr)
		}
		return m.Decoding, m.Accuracy
	}
	if d, acc := evalOf(); d.WeakMargin != 3 || acc != 1 {
		t.Errorf("eval: decoding %v, accuracy %v; want weak_margin=3, 1", d, acc)
	}
	if d, acc := evalOf("--decoding", "weak_margin=-1", "--decoding", "n_best=3"); d.WeakMargin != -1 || d.NBest != 3 ||
		acc != 0 {
		t.Errorf("eval --decoding: decoding %v, accuracy %v; want weak_margin=-1 n_best=3, 0", d, acc)
	}
	out, _, _ := runSpeller(t, "", "eval", "--decoding", "beam=8", examples)
	if !strings.Contains(out, "decoding max_distance=2 short_token=4 known_log_prob=every max_candidates=12 n_best=5 beam=8 weak_margin=3") {
		t.Errorf("eval does not show the decoding options:\n%s", out)
	}

	// train and tune pin the option in their bundles.
	trained := filepath.Join(dir, "t.model")
	if _, stderr, code := runSpeller(t, "", "train", "--corpus", "testdata/corpus.txt", "--unigrams", "testdata/unigrams.txt",
		"--pairs", "testdata/pairs.tsv", "--decoding", "weak_margin=-1", "--out", trained); code != 0 {
		t.Fatalf("train --decoding: exit %d: %s", code, stderr)
	}
	if b, err := model.Open(trained); err != nil || b.Decoding.WeakMargin != -1 || b.Decoding.MaxCandidates != 12 {
		t.Fatalf("trained bundle: %v, decoding %+v", err, b.Decoding)
	}
	labelled := filepath.Join(dir, "labelled.tsv")
	if err := os.WriteFile(labelled, []byte(tuneRows), 0o644); err != nil {
		t.Fatal(err)
	}
	tuned := filepath.Join(dir, "tuned.model")
	if _, stderr, code := runSpeller(t, "", "tune", "--folds", "2", "--budget", "20", "--restarts", "0",
		"--decoding", "weak_margin=-1", "--out", tuned, labelled); code != 0 {
		t.Fatalf("tune --decoding: exit %d: %s", code, stderr)
	}
	if b, err := model.Open(tuned); err != nil || b.Decoding.WeakMargin != -1 {
		t.Fatalf("tuned bundle: %v, decoding %+v", err, b.Decoding)
	}

	// Bad options: a clear error, and no bundle written.
	for _, args := range [][]string{
		{"correct", "--decoding", "nope=1", query},
		{"eval", "--decoding", "weak_margin", examples},
		{"eval", "--decoding", "max_distance=9", examples},
		{"train", "--corpus", "testdata/corpus.txt", "--decoding", "n_best=x", "--out", filepath.Join(dir, "bad.model")},
		{"tune", "--decoding", "beam=NaN", "--out", filepath.Join(dir, "bad.model"), labelled},
	} {
		_, stderr, code := runSpeller(t, "", args...)
		if code == 0 || !strings.Contains(stderr, "decoding option") {
			t.Errorf("%v: exit %d: %s", args, code, stderr)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "bad.model")); err == nil {
		t.Error("a command with a bad --decoding wrote a bundle")
	}
	if _, stderr, code := runSpeller(t, "", "eval", "--answers", examples, "--decoding", "beam=8", examples); code != 2 ||
		!strings.Contains(stderr, "--decoding cannot be used with --answers") {
		t.Errorf("eval --answers --decoding: exit %d: %s", code, stderr)
	}
}
