package logsum

import (
	"reflect"
	"strings"
	"testing"
)

func TestPruneMap(t *testing.T) {
	m := map[string]int64{"a": 5, "b": 1, "c": 1, "d": 3, "e": 2}
	n, total := pruneMap(m, 2, func(v int64) int64 { return v }, strings.Compare)
	if n != 3 || total != 4 || !reflect.DeepEqual(m, map[string]int64{"a": 5, "d": 3}) {
		t.Fatalf("pruned %d (%d): %v", n, total, m)
	}
}
