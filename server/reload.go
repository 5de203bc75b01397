package server

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"time"

	"github.com/fsnotify/fsnotify"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	"github.com/spellwright/speller/data"
	"github.com/spellwright/speller/internal/lru"
	"github.com/spellwright/speller/spell"
)

// Reload loads the model (Options.ModelPath, or the embedded default), checks it, builds its corrector and
// swaps it in: calls that started on the old model finish on it, later ones use the new one. On failure
// (a missing, corrupt, truncated or incompatible file) the model serving stays, the failure is logged and
// counted, and the error is returned. The first success turns health to SERVING. Reloads run one at a time.
// Cost: reading the file plus spell.New (a few hundred milliseconds for a large vocabulary); memory peaks at
// two models while both are alive.
func (s *Server) Reload() error {
	s.reloadMu.Lock()
	defer s.reloadMu.Unlock()
	start := time.Now()
	l, err := s.load()
	if err != nil {
		s.metrics.reloads.WithLabelValues("failure").Inc()
		attrs := []any{"model", s.modelName(), "err", err}
		if old := s.current.Load(); old != nil {
			attrs = append(attrs, "serving", old.version)
		}
		s.log.Error("model load failed; the model serving (if any) stays", attrs...)
		return err
	}
	l.loadedAt = time.Now()
	took := l.loadedAt.Sub(start)
	old := s.current.Swap(l)
	s.metrics.modelLoaded(l.version, took, l.loadedAt)
	for _, name := range []string{"", serviceName} {
		s.health.SetServingStatus(name, healthpb.HealthCheckResponse_SERVING) // no-op once shutting down
	}
	attrs := []any{"model", s.modelName(), "version", l.version, "vocabulary", l.bundle.LM.Len(), "load_seconds", took.Seconds()}
	if old != nil {
		attrs = append(attrs, "previous", old.version)
	}
	s.log.Info("model loaded", attrs...)
	if !l.bundle.Tuned() {
		s.log.Warn("model never tuned: it offers corrections but applies none automatically (but to queries "+
			"with no results); tune it on labelled examples of your traffic with `speller tune`",
			"version", l.version, "auto_threshold", l.bundle.Params.AutoThreshold)
	}
	return nil
}

// load reads and checks the model and builds its corrector. A model file is outside input: a panic while
// indexing it is turned into an error rather than taking the server down.
func (s *Server) load() (l *loaded, err error) {
	name := s.modelName()
	defer func() {
		if r := recover(); r != nil {
			l, err = nil, fmt.Errorf("server: load %s: panic: %v", name, r)
		}
	}()
	b, err := data.Load(s.opts.ModelPath)
	if err != nil {
		return nil, fmt.Errorf("server: load %s: %w", name, err)
	}
	if b.Meta.Version == "" {
		return nil, fmt.Errorf("server: load %s: the model has no version", name)
	}
	if b.LM == nil || b.Errors == nil || b.LM.Len() == 0 {
		return nil, fmt.Errorf("server: load %s: the model is empty", name)
	}
	c := spell.New(b, spell.Options{MaxQueryBytes: s.opts.MaxQueryBytes, MaxTokens: s.opts.MaxTokens,
		TokenCache: s.opts.TokenCache})
	// One probe query exercises the whole decoder on the new model before it serves.
	if _, err := c.Correct(context.Background(), spell.Request{Query: "the"}); err != nil {
		return nil, fmt.Errorf("server: load %s: probe query: %w", name, err)
	}
	return &loaded{corrector: c, bundle: b, version: b.Meta.Version,
		cache: lru.New[cacheKey, answer](s.opts.CacheSize)}, nil
}

// modelName names the model file for logs and errors.
func (s *Server) modelName() string {
	if s.opts.ModelPath == "" {
		return "the embedded default model"
	}
	return s.opts.ModelPath
}

// Watch reloads the model whenever its file changes, until ctx ends or Shutdown is called. It watches the
// file's directory, not the file, because trainers replace the file by writing a temporary file and renaming
// it over the old one (model.Bundle.WriteFile): the rename creates the name in the directory. Changes are
// debounced (Options.ReloadDebounce), so a burst of events gives one reload. With no ModelPath (the
// embedded default) there is nothing to watch, and Watch returns nil at once.
func (s *Server) Watch(ctx context.Context) error {
	if s.opts.ModelPath == "" {
		return nil
	}
	path, err := filepath.Abs(s.opts.ModelPath)
	if err != nil {
		return fmt.Errorf("server: watch: %w", err)
	}
	dir, base := filepath.Dir(path), filepath.Base(path)
	w, err := fsnotify.NewWatcher()
	if err != nil {
		return fmt.Errorf("server: watch: %w", err)
	}
	defer w.Close()
	if err := w.Add(dir); err != nil {
		return fmt.Errorf("server: watch %s: %w", dir, err)
	}
	s.log.Info("watching the model file", "path", path)
	debounce := time.NewTimer(time.Hour)
	debounce.Stop()
	defer debounce.Stop()
	for {
		select {
		case ev, ok := <-w.Events:
			if !ok {
				return nil
			}
			if filepath.Base(ev.Name) == base && ev.Has(fsnotify.Create|fsnotify.Write) {
				debounce.Reset(s.opts.ReloadDebounce)
			}
		case err, ok := <-w.Errors:
			if !ok {
				return nil
			}
			if errors.Is(err, fsnotify.ErrEventOverflow) {
				// Events were lost; one of them may have been ours.
				debounce.Reset(s.opts.ReloadDebounce)
			}
			s.log.Warn("watching the model file", "path", path, "err", err)
		case <-debounce.C:
			s.Reload() // logged and counted there
		case <-ctx.Done():
			return nil
		case <-s.done:
			return nil
		}
	}
}
