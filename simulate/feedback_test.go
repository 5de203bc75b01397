package simulate_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/spellwright/speller/data"
	"github.com/spellwright/speller/internal/correval"
	"github.com/spellwright/speller/internal/shareddata"
	"github.com/spellwright/speller/model"
	"github.com/spellwright/speller/querylog"
	"github.com/spellwright/speller/simulate"
	"github.com/spellwright/speller/spell"
	"github.com/spellwright/speller/train"
)

// twoDayOptions are the simulated days: queries cut from big.txt, errors from the training misspelling lists.
func twoDayOptions(t testing.TB, sessions int) simulate.Options {
	cf, err := os.Open(shareddata.Path(t, "corpus", "big.txt"))
	if err != nil {
		t.Fatal(err)
	}
	defer cf.Close()
	qs, err := simulate.QueriesFromCorpus(cf, 5000, 1)
	if err != nil {
		t.Fatal(err)
	}
	var pairs []simulate.Pair
	for _, name := range []string{"birkbeck.tsv", "codespell.tsv"} {
		f, err := os.Open(shareddata.Path(t, "misspellings", "train", name))
		if err != nil {
			t.Fatal(err)
		}
		p, err := simulate.LoadPairs(f)
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		pairs = append(pairs, p...)
	}
	return simulate.Options{Sessions: sessions, Queries: qs, Misspellings: simulate.MisspellingsFromPairs(pairs), TypoRate: 0.1}
}

// day simulates one day served by b, writes its log to path (without the spell columns when omit) and
// returns what the shoppers were shown.
func day(t testing.TB, opts simulate.Options, seed int64, start time.Time, b *model.Bundle, path string, omit bool) *simulate.SpellStats {
	t.Helper()
	opts.Seed, opts.Start = seed, start
	opts.Speller = correval.Page{Ctx: context.Background(), C: spell.New(b, spell.Options{})}
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var wo querylog.WriteOptions
	if omit {
		wo.OmitColumns = []string{querylog.ColSpellCorrection, querylog.ColSpellAction, querylog.ColSpellFeedback}
	}
	w, err := querylog.NewWriter(f, wo)
	if err != nil {
		t.Fatal(err)
	}
	stats, _, err := simulate.Run(opts, w)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return stats.Spell
}

