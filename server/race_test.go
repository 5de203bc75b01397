//go:build race

package server

// raceEnabled: the race detector changes what the heap holds (sync.Pool drops items at random, its own
// bookkeeping), so heap measurements are meaningless under it.
const raceEnabled = true
