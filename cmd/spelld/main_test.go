package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	"github.com/spellwright/speller/model"
	spellerv1 "github.com/spellwright/speller/proto/speller/v1"
	"github.com/spellwright/speller/train"
)

// testBundle builds a tiny model whose version starts with name.
func testBundle(t *testing.T, name string) *model.Bundle {
	t.Helper()
	c := train.NewCounter()
	if err := c.AddCorpus(strings.NewReader("jewelry box. silver jewelry box. butter dish. the box. the dish.\n"), &train.SourceReport{}); err != nil {
		t.Fatal(err)
	}
	if err := c.AddPairs(strings.NewReader("jewlery\tjewelry\nbuttor\tbutter\n"), 1, &train.SourceReport{}); err != nil {
		t.Fatal(err)
	}
	b, err := c.Bundle(train.Options{Name: name, MinCorpusCount: 1})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestRunUsage(t *testing.T) {
	tests := []struct {
		args []string
		code int
		says string
	}{
		{[]string{"-h"}, 0, "-max-batch"},
		{[]string{"--no-such-flag"}, 2, "not defined"},
		{[]string{"extra"}, 2, "unexpected arguments"},
		{[]string{"--tls-cert", "c.pem"}, 2, "go together"},
		{[]string{"--log-level", "loud"}, 2, "log-level"},
		{[]string{"--demo"}, 2, "--demo needs --http"},
		{[]string{"--listen", "127.0.0.1:0", "--model", filepath.Join(t.TempDir(), "missing.model")}, 1, "no model to serve"},
		{[]string{"--listen", "127.0.0.1:0", "--tls-cert", "missing.pem", "--tls-key", "missing.pem"}, 1, "tls"},
	}
	for _, tt := range tests {
		var stderr strings.Builder
		if code := run(tt.args, &stderr); code != tt.code || !strings.Contains(stderr.String(), tt.says) {
			t.Errorf("spelld %q: exit %d, want %d; output %q should say %q", tt.args, code, tt.code, stderr.String(), tt.says)
		}
	}
}

// logs collects the JSON log records of a running spelld.
type logs struct {
	mu      sync.Mutex
	records []map[string]any
	raw     strings.Builder
}

func (l *logs) read(r io.Reader) {
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		var rec map[string]any
		l.mu.Lock()
		l.raw.WriteString(sc.Text() + "\n")
		if json.Unmarshal(sc.Bytes(), &rec) == nil {
			l.records = append(l.records, rec)
		}
		l.mu.Unlock()
	}
}

// wait returns the first record with message msg, waiting up to 10s.
func (l *logs) wait(t *testing.T, msg string) map[string]any {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		l.mu.Lock()
		for _, r := range l.records {
			if r["msg"] == msg {
				l.mu.Unlock()
				return r
			}
		}
		l.mu.Unlock()
	}
	t.Fatalf("no log %q within 10s; logs:\n%s", msg, l.String())
	return nil
}

func (l *logs) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.raw.String()
}

