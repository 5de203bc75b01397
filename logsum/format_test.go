package logsum

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/spellwright/speller/mine"
	"github.com/spellwright/speller/model"
	"github.com/spellwright/speller/querylog"
)

// sample returns sums with every kind of entry, held-out ones included.
func sample() *Sums {
	s := New(Rules{HoldOut: 0.1, Mine: mine.Options{Window: 3 * time.Minute}})
	s.Queries["jewlery"] = &QueryStat{5, 4, 0}
	s.Queries["jewelry box"] = &QueryStat{9, 9, 3}
	s.Queries[""] = &QueryStat{1, 0, 0}
	s.Pairs[[2]string{"jewlery", "jewelry"}] = new(int64(4))
	s.Feedback[[2]string{"dres", "dress"}] = &model.FeedbackCount{DidYouMean: 3, Accepted: 2, AutoCorrect: 1, Rejected: 1}
	s.Held.Queries["ear ring"] = &QueryStat{2, 2, 1}
	s.Held.Pairs[[2]string{"ear ring", "earring"}] = new(int64(1))
	s.Sessions, s.Held.Sessions = 7, 1
	s.Mined = mine.Stats{Sessions: 9, Searches: 30, Bots: 1, BotSearches: 12, Candidates: 5, Corrections: 2, CleanClicks: 3}
	rep := querylog.NewReport(0)
	rep.Files, rep.RowGroups, rep.RowsRead, rep.RowsKept, rep.RowsUnread = 1, 2, 45, 42, 10
	rep.Skip(querylog.SkipEmptyQuery, 3)
	rep.Skip(querylog.SkipUnreadableRowGroup, 1)
	rep.AddError("row group 1: bad page")
	s.AddInput([]string{"a.parquet"}, rep, [2]uint64{1 << 63, 12345})
	return s
}

func TestDirRoundTrip(t *testing.T) {
	for _, shards := range []int{1, 3, 16} {
		dir := filepath.Join(t.TempDir(), "agg")
		want := sample()
		if err := want.WriteDir(dir, shards); err != nil {
			t.Fatal(err)
		}
		got, err := ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, sample()) {
			t.Fatalf("%d shards: read\n%+v\nwant\n%+v", shards, got, sample())
		}
	}
}

// TestMergeAssociative: the sums of parts, merged in any order, are the sums of the whole.
func TestMergeAssociative(t *testing.T) {
	a, b := sample(), sample()
	b.Input.Files = []string{"b.parquet"}
	if err := a.Merge(b); err != nil {
		t.Fatal(err)
	}
	if got := *a.Queries["jewelry box"]; got != (QueryStat{18, 18, 6}) {
		t.Errorf("merged query stat %+v", got)
	}
	if *a.Pairs[[2]string{"jewlery", "jewelry"}] != 8 || a.Feedback[[2]string{"dres", "dress"}].Accepted != 4 {
		t.Errorf("merged pair or answers wrong")
	}
	if a.Mined.Searches != 60 || a.Sessions != 14 || a.Held.Sessions != 2 || a.Input.Read.RowsKept != 84 ||
		a.Input.Digest != [2]uint64{0, 24690} || !reflect.DeepEqual(a.Input.Files, []string{"a.parquet", "b.parquet"}) {
		t.Errorf("merged totals wrong: %+v %+v", a.Mined, a.Input)
	}
	other := New(Rules{HoldOut: 0.2})
	if err := a.Merge(other); !errors.Is(err, ErrRulesDiffer) {
		t.Errorf("merge of other rules: %v, want ErrRulesDiffer", err)
	}
}

func TestTopK(t *testing.T) {
	s := sample()
	p := s.Counts.TopK(2)
	if p.Queries != 1 || p.Searches != 1 || s.Queries[""] != nil || len(s.Queries) != 2 {
		t.Errorf("TopK(2) dropped %+v, left %v", p, s.Queries)
	}
}

