package server

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	reflectionpb "google.golang.org/grpc/reflection/grpc_reflection_v1"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"

	"github.com/spellwright/speller/model"
	spellerv1 "github.com/spellwright/speller/proto/speller/v1"
	"github.com/spellwright/speller/spell"
)

func ptr[T any](v T) *T { return &v }

// value reads a counter or gauge.
func value(t testing.TB, m prometheus.Metric) float64 {
	t.Helper()
	var d dto.Metric
	if err := m.Write(&d); err != nil {
		t.Fatal(err)
	}
	if d.Counter != nil {
		return d.Counter.GetValue()
	}
	return d.Gauge.GetValue()
}

func TestCorrect(t *testing.T) {
	f := setup(t, "a", Options{MaxQueryBytes: 4096, MaxTokens: 32}, nil)
	version := testBundle(t, "a").Meta.Version
	tests := []struct {
		name       string
		req        *spellerv1.CorrectRequest
		code       codes.Code
		action     spellerv1.Action
		correction string
		errHas     string // in the error message
	}{
		{name: "misspelled", req: &spellerv1.CorrectRequest{Query: "jewlery box"},
			action: spellerv1.Action_ACTION_DID_YOU_MEAN, correction: "jewelry box"},
		{name: "zero results applies the correction", req: &spellerv1.CorrectRequest{Query: "jewlery box", OriginalResultCount: ptr[int64](0)},
			action: spellerv1.Action_ACTION_AUTO_CORRECT, correction: "jewelry box"},
		{name: "some results keep the rule off", req: &spellerv1.CorrectRequest{Query: "jewlery box", OriginalResultCount: ptr[int64](12)},
			action: spellerv1.Action_ACTION_DID_YOU_MEAN, correction: "jewelry box"},
		{name: "three tokens, very sure", req: &spellerv1.CorrectRequest{Query: "flowr girl baske", RequestId: "r-1"},
			action: spellerv1.Action_ACTION_AUTO_CORRECT, correction: "flower girl basket"},
		{name: "correct query", req: &spellerv1.CorrectRequest{Query: "red dress"}, action: spellerv1.Action_ACTION_NONE},
		{name: "empty", req: &spellerv1.CorrectRequest{}, action: spellerv1.Action_ACTION_NONE},
		{name: "blank", req: &spellerv1.CorrectRequest{Query: " \t "}, action: spellerv1.Action_ACTION_NONE},
		{name: "control characters", req: &spellerv1.CorrectRequest{Query: "a\x00b\x07c\r\n"}, action: spellerv1.Action_ACTION_NONE},
		{name: "emoji", req: &spellerv1.CorrectRequest{Query: "💍 jewlery 👰🏽‍♀️"}, action: spellerv1.Action_ACTION_DID_YOU_MEAN,
			correction: "💍 jewelry 👰🏽‍♀️"},
		{name: "unknown word", req: &spellerv1.CorrectRequest{Query: "xyzzy"}, action: spellerv1.Action_ACTION_NONE},
		{name: "too many bytes", req: &spellerv1.CorrectRequest{Query: strings.Repeat("x", 4097)},
			code: codes.InvalidArgument, errHas: "the limit is 4096"},
		{name: "100 KB", req: &spellerv1.CorrectRequest{Query: strings.Repeat("jewlery ", 100<<10/8)},
			code: codes.InvalidArgument, errHas: "the limit is 4096"},
		{name: "33 tokens", req: &spellerv1.CorrectRequest{Query: strings.Repeat("box ", 33)},
			code: codes.InvalidArgument, errHas: "33 tokens, the limit is 32"},
		{name: "1000 tokens", req: &spellerv1.CorrectRequest{Query: strings.Repeat("a ", 1000)},
			code: codes.InvalidArgument, errHas: "the limit is 32"},
		{name: "negative max_alternatives", req: &spellerv1.CorrectRequest{Query: "box", MaxAlternatives: -1},
			code: codes.InvalidArgument, errHas: "max_alternatives"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := f.client.Correct(context.Background(), tt.req)
			if got := status.Code(err); got != tt.code {
				t.Fatalf("code %v (%v), want %v", got, err, tt.code)
			}
			if err != nil {
				if !strings.Contains(status.Convert(err).Message(), tt.errHas) {
					t.Errorf("message %q does not say %q", status.Convert(err).Message(), tt.errHas)
				}
				return
			}
			if resp.Action != tt.action || resp.Correction != tt.correction {
				t.Errorf("got %v %q, want %v %q", resp.Action, resp.Correction, tt.action, tt.correction)
			}
			if resp.ModelVersion != version {
				t.Errorf("model_version %q, want %q", resp.ModelVersion, version)
			}
			for _, tok := range resp.Tokens {
				if tok.Start < 0 || tok.End > int32(len(tt.req.Query)) || tt.req.Query[tok.Start:tok.End] != tok.Typed {
					t.Errorf("token %v does not match the query %q", tok, tt.req.Query)
				}
			}
		})
	}
}

func TestCorrectFields(t *testing.T) {
	f := setup(t, "a", Options{}, nil)
	resp, err := f.client.Correct(context.Background(), &spellerv1.CorrectRequest{Query: "jewlery box", MaxAlternatives: 1})
	if err != nil {
		t.Fatal(err)
	}
	if resp.LogOdds <= resp.Threshold || resp.AutoThreshold <= resp.Threshold || resp.Confidence <= 0.5 || resp.Confidence > 1 {
		t.Errorf("log_odds %v, threshold %v, auto_threshold %v, confidence %v: inconsistent",
			resp.LogOdds, resp.Threshold, resp.AutoThreshold, resp.Confidence)
	}
	if len(resp.Alternatives) != 1 || resp.Alternatives[0].Text != "jewelry box" {
		t.Errorf("alternatives %v, want only jewelry box", resp.Alternatives)
	}
	want := []*spellerv1.TokenCorrection{
		{Typed: "jewlery", Chosen: "jewelry", Start: 0, End: 7, Changed: true},
		{Typed: "box", Chosen: "box", Start: 8, End: 11},
	}
	if fmt.Sprint(resp.Tokens) != fmt.Sprint(want) {
		t.Errorf("tokens %v, want %v", resp.Tokens, want)
	}
}

