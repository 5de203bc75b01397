// Package mine finds spelling corrections in search sessions: a search followed soon, in the same session, by
// a similar search that led to a click. It holds the rules only, with no I/O; the trainer (package train)
// reads the logs, groups the searches by session and aggregates what is found here.
//
//	m := mine.NewMiner(mine.Options{})
//	c := m.Compare("jewlery box", "jewelry box") // c.Kind == mine.Correction, c.Tokens == [{jewlery jewelry}]
//	m.Session(searches, func(c *mine.Comparison) { /* count c */ }, func(i int) { /* searches[i]: clean click */ })
//
// # Rules
//
// Sessions. The searches of one session, sorted by time. A session is a bot, and is skipped whole, when it has
// more than Options.MaxSearches searches, or when at least Options.MaxFastGaps of the gaps between its
// searches are shorter than Options.FastGap and they are at least half of its gaps.
//
// Candidates. Two consecutive searches a, b of a session, b at most Options.Window after a, where b led to a
// click (Clicks > 0). a is the typed query, b the intended one.
//
// Comparison. Both queries are tokenized and normalized (package tokenize: NFKC and case folding; the
// normalized query is its tokens joined by single spaces), then classified:
//
//   - Same: the same tokens. A repeated search, or one that only changed case, spacing or punctuation, is
//     not a correction.
//   - Correction: the same number of tokens; every changed token is a word on both sides (a changed
//     number, size or URL is a reformulation) and is within OSA distance 2 of the intended token, 3 when the
//     intended token has at least 8 runes; and the whole normalized queries are within Levenshtein distance
//     max(2, n/3), n the rune length of the longer one. The changed tokens are the token pairs.
//   - SplitMerge: one side has one token more, two adjacent tokens of it concatenated are a token of the
//     other side, and every other token is unchanged ("ear ring" → "earring", "flowergirl" → "flower
//     girl").
//   - Refinement: one side is the other with one whole token added or removed ("dress" → "red dress").
//   - Unrelated: anything else, including a Correction that breaks a distance bound.
//
// Real words. A search that replaces a common word by another common word is a reformulation, not a
// correction ("shoe" → "shoes", "cat bed" → "dog bed" when both are frequent). It cannot be told from one
// session; the trainer applies [Plausible] to the aggregated counts: a token pair is kept only when the
// typed token is rare in searches that returned results, or much rarer than the intended token.
//
// Clean clicks. A search that led to a click and was not followed within the window by a similar search
// (Correction, SplitMerge or Refinement) is a clean click: evidence that the query is correct as typed.
package mine

import (
	"cmp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/agnivade/levenshtein"
	"github.com/spellwright/speller/internal/editdist"
	"github.com/spellwright/speller/tokenize"
)

// Options configure a Miner. The zero value works; zero fields take the defaults below.
type Options struct {
	// Window is the longest gap between a search and its correction (default 5 minutes).
	Window time.Duration
	// MaxSearches is the most searches a person makes in a session; a session with more is a bot
	// (default 50).
	MaxSearches int
	// FastGap and MaxFastGaps: a session with at least MaxFastGaps gaps shorter than FastGap, making up at
	// least half of its gaps, is a bot (defaults 1 s and 5).
	FastGap     time.Duration
	MaxFastGaps int
}

// Defaults of Options.
const (
	DefaultWindow      = 5 * time.Minute
	DefaultMaxSearches = 50
	DefaultFastGap     = time.Second
	DefaultMaxFastGaps = 5
)

// WithDefaults returns o with its zero fields set to the defaults: the rules a Miner with o applies.
func (o Options) WithDefaults() Options { return o.withDefaults() }

func (o Options) withDefaults() Options {
	if o.Window <= 0 {
		o.Window = DefaultWindow
	}
	if o.MaxSearches <= 0 {
		o.MaxSearches = DefaultMaxSearches
	}
	if o.FastGap <= 0 {
		o.FastGap = DefaultFastGap
	}
	if o.MaxFastGaps <= 0 {
		o.MaxFastGaps = DefaultMaxFastGaps
	}
	return o
}

