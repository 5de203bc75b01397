package main

import (
	"fmt"
	"io"
	"runtime/debug"
	"text/tabwriter"
	"time"

	"github.com/spellwright/speller/data"
)

// printVersion prints the module version and VCS revision the binary was built from (runtime/debug
// build information; go build stamps the revision when it runs in a git clone) and the version of the
// embedded default model.
func printVersion(w io.Writer) error {
	b, err := data.Default()
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	module, version, goVersion := "github.com/spellwright/speller", "unknown", "unknown"
	revision := "unknown (built without VCS information: -buildvcs=false, or not from a git clone)"
	if bi, ok := debug.ReadBuildInfo(); ok {
		module, version, goVersion = bi.Main.Path, bi.Main.Version, bi.GoVersion
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
	fmt.Fprintf(tw, "module\t%s %s\n", module, version)
	fmt.Fprintf(tw, "revision\t%s\n", revision)
	fmt.Fprintf(tw, "go\t%s\n", goVersion)
	fmt.Fprintf(tw, "default model\t%s (built %s)\n", b.Meta.Version, b.Meta.BuildTime.UTC().Format(time.RFC3339))
	return tw.Flush()
}
