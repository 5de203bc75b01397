package shareddata

import (
	"os"
	"path/filepath"
	"testing"
)

// TestDir finds shared/data beside a parent of the working directory, and prefers $SPELLER_SHARED_DATA.
func TestDir(t *testing.T) {
	root := t.TempDir()
	data := filepath.Join(root, "shared", "data")
	pkg := filepath.Join(root, "repo", "a", "b")
	for _, d := range []string{data, pkg} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	t.Chdir(pkg)
	t.Setenv(Env, "")
	if got := Dir(); got != data {
		t.Errorf("Dir() = %q, want %q", got, data)
	}
	if err := os.WriteFile(filepath.Join(data, "x.tsv"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if got := Path(t, "x.tsv"); got != filepath.Join(data, "x.tsv") {
		t.Errorf("Path = %q", got)
	}
	t.Setenv(Env, "/elsewhere")
	if got := Dir(); got != "/elsewhere" {
		t.Errorf("with %s set, Dir() = %q", Env, got)
	}
}
