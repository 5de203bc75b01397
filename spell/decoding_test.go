package spell_test

import (
	"bytes"
	"context"
	"testing"

	"github.com/spellwright/speller/internal/testmodel"
	"github.com/spellwright/speller/model"
	"github.com/spellwright/speller/spell"
)

// TestDecoding: the options that change answers come from the request's Options first, then from the bundle
// (model.Bundle.Decoding, pinned by the trainer and read back from the file), then from the defaults; a bundle
// that pins a candidate distance of one edit (and no wider search) keeps that answer whatever the binary's
// defaults.
func TestDecoding(t *testing.T) {
	const query, twoEdits = "jwlery box", "jewelry box" // jwlery is two edits from jewelry
	ctx := context.Background()
	base := testmodel.Build(t, "decoding")
	if base.Decoding != spell.DefaultDecoding() {
		t.Fatalf("the trainer pinned %+v, want the defaults %+v", base.Decoding, spell.DefaultDecoding())
	}
	oneEdit := *base
	oneEdit.Decoding.MaxDistance = 1
	oneEdit.Decoding.WeakMargin = -1 // no wider search (one edit further, or by sound) either
	oneEdit.Decoding.NBest = 2
	var file bytes.Buffer
	if _, err := oneEdit.WriteTo(&file); err != nil {
		t.Fatal(err)
	}
	read, err := model.Read(&file)
	if err != nil {
		t.Fatal(err)
	}
	zero := *base
	zero.Decoding = model.Decoding{}
	for _, tt := range []struct {
		name string
		b    *model.Bundle
		opts spell.Options
		want model.Decoding
		best string // the best reading of query
	}{
		{"trained", base, spell.Options{}, spell.DefaultDecoding(), twoEdits},
		{"nothing pinned: the defaults", &zero, spell.Options{}, spell.DefaultDecoding(), twoEdits},
		{"pinned one edit, read from the file", read, spell.Options{}, oneEdit.Decoding, query},
		{"the options over the bundle", read, spell.Options{MaxDistance: 2, NBest: 5, WeakMargin: 3}, spell.DefaultDecoding(), twoEdits},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c := spell.New(tt.b, tt.opts)
			if got := c.Decoding(); got != tt.want {
				t.Errorf("Decoding() = %+v, want %+v", got, tt.want)
			}
			if got := tt.opts.Decoding(tt.b); got != tt.want {
				t.Errorf("Options.Decoding = %+v, want %+v", got, tt.want)
			}
			r, err := c.Correct(ctx, spell.Request{Query: query})
			if err != nil {
				t.Fatal(err)
			}
			if r.BestPath != tt.best {
				t.Errorf("best reading of %q = %q, want %q", query, r.BestPath, tt.best)
			}
			if len(r.Alternatives) > c.Decoding().NBest {
				t.Errorf("%d alternatives, more than the %d paths decoded", len(r.Alternatives), c.Decoding().NBest)
			}
		})
	}
}
