package buildinfo

import (
	"runtime/debug"
	"strings"
	"testing"
	"time"
)

func TestWrite(t *testing.T) {
	m := Model{Version: "en-1", Built: time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)}
	tests := []struct {
		name string
		bi   *debug.BuildInfo
		want string
	}{
		{"stamped", &debug.BuildInfo{GoVersion: "go1.26.0", Main: debug.Module{Path: "github.com/spellwright/speller", Version: "v1.2.3"},
			Settings: []debug.BuildSetting{{Key: "-compiler", Value: "gc"}, {Key: "vcs", Value: "git"},
				{Key: "vcs.revision", Value: "0123abcd"}, {Key: "vcs.time", Value: "2026-12-01T10:00:00Z"}, {Key: "vcs.modified", Value: "true"}}},
			"program        spelld\nmodule         github.com/spellwright/speller v1.2.3\n" +
				"revision       0123abcd (2026-12-01T10:00:00Z), modified\ngo             go1.26.0\n" +
				"default model  en-1 (built 2026-11-23T00:00:00Z)\n"},
		{"not stamped", &debug.BuildInfo{GoVersion: "go1.26.0", Main: debug.Module{Path: "github.com/spellwright/speller", Version: "(devel)"}},
			"program        spelld\nmodule         github.com/spellwright/speller (devel)\n" +
				"revision       unknown (built without VCS information: -buildvcs=false, or not from a git clone)\n" +
				"go             go1.26.0\ndefault model  en-1 (built 2026-11-23T00:00:00Z)\n"},
		{"no build information", nil,
			"program        spelld\nmodule         github.com/spellwright/speller (no build information)\n" +
				"revision       unknown (built without VCS information: -buildvcs=false, or not from a git clone)\n" +
				"go             unknown\ndefault model  en-1 (built 2026-11-23T00:00:00Z)\n"},
	}
	for _, tt := range tests {
		var out strings.Builder
		if err := Write(&out, "spelld", tt.bi, m); err != nil {
			t.Fatal(err)
		}
		if out.String() != tt.want {
			t.Errorf("%s: wrote\n%s\nwant\n%s", tt.name, out.String(), tt.want)
		}
	}
}
