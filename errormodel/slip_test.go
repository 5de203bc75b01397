package errormodel

import (
	"encoding/json"
	"math"
	"slices"
	"testing"
)

func TestKeyboardNeighboursSymmetric(t *testing.T) {
	for _, row := range keyboard {
		for _, k := range row.keys {
			if len(neighbours[k]) < 2 {
				t.Errorf("key %q has neighbours %q, want at least 2", k, string(neighbours[k]))
			}
		}
	}
	for a, ns := range neighbours {
		for i, b := range ns {
			if a == b {
				t.Errorf("key %q is its own neighbour", a)
			}
			if slices.Contains(ns[i+1:], b) {
				t.Errorf("key %q lists neighbour %q twice", a, b)
			}
			if !adjacent(b, a) {
				t.Errorf("%q is next to %q but not %q to %q", b, a, a, b)
			}
		}
	}
}

func TestKeyboardNeighbours(t *testing.T) {
	tests := []struct {
		x, y rune
		want bool
	}{
		{'o', 'k', true}, {'o', 'l', true}, {'o', 'p', true}, {'o', 'i', true},
		{'a', 's', true}, {'a', 'q', true}, {'a', 'z', true},
		{'g', 'h', true}, {'g', 't', true}, {'g', 'b', true},
		{'a', 'p', false}, {'p', 'a', false}, {'o', 'j', false}, {'q', 'p', false}, {'z', 'm', false},
		{'g', 'g', false}, {'o', Space, false}, {Space, 'o', false}, {'é', 'e', false},
	}
	for _, tt := range tests {
		if got := adjacent(tt.x, tt.y); got != tt.want {
			t.Errorf("adjacent(%q, %q) = %v, want %v", tt.x, tt.y, got, tt.want)
		}
	}
}

// slipCounts are a few misspelling pairs and correct words; every letter of the test words is in the model's
// alphabet (a character outside it gets the probabilities of an unseen character, for which slip is 0).
func slipCounts() *Counts {
	var c Counts
	for _, p := range []struct {
		typed, intended string
		n               float64
	}{
		{"jewlery", "jewelry", 5}, {"recieve", "receive", 3}, {"adress", "address", 2}, {"wallett", "wallet", 2},
		{"candel", "candle", 2},
	} {
		c.Add(p.typed, p.intended, p.n)
	}
	for _, w := range []string{"deposit", "eddy", "kind", "plank", "joining", "quiz", "box"} {
		c.AddContext(w, 3)
	}
	return &c
}