// Search is one search of a session.
type Search struct {
	TS     int64  // Unix milliseconds
	Query  string // as typed
	Clicks int64  // listing clicks that came from the search (0 or negative when unknown)
	// The rules do not read the fields below; they ride along for the caller (package logsum counts them) and
	// make the order of a session total (Order).
	Results    int64  // results of the search (negative when unknown)
	Correction string // the correction the page showed ("" when none)
	Action     uint8  // how the page showed it (querylog.SpellAction)
	Feedback   uint8  // what the shopper did with it (querylog.SpellFeedback)
}

// Order is the order of the searches of a session that Session expects: by time, then by every other field,
// so that it is total and a session gives the same mining whatever order its rows arrived in (a log's row
// groups are read in parallel, a distributed runner groups rows in any order). Every runner sorts with it.
func Order(a, b *Search) int {
	return cmp.Or(cmp.Compare(a.TS, b.TS), strings.Compare(a.Query, b.Query), cmp.Compare(a.Results, b.Results),
		cmp.Compare(a.Clicks, b.Clicks), strings.Compare(a.Correction, b.Correction), cmp.Compare(a.Action, b.Action),
		cmp.Compare(a.Feedback, b.Feedback))
}

// SortSession sorts the searches of one session by Order.
func SortSession(s []Search) {
	slices.SortFunc(s, func(a, b Search) int { return Order(&a, &b) })
}

// Kind classifies a pair of consecutive searches; see the package documentation.
type Kind uint8

// Kinds of Comparison.
const (
	Same Kind = iota
	Correction
	SplitMerge
	Refinement
	Unrelated
)

var kindNames = [...]string{"same", "correction", "split_merge", "refinement", "unrelated"}

// String returns the kind's name: same, correction, split_merge, refinement or unrelated.
func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "unknown"
}

// TokenPair is a typed token and the token meant; for a SplitMerge, either side may hold two words.
type TokenPair struct {
	Typed    string `json:"typed"`
	Intended string `json:"intended"`
}

// Comparison is the outcome of comparing a typed query with the query that followed it.
type Comparison struct {
	Kind Kind
	// Typed and Intended are the normalized queries (tokens joined by single spaces).
	Typed, Intended string
	// Tokens are the changed tokens of a Correction, or the one pair of a SplitMerge.
	Tokens []TokenPair
}

// Stats counts what a Miner saw.
type Stats struct {
	Sessions    int64 `json:"sessions"`     // sessions given to Session, bots included
	Searches    int64 `json:"searches"`     // their searches
	Bots        int64 `json:"bot_sessions"` // sessions skipped as bots
	BotSearches int64 `json:"bot_searches"` // searches of those sessions
	// Candidates counts consecutive pairs within the window whose second search led to a click; each is
	// classified into one of the next five counts.
	Candidates  int64 `json:"candidates"`
	Repeats     int64 `json:"repeats"` // Same
	Corrections int64 `json:"corrections"`
	SplitMerges int64 `json:"split_merges"`
	Refinements int64 `json:"refinements"`
	Unrelated   int64 `json:"unrelated"`
	CleanClicks int64 `json:"clean_clicks"` // searches with a click that were not reformulated
}

// Add adds the counts of o to s.
func (s *Stats) Add(o Stats) {
	s.Sessions += o.Sessions
	s.Searches += o.Searches
	s.Bots += o.Bots
	s.BotSearches += o.BotSearches
	s.Candidates += o.Candidates
	s.Repeats += o.Repeats
	s.Corrections += o.Corrections
	s.SplitMerges += o.SplitMerges
	s.Refinements += o.Refinements
	s.Unrelated += o.Unrelated
	s.CleanClicks += o.CleanClicks
}

// Miner applies the rules to sessions. It keeps scratch buffers and Stats, so it is not safe for concurrent
// use: give each goroutine its own and add their Stats.
type Miner struct {
	opts  Options
	Stats Stats

	ta, tb []tokenize.Token
	ra, rb []rune
	osa    editdist.Scratch
	cmp    Comparison
}

// NewMiner returns a Miner with opts (defaults filled in).
func NewMiner(opts Options) *Miner {
	return &Miner{opts: opts.withDefaults()}
}

// Bot reports whether the session s (sorted by time) looks automated; see the package documentation.
func (m *Miner) Bot(s []Search) bool {
	if len(s) > m.opts.MaxSearches {
		return true
	}
	fast := 0
	gap := m.opts.FastGap.Milliseconds()
	for i := 1; i < len(s); i++ {
		if s[i].TS-s[i-1].TS < gap {
			fast++
		}
	}
	return fast >= m.opts.MaxFastGaps && 2*fast >= len(s)-1
}

