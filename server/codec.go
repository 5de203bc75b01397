package server

import (
	"errors"
	"fmt"

	"google.golang.org/grpc/encoding"
	_ "google.golang.org/grpc/encoding/proto" // registers the "proto" codec that codec delegates to
	"google.golang.org/grpc/mem"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// codec is gRPC's protobuf codec, except that a request whose string fields hold invalid UTF-8 is still
// decoded. proto3 requires strings to be valid UTF-8, and grpc-go answers a request that breaks the rule with
// INTERNAL before any handler or interceptor runs, and writes that status itself, so a handler cannot change
// it. With this codec the query reaches the corrector, which refuses it with spell.ErrInvalidUTF8: the client
// gets INVALID_ARGUMENT like for any other bad query, the call is logged and counted, and in a batch only the
// bad query fails. Valid requests take the standard path; the lenient decoder runs only after it failed.
type codec struct{ std encoding.CodecV2 }

func newCodec() codec { return codec{std: encoding.GetCodecV2("proto")} }

func (c codec) Name() string                           { return c.std.Name() }
func (c codec) Marshal(v any) (mem.BufferSlice, error) { return c.std.Marshal(v) }
func (c codec) Unmarshal(data mem.BufferSlice, v any) error {
	err := c.std.Unmarshal(data, v)
	if err == nil {
		return nil
	}
	m, ok := v.(proto.Message)
	if !ok {
		return err
	}
	buf := data.MaterializeToBuffer(mem.DefaultBufferPool())
	defer buf.Free()
	proto.Reset(m)
	if lerr := unmarshalLenient(buf.ReadOnlyData(), m.ProtoReflect(), 0); lerr != nil {
		return err // the standard error: the request is malformed beyond its strings
	}
	return nil
}

// maxDepth bounds the nesting unmarshalLenient follows, like proto.Unmarshal's recursion limit.
const maxDepth = 100

var errTooDeep = errors.New("message nested too deeply")

// unmarshalLenient decodes b into m like proto.Unmarshal, except that it accepts string fields holding
// invalid UTF-8 (Go strings may hold any bytes). It decodes the string fields and the message fields itself,
// recursively, and hands every other field to proto.Unmarshal, merged after the others; so among the members
// of a oneof, the last one on the wire wins only if they are all strings or messages (none of this service's
// requests has a oneof).
func unmarshalLenient(b []byte, m protoreflect.Message, depth int) error {
	if depth > maxDepth {
		return errTooDeep
	}
	fields := m.Descriptor().Fields()
	var rest []byte
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return protowire.ParseError(n)
		}
		vn := protowire.ConsumeFieldValue(num, typ, b[n:])
		if vn < 0 {
			return protowire.ParseError(vn)
		}
		field := b[:n+vn]
		b = b[n+vn:]
		fd := fields.ByNumber(num)
		if fd == nil || typ != protowire.BytesType || fd.IsMap() ||
			(fd.Kind() != protoreflect.StringKind && fd.Kind() != protoreflect.MessageKind) {
			rest = append(rest, field...)
			continue
		}
		v, _ := protowire.ConsumeBytes(field[n:])
		switch {
		case fd.Kind() == protoreflect.StringKind && fd.IsList():
			m.Mutable(fd).List().Append(protoreflect.ValueOfString(string(v)))
		case fd.Kind() == protoreflect.StringKind:
			m.Set(fd, protoreflect.ValueOfString(string(v)))
		case fd.IsList():
			list := m.Mutable(fd).List()
			e := list.NewElement()
			if err := unmarshalLenient(v, e.Message(), depth+1); err != nil {
				return err
			}
			list.Append(e)
		default:
			if err := unmarshalLenient(v, m.Mutable(fd).Message(), depth+1); err != nil {
				return err
			}
		}
	}
	if err := (proto.UnmarshalOptions{Merge: true}).Unmarshal(rest, m.Interface()); err != nil {
		return fmt.Errorf("server: decode: %w", err)
	}
	return nil
}
