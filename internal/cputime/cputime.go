//go:build unix

// Package cputime reads the CPU time a process has used, for benchmarks that report CPU per operation
// beside wall time (on a shared machine the two differ).
//
//	start := cputime.Process()
//	work()
//	used := cputime.Process() - start
package cputime

import (
	"syscall"
	"time"
)

// Process returns the CPU time (user and system) this process has used so far, or 0 if unknown.
func Process() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
