package spell

// The decision: decode the lattice, compare the best correction with the query as typed, and render it.

import (
	"math"
	"strings"

	"github.com/spellwright/speller/langmodel"
	"github.com/spellwright/speller/model"
	"github.com/spellwright/speller/tokenize"
	"github.com/spellwright/speller/viterbi"
)

// Thresholds returns the offer and auto-correct lines of the log odds for a query of n tokens under p:
// slope·n + intercept and slope·n + auto_threshold (MODEL.md).
func Thresholds(p model.Params, n int) (offer, auto float64) {
	return p.Slope*float64(n) + p.Intercept, p.Slope*float64(n) + p.AutoThreshold
}

// ActionFor is the decision rule, the one the corrector applies and the tuner optimises: the action for the
// best correction of a query of n tokens, whose log odds against the query as typed are logOdds, typedBest
// when the query as typed is itself the most probable reading. A correction is applied (AutoCorrect) when
// the query found nothing (zeroResults) or its log odds pass the auto-correct line, offered (DidYouMean)
// when they pass the offer line, else nothing; nothing either when the query as typed is the most probable,
// but for a query that found nothing: then any correction found is applied, whatever its log odds.
func ActionFor(p model.Params, n int, logOdds float64, typedBest, zeroResults bool) Action {
	offer, auto := Thresholds(p, n)
	switch {
	case zeroResults || (!typedBest && logOdds > auto):
		return AutoCorrect
	case !typedBest && logOdds > offer:
		return DidYouMean
	}
	return None
}

// The feedback rule: what the shoppers' answers to a correction (model.Feedback) do to the action the log odds
// chose. Answers of one kind count once they number FeedbackSupport impressions of that kind; rates are the
// means of a Beta(1, 1) posterior, (answers+1)/(impressions+2), so that a few answers weigh little.
const (
	// FeedbackSupport is the fewest impressions of a kind (automatic corrections, or offers) whose answers
	// count: thinner feedback changes nothing.
	FeedbackSupport = model.FeedbackSupport
	// FeedbackWrong is the rejection rate of an automatic correction from which the correction is wrong: an
	// automatic correction is demoted to an offer.
	FeedbackWrong = 0.25
	// FeedbackKeep is the rejection rate from which the query is correct as typed: the correction is shown
	// neither way.
	FeedbackKeep = 0.5
	// FeedbackRight is the acceptance rate of an offer from which the correction is right: an offer is
	// promoted to an automatic correction.
	FeedbackRight = 0.5
)

// Verdict is what the shoppers' answers say of a correction.
type Verdict struct {
	// Rejected is the smoothed share of its automatic corrections refused ("search instead"), Accepted the
	// smoothed share of its offers taken ("did you mean"); each is 0 below FeedbackSupport impressions.
	Rejected, Accepted float64
}

// VerdictOf smooths the counts of one correction.
func VerdictOf(c model.FeedbackCount) Verdict {
	var v Verdict
	if c.AutoCorrect >= FeedbackSupport {
		v.Rejected = (float64(c.Rejected) + 1) / (float64(c.AutoCorrect) + 2)
	}
	if c.DidYouMean >= FeedbackSupport {
		v.Accepted = (float64(c.Accepted) + 1) / (float64(c.DidYouMean) + 2)
	}
	return v
}

// Wrong reports whether the shoppers keep refusing the correction applied automatically.
func (v Verdict) Wrong() bool { return v.Rejected >= FeedbackWrong }

// Right reports whether the shoppers keep taking the correction offered. Wrong and Right at once is a
// contradiction, which changes nothing.
func (v Verdict) Right() bool { return v.Accepted >= FeedbackRight }

