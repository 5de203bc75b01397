// Package model is the model bundle: one versioned binary file holding everything the speller needs — the
// error model, the language model (whose vocabulary the candidate index is built over), the hyperparameters
// and metadata — written and read through io.Writer and io.Reader. A bundle is built once by the trainer and
// opened read-only by the server; a corrupt or truncated file gives a clear error, never a panic.
//
//	b, err := model.Open("default.model")
//	fmt.Println(b.Meta.Version, b.LM.Len())
//	_, err = b.WriteTo(w)
package model

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/spellwright/speller/errormodel"
	"github.com/spellwright/speller/internal/binenc"
	"github.com/spellwright/speller/langmodel"
)

// The file format.
//
//	magic    "SPELLMDL"                       8 bytes
//	version  uint32 little-endian             4 bytes
//	length   uint64 little-endian             8 bytes: length of the payload
//	payload  gzip of the sections             length bytes
//	checksum CRC-32C (Castagnoli) of payload  4 bytes
//
// The gunzipped payload is a uvarint count of sections, each a name and its bytes (binenc strings), in this
// order: "meta" (JSON Metadata), "params" (JSON Params), "lm" (langmodel.Model), "errors"
// (errormodel.Counts), "protected" and "never_suggest" (term lists: a uvarint count, then the terms as binenc
// strings, sorted and distinct), "channel" (JSON errormodel.Options), "feedback" (Feedback) and "decoding"
// (JSON Decoding). Unknown sections are an error: a newer format gets a new version. Params missing from the
// JSON (written before the parameter existed) take their DefaultParams value.
//
// Format history (keep one fixture per version in testdata/ and a test that it loads):
//
//	1  2026-11: first version.
//	2  2026-11: sections "protected" and "never_suggest" (Bundle.Protected, Bundle.NeverSuggest); params
//	            gain log_p_space. Version 1 files still load, with empty lists.
//	3  2026-12: section "channel" (JSON errormodel.Options: the smoothing and typing-slip prior the error
//	            model is built with, pinned in the bundle rather than in the binary);
//	            params gain log_p_typo, min_backoff and unk_shape. Older files load with the options they were made with (no
//	            typing-slip prior), log_p_typo, min_backoff and unk_shape 0.
//	4  2026-12: section "feedback" (Bundle.Feedback: the shoppers' answers to corrections, see Feedback's
//	            MarshalBinary). Older files load with an empty table.
//	5  2026-12: the channel options gain "far" (errormodel.Options.Far: the typing slips that land on any key,
//	            not only a neighbour), and params gain unk_length (a short unknown token is more probable
//	            as typed). Older files load without them (far and unk_length 0), with the answers they were
//	            tuned for; a binary that knows only version 4 refuses a version-5 file rather than ignore them.
//	6  2026-12: section "decoding" (Bundle.Decoding: the corrector's options that change answers, pinned in
//	            the bundle rather than in the binary's defaults). Older files load with LegacyDecoding, the
//	            options of the last binaries that wrote them.
const (
	FormatVersion = 6
	// minVersion is the oldest format Read accepts.
	minVersion = 1
	magic      = "SPELLMDL"
	// maxPayload bounds the compressed and decompressed sizes accepted from a file.
	maxPayload = 1 << 30
)

// Errors returned (wrapped) by Read; test them with errors.Is.
var (
	ErrNotModel    = errors.New("not a speller model file")
	ErrVersion     = errors.New("unsupported model format version")
	ErrChecksum    = errors.New("model checksum mismatch")
	ErrTruncated   = errors.New("model file truncated")
	ErrCorrupt     = binenc.ErrCorrupt
	errMissingPart = errors.New("missing section")
)

// Metadata describes where a bundle comes from.
type Metadata struct {
	Version   string    `json:"version"`    // unique per build, e.g. "en-20261123-3f2a9c1d"
	BuildTime time.Time `json:"build_time"` // when it was built
	Sources   []string  `json:"sources"`    // the data it was built from
	Comment   string    `json:"comment,omitempty"`
	// Extra holds reports attached by the tools that made the bundle ("train", "tune").
	Extra map[string]json.RawMessage `json:"extra,omitempty"`
}

