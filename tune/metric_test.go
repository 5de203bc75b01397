package tune_test

import (
	"context"
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/spellwright/speller/eval"
	"github.com/spellwright/speller/tune"
)

func TestParseMetricRecall(t *testing.T) {
	for _, name := range []string{"recall", "Recall", "RECALL"} {
		m, err := tune.ParseMetric(name)
		if err != nil {
			t.Fatalf("ParseMetric(%q): %v", name, err)
		}
		if m.Name != "recall" || m.MaxFalseRate != 0 {
			t.Errorf("ParseMetric(%q) = %+v, want the recall metric without a cap", name, m)
		}
		// Recall alone: precision and accuracy do not count.
		for _, q := range []tune.Quality{
			{Precision: 0.1, Recall: 0.8, Accuracy: 0.2},
			{Precision: 1, Recall: 0.8, Accuracy: 0.9},
			{Precision: 0, Recall: 0, Accuracy: 1},
		} {
			if got := m.Of(q); got != q.Recall {
				t.Errorf("ParseMetric(%q).Of(%+v) = %v, want the recall %v", name, q, got, q.Recall)
			}
		}
	}
}

func TestMetricMaxFalseRate(t *testing.T) {
	q := func(falseRate float64) tune.Quality {
		return tune.Quality{Precision: 0.6, Recall: 0.75, Accuracy: 0.9, FalseRate: falseRate}
	}
	base := map[string]float64{
		"f1":       eval.FScore(0.6, 0.75, 1),
		"f0.5":     eval.FScore(0.6, 0.75, 0.5),
		"recall":   0.75,
		"accuracy": 0.9,
	}
	tests := []struct {
		name      string
		cap       float64
		falseRate float64
		excess    float64 // the rate above the cap, penalised
	}{
		{"no cap", 0, 0.5, 0},
		{"below the cap", 0.05, 0.02, 0},
		{"no false corrections", 0.05, 0, 0},
		{"at the cap", 0.05, 0.05, 0},
		{"above the cap", 0.05, 0.08, 0.03},
		{"far above the cap", 0.01, 0.51, 0.5},
		{"every correct example falsely corrected", 0.2, 1, 0.8},
	}
	for _, tt := range tests {
		for name, v := range base {
			m, err := tune.ParseMetric(name)
			if err != nil {
				t.Fatal(err)
			}
			m.MaxFalseRate = tt.cap
			want := v - tune.FalsePenalty*tt.excess
			if got := m.Of(q(tt.falseRate)); math.Abs(got-want) > 1e-9 {
				t.Errorf("%s: %s capped at %v, false rate %v: Of = %v, want %v", tt.name, name, tt.cap, tt.falseRate,
					got, want)
			}
		}
	}

	// A hundredth of the correct examples above the cap costs more than a metric in [0, 1] can gain.
	m, _ := tune.ParseMetric("recall")
	m.MaxFalseRate = 0.05
	atCap := m.Of(tune.Quality{Recall: 0.01, FalseRate: 0.05})
	over := m.Of(tune.Quality{Recall: 1, FalseRate: 0.0601})
	if !(over < atCap) {
		t.Errorf("recall 1 at false rate 0.0601 scores %v, recall 0.01 at the cap 0.05 %v: want the cap kept", over, atCap)
	}
}

func TestRunMaxFalseRateRange(t *testing.T) {
	// The option is checked before the bundle or the examples are looked at.
	for _, v := range []float64{-0.1, 1, 1.5, math.NaN(), math.Inf(1)} {
		_, err := tune.Run(context.Background(), nil, nil, tune.Options{MaxFalseRate: v})
		if err == nil || !strings.Contains(err.Error(), "max false-correction rate") {
			t.Errorf("MaxFalseRate %v: err %v, want a range error", v, err)
		}
	}
	if _, err := tune.Run(context.Background(), nil, nil, tune.Options{Metric: "recal"}); !errors.Is(err, tune.ErrMetric) {
		t.Errorf("metric \"recal\": err %v, want ErrMetric", err)
	}
}
