package model_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/spellwright/speller/errormodel"
	"github.com/spellwright/speller/internal/testmodel"
	"github.com/spellwright/speller/langmodel"
	"github.com/spellwright/speller/model"
)

var update = flag.Bool("update", false, "rewrite the format fixture of the current version")

func encode(t testing.TB, b *model.Bundle) []byte {
	t.Helper()
	var buf bytes.Buffer
	if _, err := b.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// same reports whether two bundles give the same answers.
func same(t *testing.T, a, b *model.Bundle) {
	t.Helper()
	if a.Meta.Version != b.Meta.Version || !a.Meta.BuildTime.Equal(b.Meta.BuildTime) || a.Params != b.Params {
		t.Fatalf("metadata differs: %+v %+v vs %+v %+v", a.Meta, a.Params, b.Meta, b.Params)
	}
	if !slices.Equal(a.Protected, b.Protected) || !slices.Equal(a.NeverSuggest, b.NeverSuggest) {
		t.Fatalf("term lists differ: %q %q vs %q %q", a.Protected, a.NeverSuggest, b.Protected, b.NeverSuggest)
	}
	if a.LM.Len() != b.LM.Len() || a.LM.Bigrams() != b.LM.Bigrams() {
		t.Fatalf("language models differ: %d/%d words, %d/%d bigrams", a.LM.Len(), b.LM.Len(), a.LM.Bigrams(), b.LM.Bigrams())
	}
	for id := uint32(0); int(id) < a.LM.Len(); id++ {
		w := a.LM.Word(id)
		if got, _ := b.LM.ID(w); got != id {
			t.Fatalf("word %q: id %d vs %d", w, id, got)
		}
		for _, prev := range []uint32{langmodel.Start, 0, id} {
			if x, y := a.LM.LogProb(prev, id), b.LM.LogProb(prev, id); x != y {
				t.Fatalf("LogProb(%d, %q) = %v vs %v", prev, w, x, y)
			}
		}
	}
	for _, p := range [][2]string{{"jewlery", "jewelry"}, {"dres", "dress"}, {"xyz", "dress"}, {"naïve", "naive"}} {
		if x, y := a.Errors.LogProb(p[0], p[1]), b.Errors.LogProb(p[0], p[1]); x != y {
			t.Fatalf("error LogProb%v = %v vs %v", p, x, y)
		}
	}
}

func TestRoundTrip(t *testing.T) {
	b := testmodel.Build(t, "test")
	data := encode(t, b)
	got, err := model.Read(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	same(t, b, got)
	if again := encode(t, got); !bytes.Equal(again, data) {
		t.Fatal("re-encoding a decoded bundle changed the bytes: the format is not deterministic")
	}
}

// TestTerms checks that the term lists round-trip sorted and without duplicates, and that a list out of
// order is refused as corrupt.
func TestTerms(t *testing.T) {
	b := testmodel.Build(t, "test")
	b.Protected = []string{"zara", "gucci", "zara"}
	b.NeverSuggest = []string{"darn"}
	got, err := model.Read(bytes.NewReader(encode(t, b)))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got.Protected, []string{"gucci", "zara"}) || !slices.Equal(got.NeverSuggest, []string{"darn"}) {
		t.Fatalf("terms %q %q", got.Protected, got.NeverSuggest)
	}
	if !slices.Equal(b.Protected, []string{"zara", "gucci", "zara"}) {
		t.Fatal("WriteTo changed the bundle's list")
	}
	// A payload whose protected list is out of order.
	var e bytes.Buffer
	e.WriteByte(2) // two terms
	for _, term := range []string{"zara", "gucci"} {
		e.WriteByte(byte(len(term)))
		e.WriteString(term)
	}
	if _, err := model.DecodeTerms(e.Bytes()); !errors.Is(err, model.ErrCorrupt) {
		t.Fatalf("unsorted terms: %v, want ErrCorrupt", err)
	}
}

func TestWriteFileOpen(t *testing.T) {
	b := testmodel.Build(t, "test")
	path := filepath.Join(t.TempDir(), "m.model")
	if err := b.WriteFile(path); err != nil {
		t.Fatal(err)
	}
	got, err := model.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	same(t, b, got)
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Fatalf("WriteFile left %d files, want only the model", len(entries))
	}
	if _, err := model.Open(filepath.Join(t.TempDir(), "missing.model")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("Open(missing) = %v, want ErrNotExist", err)
	}
}

