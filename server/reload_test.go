package server

import (
	"context"
	"encoding/binary"
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/spellwright/speller/model"
	spellerv1 "github.com/spellwright/speller/proto/speller/v1"
)

// badFiles are model files that must not load, each with the error it gives.
func badFiles(t testing.TB, rng *rand.Rand) []struct {
	name string
	data []byte
	err  error
} {
	good := modelBytes(t, "a")
	random := make([]byte, 20+rng.IntN(4096)) // at least a header
	for i := range random {
		random[i] = byte(rng.Uint32())
	}
	newer := append([]byte(nil), good...)
	binary.LittleEndian.PutUint32(newer[8:], model.FormatVersion+1)
	flipped := append([]byte(nil), good...)
	flipped[len(flipped)/2] ^= 0xff
	return []struct {
		name string
		data []byte
		err  error
	}{
		{"truncated", good[:1+rng.IntN(len(good)-1)], model.ErrTruncated},
		{"random bytes", random, model.ErrNotModel},
		{"empty", nil, model.ErrTruncated},
		{"newer format", newer, model.ErrVersion},
		{"flipped byte", flipped, model.ErrChecksum},
	}
}

func TestReloadRejectsBadFiles(t *testing.T) {
	f := setup(t, "a", Options{}, nil)
	want := testBundle(t, "a").Meta.Version
	rng := rand.New(rand.NewPCG(1, 2))
	for i, bad := range badFiles(t, rng) {
		writeModelFile(t, f.path, bad.data)
		err := f.s.Reload()
		if !errors.Is(err, bad.err) {
			t.Errorf("%s: Reload: %v, want %v", bad.name, err, bad.err)
		}
		if got := f.s.current.Load().version; got != want {
			t.Errorf("%s: serving %s, want %s", bad.name, got, want)
		}
		if got := value(t, f.s.metrics.reloads.WithLabelValues("failure")); got != float64(i+1) {
			t.Errorf("%s: failure counter %v, want %d", bad.name, got, i+1)
		}
	}
	os.Remove(f.path)
	if err := f.s.Reload(); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v, want ErrNotExist", err)
	}
	resp, err := f.client.Correct(context.Background(), &spellerv1.CorrectRequest{Query: "jewlery"})
	if err != nil || resp.ModelVersion != want {
		t.Errorf("after the failed reloads: %v %v", resp, err)
	}
}

