// Package logsum holds the sums that training learns from a search log, and the one function that makes them
// from a session: per query its searches, its searches with results and its clean clicks; per mined pair
// (typed, intended query) how often it was mined; per correction the page showed, the shoppers' answers; the
// miner's counts; and what was read. They are plain sums: they merge associatively and commutatively, so any
// runner (the local trainer of package train, the Beam pipeline of the nested module beam/) computes them in
// parts, in any order, and adds them up, and yesterday's sums add to today's. Package train turns them into a
// model (Counter.AddSums); nothing here decides what is kept.
//
//	s := logsum.New(logsum.Rules{})
//	m := logsum.NewSummer(s)
//	mine.SortSession(searches); m.Session(logsum.Hash(sessionID), searches); m.Flush()
//
// The sums of a run are written as an aggregates directory (WriteDir, ReadDir; format.go has the format).
package logsum

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/spellwright/speller/internal/hashmix"
	"github.com/spellwright/speller/mine"
	"github.com/spellwright/speller/model"
	"github.com/spellwright/speller/querylog"
)

// Rules are the options that change what a session adds to the sums. Sums merge only when their rules are
// equal (after defaults), so they are recorded with the sums.
type Rules struct {
	// Mine holds the session rules: correction window and bot detection (see package mine).
	Mine mine.Options
	// MinResults is the fewest results of a search counted as good (QueryStat.Good); default 1, negative:
	// every search, including those whose result count is null.
	MinResults int64
	// HoldOut is the share of sessions set aside (by Hash of the session id, see HeldOut): they are summed
	// apart, in Sums.Held. In [0, 0.5].
	HoldOut float64
	// MaxQueryBytes is the reader's longest query (querylog.ReadOptions.MaxQueryBytes; default 1024).
	MaxQueryBytes int
}

// DefaultMaxQueryBytes is the default Rules.MaxQueryBytes, that of package querylog.
const DefaultMaxQueryBytes = 1024

// WithDefaults returns r with its zero fields set to their defaults.
func (r Rules) WithDefaults() Rules {
	r.Mine = r.Mine.WithDefaults()
	if r.MinResults == 0 {
		r.MinResults = 1
	}
	if r.MaxQueryBytes <= 0 {
		r.MaxQueryBytes = DefaultMaxQueryBytes
	}
	return r
}

// Check returns an error when r cannot be applied.
func (r Rules) Check() error {
	if !(r.HoldOut >= 0 && r.HoldOut <= 0.5) {
		return fmt.Errorf("logsum: held-out share %v: want a value in [0, 0.5]", r.HoldOut)
	}
	return nil
}

// ErrRulesDiffer is wrapped by the error of Merge when the sums were made with different rules.
var ErrRulesDiffer = errors.New("sums made with different rules")

// QueryStat counts the searches of one query.
type QueryStat struct {
	Searches int64 // searches (bots excluded)
	Good     int64 // searches with at least Rules.MinResults results
	Clean    int64 // clean clicks (see package mine)
}

// Counts are the sums of a set of sessions.
type Counts struct {
	Sessions int64                 // sessions mined (bots excluded)
	Queries  map[string]*QueryStat // by query as typed
	// Pairs counts the mined pairs by typed and intended query, as typed. Values are pointers, so that
	// counting never rewrites a key (see Summer).
	Pairs map[[2]string]*int64
	// Feedback counts the shoppers' answers per (query, correction shown), as typed and shown.
	Feedback map[[2]string]*model.FeedbackCount
}

func newCounts() Counts {
	return Counts{Queries: map[string]*QueryStat{}, Pairs: map[[2]string]*int64{}, Feedback: map[[2]string]*model.FeedbackCount{}}
}

// Input says what was read to make the sums.
type Input struct {
	Files []string         // the log files, in the order given
	Read  *querylog.Report // rows read, kept and skipped by reason
	// Digest is an order-independent digest of the rows kept: the sums of two hashes of each row (RowDigest).
	Digest [2]uint64
}

// Sums are the sums of a log (or of several).
type Sums struct {
	Rules  Rules      // with defaults
	Counts            // the sessions learnt from
	Held   Counts     // the held-out sessions (Rules.HoldOut)
	Mined  mine.Stats // the miner's counts, over all sessions
	Input  Input
}

// New returns empty sums made with rules.
func New(rules Rules) *Sums {
	return &Sums{Rules: rules.WithDefaults(), Counts: newCounts(), Held: newCounts(), Input: Input{Read: querylog.NewReport(0)}}
}

// AddInput adds what one reader read: its files, its report and the digest of its rows.
func (s *Sums) AddInput(files []string, read *querylog.Report, digest [2]uint64) {
	s.Input.Files = append(s.Input.Files, files...)
	s.Input.Read.Merge(read)
	s.Input.Digest[0] += digest[0]
	s.Input.Digest[1] += digest[1]
}

// Merge adds o to s and consumes o: s may keep o's counters, so o must not be used after. The strings of o may
// point into buffers the caller reuses: s keeps copies of the keys it did not have. It fails, changing
// nothing, when o was made with other rules.
func (s *Sums) Merge(o *Sums) error {
	if s.Rules != o.Rules {
		return fmt.Errorf("logsum: %w: %+v and %+v", ErrRulesDiffer, s.Rules, o.Rules)
	}
	s.Counts.merge(&o.Counts)
	s.Held.merge(&o.Held)
	s.Mined.Add(o.Mined)
	s.AddInput(o.Input.Files, o.Input.Read, o.Input.Digest)
	return nil
}

