package train

import (
	"bytes"
	"context"
	"errors"
	"path/filepath"
	"testing"

	"github.com/spellwright/speller/logsum"
	"github.com/spellwright/speller/querylog"
	"github.com/spellwright/speller/simulate"
)

// TestAggregatesMerge: the sums of two logs written as aggregates directories, then read and merged, give the
// model and the examples of one run over both logs.
func TestAggregatesMerge(t *testing.T) {
	dir := t.TempDir()
	sim := simulate.Options{Sessions: 2000, GarbageRate: 0.02}
	sim.Seed = 3
	a, _, _ := simLog(t, t.TempDir(), sim, querylog.WriteOptions{RowGroupRows: 700})
	sim.Seed = 4
	b, _, _ := simLog(t, t.TempDir(), sim, querylog.WriteOptions{RowGroupRows: 700})
	opts := LogOptions{HoldOut: 0.1, MaxSkipped: 0.05, MaxExamples: 200, Partitions: 3}
	bundle := func(c *Counter) []byte {
		bu, err := c.Bundle(Options{BuildTime: fixedTime})
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		if _, err := bu.WriteTo(&buf); err != nil {
			t.Fatal(err)
		}
		return buf.Bytes()
	}

	var ex1 bytes.Buffer
	o := opts
	o.Examples = &ex1
	c := NewCounter()
	if _, err := c.AddLogs(context.Background(), []string{a, b}, o); err != nil {
		t.Fatal(err)
	}
	one := bundle(c)

	var dirs []string
	for i, log := range []string{a, b} {
		s, _, err := SumLogs(context.Background(), []string{log}, opts)
		if err != nil {
			t.Fatal(err)
		}
		d := filepath.Join(dir, string(rune('a'+i)))
		if err := s.WriteDir(d, 1+3*i); err != nil {
			t.Fatal(err)
		}
		dirs = append(dirs, d)
	}
	s, err := logsum.ReadDirs(dirs)
	if err != nil {
		t.Fatal(err)
	}
	var ex2 bytes.Buffer
	o.Examples = &ex2
	c = NewCounter()
	rep := &LogReport{}
	if err := c.AddSums(context.Background(), s, o, rep); err != nil {
		t.Fatal(err)
	}
	if rep.Read.SkippedRows() == 0 || rep.HeldOut.Sessions == 0 || rep.Pairs.KeptDistinct == 0 {
		t.Fatalf("no garbage, held-out session or pair: %+v", rep)
	}
	if !bytes.Equal(bundle(c), one) || ex1.String() != ex2.String() {
		t.Fatal("merged aggregates train another model, or other examples, than one run over both logs")
	}

	// Sums made with other rules do not merge.
	o = opts
	o.MinResults = 5
	other, _, err := SumLogs(context.Background(), []string{a}, o)
	if err != nil {
		t.Fatal(err)
	}
	if err := other.Merge(s); !errors.Is(err, logsum.ErrRulesDiffer) {
		t.Fatalf("merge of sums with other rules: %v", err)
	}
}
