// Package simulate writes realistic search logs: sessions of shoppers who search, misspell, correct themselves,
// refine, give up, and bots, with the injected typing errors recorded as ground truth.
//
//	qs, _ := simulate.QueriesFromCorpus(text, 5000, 1)
//	w, _ := querylog.NewWriter(f, querylog.WriteOptions{})
//	stats, truth, err := simulate.Run(simulate.Options{Sessions: 100000, Queries: qs}, w); w.Close()
//
// No public query log has sessions and clicks, so the speller's trainer is developed and
// tested on these logs. Every session follows one behaviour of [Mix]; the only sessions
// that contain a correction (a misspelled search followed, a few seconds later, by the
// intended search that gets a click) are the "corrected" ones, and their
// (typed, intended) pairs are returned as [Truth]: what a perfect miner would recover.
package simulate

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/spellwright/speller/eval"
	"github.com/spellwright/speller/querylog"
)

// Options configure [Run]. Zero fields take their defaults.
type Options struct {
	Sessions int       // number of sessions (default 1000)
	Seed     int64     // the output is a function of the options; the seed feeds a PCG source
	Start    time.Time // timestamp of the first session (default 2026-01-01T00:00:00Z); sessions start over the following 24 h

	// Queries is the weighted list of intended queries (required). Build it with
	// LoadQueries or QueriesFromCorpus.
	Queries []Query
	// Misspellings maps an intended word (lower-case) to observed real misspellings of
	// it. When a word to be misspelled has some, the error is drawn from them with
	// probability RealErrorShare; otherwise Typo is used.
	Misspellings map[string][]string
	// RealErrorShare is the probability of using a real misspelling when the word has
	// one (default 0.7; a negative value means 0).
	RealErrorShare float64
	// QueryPairs are real (typed, intended) whole-query pairs; when present, a fifth of
	// the corrected sessions are made from them. Pairs with Typed == Intended are
	// ignored.
	QueryPairs []Pair
	// TypoRate is the probability that a word of a misspelled query gets an error
	// (default 0.35); at least one word always gets one. Words shorter than
	// MinTypoLen characters never do.
	TypoRate float64
	// SpaceRate is the probability that a misspelled query's error is a misplaced space instead: two
	// adjacent words run together ("flowergirl") or a word of six letters or more split in two ("ear ring").
	// Default 0 (none); negative is an error.
	SpaceRate float64

	// Mix gives the share of each behaviour (default DefaultMix); the weights are
	// normalised to sum to 1.
	Mix Mix
	// GarbageRate adds, after each search with this probability, one malformed row in
	// a session of its own: empty query, invalid UTF-8, empty session id, zero
	// timestamp, 5 KB query or negative results (default 0: none).
	GarbageRate float64

	// Speller, when set, is the speller serving the search page: each shopper's search
	// is shown its answer, which the log records (spell_correction, spell_action), and
	// the shopper answers it (spell_feedback): takes a right "did you mean" with
	// probability Users.Accept, clicks "search instead" under a wrong automatic
	// correction with probability Users.Reject, and does either to a correction of the
	// other kind with probability Users.Noise. A correction is right when it is the
	// query the shopper meant (ignoring case and runs of spaces). The searches
	// themselves do not change: the log is the one written without a speller, with the
	// spell columns filled in (bots get none). The answers are drawn from a source of
	// their own, so that the searches stay the same whatever the speller.
	Speller Speller
	Users   Users
}

// Speller answers a query as the search page shows it: the correction ("" for none) and how it is shown.
type Speller interface {
	Suggest(query string) (correction string, action querylog.SpellAction)
}

// Users are the probabilities of the shoppers' answers to the corrections shown (Options.Speller). Zero
// fields take their defaults; a negative one means never.
type Users struct {
	Accept float64 `json:"accept"` // takes a right "did you mean" (default 0.5)
	Reject float64 `json:"reject"` // clicks "search instead" under a wrong automatic correction (default 0.5)
	// Noise is the probability of taking a wrong "did you mean", or of searching instead under a right
	// automatic correction (default 0.02).
	Noise float64 `json:"noise"`
}

// SpellStats counts the corrections shown to shoppers (not bots) and their answers, when a speller serves.
type SpellStats struct {
	Searches   int `json:"searches"`   // searches of shoppers
	Misspelled int `json:"misspelled"` // of them, typed otherwise than meant
	DidYouMean int `json:"did_you_mean"`
	RightDYM   int `json:"right_did_you_mean"` // offers of the query meant
	Auto       int `json:"auto_correct"`
	RightAuto  int `json:"right_auto_correct"` // automatic corrections into the query meant
	Accepted   int `json:"accepted"`
	Rejected   int `json:"rejected"`
}

