// Package buildinfo writes what a binary was built from, in one format for speller and spelld (their
// --version): the program, the module and its version, the VCS revision when the build stamped one, the Go
// release, and the embedded default model's version.
package buildinfo

import (
	"fmt"
	"io"
	"runtime/debug"
	"text/tabwriter"
	"time"

	"github.com/spellwright/speller/data"
)

// Model is what Write says of the embedded model.
type Model struct {
	Version string
	Built   time.Time
}

// Write writes one aligned "key value" line each, from the build information bi (nil when the binary carries
// none): program, module, revision ("unknown (…)" without VCS stamps: go build stamps them in a git clone
// unless -buildvcs=false), go and default model.
func Write(w io.Writer, program string, bi *debug.BuildInfo, m Model) error {
	module, goVersion := "github.com/spellwright/speller (no build information)", "unknown"
	revision := "unknown (built without VCS information: -buildvcs=false, or not from a git clone)"
	if bi != nil {
		module, goVersion = bi.Main.Path+" "+bi.Main.Version, bi.GoVersion
		var rev, at, modified string
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				rev = s.Value
			case "vcs.time":
				at = s.Value
			case "vcs.modified":
				modified = s.Value
			}
		}
		if rev != "" {
			revision = rev
			if at != "" {
				revision += " (" + at + ")"
			}
			if modified == "true" {
				revision += ", modified"
			}
		}
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "program\t%s\n", program)
	fmt.Fprintf(tw, "module\t%s\n", module)
	fmt.Fprintf(tw, "revision\t%s\n", revision)
	fmt.Fprintf(tw, "go\t%s\n", goVersion)
	fmt.Fprintf(tw, "default model\t%s (built %s)\n", m.Version, m.Built.UTC().Format(time.RFC3339))
	return tw.Flush()
}

// Read returns the binary's build information, or nil when it carries none.
func Read() *debug.BuildInfo {
	if bi, ok := debug.ReadBuildInfo(); ok {
		return bi
	}
	return nil
}

// WriteBinary writes Write's lines for the running binary, program, and the embedded default model.
func WriteBinary(w io.Writer, program string) error {
	b, err := data.Default()
	if err != nil {
		return err
	}
	return Write(w, program, Read(), Model{Version: b.Meta.Version, Built: b.Meta.BuildTime})
}
