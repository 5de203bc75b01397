// Package shareddata finds the project's evaluation and training data for tests and benchmarks: the
// shared/data directory that sits beside the repository (see the README), or the one
// $SPELLER_SHARED_DATA names. A fresh clone has none; the tests that need it skip.
package shareddata

import (
	"os"
	"path/filepath"
	"testing"
)

// Env is the environment variable naming the shared data directory.
const Env = "SPELLER_SHARED_DATA"

// Dir returns the shared data directory: $SPELLER_SHARED_DATA when set; else shared/data beside the
// working directory or the nearest of its parents that has one (a package directory is a few levels below
// the repository, whose parent holds shared/data); "" when there is none.
func Dir() string {
	if dir := os.Getenv(Env); dir != "" {
		return dir
	}
	wd, err := os.Getwd()
	if err != nil {
		return ""
	}
	for dir := wd; ; {
		if fi, err := os.Stat(filepath.Join(dir, "shared", "data")); err == nil && fi.IsDir() {
			return filepath.Join(dir, "shared", "data")
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
}

// Path returns the path of rel under Dir, or skips the test (saying how to provide the data) when the shared
// data or that file is absent.
func Path(tb testing.TB, rel ...string) string {
	tb.Helper()
	dir := Dir()
	if dir == "" {
		tb.Skipf("shared data not found beside the repository (set %s to the shared/data directory)", Env)
	}
	p := filepath.Join(append([]string{dir}, rel...)...)
	if _, err := os.Stat(p); err != nil {
		tb.Skipf("shared data %s not available (set %s to the shared/data directory): %v", p, Env, err)
	}
	return p
}
