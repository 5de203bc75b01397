//go:build !unix

package candidates

import "time"

// processCPU is not implemented here: benchmarks then do not report cpu-ns/op.
func processCPU() time.Duration { return 0 }
