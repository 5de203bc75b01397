package httpapi_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"io"
	"log/slog"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	spellerv1 "github.com/spellwright/speller/proto/speller/v1"
	"github.com/spellwright/speller/server"
	"github.com/spellwright/speller/server/httpapi"
)

// fixture is a server on loopback with the embedded model: gRPC on one port, the HTTP handler on another.
type fixture struct {
	s      *server.Server
	url    string // of the HTTP port, without a trailing slash
	client spellerv1.SpellerServiceClient
}

// start starts a server with sopts (loading its model when load is set) and its HTTP handler with opts.
func start(t testing.TB, sopts server.Options, opts httpapi.Options, load bool) *fixture {
	t.Helper()
	sopts.Logger = slog.New(slog.NewJSONHandler(io.Discard, nil))
	s := server.New(sopts)
	if load {
		if err := s.Reload(); err != nil {
			t.Fatal(err)
		}
	}
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go s.Serve(lis)
	h, err := httpapi.New(s, opts)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(h)
	f := &fixture{s: s, url: hs.URL}
	if sopts.TLS == nil {
		conn, err := grpc.NewClient(lis.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { conn.Close() })
		f.client = spellerv1.NewSpellerServiceClient(conn)
	}
	t.Cleanup(func() {
		hs.Close()
		h.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		s.Shutdown(ctx)
	})
	return f
}

// do sends an HTTP request and returns the status and body.
func (f *fixture) do(t testing.TB, method, path, body string) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, f.url+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, b
}

// TestSameAnswers sends the same requests over HTTP/JSON and over gRPC and expects equal answers, each
// computed anew (the response cache is off).
func TestSameAnswers(t *testing.T) {
	f := start(t, server.Options{CacheSize: -1}, httpapi.Options{}, true)
	ctx := context.Background()
	correct := func(m proto.Message) (proto.Message, error) {
		return f.client.Correct(ctx, m.(*spellerv1.CorrectRequest))
	}
	batch := func(m proto.Message) (proto.Message, error) {
		return f.client.CorrectBatch(ctx, m.(*spellerv1.CorrectBatchRequest))
	}
	batchBody := `{"requests": [{"query": "jewlery box"}, {"query": "` + strings.Repeat("a", 2000) +
		`"}, {"query": "dresss", "maxAlternatives": -1}, {"query": "ear ring"}]}`
	tests := []struct {
		path, body string
		req        proto.Message // the body decodes into it
		call       func(proto.Message) (proto.Message, error)
		resp       proto.Message // the HTTP answer decodes into it
	}{
		{"/v1/correct", `{"query": "jewlery box"}`, &spellerv1.CorrectRequest{}, correct, &spellerv1.CorrectResponse{}},
		{"/v1/correct", `{"query": "jewlery box", "originalResultCount": 0}`, &spellerv1.CorrectRequest{}, correct, &spellerv1.CorrectResponse{}},
		{"/v1/correct", `{"query": "jewlery box", "original_result_count": "12"}`, &spellerv1.CorrectRequest{}, correct, &spellerv1.CorrectResponse{}},
		{"/v1/correct", `{"query": "silvr earings", "maxAlternatives": 1, "requestId": "r1"}`, &spellerv1.CorrectRequest{}, correct, &spellerv1.CorrectResponse{}},
		{"/v1/correct", `{"query": "flowergirl dresss", "protectedTerms": ["dresss"], "neverSuggest": ["girl"]}`, &spellerv1.CorrectRequest{}, correct, &spellerv1.CorrectResponse{}},
		{"/v1/correct", `{"query": "red dress"}`, &spellerv1.CorrectRequest{}, correct, &spellerv1.CorrectResponse{}},
		{"/v1/correct", `{"query": ""}`, &spellerv1.CorrectRequest{}, correct, &spellerv1.CorrectResponse{}},
		{"/v1/correct", `{}`, &spellerv1.CorrectRequest{}, correct, &spellerv1.CorrectResponse{}},
		{"/v1/correct:batch", batchBody, &spellerv1.CorrectBatchRequest{}, batch, &spellerv1.CorrectBatchResponse{}},
	}
	for _, tt := range tests {
		if err := protojson.Unmarshal([]byte(tt.body), tt.req); err != nil {
			t.Fatalf("%s: %v", tt.body, err)
		}
		want, err := tt.call(tt.req)
		if err != nil {
			t.Fatalf("gRPC %s: %v", tt.body, err)
		}
		code, body := f.do(t, "POST", tt.path, tt.body)
		if code != http.StatusOK {
			t.Errorf("POST %s %s: %d %s", tt.path, tt.body, code, body)
			continue
		}
		if err := protojson.Unmarshal(body, tt.resp); err != nil {
			t.Fatalf("POST %s %s: %v in %s", tt.path, tt.body, err, body)
		}
		if !proto.Equal(tt.resp, want) {
			t.Errorf("POST %s %s:\n HTTP %v\n gRPC %v", tt.path, tt.body, tt.resp, want)
		}
	}

	// The batch's bad queries failed alone, with the status Correct would give them.
	results := tests[len(tests)-1].resp.(*spellerv1.CorrectBatchResponse).Results
	if r := results; len(r) != 4 || r[0].GetResponse().GetCorrection() != "jewelry box" ||
		r[1].GetError().GetCode() != int32(codes.InvalidArgument) || r[2].GetError().GetCode() != int32(codes.InvalidArgument) ||
		r[3].GetResponse() == nil {
		t.Errorf("batch: %v", results)
	}

	wantInfo, err := f.client.GetModelInfo(ctx, &spellerv1.GetModelInfoRequest{})
	if err != nil {
		t.Fatal(err)
	}
	code, body := f.do(t, "GET", "/v1/model", "")
	var info spellerv1.GetModelInfoResponse
	if err := protojson.Unmarshal(body, &info); code != http.StatusOK || err != nil || !proto.Equal(&info, wantInfo) {
		t.Errorf("GET /v1/model: %d %s (%v), want %v", code, body, err, wantInfo)
	}
	if info.GetModel().GetVersion() == "" {
		t.Errorf("GET /v1/model: no version in %s", body)
	}
}