func TestReadDirErrors(t *testing.T) {
	write := func(t *testing.T) string {
		dir := t.TempDir()
		if err := sample().WriteDir(dir, 3); err != nil {
			t.Fatal(err)
		}
		return dir
	}
	tests := []struct {
		name   string
		break_ func(dir string) error
		want   error
	}{
		{"no totals", func(dir string) error { return os.Remove(filepath.Join(dir, TotalsFile)) }, ErrIncomplete},
		{"missing shard", func(dir string) error { return os.Remove(filepath.Join(dir, ShardName(1, 3))) }, ErrIncomplete},
		{"truncated shard", func(dir string) error {
			p := filepath.Join(dir, ShardName(0, 3))
			b, _ := os.ReadFile(p)
			return os.WriteFile(p, b[:len(b)-5], 0o644)
		}, ErrCorrupt},
		{"flipped byte", func(dir string) error {
			p := filepath.Join(dir, TotalsFile)
			b, _ := os.ReadFile(p)
			b[len(b)/2] ^= 0x40
			return os.WriteFile(p, b, 0o644)
		}, ErrCorrupt},
		{"not an aggregates file", func(dir string) error {
			return os.WriteFile(filepath.Join(dir, TotalsFile), []byte("PAR1 not this"), 0o644)
		}, ErrFormat},
		{"shard of other rules", func(dir string) error {
			_, run, _, err := readTotals(dir)
			if err != nil {
				return err
			}
			b, err := EncodeShard(Shard{Run: run, Rules: Rules{HoldOut: 0.3}, Index: 2, Shards: 3})
			if err != nil {
				return err
			}
			return os.WriteFile(filepath.Join(dir, ShardName(2, 3)), b, 0o644)
		}, ErrIncomplete},
		// A re-run into the same directory with the same shard count that stopped midway: the old totals
		// with one shard of the new run.
		{"shard of another run", func(dir string) error {
			other := t.TempDir()
			s := sample()
			s.Queries["dress"] = &QueryStat{1, 1, 1}
			if err := s.WriteDir(other, 3); err != nil {
				return err
			}
			b, err := os.ReadFile(filepath.Join(other, ShardName(1, 3)))
			if err != nil {
				return err
			}
			return os.WriteFile(filepath.Join(dir, ShardName(1, 3)), b, 0o644)
		}, ErrIncomplete},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := write(t)
			if err := tt.break_(dir); err != nil {
				t.Fatal(err)
			}
			_, err := ReadDir(dir)
			if !errors.Is(err, tt.want) {
				t.Fatalf("ReadDir: %v, want %v", err, tt.want)
			}
			if tt.want != ErrIncomplete && !strings.Contains(err.Error(), dir) {
				t.Errorf("error %q does not name the file", err)
			}
		})
	}
}

func TestEncodeShardRefuses(t *testing.T) {
	k := QueryKey("dress", false)
	n := ShardOf(k, 4)
	for _, entries := range [][]Entry{
		{{k, Value{A: 1}}, {k, Value{A: 2}}},               // twice
		{{k, Value{A: -1}}},                                // negative
		{{"z bad", Value{A: 1}}},                           // unknown kind
		{{PairKey("a", "b", false)[:1] + "\xff", Value{}}}, // bad length
	} {
		if _, err := EncodeShard(Shard{Index: ShardOf(entries[0].Key, 4), Shards: 4, Entries: entries}); err == nil {
			t.Errorf("EncodeShard(%+v) succeeded", entries)
		}
	}
	if _, err := EncodeShard(Shard{Index: (n + 1) % 4, Shards: 4, Entries: []Entry{{k, Value{A: 1}}}}); err == nil {
		t.Error("EncodeShard accepted a key of another shard")
	}
	if _, err := EncodeShard(Shard{Index: 4, Shards: 4}); err == nil {
		t.Error("EncodeShard accepted shard 4 of 4")
	}
}

func TestKeys(t *testing.T) {
	for _, tt := range []struct {
		key  string
		kind byte
		held bool
		a, b string
	}{
		{QueryKey("jewlery box", false), KeyQuery, false, "jewlery box", ""},
		{QueryKey("", true), KeyQuery, true, "", ""},
		{PairKey("ear ring", "earring", false), KeyPair, false, "ear ring", "earring"},
		{FeedbackKey("a\x00b", "", true), KeyFeedback, true, "a\x00b", ""},
	} {
		kind, held, a, b, err := parseKey(tt.key)
		if err != nil || kind != tt.kind || held != tt.held || a != tt.a || b != tt.b {
			t.Errorf("parseKey(%q) = %c %v %q %q %v", tt.key, kind, held, a, b, err)
		}
	}
}

