package server

import (
	"testing"

	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	spellerv1 "github.com/spellwright/speller/proto/speller/v1"
)

func TestUnmarshalLenient(t *testing.T) {
	unknown := protowire.AppendVarint(protowire.AppendTag(nil, 99, protowire.VarintType), 7)
	tests := []struct {
		name string
		msg  proto.Message
	}{
		{"empty", &spellerv1.CorrectRequest{}},
		{"request", &spellerv1.CorrectRequest{Query: "jewlery box", OriginalResultCount: ptr[int64](0), MaxAlternatives: 3, RequestId: "r"}},
		{"batch", &spellerv1.CorrectBatchRequest{Requests: []*spellerv1.CorrectRequest{{Query: "a"}, {}, {Query: "b", MaxAlternatives: -1}}}},
		{"oneof and nesting", &spellerv1.CorrectBatchResponse{Results: []*spellerv1.CorrectBatchResult{
			{Result: &spellerv1.CorrectBatchResult_Response{Response: &spellerv1.CorrectResponse{Correction: "x", LogOdds: 2.5,
				Tokens: []*spellerv1.TokenCorrection{{Typed: "a", Chosen: "b", End: 1, Changed: true}}}}},
			{Result: &spellerv1.CorrectBatchResult_Error{Error: &spellerv1.Status{Code: 3, Message: "bad"}}},
		}}},
		{"repeated strings and timestamps", &spellerv1.ModelInfo{Version: "v", Sources: []string{"a", "b"},
			BuildTime: timestamppb.New(timestamppb.Now().AsTime()), Hyperparameters: &spellerv1.Hyperparameters{Lambda: 1}}},
	}
	for _, tt := range tests {
		b, err := proto.Marshal(tt.msg)
		if err != nil {
			t.Fatal(err)
		}
		b = append(b, unknown...)
		want, got := tt.msg.ProtoReflect().New().Interface(), tt.msg.ProtoReflect().New().Interface()
		if err := proto.Unmarshal(b, want); err != nil {
			t.Fatal(err)
		}
		if err := unmarshalLenient(b, got.ProtoReflect(), 0); err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		if !proto.Equal(got, want) {
			t.Errorf("%s: got %v, want %v", tt.name, got, want)
		}
	}

	var got spellerv1.CorrectBatchRequest
	raw := protowire.AppendBytes(protowire.AppendTag(nil, 1, protowire.BytesType), rawQuery("a\xffb"))
	if err := unmarshalLenient(raw, got.ProtoReflect(), 0); err != nil || got.Requests[0].Query != "a\xffb" {
		t.Errorf("invalid UTF-8 in a nested string: %v, %v", &got, err)
	}
	for _, bad := range [][]byte{
		{0x0a, 0x05, 'a'}, // length past the end
		{0xff},            // truncated tag
		{0x10, 0xff},      // truncated varint
		{0x08 | 0x07},     // field 1 with an invalid wire type
		rawQuery("a")[:1], // a tag without its value
	} {
		if err := unmarshalLenient(bad, new(spellerv1.CorrectRequest).ProtoReflect(), 0); err == nil {
			t.Errorf("malformed %x decoded", bad)
		}
	}
}
