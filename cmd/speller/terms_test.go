package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestTrainTerms trains a model with --protect and --never-suggest lists and checks that the corrector obeys
// them.
func TestTrainTerms(t *testing.T) {
	dir := t.TempDir()
	protect, never := filepath.Join(dir, "protect.txt"), filepath.Join(dir, "never.txt")
	if err := os.WriteFile(protect, []byte("# shop brands\nLether\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(never, []byte("boots\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	plain, lists := filepath.Join(dir, "plain.model"), filepath.Join(dir, "lists.model")
	args := []string{"train", "--corpus", "testdata/corpus.txt", "--unigrams", "testdata/unigrams.txt",
		"--pairs", "testdata/pairs.tsv", "--build-time", "1700000000"}
	if _, stderr, code := runSpeller(t, "", append(args, "--out", plain)...); code != 0 {
		t.Fatalf("train: exit %d: %s", code, stderr)
	}
	if _, stderr, code := runSpeller(t, "", append(args, "--out", lists, "--protect", protect, "--never-suggest", never)...); code != 0 {
		t.Fatalf("train with lists: exit %d: %s", code, stderr)
	}
	out, _, _ := runSpeller(t, "", "correct", "--model", plain, "lether bots")
	if !strings.Contains(out, "leather boots") {
		t.Fatalf("without lists: %s", out)
	}
	out, _, _ = runSpeller(t, "", "correct", "--json", "--model", lists, "lether bots")
	if strings.Contains(out, "leather") || strings.Contains(out, "boots") {
		t.Fatalf("with lists: %s", out)
	}
	if _, stderr, code := runSpeller(t, "", append(args, "--out", lists, "--protect", filepath.Join(dir, "missing"))...); code == 0 ||
		!strings.Contains(stderr, "missing") {
		t.Fatalf("missing list: exit %d: %s", code, stderr)
	}
}
