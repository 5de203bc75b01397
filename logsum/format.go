package logsum

import (
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/crc32"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/spellwright/speller/internal/binenc"
	"github.com/spellwright/speller/mine"
	"github.com/spellwright/speller/model"
)

// An aggregates directory holds the sums of a run, sharded so that a distributed runner writes them from
// many workers at once:
//
//	totals.agg                    rules, input (files, read report, digest), miner counts, sessions, shard count
//	sums-SSSSS-of-NNNNN.agg       the entries whose Key has ShardOf S (of N), sorted by Key
//
// Every file of a run carries the run's RunID, chosen once per run (WriteDir, the Beam pipeline's Build):
// the files of two runs written into one directory are never taken for one run.
//
// Every file (binenc numbers: uvarints, varints, little-endian fixed width, length-prefixed strings):
//
//	file    = magic "SPLRSUMS" uvarint(version) kind run rules body crc
//	kind    = 'T' (totals) | 'S' (shard)
//	run     = 16 bytes, the RunID of the run that wrote the file
//	rules   = uvarint(window ms) uvarint(max searches) uvarint(fast gap ms) uvarint(max fast gaps)
//	          varint(min results) float64(held-out share) uvarint(max query bytes)
//	totals  = uvarint(shards) uvarint(n) n×string(file)
//	          uvarint(files) uvarint(files failed) uvarint(row groups) uvarint(rows read) uvarint(rows kept)
//	          uvarint(rows unread) uvarint(n) n×(string(reason) uvarint(count)) uvarint(n) n×string(error)
//	          uvarint(errors dropped) uint64(digest 0) uint64(digest 1) 11×uvarint(mine.Stats, in field order)
//	          uvarint(sessions) uvarint(held-out sessions)
//	shard   = uvarint(index) uvarint(shards) uvarint(n) n×entry, keys strictly increasing
//	entry   = string(key) values: 3 for a query (searches, good, clean), 1 for a pair, 4 for answers
//	          (did you mean, accepted, auto-correct, rejected), uvarints
//	key     = kind byte ('q' query, 'p' pair, 'f' answers; upper case: of the held-out sessions)
//	          then the query, or uvarint(len(first)) first second
//	crc     = CRC-32 (Castagnoli) of every byte before it, uint32
//
// A directory is complete when totals.agg and its N shards, all of totals.agg's run, are there (a writer
// removes totals.agg first and writes it last). Several directories merge (ReadDirs) when their rules are
// equal.
//
// Versions:
//
//	1  the first
const (
	magic = "SPLRSUMS"
	// Version is the version of the format written.
	Version = 1

	kindTotals = 'T'
	kindShard  = 'S'

	// TotalsFile is the name of the totals file of an aggregates directory.
	TotalsFile = "totals.agg"
)

// RunID identifies the run that wrote the files of an aggregates directory.
type RunID [16]byte

// NewRunID returns a random RunID.
func NewRunID() RunID {
	var r RunID
	rand.Read(r[:]) // never fails
	return r
}

// String returns r in hexadecimal.
func (r RunID) String() string { return hex.EncodeToString(r[:]) }

// ShardName returns the name of shard i of n in an aggregates directory.
func ShardName(i, n int) string { return fmt.Sprintf("sums-%05d-of-%05d.agg", i, n) }

// Errors of the decoders, wrapped with the file and the position.
var (
	// ErrFormat: not an aggregates file, or one of an unknown version.
	ErrFormat = errors.New("not an aggregates file of a known version")
	// ErrCorrupt: the file is truncated or damaged (when a value is bad, binenc.ErrCorrupt is wrapped as well).
	ErrCorrupt = errors.New("corrupt or truncated aggregates file")
	// ErrIncomplete: a shard is missing, or a file belongs to another run.
	ErrIncomplete = errors.New("incomplete aggregates directory")
)

