// Package editdist computes the restricted Damerau–Levenshtein distance (optimal string alignment, OSA:
// insertions, deletions, substitutions and transpositions of adjacent characters each cost 1, no substring
// edited twice) between rune slices.
//
// OSA is not a metric (it violates the triangle inequality: OSA("ca", "ac") = 1, OSA("ac", "abc") = 1 but
// OSA("ca", "abc") = 3), which is why callers that need every string within a distance must verify each
// candidate with OSA rather than reason about distances transitively.
package editdist

// Scratch holds the reusable dynamic-programming rows of OSA. The zero value is ready to use; it grows on
// demand to 3·(min(len(a), len(b))+2) int32 cells and keeps that capacity, so once warmed up OSA allocates
// nothing. A Scratch must not be used by two goroutines at the same time.
type Scratch struct {
	cells []int32
}

// stackCells is the number of DP cells OSA keeps on the stack when called with a nil *Scratch; it covers
// strings of up to 62 runes (after trimming the common prefix and suffix) without allocating.
const stackCells = 3 * 64

// OSA returns the OSA distance between a and b if it is at most max, and max+1 otherwise. A negative max is
// treated as 0.
//
// The computation first strips the common prefix and suffix (which never changes the OSA distance), returns
// max+1 at once when the lengths differ by more than max, and then fills only the diagonal band of width
// 2·max+1 of the dynamic-programming table, stopping as soon as every cell of a row exceeds max. Its cost is
// therefore O((2·max+1)·min(len(a), len(b))) time; memory is three rows of the shorter string.
//
// s, if non-nil, provides the rows and is grown as needed (see Scratch); with a nil s, OSA uses a stack buffer
// for short strings and allocates for long ones.
func OSA(a, b []rune, max int, s *Scratch) int {
	if max < 0 {
		max = 0
	}
	// Strip the common prefix and suffix.
	n := min(len(a), len(b))
	i := 0
	for i < n && a[i] == b[i] {
		i++
	}
	a, b = a[i:], b[i:]
	for len(a) > 0 && len(b) > 0 && a[len(a)-1] == b[len(b)-1] {
		a, b = a[:len(a)-1], b[:len(b)-1]
	}
	// Let a be the shorter string: it indexes the columns, so rows are short.
	if len(a) > len(b) {
		a, b = b, a
	}
	la, lb := len(a), len(b)
	if lb-la > max {
		return max + 1
	}
	if la == 0 {
		return lb // lb <= max here
	}
	if la == 1 && lb == 1 {
		return 1 // the single runes differ (otherwise they were stripped)
	}
	// Rows are indexed by positions in b (the longer string, i = 0..lb) and columns by positions in a
	// (j = 0..la), so a row has la+1 cells; three rows (i-2, i-1, i) are kept for transpositions.
	w := la + 2 // one spare cell so that reading one past the band's right edge stays in range
	need := 3 * w
	var cells []int32
	if s != nil {
		if cap(s.cells) < need {
			s.cells = make([]int32, need)
		}
		cells = s.cells[:need]
	} else if need <= stackCells {
		var buf [stackCells]int32
		cells = buf[:need]
	} else {
		cells = make([]int32, need)
	}
	return band(a, b, max, cells, w)
}

// band fills the banded OSA table of a (columns, the shorter string) against b (rows). Cells outside the band
// read as inf.
func band(a, b []rune, max int, cells []int32, w int) int {
	la, lb := len(a), len(b)
	inf := int32(max + 1)
	m := int32(max)
	pp := cells[0:w]       // row i-2
	prev := cells[w : 2*w] // row i-1
	cur := cells[2*w : 3*w]

	// Row 0: distance from the empty prefix of b to a[:j] is j, inside the band j <= max.
	hi := min(la, max)
	for j := 0; j <= hi; j++ {
		prev[j] = int32(j)
	}
	prev[hi+1] = inf // hi+1 <= la+1 < w
	for i := 1; i <= lb; i++ {
		bi := b[i-1]
		lo := i - max
		if lo < 1 {
			lo = 1
			cur[0] = int32(i) // column 0 is in the band while i <= max
		} else {
			cur[lo-1] = inf
		}
		hi := min(la, i+max)
		rowMin := inf
		if lo == 1 && cur[0] < rowMin {
			rowMin = cur[0]
		}
		for j := lo; j <= hi; j++ {
			aj := a[j-1]
			// substitution / match
			d := prev[j-1]
			if aj != bi {
				d++
			}
			if v := prev[j] + 1; v < d { // deletion of b[i-1]
				d = v
			}
			if v := cur[j-1] + 1; v < d { // insertion of a[j-1]
				d = v
			}
			if i > 1 && j > 1 && aj == b[i-2] && a[j-2] == bi {
				if v := pp[j-2] + 1; v < d { // transposition
					d = v
				}
			}
			if d > inf {
				d = inf
			}
			cur[j] = d
			if d < rowMin {
				rowMin = d
			}
		}
		if rowMin > m {
			return max + 1
		}
		if hi+1 <= la {
			cur[hi+1] = inf
		}
		pp, prev, cur = prev, cur, pp
	}
	if d := prev[la]; d <= m {
		return int(d)
	}
	return max + 1
}
