package server

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
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
//
// A reload that finds the file the model serving was loaded from, unchanged, does nothing (it is logged at
// debug level and counted as speller_model_reloads_total{result="unchanged"}): one swap of the file usually
// reaches the server twice, through the file watcher and through the SIGHUP of a deployment tool, and a good
// model should be loaded once. "Unchanged" is the identity of the file the path resolves to (through every
// symbolic link), not a hash of its content: the same file (device and inode), size and modification time.
// That costs one stat instead of reading the whole file, and every way of replacing a model (a trainer's
// rename, a symlink swap, a copy or a write in place) changes one of them. The embedded model never changes.
func (s *Server) Reload() error {
	s.reloadMu.Lock()
	defer s.reloadMu.Unlock()
	start := time.Now()
	// The file is identified before it is read: if it is replaced during the load, the watcher sees a file
	// other than the one recorded and reloads again.
	id, idErr := statModel(s.opts.ModelPath)
	if cur := s.current.Load(); cur != nil && idErr == nil && id.same(cur.file) {
		s.metrics.reloads.WithLabelValues("unchanged").Inc()
		s.log.Debug("model file unchanged; reload skipped", "model", s.modelName(), "file", id.resolved, "version", cur.version)
		return nil
	}
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
	l.file = id
	took := l.loadedAt.Sub(start)
	old := s.current.Swap(l)
	s.metrics.modelLoaded(l.version, took, l.loadedAt)
	for _, name := range []string{"", serviceName} {
		s.health.SetServingStatus(name, healthpb.HealthCheckResponse_SERVING) // no-op once shutting down
	}
	attrs := []any{"model", s.modelName(), "file", id.resolved, "version", l.version, "vocabulary", l.bundle.LM.Len(), "load_seconds", took.Seconds()}
	if old != nil {
		attrs = append(attrs, "previous", old.version)
	}
	s.log.Info("model loaded", attrs...)
	if l.corrector.HasNeighbours() {
		// The neighbour table is built in the background (spell.Options.Neighbours): say when it serves.
		go func(c *spell.Corrector, version string) {
			if err := c.WaitNeighbours(context.Background()); err == nil {
				s.log.Info("neighbour table built", "version", version, "after_seconds", time.Since(start).Seconds())
			}
		}(l.corrector, l.version)
	}
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
		TokenCache: s.opts.TokenCache, Neighbours: !s.opts.NoNeighbours})
	// One probe query exercises the whole decoder on the new model before it serves.
	if _, err := c.Correct(context.Background(), spell.Request{Query: "the"}); err != nil {
		return nil, fmt.Errorf("server: load %s: probe query: %w", name, err)
	}
	return &loaded{corrector: c, bundle: b, version: b.Meta.Version,
		cache: s.newCache()}, nil
}

// newCache returns an empty response cache for a model, or nil when the options turn it off.
func (s *Server) newCache() *lru.Cache[cacheKey, answer] {
	if s.opts.CacheSize < 0 {
		return nil
	}
	return lru.NewSized(s.opts.CacheBytes, s.opts.CacheSize, entryBytes)
}

// modelName names the model file for logs and errors.
func (s *Server) modelName() string {
	if s.opts.ModelPath == "" {
		return "the embedded default model"
	}
	return s.opts.ModelPath
}

// fileID identifies the file a model path resolves to, for Reload to tell whether it changed (see Reload).
// The zero fileID is the embedded model.
type fileID struct {
	resolved string      // the path with every symbolic link resolved
	info     os.FileInfo // nil for the embedded model
}

// statModel identifies the file path resolves to; "" is the embedded model.
func statModel(path string) (fileID, error) {
	if path == "" {
		return fileID{}, nil
	}
	resolved, err := filepath.EvalSymlinks(path)
	if err != nil {
		return fileID{}, err
	}
	fi, err := os.Stat(resolved)
	if err != nil {
		return fileID{}, err
	}
	return fileID{resolved: resolved, info: fi}, nil
}

// same reports whether a and b are the same file with the same size and modification time.
func (a fileID) same(b fileID) bool {
	if a.info == nil || b.info == nil {
		return a.info == nil && b.info == nil
	}
	return os.SameFile(a.info, b.info) && a.info.Size() == b.info.Size() && a.info.ModTime().Equal(b.info.ModTime())
}

// maxLinks is the most symbolic links watchDirs follows, like the kernel's limit for a path.
const maxLinks = 40

