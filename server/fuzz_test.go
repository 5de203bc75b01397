package server

import (
	"context"
	"strings"
	"testing"
	"unicode/utf8"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	spellerv1 "github.com/spellwright/speller/proto/speller/v1"
)

// FuzzCorrect sends arbitrary queries, valid UTF-8 or not, through a real gRPC connection (the request is
// encoded by hand so that invalid UTF-8 reaches the server). The server must answer every one with a
// result or INVALID_ARGUMENT (never INTERNAL: a panic would show as INTERNAL), keep serving, and return
// tokens that point into the query.
func FuzzCorrect(f *testing.F) {
	for _, seed := range []string{
		"", "jewlery box", "flowr girl baske", "\xff", "jewl\xc3ery", "a\x00b\x07c", "💍 jewlery 👰🏽‍♀️",
		strings.Repeat("box ", 40), strings.Repeat("x", 1100), "ear ring", "3.5 oz", "http://x.y/z",
		"\u200bjewlery\u00a0box", "ＪＥＷＬＥＲＹ", "İstanbul ǅ ß",
	} {
		f.Add(seed)
	}
	fx := setup(f, "a", Options{}, nil)
	ctx := context.Background()
	f.Fuzz(func(t *testing.T, q string) {
		resp, err := correctRaw(ctx, fx.conn, q)
		switch code := status.Code(err); {
		case code == codes.InvalidArgument:
			if utf8.ValidString(q) && len(q) <= 1024 && !strings.Contains(err.Error(), "tokens") {
				t.Errorf("%q: %v", q, err)
			}
		case code != codes.OK:
			t.Fatalf("%q: %v, want OK or INVALID_ARGUMENT", q, err)
		case !utf8.ValidString(q):
			t.Fatalf("%q: invalid UTF-8 accepted", q)
		default:
			if (resp.Action == spellerv1.Action_ACTION_NONE) != (resp.Correction == "") || resp.ModelVersion == "" {
				t.Errorf("%q: inconsistent response %v", q, resp)
			}
			for _, tok := range resp.Tokens {
				if tok.Start < 0 || tok.Start > tok.End || tok.End > int32(len(q)) || q[tok.Start:tok.End] != tok.Typed {
					t.Errorf("%q: token %v does not point into the query", q, tok)
				}
			}
		}
	})
	// The server still serves after everything the fuzzer sent.
	if resp, err := fx.client.Correct(ctx, &spellerv1.CorrectRequest{Query: "jewlery"}); err != nil || resp.Correction != "jewelry" {
		f.Errorf("after fuzzing: %v %v", resp, err)
	}
}
