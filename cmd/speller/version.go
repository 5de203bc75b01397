package main

import (
	"io"

	"github.com/spellwright/speller/data"
	"github.com/spellwright/speller/internal/buildinfo"
)

// printVersion prints what the binary was built from and the embedded default model's version
// (internal/buildinfo, the same lines as spelld --version).
func printVersion(w io.Writer) error {
	b, err := data.Default()
	if err != nil {
		return err
	}
	return buildinfo.Write(w, "speller", buildinfo.Read(), buildinfo.Model{Version: b.Meta.Version, Built: b.Meta.BuildTime})
}