// Params are the hyperparameters of the decision (see MODEL.md). They are tuned by `speller tune`.
type Params struct {
	// Lambda is the emission exponent λ weighing the error model against the language model.
	Lambda float64 `json:"lambda"`
	// Slope and Intercept define the offer threshold: a correction is offered when
	// log_odds > Slope·n_tokens + Intercept.
	Slope     float64 `json:"slope"`
	Intercept float64 `json:"intercept"`
	// AutoThreshold is the intercept of the auto-correct line (same slope): the correction is applied
	// automatically when log_odds > Slope·n_tokens + AutoThreshold. It is at least Intercept.
	AutoThreshold float64 `json:"auto_threshold"`
	// LogPUnk is log P_unk, the language-model probability of a token outside the vocabulary.
	LogPUnk float64 `json:"log_p_unk"`
	// LogPSpace is the log probability of one space edit (a space typed inside a word, left out between
	// words, or moved), the prior of the error model's space edits: used as is when the error model has
	// counted none, and as the smoothing target of the learned rate when it has (errormodel.SpaceLogProb).
	LogPSpace float64 `json:"log_p_space"`
	// LogPTypo is the log prior probability that a typed token is not the word meant: it is added to the
	// score of every change (a state of the lattice other than the typed token, however many edits, words or
	// tokens it holds), so that P(t|w) = P_typo·P_edits(t|w) for t ≠ w and P(w|w) ≈ 1. The error model's
	// edit probabilities are learned from misspellings, given that a word was misspelled; without this prior
	// a correct word is changed into another for a small gain of the language model. It is at most 0; a
	// bundle written before it existed reads as 0, so its answers do not change.
	LogPTypo float64 `json:"log_p_typo"`
	// MinBackoff is the least weight of the unigram in the language model's bigram estimate
	// (langmodel.Model.LogProbFloor): a word seen before a few others only does not make every other word
	// after it improbable. In [0, 1); not tuned; a bundle written before it existed reads as 0.
	MinBackoff float64 `json:"min_backoff"`
	// UnkShape weighs how unlike the vocabulary's words an unknown token reads (its surprise under a character
	// model of the vocabulary, never above 0) in its log P_unk: 0 gives every unknown word of ordinary length
	// P_unk. At least 0; a bundle written before it existed reads as 0.
	UnkShape float64 `json:"unk_shape"`
	// UnkLength makes an unknown token shorter than UnkLengthPivot runes more probable as typed, by UnkLength
	// nats a rune: log P_unk + UnkLength·max(0, UnkLengthPivot − runes). A short string outside the
	// vocabulary is as often an abbreviation, a code or a name as a mistyped word, and one edit makes a common
	// word of almost any short string. At least 0; a bundle written before format 5 reads as 0, so its
	// answers do not change.
	UnkLength float64 `json:"unk_length"`
}

// UnkLengthPivot is the length, in runes, from which an unknown token gets no more of Params.UnkLength: about
// that of the words of an English vocabulary.
const UnkLengthPivot = 6

// DefaultParams are used by a bundle that was never tuned. Its auto-correct threshold, NoAutoCorrect, is out of
// reach: a bundle that nobody tuned on its traffic offers corrections ("did you mean") but applies none by
// itself, but for queries that found nothing (the zero-results rule).
var DefaultParams = Params{Lambda: 1, Slope: 0, Intercept: 1.5, AutoThreshold: NoAutoCorrect, LogPUnk: -24,
	LogPSpace: -3, LogPTypo: -3, MinBackoff: 0.1, UnkShape: 1}

// NoAutoCorrect is an auto-correct threshold no correction reaches: log odds of 1000 nats.
const NoAutoCorrect = 1000

