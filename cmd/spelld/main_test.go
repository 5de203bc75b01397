package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	"github.com/spellwright/speller/data"
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
		{[]string{"--listen", "127.0.0.1:0", "--model", filepath.Join(t.TempDir(), "missing.model")}, 1, "--model: no model to serve"},
		{[]string{"--listen", "127.0.0.1:0", "--model", t.TempDir()}, 1, "is not a regular file"},
		{[]string{"--listen", "127.0.0.1:0", "--tls-cert", "missing.pem", "--tls-key", "missing.pem"}, 1, "tls"},
	}
	for _, tt := range tests {
		var stdout, stderr strings.Builder
		if code := run(tt.args, &stdout, &stderr); code != tt.code || !strings.Contains(stderr.String(), tt.says) {
			t.Errorf("spelld %q: exit %d, want %d; output %q should say %q", tt.args, code, tt.code, stderr.String(), tt.says)
		}
		// A server that cannot serve never says it listens or serves.
		if out := stderr.String(); tt.code != 0 && (strings.Contains(out, `"msg":"listening"`) || strings.Contains(out, `"msg":"serving"`)) {
			t.Errorf("spelld %q failed but logged that it serves: %q", tt.args, stderr.String())
		}
		if stdout.Len() > 0 {
			t.Errorf("spelld %q wrote to stdout: %q", tt.args, stdout.String())
		}
	}
}