// TestErrors checks that bad requests get the HTTP status grpc-gateway maps their gRPC code to, and a JSON
// error that says what is wrong.
func TestErrors(t *testing.T) {
	f := start(t, server.Options{MaxBatch: 2}, httpapi.Options{MaxBodyBytes: 1 << 16}, true)
	tests := []struct {
		name, method, path, body string
		status                   int
		code                     codes.Code
		says                     string
	}{
		{"invalid UTF-8", "POST", "/v1/correct", "{\"query\": \"jewlery \xff box\"}", 400, codes.InvalidArgument, "UTF-8"},
		{"too long", "POST", "/v1/correct", `{"query": "` + strings.Repeat("a", 1025) + `"}`, 400, codes.InvalidArgument, "1025 bytes, the limit is 1024"},
		{"too many tokens", "POST", "/v1/correct", `{"query": "` + strings.Repeat("a ", 33) + `"}`, 400, codes.InvalidArgument, "33 tokens, the limit is 32"},
		{"malformed JSON", "POST", "/v1/correct", `{"query": "jewlery`, 400, codes.InvalidArgument, ""},
		{"not an object", "POST", "/v1/correct", `["jewlery"]`, 400, codes.InvalidArgument, ""},
		{"wrong type", "POST", "/v1/correct", `{"query": 12}`, 400, codes.InvalidArgument, "query"},
		{"negative alternatives", "POST", "/v1/correct", `{"query": "box", "maxAlternatives": -1}`, 400, codes.InvalidArgument, "max_alternatives"},
		{"batch too large", "POST", "/v1/correct:batch", `{"requests": [{}, {}, {}]}`, 400, codes.InvalidArgument, "3"},
		{"body too large", "POST", "/v1/correct", `{"query": "` + strings.Repeat("a", 1<<16) + `"}`, 400, codes.InvalidArgument, "too large"},
		{"unknown path", "GET", "/v1/nothing", "", 404, codes.NotFound, ""},
		{"unknown verb", "POST", "/v1/correct:nothing", "{}", 404, codes.NotFound, ""},
	}
	for _, tt := range tests {
		status, body := f.do(t, tt.method, tt.path, tt.body)
		var e struct {
			Code    codes.Code `json:"code"`
			Message string     `json:"message"`
		}
		if err := json.Unmarshal(body, &e); err != nil {
			t.Errorf("%s: %d, not a JSON error: %v in %s", tt.name, status, err, body)
			continue
		}
		if status != tt.status || e.Code != tt.code || !strings.Contains(e.Message, tt.says) {
			t.Errorf("%s: %d %s; want %d, code %d (%v), a message with %q", tt.name, status, body, tt.status, tt.code, tt.code, tt.says)
		}
	}
}

// TestNoModel checks that a server with no model yet answers 503, like UNAVAILABLE over gRPC.
func TestNoModel(t *testing.T) {
	f := start(t, server.Options{}, httpapi.Options{}, false)
	status, body := f.do(t, "POST", "/v1/correct", `{"query": "box"}`)
	var e struct{ Code codes.Code }
	if err := json.Unmarshal(body, &e); err != nil || status != http.StatusServiceUnavailable || e.Code != codes.Unavailable {
		t.Errorf("no model: %d %s, want 503 with code 14", status, body)
	}
}

// TestAfterShutdown checks that once the gRPC server has stopped, HTTP calls fail at once with 503, like gRPC
// calls with UNAVAILABLE.
func TestAfterShutdown(t *testing.T) {
	f := start(t, server.Options{}, httpapi.Options{}, true)
	if status, body := f.do(t, "POST", "/v1/correct", `{"query": "box"}`); status != http.StatusOK {
		t.Fatalf("before shutdown: %d %s", status, body)
	}
	if err := f.s.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	begin := time.Now()
	status, body := f.do(t, "POST", "/v1/correct", `{"query": "box"}`)
	var e struct{ Code codes.Code }
	if err := json.Unmarshal(body, &e); err != nil || status != http.StatusServiceUnavailable || e.Code != codes.Unavailable {
		t.Errorf("after shutdown: %d %s, want 503 with code 14", status, body)
	}
	if d := time.Since(begin); d > time.Second {
		t.Errorf("after shutdown: the answer took %v", d)
	}
}

