package server

import (
	"context"
	"errors"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/spellwright/speller/spell"
)

// Errors of the server that toStatus maps to codes; the spell errors and context errors are mapped too.
var (
	errInvalidArgument = errors.New("invalid argument")
	errNoModel         = errors.New("server: no model loaded yet")
	errOverloaded      = errors.New("server: overloaded")
)

// toStatus turns an error into a gRPC status error. It is the one place where errors become codes:
//
//	spell.ErrInvalidUTF8, ErrTooLong, ErrTooMany, errInvalidArgument  INVALID_ARGUMENT (the message says the limit)
//	errNoModel                                                         UNAVAILABLE
//	errOverloaded                                                      RESOURCE_EXHAUSTED
//	context.DeadlineExceeded                                           DEADLINE_EXCEEDED
//	context.Canceled                                                   CANCELED
//	any other status error                                             unchanged
//	anything else                                                      INTERNAL
func toStatus(err error) error {
	if err == nil {
		return nil
	}
	var code codes.Code
	switch {
	case errors.Is(err, spell.ErrInvalidUTF8), errors.Is(err, spell.ErrTooLong), errors.Is(err, spell.ErrTooMany),
		errors.Is(err, errInvalidArgument):
		code = codes.InvalidArgument
	case errors.Is(err, errNoModel):
		code = codes.Unavailable
	case errors.Is(err, errOverloaded):
		code = codes.ResourceExhausted
	case errors.Is(err, context.DeadlineExceeded):
		code = codes.DeadlineExceeded
	case errors.Is(err, context.Canceled):
		code = codes.Canceled
	default:
		if _, ok := status.FromError(err); ok {
			return err
		}
		code = codes.Internal
	}
	return status.Error(code, err.Error())
}