// TestSpelld builds and runs the real binary on loopback: it serves (gRPC, and JSON on the --http port), reloads on SIGHUP (keeping the model
// when the new file is corrupt), and exits 0 within the drain budget on SIGTERM.
func TestSpelld(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "spelld")
	start := time.Now()
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	t.Logf("go build: %v", time.Since(start))
	modelPath := filepath.Join(dir, "en.model")
	a, b := testBundle(t, "a"), testBundle(t, "b")
	if err := a.WriteFile(modelPath); err != nil {
		t.Fatal(err)
	}

	const drain = 5 * time.Second
	cmd := exec.Command(bin, "--listen", "127.0.0.1:0", "--admin", "127.0.0.1:0", "--http", "127.0.0.1:0", "--demo", "--model", modelPath,
		"--watch=false", "--drain", drain.String(), "--drain-delay", "100ms", "--log-level", "debug")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var l logs
	readDone := make(chan struct{})
	go func() { l.read(stderr); close(readDone) }()
	exited := false
	defer func() {
		if !exited {
			cmd.Process.Kill()
			cmd.Wait()
		}
		if t.Failed() {
			t.Logf("spelld logs:\n%s", l.String())
		}
	}()

	addr := l.wait(t, "serving")["addr"].(string)
	admin := l.wait(t, "admin serving")["addr"].(string)
	httpAddr := l.wait(t, "http serving")["addr"].(string)
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	client := spellerv1.NewSpellerServiceClient(conn)
	health := healthpb.NewHealthClient(conn)
	for {
		resp, err := health.Check(ctx, &healthpb.HealthCheckRequest{}, grpc.WaitForReady(true))
		if err != nil {
			t.Fatal(err)
		}
		if resp.Status == healthpb.HealthCheckResponse_SERVING {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	version := func() string {
		t.Helper()
		resp, err := client.Correct(ctx, &spellerv1.CorrectRequest{Query: "jewlery box"})
		if err != nil {
			t.Fatal(err)
		}
		if resp.Correction != "jewelry box" {
			t.Errorf("Correct: %v", resp)
		}
		return resp.ModelVersion
	}
	if v := version(); v != a.Meta.Version {
		t.Fatalf("serving %s, want %s", v, a.Meta.Version)
	}
	// The bundle was never tuned: spelld says so, and applies no correction by itself but to a query that
	// found nothing.
	if w := l.wait(t, "model never tuned: it offers corrections but applies none automatically (but to queries "+
		"with no results); tune it on labelled examples of your traffic with `speller tune`"); w["level"] != "WARN" {
		t.Errorf("untuned model logged as %v", w)
	}
	zero := int64(0)
	for _, tc := range []struct {
		results *int64
		want    spellerv1.Action
	}{{nil, spellerv1.Action_ACTION_DID_YOU_MEAN}, {&zero, spellerv1.Action_ACTION_AUTO_CORRECT}} {
		resp, err := client.Correct(ctx, &spellerv1.CorrectRequest{Query: "jewlery box", OriginalResultCount: tc.results})
		if err != nil || resp.Action != tc.want {
			t.Errorf("untuned model, result count %v: %v, %v; want %v", tc.results, resp, err, tc.want)
		}
	}
	resp, err := http.Post("http://"+httpAddr+"/v1/correct", "application/json", strings.NewReader(`{"query": "jewlery box"}`))
	if err != nil {
		t.Fatal(err)
	}
	var answer struct{ Correction string }
	err = json.NewDecoder(resp.Body).Decode(&answer)
	resp.Body.Close()
	if resp.StatusCode != 200 || err != nil || answer.Correction != "jewelry box" {
		t.Errorf("POST /v1/correct: %d %v %+v", resp.StatusCode, err, answer)
	}
	for path, want := range map[string]string{
		admin + "/readyz":      "ok",
		admin + "/metrics":     `speller_model_info{version="` + a.Meta.Version + `"} 1`,
		httpAddr + "/":         "speller demo",
		httpAddr + "/v1/model": a.Meta.Version,
	} {
		resp, err := http.Get("http://" + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.Contains(string(body), want) {
			t.Errorf("GET %s: %d, want 200 with %q", path, resp.StatusCode, want)
		}
	}

	// SIGHUP reloads (the watcher is off, so only the signal can).
	if err := b.WriteFile(modelPath); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(10 * time.Second); version() != b.Meta.Version; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("still serving %s 10s after SIGHUP", version())
		}
	}
	// A corrupt file on SIGHUP leaves the model serving.
	if err := os.WriteFile(modelPath, []byte("not a model"), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd.Process.Signal(syscall.SIGHUP)
	l.wait(t, "model load failed; the model serving (if any) stays")
	if v := version(); v != b.Meta.Version {
		t.Errorf("after a corrupt file: serving %s, want %s", v, b.Meta.Version)
	}

	start = time.Now()
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	<-readDone
	err = cmd.Wait()
	exited = true
	if err != nil {
		t.Errorf("spelld exited with %v, want 0", err)
	}
	if d := time.Since(start); d > drain {
		t.Errorf("spelld took %v to exit, more than the drain budget %v", d, drain)
	}
	l.wait(t, "stopped")
	t.Logf("exited %v after SIGTERM", time.Since(start))
}
