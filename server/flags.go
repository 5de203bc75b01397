package server

import (
	"flag"
	"strconv"
)

// RegisterFlags registers the flags of the options that the server owns on fs, with o's values as defaults:
// --model, --max-query-bytes, --max-tokens, --max-in-flight, --max-batch, --stream-workers, --cache-bytes, --cache-size (deprecated), --token-cache,
// --neighbours.
func (o *Options) RegisterFlags(fs *flag.FlagSet) {
	fs.StringVar(&o.ModelPath, "model", o.ModelPath, "model bundle `file` to serve and watch for changes (default: the embedded model)")
	fs.IntVar(&o.MaxQueryBytes, "max-query-bytes", o.MaxQueryBytes, "longest query accepted, in `bytes`")
	fs.IntVar(&o.MaxTokens, "max-tokens", o.MaxTokens, "most tokens accepted in a query")
	fs.IntVar(&o.MaxInFlight, "max-in-flight", o.MaxInFlight, "queries the speller calls running may carry at once (a CorrectBatch counts its queries, at most a quarter of this) before more calls are shed with RESOURCE_EXHAUSTED (0: 64×GOMAXPROCS)")
	fs.IntVar(&o.MaxBatch, "max-batch", o.MaxBatch, "most queries in one CorrectBatch call (0: 1000)")
	fs.IntVar(&o.StreamWorkers, "stream-workers", o.StreamWorkers, "goroutines kept to run the calls, so that each call does not grow a new goroutine's stack (0: 16×GOMAXPROCS; at most 16384; negative: a new goroutine per call)")
	fs.Int64Var(&o.CacheBytes, "cache-bytes", o.CacheBytes, "memory of the response cache of the model serving, in `bytes` (0: 16 MiB; negative: no cache)")
	fs.IntVar(&o.CacheSize, "cache-size", o.CacheSize, "deprecated, use --cache-bytes: if positive, most answers in the response cache as well (negative: no cache)")
	fs.IntVar(&o.TokenCache, "token-cache", o.TokenCache, "tokens whose candidates the model serving keeps (0: 16384; negative: no cache)")
	fs.Var(negated{&o.NoNeighbours}, "neighbours", "keep every vocabulary word's candidates one edit away in memory (about 7 MB, built in the background after a load): most tokens then need no index look-up; the answers are the same")
}

// negated is a boolean flag that sets the negation of the option it points to.
type negated struct{ p *bool }

func (n negated) String() string {
	if n.p == nil {
		return "false" // the zero value, which flag compares with the default to print "(default true)"
	}
	return strconv.FormatBool(!*n.p)
}

func (n negated) Set(s string) error {
	v, err := strconv.ParseBool(s)
	if err != nil {
		return err
	}
	*n.p = !v
	return nil
}

func (n negated) IsBoolFlag() bool { return true }
