package charlm

import (
	"math"
	"strings"
	"testing"
)

// words is a small vocabulary of English words.
var words = strings.Fields(`the of and to in is for on that by this with you it not or be are from at as
your all have new more an was we will home can us about if page my has search free but our one other do no
information time they site he up may what which their news out use any there see only so his when contact
here business who web also now help get view online first am been would how were me services some these
click its like service than find price date back top people had list name just over state year day into
email two health world next used go work last most products music buy data make them should product system
post her city add policy number such please available copyright support message after best software then
jelly jewelry deposit restore meaning eddy drake trucker gosling plane class county mile`)

func TestSurprise(t *testing.T) {
	m := New(words)
	for _, tc := range []struct {
		plausible, implausible string
	}{
		{"jelly", "jellqy"},
		{"restoril", "memczched"},
		{"deposit", "depqxzt"},
		{"makah", "xqzvk"},
	} {
		p, q := m.Surprise(tc.plausible), m.Surprise(tc.implausible)
		if !(p > q+3) {
			t.Errorf("Surprise(%q) = %.2f, Surprise(%q) = %.2f: want the first well above", tc.plausible, p,
				tc.implausible, q)
		}
	}
	// Over the vocabulary, the surprise averages 0: the mean is per symbol.
	var sum float64
	for _, w := range words {
		sum += m.Surprise(w)
	}
	if avg := sum / float64(len(words)); math.Abs(avg) > 1e-6*float64(len(words)) {
		t.Errorf("mean surprise over the vocabulary %.3f, want 0", avg)
	}
}

// TestDistribution: after every context, the probabilities of the next symbol sum to 1.
func TestDistribution(t *testing.T) {
	m := New(words)
	n := m.n
	for ab := range n * n {
		var s float64
		for c := range n {
			s += math.Exp(float64(m.lp[ab*n+c]))
		}
		if math.Abs(s-1) > 1e-5 {
			t.Fatalf("context %d: probabilities sum to %v", ab, s)
		}
	}
}

func TestAlphabet(t *testing.T) {
	m := New([]string{"aab", "café", "ab"})
	if got := m.Len(); got != 5 { // a b c f é
		t.Errorf("Len = %d, want 5", got)
	}
	if m.class('é') == classOther || m.class('z') != classOther || m.class('中') != classOther {
		t.Error("classes of known and unknown characters")
	}
	if lp := New(nil).LogProb("anything"); math.IsNaN(lp) || math.IsInf(lp, 0) {
		t.Errorf("an empty model gives %v", lp)
	}
}

func TestSurpriseZeroAllocs(t *testing.T) {
	m := New(words)
	if a := testing.AllocsPerRun(100, func() { m.Surprise("jewlery") }); a != 0 {
		t.Errorf("Surprise allocates %v times", a)
	}
}

func FuzzSurprise(f *testing.F) {
	m := New(words)
	for _, s := range []string{"", "jelly", "café", "\xff\xfe", "中文", strings.Repeat("z", 300)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if v := m.Surprise(s); math.IsNaN(v) || math.IsInf(v, 0) {
			t.Fatalf("Surprise(%q) = %v", s, v)
		}
	})
}

func BenchmarkNew(b *testing.B) {
	vocab := make([]string, 0, 100_000)
	for i := 0; len(vocab) < cap(vocab); i++ {
		vocab = append(vocab, words[i%len(words)]+words[(i/len(words))%len(words)])
	}
	b.ResetTimer()
	for b.Loop() {
		New(vocab)
	}
}

func BenchmarkSurprise(b *testing.B) {
	m := New(words)
	for b.Loop() {
		m.Surprise("memczched")
	}
}
