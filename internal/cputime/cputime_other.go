//go:build !unix

package cputime

import "time"

// Process is not implemented on this system: it returns 0, and callers then report no CPU time.
func Process() time.Duration { return 0 }
