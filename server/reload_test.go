package server

import (
	"context"
	"encoding/binary"
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
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
	s := New(Options{Logger: testLogger()})
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
	s := New(Options{ModelPath: filepath.Join(t.TempDir(), "no", "such", "test.model"), Logger: testLogger()})
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