// TestReloadUnderLoad replaces the model file 100 times, like a trainer (temporary file and rename), with
// good models of three versions and corrupt files mixed, while 8 goroutines call Correct: no call may fail,
// every answer must come from a good model, the version serving must change only on good files, and every
// corrupt file must count one reload failure.
func TestReloadUnderLoad(t *testing.T) {
	f := setup(t, "a", Options{ReloadDebounce: 10 * time.Millisecond}, nil)
	good := map[string]bool{}
	names := []string{"a", "b", "c"}
	for _, n := range names {
		good[testBundle(t, n).Meta.Version] = true
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	watching := make(chan error, 1)
	go func() { watching <- f.s.Watch(ctx) }()

	attempts := func() float64 {
		return value(t, f.s.metrics.reloads.WithLabelValues("success")) + value(t, f.s.metrics.reloads.WithLabelValues("failure"))
	}
	// waitReload waits for the watcher to reload after a change and reports whether it did.
	waitReload := func(before float64, timeout time.Duration) bool {
		for deadline := time.Now().Add(timeout); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
			if attempts() > before {
				return true
			}
		}
		return false
	}
	// The watcher starts asynchronously: rewrite the first model until it sees a change.
	for {
		before := attempts()
		if err := testBundle(t, "a").WriteFile(f.path); err != nil {
			t.Fatal(err)
		}
		if waitReload(before, 200*time.Millisecond) {
			break
		}
	}

	var (
		mu       sync.Mutex
		seen     = map[string]int{}
		failures []error
		wg       sync.WaitGroup
		stop     = make(chan struct{})
	)
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				resp, err := f.client.Correct(ctx, &spellerv1.CorrectRequest{Query: "jewlery box"})
				mu.Lock()
				if err != nil {
					failures = append(failures, err)
				} else {
					seen[resp.ModelVersion]++
				}
				mu.Unlock()
			}
		}()
	}

	rng := rand.New(rand.NewPCG(3, 4))
	failuresBefore := value(t, f.s.metrics.reloads.WithLabelValues("failure"))
	serving := testBundle(t, "a").Meta.Version
	corrupt := 0
	for i := range 100 {
		before := attempts()
		if rng.IntN(2) == 0 {
			b := testBundle(t, names[rng.IntN(len(names))])
			if err := b.WriteFile(f.path); err != nil { // temporary file and rename, as the trainer does
				t.Fatal(err)
			}
			serving = b.Meta.Version
		} else {
			bad := badFiles(t, rng)
			writeModelFile(t, f.path, bad[rng.IntN(len(bad))].data)
			corrupt++
		}
		if !waitReload(before, 5*time.Second) {
			t.Fatalf("replacement %d: no reload within 5s", i)
		}
		if got := f.s.current.Load().version; got != serving {
			t.Fatalf("replacement %d: serving %s, want %s", i, got, serving)
		}
	}
	close(stop)
	wg.Wait()

	if len(failures) > 0 {
		t.Errorf("%d calls failed during reloads, first: %v", len(failures), failures[0])
	}
	total := 0
	for v, n := range seen {
		if !good[v] {
			t.Errorf("%d answers from model version %q, not a good one", n, v)
		}
		total += n
	}
	if total == 0 {
		t.Error("no calls completed")
	}
	if got := value(t, f.s.metrics.reloads.WithLabelValues("failure")) - failuresBefore; got != float64(corrupt) {
		t.Errorf("failure counter rose by %v, want %d (the corrupt files)", got, corrupt)
	}
	t.Logf("%d calls, versions %v, %d corrupt files", total, seen, corrupt)

	cancel()
	if err := <-watching; err != nil {
		t.Errorf("Watch: %v", err)
	}
}

func TestWatchEmbedded(t *testing.T) {
	s := newServer(t, Options{Logger: testLogger()})
	done := make(chan error)
	go func() { done <- s.Watch(context.Background()) }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Watch of the embedded model: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Error("Watch of the embedded model did not return: there is nothing to watch")
	}
}

func TestWatchMissingDirectory(t *testing.T) {
	s := newServer(t, Options{ModelPath: filepath.Join(t.TempDir(), "no", "such", "test.model"), Logger: testLogger()})
	if err := s.Watch(context.Background()); err == nil {
		t.Error("Watch of a missing directory succeeded")
	}
}

func TestWatchStopsOnShutdown(t *testing.T) {
	f := setup(t, "a", Options{}, nil)
	done := make(chan error)
	go func() { done <- f.s.Watch(context.Background()) }()
	time.Sleep(10 * time.Millisecond)
	f.s.Shutdown(context.Background())
	select {
	case err := <-done:
		if err != nil {
			t.Error(err)
		}
	case <-time.After(5 * time.Second):
		t.Error("Watch still running after Shutdown")
	}
}

// swapLink points the symbolic link at link to target atomically, as Kubernetes and git-sync do: a new link
// renamed over the old one.
func swapLink(t testing.TB, target, link string) {
	t.Helper()
	tmp := link + ".tmp"
	if err := os.Symlink(target, tmp); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, link); err != nil {
		t.Fatal(err)
	}
}

// waitLog waits up to 10s for a record with message msg.
func waitLog(t testing.TB, logged *logBuffer, msg string) map[string]any {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		for _, rec := range logged.records(t) {
			if rec["msg"] == msg {
				return rec
			}
		}
	}
	t.Fatalf("no log %q within 10s", msg)
	return nil
}

