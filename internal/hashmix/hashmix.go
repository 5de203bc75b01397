// Package hashmix is the 64-bit finalizer the in-memory hash tables share (splitmix64's): it spreads keys and
// weak hashes over all bits, so that masking the low bits gives well-distributed buckets.
//
//	bucket := hashmix.Mix(key) & mask
package hashmix

// Mix returns x with its bits mixed (the splitmix64 finalizer: two multiply-xorshift rounds). It is a
// bijection on uint64, so distinct keys stay distinct.
func Mix(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}