func (c *Counts) merge(o *Counts) {
	c.Sessions += o.Sessions
	for q, st := range o.Queries {
		if x := c.Queries[q]; x != nil {
			x.Searches += st.Searches
			x.Good += st.Good
			x.Clean += st.Clean
		} else {
			c.Queries[strings.Clone(q)] = st
		}
	}
	for k, n := range o.Pairs {
		if x := c.Pairs[k]; x != nil {
			*x += *n
		} else {
			c.Pairs[[2]string{strings.Clone(k[0]), strings.Clone(k[1])}] = n
		}
	}
	for k, n := range o.Feedback {
		if x := c.Feedback[k]; x != nil {
			x.Add(*n)
		} else {
			c.Feedback[[2]string{strings.Clone(k[0]), strings.Clone(k[1])}] = n
		}
	}
}

// Pruned counts what TopK dropped.
type Pruned struct {
	Queries  int64 // distinct queries
	Searches int64 // their searches
	Pairs    int64 // distinct pairs
	Feedback int64 // distinct corrections answered
}

// TopK keeps the k queries of most searches, the k most mined pairs and the k corrections shown most often,
// ties broken by key, and returns what it dropped: a deterministic cut of the full sums, the same whatever
// runner made them and in whatever order. Cost: a sort of each map that has more than k entries.
func (c *Counts) TopK(k int) Pruned {
	var p Pruned
	if len(c.Queries) > k {
		p.Queries, p.Searches = pruneMap(c.Queries, k, func(s *QueryStat) int64 { return s.Searches }, strings.Compare)
	}
	if len(c.Pairs) > k {
		p.Pairs, _ = pruneMap(c.Pairs, k, func(n *int64) int64 { return *n }, comparePair)
	}
	if len(c.Feedback) > k {
		p.Feedback, _ = pruneMap(c.Feedback, k, func(c *model.FeedbackCount) int64 { return int64(c.DidYouMean) + int64(c.AutoCorrect) }, comparePair)
	}
	return p
}

func comparePair(x, y [2]string) int {
	return cmp.Or(strings.Compare(x[0], y[0]), strings.Compare(x[1], y[1]))
}

// pruneMap deletes the len(m)−keep entries of m of least weight (ties: the least keys, by compare, go first,
// so that of equal weights the greatest keys are kept) and returns how many and their total weight.
func pruneMap[K comparable, V any](m map[K]V, keep int, weight func(V) int64, compare func(K, K) int) (int64, int64) {
	type kw struct {
		k K
		w int64
	}
	all := make([]kw, 0, len(m))
	for k, v := range m {
		all = append(all, kw{k, weight(v)})
	}
	slices.SortFunc(all, func(x, y kw) int { return cmp.Or(cmp.Compare(x.w, y.w), compare(x.k, y.k)) })
	var n, total int64
	for _, e := range all[:max(len(all)-keep, 0)] {
		delete(m, e.k)
		n++
		total += e.w
	}
	return n, total
}

// Hash is the fixed 64-bit hash of a session id that decides whether the session is held out (HeldOut) and, in
// the local trainer, its partition.
func Hash(s string) uint64 {
	h := uint64(len(s)) * 0x9e3779b97f4a7c15
	for len(s) >= 8 {
		w := uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
			uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
		h = (h ^ w) * 0xbf58476d1ce4e5b9
		h ^= h >> 29
		s = s[8:]
	}
	for i := 0; i < len(s); i++ {
		h = (h ^ uint64(s[i])) * 0x94d049bb133111eb
	}
	return hashmix.Mix(h)
}

// HeldOut reports whether the session whose id has Hash h is held out at share: the same sessions on every
// run.
func HeldOut(h uint64, share float64) bool {
	return share > 0 && float64(hashmix.Mix(h^0x6865_6c64_6f75_74)%1_000_000) < share*1_000_000
}

// RowDigest returns two independent 64-bit hashes of the content of r, whose session id has Hash h; their sums
// over the rows kept are Input.Digest.
func RowDigest(r *querylog.Row, h uint64) (uint64, uint64) {
	var res, clk uint64 // 0 for null, else value+1
	if r.HasResults {
		res = uint64(r.Results) + 1
	}
	if r.HasClicks {
		clk = uint64(r.Clicks) + 1
	}
	x := hashmix.Mix(h ^ hashmix.Mix(uint64(r.TS)^0x6a09e667f3bcc909) ^ hashmix.Mix(Hash(r.Query)+0x3c6ef372fe94f82b) ^
		hashmix.Mix(res<<1^0xbb67ae8584caa73b) ^ hashmix.Mix(clk^0xa54ff53a5f1d36f1))
	if Spelled(r) { // a log without the spell columns keeps its digest
		x = hashmix.Mix(x ^ Hash(r.SpellCorrection) ^ uint64(r.SpellAction)<<8 ^ uint64(r.SpellFeedback)<<16)
	}
	return x, hashmix.Mix(x ^ 0x510e527fade682d1)
}

// Spelled reports whether the page showed a correction for r: the only rows whose spell columns count.
func Spelled(r *querylog.Row) bool {
	return r.SpellCorrection != "" && r.SpellAction != querylog.ActionNone
}

// Search returns the search of row r as the miner sees it (null counts negative).
func Search(r *querylog.Row) mine.Search {
	s := mine.Search{TS: r.TS, Query: r.Query, Results: -1, Clicks: -1}
	if r.HasResults {
		s.Results = max(r.Results, 0)
	}
	if r.HasClicks {
		s.Clicks = max(r.Clicks, 0)
	}
	if Spelled(r) {
		s.Correction, s.Action, s.Feedback = r.SpellCorrection, uint8(r.SpellAction), uint8(r.SpellFeedback)
	}
	return s
}
