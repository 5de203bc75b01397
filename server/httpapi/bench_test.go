package httpapi_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	spellerv1 "github.com/spellwright/speller/proto/speller/v1"
	"github.com/spellwright/speller/server"
	"github.com/spellwright/speller/server/httpapi"
)

// benchQueries are misspelled and correct shopping queries.
var benchQueries = []string{"jewlery box", "flower girl baske", "silvr earings", "red dress", "buttor dish",
	"wedding dresss", "ear ring", "pearl neckalce", "ceramic vase", "leather wallet for men"}

// BenchmarkCorrect compares Correct over gRPC and over HTTP/JSON on loopback, with parallel clients: with the
// response cache (the transport's cost) and without it (every call corrects its query).
func BenchmarkCorrect(b *testing.B) {
	for _, cache := range []int{0, -1} {
		f := start(b, server.Options{CacheSize: cache}, httpapi.Options{}, true)
		name := map[int]string{0: "cached", -1: "uncached"}[cache]
		b.Run("grpc/"+name, func(b *testing.B) {
			var n atomic.Int64
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					q := benchQueries[n.Add(1)%int64(len(benchQueries))]
					if _, err := f.client.Correct(context.Background(), &spellerv1.CorrectRequest{Query: q}); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
		b.Run("http/"+name, func(b *testing.B) {
			client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
			var n atomic.Int64
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					q := benchQueries[n.Add(1)%int64(len(benchQueries))]
					resp, err := client.Post(f.url+"/v1/correct", "application/json", strings.NewReader(fmt.Sprintf(`{"query": %q}`, q)))
					if err != nil {
						b.Error(err)
						return
					}
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if resp.StatusCode != http.StatusOK {
						b.Errorf("%q: %d", q, resp.StatusCode)
						return
					}
				}
			})
		})
	}
}
