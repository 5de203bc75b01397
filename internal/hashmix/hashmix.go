// Package hashmix is the 64-bit finalizer the in-memory hash tables share (splitmix64's): it spreads keys and
// weak hashes over all bits, so that masking the low bits gives well-distributed buckets; and Fibonacci
// hashing, one multiplication, for small keys such as ids whose hash only picks one of 2^bits slots.
//
//	bucket := hashmix.Mix(key) & mask
//	slot := hashmix.Fibonacci(id, bits)
package hashmix

// Fibonacci returns a hash of x in [0, 2^bits) (bits 0–64): the high bits of x·2⁶⁴/φ. Consecutive keys land
// far apart.
func Fibonacci(x uint64, bits uint) uint64 {
	if bits == 0 {
		return 0
	}
	return x * 0x9e3779b97f4a7c15 >> (64 - bits)
}

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
