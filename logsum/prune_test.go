package logsum

import (
	"maps"
	"strings"
	"testing"
)

func TestPruneMap(t *testing.T) {
	tests := []struct {
		name     string
		m        map[string]int64
		keep     int
		want     map[string]int64
		n, total int64
	}{
		{"no tie", map[string]int64{"a": 5, "b": 1, "c": 1, "d": 3, "e": 2}, 2, map[string]int64{"a": 5, "d": 3}, 3, 4},
		// b and c weigh 2, one of them is cut: the least key (b) goes, the greatest (c) stays.
		{"tie at the cut", map[string]int64{"a": 5, "b": 2, "c": 2, "d": 1}, 2, map[string]int64{"a": 5, "c": 2}, 2, 3},
		{"all tied", map[string]int64{"x": 1, "y": 1, "z": 1}, 1, map[string]int64{"z": 1}, 2, 2},
		{"keep all", map[string]int64{"x": 1}, 3, map[string]int64{"x": 1}, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, total := pruneMap(tt.m, tt.keep, func(v int64) int64 { return v }, strings.Compare)
			if n != tt.n || total != tt.total || !maps.Equal(tt.m, tt.want) {
				t.Fatalf("pruned %d (%d): %v, want %d (%d): %v", n, total, tt.m, tt.n, tt.total, tt.want)
			}
		})
	}
}
