//go:build race

package spell_test

// raceEnabled: the test binary runs under the race detector, about ten times slower.
const raceEnabled = true
