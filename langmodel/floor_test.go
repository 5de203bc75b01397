package langmodel_test

import (
	"math"
	"testing"

	"github.com/spellwright/speller/langmodel"
)

// floorModel: "phone" is seen before two words only, many times each (its discounted mass r = 1.5/100 is
// below any useful floor); "red" before five words once each (r = 0.75, above it). Every bigram is kept, so
// every context's distribution sums to 1.
func floorModel(t *testing.T) *langmodel.Model {
	t.Helper()
	b := langmodel.NewBuilder()
	b.AddTokens([]string{"phone", "case"}, 50, true)
	b.AddTokens([]string{"phone", "charger"}, 50, true)
	for _, w := range []string{"dress", "shoes", "car", "hat", "phone"} {
		b.AddTokens([]string{"red", w}, 1, false)
	}
	b.AddTokens([]string{"number"}, 200, false)
	b.AddTokens([]string{"call", "number"}, 3, true)
	b.AddUnigram("lonely", 7) // never a context, never after one
	return b.Build(langmodel.BuildOptions{MinBigramCount: 1})
}

func floorID(t *testing.T, m *langmodel.Model, w string) uint32 {
	t.Helper()
	id, ok := m.ID(w)
	if !ok {
		t.Fatalf("%q not in the model", w)
	}
	return id
}

// allContexts returns Start, Unknown, an id past the vocabulary and every word id.
func allContexts(m *langmodel.Model) []uint32 {
	cs := []uint32{langmodel.Start, langmodel.Unknown, uint32(m.Len()) + 5}
	for id := uint32(0); int(id) < m.Len(); id++ {
		cs = append(cs, id)
	}
	return cs
}

// TestLogProbFloorZeroIsLogProb: without a floor, the estimate is interpolated absolute discounting,
// computed here from floorModel's bigram counts: log(max(c(vw)−D, 0)/c(v·) + R(v)/c(v·)·P(w)), with
// R(v) = Σ_w' min(c(vw'), D); P(w) after a context never seen before a word.
func TestLogProbFloorZeroIsLogProb(t *testing.T) {
	m := floorModel(t)
	const start = "<s>"
	counts := map[[2]string]float64{{start, "phone"}: 100, {"phone", "case"}: 50, {"phone", "charger"}: 50,
		{"red", "dress"}: 1, {"red", "shoes"}: 1, {"red", "car"}: 1, {"red", "hat"}: 1, {"red", "phone"}: 1,
		{start, "call"}: 3, {"call", "number"}: 3}
	for _, prev := range allContexts(m) {
		name := start
		if prev != langmodel.Start {
			name = "" // Unknown or past the vocabulary: no counts
			if int(prev) < m.Len() {
				name = m.Word(prev)
			}
		}
		var total, reserved float64
		for k, c := range counts {
			if k[0] == name {
				total += c
				reserved += min(c, langmodel.DefaultDiscount)
			}
		}
		for w := uint32(0); int(w) < m.Len(); w++ {
			want := m.LogUnigram(w)
			if total > 0 {
				c := counts[[2]string{name, m.Word(w)}]
				want = math.Log(max(c-langmodel.DefaultDiscount, 0)/total + reserved/total*math.Exp(m.LogUnigram(w)))
			}
			if a, b := m.LogProbFloor(prev, w, langmodel.Backoff{}), m.LogProb(prev, w); a != b || math.Abs(a-want) > 1e-9 {
				t.Errorf("LogProbFloor(%s, %s, 0) = %v, LogProb = %v, want %v", name, m.Word(w), a, b, want)
			}
		}
	}
}

