package server

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/test/bufconn"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"

	"github.com/spellwright/speller/model"
	spellerv1 "github.com/spellwright/speller/proto/speller/v1"
	"github.com/spellwright/speller/train"
)

// corpus and pairs make the small test models: a few hundred words, built in milliseconds.
const corpus = `jewelry box for the bride. silver jewelry box with a mirror.
flower girl basket. white flower girl dress. flower girl basket with ribbon.
butter dish with lid. ceramic butter dish. glass butter dish.
red dress. blue dress. summer dress for the beach. wedding dress.
earring holder. gold earring. silver earring. pearl earring.
the box. the dress. the basket. the dish. the mirror. the ribbon.
`

const pairs = "jewlery\tjewelry\njewelery\tjewelry\nbaske\tbasket\nbuttor\tbutter\ndresss\tdress\nearing\tearring\nflowr\tflower\n"

// bundles caches the test models by name: equal names give equal versions.
var bundles sync.Map // name → *model.Bundle

// testBundle returns a small model whose version starts with name; distinct names give distinct versions.
func testBundle(t testing.TB, name string) *model.Bundle {
	t.Helper()
	if b, ok := bundles.Load(name); ok {
		return b.(*model.Bundle)
	}
	c := train.NewCounter()
	// The name goes into the corpus so that each name hashes to its own version.
	if err := c.AddCorpus(strings.NewReader(corpus+"model "+name+".\n"), &train.SourceReport{}); err != nil {
		t.Fatal(err)
	}
	if err := c.AddPairs(strings.NewReader(pairs), 1, &train.SourceReport{}); err != nil {
		t.Fatal(err)
	}
	// A high auto-correct line makes the confident corrections of this tiny model DID_YOU_MEAN, so that the
	// zero-results rule shows.
	params := model.DefaultParams
	params.AutoThreshold = 30
	b, err := c.Bundle(train.Options{Name: name, MinCorpusCount: 1, Params: &params,
		BuildTime: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	bundles.Store(name, b)
	return b
}

// modelBytes is the encoded form of a test model.
func modelBytes(t testing.TB, name string) []byte {
	t.Helper()
	var buf bytes.Buffer
	if _, err := testBundle(t, name).WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// writeModelFile writes a file the way a trainer does: a temporary file in the same directory, renamed over
// path.
func writeModelFile(t testing.TB, path string, data []byte) {
	t.Helper()
	tmp, err := os.CreateTemp(filepath.Dir(path), ".tmp-model-*")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tmp.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := tmp.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		t.Fatal(err)
	}
}

// testLogger discards logs unless the test runs with -v.
func testLogger() *slog.Logger {
	if testing.Verbose() {
		return slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.NewJSONHandler(io.Discard, nil))
}

// logBuffer collects the JSON log records of a server, for tests that check what it logs.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// records returns the records logged so far.
func (b *logBuffer) records(t testing.TB) []map[string]any {
	t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	var recs []map[string]any
	for _, line := range bytes.Split(bytes.TrimSpace(b.buf.Bytes()), []byte("\n")) {
		var rec map[string]any
		if err := json.Unmarshal(line, &rec); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		recs = append(recs, rec)
	}
	return recs
}

// captureLogger returns a logger at debug level that writes JSON records to the returned buffer.
func captureLogger() (*slog.Logger, *logBuffer) {
	b := new(logBuffer)
	return slog.New(slog.NewJSONHandler(b, &slog.HandlerOptions{Level: slog.LevelDebug})), b
}

// newServer is New, with a Shutdown at the end of the test: it stops the stream workers that New starts.
func newServer(t testing.TB, opts Options) *Server {
	s := New(opts)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		s.Shutdown(ctx)
	})
	return s
}

// fixture is a server on a bufconn listener and a client connected to it.
type fixture struct {
	s      *Server
	conn   *grpc.ClientConn
	client spellerv1.SpellerServiceClient
	path   string // the model file
}

// setup starts a server on bufconn serving the model name (loaded unless name is ""), with opts and hook.
func setup(t testing.TB, name string, opts Options, hook func(context.Context, string)) *fixture {
	t.Helper()
	f := &fixture{path: filepath.Join(t.TempDir(), "test.model")}
	opts.ModelPath = f.path
	if opts.Logger == nil {
		opts.Logger = testLogger()
	}
	f.s = New(opts)
	f.s.hook = hook
	if name != "" {
		writeModelFile(t, f.path, modelBytes(t, name))
		if err := f.s.Reload(); err != nil {
			t.Fatal(err)
		}
	}
	lis := bufconn.Listen(1 << 20)
	go f.s.Serve(lis)
	conn, err := grpc.NewClient("passthrough:///bufnet",
		grpc.WithContextDialer(func(ctx context.Context, _ string) (net.Conn, error) { return lis.DialContext(ctx) }),
		grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	f.conn, f.client = conn, spellerv1.NewSpellerServiceClient(conn)
	t.Cleanup(func() {
		conn.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		f.s.Shutdown(ctx)
	})
	return f
}

// scrape returns the metrics exposition of s.
func scrape(t testing.TB, s *Server) string {
	t.Helper()
	rec := httptest.NewRecorder()
	s.AdminHandler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	return rec.Body.String()
}

// rawCodec sends a request encoded by the test itself ([]byte), so that a test can send what a Go client
// refuses to encode, such as a string field holding invalid UTF-8. Responses are decoded as usual. Its name
// is "proto" so that the server decodes requests with its usual codec.
type rawCodec struct{}

func (rawCodec) Marshal(v any) ([]byte, error) {
	if b, ok := v.([]byte); ok {
		return b, nil
	}
	return proto.Marshal(v.(proto.Message))
}
func (rawCodec) Unmarshal(data []byte, v any) error { return proto.Unmarshal(data, v.(proto.Message)) }
func (rawCodec) Name() string                       { return "proto" }

// rawQuery is a CorrectRequest with query q, encoded without checking that q is valid UTF-8.
func rawQuery(q string) []byte {
	b := protowire.AppendTag(nil, 1, protowire.BytesType)
	return protowire.AppendString(b, q)
}

// correctRaw calls Correct with query q sent as raw bytes.
func correctRaw(ctx context.Context, conn *grpc.ClientConn, q string) (*spellerv1.CorrectResponse, error) {
	resp := new(spellerv1.CorrectResponse)
	err := conn.Invoke(ctx, spellerv1.SpellerService_Correct_FullMethodName, rawQuery(q), resp, grpc.ForceCodec(rawCodec{}))
	return resp, err
}