// Validate reports whether p can be used.
func (p Params) Validate() error {
	for name, v := range map[string]float64{"lambda": p.Lambda, "slope": p.Slope, "intercept": p.Intercept,
		"auto_threshold": p.AutoThreshold, "log_p_unk": p.LogPUnk, "log_p_space": p.LogPSpace,
		"log_p_typo": p.LogPTypo, "min_backoff": p.MinBackoff, "unk_shape": p.UnkShape, "unk_length": p.UnkLength} {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("model: parameter %s is %v", name, v)
		}
	}
	if p.Lambda <= 0 {
		return fmt.Errorf("model: lambda %v must be positive", p.Lambda)
	}
	if p.LogPUnk >= 0 {
		return fmt.Errorf("model: log_p_unk %v must be negative", p.LogPUnk)
	}
	if p.LogPSpace >= 0 {
		return fmt.Errorf("model: log_p_space %v must be negative", p.LogPSpace)
	}
	if !(p.MinBackoff >= 0 && p.MinBackoff < 1) {
		return fmt.Errorf("model: min_backoff %v must be in [0, 1)", p.MinBackoff)
	}
	if p.UnkShape < 0 {
		return fmt.Errorf("model: unk_shape %v must not be negative", p.UnkShape)
	}
	if p.UnkLength < 0 {
		return fmt.Errorf("model: unk_length %v must not be negative", p.UnkLength)
	}
	if p.LogPTypo > 0 {
		return fmt.Errorf("model: log_p_typo %v must not be positive", p.LogPTypo)
	}
	if p.AutoThreshold < p.Intercept {
		return fmt.Errorf("model: auto_threshold %v below intercept %v", p.AutoThreshold, p.Intercept)
	}
	return nil
}

// Tuned reports whether the bundle's hyperparameters were chosen by the tuner (speller tune, which records
// its summary in Meta.Extra["tune"]) rather than left at DefaultParams.
func (b *Bundle) Tuned() bool {
	_, ok := b.Meta.Extra["tune"]
	return ok
}

// Bundle is a loaded model. It is immutable once built or read, and safe for concurrent use.
type Bundle struct {
	Meta   Metadata
	Params Params
	LM     *langmodel.Model
	Errors *errormodel.Model
	// Protected are the terms the speller never changes (brands, product names), and NeverSuggest the words
	// it never produces (offensive words), both normalized as the tokenizer normalizes tokens. WriteTo
	// writes them sorted and without duplicates; Read returns them so.
	Protected, NeverSuggest []string
	// Feedback is what shoppers answered to the corrections they were shown (nil: nothing known), which the
	// corrector's decision consults (spell.ActionFor).
	Feedback *Feedback
	// Decoding are the corrector's options that change answers, those the hyperparameters were tuned with
	// (the trainer writes the corrector's defaults, spell.DefaultDecoding). A zero field leaves the option to
	// the corrector's default.
	Decoding Decoding
}

// Decoding are the options of the corrector (spell.Options, where each is described) that change which
// candidates are drawn and which readings are decoded, and so the answers: the hyperparameters of a bundle
// are tuned with them, and a binary whose defaults changed must still answer an old bundle as it was tuned.
// A zero field means the corrector's default; KnownLogProb "every vocabulary word" is EveryWord.
type Decoding struct {
	MaxDistance   int     `json:"max_distance,omitempty"`
	ShortToken    int     `json:"short_token,omitempty"`
	KnownLogProb  float64 `json:"known_log_prob,omitempty"`
	MaxCandidates int     `json:"max_candidates,omitempty"`
	NBest         int     `json:"n_best,omitempty"`
	Beam          float64 `json:"beam,omitempty"`
	WeakMargin    float64 `json:"weak_margin,omitempty"`
}

// EveryWord is Decoding.KnownLogProb for "every vocabulary word": below every log probability, and finite,
// so that JSON holds it (−∞ it cannot).
const EveryWord = -math.MaxFloat64

// LegacyDecoding are the options of the last binaries that wrote the formats before 6 (which did not record
// them): a bundle of those formats is read with them. Never change them.
var LegacyDecoding = Decoding{MaxDistance: 2, ShortToken: 4, KnownLogProb: EveryWord, MaxCandidates: 12, NBest: 5,
	Beam: 12, WeakMargin: 3}

// Largest values Decoding.Validate accepts: a corrector asked for more would be slow beyond use.
const (
	maxDecodingDistance   = 3
	maxDecodingCandidates = 1000
	maxDecodingNBest      = 100
)

