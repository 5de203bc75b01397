package editdist

// Pattern computes OSA against one string of at most 64 runes, many times, with the bit-parallel algorithm
// of Hyyrö ("A bit-vector algorithm for computing Levenshtein and Damerau edit distances", 2003): one column
// of the dynamic-programming table per rune of the other string, in a dozen word operations, whatever the
// distance bound. It answers exactly what OSA answers. The zero value holds the empty pattern; a Pattern must
// not be used by two goroutines at the same time.
type Pattern struct {
	runes []rune
	ascii [128]uint64 // bit i set when runes[i] is the ASCII rune
	other []peq       // the same for the other runes of the pattern
}

type peq struct {
	r    rune
	mask uint64
}

// MaxPatternRunes is the longest string a Pattern holds.
const MaxPatternRunes = 64

// Reset makes a the pattern and reports whether it fits (at most MaxPatternRunes runes); when it does not,
// the Pattern holds the empty string. Its cost is one step per rune of a and of the previous pattern.
func (p *Pattern) Reset(a []rune) bool {
	for _, r := range p.runes {
		if uint32(r) < 128 {
			p.ascii[r] = 0
		}
	}
	p.runes, p.other = p.runes[:0], p.other[:0]
	if len(a) > MaxPatternRunes {
		return false
	}
	p.runes = append(p.runes, a...)
	for i, r := range a {
		bit := uint64(1) << uint(i)
		if uint32(r) < 128 {
			p.ascii[r] |= bit
			continue
		}
		found := false
		for k := range p.other {
			if p.other[k].r == r {
				p.other[k].mask |= bit
				found = true
				break
			}
		}
		if !found {
			p.other = append(p.other, peq{r, bit})
		}
	}
	return true
}

// match returns the positions of r in the pattern as a bit set.
func (p *Pattern) match(r rune) uint64 {
	if uint32(r) < 128 {
		return p.ascii[r]
	}
	for _, o := range p.other {
		if o.r == r {
			return o.mask
		}
	}
	return 0
}

// Distance returns OSA(pattern, b) if it is at most max, and max+1 otherwise (a negative max is treated as 0),
// like OSA. It returns max+1 at once when the lengths differ by more than max, and stops as soon as the
// distance cannot come back within max.
func (p *Pattern) Distance(b []rune, max int) int {
	max = maxInt(max, 0)
	m, n := len(p.runes), len(b)
	if m-n > max || n-m > max {
		return max + 1
	}
	if m == 0 {
		return n
	}
	// Column j of the table, D[i][j] for i = 0..m, is kept as its vertical differences: VP bit i-1 set when
	// D[i][j] − D[i−1][j] = +1, VN when −1. score follows D[m][j], the last row.
	var (
		vp, vn, d0, prev uint64
		top              = uint64(1) << uint(m-1)
		score            = m
	)
	vp = ^uint64(0)
	for j, c := range b {
		pm := p.match(c)
		tr := ((^d0 & pm) << 1) & prev // transpositions: p[i−1]p[i] = b[j]b[j−1]
		d0 = (((pm & vp) + vp) ^ vp) | pm | vn | tr
		hp := vn | ^(d0 | vp)
		hn := d0 & vp
		switch {
		case hp&top != 0:
			score++
		case hn&top != 0:
			score--
		}
		x := hp<<1 | 1 // D[0][j] = j: the first row always grows
		vn = x & d0
		vp = hn<<1 | ^(x | d0)
		prev = pm
		// The last row falls by at most one per remaining column.
		if score-(n-1-j) > max {
			return max + 1
		}
	}
	if score > max {
		return max + 1
	}
	return score
}

func maxInt(a, b int) int {
	if a > b {
		return a
	}
	return b
}