// Adjust is the feedback rule, applied to the action a of ActionFor: a correction shoppers keep refusing
// (v.Rejected ≥ FeedbackWrong) is demoted, from automatic to offered, or to nothing from FeedbackKeep; an
// offer they keep taking (v.Accepted ≥ FeedbackRight) is promoted to an automatic correction. Feedback that
// says both, or neither, changes nothing, and so does any feedback for a query that found nothing (the
// zero-results rule stands).
func Adjust(a Action, v Verdict, zeroResults bool) Action {
	if zeroResults || a == None || v.Wrong() == v.Right() {
		return a
	}
	switch {
	case v.Wrong() && v.Rejected >= FeedbackKeep:
		return None
	case v.Wrong() && a == AutoCorrect:
		return DidYouMean
	case v.Right() && a == DidYouMean:
		return AutoCorrect
	}
	return a
}

// typedHash is the start of the feedback key of every correction of the typed tokens toks (see verdict).
func typedHash(toks []tokenize.Token) model.FeedbackHash {
	h := model.NewFeedbackHash(model.LevelQuery)
	for i, t := range toks {
		if i > 0 {
			h = h.Byte(' ')
		}
		h = h.String(t.Text)
	}
	return h.Sep()
}

// verdict looks up the feedback on the correction of the typed tokens toks into the path steps, typed being
// typedHash(toks): the entry of the whole query and correction when it has enough support of either kind,
// else the changed spans' entries, of which one that says the change is wrong decides (spans are not
// promoted: their context differs). It does not allocate.
func (c *Corrector) verdict(typed model.FeedbackHash, toks []tokenize.Token, l *lattice, steps []viterbi.Step) Verdict {
	fb := c.b.Feedback
	h := typed
	for i, st := range steps {
		if i > 0 {
			h = h.Byte(' ')
		}
		h = hashWords(h, toks, l, st)
	}
	if cnt, ok := fb.Lookup(h.Sum()); ok {
		if v := VerdictOf(cnt); v != (Verdict{}) {
			return v
		}
	}
	var worst Verdict
	for _, st := range steps {
		if st.Index == 0 {
			continue
		}
		h := model.NewFeedbackHash(model.LevelToken)
		for k := st.Pos; k < l.states[st.Pos][st.Index].End; k++ {
			if k > st.Pos {
				h = h.Byte(' ')
			}
			h = h.String(toks[k].Text)
		}
		h = hashWords(h.Sep(), toks, l, st)
		if cnt, ok := fb.Lookup(h.Sum()); ok {
			if v := VerdictOf(cnt); v.Wrong() && !v.Right() && v.Rejected > worst.Rejected {
				worst = Verdict{Rejected: v.Rejected}
			}
		}
	}
	return worst
}

// hashWords adds the words of a step to h: the typed token's text, or the state's words joined by spaces.
func hashWords(h model.FeedbackHash, toks []tokenize.Token, l *lattice, st viterbi.Step) model.FeedbackHash {
	if st.Index == 0 {
		return h.String(toks[st.Pos].Text)
	}
	for j, w := range l.words[st.Pos][st.Index] {
		if j > 0 {
			h = h.Byte(' ')
		}
		h = h.String(w.text)
	}
	return h
}