// Validate reports whether d can be used.
func (d Decoding) Validate() error {
	for _, f := range []struct {
		name string
		v    float64
	}{{"known_log_prob", d.KnownLogProb}, {"beam", d.Beam}, {"weak_margin", d.WeakMargin}} {
		if math.IsNaN(f.v) || math.IsInf(f.v, 0) {
			return fmt.Errorf("model: decoding option %s is %v", f.name, f.v)
		}
	}
	for _, f := range []struct {
		name      string
		v, lo, hi int
	}{
		{"max_distance", d.MaxDistance, 0, maxDecodingDistance},
		{"short_token", d.ShortToken, -1, math.MaxInt32},
		{"max_candidates", d.MaxCandidates, 0, maxDecodingCandidates},
		{"n_best", d.NBest, 0, maxDecodingNBest},
	} {
		if f.v < f.lo || f.v > f.hi {
			return fmt.Errorf("model: decoding option %s is %d, want %d to %d", f.name, f.v, f.lo, f.hi)
		}
	}
	if d.KnownLogProb > 0 {
		return fmt.Errorf("model: decoding option known_log_prob %v must not be positive", d.KnownLogProb)
	}
	return nil
}

// DecodingNames lists the decoding options by their JSON names, in a fixed order.
var DecodingNames = []string{"max_distance", "short_token", "known_log_prob", "max_candidates", "n_best", "beam",
	"weak_margin"}

// String returns the options as Set reads them, "name=value" separated by spaces, in the order of
// DecodingNames; known_log_prob EveryWord is "every".
func (d Decoding) String() string {
	klp := strconv.FormatFloat(d.KnownLogProb, 'g', -1, 64)
	if d.KnownLogProb == EveryWord {
		klp = "every"
	}
	return fmt.Sprintf("max_distance=%d short_token=%d known_log_prob=%s max_candidates=%d n_best=%d beam=%s weak_margin=%s",
		d.MaxDistance, d.ShortToken, klp, d.MaxCandidates, d.NBest, strconv.FormatFloat(d.Beam, 'g', -1, 64),
		strconv.FormatFloat(d.WeakMargin, 'g', -1, 64))
}

// Set parses an assignment "name=value" (e.g. "weak_margin=-1") into d: an integer for max_distance,
// short_token, max_candidates and n_best, a number for the others, or "every" for known_log_prob
// (EveryWord). It does not validate the result (Validate does); 0 leaves the option to the corrector's
// default.
func (d *Decoding) Set(assignment string) error {
	name, value, ok := strings.Cut(assignment, "=")
	if !ok {
		return fmt.Errorf("model: decoding option %q: want name=value", assignment)
	}
	name, value = strings.TrimSpace(name), strings.TrimSpace(value)
	ints := map[string]*int{"max_distance": &d.MaxDistance, "short_token": &d.ShortToken,
		"max_candidates": &d.MaxCandidates, "n_best": &d.NBest}
	floats := map[string]*float64{"known_log_prob": &d.KnownLogProb, "beam": &d.Beam, "weak_margin": &d.WeakMargin}
	if p := ints[name]; p != nil {
		v, err := strconv.ParseInt(value, 10, 32)
		if err != nil {
			return fmt.Errorf("model: decoding option %s: want an integer: %w", name, err)
		}
		*p = int(v)
		return nil
	}
	if name == "known_log_prob" && value == "every" {
		d.KnownLogProb = EveryWord
		return nil
	}
	if p := floats[name]; p != nil {
		v, err := strconv.ParseFloat(value, 64)
		if err != nil {
			return fmt.Errorf("model: decoding option %s: want a number: %w", name, err)
		}
		*p = v
		return nil
	}
	return fmt.Errorf("model: unknown decoding option %q (known: %s)", name, strings.Join(DecodingNames, ", "))
}

