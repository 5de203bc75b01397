package spell

// Unknown words: the terms of log P_unk that depend on the typed token, its length and its shape.

import (
	"unicode/utf8"

	"github.com/spellwright/speller/charlm"
	"github.com/spellwright/speller/langmodel"
	"github.com/spellwright/speller/model"
	"github.com/spellwright/speller/tokenize"
)

// unkLengthRunes and unkRuneLogProb shape P_unk by length: a token outside the vocabulary of r runes has
// log P = log P_unk + unkRuneLogProb·max(0, r − unkLengthRunes). P_unk is the probability of an unknown
// word of ordinary length; a string much longer than words are (such as several words run together) is
// less probable the longer it is, by about one letter choice in 26 for each extra rune. Without this a
// query typed without spaces would stay as typed at any length.
const (
	unkLengthRunes = 12
	unkRuneLogProb = -3.258 // log(1/26)
)

// unkLength returns the length term of log P_unk for the typed token t with vocabulary id (0 for a known
// word, a number, or a word of ordinary length); it goes into the Inner score of the typed token's state.
func unkLength(t tokenize.Token, id uint32) float64 {
	if id != langmodel.Unknown || t.Kind != tokenize.Word || len(t.Text) <= unkLengthRunes {
		return 0
	}
	return unkRuneLogProb * float64(max(0, utf8.RuneCountInString(t.Text)-unkLengthRunes))
}

// newShape builds the character model of the vocabulary's words (charlm), about 0.1 s for 100k words.
func newShape(lm *langmodel.Model) *charlm.Model {
	words := make([]string, lm.Len())
	for i := range words {
		words[i] = lm.Word(uint32(i))
	}
	return charlm.New(words)
}

// unknownTerms returns, for an unknown word token, the two terms of its log P_unk that the tuned weights
// multiply (0, 0 for other tokens): its surprise under the character model of the vocabulary
// (charlm.Model.Surprise), never above 0, which unk_shape weighs, and how many runes it is shorter than
// model.UnkLengthPivot (0 when not shorter), which unk_length weighs. A string that reads like no word of the
// language ("jellqy") is less probable as an unknown word than one that does ("restoril"), so the correction
// that explains it wins more easily, while a rare name keeps P_unk; a short one ("nfcu") is more probable, as
// likely an abbreviation or a code as a mistyped word. A possessive's "'s" counts for neither (it is rare in
// a vocabulary, not in names).
func (c *Corrector) unknownTerms(t tokenize.Token, id uint32) (surprise, shortBy float64) {
	if id != langmodel.Unknown || t.Kind != tokenize.Word {
		return 0, 0
	}
	word, _ := tokenize.Possessive(t.Text)
	return min(0, c.shape.Surprise(word)), float64(max(0, model.UnkLengthPivot-utf8.RuneCountInString(word)))
}

// typedRank is the rank of a typed token against its candidates when they are drawn: log P(t), or log P_unk
// with the token's own terms (tokInfo.unk) when it is unknown, but for the length term of unk_length. That
// term makes a short token more probable as typed in the decision (its state's Inner score), not in the
// drawing: a short token's candidates and wider searches are those of a model without it, as the tuner drew
// them (spell.Prepared draws candidates under its starting parameters), and a short unknown token does not
// set off the wide searches (Options.WeakMargin) the more often for it.
func (c *Corrector) typedRank(inf tokInfo) float64 {
	if inf.id != langmodel.Unknown {
		return c.b.LM.LogUnigram(inf.id)
	}
	return c.p.LogPUnk + inf.unk - inf.length
}
