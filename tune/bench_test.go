package tune

import (
	"context"
	"testing"

	"github.com/spellwright/speller/spell"
)

// BenchmarkTune20k is the target of the package: 10-fold tuning of 20,000 examples (10,000 misspellings
// of the training lists, 10,000 correct words) on the default model, default budget. It needs ../shared.
func BenchmarkTune20k(b *testing.B) {
	ex := trainingExamples(b, 10000, 10000)
	bundle := defaultModel(b)
	b.ResetTimer()
	for b.Loop() {
		rep, err := Run(context.Background(), bundle, ex, Options{Seed: 1})
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(rep.Summary.Evals), "evals/op")
	}
}

// BenchmarkEvaluate measures one evaluation of the climb's objective on 18,000 examples, from the cache.
func BenchmarkEvaluate(b *testing.B) {
	ex := trainingExamples(b, 10000, 10000)
	t, err := newTuner(context.Background(), defaultModel(b), ex, spell.Options{}, 0, nil)
	if err != nil {
		b.Fatal(err)
	}
	train := complement(len(ex), Folds(len(ex), 10, 1)[0])
	p := defaultModel(b).Params
	b.ResetTimer()
	for b.Loop() {
		t.estimateTally(p, train)
	}
}
