//go:build !race

package tokenize

// raceEnabled is set under the race detector, which makes sync.Pool drop items at random, so the
// allocation counts of the pooled normalization path are not meaningful.
const raceEnabled = false