// WrongAuto is the number of automatic corrections into another query than the one meant.
func (s SpellStats) WrongAuto() int { return s.Auto - s.RightAuto }

// Recall is the share of misspelled searches offered (or applied) the query meant.
func (s SpellStats) Recall() float64 {
	if s.Misspelled == 0 {
		return 0
	}
	return float64(s.RightDYM+s.RightAuto) / float64(s.Misspelled)
}

// Mix is the relative frequency of each session behaviour.
type Mix struct {
	Correct       float64 `json:"correct"`        // a correct search, then a click
	Corrected     float64 `json:"corrected"`      // misspelled search, no click, then the intended one with a click
	Abandoned     float64 `json:"abandoned"`      // misspelled search, no click, end
	ClickedAnyway float64 `json:"clicked_anyway"` // misspelled search that still gets a click
	Refinement    float64 `json:"refinement"`     // "dress" → "red dress" → click: not a correction
	Repeat        float64 `json:"repeat"`         // the same query two or three times
	Bot           float64 `json:"bot"`            // 10–100 searches, no click, tiny gaps
	Browse        float64 `json:"browse"`         // 2–4 unrelated correct queries
}

// DefaultMix is the behaviour mix used when Options.Mix is zero.
var DefaultMix = Mix{
	Correct:       0.55,
	Corrected:     0.15,
	Abandoned:     0.05,
	ClickedAnyway: 0.05,
	Refinement:    0.10,
	Repeat:        0.05,
	Bot:           0.03,
	Browse:        0.02,
}

// Behaviour names, the keys of Stats.Behaviours, in Mix order.
var Behaviours = []string{"correct", "corrected", "abandoned", "clicked_anyway", "refinement", "repeat", "bot", "browse"}

const (
	bCorrect = iota
	bCorrected
	bAbandoned
	bClickedAnyway
	bRefinement
	bRepeat
	bBot
	bBrowse
	nBehaviours
)

func (m Mix) weights() [nBehaviours]float64 {
	return [nBehaviours]float64{m.Correct, m.Corrected, m.Abandoned, m.ClickedAnyway, m.Refinement, m.Repeat, m.Bot, m.Browse}
}

// Truth is one injected (typed, intended) correction that a shopper actually made in the log (typed query
// followed by the intended query with a click), with how many times it was written.
type Truth struct {
	Typed    string `json:"typed"`
	Intended string `json:"intended"`
	Count    int    `json:"count"`
}

// Stats counts what Run wrote.
type Stats struct {
	Sessions    int `json:"sessions"`    // sessions of shoppers and bots (not the garbage rows' sessions)
	Rows        int `json:"rows"`        // all rows, garbage included
	Misspelled  int `json:"misspelled"`  // sessions with a misspelled search (corrected, abandoned, clicked anyway)
	Corrected   int `json:"corrected"`   // sessions with a correction; the sum of the Truth counts
	Refinements int `json:"refinements"` // refinement sessions
	Bots        int `json:"bots"`        // bot sessions
	Garbage     int `json:"garbage"`     // malformed rows
	// Behaviours counts sessions per behaviour (keys from Behaviours).
	Behaviours map[string]int `json:"behaviours"`
	// Spell counts the corrections shown and the answers, when a speller serves (Options.Speller).
	Spell *SpellStats `json:"spell,omitempty"`
}

// String returns the stats as JSON.
func (s *Stats) String() string {
	b, _ := json.Marshal(s)
	return string(b)
}

// RowWriter receives the rows of the log; *querylog.Writer is one.
type RowWriter interface {
	Write(rows ...querylog.Row) error
}

// Run generates the log and writes it through w, session by session (the rows of a
// session are consecutive and in time order), returning the truth pairs (aggregated,
// sorted by typed then intended query) and statistics. Memory does not grow with
// Sessions beyond the truth map. The output is a deterministic function of opts.
func Run(opts Options, w RowWriter) (*Stats, []Truth, error) {
	g, err := newGenerator(opts)
	if err != nil {
		return nil, nil, err
	}
	for i := range g.opts.Sessions {
		g.session(i)
		if len(g.rows) > 0 {
			if err := w.Write(g.rows...); err != nil {
				return &g.stats, nil, fmt.Errorf("simulate: write: %w", err)
			}
		}
	}
	truth := make([]Truth, 0, len(g.truth))
	for k, n := range g.truth {
		truth = append(truth, Truth{Typed: k[0], Intended: k[1], Count: n})
	}
	sort.Slice(truth, func(i, j int) bool {
		if truth[i].Typed != truth[j].Typed {
			return truth[i].Typed < truth[j].Typed
		}
		return truth[i].Intended < truth[j].Intended
	})
	return &g.stats, truth, nil
}