// decide decodes the lattice and turns the best paths into a Result.
func (c *Corrector) decide(q string, req Request, toks []tokenize.Token, l *lattice, p model.Params) *Result {
	res := &Result{Query: q, BestPath: q, LogOdds: NoCandidateLogOdds}
	res.Threshold, res.AutoThreshold = Thresholds(p, len(toks))
	res.Tokens = c.tokens(q, toks, l, nil)
	if len(toks) == 0 {
		return res
	}
	l = l.reshaped(p.UnkShape, p.UnkLength)
	if p.LogPSpace != l.space.prior {
		l = l.priced(newSpaceCosts(c.b, p))
	}
	backoff := c.backoff
	if p.MinBackoff != c.p.MinBackoff {
		backoff = langmodel.NewBackoff(p.MinBackoff)
	}
	tr := transition{c.b.LM, p.LogPUnk, backoff}
	vo := viterbi.Options{Lambda: p.Lambda, NBest: c.opts.NBest, Start: langmodel.Start, Change: p.LogPTypo}
	paths := viterbi.Decode(l, tr, vo)
	identity := make([]viterbi.Step, len(toks))
	for i := range identity {
		identity[i] = viterbi.Step{Pos: i}
	}
	base := viterbi.Score(l, tr, vo, identity)
	maxAlt := req.MaxAlternatives
	if maxAlt <= 0 {
		maxAlt = c.opts.NBest
	}
	var best []viterbi.Step
	var typed model.FeedbackHash
	if c.b.Feedback.Len() > 0 {
		typed = typedHash(toks)
	}
	identityBest := len(paths) == 0 || isIdentity(paths[0].Steps)
	seen := map[string]bool{q: true}
	for _, p := range paths {
		if isIdentity(p.Steps) {
			continue
		}
		text := c.text(q, toks, l, p.Steps)
		if seen[text] {
			continue
		}
		seen[text] = true
		if best == nil {
			best = p.Steps
			res.LogOdds = p.Score - base
			if !identityBest {
				res.BestPath = text
			}
		}
		if len(res.Alternatives) < maxAlt {
			alt := Alternative{Text: text, Score: p.Score, LogOdds: p.Score - base}
			if c.b.Feedback.Len() > 0 {
				alt.Verdict = c.verdict(typed, toks, l, p.Steps)
			}
			res.Alternatives = append(res.Alternatives, alt)
		}
	}
	res.Confidence = sigmoid(res.LogOdds)
	if best == nil {
		return res
	}
	res.Action = ActionFor(p, len(toks), res.LogOdds, identityBest, req.ZeroResults)
	res.ActionBeforeFeedback = res.Action
	res.Action = Adjust(res.Action, res.Alternatives[0].Verdict, req.ZeroResults)
	if res.Action == None {
		return res
	}
	res.Correction = res.Alternatives[0].Text
	res.Tokens = c.tokens(q, toks, l, best)
	return res
}

func isIdentity(steps []viterbi.Step) bool {
	for _, s := range steps {
		if s.Index != 0 {
			return false
		}
	}
	return true
}

func sigmoid(x float64) float64 { return 1 / (1 + math.Exp(-x)) }

// tokens describes the tokens of a path (nil: the query as typed).
func (c *Corrector) tokens(q string, toks []tokenize.Token, l *lattice, steps []viterbi.Step) []Token {
	out := make([]Token, 0, len(toks))
	if steps == nil {
		for _, t := range toks {
			typed := q[t.Start:t.End]
			out = append(out, Token{Typed: typed, Chosen: typed, Start: t.Start, End: t.End})
		}
		return out
	}
	for _, st := range steps {
		state := l.states[st.Pos][st.Index]
		first, last := toks[st.Pos], toks[state.End-1]
		typed := q[first.Start:last.End]
		tok := Token{Typed: typed, Chosen: typed, Start: first.Start, End: last.End}
		if st.Index != 0 {
			tok.Chosen = tokenize.MatchCase(typed, joinWords(l.words[st.Pos][st.Index]))
			tok.Changed = true
		}
		out = append(out, tok)
	}
	return out
}

// text renders a path: changed spans replaced by their words (in the case pattern of the typed token),
// everything else as typed.
func (c *Corrector) text(q string, toks []tokenize.Token, l *lattice, steps []viterbi.Step) string {
	var edits []tokenize.Edit
	for _, st := range steps {
		if st.Index == 0 {
			continue
		}
		state := l.states[st.Pos][st.Index]
		first, last := toks[st.Pos], toks[state.End-1]
		edits = append(edits, tokenize.Edit{Start: first.Start, End: last.End,
			Text: tokenize.MatchCase(q[first.Start:last.End], joinWords(l.words[st.Pos][st.Index]))})
	}
	out, err := tokenize.Rewrite(q, edits)
	if err != nil { // cannot happen: spans come from the tokenizer in order
		return q
	}
	return out
}

func joinWords(ws []word) string {
	if len(ws) == 1 {
		return ws[0].text
	}
	parts := make([]string, len(ws))
	for i, w := range ws {
		parts[i] = w.text
	}
	return strings.Join(parts, " ")
}