// Kinds of entry key, the first byte of Entry.Key. Those of the held-out sessions are the upper-case ones.
const (
	KeyQuery    byte = 'q'
	KeyPair     byte = 'p'
	KeyFeedback byte = 'f'
	heldBit     byte = 'a' - 'A'
)

// Value is the counts of one entry: for a query searches, good and clean (A, B, C); for a pair its count (A);
// for answers did-you-mean, accepted, auto-correct and rejected (A, B, C, D). Values add up (Plus).
type Value struct{ A, B, C, D int64 }

// Plus returns v + o.
func (v Value) Plus(o Value) Value { return Value{v.A + o.A, v.B + o.B, v.C + o.C, v.D + o.D} }

// Entry is one counter of the sums: the unit a distributed runner shuffles by Key and adds up.
type Entry struct {
	Key   string
	Value Value
}

// QueryKey, PairKey and FeedbackKey return the Keys of the entries of a query, a mined pair and the answers
// to a correction shown, of the held-out sessions when held.
func QueryKey(q string, held bool) string { return string(keyKind(KeyQuery, held)) + q }

// PairKey: see QueryKey.
func PairKey(typed, intended string, held bool) string {
	return pairKey(KeyPair, typed, intended, held)
}

// FeedbackKey: see QueryKey.
func FeedbackKey(query, shown string, held bool) string {
	return pairKey(KeyFeedback, query, shown, held)
}

func keyKind(k byte, held bool) byte {
	if held {
		return k - heldBit
	}
	return k
}

func pairKey(k byte, a, b string, held bool) string {
	buf := make([]byte, 0, 1+binary.MaxVarintLen64+len(a)+len(b))
	buf = append(buf, keyKind(k, held))
	buf = binary.AppendUvarint(buf, uint64(len(a)))
	return string(append(append(buf, a...), b...))
}

// parseKey splits a key into its kind (lower case), held flag and strings.
func parseKey(key string) (kind byte, held bool, a, b string, err error) {
	if key == "" {
		return 0, false, "", "", errors.New("empty key")
	}
	kind, rest := key[0], key[1:]
	if kind >= 'A' && kind <= 'Z' {
		kind, held = kind+heldBit, true
	}
	switch kind {
	case KeyQuery:
		return kind, held, rest, "", nil
	case KeyPair, KeyFeedback:
		n, w := binary.Uvarint([]byte(rest[:min(len(rest), binary.MaxVarintLen64)]))
		if w <= 0 || n > uint64(len(rest)-w) {
			return 0, false, "", "", fmt.Errorf("key %q: bad length", key)
		}
		return kind, held, rest[w : w+int(n)], rest[w+int(n):], nil
	}
	return 0, false, "", "", fmt.Errorf("key %q: unknown kind %q", key, key[0])
}

// nValues returns how many values an entry of kind stores.
func nValues(kind byte) int {
	switch kind {
	case KeyQuery:
		return 3
	case KeyPair:
		return 1
	}
	return 4
}

// ShardOf returns the shard of key among n: a fixed hash, the same for every writer.
func ShardOf(key string, n int) int { return int(Hash(key) % uint64(n)) }

// Entries calls fn with every entry of s, in no particular order.
func (s *Sums) Entries(fn func(Entry)) {
	for _, held := range []bool{false, true} {
		c := &s.Counts
		if held {
			c = &s.Held
		}
		for q, st := range c.Queries {
			fn(Entry{QueryKey(q, held), Value{st.Searches, st.Good, st.Clean, 0}})
		}
		for k, n := range c.Pairs {
			fn(Entry{PairKey(k[0], k[1], held), Value{A: *n}})
		}
		for k, f := range c.Feedback {
			fn(Entry{FeedbackKey(k[0], k[1], held), Value{int64(f.DidYouMean), int64(f.Accepted), int64(f.AutoCorrect), int64(f.Rejected)}})
		}
	}
}