func TestLogProbFloor(t *testing.T) {
	m := floorModel(t)
	phone, red := floorID(t, m, "phone"), floorID(t, m, "red")
	logFloor := func(floor float64, w uint32) float64 { return math.Log(floor * math.Exp(m.LogUnigram(w))) }
	tests := []struct {
		name      string
		prev      uint32
		w         string
		floor     float64
		raised    bool // the floor raises the probability: the unigram weight of prev is below it
		unchanged bool // the floor changes nothing
	}{
		{"few continuations, unseen word", phone, "number", 0.1, true, false},
		{"few continuations, unseen word", phone, "dress", 0.1, true, false},
		{"few continuations, unseen word, floor 0.5", phone, "lonely", 0.5, true, false},
		{"many continuations, unseen word", red, "number", 0.1, false, true},
		{"many continuations, seen word", red, "dress", 0.1, false, true},
		{"many continuations, floor above them", red, "number", 0.9, true, false},
		{"never a context", floorID(t, m, "lonely"), "dress", 0.3, false, true},
		{"unknown context", langmodel.Unknown, "number", 0.3, false, true},
	}
	for _, tt := range tests {
		w := floorID(t, m, tt.w)
		got, plain := m.LogProbFloor(tt.prev, w, langmodel.NewBackoff(tt.floor)), m.LogProb(tt.prev, w)
		if got < logFloor(tt.floor, w)-1e-12 && !tt.unchanged {
			t.Errorf("%s: LogProbFloor(%s, %s, %v) = %.4f, want ≥ log(%[4]v·P(w)) = %.4f", tt.name, m.Word(tt.prev),
				tt.w, tt.floor, got, logFloor(tt.floor, w))
		}
		if tt.raised && !(got > plain) {
			t.Errorf("%s: LogProbFloor(…, %v) = %.4f, want above LogProb %.4f", tt.name, tt.floor, got, plain)
		}
		if tt.unchanged && math.Abs(got-plain) > 1e-12 {
			t.Errorf("%s: LogProbFloor(…, %v) = %.6f, want LogProb %.6f", tt.name, tt.floor, got, plain)
		}
	}

	// The mass the floor gives the unseen words comes from the seen ones, which keep their lead.
	caseID, number := floorID(t, m, "case"), floorID(t, m, "number")
	if m.LogProbFloor(phone, caseID, langmodel.NewBackoff(0.1)) >= m.LogProb(phone, caseID) {
		t.Error("a seen word after phone did not give up mass to the floor")
	}
	if m.LogProbFloor(phone, caseID, langmodel.NewBackoff(0.1)) <= m.LogProbFloor(phone, number, langmodel.NewBackoff(0.1)) {
		t.Error("a word seen 50 times after phone is not above an unseen one")
	}
	// Without the floor the unseen word is far below its share of the unigram: the case the floor is for.
	if m.LogProb(phone, number) >= logFloor(0.1, number) {
		t.Errorf("LogProb(phone, number) = %.4f is already above log(0.1·P(number)) = %.4f: the test model no longer "+
			"has a context with few continuations", m.LogProb(phone, number), logFloor(0.1, number))
	}
}

// TestLogProbFloorDistribution: after every context, the floored probabilities over the vocabulary sum to 1.
// The unigram log probabilities are stored as float32, so Σ_w P(w) is 1 only to about 1e-7; the floored sum
// a·Σ P(w) + (1−a)·1 may be off from 1 by no more than that, plus 1e-9.
func TestLogProbFloorDistribution(t *testing.T) {
	m := floorModel(t)
	uni := 0.0
	for w := uint32(0); int(w) < m.Len(); w++ {
		uni += math.Exp(m.LogUnigram(w))
	}
	tol := math.Abs(uni-1) + 1e-9
	for _, floor := range []float64{0, 0.01, 0.1, 0.3, 0.9, 0.999} {
		for _, prev := range allContexts(m) {
			s := 0.0
			for w := uint32(0); int(w) < m.Len(); w++ {
				s += math.Exp(m.LogProbFloor(prev, w, langmodel.NewBackoff(floor)))
			}
			if math.Abs(s-1) > tol {
				t.Errorf("floor %v: Σ_w P(w | %d) = %.12f, want 1 within %.1e", floor, prev, s, tol)
			}
		}
	}
}