// TestSlipRaisesTypingSlips: the typing-slip prior makes the slips of fingers on a keyboard more probable
// than the counts alone do; it never makes an edit less probable (below the cap).
func TestSlipRaisesTypingSlips(t *testing.T) {
	c := slipCounts()
	none, slip := c.Model(Options{}), c.Model(Options{Slip: 1})
	tests := []struct {
		name, typed, intended string
	}{
		{"neighbour key substituted", "depksit", "deposit"},
		{"neighbour key substituted", "deposut", "deposit"},
		{"doubled letter typed once", "edy", "eddy"},
		{"letter typed twice", "depossit", "deposit"},
		{"neighbour typed after a key", "depoisit", "deposit"},
		{"letter left out", "dposit", "deposit"},
		{"adjacent letters swapped", "depsoit", "deposit"},
	}
	for _, tt := range tests {
		lpNone, lpSlip := none.LogProb(tt.typed, tt.intended), slip.LogProb(tt.typed, tt.intended)
		if !(lpSlip > lpNone) {
			t.Errorf("%s: LogProb(%q, %q) = %.3f with Slip 1, want above %.3f without", tt.name, tt.typed,
				tt.intended, lpSlip, lpNone)
		}
	}

	// At the level of single edits: the slips gain, an edit no finger makes does not.
	ops := []struct {
		op   Op
		gain bool
	}{
		{Op{Sub, 'o', 'k'}, true}, {Op{Sub, 'o', 'p'}, true}, {Op{Del, 'd', 'd'}, true}, {Op{Del, 'p', 'o'}, true},
		{Op{Ins, 's', 's'}, true}, {Op{Ins, 'o', 'i'}, true}, {Op{Trans, 'o', 's'}, true},
		{Op{Sub, 'o', 'z'}, false}, {Op{Sub, 'a', 'p'}, false}, {Op{Ins, 'o', 'z'}, false},
	}
	for _, tt := range ops {
		pNone, pSlip := none.Prob(tt.op), slip.Prob(tt.op)
		if tt.gain && !(pSlip > pNone) || !tt.gain && pSlip != pNone {
			t.Errorf("Prob(%v) = %g with Slip 1, %g without; want a gain: %v", tt.op, pSlip, pNone, tt.gain)
		}
	}
	// The doubled letter left out is the likelier slip than any other letter left out.
	if slip.Prob(Op{Del, 'd', 'd'})-none.Prob(Op{Del, 'd', 'd'}) <= slip.Prob(Op{Del, 'e', 'd'})-none.Prob(Op{Del, 'e', 'd'}) {
		t.Error("Slip adds no more to a dropped doubled letter than to another dropped letter")
	}

	letters := []rune("abcdefghijklmnopqrstuvwxyz")
	for _, kind := range []OpKind{Sub, Ins, Del, Trans} {
		for _, x := range letters {
			for _, y := range letters {
				op := Op{kind, x, y}
				if pNone, pSlip := none.Prob(op), slip.Prob(op); pSlip < min(pNone, maxEditProb) || pSlip > maxEditProb {
					t.Fatalf("Prob(%v) = %g with Slip 1, %g without: want in [min(%[3]g, cap), cap %g]", op, pSlip,
						pNone, maxEditProb)
				}
			}
		}
	}
}

func TestSlipNotForSpaceEdits(t *testing.T) {
	c := slipCounts()
	c.Add("ear ring", "earring", 2)
	c.Add("flowergirl", "flower girl", 2)
	none, slip := c.Model(Options{}), c.Model(Options{Slip: 1})
	const others = "abdeklopsr"
	for _, kind := range []OpKind{Sub, Ins, Del, Trans} {
		for _, r := range others {
			for _, op := range []Op{{kind, Space, r}, {kind, r, Space}} {
				if s := slip.Prob(op); s != none.Prob(op) {
					t.Errorf("Prob(%v) = %g with Slip 1, %g without: slip must not touch space edits", op, s,
						none.Prob(op))
				}
				if v := slipOf(op); v != 0 {
					t.Errorf("slip(%v) = %g, want 0", op, v)
				}
			}
		}
		if a, b := slip.SpaceLogProb(kind, 0.05), none.SpaceLogProb(kind, 0.05); a != b {
			t.Errorf("SpaceLogProb(%v) = %g with Slip 1, %g without", kind, a, b)
		}
	}
	if v := slipOf(Op{Ins, Space, Space}); v != 0 {
		t.Errorf("slip of a doubled space = %g, want 0", v)
	}
}