// Add adds one entry to s (an entry of a key s has is summed with it).
func (s *Sums) Add(e Entry) error {
	kind, held, a, b, err := parseKey(e.Key)
	if err != nil {
		return fmt.Errorf("logsum: %w", err)
	}
	v := e.Value
	if v.A < 0 || v.B < 0 || v.C < 0 || v.D < 0 {
		return fmt.Errorf("logsum: key %q: negative count", e.Key)
	}
	c := &s.Counts
	if held {
		c = &s.Held
	}
	switch kind {
	case KeyQuery:
		if x := c.Queries[a]; x != nil {
			x.Searches, x.Good, x.Clean = x.Searches+v.A, x.Good+v.B, x.Clean+v.C
		} else {
			c.Queries[a] = &QueryStat{v.A, v.B, v.C}
		}
	case KeyPair:
		if x := c.Pairs[[2]string{a, b}]; x != nil {
			*x += v.A
		} else {
			c.Pairs[[2]string{a, b}] = new(v.A)
		}
	case KeyFeedback:
		f := model.FeedbackCount{DidYouMean: sat32(v.A), Accepted: sat32(v.B), AutoCorrect: sat32(v.C), Rejected: sat32(v.D)}
		if x := c.Feedback[[2]string{a, b}]; x != nil {
			x.Add(f)
		} else {
			c.Feedback[[2]string{a, b}] = &f
		}
	}
	return nil
}

func sat32(v int64) uint32 { return uint32(min(v, math.MaxUint32)) }

// header starts a file of kind of run with rules.
func header(kind byte, run RunID, r Rules) []byte {
	b := []byte(magic)
	b = binary.AppendUvarint(b, Version)
	b = append(b, kind)
	b = append(b, run[:]...)
	var e binenc.Encoder
	e.Uvarint(uint64(r.Mine.Window.Milliseconds()))
	e.Uvarint(uint64(r.Mine.MaxSearches))
	e.Uvarint(uint64(r.Mine.FastGap.Milliseconds()))
	e.Uvarint(uint64(r.Mine.MaxFastGaps))
	e.Uvarint(uint64(r.MinResults<<1) ^ uint64(r.MinResults>>63)) // zig-zag varint
	e.Float64(r.HoldOut)
	e.Uvarint(uint64(r.MaxQueryBytes))
	return append(b, e.Bytes()...)
}

var crcTable = crc32.MakeTable(crc32.Castagnoli)

func seal(b []byte) []byte { return binary.LittleEndian.AppendUint32(b, crc32.Checksum(b, crcTable)) }

// open checks the magic, version, kind and checksum of a file and returns its run, its rules and a decoder of
// its body.
func open(data []byte, kind byte) (run RunID, r Rules, d *binenc.Decoder, err error) {
	if len(data) < len(magic) || string(data[:len(magic)]) != magic {
		return run, r, nil, fmt.Errorf("%w: bad magic", ErrFormat)
	}
	v, n := binary.Uvarint(data[len(magic):])
	if n <= 0 {
		return run, r, nil, fmt.Errorf("%w: truncated header", ErrCorrupt)
	}
	if v != Version {
		return run, r, nil, fmt.Errorf("%w: version %d, this build reads %d", ErrFormat, v, Version)
	}
	off := len(magic) + n
	if len(data) < off+1+len(run)+4 {
		return run, r, nil, fmt.Errorf("%w: %d bytes", ErrCorrupt, len(data))
	}
	body, sum := data[:len(data)-4], binary.LittleEndian.Uint32(data[len(data)-4:])
	if crc32.Checksum(body, crcTable) != sum {
		return run, r, nil, fmt.Errorf("%w: checksum mismatch", ErrCorrupt)
	}
	if data[off] != kind {
		return run, r, nil, fmt.Errorf("%w: a file of kind %q, want %q", ErrFormat, data[off], kind)
	}
	off++
	copy(run[:], data[off:])
	d = binenc.NewDecoder(body[off+len(run):])
	window, searches, gap, gaps := d.Uvarint(), d.Uvarint(), d.Uvarint(), d.Uvarint()
	u := d.Uvarint()
	r.MinResults = int64(u>>1) ^ -int64(u&1)
	r.HoldOut = d.Float64()
	maxQuery := d.Uvarint()
	if err := d.Err(); err != nil {
		return run, r, nil, corrupt(err)
	}
	const maxMillis = uint64(math.MaxInt64 / time.Millisecond)
	if window > maxMillis || gap > maxMillis || searches > 1<<30 || gaps > 1<<30 || maxQuery > 1<<30 {
		return run, r, nil, fmt.Errorf("%w: rules out of range", ErrCorrupt)
	}
	r.Mine.Window, r.Mine.FastGap = time.Duration(window)*time.Millisecond, time.Duration(gap)*time.Millisecond
	r.Mine.MaxSearches, r.Mine.MaxFastGaps, r.MaxQueryBytes = int(searches), int(gaps), int(maxQuery)
	if r.WithDefaults() != r || r.Check() != nil {
		return run, r, nil, fmt.Errorf("%w: bad rules %+v", ErrCorrupt, r)
	}
	return run, r, d, nil
}