// Session mines one session, its searches sorted by time. It returns false, and calls nothing, when the
// session is a bot. Otherwise it calls found for every Correction and SplitMerge (the Comparison is reused
// after found returns: copy what you keep) and clean with the index of every clean click.
// Cost: one tokenization of each query of a candidate pair; it allocates only for the pairs that pass the
// token rules.
func (m *Miner) Session(s []Search, found func(c *Comparison), clean func(i int)) bool {
	m.Stats.Sessions++
	m.Stats.Searches += int64(len(s))
	if m.Bot(s) {
		m.Stats.Bots++
		m.Stats.BotSearches += int64(len(s))
		return false
	}
	window := m.opts.Window.Milliseconds()
	for i := range s {
		reformulated := false
		if i+1 < len(s) {
			a, b := &s[i], &s[i+1]
			if gap := b.TS - a.TS; gap >= 0 && gap <= window {
				if b.Clicks > 0 {
					m.Stats.Candidates++
					c := m.compare(a.Query, b.Query, found != nil)
					switch c.Kind {
					case Same:
						m.Stats.Repeats++
					case Correction:
						m.Stats.Corrections++
					case SplitMerge:
						m.Stats.SplitMerges++
					case Refinement:
						m.Stats.Refinements++
					default:
						m.Stats.Unrelated++
					}
					if c.Kind == Correction || c.Kind == SplitMerge {
						reformulated = true
						if found != nil {
							found(c)
						}
					} else if c.Kind == Refinement {
						reformulated = true
					}
				} else if a.Query != b.Query && m.similar(a.Query, b.Query) {
					reformulated = true // reformulated, though the new search got no click
				}
			}
		}
		if s[i].Clicks > 0 && !reformulated {
			m.Stats.CleanClicks++
			if clean != nil {
				clean(i)
			}
		}
	}
	return true
}

// similar reports whether b is a Correction, SplitMerge or Refinement of a.
func (m *Miner) similar(a, b string) bool {
	switch m.compare(a, b, false).Kind {
	case Correction, SplitMerge, Refinement:
		return true
	}
	return false
}

// Compare classifies the pair (typed, intended); see the package documentation. The result is reused by the
// next call.
func (m *Miner) Compare(typed, intended string) *Comparison { return m.compare(typed, intended, true) }

// Compare classifies the pair (typed, intended) with a new Miner; see Miner.Compare.
func Compare(typed, intended string) Comparison { return *NewMiner(Options{}).Compare(typed, intended) }

// compare classifies the pair; with fill unset, the Typed, Intended and Tokens fields are not filled (no
// allocation).
func (m *Miner) compare(typed, intended string, fill bool) *Comparison {
	c := &m.cmp
	clear(c.Tokens)
	c.Kind, c.Typed, c.Intended, c.Tokens = Unrelated, "", "", c.Tokens[:0]
	m.ta = tokenize.Tokenize(m.ta[:0], typed)
	m.tb = tokenize.Tokenize(m.tb[:0], intended)
	// Drop the strings of longer queries compared before, so the Miner keeps no old query alive.
	clear(m.ta[len(m.ta):cap(m.ta)])
	clear(m.tb[len(m.tb):cap(m.tb)])
	a, b := m.ta, m.tb
	c.Kind = m.classify(a, b)
	switch c.Kind {
	case Correction:
		ja, jb := join(a), join(b)
		if !closeQueries(ja, jb) {
			c.Kind = Unrelated
			return c
		}
		if fill {
			c.Typed, c.Intended = ja, jb
			for i := range a {
				if a[i].Text != b[i].Text {
					c.Tokens = append(c.Tokens, TokenPair{a[i].Text, b[i].Text})
				}
			}
		}
	case SplitMerge:
		if fill {
			c.Typed, c.Intended = join(a), join(b)
			c.Tokens = append(c.Tokens, splitPair(a, b))
		}
	}
	return c
}