// retrain returns m1 with the feedback table trained on the log at path (held-out sessions apart).
func retrain(t testing.TB, m1 *model.Bundle, path string) (*model.Bundle, *train.LogReport) {
	t.Helper()
	c := train.NewCounter()
	rep, err := c.AddLogs(context.Background(), []string{path}, train.LogOptions{HoldOut: 0.05, TempDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	b, err := c.Bundle(train.Options{BuildTime: m1.Meta.BuildTime})
	if err != nil {
		t.Fatal(err)
	}
	m2 := *m1
	m2.Feedback = b.Feedback
	return &m2, rep
}

// loop is the outcome of two simulated days.
type loop struct {
	day1, with, without *simulate.SpellStats
	// oracle is day 2 served by M1 with the table learnt from day 2's own answers: the most a feedback table
	// can do on these searches (one-off misspellings stay out of its reach whatever the day).
	oracle   *simulate.SpellStats
	feedback train.FeedbackReport
	m1, m2   *model.Bundle
}

// twoDays closes the loop: day 1 (sessions) is served by the default model M1, applying corrections from log
// odds 10, and logged with the shoppers' answers; M2 is M1 with the feedback table trained on day 1's log (5%
// of the sessions held out); the baseline is M1 with the table trained on the same log written without the
// spell columns (empty). Day 2 (the same searches either way) is served by each.
func twoDays(t testing.TB, sessions int) loop {
	opts := twoDayOptions(t, sessions)
	m1, err := data.Default()
	if err != nil {
		t.Fatal(err)
	}
	// The default model applies few corrections by itself (its auto-correct line is 33); this team applies
	// them from log odds 10, which auto-corrects about 11,500 of day 1's 267,000 searches: as many as the
	// scenario's first model (session 4's) did from 8, so that the scenario stays the same as models change.
	m1.Params.AutoThreshold = 10
	dir := t.TempDir()
	d1 := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	s1 := day(t, opts, 1, d1, m1, filepath.Join(dir, "day1.parquet"), false)
	day(t, opts, 1, d1, m1, filepath.Join(dir, "day1-plain.parquet"), true)
	m2, rep := retrain(t, m1, filepath.Join(dir, "day1.parquet"))
	base, _ := retrain(t, m1, filepath.Join(dir, "day1-plain.parquet"))
	if base.Feedback.Len() != 0 {
		t.Fatalf("a log without the spell columns gave %d feedback entries", base.Feedback.Len())
	}
	d2 := d1.AddDate(0, 0, 1)
	with := day(t, opts, 2, d2, m2, filepath.Join(dir, "day2.parquet"), false)
	without := day(t, opts, 2, d2, base, filepath.Join(dir, "day2-plain.parquet"), false)
	if with.Searches != without.Searches || with.Misspelled != without.Misspelled {
		t.Fatalf("the two day 2 logs differ in their searches: %+v vs %+v", with, without)
	}
	mo, _ := retrain(t, m1, filepath.Join(dir, "day2-plain.parquet"))
	oracle := day(t, opts, 2, d2, mo, filepath.Join(dir, "day2-oracle.parquet"), false)
	return loop{day1: s1, with: with, without: without, oracle: oracle, feedback: rep.Feedback, m1: m1, m2: m2}
}

// TestTwoDays runs two days of 200,000 sessions (twoDays): M2 removes at least half of the wrong automatic
// corrections of the baseline on day 2 that a table of that day's own answers removes, offers the meant
// query to as many misspelled searches (within 0.02), and its table grows the bundle by less than 5%. About
// 30 s.
func TestTwoDays(t *testing.T) {
	if testing.Short() {
		t.Skip("-short")
	}
	l := twoDays(t, 200000)
	with, without := l.with, l.without
	t.Logf("day 1 (M1): %+v wrong auto %d recall %.4f", *l.day1, l.day1.WrongAuto(), l.day1.Recall())
	t.Logf("feedback: %+v", l.feedback)
	t.Logf("day 2 without feedback: %+v wrong auto %d recall %.4f", *without, without.WrongAuto(), without.Recall())
	t.Logf("day 2 with feedback:    %+v wrong auto %d recall %.4f", *with, with.WrongAuto(), with.Recall())
	t.Logf("day 2 with day 2's own feedback (oracle): wrong auto %d", l.oracle.WrongAuto())
	// Yesterday's answers must remove at least half of the wrong automatic corrections that any table of
	// answers could remove on these searches (those of the oracle's table, learnt from day 2 itself).
	reachable := without.WrongAuto() - l.oracle.WrongAuto()
	if reachable <= 0 || 2*(without.WrongAuto()-with.WrongAuto()) < reachable {
		t.Errorf("wrong automatic corrections on day 2: %d with feedback, %d without, %d with the oracle's table: "+
			"want at least half of the %d the oracle removes removed", with.WrongAuto(), without.WrongAuto(),
			l.oracle.WrongAuto(), reachable)
	}
	if with.Recall() < without.Recall()-0.02 {
		t.Errorf("recall on day 2: %.4f with feedback, %.4f without", with.Recall(), without.Recall())
	}
	var a, b bytes.Buffer
	if _, err := l.m1.WriteTo(&a); err != nil {
		t.Fatal(err)
	}
	if _, err := l.m2.WriteTo(&b); err != nil {
		t.Fatal(err)
	}
	t.Logf("bundle %d bytes, with the feedback table (%d entries) %d (%+.2f%%)", a.Len(), l.m2.Feedback.Len(), b.Len(),
		100*float64(b.Len()-a.Len())/float64(a.Len()))
	if b.Len() > a.Len()*105/100 {
		t.Errorf("the feedback table grows the bundle from %d to %d bytes: more than 5%%", a.Len(), b.Len())
	}
}

// BenchmarkTwoDays reports what feedback changes on day 2 (twoDays, 200,000 sessions a day; one iteration is
// enough: -benchtime 1x): wrong automatic corrections and recall, with and without the feedback table.
func BenchmarkTwoDays(b *testing.B) {
	for b.Loop() {
		l := twoDays(b, 200000)
		b.ReportMetric(float64(l.without.WrongAuto()), "wrong-auto-without")
		b.ReportMetric(float64(l.with.WrongAuto()), "wrong-auto-with")
		b.ReportMetric(l.without.Recall(), "recall-without")
		b.ReportMetric(l.with.Recall(), "recall-with")
		b.ReportMetric(float64(l.m2.Feedback.Len()), "entries")
	}
}