// corrupt wraps an error of a binenc.Decoder (which wraps binenc.ErrCorrupt) with ErrCorrupt, so that every
// error of a damaged file matches ErrCorrupt.
func corrupt(err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("%w: %w", ErrCorrupt, err)
}

// EncodeTotals returns the totals file of s written by run, whose entries are written in shards files.
func EncodeTotals(s *Sums, run RunID, shards int) []byte {
	var e binenc.Encoder
	e.Uvarint(uint64(shards))
	e.Uvarint(uint64(len(s.Input.Files)))
	for _, f := range s.Input.Files {
		e.String(f)
	}
	r := s.Input.Read
	for _, n := range []int64{r.Files, r.FilesFailed, r.RowGroups, r.RowsRead, r.RowsKept, r.RowsUnread} {
		e.Uvarint(uint64(n))
	}
	reasons := make([]string, 0, len(r.Skipped))
	for k := range r.Skipped {
		reasons = append(reasons, k)
	}
	slices.Sort(reasons)
	e.Uvarint(uint64(len(reasons)))
	for _, k := range reasons {
		e.String(k)
		e.Uvarint(uint64(r.Skipped[k]))
	}
	e.Uvarint(uint64(len(r.Errors)))
	for _, m := range r.Errors {
		e.String(m)
	}
	e.Uvarint(uint64(r.ErrorsDropped))
	e.Uint64(s.Input.Digest[0])
	e.Uint64(s.Input.Digest[1])
	for _, n := range statsFields(&s.Mined) {
		e.Uvarint(uint64(*n))
	}
	e.Uvarint(uint64(s.Sessions))
	e.Uvarint(uint64(s.Held.Sessions))
	return seal(append(header(kindTotals, run, s.Rules), e.Bytes()...))
}

func statsFields(s *mine.Stats) []*int64 {
	return []*int64{&s.Sessions, &s.Searches, &s.Bots, &s.BotSearches, &s.Candidates, &s.Repeats, &s.Corrections,
		&s.SplitMerges, &s.Refinements, &s.Unrelated, &s.CleanClicks}
}