// WriteTo writes the bundle in the current format. The output is deterministic for equal bundles.
func (b *Bundle) WriteTo(w io.Writer) (int64, error) {
	if err := b.Params.Validate(); err != nil {
		return 0, err
	}
	if err := b.Decoding.Validate(); err != nil {
		return 0, err
	}
	meta, err := json.Marshal(b.Meta)
	if err != nil {
		return 0, fmt.Errorf("model: encode metadata: %w", err)
	}
	params, err := json.Marshal(b.Params)
	if err != nil {
		return 0, fmt.Errorf("model: encode params: %w", err)
	}
	lm, err := b.LM.MarshalBinary()
	if err != nil {
		return 0, err
	}
	em, err := b.Errors.Counts().MarshalBinary()
	if err != nil {
		return 0, err
	}
	channel, err := json.Marshal(b.Errors.Options())
	if err != nil {
		return 0, fmt.Errorf("model: encode channel options: %w", err)
	}
	feedback, err := b.Feedback.MarshalBinary()
	if err != nil {
		return 0, err
	}
	decoding, err := json.Marshal(b.Decoding)
	if err != nil {
		return 0, fmt.Errorf("model: encode decoding options: %w", err)
	}
	var e binenc.Encoder
	e.Uvarint(uint64(len(sectionNames)))
	for _, s := range []struct {
		name string
		data []byte
	}{{"meta", meta}, {"params", params}, {"lm", lm}, {"errors", em},
		{"protected", encodeTerms(b.Protected)}, {"never_suggest", encodeTerms(b.NeverSuggest)},
		{"channel", channel}, {"feedback", feedback}, {"decoding", decoding}} {
		e.String(s.name)
		e.String(string(s.data))
	}
	file, err := frame(e.Bytes())
	if err != nil {
		return 0, err
	}
	n, err := w.Write(file)
	if err != nil {
		return int64(n), fmt.Errorf("model: write: %w", err)
	}
	return int64(n), nil
}

// sectionNames are the sections of the current format, in order; the first four are those of version 1, the
// first six those of version 2, the first seven those of version 3, the first eight those of versions 4 and 5.
var sectionNames = []string{"meta", "params", "lm", "errors", "protected", "never_suggest", "channel", "feedback",
	"decoding"}

// sectionsOf returns the sections a file of the given format version has.
func sectionsOf(version uint32) []string {
	switch version {
	case 1:
		return sectionNames[:4]
	case 2:
		return sectionNames[:6]
	case 3:
		return sectionNames[:7]
	case 4, 5:
		return sectionNames[:8]
	}
	return sectionNames
}

// encodeTerms encodes a term list: its distinct terms, sorted.
func encodeTerms(terms []string) []byte {
	terms = slices.Clone(terms)
	slices.Sort(terms)
	terms = slices.Compact(terms)
	var e binenc.Encoder
	e.Uvarint(uint64(len(terms)))
	for _, t := range terms {
		e.String(t)
	}
	return e.Bytes()
}

// decodeTerms decodes a term list written by encodeTerms; the terms must be sorted, distinct, non-empty and
// valid UTF-8.
func decodeTerms(b []byte) ([]string, error) {
	d := binenc.NewDecoder(b)
	n := d.Len(1)
	var terms []string
	for i := 0; i < n && d.Err() == nil; i++ {
		t := d.String()
		if d.Err() != nil {
			break
		}
		if t == "" || !utf8.ValidString(t) || (len(terms) > 0 && t <= terms[len(terms)-1]) {
			return nil, fmt.Errorf("%w: term %d is empty, not UTF-8 or out of order", ErrCorrupt, i)
		}
		terms = append(terms, t)
	}
	if err := d.Finish(); err != nil {
		return nil, err
	}
	return terms, nil
}