// WriteTruth writes typed<TAB>intended<TAB>count lines.
func WriteTruth(w io.Writer, t []Truth) error {
	var b strings.Builder
	for _, x := range t {
		fmt.Fprintf(&b, "%s\t%s\t%d\n", x.Typed, x.Intended, x.Count)
		if b.Len() > 64*1024 {
			if _, err := io.WriteString(w, b.String()); err != nil {
				return err
			}
			b.Reset()
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// generator holds the state of one Run.
type generator struct {
	opts  Options
	rng   *rand.Rand
	cum   []float64 // cumulative query weights
	mix   [nBehaviours]float64
	pairs []Pair
	start int64 // Unix ms
	rows  []querylog.Row
	truth map[[2]string]int
	stats Stats
	sid   string
	clock int64
	idBuf [16]byte
	users *rand.Rand // the shoppers' answers to the speller
	seen  map[string]spellAnswer
}

// spellAnswer is the speller's answer to a query, kept so that a query is corrected once.
type spellAnswer struct {
	correction string
	action     querylog.SpellAction
}

// maxSeen bounds the answers kept.
const maxSeen = 1 << 17

// answer fills in what the page showed for the search r of a shopper who meant intended, and the answer.
func (g *generator) answer(r *querylog.Row, intended string) {
	st := g.stats.Spell
	st.Searches++
	want := eval.Canon(intended) // what the shopper meant, in the form answers are compared in
	if r.Query != intended && eval.Canon(r.Query) != want {
		st.Misspelled++
	}
	a, ok := g.seen[r.Query]
	if !ok {
		a.correction, a.action = g.opts.Speller.Suggest(r.Query)
		if len(g.seen) >= maxSeen {
			clear(g.seen)
		}
		g.seen[r.Query] = a
	}
	if a.action == querylog.ActionNone || a.correction == "" {
		return
	}
	r.SpellCorrection, r.SpellAction = a.correction, a.action
	ok = eval.Canon(a.correction) == want
	x := g.users.Float64()
	u := g.opts.Users
	switch a.action {
	case querylog.ActionDidYouMean:
		st.DidYouMean++
		if ok {
			st.RightDYM++
		}
		if (ok && x < u.Accept) || (!ok && x < u.Noise) {
			r.SpellFeedback = querylog.FeedbackAccepted
			st.Accepted++
		}
	case querylog.ActionAutoCorrect:
		st.Auto++
		if ok {
			st.RightAuto++
		}
		if (!ok && x < u.Reject) || (ok && x < u.Noise) {
			r.SpellFeedback = querylog.FeedbackRejected
			st.Rejected++
		}
	}
}

func newGenerator(opts Options) (*generator, error) {
	if opts.Sessions < 0 {
		return nil, fmt.Errorf("simulate: Sessions = %d", opts.Sessions)
	}
	if opts.Sessions == 0 {
		opts.Sessions = 1000
	}
	if opts.Start.IsZero() {
		opts.Start = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	if opts.RealErrorShare == 0 {
		opts.RealErrorShare = 0.7
	}
	if opts.TypoRate == 0 {
		opts.TypoRate = 0.35
	}
	if !(opts.SpaceRate >= 0 && opts.SpaceRate <= 1) {
		return nil, fmt.Errorf("simulate: SpaceRate %v out of [0, 1]", opts.SpaceRate)
	}
	if !(opts.TypoRate > 0 && opts.TypoRate <= 1) || opts.RealErrorShare > 1 || math.IsNaN(opts.RealErrorShare) {
		return nil, fmt.Errorf("simulate: TypoRate %v / RealErrorShare %v out of range", opts.TypoRate, opts.RealErrorShare)
	}
	if !(opts.GarbageRate >= 0 && opts.GarbageRate < 1) {
		return nil, fmt.Errorf("simulate: GarbageRate %v out of [0, 1)", opts.GarbageRate)
	}
	if len(opts.Queries) == 0 {
		return nil, errors.New("simulate: no query: set Options.Queries")
	}
	g := &generator{opts: opts, truth: map[[2]string]int{}}
	g.rng = rand.New(rand.NewPCG(uint64(opts.Seed), 0x51a7e))
	g.start = opts.Start.UnixMilli()
	if g.start < querylog.MinTS || g.start+2*86400000 >= querylog.MaxTS {
		return nil, fmt.Errorf("simulate: Start %v outside the years querylog accepts", opts.Start)
	}
	total := 0.0
	g.cum = make([]float64, len(opts.Queries))
	for i, q := range opts.Queries {
		if !(q.Weight > 0) || math.IsInf(q.Weight, 0) {
			return nil, fmt.Errorf("simulate: query %d (%q) has weight %v, want > 0", i, q.Text, q.Weight)
		}
		if strings.TrimSpace(q.Text) == "" {
			return nil, fmt.Errorf("simulate: query %d is empty", i)
		}
		total += q.Weight
		g.cum[i] = total
	}
	mix := opts.Mix
	if mix == (Mix{}) {
		mix = DefaultMix
	}
	sum := 0.0
	for _, v := range mix.weights() {
		if !(v >= 0) || math.IsInf(v, 0) {
			return nil, fmt.Errorf("simulate: Mix %+v has a negative or invalid weight", mix)
		}
		sum += v
	}
	acc := 0.0
	for i, v := range mix.weights() {
		acc += v / sum
		g.mix[i] = acc
	}
	g.mix[nBehaviours-1] = 1
	for _, p := range opts.QueryPairs {
		if p.Typed != p.Intended && strings.TrimSpace(p.Typed) != "" && strings.TrimSpace(p.Intended) != "" {
			g.pairs = append(g.pairs, p)
		}
	}
	g.stats.Behaviours = map[string]int{}
	if opts.Speller != nil {
		u := &g.opts.Users
		if u.Accept == 0 {
			u.Accept = 0.5
		}
		if u.Reject == 0 {
			u.Reject = 0.5
		}
		if u.Noise == 0 {
			u.Noise = 0.02
		}
		for _, p := range []float64{u.Accept, u.Reject, u.Noise} {
			if math.IsNaN(p) || p > 1 {
				return nil, fmt.Errorf("simulate: Users %+v: probabilities in [0, 1]", *u)
			}
		}
		g.users = rand.New(rand.NewPCG(uint64(opts.Seed), 0x05e45))
		g.seen = map[string]spellAnswer{}
		g.stats.Spell = &SpellStats{}
	}
	return g, nil
}

// query draws an intended query by weight.
func (g *generator) query() string {
	x := g.rng.Float64() * g.cum[len(g.cum)-1]
	i := sort.SearchFloat64s(g.cum, x)
	if i >= len(g.cum) {
		i = len(g.cum) - 1
	}
	return g.opts.Queries[i].Text
}

// otherQuery draws a query different from q when possible.
func (g *generator) otherQuery(q string) string {
	for range 8 {
		if o := g.query(); o != q {
			return o
		}
	}
	return g.opts.Queries[g.rng.IntN(len(g.opts.Queries))].Text
}

func (g *generator) newSessionID() string {
	binaryPut(g.idBuf[:8], g.rng.Uint64())
	binaryPut(g.idBuf[8:], g.rng.Uint64())
	return hex.EncodeToString(g.idBuf[:])
}

func binaryPut(b []byte, v uint64) {
	for i := range 8 {
		b[i] = byte(v >> (56 - 8*i))
	}
}

// humanGap is the time between two searches of a person: log-normal around 9 s,
// within 3–40 s.
func (g *generator) humanGap() int64 {
	s := math.Exp(math.Log(9) + 0.6*g.rng.NormFloat64())
	return int64(min(max(s, 3), 40) * 1000)
}

// goodResults is a plausible result count for a correct query: log-uniform in 5–2000.
func (g *generator) goodResults() int64 {
	return int64(math.Exp(math.Log(5) + g.rng.Float64()*(math.Log(2000)-math.Log(5))))
}

// badResults is a result count for a misspelled query: 0–20, 0 most often.
func (g *generator) badResults() int64 {
	if g.rng.Float64() < 0.6 {
		return 0
	}
	return 1 + g.rng.Int64N(20)
}

// clicks is the number of clicks of a search that gets some: 1–3.
func (g *generator) clicks() int64 {
	switch x := g.rng.Float64(); {
	case x < 0.65:
		return 1
	case x < 0.90:
		return 2
	default:
		return 3
	}
}

// emit appends a search of the current session at the current clock, of a query typed as intended.
func (g *generator) emit(q string, results, clicks int64) { g.emitTypo(q, q, results, clicks) }

// emitBot appends a search of a bot: it answers no correction, and the log records none.
func (g *generator) emitBot(q string, results, clicks int64) {
	g.rows = append(g.rows, querylog.Row{
		SessionID: g.sid, TS: g.clock, Query: q,
		Results: results, HasResults: true, Clicks: clicks, HasClicks: true,
	})
}

// emitTypo appends a search of q, typed by a shopper who meant intended, and, with a speller serving, what
// the page showed and what the shopper did with it.
func (g *generator) emitTypo(q, intended string, results, clicks int64) {
	g.emitBot(q, results, clicks)
	if g.opts.Speller != nil {
		g.answer(&g.rows[len(g.rows)-1], intended)
	}
}

// session generates session i into g.rows (and its garbage rows after it).
func (g *generator) session(i int) {
	g.rows = g.rows[:0]
	g.sid = g.newSessionID()
	// sessions start in order over 24 h
	span := float64(24 * time.Hour / time.Millisecond)
	g.clock = g.start + int64((float64(i)+g.rng.Float64())*span/float64(g.opts.Sessions))
	x := g.rng.Float64()
	b := 0
	for b < nBehaviours-1 && x >= g.mix[b] {
		b++
	}
	b = g.behave(b)
	g.stats.Sessions++
	g.stats.Behaviours[Behaviours[b]]++
	switch b {
	case bCorrected:
		g.stats.Misspelled++
		g.stats.Corrected++
	case bAbandoned, bClickedAnyway:
		g.stats.Misspelled++
	case bRefinement:
		g.stats.Refinements++
	case bBot:
		g.stats.Bots++
	}
	if g.opts.GarbageRate > 0 {
		g.garbage()
	}
	g.stats.Rows += len(g.rows)
}

// behave writes the searches of behaviour b and returns the behaviour actually used
// (a misspelling behaviour falls back to "correct" when no query can be misspelled).
func (g *generator) behave(b int) int {
	switch b {
	case bCorrected, bAbandoned, bClickedAnyway:
		var typed, intended string
		if b == bCorrected && len(g.pairs) > 0 && g.rng.Float64() < 0.2 {
			p := g.pairs[g.rng.IntN(len(g.pairs))]
			typed, intended = p.Typed, p.Intended
		} else {
			var ok bool
			for range 20 {
				intended = g.query()
				if typed, ok = g.misspell(intended); ok {
					break
				}
			}
			if !ok {
				g.emit(intended, g.goodResults(), g.clicks())
				return bCorrect
			}
		}
		switch b {
		case bCorrected:
			g.emitTypo(typed, intended, g.badResults(), 0)
			g.clock += g.humanGap()
			g.emit(intended, g.goodResults(), g.clicks())
			g.truth[[2]string{typed, intended}]++
		case bAbandoned:
			g.emitTypo(typed, intended, g.badResults(), 0)
		case bClickedAnyway:
			g.emitTypo(typed, intended, 1+g.rng.Int64N(20), g.clicks())
		}
	case bRefinement:
		q := g.query()
		words := strings.Fields(q)
		var first, second string
		if len(words) >= 2 {
			// the shopper first typed the query without one of its words
			k := g.rng.IntN(len(words))
			first = strings.Join(append(append([]string(nil), words[:k]...), words[k+1:]...), " ")
			second = q
		} else {
			first = q
			extra := strings.Fields(g.otherQuery(q))
			w := extra[g.rng.IntN(len(extra))]
			if w == q {
				w = "new"
			}
			if g.rng.IntN(2) == 0 {
				second = w + " " + q
			} else {
				second = q + " " + w
			}
		}
		g.emit(first, g.goodResults(), 0)
		g.clock += g.humanGap()
		g.emit(second, g.goodResults(), g.clicks())
	case bRepeat:
		q := g.query()
		n := 2 + g.rng.IntN(2)
		res := g.goodResults()
		for k := range n {
			var c int64
			if k == n-1 || g.rng.Float64() < 0.3 {
				c = g.clicks()
			}
			g.emit(q, res, c)
			g.clock += g.humanGap()
		}
	case bBot:
		n := 10 + g.rng.IntN(91)
		for range n {
			g.emitBot(g.query(), g.goodResults(), 0)
			g.clock += 50 + g.rng.Int64N(950)
		}
	case bBrowse:
		n := 2 + g.rng.IntN(3)
		q := g.query()
		for k := range n {
			if k > 0 {
				q = g.otherQuery(q)
				g.clock += g.humanGap()
			}
			var c int64
			if g.rng.Float64() < 0.6 {
				c = g.clicks()
			}
			g.emit(q, g.goodResults(), c)
		}
	default: // bCorrect
		g.emit(g.query(), g.goodResults(), g.clicks())
	}
	return b
}

// misspell returns q with typing errors in some of its words (at least one), or false
// when no word of q is long enough to be misspelled.
func (g *generator) misspell(q string) (string, bool) {
	words := strings.Fields(q)
	var eligible []int
	for i, w := range words {
		if len([]rune(w)) >= MinTypoLen {
			eligible = append(eligible, i)
		}
	}
	if len(eligible) == 0 {
		return "", false
	}
	if g.opts.SpaceRate > 0 && g.rng.Float64() < g.opts.SpaceRate {
		if typed, ok := g.misplaceSpace(words); ok {
			return typed, true
		}
	}
	hit := false
	for _, i := range eligible {
		if g.rng.Float64() < g.opts.TypoRate {
			words[i] = g.misspellWord(words[i])
			hit = true
		}
	}
	if !hit {
		i := eligible[g.rng.IntN(len(eligible))]
		words[i] = g.misspellWord(words[i])
	}
	typed := strings.Join(words, " ")
	if typed == strings.Join(strings.Fields(q), " ") {
		return "", false // cannot happen: every misspelled word differs from the original
	}
	return typed, true
}

// misplaceSpace runs two adjacent words of words together or splits one long word in two, and reports
// whether it could.
func (g *generator) misplaceSpace(words []string) (string, bool) {
	var long []int
	for i, w := range words {
		if len([]rune(w)) >= 6 {
			long = append(long, i)
		}
	}
	out := slices.Clone(words)
	switch {
	case len(words) >= 2 && (len(long) == 0 || g.rng.IntN(2) == 0):
		i := g.rng.IntN(len(words) - 1)
		out = slices.Replace(out, i, i+2, words[i]+words[i+1])
	case len(long) > 0:
		i := long[g.rng.IntN(len(long))]
		r := []rune(words[i])
		cut := 2 + g.rng.IntN(len(r)-3) // both parts at least two letters
		out = slices.Replace(out, i, i+1, string(r[:cut]), string(r[cut:]))
	default:
		return "", false
	}
	return strings.Join(out, " "), true
}

// misspellWord returns a real misspelling of w (with probability RealErrorShare when it
// has some) or a typo made by Typo.
func (g *generator) misspellWord(w string) string {
	if real := g.opts.Misspellings[strings.ToLower(w)]; len(real) > 0 && g.rng.Float64() < g.opts.RealErrorShare {
		for range 4 {
			if m := real[g.rng.IntN(len(real))]; m != w && m != "" && !strings.ContainsFunc(m, isSpace) {
				return m
			}
		}
	}
	return Typo(g.rng, w)
}

func isSpace(r rune) bool { return r == ' ' || r == '\t' || r == '\n' || r == '\r' }

// Garbage row kinds.
const (
	gEmptyQuery = iota
	gInvalidUTF8
	gEmptySession
	gZeroTS
	gHugeQuery
	gNegativeResults
	nGarbage
)

// garbage appends, for each row of the session, with probability GarbageRate, one
// malformed row in a session of its own.
func (g *generator) garbage() {
	n := len(g.rows)
	for k := 0; k < n; k++ {
		if g.rng.Float64() >= g.opts.GarbageRate {
			continue
		}
		base := g.rows[k]
		r := querylog.Row{SessionID: g.newSessionID(), TS: base.TS + 1, Query: base.Query,
			Results: base.Results, HasResults: true, Clicks: 0, HasClicks: true}
		switch g.rng.IntN(nGarbage) {
		case gEmptyQuery:
			r.Query = ""
		case gInvalidUTF8:
			cut := g.rng.IntN(len(r.Query) + 1)
			r.Query = r.Query[:cut] + "\xff\xfe" + r.Query[cut:]
		case gEmptySession:
			r.SessionID = ""
		case gZeroTS:
			r.TS = 0
		case gHugeQuery:
			r.Query = strings.Repeat(r.Query+" ", 5*1024/(len(r.Query)+1)+1)
		case gNegativeResults:
			r.Results = -1 - g.rng.Int64N(100)
		}
		g.rows = append(g.rows, r)
		g.stats.Garbage++
	}
}