func (m *Miner) classify(a, b []tokenize.Token) Kind {
	if len(a) == 0 || len(b) == 0 {
		return Unrelated
	}
	switch d := len(a) - len(b); {
	case d == 0:
		changed := 0
		for i := range a {
			if a[i].Text == b[i].Text {
				continue
			}
			changed++
			if !a[i].Correctable() || b[i].Kind != tokenize.Word || !m.closeTokens(a[i].Text, b[i].Text) {
				return Unrelated
			}
		}
		if changed == 0 {
			return Same
		}
		return Correction
	case d == 1 || d == -1:
		long, short := a, b
		if d < 0 {
			long, short = b, a
		}
		if dropsOne(long, short) {
			return Refinement
		}
		if mergesTwo(long, short) >= 0 {
			return SplitMerge
		}
	}
	return Unrelated
}

// MaxTokenEdits is the largest OSA distance of a token pair whose intended token has n runes: 2, or 3 from
// 8 runes on.
func MaxTokenEdits(n int) int {
	if n >= 8 {
		return 3
	}
	return 2
}

func (m *Miner) closeTokens(typed, intended string) bool {
	m.ra = appendRunes(m.ra[:0], typed)
	m.rb = appendRunes(m.rb[:0], intended)
	k := MaxTokenEdits(len(m.rb))
	return editdist.OSA(m.ra, m.rb, k, &m.osa) <= k
}

// closeQueries applies the whole-query bound to two normalized queries.
func closeQueries(a, b string) bool {
	na, nb := utf8.RuneCountInString(a), utf8.RuneCountInString(b)
	bound := max(2, max(na, nb)/3)
	if na-nb > bound || nb-na > bound {
		return false
	}
	return levenshtein.ComputeDistance(a, b) <= bound
}

func appendRunes(dst []rune, s string) []rune {
	for _, r := range s {
		dst = append(dst, r)
	}
	return dst
}

// dropsOne reports whether short is long without one of its tokens.
func dropsOne(long, short []tokenize.Token) bool {
	i := 0
	for i < len(short) && long[i].Text == short[i].Text {
		i++
	}
	for ; i < len(short); i++ {
		if long[i+1].Text != short[i].Text {
			return false
		}
	}
	return true
}

// mergesTwo returns the index i such that long[i]+long[i+1] == short[i] and every other token is the same,
// or -1.
func mergesTwo(long, short []tokenize.Token) int {
	i := 0
	for i < len(short) && long[i].Text == short[i].Text {
		i++
	}
	if i == len(short) || i+1 >= len(long) {
		return -1
	}
	x, y, s := long[i].Text, long[i+1].Text, short[i].Text
	if len(x)+len(y) != len(s) || s[:len(x)] != x || s[len(x):] != y {
		return -1
	}
	for j := i + 1; j < len(short); j++ {
		if long[j+1].Text != short[j].Text {
			return -1
		}
	}
	return i
}

// splitPair returns the token pair of a SplitMerge of a into b.
func splitPair(a, b []tokenize.Token) TokenPair {
	if len(a) > len(b) {
		i := mergesTwo(a, b)
		return TokenPair{a[i].Text + " " + a[i+1].Text, b[i].Text}
	}
	i := mergesTwo(b, a)
	return TokenPair{a[i].Text, b[i].Text + " " + b[i+1].Text}
}

// join returns the normalized query: the token texts joined by single spaces.
func join(toks []tokenize.Token) string {
	if len(toks) == 1 {
		return toks[0].Text
	}
	n := len(toks) - 1
	for _, t := range toks {
		n += len(t.Text)
	}
	b := make([]byte, 0, n)
	for i, t := range toks {
		if i > 0 {
			b = append(b, ' ')
		}
		b = append(b, t.Text...)
	}
	return string(b)
}

// Normalize returns the normalized form of a query: its tokens (tokenize.Tokenize) joined by single spaces.
func Normalize(query string) string { return join(tokenize.Tokenize(nil, query)) }

// DefaultRealWordShare is the default share of Plausible.
const DefaultRealWordShare = 0.25

// Plausible reports whether a token pair can be a misspelling given how often each token occurs in searches
// that returned results (typed, intended) and the count from which a token is a vocabulary word (minCount):
// unless the typed token is itself a vocabulary word at least share times as frequent as the intended one.
func Plausible(typed, intended, minCount, share float64) bool {
	return typed < minCount || typed < share*intended
}