// TestInterceptors checks that HTTP calls go through the gRPC server's interceptors: they are counted in its
// metrics like gRPC calls, with their gRPC codes.
func TestInterceptors(t *testing.T) {
	f := start(t, server.Options{}, httpapi.Options{}, true)
	for _, body := range []string{`{"query": "jewlery box"}`, `{"query": "box"}`, "{\"query\": \"" + strings.Repeat("a ", 40) + "\"}"} {
		f.do(t, "POST", "/v1/correct", body)
	}
	f.do(t, "GET", "/v1/model", "")
	rec := httptest.NewRecorder()
	f.s.AdminHandler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	for _, want := range []string{
		`speller_requests_total{code="OK",method="/speller.v1.SpellerService/Correct"} 2`,
		`speller_requests_total{code="InvalidArgument",method="/speller.v1.SpellerService/Correct"} 1`,
		`speller_requests_total{code="OK",method="/speller.v1.SpellerService/GetModelInfo"} 1`,
	} {
		if !strings.Contains(rec.Body.String(), want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
}

// TestPages checks the OpenAPI document and the demo page, which is served only when asked for.
func TestPages(t *testing.T) {
	for _, demo := range []bool{false, true} {
		f := start(t, server.Options{}, httpapi.Options{Demo: demo}, true)
		status, body := f.do(t, "GET", "/v1/openapi.json", "")
		var doc struct {
			Swagger string                     `json:"swagger"`
			Paths   map[string]json.RawMessage `json:"paths"`
		}
		if err := json.Unmarshal(body, &doc); status != 200 || err != nil || doc.Swagger != "2.0" ||
			doc.Paths["/v1/correct"] == nil || doc.Paths["/v1/correct:batch"] == nil || doc.Paths["/v1/model"] == nil {
			t.Errorf("GET /v1/openapi.json: %d, %v, paths %v", status, err, doc.Paths)
		}
		for _, path := range []string{"/", "/demo.js", "/demo.css"} {
			status, body := f.do(t, "GET", path, "")
			if want := map[bool]int{false: 404, true: 200}[demo]; status != want {
				t.Errorf("demo %v: GET %s: %d, want %d", demo, path, status, want)
			}
			if demo && path == "/" && !bytes.Contains(body, []byte(`<script src="demo.js"`)) {
				t.Errorf("GET /: %s", body)
			}
		}
	}
}

// TestTLS checks the in-memory connection to a gRPC server that serves TLS.
func TestTLS(t *testing.T) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), DNSNames: []string{"speller.example"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert := tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
	f := start(t, server.Options{TLS: &tls.Config{Certificates: []tls.Certificate{cert}}}, httpapi.Options{TLS: true}, true)
	status, body := f.do(t, "POST", "/v1/correct", `{"query": "jewlery box"}`)
	var resp spellerv1.CorrectResponse
	if err := protojson.Unmarshal(body, &resp); err != nil || status != 200 || resp.Correction != "jewelry box" {
		t.Errorf("over TLS: %d %s", status, body)
	}
}

// metadataRecorder is a SpellerService whose GetModelInfo records the metadata of the call.
type metadataRecorder struct {
	spellerv1.UnimplementedSpellerServiceServer
	md chan metadata.MD
}

func (r *metadataRecorder) GetModelInfo(ctx context.Context, _ *spellerv1.GetModelInfoRequest) (*spellerv1.GetModelInfoResponse, error) {
	md, _ := metadata.FromIncomingContext(ctx)
	r.md <- md
	return &spellerv1.GetModelInfoResponse{}, nil
}

// TestTraceContext checks that the W3C trace context of an HTTP request reaches the gRPC call under its own
// name, where the server's tracing picks it up.
func TestTraceContext(t *testing.T) {
	g := grpc.NewServer()
	rec := &metadataRecorder{md: make(chan metadata.MD, 1)}
	spellerv1.RegisterSpellerServiceServer(g, rec)
	defer g.Stop()
	h, err := httpapi.New(g, httpapi.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	const traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
	req := httptest.NewRequest("GET", "/v1/model", nil)
	req.Header.Set("Traceparent", traceparent)
	req.Header.Set("Tracestate", "congo=t61rcWkgMzE")
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	if w.Code != http.StatusOK {
		t.Fatalf("GET /v1/model: %d %s", w.Code, w.Body)
	}
	md := <-rec.md
	if got := md.Get("traceparent"); len(got) != 1 || got[0] != traceparent {
		t.Errorf("traceparent in the gRPC metadata: %q, want %q (metadata %v)", got, traceparent, md)
	}
	if got := md.Get("tracestate"); len(got) != 1 || got[0] != "congo=t61rcWkgMzE" {
		t.Errorf("tracestate in the gRPC metadata: %q", got)
	}
}