// TestVersion checks that --version names the module, the Go version and the embedded model's version,
// and exits 0 without serving.
func TestVersion(t *testing.T) {
	var stdout, stderr strings.Builder
	if code := run([]string{"--version", "--listen", "no:such:address"}, &stdout, &stderr); code != 0 {
		t.Fatalf("spelld --version: exit %d, stderr %q", code, stderr.String())
	}
	b, err := data.Default()
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []*regexp.Regexp{
		regexp.MustCompile(`(?m)^program +spelld$`),
		regexp.MustCompile(`(?m)^go +` + regexp.QuoteMeta(runtime.Version()) + `$`),
		regexp.MustCompile(`(?m)^default model +` + regexp.QuoteMeta(b.Meta.Version) + ` \(built `),
	} {
		if !want.MatchString(stdout.String()) {
			t.Errorf("spelld --version printed %q, want a line matching %s", stdout.String(), want)
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

// binary is the spelld binary the tests run, built once.
var binary struct {
	once sync.Once
	dir  string
	path string
	err  error
}

// TestMain removes the binary the tests built.
func TestMain(m *testing.M) {
	code := m.Run()
	if binary.dir != "" {
		os.RemoveAll(binary.dir)
	}
	os.Exit(code)
}

// spelldBinary builds the spelld binary once for all the tests (skipped with -short).
func spelldBinary(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds the binary")
	}
	binary.once.Do(func() {
		if binary.dir, binary.err = os.MkdirTemp("", "spelld-test-"); binary.err != nil {
			return
		}
		binary.path = filepath.Join(binary.dir, "spelld")
		start := time.Now()
		if out, err := exec.Command("go", "build", "-o", binary.path, ".").CombinedOutput(); err != nil {
			binary.err = fmt.Errorf("go build: %v\n%s", err, out)
		}
		t.Logf("go build: %v", time.Since(start))
	})
	if binary.err != nil {
		t.Fatal(binary.err)
	}
	return binary.path
}

// startLogged starts the binary bin with args and collects its JSON log records from stderr; readDone is
// closed when stderr ends. The caller stops the process.
func startLogged(t *testing.T, bin string, args ...string) (cmd *exec.Cmd, l *logs, readDone <-chan struct{}) {
	t.Helper()
	cmd = exec.Command(bin, args...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	l = new(logs)
	done := make(chan struct{})
	go func() { l.read(stderr); close(done) }()
	return cmd, l, done
}

// postCorrect asks the HTTP/JSON API at addr to correct query and returns the correction ("" for none); any
// other status than 200 or an undecodable answer fails the test.
func postCorrect(t *testing.T, addr, query string) string {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"query": query})
	resp, err := http.Post("http://"+addr+"/v1/correct", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var answer struct{ Correction string }
	if err := json.NewDecoder(resp.Body).Decode(&answer); resp.StatusCode != http.StatusOK || err != nil {
		t.Fatalf("POST %s/v1/correct: %d %v", addr, resp.StatusCode, err)
	}
	return answer.Correction
}

// TestSpelld builds and runs the real binary on loopback: it serves (gRPC, and JSON on the --http port), reloads on SIGHUP (keeping the model
// when the new file is corrupt), and exits 0 within the drain budget on SIGTERM.
func TestSpelld(t *testing.T) {
	dir := t.TempDir()
	bin := spelldBinary(t)
	modelPath := filepath.Join(dir, "en.model")
	a, b := testBundle(t, "a"), testBundle(t, "b")
	if err := a.WriteFile(modelPath); err != nil {
		t.Fatal(err)
	}

	const drain = 5 * time.Second
	cmd, l, readDone := startLogged(t, bin, "--listen", "127.0.0.1:0", "--admin", "127.0.0.1:0", "--http", "127.0.0.1:0", "--demo",
		"--model", modelPath, "--watch=false", "--drain", drain.String(), "--drain-delay", "100ms", "--log-level", "debug")
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
	// Three Correct calls so far; the standard gRPC series are labelled by service and method, and exist
	// at 0 for the methods never called.
	const correct = `grpc_method="Correct",grpc_service="speller.v1.SpellerService",grpc_type="unary"`
	for _, tc := range []struct{ path, want string }{
		{"/readyz", "ok"},
		{"/metrics", `speller_model_info{version="` + a.Meta.Version + `"} 1`},
		{"/metrics", `speller_requests_total{code="OK",method="/speller.v1.SpellerService/Correct"} 3`},
		{"/metrics", `grpc_server_started_total{` + correct + `} 3`},
		{"/metrics", `grpc_server_handled_total{grpc_code="OK",` + correct + `} 3`},
		{"/metrics", `grpc_server_handling_seconds_bucket{` + correct + `,le="5e-05"}`},
		{"/metrics", `grpc_server_handling_seconds_count{` + correct + `} 3`},
		{"/metrics", `grpc_server_handled_total{grpc_code="OK",grpc_method="Check",grpc_service="grpc.health.v1.Health",grpc_type="unary"}`},
		{"/metrics", `grpc_server_started_total{grpc_method="CorrectBatch",grpc_service="speller.v1.SpellerService",grpc_type="unary"} 0`},
	} {
		resp, err := http.Get("http://" + admin + tc.path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.Contains(string(body), tc.want) {
			t.Errorf("GET %s: %d, want 200 with %q", tc.path, resp.StatusCode, tc.want)
		}
	}
	// The same API as JSON on the --http port, and the demo page.
	if got := postCorrect(t, httpAddr, "jewlery box"); got != "jewelry box" {
		t.Errorf("POST /v1/correct: correction %q, want %q", got, "jewelry box")
	}
	for path, want := range map[string]string{"/": "speller demo", "/v1/model": a.Meta.Version} {
		resp, err := http.Get("http://" + httpAddr + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.Contains(string(body), want) {
			t.Errorf("GET %s on the --http port: %d, want 200 with %q", path, resp.StatusCode, want)
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

	start := time.Now()
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

// TestSpelldSymlinkSwap runs the real binary on a model reached through symbolic links laid out like a
// Kubernetes ConfigMap volume (model -> ..data/en.model, ..data -> ..v1), swaps "..data" atomically to
// another model as the kubelet does, and checks that spelld serves it; then that the SIGHUP a deployment
// sends after the swap loads nothing, as the model was loaded already.
func TestSpelldSymlinkSwap(t *testing.T) {
	bin := spelldBinary(t)
	dir := t.TempDir()
	a, b := testBundle(t, "a"), testBundle(t, "b")
	for name, m := range map[string]*model.Bundle{"..v1": a, "..v2": b} {
		if err := os.Mkdir(filepath.Join(dir, name), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := m.WriteFile(filepath.Join(dir, name, "en.model")); err != nil {
			t.Fatal(err)
		}
	}
	swap := func(target, link string) {
		t.Helper()
		if err := os.Symlink(target, link+".tmp"); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(link+".tmp", link); err != nil {
			t.Fatal(err)
		}
	}
	swap("..v1", filepath.Join(dir, "..data"))
	swap(filepath.Join("..data", "en.model"), filepath.Join(dir, "model"))

	cmd, l, _ := startLogged(t, bin, "--listen", "127.0.0.1:0", "--admin", "127.0.0.1:0", "--model", filepath.Join(dir, "model"),
		"--drain", "2s", "--drain-delay", "0s", "--log-level", "debug")
	defer func() {
		cmd.Process.Kill()
		cmd.Wait()
		if t.Failed() {
			t.Logf("spelld logs:\n%s", l.String())
		}
	}()
	addr := l.wait(t, "serving")["addr"].(string)
	admin := l.wait(t, "admin serving")["addr"].(string)
	l.wait(t, "watching the model file")
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	client := spellerv1.NewSpellerServiceClient(conn)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	version := func() string {
		t.Helper()
		resp, err := client.GetModelInfo(ctx, &spellerv1.GetModelInfoRequest{})
		if err != nil {
			t.Fatal(err)
		}
		return resp.Model.Version
	}
	if v := version(); v != a.Meta.Version {
		t.Fatalf("serving %s, want %s", v, a.Meta.Version)
	}

	swap("..v2", filepath.Join(dir, "..data"))
	for deadline := time.Now().Add(10 * time.Second); version() != b.Meta.Version; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("still serving %s 10s after the swap, want %s", version(), b.Meta.Version)
		}
	}
	if err := cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	l.wait(t, "model file unchanged; reload skipped")
	resp, err := http.Get("http://" + admin + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{
		`speller_model_reloads_total{result="success"} 2`, // the first load and the swap, once
		`speller_model_reloads_total{result="unchanged"} 1`,
		`speller_model_reloads_total{result="failure"} 0`,
	} {
		if !strings.Contains(string(body), want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
}

// TestLinksOnlyWhatServes checks that spelld does not link what only tests, training and evaluation use:
// bleve (about 67 packages and 10 MB of binary; the bleve candidate backend is candidates/bleveindex) and the
// evaluation package (the corrector's adapter to it is internal/correval).
func TestLinksOnlyWhatServes(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list")
	}
	out, err := exec.Command("go", "list", "-deps", ".").Output()
	if err != nil {
		t.Fatalf("go list -deps: %v", err)
	}
	for _, pkg := range strings.Fields(string(out)) {
		if strings.Contains(pkg, "blevesearch") || pkg == "github.com/spellwright/speller/eval" ||
			strings.HasPrefix(pkg, "github.com/spellwright/speller/train") {
			t.Errorf("spelld links %s", pkg)
		}
	}
}
