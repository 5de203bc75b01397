package errormodel

// OpKind is the kind of one character edit.
type OpKind uint8

// The edit kinds. X and Y of an Op mean, per kind (see MODEL.md):
//
//	Sub   intended X typed as Y
//	Ins   Y typed after intended X (X is Start at the beginning of the word)
//	Del   intended Y, after X, left out (X is Start at the beginning of the word)
//	Trans intended XY typed as YX
const (
	Sub OpKind = iota + 1
	Ins
	Del
	Trans
)

func (k OpKind) String() string {
	switch k {
	case Sub:
		return "sub"
	case Ins:
		return "ins"
	case Del:
		return "del"
	case Trans:
		return "trans"
	}
	return "?"
}

// Start is the context character before the first character of a word ('^' in MODEL.md).
const Start rune = '^'

// Op is one character edit on an alignment.
type Op struct {
	Kind OpKind
	X, Y rune
}

// costs gives the cost of each edit for the alignment dynamic programme; unchanged characters cost 0.
type costs interface {
	sub(x, y rune) float32
	ins(x, y rune) float32
	del(x, y rune) float32
	trans(x, y rune) float32
}

// unit gives every edit cost 1: the plain optimal string alignment distance.
type unit struct{}

func (unit) sub(x, y rune) float32   { return 1 }
func (unit) ins(x, y rune) float32   { return 1 }
func (unit) del(x, y rune) float32   { return 1 }
func (unit) trans(x, y rune) float32 { return 1 }

const inf = float32(1e30)

// table is the dynamic programme's matrix, reused across calls.
type table struct {
	d    []float32
	cols int
}

func (t *table) reset(rows, cols int) {
	n := rows * cols
	if cap(t.d) < n {
		t.d = make([]float32, n)
	}
	t.d = t.d[:n]
	t.cols = cols
}

func (t *table) at(i, j int) float32     { return t.d[i*t.cols+j] }
func (t *table) set(i, j int, v float32) { t.d[i*t.cols+j] = v }

func prev(w []rune, i int) rune {
	if i == 0 {
		return Start
	}
	return w[i-1]
}

// fill runs the restricted Damerau–Levenshtein (optimal string alignment) programme that turns intended w into
// typed t under costs c, over cells with |i-j| within band (band < 0: every cell), and returns the cost of the
// cheapest alignment. Row i, column j hold the cost of turning w[:i] into t[:j].
func fill(tb *table, c costs, t, w []rune, band int) float32 {
	n, m := len(w), len(t)
	tb.reset(n+1, m+1)
	full := band < 0
	for i := 0; i <= n; i++ {
		lo, hi := 0, m
		if !full {
			lo, hi = max(0, i-band), min(m, i+band)
			// Cells just outside the band are read by the neighbours inside it.
			if lo > 0 {
				tb.set(i, lo-1, inf)
			}
			if hi < m {
				tb.set(i, hi+1, inf)
			}
		}
		for j := lo; j <= hi; j++ {
			if i == 0 && j == 0 {
				tb.set(0, 0, 0)
				continue
			}
			best := inf
			if i > 0 && j > 0 {
				v := tb.at(i-1, j-1)
				if w[i-1] != t[j-1] {
					v += c.sub(w[i-1], t[j-1])
				}
				best = min(best, v)
			}
			if i > 0 {
				best = min(best, tb.at(i-1, j)+c.del(prev(w, i-1), w[i-1]))
			}
			if j > 0 {
				best = min(best, tb.at(i, j-1)+c.ins(prev(w, i), t[j-1]))
			}
			if i > 1 && j > 1 && w[i-1] == t[j-2] && w[i-2] == t[j-1] && w[i-1] != w[i-2] {
				best = min(best, tb.at(i-2, j-2)+c.trans(w[i-2], w[i-1]))
			}
			tb.set(i, j, best)
		}
	}
	return tb.at(n, m)
}

// backtrace walks a filled table back from its last cell and returns the edits of one cheapest alignment, in
// order. Walking from the end, ties prefer a transposition, then a deletion, then an insertion, then a match or
// substitution: so an edit among repeated letters is placed last, where its left neighbour is the repeated
// letter ("adress" for "address" deletes d after d, "dresss" for "dress" inserts s after s), which is how
// doubling and undoubling errors are learnt as such.
func backtrace(tb *table, c costs, t, w []rune) []Op {
	var ops []Op
	i, j := len(w), len(t)
	const eps = 1e-4
	for i > 0 || j > 0 {
		cur := tb.at(i, j)
		switch {
		case i > 1 && j > 1 && w[i-1] == t[j-2] && w[i-2] == t[j-1] && w[i-1] != w[i-2] &&
			near(tb.at(i-2, j-2)+c.trans(w[i-2], w[i-1]), cur, eps):
			ops = append(ops, Op{Trans, w[i-2], w[i-1]})
			i, j = i-2, j-2
		case i > 0 && near(tb.at(i-1, j)+c.del(prev(w, i-1), w[i-1]), cur, eps):
			ops = append(ops, Op{Del, prev(w, i-1), w[i-1]})
			i--
		case j > 0 && near(tb.at(i, j-1)+c.ins(prev(w, i), t[j-1]), cur, eps):
			ops = append(ops, Op{Ins, prev(w, i), t[j-1]})
			j--
		case i > 0 && j > 0 && w[i-1] == t[j-1] && near(tb.at(i-1, j-1), cur, eps):
			i, j = i-1, j-1
		case i > 0 && j > 0 && w[i-1] != t[j-1] && near(tb.at(i-1, j-1)+c.sub(w[i-1], t[j-1]), cur, eps):
			ops = append(ops, Op{Sub, w[i-1], t[j-1]})
			i, j = i-1, j-1
		case j > 0:
			ops = append(ops, Op{Ins, prev(w, i), t[j-1]})
			j--
		default: // unreachable for a filled table; keeps a corrupt one from looping
			ops = append(ops, Op{Del, prev(w, i-1), w[i-1]})
			i--
		}
	}
	for l, r := 0, len(ops)-1; l < r; l, r = l+1, r-1 {
		ops[l], ops[r] = ops[r], ops[l]
	}
	return ops
}

func near(a, b, eps float32) bool { return a-b < eps && b-a < eps }

// Align returns the edits of an optimal string alignment of intended to typed with unit costs (the edits
// whose count is the restricted Damerau–Levenshtein distance), in order. Cost: O(len(typed)·len(intended)).
func Align(typed, intended string) []Op {
	var tb table
	t, w := []rune(typed), []rune(intended)
	fill(&tb, unit{}, t, w, -1)
	return backtrace(&tb, unit{}, t, w)
}