func TestReadErrors(t *testing.T) {
	good := encode(t, testmodel.Build(t, "test"))
	flip := func(i int) []byte {
		b := bytes.Clone(good)
		b[i] ^= 0x40
		return b
	}
	version := bytes.Clone(good)
	version[8] = 99
	tests := []struct {
		name string
		data []byte
		want error
	}{
		{"empty", nil, model.ErrTruncated},
		{"short header", good[:10], model.ErrTruncated},
		{"not a model", []byte("this is a text file, not a model at all"), model.ErrNotModel},
		{"future version", version, model.ErrVersion},
		{"truncated payload", good[:len(good)/2], model.ErrTruncated},
		{"missing checksum", good[:len(good)-2], model.ErrTruncated},
		{"flipped payload byte", flip(len(good) / 2), model.ErrChecksum},
		{"flipped checksum", flip(len(good) - 1), model.ErrChecksum},
		{"huge length", append(append([]byte{}, good[:12]...), 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f), model.ErrCorrupt},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := model.Read(bytes.NewReader(tt.data))
			if !errors.Is(err, tt.want) {
				t.Fatalf("Read = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestParams(t *testing.T) {
	p := model.DefaultParams
	if err := p.Validate(); err != nil {
		t.Fatalf("DefaultParams invalid: %v", err)
	}
	if err := p.Set("log_p_unk=-30"); err != nil || p.LogPUnk != -30 {
		t.Fatalf("Set: %v, LogPUnk %v", err, p.LogPUnk)
	}
	for _, name := range model.ParamNames {
		if p.Ptr(name) == nil {
			t.Errorf("Ptr(%q) = nil", name)
		}
	}
	if err := p.Set("log_p_space=-3"); err != nil || p.LogPSpace != -3 {
		t.Fatalf("Set: %v, LogPSpace %v", err, p.LogPSpace)
	}
	for _, bad := range []string{"nope=1", "lambda", "lambda=x"} {
		if err := p.Set(bad); err == nil {
			t.Errorf("Set(%q) succeeded", bad)
		}
	}
	for _, bad := range []model.Params{
		{Lambda: 0, LogPUnk: -1},
		{Lambda: 1, LogPUnk: 1},
		{Lambda: 1, LogPUnk: -1, Intercept: 5, AutoThreshold: 1, LogPSpace: -1},
		{Lambda: 1, LogPUnk: -1, LogPSpace: 0},
		{Lambda: 1, LogPUnk: -1, LogPSpace: -1, UnkShape: -0.5},
		{Lambda: 1, LogPUnk: -1, LogPSpace: -1, UnkLength: -0.5},
		{Lambda: 1, LogPUnk: -1, LogPSpace: -1, UnkLength: math.NaN()},
	} {
		if err := bad.Validate(); err == nil {
			t.Errorf("Validate(%+v) accepted", bad)
		}
	}
	b := testmodel.Build(t, "test")
	b.Params.Lambda = -1
	if _, err := b.WriteTo(new(bytes.Buffer)); err == nil {
		t.Fatal("WriteTo accepted invalid params")
	}
}

func TestDecodingSet(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want model.Decoding
	}{
		{"max_distance=1", model.Decoding{MaxDistance: 1}},
		{"short_token=-1", model.Decoding{ShortToken: -1}},
		{" known_log_prob = -13 ", model.Decoding{KnownLogProb: -13}},
		{"max_candidates=20", model.Decoding{MaxCandidates: 20}},
		{"n_best=3", model.Decoding{NBest: 3}},
		{"beam=8.5", model.Decoding{Beam: 8.5}},
		{"weak_margin=-1", model.Decoding{WeakMargin: -1}},
		{"known_log_prob=every", model.Decoding{KnownLogProb: model.EveryWord}},
	} {
		var d model.Decoding
		if err := d.Set(tc.in); err != nil || d != tc.want {
			t.Errorf("Set(%q) = %+v, %v; want %+v", tc.in, d, err, tc.want)
		}
	}
	for _, bad := range []string{"weak_margin", "nope=1", "n_best=1.5", "n_best=", "beam=x", "max_distance=99999999999",
		"=1", ""} {
		d := model.LegacyDecoding
		if err := d.Set(bad); err == nil {
			t.Errorf("Set(%q) succeeded", bad)
		} else if d != model.LegacyDecoding {
			t.Errorf("Set(%q) failed but changed the options to %+v", bad, d)
		}
	}
	// Every name is settable.
	for _, name := range model.DecodingNames {
		var d model.Decoding
		if err := d.Set(name + "=-1"); err != nil {
			t.Errorf("Set(%s=-1): %v", name, err)
		}
		if d == (model.Decoding{}) {
			t.Errorf("Set(%s=-1) changed nothing", name)
		}
	}
	// String gives what Set reads back.
	want := model.LegacyDecoding
	want.KnownLogProb, want.Beam = -13.5, 0.25
	var back model.Decoding
	for _, a := range strings.Fields(want.String()) {
		if err := back.Set(a); err != nil {
			t.Fatalf("Set(%q) from String: %v", a, err)
		}
	}
	if back != want {
		t.Errorf("String %q read back as %+v, want %+v", want.String(), back, want)
	}
	if got := model.LegacyDecoding.String(); got != "max_distance=2 short_token=4 known_log_prob=every max_candidates=12 "+
		"n_best=5 beam=12 weak_margin=3" {
		t.Errorf("LegacyDecoding.String() = %q", got)
	}
	d := model.Decoding{}
	if err := d.Set("max_distance=9"); err != nil {
		t.Fatal(err)
	}
	if d.Validate() == nil {
		t.Error("Validate accepted max_distance 9")
	}
}

// FuzzSet checks that the parsers of command-line assignments, Params.Set and Decoding.Set, never panic, and
// that an assignment they reject leaves what they set unchanged.
func FuzzSet(f *testing.F) {
	for _, s := range []string{"lambda=1", "weak_margin=-1", "n_best=3", "beam=NaN", "x", "=", "short_token=0x10"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p := model.DefaultParams
		if err := p.Set(s); err != nil && p != model.DefaultParams {
			t.Errorf("Params.Set(%q) failed and changed the params", s)
		}
		d := model.LegacyDecoding
		if err := d.Set(s); err != nil && d != model.LegacyDecoding {
			t.Errorf("Decoding.Set(%q) failed and changed the options", s)
		}
	})
}

// TestFormatFixtures loads one fixture per format version: old files must keep loading. Version 1 predates
// the term lists and log_p_space: it loads with empty lists and the default.
func TestFormatFixtures(t *testing.T) {
	fixture := func(v int) string { return filepath.Join("testdata", fmt.Sprintf("v%d.model", v)) }
	if *update {
		b := testmodel.Build(t, "fixture")
		b.Protected, b.NeverSuggest = []string{"gucci", "levis"}, []string{"darn"}
		b.Params.LogPSpace = -4.5
		b.Params.UnkLength = 1.5
		b.Feedback = fixtureFeedback()
		b.Decoding = fixtureDecoding
		if err := b.WriteFile(fixture(model.FormatVersion)); err != nil {
			t.Fatal(err)
		}
	}
	for v := 1; v <= model.FormatVersion; v++ {
		b, err := model.Open(fixture(v))
		if err != nil {
			t.Fatalf("format %d fixture: %v", v, err)
		}
		wantSpace, wantProtected := model.DefaultParams.LogPSpace, []string(nil)
		if v >= 2 {
			wantSpace, wantProtected = -4.5, []string{"gucci", "levis"}
		}
		if b.Params.LogPSpace != wantSpace || !slices.Equal(b.Protected, wantProtected) {
			t.Fatalf("format %d fixture: log_p_space %v, protected %q; want %v, %q", v, b.Params.LogPSpace,
				b.Protected, wantSpace, wantProtected)
		}
		if id, ok := b.LM.ID("jewelry"); !ok || b.LM.LogProb(langmodel.Start, id) >= 0 {
			t.Fatalf("format %d fixture: jewelry missing or improbable", v)
		}
		if lp := b.Errors.LogProb("jewlery", "jewelry"); !(lp < 0) {
			t.Fatalf("format %d fixture: LogProb(jewlery|jewelry) = %v", v, lp)
		}
		// Before version 4, no feedback table.
		if got := b.Feedback.Len(); (v >= 4) != (got == 2) {
			t.Fatalf("format %d fixture: %d feedback entries", v, got)
		}
		if c, ok := b.Feedback.Lookup(model.FeedbackKey(model.LevelQuery, "jewlery", "jewelry")); v >= 4 && (!ok || c != fixtureFeedbackCount) {
			t.Fatalf("format %d fixture: feedback %+v %v", v, c, ok)
		}
		// What a file predates reads as it was tuned: no change prior, backoff floor, unknown-word shape or
		// typing-slip prior before version 3; version 3 carries them.
		p, slip := b.Params, b.Errors.Options().Slip
		if old := v < 3; old != (p.LogPTypo == 0 && p.MinBackoff == 0 && p.UnkShape == 0 && slip == 0) {
			t.Fatalf("format %d fixture: log_p_typo %v, min_backoff %v, unk_shape %v, slip %v", v, p.LogPTypo,
				p.MinBackoff, p.UnkShape, slip)
		}
		// unk_length from version 5 on: older files read 0, as they were tuned.
		if want := map[bool]float64{true: 1.5, false: 0}[v >= 5]; b.Params.UnkLength != want {
			t.Fatalf("format %d fixture: unk_length %v, want %v", v, b.Params.UnkLength, want)
		}
		// The far-key slips from version 5 on: older files keep the neighbours' prior they were tuned with.
		if far := b.Errors.Options().Far; (v >= 5) != (far == errormodel.DefaultFar) || v < 5 && far != 0 {
			t.Fatalf("format %d fixture: far-key slip weight %v", v, far)
		}
		// The decoding options from version 6 on; older files read those their binaries used.
		if want := map[bool]model.Decoding{true: fixtureDecoding, false: model.LegacyDecoding}[v >= 6]; b.Decoding != want {
			t.Fatalf("format %d fixture: decoding %+v, want %+v", v, b.Decoding, want)
		}
	}
}

// fixtureDecoding differs from LegacyDecoding in every field, so that the fixture shows each one is read.
var fixtureDecoding = model.Decoding{MaxDistance: 1, ShortToken: 3, KnownLogProb: -13, MaxCandidates: 8, NBest: 3,
	Beam: 10, WeakMargin: 2.5}

// TestDecoding: the decoding options round-trip through a bundle, a zero field stays zero (the corrector's
// default), and options out of range are refused when written and when read.
func TestDecoding(t *testing.T) {
	if err := model.LegacyDecoding.Validate(); err != nil {
		t.Fatalf("LegacyDecoding invalid: %v", err)
	}
	for _, d := range []model.Decoding{{}, fixtureDecoding, {Beam: 7}, model.LegacyDecoding, {KnownLogProb: model.EveryWord}} {
		b := testmodel.Build(t, "test")
		b.Decoding = d
		got, err := model.Read(bytes.NewReader(encode(t, b)))
		if err != nil {
			t.Fatal(err)
		}
		if got.Decoding != d {
			t.Errorf("read %+v, wrote %+v", got.Decoding, d)
		}
	}
	for _, bad := range []model.Decoding{
		{MaxDistance: -1}, {MaxDistance: 4}, {ShortToken: -2}, {MaxCandidates: -1}, {MaxCandidates: 5000},
		{NBest: -1}, {NBest: 101}, {Beam: math.NaN()}, {WeakMargin: math.Inf(1)}, {KnownLogProb: 1},
	} {
		if err := bad.Validate(); err == nil {
			t.Errorf("Validate(%+v) accepted", bad)
		}
		b := testmodel.Build(t, "test")
		b.Decoding = bad
		if _, err := b.WriteTo(new(bytes.Buffer)); err == nil {
			t.Errorf("WriteTo accepted decoding %+v", bad)
		}
	}
	b := testmodel.Build(t, "test")
	for _, data := range []string{`{"max_distance":9}`, `{"beam":"wide"}`, `[]`, ``,
		`{"max_distance":2,"surprise":1}`, `{"n_best":3}{"n_best":4}`} { // an option unknown here, data after it
		if _, err := model.Read(bytes.NewReader(model.Rewrite(b, "decoding", []byte(data)))); !errors.Is(err, model.ErrCorrupt) {
			t.Errorf("decoding section %q: Read = %v, want ErrCorrupt", data, err)
		}
	}
	if _, err := model.Read(bytes.NewReader(model.Rewrite(b, "decoding", []byte(`{"n_best":7}`)))); err != nil {
		t.Errorf("a valid decoding section rewritten: %v", err)
	}
}

var fixtureFeedbackCount = model.FeedbackCount{DidYouMean: 40, Accepted: 25, AutoCorrect: 7, Rejected: 1}

func fixtureFeedback() *model.Feedback {
	return model.NewFeedback(map[uint64]model.FeedbackCount{
		model.FeedbackKey(model.LevelQuery, "jewlery", "jewelry"): fixtureFeedbackCount,
		model.FeedbackKey(model.LevelToken, "dres", "dress"):      {AutoCorrect: 30, Rejected: 20},
	})
}

// TestFeedback round-trips the feedback table through a bundle, checks that its keys can be built piece by
// piece, and that a malformed table is refused.
func TestFeedback(t *testing.T) {
	b := testmodel.Build(t, "test")
	b.Feedback = fixtureFeedback()
	got, err := model.Read(bytes.NewReader(encode(t, b)))
	if err != nil {
		t.Fatal(err)
	}
	if got.Feedback.Len() != 2 {
		t.Fatalf("%d entries", got.Feedback.Len())
	}
	k := model.NewFeedbackHash(model.LevelToken).String("dr").String("es").Sep().String("dress").Sum()
	if c, ok := got.Feedback.Lookup(k); !ok || c.Rejected != 20 {
		t.Fatalf("token entry: %+v %v", c, ok)
	}
	if _, ok := got.Feedback.Lookup(model.FeedbackKey(model.LevelQuery, "dres", "dress")); ok {
		t.Fatal("a query-level lookup found a token-level entry")
	}
	var empty *model.Feedback
	if _, ok := empty.Lookup(k); ok || empty.Len() != 0 {
		t.Fatal("the nil table is not empty")
	}
	enc := func(vals ...uint64) []byte {
		var out []byte
		for _, v := range vals {
			out = binary.AppendUvarint(out, v)
		}
		return out
	}
	for name, data := range map[string][]byte{
		"out of order":          enc(2, 5, 1, 1, 0, 0, 0, 1, 1, 0, 0),
		"more accepted":         enc(1, 5, 1, 2, 0, 0),
		"more rejected":         enc(1, 5, 0, 0, 1, 2),
		"count beyond 32 bits":  enc(1, 5, 1<<33, 0, 0, 0),
		"truncated":             enc(1, 5, 1, 1),
		"trailing bytes":        append(enc(1, 5, 1, 1, 0, 0), 0),
		"count beyond the data": enc(1000),
	} {
		if _, err := model.DecodeFeedback(data); !errors.Is(err, model.ErrCorrupt) {
			t.Errorf("%s: err = %v, want ErrCorrupt", name, err)
		}
	}
	if f, err := model.DecodeFeedback(enc(0)); err != nil || f.Len() != 0 {
		t.Fatalf("empty table: %v %v", f, err)
	}
}

// FuzzDecodeFeedback fuzzes the feedback section's decoder: no panic, and what it accepts re-encodes to a
// table that decodes the same.
func FuzzDecodeFeedback(f *testing.F) {
	data, _ := fixtureFeedback().MarshalBinary()
	f.Add(data)
	f.Add([]byte{0})
	f.Add([]byte{1, 5, 1, 1, 0, 0})
	f.Fuzz(func(t *testing.T, data []byte) {
		fb, err := model.DecodeFeedback(data)
		if err != nil {
			return
		}
		again, _ := fb.MarshalBinary()
		fb2, err := model.DecodeFeedback(again)
		if err != nil || !reflect.DeepEqual(fb, fb2) {
			t.Fatalf("re-encoded %x (from %x): %v", again, data, err)
		}
	})
}

// TestCorruptionNeverPanics flips random bytes inside the payload after fixing the checksum, so the
// decoders themselves see the damage.
func TestCorruptionNeverPanics(t *testing.T) {
	good := encode(t, testmodel.Build(t, "test"))
	r := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 300; i++ {
		b := bytes.Clone(good)
		for k := 0; k < 1+r.IntN(4); k++ {
			b[r.IntN(len(b))] = byte(r.Uint32())
		}
		model.Read(bytes.NewReader(b)) // must return, with or without an error
	}
}

func FuzzRead(f *testing.F) {
	good := encode(f, testmodel.Build(f, "test"))
	f.Add(good)
	f.Add(good[:100])
	f.Add([]byte("SPELLMDL"))
	f.Fuzz(func(t *testing.T, data []byte) {
		b, err := model.Read(bytes.NewReader(data))
		if err == nil && (b.LM == nil || b.Errors == nil || b.Params.Validate() != nil) {
			t.Fatal("Read succeeded with an incomplete bundle")
		}
	})
}

// FuzzDecodePayload fuzzes the decoders behind the checksum: the fuzzer's bytes become a valid,
// checksummed file whose payload is arbitrary.
func FuzzDecodePayload(f *testing.F) {
	f.Add([]byte{4})
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, payload []byte) {
		model.Read(bytes.NewReader(model.Wrap(payload))) // no panic
	})
}

func BenchmarkRead(b *testing.B) {
	data, err := os.ReadFile("../data/default.model")
	if err != nil {
		b.Skip("default model not built:", err)
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := model.Read(bytes.NewReader(data)); err != nil {
			b.Fatal(err)
		}
	}
}