// TestWatchSymlinkSwap serves a model through symbolic links laid out as deployments do, swaps a link
// atomically to another model, and checks that the watcher reloads it, then that a reload of the same file
// (the SIGHUP that comes with a swap) loads nothing.
func TestWatchSymlinkSwap(t *testing.T) {
	tests := []struct {
		name string
		// layout writes model a, returns the path to serve, and a function that swaps in model b.
		layout func(t *testing.T, root string) (path string, swap func())
	}{
		{"configmap", func(t *testing.T, root string) (string, func()) {
			// root/model -> ..data/test.model, ..data -> ..v1 (a Kubernetes ConfigMap volume)
			for _, v := range []string{"a", "b"} {
				os.Mkdir(filepath.Join(root, "..v"+v), 0o755)
				writeModelFile(t, filepath.Join(root, "..v"+v, "test.model"), modelBytes(t, v))
			}
			swapLink(t, "..va", filepath.Join(root, "..data"))
			swapLink(t, filepath.Join("..data", "test.model"), filepath.Join(root, "model"))
			return filepath.Join(root, "model"), func() { swapLink(t, "..vb", filepath.Join(root, "..data")) }
		}},
		{"git-sync", func(t *testing.T, root string) (string, func()) {
			// root/current -> /abs/root/rev-a, path root/current/test.model (git-sync's link to the checkout)
			for _, v := range []string{"a", "b"} {
				os.Mkdir(filepath.Join(root, "rev-"+v), 0o755)
				writeModelFile(t, filepath.Join(root, "rev-"+v, "test.model"), modelBytes(t, v))
			}
			swapLink(t, filepath.Join(root, "rev-a"), filepath.Join(root, "current"))
			return filepath.Join(root, "current", "test.model"), func() { swapLink(t, filepath.Join(root, "rev-b"), filepath.Join(root, "current")) }
		}},
		{"link to link", func(t *testing.T, root string) (string, func()) {
			// root/serve/model -> ../models/current, models/current -> a.model
			os.Mkdir(filepath.Join(root, "serve"), 0o755)
			os.Mkdir(filepath.Join(root, "models"), 0o755)
			for _, v := range []string{"a", "b"} {
				writeModelFile(t, filepath.Join(root, "models", v+".model"), modelBytes(t, v))
			}
			swapLink(t, "a.model", filepath.Join(root, "models", "current"))
			swapLink(t, filepath.Join("..", "models", "current"), filepath.Join(root, "serve", "model"))
			return filepath.Join(root, "serve", "model"), func() { swapLink(t, "b.model", filepath.Join(root, "models", "current")) }
		}},
		{"file after the link", func(t *testing.T, root string) (string, func()) {
			// root/current -> rev-a; swapped to rev-b while it is empty, the model written there afterwards:
			// the watcher must watch rev-b although the path led nowhere when the link changed.
			for _, v := range []string{"a", "b"} {
				os.Mkdir(filepath.Join(root, "rev-"+v), 0o755)
			}
			writeModelFile(t, filepath.Join(root, "rev-a", "test.model"), modelBytes(t, "a"))
			swapLink(t, "rev-a", filepath.Join(root, "current"))
			return filepath.Join(root, "current", "test.model"), func() {
				swapLink(t, "rev-b", filepath.Join(root, "current"))
				time.Sleep(100 * time.Millisecond) // the watcher sees the swap before the file exists
				writeModelFile(t, filepath.Join(root, "rev-b", "test.model"), modelBytes(t, "b"))
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path, swap := tt.layout(t, t.TempDir())
			logger, logged := captureLogger()
			s := New(Options{ModelPath: path, ReloadDebounce: 10 * time.Millisecond, Logger: logger})
			defer s.Shutdown(context.Background())
			if err := s.Reload(); err != nil {
				t.Fatal(err)
			}
			if got, want := s.current.Load().version, testBundle(t, "a").Meta.Version; got != want {
				t.Fatalf("serving %s, want %s", got, want)
			}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			watching := make(chan error, 1)
			go func() { watching <- s.Watch(ctx) }()
			waitLog(t, logged, "watching the model file")

			swap()
			want := testBundle(t, "b").Meta.Version
			for deadline := time.Now().Add(5 * time.Second); s.current.Load().version != want; time.Sleep(5 * time.Millisecond) {
				if time.Now().After(deadline) {
					t.Fatalf("still serving %s 5s after the swap, want %s", s.current.Load().version, want)
				}
			}
			// The SIGHUP of the same swap: nothing to load.
			if err := s.Reload(); err != nil {
				t.Fatal(err)
			}
			for result, want := range map[string]float64{"success": 2, "unchanged": 1, "failure": 0} {
				if got := value(t, s.metrics.reloads.WithLabelValues(result)); got != want {
					t.Errorf("reloads{result=%q} = %v, want %v", result, got, want)
				}
			}
			cancel()
			if err := <-watching; err != nil {
				t.Errorf("Watch: %v", err)
			}
		})
	}
}

// TestReloadUnchanged checks what counts as a change of the model file: the same file reloads nothing; the
// same bytes written again (a new file), a write in place, or a link to another file load it.
func TestReloadUnchanged(t *testing.T) {
	f := setup(t, "a", Options{}, nil)
	success, unchanged := f.s.metrics.reloads.WithLabelValues("success"), f.s.metrics.reloads.WithLabelValues("unchanged")
	other := filepath.Join(filepath.Dir(f.path), "other.model")
	writeModelFile(t, other, modelBytes(t, "b"))
	steps := []struct {
		name               string
		change             func()
		success, unchanged float64 // the counters after the reload
		version            string
	}{
		{"same file", func() {}, 1, 1, "a"},
		{"same file again", func() {}, 1, 2, "a"},
		{"same bytes, new file", func() { writeModelFile(t, f.path, modelBytes(t, "a")) }, 2, 2, "a"},
		{"written in place", func() {
			if err := os.WriteFile(f.path, modelBytes(t, "b"), 0o644); err != nil {
				t.Fatal(err)
			}
		}, 3, 2, "b"},
		{"now a link to another file", func() {
			os.Remove(f.path)
			writeModelFile(t, other, modelBytes(t, "c"))
			swapLink(t, other, f.path)
		}, 4, 2, "c"},
		{"the link again", func() {}, 4, 3, "c"},
	}
	for _, st := range steps {
		st.change()
		if err := f.s.Reload(); err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		if s, u := value(t, success), value(t, unchanged); s != st.success || u != st.unchanged {
			t.Errorf("%s: success %v, unchanged %v; want %v, %v", st.name, s, u, st.success, st.unchanged)
		}
		if got, want := f.s.current.Load().version, testBundle(t, st.version).Meta.Version; got != want {
			t.Errorf("%s: serving %s, want %s", st.name, got, want)
		}
	}
}

func TestWatchDirs(t *testing.T) {
	root, err := filepath.EvalSymlinks(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	j := func(p ...string) string { return filepath.Join(append([]string{root}, p...)...) }
	for _, d := range []string{"..v1", "rev-a", "plain"} {
		os.Mkdir(j(d), 0o755)
	}
	for _, f := range []string{"..v1/x.model", "rev-a/x.model", "plain/x.model"} {
		os.WriteFile(j(f), nil, 0o644)
	}
	os.Symlink("..v1", j("..data"))
	os.Symlink("..data/x.model", j("model"))
	os.Symlink(j("rev-a"), j("current"))
	os.Symlink("loop2", j("loop1"))
	os.Symlink("loop1", j("loop2"))
	tests := []struct {
		path string
		want []string // nil: an error
	}{
		{j("plain/x.model"), []string{j("plain")}},
		{j("plain/missing.model"), []string{j("plain")}},
		{j("model"), []string{root, j("..v1")}},
		{j("current/x.model"), []string{root, j("rev-a")}},
		{j("plain/../current/./x.model"), []string{root, j("rev-a")}},
		{j("missing/x.model"), nil},
		{j("loop1"), nil},
	}
	for _, tt := range tests {
		got, err := watchDirs(tt.path)
		if tt.want == nil {
			if err == nil {
				t.Errorf("watchDirs(%s) = %v, want an error", tt.path, got)
			}
			continue
		}
		if err != nil || !slices.Equal(got, tt.want) {
			t.Errorf("watchDirs(%s) = %v, %v; want %v", tt.path, got, err, tt.want)
		}
	}
}