// frame compresses the encoded sections and wraps them in the header and checksum.
func frame(raw []byte) ([]byte, error) {
	var payload bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&payload, gzip.BestCompression)
	if _, err := zw.Write(raw); err != nil {
		return nil, fmt.Errorf("model: compress: %w", err)
	}
	if err := zw.Close(); err != nil {
		return nil, fmt.Errorf("model: compress: %w", err)
	}
	out := make([]byte, 20, 24+payload.Len())
	copy(out, magic)
	binary.LittleEndian.PutUint32(out[8:], FormatVersion)
	binary.LittleEndian.PutUint64(out[12:], uint64(payload.Len()))
	out = append(out, payload.Bytes()...)
	return binary.LittleEndian.AppendUint32(out, crc32.Checksum(payload.Bytes(), castagnoli)), nil
}

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// Read reads a bundle written by WriteTo.
func Read(r io.Reader) (*Bundle, error) {
	var hdr [20]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("model: %w: header", ErrTruncated)
		}
		return nil, fmt.Errorf("model: read header: %w", err)
	}
	if string(hdr[:8]) != magic {
		return nil, fmt.Errorf("model: %w (bad magic)", ErrNotModel)
	}
	version := binary.LittleEndian.Uint32(hdr[8:])
	if version < minVersion || version > FormatVersion {
		return nil, fmt.Errorf("model: %w: file has version %d, this build reads %d to %d", ErrVersion, version,
			minVersion, FormatVersion)
	}
	length := binary.LittleEndian.Uint64(hdr[12:])
	if length > maxPayload {
		return nil, fmt.Errorf("model: %w: payload length %d", ErrCorrupt, length)
	}
	// Read without trusting length for the allocation: a corrupt length on a short file fails as truncated.
	body, err := io.ReadAll(io.LimitReader(r, int64(length)+4))
	if err != nil {
		return nil, fmt.Errorf("model: read payload: %w", err)
	}
	if uint64(len(body)) < length+4 {
		return nil, fmt.Errorf("model: %w: %d of %d payload bytes", ErrTruncated, len(body), length+4)
	}
	payload, sum := body[:length], binary.LittleEndian.Uint32(body[length:])
	if crc32.Checksum(payload, castagnoli) != sum {
		return nil, fmt.Errorf("model: %w", ErrChecksum)
	}
	zr, err := gzip.NewReader(bytes.NewReader(payload))
	if err != nil {
		return nil, fmt.Errorf("model: %w: payload: %v", ErrCorrupt, err)
	}
	raw, err := io.ReadAll(io.LimitReader(zr, maxPayload+1))
	if err != nil {
		return nil, fmt.Errorf("model: %w: payload: %v", ErrCorrupt, err)
	}
	if len(raw) > maxPayload {
		return nil, fmt.Errorf("model: %w: payload larger than %d bytes", ErrCorrupt, maxPayload)
	}
	return decode(raw, version)
}

func decode(raw []byte, version uint32) (*Bundle, error) {
	d := binenc.NewDecoder(raw)
	n := d.Len(2)
	sections := make(map[string][]byte, n)
	for i := 0; i < n && d.Err() == nil; i++ {
		name := d.String()
		data := d.Bytes()
		if d.Err() != nil {
			break
		}
		if _, dup := sections[name]; dup {
			return nil, fmt.Errorf("model: %w: duplicate section %q", ErrCorrupt, name)
		}
		sections[name] = data
	}
	if err := d.Finish(); err != nil {
		return nil, fmt.Errorf("model: sections: %w", err)
	}
	want := sectionsOf(version)
	for _, name := range want {
		if _, ok := sections[name]; !ok {
			return nil, fmt.Errorf("model: %w: %w %q", ErrCorrupt, errMissingPart, name)
		}
	}
	if len(sections) != len(want) {
		return nil, fmt.Errorf("model: %w: unknown sections", ErrCorrupt)
	}
	b := &Bundle{Params: DefaultParams} // parameters the file predates keep their default
	// except the change prior, the backoff floor and the unknown-word shape: a bundle that predates them was
	// tuned without
	b.Params.LogPTypo, b.Params.MinBackoff, b.Params.UnkShape, b.Params.UnkLength = 0, 0, 0, 0
	if err := json.Unmarshal(sections["meta"], &b.Meta); err != nil {
		return nil, fmt.Errorf("model: %w: metadata: %v", ErrCorrupt, err)
	}
	if err := json.Unmarshal(sections["params"], &b.Params); err != nil {
		return nil, fmt.Errorf("model: %w: params: %v", ErrCorrupt, err)
	}
	if err := b.Params.Validate(); err != nil {
		return nil, fmt.Errorf("%w (%w)", err, ErrCorrupt)
	}
	b.LM = new(langmodel.Model)
	if err := b.LM.UnmarshalBinary(sections["lm"]); err != nil {
		return nil, fmt.Errorf("model: %w", err)
	}
	var counts errormodel.Counts
	if err := counts.UnmarshalBinary(sections["errors"]); err != nil {
		return nil, fmt.Errorf("model: %w", err)
	}
	var channel errormodel.Options // before version 3: the defaults, no typing-slip prior
	if version >= 3 {
		if err := json.Unmarshal(sections["channel"], &channel); err != nil {
			return nil, fmt.Errorf("model: %w: channel: %v", ErrCorrupt, err)
		}
		if !(channel.Prior >= 0 && channel.Slip >= 0 && channel.Far >= 0) || math.IsInf(channel.Prior, 0) ||
			math.IsInf(channel.Slip, 0) || math.IsInf(channel.Far, 0) {
			return nil, fmt.Errorf("model: %w: channel options %+v", ErrCorrupt, channel)
		}
		if version < 5 {
			channel.Far = 0 // not an option of the formats before 5: the file was tuned without it
		}
	}
	b.Errors = counts.Model(channel)
	if version >= 2 {
		var err error
		if b.Protected, err = decodeTerms(sections["protected"]); err != nil {
			return nil, fmt.Errorf("model: protected terms: %w", err)
		}
		if b.NeverSuggest, err = decodeTerms(sections["never_suggest"]); err != nil {
			return nil, fmt.Errorf("model: never-suggest terms: %w", err)
		}
	}
	if version >= 4 {
		var err error
		if b.Feedback, err = decodeFeedback(sections["feedback"]); err != nil {
			return nil, err
		}
	}
	b.Decoding = LegacyDecoding
	if version >= 6 {
		b.Decoding = Decoding{}
		// An option this build does not know would be ignored, and answers would change: refuse it.
		dec := json.NewDecoder(bytes.NewReader(sections["decoding"]))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&b.Decoding); err != nil {
			return nil, fmt.Errorf("model: %w: decoding: %v", ErrCorrupt, err)
		}
		if dec.More() {
			return nil, fmt.Errorf("model: %w: decoding: data after the options", ErrCorrupt)
		}
		if err := b.Decoding.Validate(); err != nil {
			return nil, fmt.Errorf("%w (%w)", err, ErrCorrupt)
		}
	}
	return b, nil
}