// TestSlipFar checks the far-key slips: with Options.Far a letter substituted or typed in far from the
// intended key gains probability, less than a given neighbour's and never past the cap; without it (the
// models made before it) nothing changes but the neighbours' slips.
func TestSlipFar(t *testing.T) {
	c := slipCounts()
	none, near, far := c.Model(Options{}), c.Model(Options{Slip: 1}), c.Model(Options{Slip: 1, Far: DefaultFar})
	tests := []struct {
		op      Op
		farGain bool // Far adds to it
	}{
		{Op{Sub, 'o', 'z'}, true}, {Op{Sub, 'a', 'p'}, true}, {Op{Ins, 'r', 'j'}, true}, {Op{Ins, 'o', 'z'}, true},
		{Op{Sub, 'o', 'p'}, false}, {Op{Ins, 'o', 'i'}, false}, {Op{Ins, 's', 's'}, false},
		{Op{Del, 'e', 'd'}, false}, {Op{Trans, 'o', 's'}, false},
		{Op{Ins, Start, 'z'}, false}, {Op{Sub, 'o', '7'}, false}, {Op{Sub, 'é', 'z'}, false},
	}
	for _, tt := range tests {
		pNear, pFar := near.Prob(tt.op), far.Prob(tt.op)
		if tt.farGain != (pFar > pNear) || pFar < pNear {
			t.Errorf("Prob(%v) = %g with Far, %g without; want a gain: %v", tt.op, pFar, pNear, tt.farGain)
		}
		if tt.farGain && near.Prob(tt.op) != none.Prob(tt.op) {
			t.Errorf("Prob(%v): a far key gains from the neighbours' prior (%g, %g without)", tt.op, near.Prob(tt.op),
				none.Prob(tt.op))
		}
	}
	// A far key is less likely than any given neighbour, for substitutions and insertions alike.
	for _, kind := range []OpKind{Sub, Ins} {
		for x := 'a'; x <= 'z'; x++ {
			for y := 'a'; y <= 'z'; y++ {
				if y == x || adjacent(x, y) {
					continue
				}
				for _, n := range neighbours[x] {
					if isLetter(n) && slip(kind, x, n, DefaultFar) <= slip(kind, x, y, DefaultFar) {
						t.Fatalf("slip(%v, %q, neighbour %q) = %g, not above the far key %q's %g", kind, x, n,
							slip(kind, x, n, DefaultFar), y, slip(kind, x, y, DefaultFar))
					}
				}
			}
		}
	}
	// "parjanoid" for "paranoid" (a j typed in far from r) no longer costs an edit nobody made.
	if a, b := far.LogProb("parjanoid", "paranoid"), near.LogProb("parjanoid", "paranoid"); !(a > b+2) {
		t.Errorf("LogProb(parjanoid, paranoid) = %.2f with Far, %.2f without: want at least 2 nats more", a, b)
	}
}

func slipOf(op Op) float64 { return slip(op.Kind, op.X, op.Y, DefaultFar) }

func TestModelOptionsRoundTrip(t *testing.T) {
	c := slipCounts()
	tests := []struct {
		in, want Options
	}{
		{Options{}, Options{Prior: 10}},
		{Options{Slip: 1}, Options{Prior: 10, Slip: 1}},
		{Options{Prior: 4, Slip: 0.5}, Options{Prior: 4, Slip: 0.5}},
		{Options{Prior: -1, Slip: DefaultSlip}, Options{Prior: 10, Slip: DefaultSlip}},
		{Options{Slip: DefaultSlip, Far: DefaultFar}, Options{Prior: 10, Slip: DefaultSlip, Far: DefaultFar}},
	}
	words := [][2]string{{"depksit", "deposit"}, {"edy", "eddy"}, {"jewlery", "jewelry"}, {"boz", "box"}}
	for _, tt := range tests {
		m := c.Model(tt.in)
		if got := m.Options(); got != tt.want {
			t.Errorf("Model(%+v).Options() = %+v, want %+v", tt.in, got, tt.want)
		}
		// Through JSON, as a bundle stores them: the same options, the same model.
		data, err := json.Marshal(m.Options())
		if err != nil {
			t.Fatal(err)
		}
		var back Options
		if err := json.Unmarshal(data, &back); err != nil {
			t.Fatal(err)
		}
		m2 := c.Model(back)
		if m2.Options() != m.Options() {
			t.Errorf("options %+v came back from %s as %+v", m.Options(), data, m2.Options())
		}
		for _, w := range words {
			if a, b := m.LogProb(w[0], w[1]), m2.LogProb(w[0], w[1]); a != b || math.IsNaN(a) {
				t.Errorf("options %+v: LogProb(%q, %q) = %g, %g after the round trip", tt.want, w[0], w[1], a, b)
			}
		}
	}
}
