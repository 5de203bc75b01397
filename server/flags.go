package server

import "flag"

// RegisterFlags registers the flags of the options that the server owns on fs, with o's values as defaults:
// --model, --max-query-bytes, --max-tokens, --max-in-flight, --max-batch, --cache-bytes, --cache-size (deprecated), --token-cache.
func (o *Options) RegisterFlags(fs *flag.FlagSet) {
	fs.StringVar(&o.ModelPath, "model", o.ModelPath, "model bundle `file` to serve and watch for changes (default: the embedded model)")
	fs.IntVar(&o.MaxQueryBytes, "max-query-bytes", o.MaxQueryBytes, "longest query accepted, in `bytes`")
	fs.IntVar(&o.MaxTokens, "max-tokens", o.MaxTokens, "most tokens accepted in a query")
	fs.IntVar(&o.MaxInFlight, "max-in-flight", o.MaxInFlight, "queries the speller calls running may carry at once (a CorrectBatch counts its queries, at most a quarter of this) before more calls are shed with RESOURCE_EXHAUSTED (0: 64×GOMAXPROCS)")
	fs.IntVar(&o.MaxBatch, "max-batch", o.MaxBatch, "most queries in one CorrectBatch call (0: 1000)")
	fs.Int64Var(&o.CacheBytes, "cache-bytes", o.CacheBytes, "memory of the response cache of the model serving, in `bytes` (0: 16 MiB; negative: no cache)")
	fs.IntVar(&o.CacheSize, "cache-size", o.CacheSize, "deprecated, use --cache-bytes: if positive, most answers in the response cache as well (negative: no cache)")
	fs.IntVar(&o.TokenCache, "token-cache", o.TokenCache, "tokens whose candidates the model serving keeps (0: 16384; negative: no cache)")
}
