package spell

import (
	"context"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/spellwright/speller/candidates"
	"github.com/spellwright/speller/errormodel"
	"github.com/spellwright/speller/langmodel"
	"github.com/spellwright/speller/model"
)

// The neighbour table (Options.Neighbours): for every vocabulary word, the words one edit away, in descending
// order of log P(w) (the order the default index visits them in, candidates.SymSpell.LookupOrdered), with the
// error model's log P(word typed | neighbour meant). Most tokens of a query are vocabulary words typed as they
// are, and their column is the words one edit away ranked by log P(w) + λ·log P(t|w): with the table it is
// drawn from memory, without the index's look-up and the alignments, and is the same column; so are the
// misspelled parts one edit from a substring that is a vocabulary word, in a segmentation (fuzzyParts). The table
// depends on the model only (not on the hyperparameters), so the correctors of WithParams share it. Built
// once per model, in the background (about 1.2 s of CPU for 125,000 words, spread over the cores; 866,000
// neighbours, 7 MB); until it is complete, columns are drawn from the index as without it.
type neighbourTable struct {
	start []uint32  // the neighbours of word id are ids[start[id]:start[id+1]]
	ids   []uint32  // word ids
	em    []float32 // log P(word | neighbour): errormodel.Model.LogProb, a float32 sum, so exact
}

// neighbourDistance is the distance of the table's words: that of the candidates of a vocabulary word when
// Options.MaxDistance is 2 (one edit closer; see Options.KnownLogProb).
const neighbourDistance = 1

// neighbours holds a corrector's table once it is built.
type neighbours struct {
	table atomic.Pointer[neighbourTable]
	done  chan struct{} // closed when the build ends
}

// of returns the table when it is built, else nil.
func (n *neighbours) of() *neighbourTable {
	if n == nil {
		return nil
	}
	return n.table.Load()
}

// buildNeighbours builds the table of the vocabulary of lm, which idx indexes in descending order of
// log P(w), with em and up to workers goroutines.
func buildNeighbours(lm *langmodel.Model, idx *candidates.SymSpell, em *errormodel.Model, workers int) *neighbourTable {
	n := lm.Len()
	workers = max(1, min(workers, n/minNeighbourChunk))
	type part struct {
		counts []uint32 // neighbours of each word of the part
		ids    []uint32
		em     []float32
	}
	parts := make([]part, workers)
	var wg sync.WaitGroup
	for k := range workers {
		lo, hi := k*n/workers, (k+1)*n/workers
		wg.Go(func() {
			p := part{counts: make([]uint32, 0, hi-lo)}
			var wr []rune // the word's runes
			for id := lo; id < hi; id++ {
				w := lm.Word(uint32(id))
				c := 0
				wr = wr[:0]
				for _, r := range w {
					wr = append(wr, r)
				}
				idx.LookupOrdered(w, neighbourDistance, neighbourDistance, func(v candidates.Visit) bool {
					p.ids = append(p.ids, v.ID)
					p.em = append(p.em, float32(em.LogProbRunes(wr, v.Runes)))
					c++
					return true
				})
				p.counts = append(p.counts, uint32(c))
			}
			parts[k] = p
		})
	}
	wg.Wait()
	total := 0
	for _, p := range parts {
		total += len(p.ids)
	}
	t := &neighbourTable{start: make([]uint32, 0, n+1), ids: make([]uint32, 0, total), em: make([]float32, 0, total)}
	t.start = append(t.start, 0)
	for _, p := range parts {
		for _, c := range p.counts {
			t.start = append(t.start, t.start[len(t.start)-1]+c)
		}
		t.ids = append(t.ids, p.ids...)
		t.em = append(t.em, p.em...)
	}
	return t
}

// minNeighbourChunk is the fewest words a goroutine of buildNeighbours takes.
const minNeighbourChunk = 4096

// startNeighbours builds the table in the background and returns its holder. The build cannot be stopped: a
// corrector replaced within the second it takes (a server's reload) is kept until it ends.
func startNeighbours(lm *langmodel.Model, idx *candidates.SymSpell, em *errormodel.Model) *neighbours {
	n := &neighbours{done: make(chan struct{})}
	go func() {
		defer close(n.done)
		n.table.Store(buildNeighbours(lm, idx, em, runtime.GOMAXPROCS(0)))
	}()
	return n
}

// neighboursUsable reports whether a corrector with options o would draw any column from the table (and so
// build it; the segmentation's parts use it too once built): the
// candidates of a vocabulary word are drawn neighbourDistance edits away when MaxDistance is one more, and,
// when it is neighbourDistance, for the words that are not common (a finite KnownLogProb) and longer than
// ShortToken.
func neighboursUsable(o Options) bool {
	return o.MaxDistance == neighbourDistance+1 || o.MaxDistance == neighbourDistance && o.KnownLogProb > model.EveryWord
}

// HasNeighbours reports whether the corrector has a neighbour table, built or being built: Options.Neighbours,
// the default index, and options under which it is used.
func (c *Corrector) HasNeighbours() bool { return c.nb != nil }

// WaitNeighbours waits until the neighbour table (Options.Neighbours) is built, and returns at once when the
// corrector builds none; it returns ctx.Err() when ctx ends first. Answers are the same before and after:
// only their cost changes.
func (c *Corrector) WaitNeighbours(ctx context.Context) error {
	if c.nb == nil || c.nb.of() != nil {
		return nil // built, or never asked for
	}
	select {
	case <-c.nb.done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
