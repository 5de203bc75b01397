package logsum

import (
	"slices"
	"strings"

	"github.com/spellwright/speller/mine"
	"github.com/spellwright/speller/model"
	"github.com/spellwright/speller/querylog"
)

// Summer mines sessions (package mine) and adds what they hold to sums: the one implementation of the
// counting rules, called by every runner. It keeps scratch buffers and a Miner, so it is not safe for
// concurrent use: give each goroutine its own and Merge their sums.
type Summer struct {
	sums  *Sums
	cur   *Counts // the counts of the session being mined: &sums.Counts or &sums.Held
	miner *mine.Miner
	clean []bool
}

// NewSummer returns a Summer that adds to s, with s.Rules.
func NewSummer(s *Sums) *Summer {
	return &Summer{sums: s, miner: mine.NewMiner(s.Rules.Mine)}
}

// Reset makes m add to s from now on (made with the same rules), after a Flush.
func (m *Summer) Reset(s *Sums) { m.sums = s }

// Session mines one session, its searches sorted by mine.Order, and adds it to the sums, to Sums.Held when it
// is held out (hash is Hash of the session id). A bot session adds only to the miner's counts. The query
// strings of s may become keys of the sums' Queries as they are (they are copied when the sums merge into
// others); the keys of pairs and answers are copies. Call Flush when done.
func (m *Summer) Session(hash uint64, s []mine.Search) {
	m.cur = &m.sums.Counts
	if HeldOut(hash, m.sums.Rules.HoldOut) {
		m.cur = &m.sums.Held
	}
	m.clean = slices.Grow(m.clean[:0], len(s))[:len(s)]
	clear(m.clean)
	if !m.miner.Session(s, m.found, m.cleanClick) {
		return // a bot
	}
	m.cur.Sessions++
	minResults := m.sums.Rules.MinResults
	for i := range s {
		q := s[i].Query
		st := m.cur.Queries[q]
		if st == nil {
			st = &QueryStat{}
			m.cur.Queries[q] = st
		}
		st.Searches++
		if minResults < 0 || s[i].Results >= minResults {
			st.Good++
		}
		if m.clean[i] {
			st.Clean++
		}
		if s[i].Correction != "" { // shown (Search), counted by the action it was shown as
			m.answer(&s[i])
		}
	}
}

// Flush adds the miner's counts to the sums and resets them.
func (m *Summer) Flush() {
	m.sums.Mined.Add(m.miner.Stats)
	m.miner.Stats = mine.Stats{}
}

// found counts a mined pair. A new key gets copies of the strings, and an existing one is counted through its
// pointer, since assigning to a map entry also rewrites its key, which would then keep the caller's buffer
// alive.
func (m *Summer) found(c *mine.Comparison) {
	if n := m.cur.Pairs[[2]string{c.Typed, c.Intended}]; n != nil {
		*n++
	} else {
		m.cur.Pairs[[2]string{strings.Clone(c.Typed), strings.Clone(c.Intended)}] = new(int64(1))
	}
}

func (m *Summer) cleanClick(i int) { m.clean[i] = true }

// answer counts the correction the page showed for a search and what the shopper did with it (keys are
// copied as in found).
func (m *Summer) answer(s *mine.Search) {
	var c model.FeedbackCount
	switch querylog.SpellAction(s.Action) {
	case querylog.ActionDidYouMean:
		c.DidYouMean = 1
		if querylog.SpellFeedback(s.Feedback) == querylog.FeedbackAccepted {
			c.Accepted = 1
		}
	case querylog.ActionAutoCorrect:
		c.AutoCorrect = 1
		if querylog.SpellFeedback(s.Feedback) == querylog.FeedbackRejected {
			c.Rejected = 1
		}
	default:
		return
	}
	if n := m.cur.Feedback[[2]string{s.Query, s.Correction}]; n != nil {
		n.Add(c)
	} else {
		m.cur.Feedback[[2]string{strings.Clone(s.Query), strings.Clone(s.Correction)}] = &c
	}
}