// TestCorrectTerms checks that the per-request protected and never-suggest terms reach the corrector, in
// Correct and in each request of a batch, and that too many are refused.
func TestCorrectTerms(t *testing.T) {
	f := setup(t, "a", Options{}, nil)
	ctx := context.Background()
	check := func(name string, resp *spellerv1.CorrectResponse, action spellerv1.Action, correction, never string) {
		t.Helper()
		if resp.Action != action || resp.Correction != correction {
			t.Errorf("%s: got %v %q, want %v %q", name, resp.Action, resp.Correction, action, correction)
		}
		for _, a := range resp.Alternatives {
			if never != "" && strings.Contains(a.Text, never) {
				t.Errorf("%s: alternative %q has the never-suggest word %q", name, a.Text, never)
			}
		}
	}
	resp, err := f.client.Correct(ctx, &spellerv1.CorrectRequest{Query: "jewlery box"})
	if err != nil {
		t.Fatal(err)
	}
	check("no terms", resp, spellerv1.Action_ACTION_DID_YOU_MEAN, "jewelry box", "")
	resp, err = f.client.Correct(ctx, &spellerv1.CorrectRequest{Query: "jewlery box", ProtectedTerms: []string{"JEWLERY"}})
	if err != nil {
		t.Fatal(err)
	}
	check("protected", resp, spellerv1.Action_ACTION_NONE, "", "")
	resp, err = f.client.Correct(ctx, &spellerv1.CorrectRequest{Query: "jewlery box", NeverSuggest: []string{"Jewelry"}})
	if err != nil {
		t.Fatal(err)
	}
	if resp.Correction == "jewelry box" {
		t.Errorf("never-suggest: corrected to %q", resp.Correction)
	}
	check("never-suggest", resp, resp.Action, resp.Correction, "jewelry")

	batch, err := f.client.CorrectBatch(ctx, &spellerv1.CorrectBatchRequest{Requests: []*spellerv1.CorrectRequest{
		{Query: "jewlery box", ProtectedTerms: []string{"jewlery"}},
		{Query: "jewlery box"},
		{Query: "jewlery box", NeverSuggest: make([]string, 1001)},
	}})
	if err != nil {
		t.Fatal(err)
	}
	check("batch protected", batch.Results[0].GetResponse(), spellerv1.Action_ACTION_NONE, "", "")
	check("batch plain", batch.Results[1].GetResponse(), spellerv1.Action_ACTION_DID_YOU_MEAN, "jewelry box", "")
	if e := batch.Results[2].GetError(); e == nil || codes.Code(e.Code) != codes.InvalidArgument || !strings.Contains(e.Message, "the limit is 1000") {
		t.Errorf("1001 terms in a batch: %v", batch.Results[2])
	}
	_, err = f.client.Correct(ctx, &spellerv1.CorrectRequest{Query: "box", ProtectedTerms: make([]string, 1001)})
	if status.Code(err) != codes.InvalidArgument || !strings.Contains(status.Convert(err).Message(), "the limit is 1000") {
		t.Errorf("1001 terms: %v, want INVALID_ARGUMENT stating the limit", err)
	}
}

// TestInvalidUTF8 documents what happens to a query that is not valid UTF-8. proto3 strings must be valid
// UTF-8: a Go client refuses to encode it (INTERNAL, from the client library, before sending), and grpc-go's
// standard server codec would answer INTERNAL before any handler runs. This server's codec decodes it anyway,
// so that a client that sends it gets INVALID_ARGUMENT from the corrector, and in a batch only that query
// fails.
func TestInvalidUTF8(t *testing.T) {
	f := setup(t, "a", Options{}, nil)
	ctx := context.Background()
	_, err := f.client.Correct(ctx, &spellerv1.CorrectRequest{Query: "jewl\xffery"})
	if status.Code(err) != codes.Internal || !strings.Contains(err.Error(), "UTF-8") {
		t.Errorf("Go client: %v, want INTERNAL mentioning UTF-8 (refused while encoding)", err)
	}
	for _, q := range []string{"jewl\xffery", "\xc3", "\xed\xa0\x80"} { // bad byte, truncated sequence, surrogate
		_, err = correctRaw(ctx, f.conn, q)
		if status.Code(err) != codes.InvalidArgument || !strings.Contains(err.Error(), "UTF-8") {
			t.Errorf("raw %q: %v, want INVALID_ARGUMENT mentioning UTF-8", q, err)
		}
	}
	if got := value(t, f.s.metrics.requests.WithLabelValues(spellerv1.SpellerService_Correct_FullMethodName, "InvalidArgument")); got != 3 {
		t.Errorf("%v INVALID_ARGUMENT calls counted, want 3", got)
	}
	if resp, err := correctRaw(ctx, f.conn, "jewlery"); err != nil || resp.Correction != "jewelry" {
		t.Errorf("raw valid query: %v, %v", resp, err)
	}

	var batch []byte
	for _, q := range []string{"jewlery", "jewl\xffery", "box"} {
		batch = protowire.AppendTag(batch, 1, protowire.BytesType)
		batch = protowire.AppendBytes(batch, rawQuery(q))
	}
	resp := new(spellerv1.CorrectBatchResponse)
	if err := f.conn.Invoke(ctx, spellerv1.SpellerService_CorrectBatch_FullMethodName, batch, resp, grpc.ForceCodec(rawCodec{})); err != nil {
		t.Fatal(err)
	}
	if len(resp.Results) != 3 || resp.Results[0].GetResponse().GetCorrection() != "jewelry" ||
		codes.Code(resp.Results[1].GetError().GetCode()) != codes.InvalidArgument || resp.Results[2].GetResponse() == nil {
		t.Errorf("batch with one invalid query: %v", resp)
	}
}

func TestCorrectBatch(t *testing.T) {
	f := setup(t, "a", Options{MaxBatch: 4}, nil)
	ctx := context.Background()
	req := &spellerv1.CorrectBatchRequest{Requests: []*spellerv1.CorrectRequest{
		{Query: "jewlery box"},
		{Query: strings.Repeat("x", 2000)},
		{Query: ""},
		{Query: strings.Repeat("box ", 40)},
	}}
	resp, err := f.client.CorrectBatch(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.Results) != 4 {
		t.Fatalf("%d results, want 4", len(resp.Results))
	}
	if r := resp.Results[0].GetResponse(); r == nil || r.Correction != "jewelry box" || r.ModelVersion == "" {
		t.Errorf("results[0] = %v, want jewelry box", resp.Results[0])
	}
	for i, limit := range map[int]string{1: "the limit is 1024", 3: "the limit is 32"} {
		e := resp.Results[i].GetError()
		if e == nil || codes.Code(e.Code) != codes.InvalidArgument || !strings.Contains(e.Message, limit) {
			t.Errorf("results[%d] = %v, want INVALID_ARGUMENT saying %q", i, resp.Results[i], limit)
		}
	}
	if r := resp.Results[2].GetResponse(); r == nil || r.Action != spellerv1.Action_ACTION_NONE {
		t.Errorf("results[2] = %v, want ACTION_NONE", resp.Results[2])
	}

	req.Requests = append(req.Requests, &spellerv1.CorrectRequest{Query: "box"})
	_, err = f.client.CorrectBatch(ctx, req)
	if status.Code(err) != codes.InvalidArgument || !strings.Contains(err.Error(), "5 requests, the limit is 4") {
		t.Errorf("batch of 5: %v, want INVALID_ARGUMENT stating the limit", err)
	}

	resp, err = f.client.CorrectBatch(ctx, &spellerv1.CorrectBatchRequest{})
	if err != nil || len(resp.Results) != 0 {
		t.Errorf("empty batch: %v, %v", resp, err)
	}
}