// Open reads the bundle in the file at path.
func Open(path string) (*Bundle, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("model: %w", err)
	}
	defer f.Close()
	b, err := Read(bufio.NewReaderSize(f, 1<<16))
	if err != nil {
		return nil, fmt.Errorf("%w (file %s)", err, path)
	}
	return b, nil
}

// WriteFile writes the bundle to path atomically: to a temporary file in the same directory, synced, then
// renamed over path, so a reader (or a server watching the directory) never sees a partial file.
func (b *Bundle) WriteFile(path string) error {
	dir, base := filepath.Dir(path), filepath.Base(path)
	f, err := os.CreateTemp(dir, "."+base+".tmp-*")
	if err != nil {
		return fmt.Errorf("model: %w", err)
	}
	tmp := f.Name()
	defer os.Remove(tmp) // no-op after the rename
	if _, err := b.WriteTo(f); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("model: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("model: %w", err)
	}
	if err := os.Chmod(tmp, 0o644); err != nil {
		return fmt.Errorf("model: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("model: %w", err)
	}
	return nil
}

// ParamNames lists the hyperparameters by their JSON names, in a fixed order.
var ParamNames = []string{"lambda", "slope", "intercept", "auto_threshold", "log_p_unk", "log_p_space", "log_p_typo", "min_backoff", "unk_shape", "unk_length"}

// Ptr returns a pointer to the parameter called name (its JSON name), or nil.
func (p *Params) Ptr(name string) *float64 {
	switch name {
	case "lambda":
		return &p.Lambda
	case "slope":
		return &p.Slope
	case "intercept":
		return &p.Intercept
	case "auto_threshold":
		return &p.AutoThreshold
	case "log_p_unk":
		return &p.LogPUnk
	case "log_p_space":
		return &p.LogPSpace
	case "log_p_typo":
		return &p.LogPTypo
	case "min_backoff":
		return &p.MinBackoff
	case "unk_shape":
		return &p.UnkShape
	case "unk_length":
		return &p.UnkLength
	}
	return nil
}

// Set parses an assignment "name=value" (e.g. "log_p_unk=-25") into p; it does not validate the result.
func (p *Params) Set(assignment string) error {
	name, value, ok := strings.Cut(assignment, "=")
	if !ok {
		return fmt.Errorf("model: parameter %q: want name=value", assignment)
	}
	ptr := p.Ptr(strings.TrimSpace(name))
	if ptr == nil {
		return fmt.Errorf("model: unknown parameter %q (known: %s)", name, strings.Join(ParamNames, ", "))
	}
	v, err := strconv.ParseFloat(strings.TrimSpace(value), 64)
	if err != nil {
		return fmt.Errorf("model: parameter %s: %w", name, err)
	}
	*ptr = v
	return nil
}