// FuzzDecodeShard: the shard decoder never panics, the errors it returns wrap ErrFormat or ErrCorrupt, and what
// it accepts is a fixed point after one round: encoded and decoded again it gives the same shard, and the
// re-encoding is stable. (The input bytes themselves need not come back: a uvarint may be over-long.)
func FuzzDecodeShard(f *testing.F) {
	s := sample()
	var entries []Entry
	s.Entries(func(e Entry) {
		if ShardOf(e.Key, 2) == 1 {
			entries = append(entries, e)
		}
	})
	b, err := EncodeShard(Shard{Run: NewRunID(), Rules: s.Rules, Index: 1, Shards: 2, Entries: entries})
	if err != nil {
		f.Fatal(err)
	}
	f.Add(b)
	f.Add(b[:len(b)-1])
	f.Add(b[:20])
	f.Add([]byte(magic))
	f.Fuzz(func(t *testing.T, data []byte) {
		data = resealed(data)
		sh, err := DecodeShard(data)
		if err != nil {
			checkSentinel(t, err)
			return
		}
		again := sh
		again.Entries = slices.Clone(sh.Entries)
		b1, err := EncodeShard(again)
		if err != nil {
			t.Fatalf("re-encoding %d entries: %v", len(sh.Entries), err)
		}
		sh2, err := DecodeShard(b1)
		if err != nil || !reflect.DeepEqual(sh2, sh) {
			t.Fatalf("decoding the re-encoding: %v, or another shard", err)
		}
		b2, err := EncodeShard(sh2)
		if err != nil || !bytes.Equal(b2, b1) {
			t.Fatalf("encoding is not stable: %v", err)
		}
	})
}

// FuzzDecodeTotals: the totals decoder never panics, the errors it returns wrap ErrFormat or ErrCorrupt, and
// what it accepts is a fixed point after one round (see FuzzDecodeShard).
func FuzzDecodeTotals(f *testing.F) {
	b := EncodeTotals(sample(), NewRunID(), 4)
	f.Add(b)
	f.Add(b[:len(b)-1])
	f.Add(b[:30])
	f.Add(EncodeTotals(New(Rules{}), RunID{}, 1))
	f.Fuzz(func(t *testing.T, data []byte) {
		data = resealed(data)
		s, run, n, err := DecodeTotals(data)
		if err != nil {
			checkSentinel(t, err)
			return
		}
		b1 := EncodeTotals(s, run, n)
		s2, run2, n2, err := DecodeTotals(b1)
		if err != nil || run2 != run || n2 != n || !reflect.DeepEqual(s2, s) {
			t.Fatalf("decoding the re-encoding: %v, or other totals", err)
		}
		if b2 := EncodeTotals(s2, run2, n2); !bytes.Equal(b2, b1) {
			t.Fatal("encoding is not stable")
		}
	})
}

// checkSentinel fails t unless err wraps ErrFormat or ErrCorrupt.
func checkSentinel(t *testing.T, err error) {
	t.Helper()
	if !errors.Is(err, ErrFormat) && !errors.Is(err, ErrCorrupt) {
		t.Fatalf("error %v wraps neither ErrFormat nor ErrCorrupt", err)
	}
}

// resealed returns data with its last 4 bytes replaced by the checksum of the others, so that fuzzing reaches
// the decoding of the body; the checksum itself is tested in TestReadDirErrors.
func resealed(data []byte) []byte {
	if len(data) < 4 {
		return data
	}
	return seal(append([]byte(nil), data[:len(data)-4]...))
}

// TestFixturesLoad: the directory written by each version of the format (testdata/vN, written by
// TestDirRoundTrip's sample with 2 shards) still loads, to the same sums. -update rewrites that of the
// current version only.
func TestFixturesLoad(t *testing.T) {
	if *update {
		dir := filepath.Join("testdata", fmt.Sprintf("v%d", Version))
		os.RemoveAll(dir)
		if err := sample().WriteDir(dir, 2); err != nil {
			t.Fatal(err)
		}
	}
	for v := 1; v <= Version; v++ {
		dir := filepath.Join("testdata", fmt.Sprintf("v%d", v))
		got, err := ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, sample()) {
			t.Fatalf("%s reads as\n%+v\nwant\n%+v", dir, got, sample())
		}
	}
}

// TestWriteDirReplaces: WriteDir into the directory of an earlier run removes its shards (of another count)
// and temporary files, and keeps other files.
func TestWriteDirReplaces(t *testing.T) {
	dir := t.TempDir()
	if err := sample().WriteDir(dir, 5); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{ShardName(0, 2) + ".tmp", TotalsFile + ".tmp", "notes.txt"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := sample().WriteDir(dir, 2); err != nil {
		t.Fatal(err)
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	want := []string{"notes.txt", ShardName(0, 2), ShardName(1, 2), TotalsFile}
	if !slices.Equal(names, want) {
		t.Fatalf("directory holds %v, want %v", names, want)
	}
	if _, err := ReadDir(dir); err != nil {
		t.Fatal(err)
	}
}

// readTotals reads the totals file of dir.
func readTotals(dir string) (*Sums, RunID, int, error) {
	b, err := os.ReadFile(filepath.Join(dir, TotalsFile))
	if err != nil {
		return nil, RunID{}, 0, err
	}
	return DecodeTotals(b)
}

var update = flag.Bool("update", false, "rewrite the fixture of the current version, testdata/v{Version}")