// DecodeTotals decodes a totals file: sums without entries, the run that wrote it and the number of shards
// that hold the entries.
func DecodeTotals(data []byte) (s *Sums, run RunID, shards int, err error) {
	run, rules, d, err := open(data, kindTotals)
	if err != nil {
		return nil, run, 0, err
	}
	s = New(rules)
	n := d.Uvarint()
	if d.Err() == nil && (n == 0 || n > MaxShards) {
		d.Fail(fmt.Sprintf("shard count %d", n))
	}
	s.Input.Files = make([]string, d.Len(1))
	for i := range s.Input.Files {
		s.Input.Files[i] = d.String()
	}
	r := s.Input.Read
	count := func() int64 {
		v := d.Uvarint()
		if v > math.MaxInt64/4 {
			d.Fail("count out of range")
			return 0
		}
		return int64(v)
	}
	for _, n := range []*int64{&r.Files, &r.FilesFailed, &r.RowGroups, &r.RowsRead, &r.RowsKept, &r.RowsUnread} {
		*n = count()
	}
	last := ""
	for i, n := 0, d.Len(2); i < n; i++ {
		k := d.String()
		if d.Err() == nil && (k == "" || k <= last) {
			d.Fail("skip reasons not sorted")
		}
		last = k
		r.Skip(k, count())
	}
	for i, n := 0, d.Len(1); i < n; i++ {
		r.AddError(d.String())
	}
	r.ErrorsDropped += count()
	s.Input.Digest[0], s.Input.Digest[1] = d.Uint64(), d.Uint64()
	for _, n := range statsFields(&s.Mined) {
		*n = count()
	}
	s.Sessions, s.Held.Sessions = count(), count()
	if err := d.Finish(); err != nil {
		return nil, run, 0, corrupt(err)
	}
	return s, run, int(n), nil
}

// MaxShards is the largest shard count of an aggregates directory.
const MaxShards = 1 << 20

// Shard is the content of one shard file: the run that wrote it, the rules the sums were made with, the
// shard's index among Shards, and its entries (keys distinct, each of this shard).
type Shard struct {
	Run     RunID
	Rules   Rules
	Index   int
	Shards  int
	Entries []Entry
}

// EncodeShard returns the shard file of sh. It sorts sh.Entries by key.
func EncodeShard(sh Shard) ([]byte, error) {
	if sh.Shards <= 0 || sh.Shards > MaxShards || sh.Index < 0 || sh.Index >= sh.Shards {
		return nil, fmt.Errorf("logsum: shard %d of %d", sh.Index, sh.Shards)
	}
	entries := sh.Entries
	slices.SortFunc(entries, func(a, b Entry) int { return strings.Compare(a.Key, b.Key) })
	var e binenc.Encoder
	e.Uvarint(uint64(sh.Index))
	e.Uvarint(uint64(sh.Shards))
	e.Uvarint(uint64(len(entries)))
	for i, x := range entries {
		if i > 0 && x.Key == entries[i-1].Key {
			return nil, fmt.Errorf("logsum: shard %d: key %q twice", sh.Index, x.Key)
		}
		if ShardOf(x.Key, sh.Shards) != sh.Index {
			return nil, fmt.Errorf("logsum: key %q belongs to shard %d, not %d", x.Key, ShardOf(x.Key, sh.Shards), sh.Index)
		}
		kind, _, _, _, err := parseKey(x.Key)
		if err != nil {
			return nil, fmt.Errorf("logsum: %w", err)
		}
		e.String(x.Key)
		v := [4]int64{x.Value.A, x.Value.B, x.Value.C, x.Value.D}
		for _, n := range v[:nValues(kind)] {
			if n < 0 {
				return nil, fmt.Errorf("logsum: key %q: negative count", x.Key)
			}
			e.Uvarint(uint64(n))
		}
	}
	return seal(append(header(kindShard, sh.Run, sh.Rules.WithDefaults()), e.Bytes()...)), nil
}

