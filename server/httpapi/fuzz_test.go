package httpapi_test

import (
	"encoding/json"
	"net/http"
	"testing"

	"google.golang.org/protobuf/encoding/protojson"

	spellerv1 "github.com/spellwright/speller/proto/speller/v1"
	"github.com/spellwright/speller/server"
	"github.com/spellwright/speller/server/httpapi"
)

// FuzzCorrect sends arbitrary bodies to POST /v1/correct: every answer is a CorrectResponse with 200 or a
// JSON error with 400, never a server error.
func FuzzCorrect(f *testing.F) {
	for _, body := range []string{
		`{"query": "jewlery box"}`,
		`{"query": "jewlery box", "originalResultCount": "0", "maxAlternatives": 3}`,
		`{"query": "a", "protectedTerms": ["a"], "neverSuggest": [""]}`,
		"{\"query\": \"\xff\"}",
		`{"query": "\u0000\ud800"}`,
		`{"maxAlternatives": 1e9}`,
		`{"query": null}`,
		`[]`,
		``,
		`{`,
	} {
		f.Add([]byte(body))
	}
	fx := start(f, server.Options{}, httpapi.Options{}, true)
	f.Fuzz(func(t *testing.T, body []byte) {
		status, answer := fx.do(t, "POST", "/v1/correct", string(body))
		switch status {
		case http.StatusOK:
			if err := protojson.Unmarshal(answer, &spellerv1.CorrectResponse{}); err != nil {
				t.Errorf("%q: 200 with %s: %v", body, answer, err)
			}
		case http.StatusBadRequest:
			var e struct{ Code int }
			if err := json.Unmarshal(answer, &e); err != nil || e.Code != 3 {
				t.Errorf("%q: 400 with %s (%v)", body, answer, err)
			}
		default:
			t.Errorf("%q: %d %s", body, status, answer)
		}
	})
}
