package spell

import (
	"fmt"
	"slices"
	"unicode/utf8"

	"github.com/spellwright/speller/langmodel"
	"github.com/spellwright/speller/model"
	"github.com/spellwright/speller/tokenize"
)

// Protected and never-suggest terms.
//
// A protected term is a token the speller never changes: not corrected, not merged with a neighbour, not
// split. A never-suggest term is a word it never produces: not as a correction, not in an alternative, not as
// a part of a split or of a segmentation (a shopper who typed the word still gets it back unchanged). The model
// carries both lists (model.Bundle.Protected, NeverSuggest, from the trainer's --protect and --never-suggest
// files) and a request may add to them (Request.Protected, NeverSuggest). A term is normalized like a query
// token (NFKC, case folding); a term of several tokens ("levi's 501") stands for each of its word tokens.

// modelTerms are the model's lists, resolved once per Corrector.
type modelTerms struct {
	protected map[string]bool
	never     []uint64 // bit set over language-model ids
}

func newModelTerms(b *model.Bundle) *modelTerms {
	t := &modelTerms{}
	var toks []tokenize.Token
	for _, term := range b.Protected {
		toks = tokenize.Tokenize(toks[:0], term)
		for _, tok := range toks {
			if t.protected == nil {
				t.protected = make(map[string]bool)
			}
			t.protected[tok.Text] = true
		}
	}
	for _, term := range b.NeverSuggest {
		toks = tokenize.Tokenize(toks[:0], term)
		for _, tok := range toks {
			if id, ok := b.LM.ID(tok.Text); ok {
				if t.never == nil {
					t.never = make([]uint64, (b.LM.Len()+63)/64)
				}
				t.never[id/64] |= 1 << (id % 64)
			}
		}
	}
	return t
}

// terms are the lists in force for one request: the model's and the request's.
type terms struct {
	model     *modelTerms
	protected []string // the request's, normalized
	never     []uint32 // the request's, as vocabulary ids (a word outside the vocabulary is never produced anyway)
	toks      []tokenize.Token
}

// checkTerms checks the request's terms against the limits: ErrTooMany beyond Options.MaxTerms terms,
// ErrTooLong for a term longer than Options.MaxQueryBytes, ErrInvalidUTF8.
func (c *Corrector) checkTerms(req *Request) error {
	if n := len(req.Protected) + len(req.NeverSuggest); n > c.opts.MaxTerms {
		return fmt.Errorf("%w: %d protected and never-suggest terms, the limit is %d", ErrTooMany, n, c.opts.MaxTerms)
	}
	for _, list := range [][]string{req.Protected, req.NeverSuggest} {
		for _, term := range list {
			if len(term) > c.opts.MaxQueryBytes {
				return fmt.Errorf("%w: a term of %d bytes, the limit is %d", ErrTooLong, len(term), c.opts.MaxQueryBytes)
			}
			if !utf8.ValidString(term) {
				return fmt.Errorf("%w (a protected or never-suggest term)", ErrInvalidUTF8)
			}
		}
	}
	return nil
}

// setTerms fills t with the model's lists and the request's, reusing t's buffers.
func (c *Corrector) setTerms(t *terms, req *Request) {
	t.model = c.lists
	t.protected, t.never = t.protected[:0], t.never[:0]
	for _, term := range req.Protected {
		t.toks = tokenize.Tokenize(t.toks[:0], term)
		for _, tok := range t.toks {
			t.protected = append(t.protected, tok.Text)
		}
	}
	for _, term := range req.NeverSuggest {
		t.toks = tokenize.Tokenize(t.toks[:0], term)
		for _, tok := range t.toks {
			if id, ok := c.b.LM.ID(tok.Text); ok {
				t.never = append(t.never, id)
			}
		}
	}
}

// any reports whether the request added terms.
func (t *terms) any() bool { return len(t.protected) > 0 || len(t.never) > 0 }

// isProtected reports whether the typed token (normalized text) must stay as typed.
func (t *terms) isProtected(token string) bool {
	return t.model.protected[token] || slices.Contains(t.protected, token)
}

// isNever reports whether the word must not be produced.
func (t *terms) isNever(id uint32) bool {
	if id == langmodel.Unknown {
		return false
	}
	if n := t.model.never; n != nil && n[id/64]&(1<<(id%64)) != 0 {
		return true
	}
	return slices.Contains(t.never, id)
}