// DecodeShard decodes a shard file (its entries' keys increasing).
func DecodeShard(data []byte) (Shard, error) {
	var sh Shard
	run, rules, d, err := open(data, kindShard)
	if err != nil {
		return sh, err
	}
	i, n := d.Uvarint(), d.Uvarint()
	if d.Err() == nil && (n == 0 || n > MaxShards || i >= n) {
		d.Fail(fmt.Sprintf("shard %d of %d", i, n))
	}
	entries := make([]Entry, d.Len(2))
	for j := range entries {
		key := d.String()
		if d.Err() != nil {
			break
		}
		kind, _, _, _, kerr := parseKey(key)
		switch {
		case kerr != nil:
			d.Fail(kerr.Error())
		case j > 0 && key <= entries[j-1].Key:
			d.Fail("keys not increasing")
		case ShardOf(key, int(n)) != int(i):
			d.Fail(fmt.Sprintf("key %q of another shard", key))
		}
		var v [4]int64
		for k := range nValues(kind) {
			u := d.Uvarint()
			if u > math.MaxInt64/4 {
				d.Fail("count out of range")
			}
			v[k] = int64(u)
		}
		entries[j] = Entry{key, Value{v[0], v[1], v[2], v[3]}}
	}
	if err := d.Finish(); err != nil {
		return sh, corrupt(err)
	}
	return Shard{Run: run, Rules: rules, Index: int(i), Shards: int(n), Entries: entries}, nil
}

// WriteDir writes s as an aggregates directory of shards shards, with a new RunID (the directory is created if
// need be). It first removes totals.agg, then the shards and temporary files of an earlier run (of any shard
// count), and writes totals.agg last: an interrupted rewrite does not look complete.
func (s *Sums) WriteDir(dir string, shards int) error {
	if shards <= 0 || shards > MaxShards {
		return fmt.Errorf("logsum: %d shards", shards)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("logsum: %w", err)
	}
	if err := removeRun(dir); err != nil {
		return err
	}
	run := NewRunID()
	parts := make([][]Entry, shards)
	s.Entries(func(e Entry) {
		i := ShardOf(e.Key, shards)
		parts[i] = append(parts[i], e)
	})
	for i, p := range parts {
		b, err := EncodeShard(Shard{Run: run, Rules: s.Rules, Index: i, Shards: shards, Entries: p})
		if err != nil {
			return err
		}
		if err := writeFile(filepath.Join(dir, ShardName(i, shards)), b); err != nil {
			return err
		}
		parts[i] = nil
	}
	return writeFile(filepath.Join(dir, TotalsFile), EncodeTotals(s, run, shards))
}

// removeRun removes the files of an aggregates directory, totals.agg first, and the temporary files of its
// writers; the directory's other files stay.
func removeRun(dir string) error {
	if err := os.Remove(filepath.Join(dir, TotalsFile)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("logsum: %w", err)
	}
	var stale []string
	for _, pat := range []string{"sums-*-of-*.agg", "sums-*-of-*.agg.tmp", TotalsFile + ".tmp"} {
		m, err := filepath.Glob(filepath.Join(dir, pat))
		if err != nil {
			return fmt.Errorf("logsum: %w", err)
		}
		stale = append(stale, m...)
	}
	for _, p := range stale {
		if err := os.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("logsum: %w", err)
		}
	}
	return nil
}

// writeFile writes b to path through a temporary file renamed into place.
func writeFile(path string, b []byte) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, b, 0o644); err != nil {
		return fmt.Errorf("logsum: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("logsum: %w", err)
	}
	return nil
}