// watchDirs returns the directories whose entries decide which file path (absolute) resolves to: the
// directory of every symbolic link met while resolving it, component by component, and the directory of the
// file it resolves to, all of them resolved. A missing last component is allowed (the file may appear
// later); a missing directory is an error.
func watchDirs(path string) ([]string, error) {
	var dirs []string
	add := func(d string) {
		if !slices.Contains(dirs, d) {
			dirs = append(dirs, d)
		}
	}
	sep := string(filepath.Separator)
	cur := filepath.VolumeName(path) + sep
	rest := strings.Split(strings.TrimPrefix(filepath.Clean(path)[len(cur)-1:], sep), sep)
	for links := 0; len(rest) > 0; {
		name := rest[0]
		rest = rest[1:]
		switch name {
		case "", ".":
			continue
		case "..":
			cur = filepath.Dir(cur)
			continue
		}
		next := filepath.Join(cur, name)
		fi, err := os.Lstat(next)
		if err != nil {
			if len(rest) == 0 && errors.Is(err, fs.ErrNotExist) {
				break // the file may appear later: its directory is watched below
			}
			return nil, err
		}
		if fi.Mode()&fs.ModeSymlink == 0 {
			cur = next
			continue
		}
		if links++; links > maxLinks {
			return nil, fmt.Errorf("%s: too many levels of symbolic links", path)
		}
		target, err := os.Readlink(next)
		if err != nil {
			return nil, err
		}
		add(cur) // a swap of the link happens in its directory
		if filepath.IsAbs(target) {
			cur = filepath.VolumeName(target) + sep
		}
		rest = append(strings.Split(target, sep), rest...)
	}
	if fi, err := os.Stat(cur); err == nil && !fi.IsDir() {
		cur = filepath.Dir(cur)
	}
	add(cur)
	return dirs, nil
}

// Watch reloads the model whenever the file its path resolves to changes, until ctx ends or Shutdown is
// called. It watches directories, not the file: trainers replace the file by writing a temporary file and
// renaming it over the old one (model.Bundle.WriteFile), and deployments swap a symbolic link on the way to
// it (Kubernetes swaps a ConfigMap volume's "..data" link, git-sync the link to the checkout), so it watches
// the directory of every link on the way and of the file (watchDirs). On any event there it resolves the
// path again and reloads when it resolves to another file, or the file's size or modification time changed
// (see Reload). Changes are debounced (Options.ReloadDebounce), so a burst of events gives one reload. With
// no ModelPath (the embedded default) there is nothing to watch, and Watch returns nil at once.
func (s *Server) Watch(ctx context.Context) error {
	if s.opts.ModelPath == "" {
		return nil
	}
	path, err := filepath.Abs(s.opts.ModelPath)
	if err != nil {
		return fmt.Errorf("server: watch: %w", err)
	}
	dirs, err := watchDirs(path)
	if err != nil {
		return fmt.Errorf("server: watch %s: %w", path, err)
	}
	w, err := fsnotify.NewWatcher()
	if err != nil {
		return fmt.Errorf("server: watch: %w", err)
	}
	defer w.Close()
	for _, d := range dirs {
		if err := w.Add(d); err != nil {
			return fmt.Errorf("server: watch %s: %w", d, err)
		}
	}
	last, _ := statModel(path) // a missing file is the zero fileID: its appearance is a change
	s.log.Info("watching the model file", "path", path, "dirs", dirs)
	debounce := time.NewTimer(time.Hour)
	debounce.Stop()
	defer debounce.Stop()
	// check resolves the path again: when it leads to another file, or the file changed, it schedules a
	// reload. Either way it watches the directories of the chain of links as it is now, also while the path
	// leads nowhere (a link swapped to a directory the file appears in later).
	check := func() {
		id, err := statModel(path)
		switch {
		case err != nil:
			last = fileID{} // gone for now (a rename in progress): nothing to load
		case !id.same(last):
			last = id
			debounce.Reset(s.opts.ReloadDebounce)
		}
		nd, err := watchDirs(path)
		if err != nil {
			s.log.Warn("watching the model file", "path", path, "err", err)
			return
		}
		for _, d := range dirs {
			if !slices.Contains(nd, d) {
				w.Remove(d) // fails when the directory was deleted, which removed the watch already
			}
		}
		for _, d := range nd {
			if !slices.Contains(dirs, d) {
				if err := w.Add(d); err != nil {
					s.log.Warn("watching the model file", "path", path, "dir", d, "err", err)
				}
			}
		}
		dirs = nd
	}
	for {
		select {
		case _, ok := <-w.Events:
			if !ok {
				return nil
			}
			check()
		case err, ok := <-w.Errors:
			if !ok {
				return nil
			}
			if errors.Is(err, fsnotify.ErrEventOverflow) {
				// Events were lost; one of them may have been ours.
				last = fileID{}
				check()
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
