package train

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/spellwright/speller/errormodel"
)

func TestReadTerms(t *testing.T) {
	got, err := ReadTerms(strings.NewReader("# brands\nGucci\n  Levi's  501 \n\ngucci\nＺＡＲＡ\n"))
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"gucci", "levi's 501", "zara"}; !slices.Equal(got, want) {
		t.Fatalf("ReadTerms = %q, want %q", got, want)
	}
	if _, err := ReadTerms(strings.NewReader("ok\nbad\xff\n")); err == nil || !strings.Contains(err.Error(), "line 2") {
		t.Fatalf("invalid UTF-8: %v, want an error naming line 2", err)
	}
	path := filepath.Join(t.TempDir(), "never.txt")
	if err := os.WriteFile(path, []byte("Darn\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if got, err := ReadTermsFile(path); err != nil || !slices.Equal(got, []string{"darn"}) {
		t.Fatalf("ReadTermsFile = %q, %v", got, err)
	}
	if _, err := ReadTermsFile(filepath.Join(t.TempDir(), "missing")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("missing file: %v", err)
	}
}

// TestBundleTerms: the lists reach the bundle and its version; without them the version is unchanged.
func TestBundleTerms(t *testing.T) {
	build := func(opts Options) (version string, protected, never []string) {
		c := NewCounter()
		c.CountQuery("red dress", 2)
		c.AddPair("dres", "dress", 1)
		opts.MinCorpusCount, opts.BuildTime = 1, time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
		b, err := c.Bundle(opts)
		if err != nil {
			t.Fatal(err)
		}
		return b.Meta.Version, b.Protected, b.NeverSuggest
	}
	plain, p, n := build(Options{})
	if p != nil || n != nil {
		t.Fatalf("lists %q %q without options", p, n)
	}
	v, p, n := build(Options{Protected: []string{"gucci"}, NeverSuggest: []string{"darn"}})
	if v == plain || !slices.Equal(p, []string{"gucci"}) || !slices.Equal(n, []string{"darn"}) {
		t.Fatalf("version %q (plain %q), lists %q %q", v, plain, p, n)
	}
}

// TestSpacePairs: split and merge pairs teach the error model the cost of space edits.
func TestSpacePairs(t *testing.T) {
	c := NewCounter()
	c.CountQuery("flower girl dress", 2)
	c.AddPair("dres", "dress", 1)
	for _, p := range [][2]string{{"flowergirl", "flower girl"}, {"ear ring", "earring"}} {
		if reason := c.AddPair(p[0], p[1], 3); reason != "" {
			t.Fatalf("AddPair%q: %s", p, reason)
		}
	}
	b, err := c.Bundle(Options{MinCorpusCount: 1})
	if err != nil {
		t.Fatal(err)
	}
	prior := 1e-6
	for _, kind := range []errormodel.OpKind{errormodel.Del, errormodel.Ins} {
		if lp := b.Errors.SpaceLogProb(kind, prior); lp < -3 {
			t.Errorf("%v: log P %v, not learned from the pairs", kind, lp)
		}
	}
}