// ReadDir reads an aggregates directory: totals.agg and the shards it counts, which must be of its run. Errors
// name the file and wrap ErrFormat, ErrCorrupt or ErrIncomplete (a missing file, or one of another run).
func ReadDir(dir string) (*Sums, error) {
	path := filepath.Join(dir, TotalsFile)
	data, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("logsum: %s: %w: no %s (not an aggregates directory, or its writer did not finish)", dir, ErrIncomplete, TotalsFile)
		}
		return nil, fmt.Errorf("logsum: %w", err)
	}
	s, run, shards, err := DecodeTotals(data)
	if err != nil {
		return nil, fmt.Errorf("logsum: read %s: %w", path, err)
	}
	for i := range shards {
		path := filepath.Join(dir, ShardName(i, shards))
		data, err := os.ReadFile(path)
		if err != nil {
			if errors.Is(err, os.ErrNotExist) {
				return nil, fmt.Errorf("logsum: %s: %w: shard %d of %d is missing", dir, ErrIncomplete, i, shards)
			}
			return nil, fmt.Errorf("logsum: %w", err)
		}
		sh, err := DecodeShard(data)
		if err != nil {
			return nil, fmt.Errorf("logsum: read %s: %w", path, err)
		}
		if sh.Run != run {
			return nil, fmt.Errorf("logsum: read %s: %w: a shard of run %s, but %s is of run %s (files of two runs: write the directory again)",
				path, ErrIncomplete, sh.Run, TotalsFile, run)
		}
		if sh.Rules != s.Rules || sh.Index != i || sh.Shards != shards {
			return nil, fmt.Errorf("logsum: read %s: %w: shard %d of %d with rules %+v, in a directory of %d shards with rules %+v",
				path, ErrIncomplete, sh.Index, sh.Shards, sh.Rules, shards, s.Rules)
		}
		for _, e := range sh.Entries {
			if err := s.Add(e); err != nil {
				return nil, fmt.Errorf("logsum: read %s: %w", path, err)
			}
		}
	}
	return s, nil
}

// ReadDirs reads several aggregates directories and merges them, in the order given (their input files are
// listed in that order). Their rules must be equal, and their inputs distinct (see Disjoint): a directory
// given twice, or two that summed a log file in common, is an error wrapping ErrDuplicateInput.
func ReadDirs(dirs []string) (*Sums, error) {
	if len(dirs) == 0 {
		return nil, errors.New("logsum: no aggregates directory")
	}
	seen := map[string]string{}
	for _, dir := range dirs {
		abs, err := filepath.Abs(dir)
		if err != nil {
			return nil, fmt.Errorf("logsum: %w", err)
		}
		if first, ok := seen[abs]; ok {
			return nil, fmt.Errorf("logsum: %w: aggregates directory %s given twice (as %s and %s)", ErrDuplicateInput, abs, first, dir)
		}
		seen[abs] = dir
	}
	var all *Sums
	for _, dir := range dirs {
		s, err := ReadDir(dir)
		if err != nil {
			return nil, err
		}
		if all == nil {
			all = s
			continue
		}
		if err := Disjoint(all, s); err != nil {
			return nil, fmt.Errorf("logsum: %s and the directories before it: %w", dir, err)
		}
		if err := all.Merge(s); err != nil {
			return nil, fmt.Errorf("logsum: merge %s: %w", dir, err)
		}
	}
	return all, nil
}

// ErrDuplicateInput is wrapped by the errors of Disjoint and ReadDirs: merged, the sums would count rows twice.
var ErrDuplicateInput = errors.New("the same input twice")

// Disjoint returns an error wrapping ErrDuplicateInput when the sums a and b, about to be merged, name a log
// file in common (Input.Files, as their runs named them) or have the same digest of rows kept (rows kept at all):
// the same log summed twice. It cannot see a file named differently by two runs (a relative and an absolute
// path) whose digests are hidden in those of other files.
func Disjoint(a, b *Sums) error {
	files := make(map[string]bool, len(a.Input.Files))
	for _, f := range a.Input.Files {
		files[cleanName(f)] = true
	}
	for _, f := range b.Input.Files {
		if files[cleanName(f)] {
			return fmt.Errorf("%w: log file %s summed in both", ErrDuplicateInput, f)
		}
	}
	if a.Input.Read.RowsKept > 0 && b.Input.Read.RowsKept == a.Input.Read.RowsKept && a.Input.Digest == b.Input.Digest {
		return fmt.Errorf("%w: the same %d rows (digest %016x%016x) summed in both", ErrDuplicateInput, a.Input.Read.RowsKept,
			a.Input.Digest[0], a.Input.Digest[1])
	}
	return nil
}

// cleanName returns a log file's name as Disjoint compares it: a local path cleaned, a URL as it is.
func cleanName(f string) string {
	if strings.Contains(f, "://") {
		return f
	}
	return filepath.Clean(f)
}
