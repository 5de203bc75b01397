//go:build !race

package candidates

const raceEnabled = false