func TestGetModelInfo(t *testing.T) {
	before := time.Now()
	f := setup(t, "a", Options{}, nil)
	b := testBundle(t, "a")
	resp, err := f.client.GetModelInfo(context.Background(), &spellerv1.GetModelInfoRequest{})
	if err != nil {
		t.Fatal(err)
	}
	m := resp.Model
	if m.Version != b.Meta.Version || !m.BuildTime.AsTime().Equal(b.Meta.BuildTime) ||
		m.VocabularySize != int64(b.LM.Len()) || m.Bigrams != int64(b.LM.Bigrams()) {
		t.Errorf("model info %v does not describe %v", m, b.Meta)
	}
	p := m.Hyperparameters
	if p.Lambda != b.Params.Lambda || p.Slope != b.Params.Slope || p.Intercept != b.Params.Intercept ||
		p.AutoThreshold != b.Params.AutoThreshold || p.LogPUnk != b.Params.LogPUnk || p.LogPSpace != b.Params.LogPSpace ||
		p.LogPTypo != b.Params.LogPTypo || p.MinBackoff != b.Params.MinBackoff || p.UnkShape != b.Params.UnkShape ||
		p.UnkLength != b.Params.UnkLength || p.LogPTypo == 0 {
		t.Errorf("hyperparameters %v, want %+v", p, b.Params)
	}
	if at := m.LoadedAt.AsTime(); at.Before(before) || at.After(time.Now()) {
		t.Errorf("loaded_at %v not within the test", at)
	}
	// The decoding options: the trainer pinned the defaults; a bundle that pins others is served with them.
	if got, want := decodingOf(m.Decoding), spell.DefaultDecoding(); got != want {
		t.Errorf("decoding %+v, want the defaults the trainer pinned %+v", got, want)
	}
	pinned := *b
	pinned.Decoding = model.Decoding{MaxDistance: 1, ShortToken: -1, KnownLogProb: -13, MaxCandidates: 7, NBest: 3,
		Beam: 9, WeakMargin: -1}
	var buf bytes.Buffer
	if _, err := pinned.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	writeModelFile(t, f.path, buf.Bytes())
	if err := f.s.Reload(); err != nil {
		t.Fatal(err)
	}
	resp, err = f.client.GetModelInfo(context.Background(), &spellerv1.GetModelInfoRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if got := decodingOf(resp.Model.Decoding); got != pinned.Decoding {
		t.Errorf("decoding %+v, want the bundle's %+v", got, pinned.Decoding)
	}
}

// decodingOf reads the decoding options of a ModelInfo.
func decodingOf(d *spellerv1.Decoding) model.Decoding {
	return model.Decoding{MaxDistance: int(d.GetMaxDistance()), ShortToken: int(d.GetShortToken()),
		KnownLogProb: d.GetKnownLogProb(), MaxCandidates: int(d.GetMaxCandidates()), NBest: int(d.GetNBest()),
		Beam: d.GetBeam(), WeakMargin: d.GetWeakMargin()}
}

func TestNoModel(t *testing.T) {
	f := setup(t, "", Options{}, nil)
	ctx := context.Background()
	if _, err := f.client.Correct(ctx, &spellerv1.CorrectRequest{Query: "box"}); status.Code(err) != codes.Unavailable {
		t.Errorf("Correct without a model: %v, want UNAVAILABLE", err)
	}
	if _, err := f.client.GetModelInfo(ctx, &spellerv1.GetModelInfoRequest{}); status.Code(err) != codes.Unavailable {
		t.Errorf("GetModelInfo without a model: %v, want UNAVAILABLE", err)
	}
	if err := f.s.Reload(); err == nil {
		t.Error("Reload of a missing file succeeded")
	}
}

func TestHealth(t *testing.T) {
	f := setup(t, "", Options{ShutdownDelay: 300 * time.Millisecond}, nil)
	ctx := context.Background()
	health := healthpb.NewHealthClient(f.conn)
	check := func(want healthpb.HealthCheckResponse_ServingStatus, ready int) {
		t.Helper()
		for _, svc := range []string{"", "speller.v1.SpellerService"} {
			resp, err := health.Check(ctx, &healthpb.HealthCheckRequest{Service: svc})
			if err != nil || resp.Status != want {
				t.Errorf("health %q: %v %v, want %v", svc, resp.GetStatus(), err, want)
			}
		}
		rec := httptest.NewRecorder()
		f.s.AdminHandler().ServeHTTP(rec, httptest.NewRequest("GET", "/readyz", nil))
		if rec.Code != ready {
			t.Errorf("/readyz: %d, want %d", rec.Code, ready)
		}
	}
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	watch, err := health.Watch(wctx, &healthpb.HealthCheckRequest{Service: "speller.v1.SpellerService"})
	if err != nil {
		t.Fatal(err)
	}
	next := func(want healthpb.HealthCheckResponse_ServingStatus) {
		t.Helper()
		resp, err := watch.Recv()
		if err != nil || resp.Status != want {
			t.Fatalf("health watch: %v %v, want %v", resp.GetStatus(), err, want)
		}
	}

	check(healthpb.HealthCheckResponse_NOT_SERVING, http.StatusServiceUnavailable)
	next(healthpb.HealthCheckResponse_NOT_SERVING)

	writeModelFile(t, f.path, modelBytes(t, "a"))
	if err := f.s.Reload(); err != nil {
		t.Fatal(err)
	}
	check(healthpb.HealthCheckResponse_SERVING, http.StatusOK)
	next(healthpb.HealthCheckResponse_SERVING)

	done := make(chan error)
	start := time.Now()
	go func() { done <- f.s.Shutdown(ctx) }()
	next(healthpb.HealthCheckResponse_NOT_SERVING)
	cancel() // a Watch stream never ends by itself: it would hold GracefulStop until the budget ends
	check(healthpb.HealthCheckResponse_NOT_SERVING, http.StatusServiceUnavailable)
	// During the propagation delay, calls are still served.
	if _, err := f.client.Correct(ctx, &spellerv1.CorrectRequest{Query: "box"}); err != nil {
		t.Errorf("Correct during the shutdown delay: %v", err)
	}
	if err := <-done; err != nil {
		t.Errorf("Shutdown: %v", err)
	}
	if d := time.Since(start); d < 300*time.Millisecond {
		t.Errorf("Shutdown took %v, less than its delay", d)
	}
	if err := f.s.Reload(); err != nil {
		t.Fatal(err)
	}
	if f.s.Ready() {
		t.Error("ready after Shutdown and Reload")
	}
}

func TestReflection(t *testing.T) {
	f := setup(t, "a", Options{}, nil)
	stream, err := reflectionpb.NewServerReflectionClient(f.conn).ServerReflectionInfo(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer stream.CloseSend()
	if err := stream.Send(&reflectionpb.ServerReflectionRequest{
		MessageRequest: &reflectionpb.ServerReflectionRequest_ListServices{},
	}); err != nil {
		t.Fatal(err)
	}
	resp, err := stream.Recv()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for _, s := range resp.GetListServicesResponse().GetService() {
		got[s.Name] = true
	}
	for _, want := range []string{"speller.v1.SpellerService", "grpc.health.v1.Health", "grpc.reflection.v1.ServerReflection"} {
		if !got[want] {
			t.Errorf("reflection lists %v, without %s", got, want)
		}
	}
	// The descriptors of the service are there too, so that grpcurl can build requests.
	if err := stream.Send(&reflectionpb.ServerReflectionRequest{
		MessageRequest: &reflectionpb.ServerReflectionRequest_FileContainingSymbol{FileContainingSymbol: "speller.v1.SpellerService"},
	}); err != nil {
		t.Fatal(err)
	}
	if resp, err := stream.Recv(); err != nil || len(resp.GetFileDescriptorResponse().GetFileDescriptorProto()) == 0 {
		t.Errorf("file containing speller.v1.SpellerService: %v, %v", resp, err)
	}
}

func TestAdmin(t *testing.T) {
	f := setup(t, "a", Options{}, nil)
	ctx := context.Background()
	for _, q := range []string{"jewlery", "red dress", strings.Repeat("x", 2000)} {
		f.client.Correct(ctx, &spellerv1.CorrectRequest{Query: q})
	}
	healthpb.NewHealthClient(f.conn).Check(ctx, &healthpb.HealthCheckRequest{})
	metrics := scrape(t, f.s)
	for _, want := range []string{
		`speller_requests_total{code="OK",method="/speller.v1.SpellerService/Correct"} 2`,
		`speller_requests_total{code="InvalidArgument",method="/speller.v1.SpellerService/Correct"} 1`,
		`speller_requests_total{code="OK",method="/grpc.health.v1.Health/Check"} 1`,
		`speller_request_duration_seconds_bucket{method="/speller.v1.SpellerService/Correct",le="5e-05"}`,
		`speller_request_duration_seconds_count{method="/speller.v1.SpellerService/Correct"} 3`,
		`speller_corrections_total{action="did_you_mean"} 1`,
		`speller_corrections_total{action="none"} 1`,
		`speller_corrections_total{action="auto_correct"} 0`,
		`speller_model_info{version="` + testBundle(t, "a").Meta.Version + `"} 1`,
		`speller_model_load_seconds `,
		`speller_model_loaded_timestamp_seconds `,
		`speller_model_reloads_total{result="success"} 1`,
		`speller_model_reloads_total{result="failure"} 0`,
		`speller_in_flight_requests 0`,
		`speller_shed_requests_total 0`,
		`speller_panics_total 0`,
		`go_goroutines `,
	} {
		if !strings.Contains(metrics, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	tests := []struct {
		path, body string
		code       int
	}{
		{"/healthz", "ok", 200},
		{"/readyz", "ok " + testBundle(t, "a").Meta.Version, 200},
		{"/debug/pprof/", "goroutine", 200},
		{"/debug/pprof/cmdline", "", 200},
		{"/nope", "", 404},
	}
	for _, tt := range tests {
		rec := httptest.NewRecorder()
		f.s.AdminHandler().ServeHTTP(rec, httptest.NewRequest("GET", tt.path, nil))
		if rec.Code != tt.code || !strings.Contains(rec.Body.String(), tt.body) {
			t.Errorf("GET %s: %d %.40q, want %d with %q", tt.path, rec.Code, rec.Body.String(), tt.code, tt.body)
		}
	}
}

// holder holds, in the server's hook, the speller call that holdCorrect starts, until release is closed.
type holder struct {
	armed   atomic.Bool
	entered chan struct{}
	release chan struct{}
	stack   string // the held call's goroutine stack
}

func newHolder() *holder { return &holder{entered: make(chan struct{}), release: make(chan struct{})} }

// hook is the server's hook (setup).
func (h *holder) hook(context.Context, string) {
	if h.armed.CompareAndSwap(true, false) {
		buf := make([]byte, 64<<10)
		h.stack = string(buf[:runtime.Stack(buf, false)])
		close(h.entered)
		<-h.release
	}
}

// holdCorrect starts a Correct call of query, returns once the hook holds it, and gives the call's error on
// the channel after release. It fails the test if the call ends, or is not held within 30 s, instead.
func (h *holder) holdCorrect(t *testing.T, ctx context.Context, c spellerv1.SpellerServiceClient, query string) <-chan error {
	t.Helper()
	h.armed.Store(true)
	done := make(chan error, 1)
	go func() {
		_, err := c.Correct(ctx, &spellerv1.CorrectRequest{Query: query})
		done <- err
	}()
	select {
	case <-h.entered:
	case err := <-done:
		t.Fatalf("the call to hold ended before the hook held it: %v", err)
	case <-time.After(30 * time.Second):
		t.Fatal("the call to hold did not reach the hook within 30 s")
	}
	return done
}

func TestLoadShedding(t *testing.T) {
	h := newHolder()
	logger, logged := captureLogger()
	f := setup(t, "a", Options{MaxInFlight: 1, Logger: logger}, h.hook)
	ctx := context.Background()
	blocked := h.holdCorrect(t, ctx, f.client, "jewlery")
	if got := value(t, f.s.metrics.inFlight); got != 1 {
		t.Errorf("in-flight gauge %v, want 1", got)
	}
	for _, call := range []func() error{
		func() error { _, err := f.client.Correct(ctx, &spellerv1.CorrectRequest{Query: "box"}); return err },
		func() error { _, err := f.client.GetModelInfo(ctx, &spellerv1.GetModelInfoRequest{}); return err },
	} {
		if err := call(); status.Code(err) != codes.ResourceExhausted || !strings.Contains(err.Error(), "the limit is 1") {
			t.Errorf("call beyond the limit: %v, want RESOURCE_EXHAUSTED stating the limit", err)
		}
	}
	// Health is not limited: a saturated server is alive.
	if resp, err := healthpb.NewHealthClient(f.conn).Check(ctx, &healthpb.HealthCheckRequest{}); err != nil || resp.Status != healthpb.HealthCheckResponse_SERVING {
		t.Errorf("health while saturated: %v %v", resp, err)
	}
	close(h.release)
	if err := <-blocked; err != nil {
		t.Errorf("blocked call: %v", err)
	}
	if _, err := f.client.Correct(ctx, &spellerv1.CorrectRequest{Query: "box"}); err != nil {
		t.Errorf("after the load: %v", err)
	}
	if got := value(t, f.s.metrics.shed); got != 2 {
		t.Errorf("shed counter %v, want 2", got)
	}
	if got := value(t, f.s.metrics.inFlight); got != 0 {
		t.Errorf("in-flight gauge %v, want 0", got)
	}
	// Shed calls are logged at debug level, and summed up in one warning; durations say their unit.
	warnings := 0
	for _, rec := range logged.records(t) {
		if rec["msg"] == "rpc" {
			if _, ok := rec["duration_seconds"].(float64); !ok {
				t.Errorf("rpc log without duration_seconds: %v", rec)
			}
			if rec["code"] == "ResourceExhausted" && rec["level"] != "DEBUG" {
				t.Errorf("shed call logged at %v: %v", rec["level"], rec)
			}
		}
		if rec["level"] == "WARN" && strings.HasPrefix(rec["msg"].(string), "shedding load") {
			warnings++
			if rec["shed"] != 1.0 || rec["limit"] != 1.0 {
				t.Errorf("warning %v, want shed 1 and limit 1 (the first shed call warns at once)", rec)
			}
		}
	}
	if warnings != 1 {
		t.Errorf("%d warnings about shed calls, want 1 for 2 calls shed within %v", warnings, shedLogEvery)
	}
}

// TestStreamWorkersOption: the default is 16 per GOMAXPROCS, negative stays negative (none), and a value
// beyond maxStreamWorkers (which would wrap around in grpc's uint32, or start millions of goroutines) is cut to
// it.
func TestStreamWorkersOption(t *testing.T) {
	for _, tt := range []struct{ in, want int }{
		{0, 16 * runtime.GOMAXPROCS(0)}, {-1, -1}, {1, 1}, {maxStreamWorkers, maxStreamWorkers},
		{maxStreamWorkers + 1, maxStreamWorkers}, {math.MaxInt, maxStreamWorkers},
	} {
		if got := (Options{StreamWorkers: tt.in}).withDefaults().StreamWorkers; got != tt.want {
			t.Errorf("StreamWorkers %d: %d after the defaults, want %d", tt.in, got, tt.want)
		}
	}
}

// TestStreamWorkers checks that a call runs on a stream worker unless there are none (a goroutine per call),
// and that calls are served while the only worker is busy with a call that blocks (each gets a goroutine of
// its own).
func TestStreamWorkers(t *testing.T) {
	for _, workers := range []int{-1, 1, 0} {
		t.Run(fmt.Sprint(workers), func(t *testing.T) {
			h := newHolder()
			f := setup(t, "a", Options{StreamWorkers: workers}, h.hook)
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			blocked := h.holdCorrect(t, ctx, f.client, "jewlery")
			if onWorker := strings.Contains(h.stack, "serverWorker"); onWorker != (workers >= 0) {
				t.Errorf("the call ran on a stream worker: %v, want %v; its stack:\n%s", onWorker, workers >= 0, h.stack)
			}
			for range 3 {
				resp, err := f.client.Correct(ctx, &spellerv1.CorrectRequest{Query: "jewlery box"})
				if err != nil || resp.GetCorrection() != "jewelry box" {
					t.Errorf("call while the first is blocked: %v %v, want jewelry box", resp, err)
				}
			}
			close(h.release)
			if err := <-blocked; err != nil {
				t.Errorf("blocked call: %v", err)
			}
		})
	}
}

// TestBatchAdmission checks that a CorrectBatch call counts its queries against MaxInFlight: while one
// Correct call runs, a batch that would take the queries in flight beyond the limit is shed, a smaller one
// is admitted, and one larger than the limit itself is refused as INVALID_ARGUMENT whatever the load.
func TestBatchAdmission(t *testing.T) {
	// MaxInFlight 8: a batch counts its queries, at most 2 (a quarter).
	entered, release := make(chan struct{}, 8), make(chan struct{})
	var block atomic.Bool
	f := setup(t, "a", Options{MaxInFlight: 8, MaxBatch: 20}, func(ctx context.Context, method string) {
		if block.Load() {
			entered <- struct{}{}
			<-release
		}
	})
	ctx := context.Background()
	batch := func(n int) error {
		req := &spellerv1.CorrectBatchRequest{}
		for range n {
			req.Requests = append(req.Requests, &spellerv1.CorrectRequest{Query: "jewlery box"})
		}
		resp, err := f.client.CorrectBatch(ctx, req)
		if err == nil && len(resp.Results) != n {
			t.Errorf("batch of %d: %d results", n, len(resp.Results))
		}
		return err
	}
	// Three batches of 5 held in the handler: 6 queries' worth in flight.
	block.Store(true)
	blocked := make(chan error, 4)
	for range 3 {
		go func() { blocked <- batch(5) }()
	}
	for range 3 {
		<-entered
	}
	block.Store(false)
	if got := value(t, f.s.metrics.inFlightQueries); got != 6 {
		t.Errorf("in-flight queries gauge %v, want 6 (three batches of 5, each counting 2)", got)
	}
	if err := batch(10); err != nil {
		t.Errorf("batch of 10 with 6 in flight: %v, want it admitted (it counts 2 of 8)", err)
	}
	// A fourth held: 8 in flight, the limit.
	block.Store(true)
	go func() { blocked <- batch(5) }()
	<-entered
	block.Store(false)
	if _, err := f.client.Correct(ctx, &spellerv1.CorrectRequest{Query: "jewlery"}); status.Code(err) != codes.ResourceExhausted ||
		!strings.Contains(err.Error(), "8 queries in flight, 1 more asked, the limit is 8") {
		t.Errorf("a call at the limit: %v, want RESOURCE_EXHAUSTED", err)
	}
	if err := batch(10); status.Code(err) != codes.ResourceExhausted || !strings.Contains(err.Error(), "8 queries in flight, 2 more asked") {
		t.Errorf("a batch at the limit: %v, want RESOURCE_EXHAUSTED", err)
	}
	if err := batch(21); status.Code(err) != codes.InvalidArgument || !strings.Contains(err.Error(), "21 requests, the limit is 20 (--max-batch)") {
		t.Errorf("batch of 21: %v, want INVALID_ARGUMENT stating --max-batch", err)
	}
	close(release)
	for range 4 {
		if err := <-blocked; err != nil {
			t.Errorf("held batch: %v", err)
		}
	}
	if err := batch(20); err != nil {
		t.Errorf("batch of 20 alone: %v, want it admitted", err)
	}
	if got := value(t, f.s.metrics.shed); got != 2 {
		t.Errorf("shed counter %v, want 2", got)
	}
	if got := value(t, f.s.metrics.inFlightQueries); got != 0 {
		t.Errorf("in-flight queries gauge %v, want 0", got)
	}
}

func TestPanicRecovery(t *testing.T) {
	f := setup(t, "a", Options{}, func(ctx context.Context, method string) {
		if method == "GetModelInfo" {
			panic("test panic")
		}
	})
	ctx := context.Background()
	for range 2 {
		_, err := f.client.GetModelInfo(ctx, &spellerv1.GetModelInfoRequest{})
		if status.Code(err) != codes.Internal || strings.Contains(err.Error(), "test panic") {
			t.Errorf("panicking call: %v, want INTERNAL without the panic's details", err)
		}
	}
	if resp, err := f.client.Correct(ctx, &spellerv1.CorrectRequest{Query: "jewlery"}); err != nil || resp.Correction != "jewelry" {
		t.Errorf("after the panics: %v %v", resp, err)
	}
	if got := value(t, f.s.metrics.panics); got != 2 {
		t.Errorf("panics counter %v, want 2", got)
	}
	if got := value(t, f.s.metrics.inFlight); got != 0 {
		t.Errorf("in-flight gauge %v after panics, want 0", got)
	}
}

func TestDeadline(t *testing.T) {
	f := setup(t, "a", Options{}, func(ctx context.Context, method string) {
		<-ctx.Done() // a call slower than its deadline
	})
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err := f.client.Correct(ctx, &spellerv1.CorrectRequest{Query: "box"})
	if status.Code(err) != codes.DeadlineExceeded {
		t.Errorf("slow call: %v, want DEADLINE_EXCEEDED", err)
	}
}

func TestShutdownBudget(t *testing.T) {
	release := make(chan struct{})
	entered := make(chan string, 2)
	f := setup(t, "a", Options{}, func(ctx context.Context, method string) {
		entered <- method
		select {
		case <-release:
		case <-ctx.Done():
		}
	})
	ctx := context.Background()
	results := make(chan error, 2)
	call := func() {
		_, err := f.client.Correct(ctx, &spellerv1.CorrectRequest{Query: "box"})
		results <- err
	}
	// A call that finishes within the budget completes normally.
	go call()
	<-entered
	sctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	done := make(chan error)
	go func() { done <- f.s.Shutdown(sctx) }()
	time.Sleep(50 * time.Millisecond)
	close(release)
	if err := <-results; err != nil {
		t.Errorf("call in flight during a graceful shutdown: %v", err)
	}
	if err := <-done; err != nil {
		t.Errorf("Shutdown: %v", err)
	}

	// A call that outlives the budget is cut off, and Shutdown says so.
	g := setup(t, "a", Options{}, func(ctx context.Context, method string) { <-ctx.Done() })
	go func() {
		_, err := g.client.Correct(ctx, &spellerv1.CorrectRequest{Query: "box"})
		results <- err
	}()
	for value(t, g.s.metrics.inFlight) == 0 {
		time.Sleep(time.Millisecond)
	}
	sctx, cancel = context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	if err := g.s.Shutdown(sctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Shutdown past its budget: %v, want DeadlineExceeded", err)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("Shutdown took %v with a budget of 100ms", d)
	}
	if err := <-results; status.Code(err) != codes.Unavailable && status.Code(err) != codes.Canceled {
		t.Errorf("call cut off by Stop: %v, want UNAVAILABLE or CANCELED", err)
	}
}

func TestToStatus(t *testing.T) {
	tests := []struct {
		err  error
		code codes.Code
	}{
		{nil, codes.OK},
		{fmt.Errorf("correct: %w: 5000 bytes, the limit is 1024", spell.ErrTooLong), codes.InvalidArgument},
		{fmt.Errorf("correct: %w: 40 tokens, the limit is 32", spell.ErrTooMany), codes.InvalidArgument},
		{fmt.Errorf("correct: %w", spell.ErrInvalidUTF8), codes.InvalidArgument},
		{fmt.Errorf("x: %w", errInvalidArgument), codes.InvalidArgument},
		{errNoModel, codes.Unavailable},
		{fmt.Errorf("%w: 9 in flight", errOverloaded), codes.ResourceExhausted},
		{fmt.Errorf("correct: %w", context.DeadlineExceeded), codes.DeadlineExceeded},
		{fmt.Errorf("correct: %w", context.Canceled), codes.Canceled},
		{status.Error(codes.Internal, "something else"), codes.Internal},
		{status.Error(codes.NotFound, "nope"), codes.NotFound},
		{errors.New("bug"), codes.Internal},
	}
	for _, tt := range tests {
		err := toStatus(tt.err)
		if got := status.Code(err); got != tt.code {
			t.Errorf("toStatus(%v) = %v, want %v", tt.err, got, tt.code)
		}
		if tt.err != nil && !strings.Contains(tt.err.Error(), status.Convert(err).Message()) &&
			!strings.Contains(status.Convert(err).Message(), status.Convert(tt.err).Message()) {
			t.Errorf("toStatus(%v) lost the message: %v", tt.err, err)
		}
	}
}

func TestTracingWanted(t *testing.T) {
	tests := []struct {
		env  map[string]string
		on   bool
		warn string
	}{
		{nil, false, ""},
		{map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4317"}, true, ""},
		{map[string]string{"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://collector:4317"}, true, ""},
		{map[string]string{"OTEL_TRACES_EXPORTER": "otlp"}, true, ""},
		{map[string]string{"OTEL_TRACES_EXPORTER": "none", "OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4317"}, false, ""},
		{map[string]string{"OTEL_SDK_DISABLED": "true", "OTEL_TRACES_EXPORTER": "otlp"}, false, ""},
		{map[string]string{"OTEL_TRACES_EXPORTER": "zipkin"}, false, "zipkin"},
	}
	for _, tt := range tests {
		on, warn := tracingWanted(func(k string) string { return tt.env[k] })
		if on != tt.on || warn != tt.warn {
			t.Errorf("%v: %v %q, want %v %q", tt.env, on, warn, tt.on, tt.warn)
		}
	}
}

func TestTracingOn(t *testing.T) {
	// Nothing listens on port 1 of loopback: the exporter fails to deliver, which must not affect calls.
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:1")
	t.Setenv("OTEL_EXPORTER_OTLP_TIMEOUT", "100")
	f := setup(t, "a", Options{}, nil)
	if f.s.tracer == nil {
		t.Fatal("tracing is off with OTEL_EXPORTER_OTLP_ENDPOINT set")
	}
	if _, err := f.client.Correct(context.Background(), &spellerv1.CorrectRequest{Query: "jewlery"}); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	f.s.Shutdown(context.Background())
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("Shutdown took %v flushing traces", d)
	}
}

// TestNeighbourTableLogged: a load says when the model's neighbour table is built, unless the options turn it
// off.
func TestNeighbourTableLogged(t *testing.T) {
	built := func(logs *logBuffer) bool {
		for _, r := range logs.records(t) {
			if r["msg"] == "neighbour table built" && r["version"] == testBundle(t, "a").Meta.Version {
				return true
			}
		}
		return false
	}
	log, logs := captureLogger()
	setup(t, "a", Options{Logger: log}, nil)
	for deadline := time.Now().Add(10 * time.Second); !built(logs); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("no \"neighbour table built\" record in 10 s")
		}
	}
	log, logs = captureLogger()
	setup(t, "a", Options{Logger: log, NoNeighbours: true}, nil)
	time.Sleep(200 * time.Millisecond) // the fixture's table takes well under that
	if built(logs) {
		t.Error("a neighbour table was built with NoNeighbours")
	}
}

func TestRegisterFlags(t *testing.T) {
	o := Options{MaxBatch: 1000}
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	o.RegisterFlags(fs)
	err := fs.Parse([]string{"--model", "m.model", "--max-query-bytes", "10", "--max-tokens", "3", "--max-in-flight", "7", "--max-batch", "9", "--stream-workers", "-1", "--cache-bytes", "5000", "--cache-size", "-1", "--token-cache", "-2", "--neighbours=false"})
	if err != nil {
		t.Fatal(err)
	}
	want := Options{ModelPath: "m.model", MaxQueryBytes: 10, MaxTokens: 3, MaxInFlight: 7, MaxBatch: 9, StreamWorkers: -1, CacheBytes: 5000, CacheSize: -1, TokenCache: -2,
		NoNeighbours: true}
	if o != want {
		t.Errorf("options %+v, want %+v", o, want)
	}
	var help strings.Builder
	fs.SetOutput(&help)
	fs.PrintDefaults()
	if !strings.Contains(help.String(), "(default true)") {
		t.Errorf("the help does not say --neighbours is on by default:\n%s", help.String())
	}
	// --neighbours is on by default and as a bare flag.
	for _, args := range [][]string{nil, {"--neighbours"}, {"--neighbours=false", "--neighbours"}} {
		var o Options
		fs := flag.NewFlagSet("test", flag.ContinueOnError)
		o.RegisterFlags(fs)
		if err := fs.Parse(args); err != nil || o.NoNeighbours {
			t.Errorf("%q: NoNeighbours %v, err %v", args, o.NoNeighbours, err)
		}
	}
}

// BenchmarkCorrectBufconn measures a Correct call through gRPC over an in-memory connection: the RPC
// overhead on top of spell's own benchmarks, with the response and token caches off (every call corrects)
// and on (every call after the first is a hit).
func BenchmarkCorrectBufconn(b *testing.B) {
	for _, bc := range []struct {
		name  string
		cache int
	}{{"nocache", -1}, {"cached", 0}} {
		b.Run(bc.name, func(b *testing.B) {
			f := setup(b, "a", Options{CacheSize: bc.cache, TokenCache: bc.cache}, nil)
			ctx := context.Background()
			req := &spellerv1.CorrectRequest{Query: "flowr girl baske"}
			b.ReportAllocs()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if _, err := f.client.Correct(ctx, req, grpc.WaitForReady(true)); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}

func TestCache(t *testing.T) {
	f := setup(t, "a", Options{}, nil)
	ctx := context.Background()
	hits, misses := f.s.metrics.cache.WithLabelValues("hit"), f.s.metrics.cache.WithLabelValues("miss")
	counts := func() [2]float64 { return [2]float64{value(t, hits), value(t, misses)} }
	call := func(req *spellerv1.CorrectRequest) *spellerv1.CorrectResponse {
		t.Helper()
		resp, err := f.client.Correct(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}
	steps := []struct {
		name   string
		req    *spellerv1.CorrectRequest
		counts [2]float64 // hits and misses after the call
		action spellerv1.Action
	}{
		{"first", &spellerv1.CorrectRequest{Query: "jewlery box"}, [2]float64{0, 1}, spellerv1.Action_ACTION_DID_YOU_MEAN},
		{"repeated", &spellerv1.CorrectRequest{Query: "jewlery box"}, [2]float64{1, 1}, spellerv1.Action_ACTION_DID_YOU_MEAN},
		{"other max_alternatives", &spellerv1.CorrectRequest{Query: "jewlery box", MaxAlternatives: 1}, [2]float64{1, 2}, spellerv1.Action_ACTION_DID_YOU_MEAN},
		{"zero results", &spellerv1.CorrectRequest{Query: "jewlery box", OriginalResultCount: ptr[int64](0)}, [2]float64{1, 3}, spellerv1.Action_ACTION_AUTO_CORRECT},
		{"zero results again", &spellerv1.CorrectRequest{Query: "jewlery box", OriginalResultCount: ptr[int64](0)}, [2]float64{2, 3}, spellerv1.Action_ACTION_AUTO_CORRECT},
		{"with results", &spellerv1.CorrectRequest{Query: "jewlery box", OriginalResultCount: ptr[int64](12)}, [2]float64{3, 3}, spellerv1.Action_ACTION_DID_YOU_MEAN},
		{"own protected terms: not cached", &spellerv1.CorrectRequest{Query: "jewlery box", ProtectedTerms: []string{"jewlery"}}, [2]float64{3, 3}, spellerv1.Action_ACTION_NONE},
		{"own never-suggest terms: not cached", &spellerv1.CorrectRequest{Query: "jewlery box", NeverSuggest: []string{"jewelry"}}, [2]float64{3, 3}, -1},
	}
	var first *spellerv1.CorrectResponse
	for _, st := range steps {
		resp := call(st.req)
		if got := counts(); got != st.counts {
			t.Errorf("%s: hits, misses = %v, want %v", st.name, got, st.counts)
		}
		if st.action >= 0 && resp.Action != st.action {
			t.Errorf("%s: action %v, want %v", st.name, resp.Action, st.action)
		}
		if st.req.MaxAlternatives > 0 && len(resp.Alternatives) > int(st.req.MaxAlternatives) {
			t.Errorf("%s: %d alternatives", st.name, len(resp.Alternatives))
		}
		if first == nil {
			first = resp
		} else if st.name == "repeated" && !proto.Equal(first, resp) {
			t.Errorf("cached answer differs:\n%v\n%v", first, resp)
		}
	}
	if resp := call(&spellerv1.CorrectRequest{Query: "jewlery box", NeverSuggest: []string{"jewelry"}}); resp.Correction == "jewelry box" {
		t.Errorf("a request's never-suggest word was answered from the cache: %v", resp)
	}

	// A reload starts an empty cache: the answer comes from the new model.
	writeModelFile(t, f.path, modelBytes(t, "b"))
	if err := f.s.Reload(); err != nil {
		t.Fatal(err)
	}
	before := counts()
	resp := call(&spellerv1.CorrectRequest{Query: "jewlery box"})
	if want := testBundle(t, "b").Meta.Version; resp.ModelVersion != want {
		t.Errorf("after a reload: model version %q, want %q", resp.ModelVersion, want)
	}
	if got := counts(); got != [2]float64{before[0], before[1] + 1} {
		t.Errorf("after a reload: hits, misses %v, want a miss after %v", got, before)
	}
	if !strings.Contains(scrape(t, f.s), `speller_cache_requests_total{result="hit"} 3`) {
		t.Error("metrics exposition lacks the cache hits")
	}

	// A negative CacheSize turns the cache off.
	off := setup(t, "a", Options{CacheSize: -1}, nil)
	for range 2 {
		if _, err := off.client.Correct(ctx, &spellerv1.CorrectRequest{Query: "jewlery box"}); err != nil {
			t.Fatal(err)
		}
	}
	if h, m := value(t, off.s.metrics.cache.WithLabelValues("hit")), value(t, off.s.metrics.cache.WithLabelValues("miss")); h+m != 0 {
		t.Errorf("cache off: %v hits, %v misses", h, m)
	}
}

// TestEntryBytes checks the shape of entryBytes on real answers: at least the encoded response (the heap holds
// more than the wire), and more for a longer query. BenchmarkCacheEntryBytes compares it with the heap.
func TestEntryBytes(t *testing.T) {
	if testing.Short() {
		t.Skip("loads the default model")
	}
	s := newServer(t, Options{Logger: testLogger(), TokenCache: -1})
	if err := s.Reload(); err != nil {
		t.Fatal(err)
	}
	l := s.current.Load()
	var last int64
	for _, q := range []string{"jewlery box", "red dress silver earings flower girl basket wedding ring jewelry box butter dish blue jeans"} {
		req := &spellerv1.CorrectRequest{Query: q}
		a, err := answerOf(context.Background(), l, req, false)
		if err != nil {
			t.Fatal(err)
		}
		got := entryBytes(cacheKey{query: q}, a)
		if min := int64(proto.Size(a.resp) + len(q)); got < min {
			t.Errorf("%q: entryBytes %d, less than the encoded response and the key (%d)", q, got, min)
		}
		if got <= last {
			t.Errorf("%q: entryBytes %d, not more than the shorter query's %d", q, got, last)
		}
		last = got
	}
}

// BenchmarkCacheEntryBytes measures entryBytes, the cost of a response cache entry, against the heap: it keeps
// the answers of the default model to distinct queries of 3 and of 32 words (each with a typo) and reports the
// memory they hold beside the estimate (less the entry's own overhead, as no cache holds them here). A
// benchmark, not a test: the heap is shared with whatever else the test binary runs.
//
//	go test ./server -run '^$' -bench CacheEntryBytes -benchtime 3x
func BenchmarkCacheEntryBytes(b *testing.B) {
	for b.Loop() {
		measureEntryBytes(b)
	}
}

func measureEntryBytes(t *testing.B) {
	if testing.Short() {
		t.Skip("loads the default model")
	}
	if raceEnabled {
		t.Skip("heap measurements are meaningless under the race detector")
	}
	s := newServer(t, Options{Logger: testLogger(), TokenCache: -1}) // no token cache: it would hold memory too
	if err := s.Reload(); err != nil {
		t.Fatal(err)
	}
	l := s.current.Load()
	words := strings.Fields(`red dress silver earrings flower girl basket wedding ring jewelry box butter dish
		blue jeans summer shoes leather bag gold necklace kitchen table garden chair coffee mug winter coat
		running shorts baby blanket phone case water bottle desk lamp wool socks glass vase`)
	rng := rand.New(rand.NewPCG(5, 6))
	for _, n := range []int{3, 32} {
		queries := make([]string, 400)
		for i := range queries {
			q := make([]string, n-1) // and a number, to make it distinct
			for j := range q {
				q[j] = words[rng.IntN(len(words))]
			}
			w := q[rng.IntN(n-1)] // a typo: one letter dropped
			q[rng.IntN(n-1)] = w[:len(w)/2] + w[len(w)/2+1:]
			queries[i] = strings.Join(q, " ") + fmt.Sprint(" ", i)
		}
		answers := make([]answer, len(queries))
		runtime.GC()
		runtime.GC()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		var estimate int64
		for i, q := range queries {
			req := &spellerv1.CorrectRequest{Query: q}
			a, err := answerOf(context.Background(), l, req, false)
			if err != nil {
				t.Fatal(err)
			}
			answers[i] = a
			estimate += entryBytes(cacheKey{query: q}, a) - entryOverhead
		}
		runtime.GC()
		runtime.GC() // and what sync.Pools kept past the first
		runtime.ReadMemStats(&after)
		measured := float64(int64(after.HeapAlloc)-int64(before.HeapAlloc)) / float64(len(answers))
		per := float64(estimate) / float64(len(answers))
		t.ReportMetric(measured, fmt.Sprintf("heap-B/answer-%dw", n))
		t.ReportMetric(per, fmt.Sprintf("estimated-B/answer-%dw", n))
		t.ReportMetric(float64(proto.Size(answers[0].resp)), fmt.Sprintf("encoded-B/answer-%dw", n))
		runtime.KeepAlive(answers)
	}
}

// TestCacheBytes fills a response cache with a small byte budget through the gRPC API and checks that it
// never holds more than its budget, and that /metrics reports what it holds.
func TestCacheBytes(t *testing.T) {
	const budget = 20_000
	f := setup(t, "a", Options{CacheBytes: budget}, nil)
	ctx := context.Background()
	entries := f.s.current.Load().cache
	for i := range 200 {
		q := fmt.Sprintf("jewlery box %d", i)
		if i%3 == 0 {
			q = strings.Repeat("red dresss ", 10) + fmt.Sprint(i) // longer answers cost more
		}
		if _, err := f.client.Correct(ctx, &spellerv1.CorrectRequest{Query: q}); err != nil {
			t.Fatal(err)
		}
		if b := entries.Bytes(); b > budget || b <= 0 {
			t.Fatalf("after %d queries: the cache holds %d bytes, budget %d", i+1, b, budget)
		}
	}
	n, b := entries.Len(), entries.Bytes()
	if b < budget/2 {
		t.Errorf("the cache holds %d bytes of %d after 200 distinct queries", b, budget)
	}
	metrics := scrape(t, f.s)
	for _, want := range []string{fmt.Sprintf("speller_cache_bytes %d\n", b), fmt.Sprintf("speller_cache_entries %d\n", n)} {
		if !strings.Contains(metrics, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
	t.Logf("%d answers in %d bytes", n, b)
}

// TestFeedbackApplied: a correction the shoppers keep taking is applied automatically, and the response says
// that feedback changed the action and what the log odds chose.
func TestFeedbackApplied(t *testing.T) {
	b := *testBundle(t, "feedback")
	b.Feedback = model.NewFeedback(map[uint64]model.FeedbackCount{
		model.FeedbackKey(model.LevelQuery, "jewlery box", "jewelry box"): {DidYouMean: 10, Accepted: 9},
	})
	bundles.Store("feedback-table", &b)
	f := setup(t, "feedback-table", Options{}, nil)
	info, err := f.client.GetModelInfo(context.Background(), &spellerv1.GetModelInfoRequest{})
	if err != nil || info.GetModel().GetFeedbackEntries() != 1 {
		t.Fatalf("model info: %v, %v", info, err)
	}
	for _, tt := range []struct {
		q       string
		action  spellerv1.Action
		applied bool
		before  spellerv1.Action
	}{
		{"jewlery box", spellerv1.Action_ACTION_AUTO_CORRECT, true, spellerv1.Action_ACTION_DID_YOU_MEAN},
		{"jewlery", spellerv1.Action_ACTION_DID_YOU_MEAN, false, spellerv1.Action_ACTION_UNSPECIFIED},
	} {
		resp, err := f.client.Correct(context.Background(), &spellerv1.CorrectRequest{Query: tt.q})
		if err != nil {
			t.Fatal(err)
		}
		if resp.GetAction() != tt.action || resp.GetFeedbackApplied() != tt.applied || resp.GetActionBeforeFeedback() != tt.before {
			t.Errorf("%q: %s, feedback applied %v, before %s; want %s, %v, %s", tt.q, resp.GetAction(),
				resp.GetFeedbackApplied(), resp.GetActionBeforeFeedback(), tt.action, tt.applied, tt.before)
		}
	}
}

// TestLogUnaryQuiet checks that a call that succeeds costs the log interceptor no allocation when debug logs
// are off (the default), and what it logs of a call: at debug level when it succeeds, at info when it fails by
// the client's fault, at error for a bug, with its method, request id, code and error.
func TestLogUnaryQuiet(t *testing.T) {
	info := &grpc.UnaryServerInfo{FullMethod: "/speller.v1.SpellerService/Correct"}
	req := &spellerv1.CorrectRequest{Query: "red dress", RequestId: "r-7"}
	ok := func(context.Context, any) (any, error) { return nil, nil }
	ctx := context.Background()
	s := &Server{log: slog.New(slog.NewJSONHandler(io.Discard, nil))}
	if n := testing.AllocsPerRun(100, func() { s.logUnary(ctx, req, info, ok) }); n != 0 {
		t.Errorf("%v allocations per successful call with debug logs off, want 0", n)
	}
	for _, tt := range []struct {
		err               error
		level, code, text string // text: the err attribute, "" for none
	}{
		{nil, "DEBUG", "OK", ""},
		{status.Error(codes.InvalidArgument, "query too long"), "INFO", "InvalidArgument", "query too long"},
		{status.Error(codes.ResourceExhausted, "shed"), "DEBUG", "ResourceExhausted", "shed"},
		{errors.New("boom"), "ERROR", "Unknown", "boom"},
	} {
		logger, logged := captureLogger()
		s := &Server{log: logger}
		s.logUnary(ctx, req, info, func(context.Context, any) (any, error) { return nil, tt.err })
		recs := logged.records(t)
		if len(recs) != 1 {
			t.Errorf("%v: %d records, want 1: %v", tt.err, len(recs), recs)
			continue
		}
		r := recs[0]
		text, _ := r["err"].(string)
		if r["msg"] != "rpc" || r["level"] != tt.level || r["method"] != info.FullMethod || r["request_id"] != "r-7" ||
			r["code"] != tt.code || text != tt.text {
			t.Errorf("%v: logged %v, want level %s, code %s, err %q, with the method and request id", tt.err, r, tt.level, tt.code, tt.text)
		}
		if _, ok := r["duration_seconds"].(float64); !ok {
			t.Errorf("%v: no duration_seconds in %v", tt.err, r)
		}
	}
}
