package errormodel

import (
	"fmt"

	"github.com/spellwright/speller/internal/binenc"
)

func errCorrupt(what string) error { return fmt.Errorf("errormodel: %w: %s", binenc.ErrCorrupt, what) }

func fmtErr(err error) error { return fmt.Errorf("errormodel: %w", err) }
